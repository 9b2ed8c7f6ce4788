//! Zeroing a range of a block device, cheapest correct way first.
//!
//! `fallocate(PUNCH_HOLE | KEEP_SIZE)` on a block device is "write zeroes, unmapping allowed, no
//! fallback": thin and loop devices simply deallocate, real disks use their write-zeroes command,
//! and the range is guaranteed to read back as zeros. Devices without write-zeroes answer
//! EOPNOTSUPP, and then BLKZEROOUT (write-zeroes without unmap, falling back in the kernel to
//! writing zero pages) does the job.

use crate::sys::blk;
use nix::fcntl::{FallocateFlags, fallocate};
use std::fs::File;
use std::io;

/// How a range was zeroed, for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    PunchHole,
    ZeroOut,
}

/// Zeroes [start, start+len) of the block device `f` (offsets aligned to its logical sector).
pub fn zero_range(f: &File, start: u64, len: u64, try_punch: bool) -> io::Result<Method> {
    if try_punch {
        let flags = FallocateFlags::FALLOC_FL_PUNCH_HOLE | FallocateFlags::FALLOC_FL_KEEP_SIZE;
        match fallocate(f, flags, start as libc::off_t, len as libc::off_t) {
            Ok(()) => return Ok(Method::PunchHole),
            Err(
                nix::errno::Errno::EOPNOTSUPP
                | nix::errno::Errno::EINVAL
                | nix::errno::Errno::ENODEV,
            ) => {}
            Err(e) => return Err(io::Error::from(e)),
        }
    }
    blk::zeroout(f, start, len).map(|()| Method::ZeroOut)
}
