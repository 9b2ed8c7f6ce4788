//! The image format layer (DESIGN.md §5): sniffs what the served bytes are (by magic bytes,
//! never by name), undoes their compression (gzip, zstd, xz) and turns a qcow2 into the guest
//! byte stream, all in one streaming pass and bounded memory.
//!
//! Contract for the pipeline:
//! - `open`/`open_seekable` read the head of the input (and, for qcow2, the header and the L1
//!   table) and refuse before any chunk exists: `unsafe_image` (qcow2 backing file, external
//!   data file, encryption, unknown incompatible feature bits), `unsupported_format` (vmdk, vhdx,
//!   qed, vdi, bzip2, lz4, qcow version 1, extended L2, compression applied twice, a forced
//!   qcow2 that is not one), `corrupt_image` (bad qcow2 header or L1).
//! - `next_chunk` yields the guest bytes in order; `None` only after every check passed. Its
//!   errors: `corrupt_image` (truncated stream, trailing garbage, bad qcow2 metadata, a cluster
//!   that does not decompress), `unsupported_format` (a qcow2 not in streaming order on a
//!   forward-only source without a spill directory or Range access: raised when met, possibly
//!   after chunks were produced), `io` (spill file), `network` (a Range request), `interrupted`, and the source's own errors unchanged (an
//!   `IronError` carried inside an `io::Error` by the source comes back as it was).
//! - `Chunk::Data` holds at most `max(chunk_size, qcow2 cluster size)` bytes; `Chunk::Zero` may
//!   cover any length (a whole unallocated qcow2 range at once). Data chunks may still contain
//!   zeros: the sink detects them with `is_all_zero`.
//! - `ForceFormat::Raw` writes the (decompressed) bytes as they are, whatever their magic;
//!   compression is always undone.
//! - Memory: one chunk, a 16 MiB window of recently skipped qcow2 bytes, the qcow2 L1 table
//!   (QEMU's 32 MiB limit; 16 KiB for 1 TiB with 64 KiB clusters), one L2 table and one cluster;
//!   plus the zstd window the frame asks for (8 MiB or less at the default levels, 128 MiB for
//!   `--long=27`, the most a frame may ask for: larger windows are refused).
mod decompress;
mod detected;
mod errors;
mod qcow2;
mod raw;
mod sniff;

use crate::report::{IronError, Kind, Result};
use decompress::Decoded;
use errors::{SourceReader, source_error};
use sniff::{Magic, peek, sniff};
use std::io::{Read, Seek, SeekFrom};

pub use detected::{Compression, Detected, ForceFormat, ImageFormat, Qcow2Path};

/// Consecutive guest bytes, in order: either data or a run of zeros (unallocated or zero clusters).
pub enum Chunk {
    Data(Vec<u8>),
    Zero(u64),
}

/// A decoded guest stream.
pub trait ImageStream: Send {
    fn detected(&self) -> &Detected;
    /// The next run of guest bytes; `None` at the end (after every integrity check passed).
    fn next_chunk(&mut self) -> Result<Option<Chunk>>;
    /// Hands a `Chunk::Data` buffer back for reuse (optional; saves an allocation per chunk).
    fn recycle(&mut self, _buf: Vec<u8>) {}
}

#[derive(Debug, Clone)]
pub struct Options {
    pub force: ForceFormat,
    /// Where a qcow2 whose metadata follows its data may spill (never RAM); None: no spilling.
    pub spill_dir: Option<std::path::PathBuf>,
    /// Size of `Chunk::Data` buffers (e.g. 4 MiB).
    pub chunk_size: usize,
    /// A second, seekable road to the same served bytes (HTTP Range requests), for a qcow2 whose
    /// metadata follows its data when there is no spill directory. Uncompressed images only.
    pub ranged: Option<RangeOpener>,
}

/// Opens a seekable reader on the served bytes, on first need.
#[derive(Clone)]
pub struct RangeOpener(
    pub std::sync::Arc<dyn Fn() -> Result<Box<dyn ReadSeek + Send>> + Send + Sync>,
);

impl std::fmt::Debug for RangeOpener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RangeOpener")
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            force: ForceFormat::Auto,
            spill_dir: None,
            chunk_size: 4 << 20,
            ranged: None,
        }
    }
}

pub trait ReadSeek: std::io::Read + std::io::Seek {}
impl<T: std::io::Read + std::io::Seek> ReadSeek for T {}

/// A reader that may know of runs of zeros ahead without reading them (holes of a local sparse
/// file, passed down the pipeline unread): a raw image turns them into `Chunk::Zero` instead of
/// buffers filled with zeros that the sink would scan again.
pub trait ZeroFeed: Read + Send {
    /// Bytes from here on that read as zeros, to be passed with `skip_zeros`; 0 when none are
    /// known (the next bytes may still be zeros).
    fn zeros_ahead(&mut self) -> std::io::Result<u64> {
        Ok(0)
    }
    fn skip_zeros(&mut self, _n: u64) {}
}

/// A reader that knows of no zeros ahead.
struct Plain<R>(R);

impl<R: Read> Read for Plain<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read + Send> ZeroFeed for Plain<R> {}

impl ZeroFeed for Box<dyn ZeroFeed> {
    fn zeros_ahead(&mut self) -> std::io::Result<u64> {
        (**self).zeros_ahead()
    }
    fn skip_zeros(&mut self, n: u64) {
        (**self).skip_zeros(n)
    }
}

/// Sniffs `input` (the bytes as served, after checksumming) and returns the decoded guest stream.
pub fn open(input: Box<dyn std::io::Read + Send>, opts: &Options) -> Result<Box<dyn ImageStream>> {
    open_feed(Box::new(Plain(input)), opts)
}

/// Same, from a reader that may pass runs of zeros on unread.
pub fn open_feed(input: Box<dyn ZeroFeed>, opts: &Options) -> Result<Box<dyn ImageStream>> {
    let (head, input) = peek(SourceReader(input)).map_err(|e| source_error(&e))?;
    let input: Box<dyn ZeroFeed> = Box::new(input);
    let decoded = match sniff(&head) {
        Magic::Gzip => Decoded::gzip(input),
        Magic::Zstd => Decoded::zstd(input)?,
        Magic::Xz => Decoded::xz(input),
        magic => return open_plain(magic, input, Compression::None, opts),
    };
    let compression = decoded.compression();
    let what = compression.stream_name();
    let (head, inner) = peek(decoded).map_err(|e| errors::read_error(e, what))?;
    let inner: Box<dyn Read + Send> = Box::new(inner);
    match sniff(&head) {
        Magic::Gzip | Magic::Zstd | Magic::Xz if opts.force != ForceFormat::Raw => {
            Err(IronError::new(
                Kind::UnsupportedFormat,
                format!(
                    "image is compressed twice ({} around another compressed stream); decompress it once first",
                    compression.as_str()
                ),
            ))
        }
        magic => open_plain(magic, Box::new(Plain(inner)), compression, opts),
    }
}

/// The image format layer once compression is undone: raw or qcow2 over a forward-only stream.
fn open_plain(
    magic: Magic,
    input: Box<dyn ZeroFeed>,
    compression: Compression,
    opts: &Options,
) -> Result<Box<dyn ImageStream>> {
    let what = compression.stream_name();
    match (opts.force, magic) {
        (ForceFormat::Raw, _) | (ForceFormat::Auto, Magic::Raw) => Ok(Box::new(
            raw::RawStream::new(input, what, Detected::raw(compression), opts.chunk_size),
        )),
        (_, Magic::Qcow2) => qcow2::open_stream(input, compression, opts),
        (ForceFormat::Qcow2, _) => Err(not_qcow2(magic)),
        (ForceFormat::Auto, Magic::Unsupported(name)) => Err(IronError::new(
            Kind::UnsupportedFormat,
            format!("image format '{name}' is not supported; convert it to raw or qcow2"),
        )),
        (ForceFormat::Auto, _) => unreachable!("compressed magics are handled by the caller"),
    }
}

fn not_qcow2(magic: Magic) -> IronError {
    let found = match magic {
        Magic::Unsupported(name) => name,
        _ => "raw",
    };
    IronError::new(
        Kind::UnsupportedFormat,
        format!("image is not qcow2 (its magic bytes say '{found}') but qcow2 was forced"),
    )
}

/// Same, when the source can seek (local file, cache file, HTTP Range reader): enables random
/// access for qcow2. Compressed images are streams whatever the source: they take `open`'s path.
pub fn open_seekable(
    input: Box<dyn ReadSeek + Send>,
    opts: &Options,
) -> Result<Box<dyn ImageStream>> {
    let mut input = SourceReader(input);
    let start = input.stream_position().map_err(|e| source_error(&e))?;
    let mut head = vec![0u8; sniff::SNIFF_LEN];
    let got = raw::fill(&mut input, &mut head).map_err(|e| source_error(&e))?;
    head.truncate(got);
    input
        .seek(SeekFrom::Start(start))
        .map_err(|e| source_error(&e))?;
    let magic = sniff(&head);
    if magic == Magic::Qcow2 && opts.force != ForceFormat::Raw {
        return qcow2::open_seekable(Box::new(input), start, opts);
    }
    open(Box::new(input.0), opts)
}

/// True when every byte of `buf` is zero; word-wise so the sink can afford it on every buffer.
pub fn is_all_zero(buf: &[u8]) -> bool {
    let mut blocks = buf.chunks_exact(64);
    for block in &mut blocks {
        let mut acc = 0u64;
        for word in block.chunks_exact(8) {
            acc |= u64::from_ne_bytes(word.try_into().expect("8-byte word"));
        }
        if acc != 0 {
            return false;
        }
    }
    blocks.remainder().iter().all(|&b| b == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_zero_checks_every_byte() {
        assert!(is_all_zero(&[]));
        assert!(is_all_zero(&[0u8; 4099]));
        for at in [0, 7, 63, 64, 4000, 4098] {
            let mut b = vec![0u8; 4099];
            b[at] = 0x80;
            assert!(!is_all_zero(&b), "byte {at}");
        }
    }

    fn drain(mut s: Box<dyn ImageStream>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(c) = s.next_chunk()? {
            match c {
                Chunk::Data(b) => out.extend_from_slice(&b),
                Chunk::Zero(n) => out.resize(out.len() + n as usize, 0),
            }
        }
        Ok(out)
    }

    #[test]
    fn raw_and_compressed_streams_in_memory() {
        use std::io::Write;
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 97) as u8).collect();
        let opts = Options {
            chunk_size: 4096,
            ..Options::default()
        };
        let s = open(Box::new(std::io::Cursor::new(data.clone())), &opts).unwrap();
        assert_eq!(s.detected().format, ImageFormat::Raw);
        assert_eq!(drain(s).unwrap(), data);

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&data).unwrap();
        let gz = gz.finish().unwrap();
        let s = open(Box::new(std::io::Cursor::new(gz.clone())), &opts).unwrap();
        assert_eq!(s.detected().compression, Compression::Gzip);
        assert_eq!(drain(s).unwrap(), data);

        let z = zstd::encode_all(&data[..], 3).unwrap();
        let s = open_seekable(Box::new(std::io::Cursor::new(z.clone())), &opts).unwrap();
        assert_eq!(s.detected().compression, Compression::Zstd);
        assert_eq!(drain(s).unwrap(), data);

        let mut cut = z.clone();
        cut.truncate(z.len() - 3);
        let s = open(Box::new(std::io::Cursor::new(cut)), &opts).unwrap();
        let e = drain(s).unwrap_err();
        assert_eq!(e.kind, Kind::CorruptImage);
        assert!(
            e.message.contains("zstd stream is truncated"),
            "{}",
            e.message
        );

        let mut twice = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        twice.write_all(&gz).unwrap();
        let twice = twice.finish().unwrap();
        let e = open(Box::new(std::io::Cursor::new(twice)), &opts)
            .err()
            .unwrap();
        assert_eq!(e.kind, Kind::UnsupportedFormat);
    }
}
