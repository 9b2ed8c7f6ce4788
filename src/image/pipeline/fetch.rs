//! The fetch stage: reads the source into recycled buffers and passes them on, so that the
//! socket is drained while the next stage hashes. Holes of a local sparse file go on unread.

use super::Failure;
use super::piece::Piece;
use crate::fetch::http::{RestartFromZero, is_restart};
use crate::image::source::SourceStream;
use crate::progress::{Phase, Progress};
use crate::report::{IronError, Key, Kind};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};

/// Source reads are gathered into buffers of this size.
pub const FETCH_BUF: usize = 1 << 20;
/// Buffers in flight between fetch and decode.
pub const FETCH_DEPTH: usize = 6;

/// How the fetch stage ended when it did not fail.
#[derive(Debug, PartialEq, Eq)]
pub enum Fetched {
    /// Every byte of the source was passed on.
    Complete,
    /// The next stage stopped taking bytes, or the pipeline was told to stop: its reason is
    /// reported by whoever stopped.
    Stopped,
}

pub struct FetchStage {
    pub reader: Box<dyn SourceStream>,
    pub length: Option<u64>,
    pub label: String,
    pub tx: SyncSender<Piece>,
    pub back: Receiver<Vec<u8>>,
    pub stop: Arc<AtomicBool>,
}

impl FetchStage {
    pub fn run(mut self) -> Result<Fetched, Failure> {
        let progress = Progress::new(Phase::Download, self.length);
        let mut allocated = 0usize;
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Ok(Fetched::Stopped);
            }
            match self.reader.zeros_ahead() {
                Ok(0) => {}
                Ok(n) => {
                    self.reader.skip_zeros(n);
                    progress.inc(n);
                    if self.tx.send(Piece::Zeros(n)).is_err() {
                        return Ok(Fetched::Stopped);
                    }
                    continue;
                }
                Err(e) => return Err(self.fail(source_error(e, &self.label))),
            }
            let Some(mut buf) = self.buffer(&mut allocated) else {
                return Ok(Fetched::Stopped);
            };
            let eof = match self.fill(&mut buf) {
                Ok(eof) => eof,
                Err(f) => return Err(self.fail(f)),
            };
            if !buf.is_empty() {
                progress.inc(buf.len() as u64);
                if self.tx.send(Piece::Data(buf)).is_err() {
                    return Ok(Fetched::Stopped);
                }
            }
            if eof {
                progress.finish();
                let _ = self.tx.send(Piece::Eof);
                return Ok(Fetched::Complete);
            }
        }
    }

    /// A recycled buffer, a new one while few are in flight, or None once the stages after
    /// this one are gone.
    fn buffer(&self, allocated: &mut usize) -> Option<Vec<u8>> {
        let mut buf = match self.back.try_recv() {
            Ok(b) => b,
            Err(_) if *allocated < 2 * FETCH_DEPTH + 2 => {
                *allocated += 1;
                Vec::with_capacity(FETCH_BUF)
            }
            Err(_) => self.back.recv().ok()?,
        };
        // A recycled buffer is usually still full length: no need to zero it again.
        buf.resize(FETCH_BUF, 0);
        Some(buf)
    }

    /// Reads into `buf` until it is full, a hole begins or the source ends (then true).
    fn fill(&mut self, buf: &mut Vec<u8>) -> Result<bool, Failure> {
        let mut n = 0;
        let mut eof = false;
        while n < buf.len() {
            match self.reader.read(&mut buf[n..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(k) => {
                    n += k;
                    // A hole begins: send what was read, the hole goes as zeros next.
                    if matches!(self.reader.zeros_ahead(), Ok(z) if z > 0) {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(source_error(e, &self.label)),
            }
            if crate::interrupt::requested() {
                return Err(IronError::new(Kind::Interrupted, "interrupted by signal").into());
            }
        }
        buf.truncate(n);
        Ok(eof)
    }

    /// Tells the next stage the source failed (so it stops waiting), and returns the failure.
    fn fail(&self, f: Failure) -> Failure {
        let _ = self.tx.send(Piece::Failed);
        f
    }
}

/// Converts a source read error into the report's error, keeping an inner IronError's kind.
pub fn source_error(e: io::Error, label: &str) -> Failure {
    if is_restart(&e) {
        let msg = e
            .get_ref()
            .and_then(|i| i.downcast_ref::<RestartFromZero>())
            .map(|r| r.to_string())
            .unwrap_or_default();
        return Failure {
            error: IronError::new(Kind::Network, msg).with(Key::Source, label),
            restart: true,
        };
    }
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<IronError>()) {
        return inner.clone().into();
    }
    let kind = if label.starts_with("http") {
        Kind::Network
    } else {
        Kind::Io
    };
    IronError::new(kind, format!("reading {label} failed"))
        .with(Key::Source, label)
        .caused_by(e)
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::format::ZeroFeed;
    use std::sync::mpsc::{channel, sync_channel};

    /// A source that yields `good` bytes, then fails with `err`.
    struct Failing {
        good: usize,
        err: Option<io::Error>,
    }
    impl io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.good > 0 {
                let n = self.good.min(buf.len());
                buf[..n].fill(1);
                self.good -= n;
                return Ok(n);
            }
            Err(self.err.take().unwrap_or_else(|| io::Error::other("again")))
        }
    }
    impl ZeroFeed for Failing {}
    impl SourceStream for Failing {}

    fn stage(reader: Failing) -> (FetchStage, std::sync::mpsc::Receiver<Piece>) {
        let (tx, rx) = sync_channel(64);
        let (_back_tx, back) = channel();
        let stage = FetchStage {
            reader: Box::new(reader),
            length: None,
            label: "/img".into(),
            tx,
            back,
            stop: Arc::new(AtomicBool::new(false)),
        };
        (stage, rx)
    }

    #[test]
    fn an_internal_error_from_the_source_surfaces_as_it_is() {
        let inner = IronError::new(Kind::Internal, "a real bug");
        let (s, rx) = stage(Failing {
            good: 10,
            err: Some(io::Error::other(inner)),
        });
        let f = s.run().unwrap_err();
        assert_eq!(
            (f.error.kind, f.error.message.as_str()),
            (Kind::Internal, "a real bug")
        );
        let last = rx.try_iter().last();
        assert!(matches!(last, Some(Piece::Failed)));
    }

    #[test]
    fn a_closed_downstream_stops_without_an_error() {
        let (s, rx) = stage(Failing {
            good: 5 << 20,
            err: None,
        });
        drop(rx);
        assert_eq!(s.run().unwrap(), Fetched::Stopped);
    }

    #[test]
    fn plain_read_errors_name_the_source() {
        let f = source_error(io::Error::other("boom"), "/img");
        assert_eq!(f.error.kind, Kind::Io);
        assert_eq!(f.error.context["source"], "/img");
        let f = source_error(io::Error::other("boom"), "http://h/i");
        assert_eq!(f.error.kind, Kind::Network);
    }
}
