//! A raw guest stream: the (decoded) bytes as they come, cut into `chunk_size` buffers.

use super::errors::read_error;
use super::{Chunk, Detected, ImageStream};
use crate::report::Result;
use std::io::{self, Read};

pub struct RawStream {
    input: Box<dyn Read + Send>,
    what: &'static str,
    detected: Detected,
    chunk_size: usize,
    spare: Option<Vec<u8>>,
    done: bool,
}

impl RawStream {
    pub fn new(
        input: Box<dyn Read + Send>,
        what: &'static str,
        detected: Detected,
        chunk_size: usize,
    ) -> Self {
        RawStream {
            input,
            what,
            detected,
            chunk_size: chunk_size.max(4096),
            spare: None,
            done: false,
        }
    }
}

/// Fills `buf` as far as the input allows; returns how many bytes it holds (short only at EOF).
pub fn fill(input: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match input.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

impl ImageStream for RawStream {
    fn detected(&self) -> &Detected {
        &self.detected
    }

    fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        if self.done {
            return Ok(None);
        }
        crate::interrupt::check()?;
        let mut buf = self.spare.take().unwrap_or_default();
        buf.resize(self.chunk_size, 0);
        let got = fill(&mut *self.input, &mut buf).map_err(|e| read_error(e, self.what))?;
        if got == 0 {
            self.done = true;
            return Ok(None);
        }
        buf.truncate(got);
        Ok(Some(Chunk::Data(buf)))
    }

    fn recycle(&mut self, buf: Vec<u8>) {
        if buf.capacity() >= self.chunk_size {
            self.spare = Some(buf);
        }
    }
}
