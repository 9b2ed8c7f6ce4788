//! Verification after erasing: `sample` reads the first and last MiB and at least 1024 evenly
//! spread 4 KiB blocks; `full` reads everything. Reads use O_DIRECT so they see the medium, not
//! the page cache. What a block must hold depends on the method (see `method::Expect`).

use crate::erase::metadata::{self, Span};
use crate::erase::method::Expect;
use crate::erase::pattern;
use crate::interrupt;
use crate::progress::Progress;
use crate::report::{Context, Kind, Result};
use crate::sys::aligned::{AlignedBuf, open_direct_read};
use serde::Serialize;
use std::collections::HashMap;
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::os::unix::fs::FileExt;
use std::path::Path;

const BLOCK: u64 = 4096;
const MIB: u64 = 1 << 20;
pub const SAMPLE_BLOCKS: u64 = 1024;
/// How many blocks `full` records before a changed-data method (which has no fixed pattern).
pub const FULL_BASELINE_BLOCKS: u64 = 16384;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// No read-back
    None,
    /// First and last MiB and ≥ 1024 evenly spread 4 KiB blocks
    Sample,
    /// Every block
    Full,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Verification {
    pub mode: Mode,
    pub ok: bool,
    pub blocks_checked: u64,
    pub expected: Expect,
    /// Byte offsets of the first blocks that did not match (at most 8).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signatures_left: Vec<String>,
}

/// Block offsets of a sample: the first and last MiB and `count` evenly spread blocks.
pub fn sample_offsets(size: u64, count: u64) -> Vec<u64> {
    let last = size.saturating_sub(BLOCK) / BLOCK * BLOCK;
    let mut v: Vec<u64> = (0..MIB.min(size) / BLOCK).map(|i| i * BLOCK).collect();
    let tail_start = size.saturating_sub(MIB) / BLOCK * BLOCK;
    v.extend((tail_start..size).step_by(BLOCK as usize));
    let blocks = size.div_ceil(BLOCK).max(1);
    for i in 0..count.min(blocks) {
        v.push((i * blocks / count.min(blocks)) * BLOCK);
    }
    for o in &mut v {
        *o = (*o).min(last);
    }
    v.sort();
    v.dedup();
    v
}

fn read_block(f: &File, buf: &mut AlignedBuf, off: u64, len: usize, dev: &str) -> Result<()> {
    f.read_exact_at(&mut buf.as_mut_slice()[..len], off)
        .ctx(Kind::Io, || format!("cannot read {dev} at {off}"))
}

fn digest(b: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    b.hash(&mut h);
    h.finish()
}

/// What sampled blocks held before a changed-data method ran.
pub struct Baseline {
    blocks: HashMap<u64, u64>,
}

pub fn baseline(path: &Path, size: u64, mode: Mode, dev: &str) -> Result<Baseline> {
    let count = if mode == Mode::Full {
        FULL_BASELINE_BLOCKS
    } else {
        SAMPLE_BLOCKS
    };
    let f = open_direct_read(path).ctx(Kind::Io, || format!("cannot open {dev} for reading"))?;
    let mut buf = AlignedBuf::zeroed(BLOCK as usize);
    let mut blocks = HashMap::new();
    for off in sample_offsets(size, count) {
        let len = BLOCK.min(size - off) as usize;
        read_block(&f, &mut buf, off, len, dev)?;
        blocks.insert(off, digest(&buf.as_slice()[..len]));
    }
    Ok(Baseline { blocks })
}

/// Checks one block against the expectation.
fn block_ok(data: &[u8], off: u64, expect: Expect, seed: u64, base: Option<&Baseline>) -> bool {
    match expect {
        Expect::Zeroes | Expect::NoSignatures => data.iter().all(|b| *b == 0),
        Expect::Pattern => {
            let mut want = vec![0u8; data.len().div_ceil(4096) * 4096];
            pattern::fill(&mut want, seed, off);
            want[..data.len()] == *data
        }
        Expect::Changed => {
            data.iter().all(|b| *b == 0)
                || base
                    .and_then(|b| b.blocks.get(&off))
                    .is_none_or(|before| *before != digest(data))
        }
    }
}

pub struct Request<'a> {
    pub path: &'a Path,
    pub dev: &'a str,
    pub size: u64,
    pub sector: u32,
    pub mode: Mode,
    pub expect: Expect,
    pub seed: u64,
    pub baseline: Option<&'a Baseline>,
    /// For metadata: the zeroed regions and the former partition ranges.
    pub regions: &'a [(u64, u64)],
    pub ranges: &'a [Span],
}

impl Verification {
    fn new(req: &Request) -> Verification {
        Verification {
            mode: req.mode,
            ok: true,
            blocks_checked: 0,
            expected: req.expect,
            mismatches: vec![],
            signatures_left: vec![],
        }
    }

    /// A block that did not read back as expected; the first 8 are named.
    fn mismatch(&mut self, off: u64) {
        self.ok = false;
        if self.mismatches.len() < 8 {
            self.mismatches.push(off);
        }
    }
}

pub fn verify(req: &Request, progress: &Progress) -> Result<Verification> {
    let f = open_direct_read(req.path)
        .ctx(Kind::Io, || format!("cannot open {} for reading", req.dev))?;
    let mut v = Verification::new(req);
    match (req.expect, req.mode) {
        (_, Mode::None) => {}
        (Expect::NoSignatures, _) => {
            check_regions_zeroed(&f, req, &mut v)?;
            check_no_signatures(req, &mut v)?;
        }
        (Expect::Changed, _) => check_changed(&f, req, &mut v)?,
        (_, Mode::Sample) => check_sample(&f, req, &mut v)?,
        (_, Mode::Full) => check_full(&f, req, &mut v, progress)?,
    }
    Ok(v)
}

/// Metadata: every region it zeroed reads back as zeroes.
fn check_regions_zeroed(f: &File, req: &Request, v: &mut Verification) -> Result<()> {
    let mut buf = AlignedBuf::zeroed(MIB as usize);
    for &(start, len) in req.regions {
        let mut off = start;
        while off < start + len {
            let n = (start + len - off).min(MIB) as usize;
            read_block(f, &mut buf, off, n, req.dev)?;
            if !buf.as_slice()[..n].iter().all(|b| *b == 0) {
                v.mismatch(off);
            }
            v.blocks_checked += (n as u64).div_ceil(BLOCK);
            off += n as u64;
        }
    }
    Ok(())
}

/// Metadata: no signature is left on the whole disk or in a former partition.
fn check_no_signatures(req: &Request, v: &mut Verification) -> Result<()> {
    // Probe through the page cache (the prober reads unaligned bytes) after dropping it.
    let plain = File::open(req.path).ctx(Kind::Io, || format!("cannot open {}", req.dev))?;
    let _ = crate::sys::blk::flush_buffers(&plain);
    let mut spans = req.ranges.to_vec();
    spans.push(Span {
        start: 0,
        size: req.size,
        number: 0,
    });
    for span in spans {
        let sigs = metadata::probe_span(&plain, span, req.sector)
            .ctx(Kind::Io, || format!("cannot probe {}", req.dev))?;
        for s in sigs {
            v.ok = false;
            v.signatures_left
                .push(format!("{} at {}", s.kind, span.start + s.offset));
        }
    }
    Ok(())
}

/// A changed-data method: the baseline's blocks (or a sample) differ from before or are zero.
fn check_changed(f: &File, req: &Request, v: &mut Verification) -> Result<()> {
    let mut buf = AlignedBuf::zeroed(BLOCK as usize);
    let offsets: Vec<u64> = match req.baseline {
        Some(b) => {
            let mut o: Vec<u64> = b.blocks.keys().copied().collect();
            o.sort();
            o
        }
        None => sample_offsets(req.size, SAMPLE_BLOCKS),
    };
    for off in offsets {
        let len = BLOCK.min(req.size - off) as usize;
        read_block(f, &mut buf, off, len, req.dev)?;
        if !block_ok(&buf.as_slice()[..len], off, req.expect, 0, req.baseline) {
            v.mismatch(off);
        }
        v.blocks_checked += 1;
    }
    Ok(())
}

fn check_sample(f: &File, req: &Request, v: &mut Verification) -> Result<()> {
    let mut buf = AlignedBuf::zeroed(BLOCK as usize);
    for off in sample_offsets(req.size, SAMPLE_BLOCKS) {
        let len = BLOCK.min(req.size - off) as usize;
        read_block(f, &mut buf, off, len, req.dev)?;
        if !block_ok(&buf.as_slice()[..len], off, req.expect, req.seed, None) {
            v.mismatch(off);
        }
        v.blocks_checked += 1;
    }
    Ok(())
}

fn check_full(f: &File, req: &Request, v: &mut Verification, progress: &Progress) -> Result<()> {
    const CHUNK: u64 = 4 << 20;
    let mut buf = AlignedBuf::zeroed(CHUNK as usize);
    let mut off = 0;
    while off < req.size {
        interrupt::check()?;
        let n = (req.size - off).min(CHUNK) as usize;
        read_block(f, &mut buf, off, n, req.dev)?;
        for (i, block) in buf.as_slice()[..n].chunks(BLOCK as usize).enumerate() {
            let at = off + i as u64 * BLOCK;
            if !block_ok(block, at, req.expect, req.seed, None) {
                v.mismatch(at);
            }
            v.blocks_checked += 1;
        }
        off += n as u64;
        progress.inc(n as u64);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_expectations() {
        let zero = vec![0u8; 4096];
        let old = vec![7u8; 4096];
        let base = Baseline {
            blocks: HashMap::from([(0u64, digest(&old)), (4096, digest(&zero))]),
        };
        assert!(block_ok(&zero, 0, Expect::Zeroes, 0, None));
        assert!(!block_ok(&old, 0, Expect::Zeroes, 0, None));
        // Changed: the old data is a failure, anything else (or zeroes) passes.
        assert!(!block_ok(&old, 0, Expect::Changed, 0, Some(&base)));
        assert!(block_ok(&zero, 0, Expect::Changed, 0, Some(&base)));
        assert!(block_ok(&[9u8; 4096], 0, Expect::Changed, 0, Some(&base)));
        // Pattern: exactly the regenerated pass, at that offset only.
        let mut p = vec![0u8; 8192];
        pattern::fill(&mut p, 5, 0);
        assert!(block_ok(&p[4096..], 4096, Expect::Pattern, 5, None));
        assert!(!block_ok(&p[4096..], 0, Expect::Pattern, 5, None));
        assert!(!block_ok(&p[4096..], 4096, Expect::Pattern, 6, None));
        // A short last block (a device not a multiple of 4 KiB) compares its prefix.
        assert!(block_ok(
            &p[4096..4096 + 512],
            4096,
            Expect::Pattern,
            5,
            None
        ));
    }

    #[test]
    fn sample_covers_edges_and_spreads() {
        let size = 1u64 << 30;
        let s = sample_offsets(size, 1024);
        assert!(s.len() >= 1024 + 256);
        assert_eq!(s[0], 0);
        assert_eq!(*s.last().unwrap(), size - 4096);
        assert!(s.iter().all(|o| o % 4096 == 0));
        // A tiny device still gets every block once.
        assert_eq!(sample_offsets(16384, 1024), vec![0, 4096, 8192, 12288]);
    }
}
