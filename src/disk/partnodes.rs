//! Partition device nodes, found through sysfs (`/sys/class/block/<disk>/<part>/partition`),
//! never from naming rules, so loop0p1, nvme0n1p1, sda1, md0p1 and mmcblk0p1 all work.

use crate::sys::sysfs;
use std::path::PathBuf;

/// The kernel name of partition `number` of `disk` (e.g. `loop3p2`), if the kernel knows it.
pub fn partition_name(disk: &str, number: u32) -> Option<String> {
    let base = format!("/sys/class/block/{disk}");
    sysfs::list(&base)
        .into_iter()
        .find(|entry| sysfs::read_u64(format!("{base}/{entry}/partition")) == Some(number as u64))
}

/// `/dev/<name>` of partition `number` of `disk`.
pub fn partition_node(disk: &str, number: u32) -> Option<PathBuf> {
    partition_name(disk, number).map(|n| PathBuf::from(format!("/dev/{n}")))
}

/// (number, start bytes, size bytes) of each partition the kernel currently knows on `disk`.
pub fn kernel_partitions(disk: &str) -> Vec<(u32, u64, u64)> {
    let base = format!("/sys/class/block/{disk}");
    let mut parts: Vec<(u32, u64, u64)> = sysfs::list(&base)
        .into_iter()
        .filter_map(|entry| {
            let p = format!("{base}/{entry}");
            let n = sysfs::read_u64(format!("{p}/partition"))?;
            let start = sysfs::read_u64(format!("{p}/start"))? * 512;
            let size = sysfs::read_u64(format!("{p}/size"))? * 512;
            Some((n as u32, start, size))
        })
        .collect();
    parts.sort();
    parts
}
