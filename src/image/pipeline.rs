//! One pass, three threads, bounded channels: the fetch thread reads the source, hashes the
//! bytes as served and tees them into the cache; the decode thread sniffs and decodes; the
//! calling thread hashes the decoded image and drives the sink. On 2 cores hashing, decoding and
//! writing overlap, and memory stays bounded by the channel depths.

use crate::fetch::checksum::{Algo, Hasher};
use crate::fetch::http::{RestartFromZero, is_restart};
use crate::image::format::{self, Chunk, Detected};
use crate::image::sink::Sink;
use crate::image::source::SourceStream;
use crate::progress::Progress;
use crate::report::{IronError, Kind, Result};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

/// Source reads are gathered into buffers of this size.
const FETCH_BUF: usize = 1 << 20;
/// Buffers in flight between fetch and decode.
const FETCH_DEPTH: usize = 6;
/// Decoded chunks in flight between decode and the sink.
const CHUNK_DEPTH: usize = 6;
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

/// What the source delivered.
pub struct Served {
    pub bytes: u64,
    pub digest: Option<String>,
    pub tee: Option<File>,
}

/// The sniffed format, copied out of the decoder thread.
#[derive(Debug, Clone)]
pub struct Sniffed {
    pub format: &'static str,
    pub compression: &'static str,
    pub virtual_size: Option<u64>,
    pub qcow2_path: Option<&'static str>,
}

impl From<&Detected> for Sniffed {
    fn from(d: &Detected) -> Sniffed {
        Sniffed {
            format: d.format,
            compression: d.compression,
            virtual_size: d.virtual_size,
            qcow2_path: d.qcow2_path,
        }
    }
}

pub struct Outcome {
    pub sniffed: Sniffed,
    pub served: Served,
    pub image_size: u64,
    /// sha256 of the decoded image (the served one when they are the same bytes); None when
    /// not asked for.
    pub decoded_sha256: Option<String>,
}

/// A failed pass. `restart` asks the caller to start again at byte zero.
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

enum Msg {
    Detected(Sniffed),
    Chunk(Chunk),
    /// The stream ended; carries the final detection (qcow2_path may have changed) and the
    /// decoded image's sha256 when it had to be computed.
    End(Sniffed, Option<String>),
}

/// What the hash stage hands the decoder.
enum Feed {
    Data(Vec<u8>),
    /// A run of zeros the source knew of without reading it (a hole in a local file).
    Zeros(u64),
    Failed,
}

/// Feeds the decoder from the fetch thread's buffers, returning each for reuse.
struct ChannelReader {
    rx: Receiver<Feed>,
    back: Sender<Vec<u8>>,
    cur: Vec<u8>,
    at: usize,
    zeros: u64,
}

impl ChannelReader {
    /// Once the current buffer is used up: returns it for reuse and takes the next piece.
    /// Ok(false) at the end of the stream.
    fn next_piece(&mut self) -> io::Result<bool> {
        let done = std::mem::take(&mut self.cur);
        if done.capacity() > 0 {
            let _ = self.back.send(done);
        }
        self.at = 0;
        match self.rx.recv() {
            Ok(Feed::Data(buf)) => self.cur = buf,
            Ok(Feed::Zeros(n)) => self.zeros = n,
            Ok(Feed::Failed) => return Err(io::Error::other(SourceFailed)),
            Err(_) => return Ok(false),
        }
        Ok(true)
    }
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.zeros == 0 && self.at >= self.cur.len() {
            if !self.next_piece()? {
                return Ok(0);
            }
        }
        if self.zeros > 0 {
            let n = (out.len() as u64).min(self.zeros) as usize;
            out[..n].fill(0);
            self.zeros -= n as u64;
            return Ok(n);
        }
        let n = out.len().min(self.cur.len() - self.at);
        out[..n].copy_from_slice(&self.cur[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Holes of a local sparse file reach a raw image's decoder as runs of zeros it passes on as
/// `Chunk::Zero`, never as buffers of zeros (qcow2 and compressed streams read them as zeros).
impl format::ZeroFeed for ChannelReader {
    fn zeros_ahead(&mut self) -> io::Result<u64> {
        if self.zeros > 0 || self.at < self.cur.len() {
            return Ok(self.zeros);
        }
        // The current buffer is used up: see what comes next.
        self.next_piece()?;
        Ok(self.zeros)
    }

    fn skip_zeros(&mut self, n: u64) {
        self.zeros -= n.min(self.zeros);
    }
}

/// Marker: the decoder stopped because the source failed (the fetch error is the real one).
#[derive(Debug)]
struct SourceFailed;
impl std::fmt::Display for SourceFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the source failed")
    }
}
impl std::error::Error for SourceFailed {}

/// Converts a source read error into the report's error, keeping an inner IronError's kind.
fn source_error(e: io::Error, label: &str) -> Failure {
    if is_restart(&e) {
        let msg = e
            .get_ref()
            .and_then(|i| i.downcast_ref::<RestartFromZero>())
            .map(|r| r.to_string())
            .unwrap_or_default();
        return Failure {
            error: IronError::new(Kind::Network, msg).with("source", label),
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
        .with("source", label)
        .caused_by(e)
        .into()
}

/// Reads the source into buffers (recycled through `back`) and passes them on, so that the
/// socket is drained while the next stage hashes.
fn fetch(
    mut reader: Box<dyn SourceStream>,
    length: Option<u64>,
    label: String,
    tx: SyncSender<Piece>,
    back: Receiver<Vec<u8>>,
    stop: Arc<AtomicBool>,
) -> std::result::Result<(), Failure> {
    let progress = Progress::new("download", length);
    let mut allocated = 0usize;
    let stopped = || Failure::from(IronError::new(Kind::Internal, "stopped"));
    loop {
        if stop.load(Ordering::SeqCst) {
            return Err(stopped());
        }
        match reader.zeros_ahead() {
            Ok(0) => {}
            Ok(n) => {
                reader.skip_zeros(n);
                progress.inc(n);
                tx.send(Piece::Zeros(n)).map_err(|_| stopped())?;
                continue;
            }
            Err(e) => {
                let _ = tx.send(Piece::Failed);
                return Err(source_error(e, &label));
            }
        }
        let mut buf = match back.try_recv() {
            Ok(b) => b,
            Err(_) if allocated < 2 * FETCH_DEPTH + 2 => {
                allocated += 1;
                Vec::with_capacity(FETCH_BUF)
            }
            Err(_) => back.recv().map_err(|_| stopped())?,
        };
        // A recycled buffer is usually still full length: no need to zero it again.
        buf.resize(FETCH_BUF, 0);
        let mut n = 0;
        let mut eof = false;
        while n < FETCH_BUF {
            match reader.read(&mut buf[n..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(k) => {
                    n += k;
                    // A hole begins: send what was read, the hole goes as zeros next.
                    if matches!(reader.zeros_ahead(), Ok(z) if z > 0) {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Piece::Failed);
                    return Err(source_error(e, &label));
                }
            }
            if crate::interrupt::requested() {
                let _ = tx.send(Piece::Failed);
                return Err(IronError::new(Kind::Interrupted, "interrupted by signal").into());
            }
        }
        buf.truncate(n);
        if n > 0 {
            progress.inc(n as u64);
            tx.send(Piece::Data(buf)).map_err(|_| stopped())?;
        }
        if eof {
            progress.finish();
            let _ = tx.send(Piece::Eof);
            return Ok(());
        }
    }
}

/// Calls `f` on slices of zeros that add up to `n` bytes (hashing a run of zeros).
fn for_zeros(n: u64, mut f: impl FnMut(&[u8])) {
    static ZEROS: [u8; 64 << 10] = [0; 64 << 10];
    let mut left = n;
    while left > 0 {
        let k = left.min(ZEROS.len() as u64) as usize;
        f(&ZEROS[..k]);
        left -= k as u64;
    }
}

enum Piece {
    Data(Vec<u8>),
    Zeros(u64),
    Eof,
    Failed,
}

/// How many bytes past what the decoder needed are still read (and hashed) before the body is
/// called endless: as many again as the image took, at least 256 MiB (a qcow2's tail of unused
/// clusters or padding stays well within that).
fn drain_limit(needed: u64) -> u64 {
    needed.max(256 << 20)
}

/// Hashes the bytes as served and tees them into the cache, then hands them to the decoder.
/// When the decoder is done early (a qcow2 may not need its tail) the rest is still hashed.
fn hash_stage(
    rx: Receiver<Piece>,
    tx: SyncSender<Feed>,
    back: Sender<Vec<u8>>,
    algo: Option<Algo>,
    mut tee: Option<File>,
) -> std::result::Result<Served, Failure> {
    let mut hasher = algo.map(Hasher::new);
    let mut bytes = 0u64;
    let mut draining = false;
    // Bytes served when the decoder finished; what follows is drained only as far as a bound.
    let mut done_at = 0u64;
    let cache_error = |e| IronError::io("cannot write to the image cache", e).into();
    loop {
        let buf = match rx.recv() {
            Ok(Piece::Data(b)) => b,
            Ok(Piece::Zeros(n)) => {
                bytes += n;
                if let Some(h) = hasher.as_mut() {
                    for_zeros(n, |z| h.update(z));
                }
                // The cache copy keeps the hole (its length is set at the end).
                if let Some(t) = tee.as_mut() {
                    t.seek(SeekFrom::Current(n as i64)).map_err(cache_error)?;
                }
                if !draining && tx.send(Feed::Zeros(n)).is_err() {
                    draining = true;
                    done_at = bytes;
                }
                continue;
            }
            Ok(Piece::Eof) => {
                if let Some(t) = tee.as_mut() {
                    t.set_len(bytes).map_err(cache_error)?;
                }
                return Ok(Served {
                    bytes,
                    digest: hasher.map(Hasher::finish_hex),
                    tee,
                });
            }
            Ok(Piece::Failed) | Err(_) => {
                let _ = tx.send(Feed::Failed);
                return Err(IronError::new(Kind::Internal, "the source stopped").into());
            }
        };
        bytes += buf.len() as u64;
        if draining {
            // Nothing needs the rest of the body: stop reading it (the fetch thread stops when
            // its channel closes). A checksum or the cache needs it all, but only so much.
            if hasher.is_none() && tee.is_none() {
                return Ok(Served {
                    bytes,
                    digest: None,
                    tee,
                });
            }
            if bytes - done_at > drain_limit(done_at) {
                let _ = tx.send(Feed::Failed);
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
        }
        if let Some(h) = hasher.as_mut() {
            h.update(&buf);
        }
        if let Some(t) = tee.as_mut()
            && let Err(e) = t.write_all(&buf)
        {
            let _ = tx.send(Feed::Failed);
            return Err(cache_error(e));
        }
        if draining {
            let _ = back.send(buf);
        } else if let Err(std::sync::mpsc::SendError(Feed::Data(b))) = tx.send(Feed::Data(buf)) {
            // The decoder stopped: finished early, or failed (then `stop` ends the fetch).
            draining = true;
            done_at = bytes;
            let _ = back.send(b);
        }
    }
}

fn decode(
    reader: ChannelReader,
    seekable: Option<File>,
    opts: format::Options,
    tx: SyncSender<Msg>,
    recycled: Receiver<Vec<u8>>,
    served_is_sha256: bool,
    hash_decoded: bool,
) -> std::result::Result<(), IronError> {
    let mut stream = match seekable {
        Some(f) => {
            drop(reader);
            format::open_seekable(Box::new(f), &opts)?
        }
        None => format::open_feed(Box::new(reader), &opts)?,
    };
    let d = stream.detected();
    // Raw and uncompressed: the decoded image is the served stream, already hashed with sha256.
    // Hashing here, not in the writer, keeps the writer free for I/O.
    let mut hasher =
        (hash_decoded && !same_as_served(&d.into(), served_is_sha256)).then(Sha256::new);
    if tx.send(Msg::Detected(d.into())).is_err() {
        return Ok(());
    }
    loop {
        while let Ok(buf) = recycled.try_recv() {
            stream.recycle(buf);
        }
        let Some(chunk) = stream.next_chunk()? else {
            break;
        };
        if let Some(h) = hasher.as_mut() {
            match &chunk {
                Chunk::Data(d) => h.update(d),
                Chunk::Zero(n) => for_zeros(*n, |z| h.update(z)),
            }
        }
        if tx.send(Msg::Chunk(chunk)).is_err() {
            return Ok(());
        }
    }
    let digest = hasher.map(|h| crate::fetch::checksum::hex(&h.finalize()));
    let _ = tx.send(Msg::End(stream.detected().into(), digest));
    Ok(())
}

/// Runs one pass from `input` into `sink`. `check` sees the sniffed format before anything is
/// written (size checks). Nothing held back is released: the caller verifies, then finishes.
/// What the caller checks before the sink sees the image: the sniffed format and length
/// (`sniffed`), and the decoded image's first `head_len` bytes (`head`, called once, before the
/// chunk that completes them is pushed, or at the end for a shorter image).
pub struct Checks<'a> {
    pub sniffed: &'a mut dyn FnMut(&Sniffed, Option<u64>) -> Result<()>,
    pub head_len: usize,
    pub head: &'a mut dyn FnMut(&[u8]) -> Result<()>,
}

/// Gathers the decoded head for `Checks::head`. Returns Some(bytes) once, when complete.
struct HeadProbe {
    buf: Vec<u8>,
    want: usize,
    done: bool,
}

impl HeadProbe {
    fn feed(&mut self, c: &Chunk) -> Option<&[u8]> {
        if self.done {
            return None;
        }
        let room = self.want - self.buf.len();
        match c {
            Chunk::Data(d) => self.buf.extend_from_slice(&d[..d.len().min(room)]),
            Chunk::Zero(n) => self
                .buf
                .resize(self.buf.len() + (*n).min(room as u64) as usize, 0),
        }
        self.finish_if(self.buf.len() >= self.want)
    }

    fn finish_if(&mut self, ready: bool) -> Option<&[u8]> {
        if self.done || !ready {
            return None;
        }
        self.done = true;
        Some(&self.buf)
    }
}

pub fn run(
    mut input: Input,
    sink: &mut Sink,
    checks: Checks,
) -> std::result::Result<Outcome, Failure> {
    let Checks {
        sniffed: check,
        head_len,
        head: head_check,
    } = checks;
    let mut head = HeadProbe {
        buf: Vec::with_capacity(head_len),
        want: head_len,
        done: head_len == 0,
    };
    let (src_tx, src_rx) = sync_channel(FETCH_DEPTH);
    let (back_tx, back_rx) = channel();
    let (chunk_tx, chunk_rx) = sync_channel::<Msg>(CHUNK_DEPTH);
    let length = input.length;
    let served_is_sha256 = input.algo == Some(Algo::Sha256);
    let hash_decoded = input.hash_decoded;
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let label = input.label.clone();
    let fmt_opts = input.format.clone();
    let seekable = input.seekable.take();
    let (recycle_tx, recycle_rx) = channel::<Vec<u8>>();
    let (piece_tx, piece_rx) = sync_channel::<Piece>(FETCH_DEPTH);
    let (reader_in, len_in, label_in) = (input.reader, input.length, input.label.clone());
    let fetcher = std::thread::Builder::new()
        .name("fetch".into())
        .spawn(move || fetch(reader_in, len_in, label_in, piece_tx, back_rx, stop2))
        .map_err(|e| IronError::io("cannot start the fetch thread", e))?;
    let (algo, tee, back_hash) = (input.algo, input.tee.take(), back_tx.clone());
    let hasher = std::thread::Builder::new()
        .name("hash".into())
        .spawn(move || hash_stage(piece_rx, src_tx, back_hash, algo, tee))
        .map_err(|e| IronError::io("cannot start the hash thread", e))?;
    let reader = ChannelReader {
        rx: src_rx,
        back: back_tx,
        cur: Vec::new(),
        at: 0,
        zeros: 0,
    };
    let decoder = std::thread::Builder::new()
        .name("decode".into())
        .spawn(move || {
            decode(
                reader,
                seekable,
                fmt_opts,
                chunk_tx,
                recycle_rx,
                served_is_sha256,
                hash_decoded,
            )
        })
        .map_err(|e| IronError::io("cannot start the decode thread", e))?;

    let mut sniffed: Option<Sniffed> = None;
    let mut decoded: Option<String> = None;
    let mut image_size = 0u64;
    let mut ended = false;
    let mut sink_err: Option<Failure> = None;
    loop {
        // Poll so that Ctrl-C is honoured even while the source stalls; the reader threads are
        // then left behind (the process is about to exit).
        let msg = match chunk_rx.recv_timeout(std::time::Duration::from_millis(200)) {
            Ok(m) => m,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Err(e) = crate::interrupt::check() {
                    stop.store(true, Ordering::SeqCst);
                    return Err(e.into());
                }
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        };
        if let Err(e) = crate::interrupt::check() {
            sink_err = Some(e.into());
            break;
        }
        match msg {
            Msg::Detected(s) => {
                if let Err(e) = check(&s, length) {
                    sink_err = Some(e.into());
                    break;
                }
                sniffed = Some(s);
            }
            Msg::Chunk(c) => {
                if let Some(h) = head.feed(&c)
                    && let Err(e) = head_check(h)
                {
                    sink_err = Some(e.into());
                    break;
                }
                image_size += match &c {
                    Chunk::Data(d) => d.len() as u64,
                    Chunk::Zero(n) => *n,
                };
                if let Err(e) = sink.push(c) {
                    sink_err = Some(e.into());
                    break;
                }
                for buf in sink.spent.drain(..) {
                    let _ = recycle_tx.send(buf);
                }
            }
            Msg::End(s, digest) => {
                if let Some(h) = head.finish_if(true)
                    && let Err(e) = head_check(h)
                {
                    sink_err = Some(e.into());
                    break;
                }
                sniffed = Some(s);
                decoded = digest;
                ended = true;
                break;
            }
        }
    }
    drop(chunk_rx);
    let dec_res = decoder.join();
    if sink_err.is_some() || !ended {
        stop.store(true, Ordering::SeqCst);
    }
    let hash_res = hasher.join();
    let fetch_res = fetcher.join();
    if let Some(e) = sink_err {
        return Err(e);
    }
    match fetch_res {
        Ok(Ok(())) => {}
        Ok(Err(f)) if f.error.kind != Kind::Internal => return Err(f),
        Ok(Err(_)) => {}
        Err(_) => return Err(IronError::new(Kind::Internal, "the fetch thread panicked").into()),
    }
    let served = match hash_res {
        Ok(Ok(s)) => Some(s),
        Ok(Err(f)) if f.error.kind != Kind::Internal => return Err(f),
        Ok(Err(_)) => None,
        Err(_) => return Err(IronError::new(Kind::Internal, "the hash thread panicked").into()),
    };
    match dec_res {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e.into()),
        Err(_) => return Err(IronError::new(Kind::Internal, "the decode thread panicked").into()),
    }
    let (Some(served), true, Some(sniffed)) = (served, ended, sniffed) else {
        return Err(IronError::new(
            Kind::Internal,
            format!("the pipeline for {label} stopped early"),
        )
        .into());
    };
    let decoded_sha256 = match decoded {
        Some(d) => Some(d),
        None if hash_decoded && same_as_served(&sniffed, served_is_sha256) => served.digest.clone(),
        None => None,
    };
    Ok(Outcome {
        sniffed,
        served,
        image_size,
        decoded_sha256,
    })
}

/// Raw and uncompressed: the decoded image is the served stream, whose sha256 the hash stage
/// computes anyway when the checksum is a sha256. Hashing it again in the decoder is waste.
fn same_as_served(s: &Sniffed, served_is_sha256: bool) -> bool {
    s.format == "raw" && s.compression == "none" && served_is_sha256
}
