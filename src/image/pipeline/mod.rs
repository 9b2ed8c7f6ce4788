//! One pass, three threads, bounded channels, one small stage per file:
//! - `fetch`: reads the source into recycled buffers (holes of a sparse file go on unread);
//! - `hash`: hashes the bytes as served and tees them into the cache;
//! - `decode`: sniffs and decodes them (through `piece::ChannelReader`), hashing the decoded
//!   image when it differs from the served one;
//! - the calling thread checks the format and the image's head (`head`), then drives the sink.
//!
//! On 2 cores hashing, decoding and writing overlap, and memory stays bounded by the channel
//! depths. `store` runs the first two stages alone (image-cache fetch). A stage that stops
//! because another failed says so (`Stopped`); only real errors are reported, whatever kind.

mod decode;
mod fetch;
mod hash;
mod head;
mod piece;

pub use hash::Served;

use crate::fetch::checksum::Algo;
use crate::image::format::{self, Chunk, Detected};
use crate::image::sink::Sink;
use crate::image::source::{Source, SourceStream};
use crate::progress::{self, Phase, Progress};
use crate::report::{IronError, Kind, Result};
use decode::{CHUNK_DEPTH, DecodeStage, Msg};
use fetch::{FETCH_DEPTH, FetchStage, Fetched};
use hash::{HashStage, Hashed};
use head::HeadProbe;
use piece::ChannelReader;
use std::fs::File;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel, sync_channel};
use std::thread::JoinHandle;

/// Decoded chunk size asked of the format layer.
pub const CHUNK_SIZE: usize = 1 << 20;

pub struct Input {
    pub reader: Box<dyn SourceStream>,
    pub length: Option<u64>,
    pub algo: Option<Algo>,
    pub tee: Option<File>,
    pub format: format::Options,
    pub label: String,
    /// Hash the decoded image (`written_sha256`); off only on request, for sparse images whose
    /// zeros would otherwise all be hashed.
    pub hash_decoded: bool,
    /// A second handle on a local qcow2 file: the decoder then reads it with random access
    /// (needed when metadata follows data) while the fetch thread still hashes it in order.
    pub seekable: Option<File>,
}

pub struct Outcome {
    /// The format as detected at the end of the stream (qcow2_path may have changed).
    pub detected: Detected,
    pub served: Served,
    pub image_size: u64,
    /// sha256 of the decoded image (the served one when they are the same bytes); None when
    /// not asked for.
    pub decoded_sha256: Option<String>,
}

/// A failed pass. `restart` asks the caller to start again at byte zero.
#[derive(Debug)]
pub struct Failure {
    pub error: IronError,
    pub restart: bool,
}

impl From<IronError> for Failure {
    fn from(error: IronError) -> Failure {
        Failure {
            error,
            restart: false,
        }
    }
}

/// What the caller checks before the sink sees the image: the detected format and served length
/// (`detected`), and the decoded image's first `head_len` bytes (`head`, called once, before the
/// chunk that completes them is pushed, or at the end for a shorter image).
pub struct Checks<'a> {
    pub detected: &'a mut dyn FnMut(&Detected, Option<u64>) -> Result<()>,
    pub head_len: usize,
    pub head: &'a mut dyn FnMut(&[u8]) -> Result<()>,
}

/// Runs `pass` again from byte zero while it asks for a restart and the source can be read
/// again, at most `retries` times; `on_restart` counts each one.
pub fn restarting<T>(
    src: &Source,
    retries: u32,
    mut on_restart: impl FnMut(),
    mut pass: impl FnMut() -> std::result::Result<T, Failure>,
) -> std::result::Result<T, Failure> {
    let mut restarts = 0u32;
    loop {
        match pass() {
            Err(f) if f.restart && src.replayable() && restarts < retries => {
                restarts += 1;
                on_restart();
                progress::warn(&format!("{}; restarting from byte zero", f.error));
            }
            other => return other,
        }
    }
}

fn spawn<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<JoinHandle<T>> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map_err(|e| IronError::io(format!("cannot start the {name} thread"), e))
}

/// A joined stage: a panic is an internal error of its own.
fn joined<T>(h: JoinHandle<T>, name: &str) -> std::result::Result<T, Failure> {
    h.join()
        .map_err(|_| IronError::new(Kind::Internal, format!("the {name} thread panicked")).into())
}

/// The fetch and hash stages, started.
struct Front {
    fetcher: JoinHandle<std::result::Result<Fetched, Failure>>,
    hasher: JoinHandle<std::result::Result<Hashed, Failure>>,
    stop: Arc<AtomicBool>,
}

impl Front {
    /// `to_decoder`: where the hash stage passes the served bytes on (None: nowhere).
    fn start(
        reader: Box<dyn SourceStream>,
        length: Option<u64>,
        label: String,
        algo: Option<Algo>,
        tee: Option<File>,
        to_decoder: Option<std::sync::mpsc::SyncSender<piece::Piece>>,
        back: (std::sync::mpsc::Sender<Vec<u8>>, Receiver<Vec<u8>>),
    ) -> Result<Front> {
        let stop = Arc::new(AtomicBool::new(false));
        let (piece_tx, piece_rx) = sync_channel(FETCH_DEPTH);
        let fetch = FetchStage {
            reader,
            length,
            label,
            tx: piece_tx,
            back: back.1,
            stop: stop.clone(),
        };
        let fetcher = spawn("fetch", move || fetch.run())?;
        let hash = HashStage {
            rx: piece_rx,
            tx: to_decoder,
            back: back.0,
            algo,
            tee,
        };
        let hasher = spawn("hash", move || hash.run())?;
        Ok(Front {
            fetcher,
            hasher,
            stop,
        })
    }

    /// Joins both stages. The first real error wins; `Served` is None when the hash stage
    /// stopped because the fetch stage did.
    fn finish(self) -> std::result::Result<Option<Served>, Failure> {
        let hashed = joined(self.hasher, "hash");
        let fetched = joined(self.fetcher, "fetch")?;
        fetched?;
        match hashed?? {
            Hashed::Served(s) => Ok(Some(s)),
            Hashed::Stopped => Ok(None),
        }
    }
}

/// Fetches `reader` into `tee`, hashing it: image-cache fetch, through the same stages as
/// image-write.
pub fn store(
    reader: Box<dyn SourceStream>,
    length: Option<u64>,
    label: &str,
    algo: Algo,
    tee: File,
) -> std::result::Result<Served, Failure> {
    let front = Front::start(
        reader,
        length,
        label.to_string(),
        Some(algo),
        Some(tee),
        None,
        channel(),
    )?;
    front.finish()?.ok_or_else(|| {
        IronError::new(Kind::Internal, format!("fetching {label} stopped early")).into()
    })
}

/// What the sink loop saw.
#[derive(Default)]
struct Driven {
    detected: Option<Detected>,
    decoded: Option<String>,
    image_size: u64,
    ended: bool,
}

/// Runs one pass from `input` into `sink`. Nothing held back is released: the caller verifies,
/// then finishes.
pub fn run(
    mut input: Input,
    sink: &mut Sink,
    checks: Checks,
) -> std::result::Result<Outcome, Failure> {
    let (src_tx, src_rx) = sync_channel(FETCH_DEPTH);
    let (back_tx, back_rx) = channel();
    let (chunk_tx, chunk_rx) = sync_channel::<Msg>(CHUNK_DEPTH);
    let (recycle_tx, recycle_rx) = channel::<Vec<u8>>();
    let length = input.length;
    let served_is_sha256 = input.algo == Some(Algo::Sha256);
    let label = input.label.clone();
    let decode = DecodeStage {
        reader: ChannelReader::new(src_rx, back_tx.clone()),
        seekable: input.seekable.take(),
        opts: input.format.clone(),
        tx: chunk_tx,
        recycled: recycle_rx,
        served_is_sha256,
        hash_decoded: input.hash_decoded,
    };
    let front = Front::start(
        input.reader,
        length,
        input.label,
        input.algo,
        input.tee.take(),
        Some(src_tx),
        (back_tx, back_rx),
    )?;
    let decoder = spawn("decode", move || decode.run())?;

    let driven = drive(&chunk_rx, &recycle_tx, sink, checks, length);
    drop(chunk_rx);
    let decoded = joined(decoder, "decode");
    let sink_failed = driven.is_err();
    if sink_failed || !driven.as_ref().is_ok_and(|d| d.ended) {
        front.stop.store(true, Ordering::SeqCst);
    }
    let driven = match driven {
        // An interrupt leaves the reader threads behind (the process is about to exit).
        Err(f) if f.error.kind == Kind::Interrupted => return Err(f),
        d => d,
    };
    let served = front.finish();
    let driven = driven?;
    let served = served?;
    decoded?.map_err(Failure::from)?;
    let (Some(served), true, Some(detected)) = (served, driven.ended, driven.detected) else {
        return Err(IronError::new(
            Kind::Internal,
            format!("the pipeline for {label} stopped early"),
        )
        .into());
    };
    let decoded_sha256 = match driven.decoded {
        Some(d) => Some(d),
        None if input.hash_decoded && decode::same_as_served(&detected, served_is_sha256) => {
            served.digest.clone()
        }
        None => None,
    };
    Ok(Outcome {
        detected,
        served,
        image_size: driven.image_size,
        decoded_sha256,
    })
}

/// The calling thread's loop: checks, then pushes every chunk into the sink.
fn drive(
    rx: &Receiver<Msg>,
    recycle: &std::sync::mpsc::Sender<Vec<u8>>,
    sink: &mut Sink,
    checks: Checks,
    length: Option<u64>,
) -> std::result::Result<Driven, Failure> {
    let Checks {
        detected: check,
        head_len,
        head: head_check,
    } = checks;
    let mut head = HeadProbe::new(head_len);
    let mut out = Driven::default();
    let mut written: Option<Progress> = None;
    loop {
        // Poll so that Ctrl-C is honoured even while the source stalls.
        let msg = match rx.recv_timeout(std::time::Duration::from_millis(200)) {
            Ok(m) => m,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                crate::interrupt::check()?;
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Ok(out),
        };
        crate::interrupt::check()?;
        match msg {
            Msg::Detected(d) => {
                check(&d, length)?;
                written = Some(Progress::new(Phase::Write, d.size_hint(length)));
                out.detected = Some(d);
            }
            Msg::Chunk(c) => {
                if let Some(h) = head.feed(&c) {
                    head_check(h)?;
                }
                let n = match &c {
                    Chunk::Data(d) => d.len() as u64,
                    Chunk::Zero(n) => *n,
                };
                sink.push(c)?;
                out.image_size += n;
                if let Some(p) = &written {
                    p.inc(n);
                }
                for buf in sink.spent.drain(..) {
                    let _ = recycle.send(buf);
                }
            }
            Msg::End(d, digest) => {
                if let Some(h) = head.finish_if(true) {
                    head_check(h)?;
                }
                if let Some(p) = &written {
                    p.finish();
                }
                out.detected = Some(d);
                out.decoded = digest;
                out.ended = true;
                return Ok(out);
            }
        }
    }
}
