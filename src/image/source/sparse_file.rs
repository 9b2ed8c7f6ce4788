//! A local regular file read in order, which reports its holes so that the pipeline can pass
//! them on as runs of zeros: an 8 GiB raw image that is 90% holes is then read, hashed and
//! written in time spent on its data, not on 7 GiB of zeros copied out of the page cache.

use super::SourceStream;
use crate::image::format::ZeroFeed;
use crate::sys::holes;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;

/// Holes shorter than this are read through: a lookup per tiny hole costs more than it saves.
const MIN_HOLE: u64 = 1 << 20;

pub struct SparseFile {
    file: File,
    pos: u64,
    /// The file's size when opened: what is served, even if the file changes meanwhile.
    len: u64,
    /// The data extent at or after `pos` (start, end), as last looked up.
    extent: Option<(u64, u64)>,
}

impl SparseFile {
    pub fn new(file: File, len: u64) -> SparseFile {
        SparseFile {
            file,
            pos: 0,
            len,
            extent: None,
        }
    }

    fn current_extent(&mut self) -> io::Result<(u64, u64)> {
        match self.extent {
            Some((start, end)) if self.pos < end => Ok((start, end)),
            _ => {
                let e = holes::next_data(&self.file, self.pos)?.unwrap_or((self.len, self.len));
                let e = (e.0.min(self.len), e.1.min(self.len));
                self.extent = Some(e);
                Ok(e)
            }
        }
    }
}

impl Read for SparseFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len {
            return Ok(0);
        }
        // Stop at the end of the data extent, so that the caller sees the hole that follows.
        let (_, end) = self.current_extent()?;
        let stop = if end > self.pos { end } else { self.len };
        let want = (buf.len() as u64).min(stop - self.pos) as usize;
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl SourceStream for SparseFile {}

impl ZeroFeed for SparseFile {
    fn zeros_ahead(&mut self) -> io::Result<u64> {
        if self.pos >= self.len {
            return Ok(0);
        }
        let (start, _) = self.current_extent()?;
        let hole = start.saturating_sub(self.pos);
        Ok(if hole >= MIN_HOLE { hole } else { 0 })
    }

    fn skip_zeros(&mut self, n: u64) {
        self.pos += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_same_bytes_and_skips_holes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("img");
        let f = File::create(&path).unwrap();
        f.set_len(40 << 20).unwrap();
        f.write_all_at(&[7u8; 5000], 10 << 20).unwrap();
        f.write_all_at(&[9u8; 100], (40 << 20) - 100).unwrap();
        let mut s = SparseFile::new(File::open(&path).unwrap(), 40 << 20);
        let mut out = Vec::new();
        let mut skipped = 0;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let z = s.zeros_ahead().unwrap();
            if z > 0 {
                s.skip_zeros(z);
                skipped += z;
                out.resize(out.len() + z as usize, 0);
                continue;
            }
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        assert_eq!(out, std::fs::read(&path).unwrap());
        // Where the file system reports holes, most of the file was never read.
        if holes::next_data(&File::open(&path).unwrap(), 0)
            .unwrap()
            .unwrap()
            .0
            > 0
        {
            assert!(skipped >= 30 << 20, "skipped {skipped}");
        }
    }
}
