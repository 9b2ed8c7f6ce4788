//! Decompression adapters. Each one decodes every frame/member/stream of its format (as gzip(1),
//! zstd(1) and xz(1) do) and fails — never ends quietly — on a truncated stream or on bytes after
//! the last compressed frame:
//! - gzip: multi-member files are legitimate (pigz, `cat a.gz b.gz`) and decode as their
//!   concatenation; anything after a member that is not another gzip member is an error, zero
//!   padding included (gzip(1) only warns about it; we refuse to guess).
//! - zstd: concatenated frames and skippable frames are accepted; windows up to 128 MiB
//!   (`zstd --long`, whose default is 27) are allowed, larger ones refused (see `zstd` below).
//! - xz: concatenated streams and the format's own stream padding are accepted.

use super::Compression;
use super::errors::read_error;
use crate::report::{IronError, Kind, Result};
use std::io::{self, BufReader, Read};

/// A decoded stream plus the compression it was decoded from.
pub struct Decoded {
    inner: Box<dyn Read + Send>,
    compression: Compression,
}

impl Decoded {
    pub fn gzip(input: Box<dyn Read + Send>) -> Self {
        let inner = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(256 << 10, input));
        Decoded {
            inner: Box::new(inner),
            compression: Compression::Gzip,
        }
    }

    pub fn zstd(input: Box<dyn Read + Send>) -> Result<Self> {
        let mut dec =
            zstd::stream::read::Decoder::new(input).map_err(|e| read_error(e, "zstd stream"))?;
        // `zstd --long` (window log 27, 128 MiB) is what image pipelines produce; a frame asking
        // for more is refused rather than letting an untrusted image claim up to 2 GiB of RAM.
        dec.window_log_max(27)
            .map_err(|e| read_error(e, "zstd stream"))?;
        Ok(Decoded {
            inner: Box::new(WindowRefusal(dec)),
            compression: Compression::Zstd,
        })
    }

    pub fn xz(input: Box<dyn Read + Send>) -> Self {
        let inner = liblzma::read::XzDecoder::new_multi_decoder(input);
        Decoded {
            inner: Box::new(inner),
            compression: Compression::Xz,
        }
    }

    pub fn compression(&self) -> Compression {
        self.compression
    }
}

/// zstd reports a frame whose window is over the cap as "Frame requires too much memory": a
/// refusal of ours, not a corrupt image, so it says so and what to do.
struct WindowRefusal<R>(R);

impl<R: Read> Read for WindowRefusal<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            if e.to_string().contains("too much memory") {
                io::Error::other(IronError::new(
                    Kind::UnsupportedFormat,
                    "zstd frame needs a window larger than 128 MiB (made with zstd --long=28 or \
                     more); recompress it with --long=27 or less",
                ))
            } else {
                e
            }
        })
    }
}

impl Read for Decoded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}
