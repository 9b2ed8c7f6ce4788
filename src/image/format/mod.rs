//! The image format layer (DESIGN.md §5): sniffs what the served bytes are (by magic bytes,
//! never by name), undoes their compression (gzip, zstd, xz) and turns a qcow2 into the guest
//! byte stream, all in one streaming pass and bounded memory.

use crate::report::{IronError, Kind, Result};

/// Consecutive guest bytes, in order: either data or a run of zeros (unallocated or zero clusters).
pub enum Chunk {
    Data(Vec<u8>),
    Zero(u64),
}

/// What `open` found. `qcow2_path` can change while streaming ("sequential" becomes "spill" or
/// "random_access" when the image turns out not to be in streaming order): read it for the report
/// after the stream has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// "raw" or "qcow2".
    pub format: &'static str,
    /// "none", "gzip", "zstd" or "xz".
    pub compression: &'static str,
    /// The qcow2 header's size; None for raw streams.
    pub virtual_size: Option<u64>,
    /// "sequential", "random_access" or "spill" for qcow2; None for raw.
    pub qcow2_path: Option<&'static str>,
}

/// A decoded guest stream.
pub trait ImageStream: Send {
    fn detected(&self) -> &Detected;
    /// The next run of guest bytes; `None` at the end (after every integrity check passed).
    fn next_chunk(&mut self) -> Result<Option<Chunk>>;
    /// Hands a `Chunk::Data` buffer back for reuse (optional; saves an allocation per chunk).
    fn recycle(&mut self, _buf: Vec<u8>) {}
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForceFormat {
    #[default]
    Auto,
    Raw,
    Qcow2,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub force: ForceFormat,
    /// Where a qcow2 whose metadata follows its data may spill (never RAM); None: no spilling.
    pub spill_dir: Option<std::path::PathBuf>,
    /// Size of `Chunk::Data` buffers (e.g. 4 MiB).
    pub chunk_size: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            force: ForceFormat::Auto,
            spill_dir: None,
            chunk_size: 4 << 20,
        }
    }
}

pub trait ReadSeek: std::io::Read + std::io::Seek {}
impl<T: std::io::Read + std::io::Seek> ReadSeek for T {}

/// Sniffs `input` (the bytes as served, after checksumming) and returns the decoded guest stream.
pub fn open(input: Box<dyn std::io::Read + Send>, opts: &Options) -> Result<Box<dyn ImageStream>> {
    // TEMPORARY (wt/image): raw passthrough until wt/imagefmt lands the real layer.
    Ok(Box::new(RawPass {
        input,
        detected: Detected {
            format: "raw",
            compression: "none",
            virtual_size: None,
            qcow2_path: None,
        },
        chunk: opts.chunk_size,
    }))
}

struct RawPass {
    input: Box<dyn std::io::Read + Send>,
    detected: Detected,
    chunk: usize,
}

impl ImageStream for RawPass {
    fn detected(&self) -> &Detected {
        &self.detected
    }
    fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        let mut buf = vec![0u8; self.chunk];
        let mut n = 0;
        while n < buf.len() {
            let got = self
                .input
                .read(&mut buf[n..])
                .map_err(|e| IronError::new(Kind::Io, "read failed").caused_by(e))?;
            if got == 0 {
                break;
            }
            n += got;
        }
        if n == 0 {
            return Ok(None);
        }
        buf.truncate(n);
        Ok(Some(Chunk::Data(buf)))
    }
}

/// Same, when the source can seek (local file, cache file, HTTP Range reader): enables random
/// access for qcow2.
pub fn open_seekable(
    input: Box<dyn ReadSeek + Send>,
    opts: &Options,
) -> Result<Box<dyn ImageStream>> {
    let _ = (input, opts);
    Err(IronError::new(
        Kind::NotImplemented,
        "image format layer is not implemented yet",
    ))
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
