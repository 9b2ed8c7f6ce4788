//! `zeroout`, `discard` and `secure-discard`: one block-layer ioctl over the whole device, in
//! 1 GiB steps so that progress moves and an interrupt is noticed.

use crate::erase::method::Method;
use crate::interrupt;
use crate::progress::Progress;
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::{blk, sysfs};
use serde::Serialize;
use std::fs::File;

const STEP: u64 = 1 << 30;

/// What sysfs says about the device's discard and write-zeroes support.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BlockCaps {
    pub discard_max_bytes: u64,
    pub discard_granularity: u64,
    /// `queue/discard_zeroes_data`: the only sysfs promise that discarded blocks read zeroes
    /// (Linux ≥ 4.12 always reports 0: no device promises it any more).
    pub discard_zeroes_data: bool,
    /// Non-zero when BLKZEROOUT is offloaded to the device (WRITE ZEROES); otherwise the kernel
    /// writes zeroes itself. Either way BLKZEROOUT guarantees zeroes.
    pub write_zeroes_max_bytes: u64,
}

pub fn caps(name: &str) -> BlockCaps {
    let q = |f: &str| sysfs::read_u64(format!("/sys/class/block/{name}/queue/{f}")).unwrap_or(0);
    BlockCaps {
        discard_max_bytes: q("discard_max_bytes"),
        discard_granularity: q("discard_granularity"),
        discard_zeroes_data: q("discard_zeroes_data") == 1,
        write_zeroes_max_bytes: q("write_zeroes_max_bytes"),
    }
}

/// Runs the ioctl over [0, size).
pub fn run(
    method: Method,
    file: &File,
    size: u64,
    device: &str,
    progress: &Progress,
) -> Result<()> {
    let mut off = 0;
    while off < size {
        interrupt::check()?;
        let n = (size - off).min(STEP);
        let res = match method {
            Method::Zeroout => blk::zeroout(file, off, n),
            Method::Discard => blk::discard(file, off, n),
            Method::SecureDiscard => blk::secure_discard(file, off, n),
            _ => unreachable!("not a block-layer method"),
        };
        res.map_err(|e| {
            let unsupported = matches!(
                e.raw_os_error(),
                Some(libc::EOPNOTSUPP) | Some(libc::ENOTTY)
            );
            IronError::new(
                if unsupported {
                    Kind::Unsupported
                } else {
                    Kind::Io
                },
                format!("{} failed on {device} at {off}", method.name()),
            )
            .with(Key::Device, device)
            .caused_by(e)
        })?;
        off += n;
        progress.inc(n);
    }
    Ok(())
}
