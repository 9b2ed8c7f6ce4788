//! A read-only window onto part of a disk or image file, so that filesystem probes and readers
//! see a partition as a volume of its own without needing its device node.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

/// A read-only window onto part of a file, so filesystem probes see a partition as a volume.
pub struct Slice<'a> {
    pub f: &'a mut File,
    pub start: u64,
    pub len: u64,
    pub pos: u64,
}

impl<'a> Slice<'a> {
    pub fn new(f: &'a mut File, start: u64, len: u64) -> Slice<'a> {
        Slice {
            f,
            start,
            len,
            pos: 0,
        }
    }
}

impl Read for Slice<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.len.saturating_sub(self.pos)) as usize;
        if n == 0 {
            return Ok(0);
        }
        self.f.seek(SeekFrom::Start(self.start + self.pos))?;
        let got = self.f.read(&mut buf[..n])?;
        self.pos += got as u64;
        Ok(got)
    }
}

impl Seek for Slice<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.pos = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => (self.len as i64 + d).max(0) as u64,
            SeekFrom::Current(d) => (self.pos as i64 + d).max(0) as u64,
        };
        Ok(self.pos)
    }
}
