//! A raw guest stream: the (decoded) bytes as they come, cut into `chunk_size` buffers.

use super::errors::read_error;
use super::{Chunk, Detected, ImageStream, ZeroFeed};
use crate::report::Result;
use std::io::{self, Read};

pub struct RawStream {
    input: Box<dyn ZeroFeed>,
    what: &'static str,
    detected: Detected,
    chunk_size: usize,
    spare: Option<Vec<u8>>,
    done: bool,
}

impl RawStream {
    pub fn new(
        input: Box<dyn ZeroFeed>,
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
        match read_some(input, &mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

/// One read, retried when a signal interrupted it.
fn read_some(input: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// `fill`, stopping early where a known run of zeros begins (it goes on as `Chunk::Zero`).
fn fill_until_zeros(input: &mut dyn ZeroFeed, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        if got > 0 && input.zeros_ahead()? > 0 {
            break;
        }
        match read_some(input, &mut buf[got..])? {
            0 => break,
            n => got += n,
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
        let what = self.what;
        let known = self.input.zeros_ahead().map_err(|e| read_error(e, what))?;
        if known > 0 {
            self.input.skip_zeros(known);
            return Ok(Some(Chunk::Zero(known)));
        }
        let mut buf = self.spare.take().unwrap_or_default();
        buf.resize(self.chunk_size, 0);
        let got = fill_until_zeros(&mut *self.input, &mut buf).map_err(|e| read_error(e, what))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Data, a known run of zeros, data.
    struct Feed {
        parts: Vec<std::result::Result<Vec<u8>, u64>>,
    }

    impl Read for Feed {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.parts.first_mut() {
                None => Ok(0),
                Some(Err(_)) => panic!("read into a known run of zeros"),
                Some(Ok(d)) => {
                    let n = buf.len().min(d.len());
                    buf[..n].copy_from_slice(&d[..n]);
                    d.drain(..n);
                    if d.is_empty() {
                        let _ = self.parts.remove(0);
                    }
                    Ok(n)
                }
            }
        }
    }

    impl ZeroFeed for Feed {
        fn zeros_ahead(&mut self) -> io::Result<u64> {
            Ok(match self.parts.first() {
                Some(Err(n)) => *n,
                _ => 0,
            })
        }
        fn skip_zeros(&mut self, n: u64) {
            assert_eq!(self.parts.remove(0), Err(n));
        }
    }

    #[test]
    fn known_zeros_pass_as_zero_chunks() {
        let feed = Feed {
            parts: vec![Ok(vec![1; 5000]), Err(1 << 30), Ok(vec![2; 10])],
        };
        let detected = Detected::raw(super::super::Compression::None);
        let mut s = RawStream::new(Box::new(feed), "image", detected, 4096);
        let mut got = Vec::new();
        while let Some(c) = s.next_chunk().unwrap() {
            got.push(match c {
                Chunk::Data(d) => format!("data {}", d.len()),
                Chunk::Zero(n) => format!("zero {n}"),
            });
        }
        assert_eq!(got, ["data 4096", "data 904", "zero 1073741824", "data 10"]);
    }
}
