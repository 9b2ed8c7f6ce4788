//! `overwrite`: `--passes N` pseudo-random passes and a final zero pass, written with large
//! aligned O_DIRECT writes. Random data is generated on a second thread while the previous
//! buffer is written, so a random pass runs at the disk's speed, not the generator's.

use crate::erase::pattern;
use crate::interrupt;
use crate::progress::Progress;
use crate::report::{Context, Kind, Result};
use crate::sys::aligned::AlignedBuf;
use serde::Serialize;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::mpsc;
use std::time::Instant;

/// Chunk of one direct write: as large as dd's 4M and a multiple of any sector size.
pub const CHUNK: usize = 4 << 20;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Pass {
    pub pattern: &'static str,
    pub bytes: u64,
    pub duration_s: f64,
}

/// The passes to write: `random` N times, then `zero` unless told not to.
pub fn passes(random: u32, final_zero: bool) -> Vec<Option<u64>> {
    let seed = pattern::run_seed();
    let mut v: Vec<Option<u64>> = (0..random)
        .map(|p| Some(pattern::pass_seed(seed, p)))
        .collect();
    if final_zero {
        v.push(None);
    }
    v
}

fn write_chunk(file: &File, buf: &[u8], off: u64, device: &str) -> Result<()> {
    file.write_all_at(buf, off)
        .ctx(Kind::Io, || format!("cannot write {device} at {off}"))
}

/// Writes one pass over `size` bytes; `seed` None is the zero pass. `file` has O_DIRECT set.
pub fn pass(
    file: &File,
    size: u64,
    seed: Option<u64>,
    device: &str,
    progress: &Progress,
) -> Result<Pass> {
    let started = Instant::now();
    match seed {
        None => {
            let zeros = AlignedBuf::zeroed(CHUNK);
            let mut off = 0;
            while off < size {
                interrupt::check()?;
                let n = (size - off).min(CHUNK as u64) as usize;
                write_chunk(file, &zeros.as_slice()[..n], off, device)?;
                off += n as u64;
                progress.inc(n as u64);
            }
        }
        Some(seed) => random_pass(file, size, seed, device, progress)?,
    }
    file.sync_all()
        .ctx(Kind::Io, || format!("cannot flush {device}"))?;
    Ok(Pass {
        pattern: if seed.is_some() { "random" } else { "zero" },
        bytes: size,
        duration_s: started.elapsed().as_secs_f64(),
    })
}

fn random_pass(file: &File, size: u64, seed: u64, device: &str, progress: &Progress) -> Result<()> {
    let (full_tx, full_rx) = mpsc::sync_channel::<(AlignedBuf, u64, usize)>(2);
    let (empty_tx, empty_rx) = mpsc::channel::<AlignedBuf>();
    for _ in 0..3 {
        let _ = empty_tx.send(AlignedBuf::zeroed(CHUNK));
    }
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut off = 0u64;
            while off < size {
                let Ok(mut buf) = empty_rx.recv() else { return };
                let n = (size - off).min(CHUNK as u64) as usize;
                // Fill whole 4 KiB blocks; a device whose size is not a multiple of 4 KiB gets
                // the start of the last block.
                let fill_len = n.div_ceil(4096) * 4096;
                pattern::fill(&mut buf.as_mut_slice()[..fill_len], seed, off);
                if full_tx.send((buf, off, n)).is_err() {
                    return;
                }
                off += n as u64;
            }
        });
        // Owned here, so that dropping them below unblocks the generator whichever channel it
        // waits on (the scope joins it before returning).
        let (full_rx, empty_tx) = (full_rx, empty_tx);
        let mut result = Ok(());
        for (buf, off, n) in full_rx.iter() {
            result = interrupt::check()
                .and_then(|_| write_chunk(file, &buf.as_slice()[..n], off, device));
            if result.is_err() {
                break;
            }
            progress.inc(n as u64);
            let _ = empty_tx.send(buf);
        }
        drop(full_rx);
        drop(empty_tx);
        result
    })
}
