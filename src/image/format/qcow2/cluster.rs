//! Decompressing one compressed qcow2 cluster: raw deflate (zlib type) or a zstd frame. The
//! stored size is rounded up to whole sectors, so the input may carry bytes beyond the
//! compressed data; decoding stops when the cluster is full.

use super::header::ClusterCompression;
use crate::report::{IronError, Kind, Result};
use zstd::zstd_safe;

pub enum Inflater {
    Zlib(flate2::Decompress),
    Zstd(zstd_safe::DCtx<'static>),
}

impl Inflater {
    pub fn new(kind: ClusterCompression, _cluster_size: usize) -> Result<Self> {
        Ok(match kind {
            ClusterCompression::Zlib => Inflater::Zlib(flate2::Decompress::new(false)),
            ClusterCompression::Zstd => {
                Inflater::Zstd(zstd_safe::DCtx::try_create().ok_or_else(|| {
                    IronError::new(Kind::Internal, "cannot create a zstd decompression context")
                })?)
            }
        })
    }

    /// Decompresses `input` into exactly `out.len()` bytes (one cluster).
    pub fn inflate(&mut self, input: &[u8], out: &mut [u8]) -> std::result::Result<(), String> {
        match self {
            Inflater::Zlib(d) => {
                d.reset(false);
                d.decompress(input, out, flate2::FlushDecompress::Finish)
                    .map_err(|e| e.to_string())?;
                if d.total_out() != out.len() as u64 {
                    return Err(format!("{} bytes instead of {}", d.total_out(), out.len()));
                }
                Ok(())
            }
            Inflater::Zstd(d) => {
                d.reset(zstd_safe::ResetDirective::SessionOnly)
                    .map_err(|c| zstd_safe::get_error_name(c).to_string())?;
                let mut inb = zstd_safe::InBuffer::around(input);
                let mut outb = zstd_safe::OutBuffer::around(out);
                loop {
                    let hint = d
                        .decompress_stream(&mut outb, &mut inb)
                        .map_err(|c| zstd_safe::get_error_name(c).to_string())?;
                    if outb.pos() == outb.capacity() {
                        return Ok(());
                    }
                    if hint == 0 || inb.pos() == input.len() {
                        return Err(format!(
                            "{} bytes instead of {}",
                            outb.pos(),
                            outb.capacity()
                        ));
                    }
                }
            }
        }
    }
}
