//! The hash stage: hashes the bytes as served and tees them into the cache file, then hands
//! them to the decoder. When the decoder is done early (a qcow2 may not need its tail) the rest
//! is still hashed and teed, up to a bound. Without a decoder (image-cache fetch) it is the last
//! stage.

use super::Failure;
use super::piece::{Piece, for_zeros};
use crate::fetch::checksum::{Algo, Hasher};
use crate::report::{IronError, Kind};
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::sync::mpsc::{Receiver, Sender, SyncSender};

/// What the source delivered.
pub struct Served {
    pub bytes: u64,
    pub digest: Option<String>,
}

/// How the hash stage ended when it did not fail itself.
pub enum Hashed {
    Served(Served),
    /// The fetch stage failed or stopped: its own result says why.
    Stopped,
}

/// How many bytes past what the decoder needed are still read (and hashed) before the body is
/// called endless: as many again as the image took, at least 256 MiB (a qcow2's tail of unused
/// clusters or padding stays well within that).
fn drain_limit(needed: u64) -> u64 {
    needed.max(256 << 20)
}

pub struct HashStage {
    pub rx: Receiver<Piece>,
    /// The decoder; None when nothing decodes (the bytes only go to the tee).
    pub tx: Option<SyncSender<Piece>>,
    pub back: Sender<Vec<u8>>,
    pub algo: Option<Algo>,
    pub tee: Option<File>,
}

struct State {
    hasher: Option<Hasher>,
    bytes: u64,
    /// Bytes served when the decoder finished; what follows is drained only as far as a bound.
    done_at: Option<u64>,
}

fn cache_error(e: std::io::Error) -> Failure {
    IronError::io("cannot write to the image cache", e).into()
}

impl HashStage {
    pub fn run(mut self) -> Result<Hashed, Failure> {
        let mut st = State {
            hasher: self.algo.map(Hasher::new),
            bytes: 0,
            done_at: None,
        };
        loop {
            let piece = self.rx.recv().unwrap_or(Piece::Failed);
            let res = match piece {
                Piece::Data(buf) => self.data(&mut st, buf),
                Piece::Zeros(n) => self.zeros(&mut st, n),
                Piece::Eof => return self.end(st).map(Hashed::Served),
                Piece::Failed => {
                    self.forward(Piece::Failed);
                    return Ok(Hashed::Stopped);
                }
            };
            match res {
                Ok(true) => {}
                // Nothing needs the rest of the body: stop reading it (the fetch stage stops
                // when its channel closes).
                Ok(false) => {
                    return Ok(Hashed::Served(Served {
                        bytes: st.bytes,
                        digest: None,
                    }));
                }
                Err(f) => {
                    self.forward(Piece::Failed);
                    return Err(f);
                }
            }
        }
    }

    fn forward(&self, p: Piece) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(p);
        }
    }

    /// Hashes, tees and passes on one buffer. Ok(false): nobody needs more bytes.
    fn data(&mut self, st: &mut State, buf: Vec<u8>) -> Result<bool, Failure> {
        st.bytes += buf.len() as u64;
        if let Some(done_at) = st.done_at {
            if st.hasher.is_none() && self.tee.is_none() {
                return Ok(false);
            }
            check_drain(st.bytes, done_at)?;
        }
        if let Some(h) = st.hasher.as_mut() {
            h.update(&buf);
        }
        if let Some(t) = self.tee.as_mut() {
            t.write_all(&buf).map_err(cache_error)?;
        }
        match (&self.tx, st.done_at) {
            (Some(tx), None) => {
                if let Err(std::sync::mpsc::SendError(Piece::Data(b))) = tx.send(Piece::Data(buf)) {
                    // The decoder stopped: finished early, or failed (then `stop` ends the fetch).
                    st.done_at = Some(st.bytes);
                    let _ = self.back.send(b);
                }
            }
            _ => {
                let _ = self.back.send(buf);
            }
        }
        Ok(true)
    }

    fn zeros(&mut self, st: &mut State, n: u64) -> Result<bool, Failure> {
        st.bytes += n;
        if let Some(h) = st.hasher.as_mut() {
            for_zeros(n, |z| h.update(z));
        }
        // The cache copy keeps the hole (its length is set at the end).
        if let Some(t) = self.tee.as_mut() {
            t.seek(SeekFrom::Current(n as i64)).map_err(cache_error)?;
        }
        if st.done_at.is_none()
            && let Some(tx) = &self.tx
            && tx.send(Piece::Zeros(n)).is_err()
        {
            st.done_at = Some(st.bytes);
        }
        Ok(true)
    }

    fn end(mut self, st: State) -> Result<Served, Failure> {
        if let Some(t) = self.tee.as_mut() {
            t.set_len(st.bytes).map_err(cache_error)?;
        }
        self.forward(Piece::Eof);
        Ok(Served {
            bytes: st.bytes,
            digest: st.hasher.map(Hasher::finish_hex),
        })
    }
}

fn check_drain(bytes: u64, done_at: u64) -> Result<(), Failure> {
    if bytes - done_at > drain_limit(done_at) {
        return Err(IronError::new(
            Kind::CorruptImage,
            format!(
                "the body goes on past the end of the image: {} bytes after the {done_at} \
                 the image needed, and still more",
                bytes - done_at
            ),
        )
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{channel, sync_channel};

    fn run(pieces: Vec<Piece>, algo: Option<Algo>) -> Result<Hashed, Failure> {
        let (tx, rx) = sync_channel(pieces.len() + 1);
        for p in pieces {
            tx.send(p).unwrap();
        }
        drop(tx);
        let (back, _spent) = channel();
        HashStage {
            rx,
            tx: None,
            back,
            algo,
            tee: None,
        }
        .run()
    }

    #[test]
    fn hashes_data_and_holes_alike() {
        let got = run(
            vec![Piece::Data(b"ab".to_vec()), Piece::Zeros(3), Piece::Eof],
            Some(Algo::Sha256),
        );
        let Ok(Hashed::Served(s)) = got else { panic!() };
        assert_eq!(s.bytes, 5);
        let mut h = Hasher::new(Algo::Sha256);
        h.update(b"ab\0\0\0");
        assert_eq!(s.digest, Some(h.finish_hex()));
    }

    #[test]
    fn a_failed_or_vanished_fetch_stops_the_stage_without_its_own_error() {
        assert!(matches!(
            run(vec![Piece::Data(vec![1]), Piece::Failed], None),
            Ok(Hashed::Stopped)
        ));
        assert!(matches!(
            run(vec![Piece::Data(vec![1])], None),
            Ok(Hashed::Stopped)
        ));
    }

    #[test]
    fn an_endless_body_after_the_image_is_corrupt() {
        assert!(check_drain(300 << 20, 1 << 20).is_err());
        assert!(check_drain(200 << 20, 1 << 20).is_ok());
    }
}
