//! Decompression adapters. Each one decodes every frame/member/stream of its format (as gzip(1),
//! zstd(1) and xz(1) do) and fails — never ends quietly — on a truncated stream or on bytes after
//! the last compressed frame:
//! - gzip: multi-member files are legitimate (pigz, `cat a.gz b.gz`) and decode as their
//!   concatenation; anything after a member that is not another gzip member is an error, zero
//!   padding included (gzip(1) only warns about it; we refuse to guess).
//! - zstd: concatenated frames and skippable frames are accepted; windows up to 2 GiB
//!   (`zstd --long=31`) are allowed, so `--long` images decode.
//! - xz: concatenated streams and the format's own stream padding are accepted.

use super::errors::read_error;
use crate::report::Result;
use std::io::{self, BufReader, Read};

/// A decoded stream plus the name of the format it was decoded from (for error messages).
pub struct Decoded {
    inner: Box<dyn Read + Send>,
    what: &'static str,
}

impl Decoded {
    pub fn gzip(input: Box<dyn Read + Send>) -> Self {
        let inner = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(256 << 10, input));
        Decoded {
            inner: Box::new(inner),
            what: "gzip stream",
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
            inner: Box::new(dec),
            what: "zstd stream",
        })
    }

    pub fn xz(input: Box<dyn Read + Send>) -> Self {
        let inner = liblzma::read::XzDecoder::new_multi_decoder(input);
        Decoded {
            inner: Box::new(inner),
            what: "xz stream",
        }
    }

    pub fn what(&self) -> &'static str {
        self.what
    }
}

impl Read for Decoded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}
