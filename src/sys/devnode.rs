//! Device nodes, for ramdisks without devtmpfs or udev.

use nix::sys::stat::{Mode, SFlag, makedev, mknod};
use std::path::Path;

/// `major:minor` of a device number, as sysfs `dev` files and /proc/swaps name devices.
pub fn devno(rdev: u64) -> String {
    format!("{}:{}", libc::major(rdev), libc::minor(rdev))
}

/// Creates a block device node `path` for `major:minor`, mode 0660.
pub fn make_block_node(path: &Path, major: u64, minor: u64) -> std::io::Result<()> {
    mknod(
        path,
        SFlag::S_IFBLK,
        Mode::from_bits_truncate(0o660),
        makedev(major, minor),
    )
    .map_err(std::io::Error::from)
}
