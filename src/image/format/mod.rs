//! TEMPORARY stand-in for the format layer (wt/imagefmt owns this file): raw passthrough only.

use crate::report::{IronError, Result};
use std::io::Read;

pub enum Chunk {
    Data(Vec<u8>),
    Zero(u64),
}

pub struct Detected {
    pub format: &'static str,
    pub compression: &'static str,
    pub virtual_size: Option<u64>,
    pub qcow2_path: Option<&'static str>,
}

pub trait ImageStream: Send {
    fn detected(&self) -> &Detected;
    fn next_chunk(&mut self) -> Result<Option<Chunk>>;
}

pub enum ForceFormat {
    Auto,
    Raw,
    Qcow2,
}

pub struct Options {
    pub force: ForceFormat,
    pub spill_dir: Option<std::path::PathBuf>,
    pub chunk_size: usize,
}

pub trait ReadSeek: std::io::Read + std::io::Seek {}

struct Raw {
    input: Box<dyn Read + Send>,
    detected: Detected,
    chunk: usize,
}

impl ImageStream for Raw {
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
                .map_err(|e| IronError::io("read failed", e))?;
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

pub fn open(input: Box<dyn Read + Send>, opts: &Options) -> Result<Box<dyn ImageStream>> {
    Ok(Box::new(Raw {
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

pub fn is_all_zero(buf: &[u8]) -> bool {
    buf.iter().all(|b| *b == 0)
}
