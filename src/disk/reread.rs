//! Making the kernel see a new partition table (DESIGN.md §4): BLKRRPART with bounded retries;
//! when the disk is busy or the kernel re-reads but creates no nodes (a kernel without partition
//! parsers, like this development VM's), BLKPG per partition; then a bounded wait for the nodes,
//! creating them with mknod when no devtmpfs does (a bare busybox ramdisk).

use crate::disk::partnodes;
use crate::progress;
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::{blk, devnode, sysfs};
use std::fs::File;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// One partition as it is on disk: number, start and size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartSpan {
    pub number: u32,
    pub start: u64,
    pub size: u64,
}

/// How the kernel learnt the new table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefreshMethod {
    /// BLKRRPART: the kernel re-read the whole table itself.
    Blkrrpart,
    /// BLKPG: the re-read was refused (a partition in use), partitions were updated one by one.
    Blkpg,
}

impl RefreshMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            RefreshMethod::Blkrrpart => "blkrrpart",
            RefreshMethod::Blkpg => "blkpg",
        }
    }
}

/// How the kernel's view was brought up to date, for the report.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Refresh {
    pub method: RefreshMethod,
    pub nodes: Vec<(u32, PathBuf)>,
}

fn kernel_matches(disk: &str, want: &[PartSpan]) -> bool {
    let have = partnodes::kernel_partitions(disk);
    have.len() == want.len()
        && want.iter().all(|w| {
            have.iter()
                .any(|&(n, s, z)| n == w.number && s == w.start && z == w.size)
        })
}

/// Brings the kernel's partitions of `disk` (open as `file`) in line with `want`, and returns
/// only when every node exists (or fails after a bounded wait).
pub fn refresh(file: &File, disk: &str, want: &[PartSpan]) -> Result<Refresh> {
    let _ = blk::flush_buffers(file);
    let mut method = RefreshMethod::Blkrrpart;
    let mut busy = false;
    for attempt in 0..5 {
        match blk::reread_partitions(file) {
            Ok(()) => break,
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                busy = true;
                std::thread::sleep(Duration::from_millis(100 << attempt));
            }
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => break, // not partitionable
            Err(e) => {
                progress::warn(&format!(
                    "BLKRRPART on {disk} failed: {e}; telling the kernel with BLKPG"
                ));
                break;
            }
        }
    }
    // BLKRRPART adds partitions synchronously; a short grace period covers kernels that
    // publish sysfs entries a moment later, without slowing the BLKPG path much.
    let deadline = Instant::now() + Duration::from_millis(if busy { 0 } else { 50 });
    while !kernel_matches(disk, want) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(25));
    }
    if !kernel_matches(disk, want) {
        method = RefreshMethod::Blkpg;
        let have = partnodes::kernel_partitions(disk);
        for (n, s, z) in &have {
            if !want
                .iter()
                .any(|w| w.number == *n && w.start == *s && w.size == *z)
            {
                blk::delete_partition(file, *n).map_err(|e| {
                    IronError::new(
                        Kind::DeviceBusy,
                        format!("cannot remove stale partition {n} of /dev/{disk} from the kernel"),
                    )
                    .with(Key::Device, format!("/dev/{disk}"))
                    .caused_by(e)
                })?;
            }
        }
        let have = partnodes::kernel_partitions(disk);
        for w in want {
            if !have.iter().any(|&(n, _, _)| n == w.number) {
                blk::add_partition(file, w.number, w.start, w.size).map_err(|e| {
                    IronError::io(
                        format!(
                            "cannot add partition {} of /dev/{disk} to the kernel",
                            w.number
                        ),
                        e,
                    )
                    .with(Key::Device, format!("/dev/{disk}"))
                })?;
            }
        }
    }
    let nodes = wait_for_nodes(disk, want)?;
    Ok(Refresh { method, nodes })
}

/// Waits (bounded) for `/dev/<part>` of each wanted partition; creates missing nodes from their
/// sysfs `dev` numbers when nothing else does.
fn wait_for_nodes(disk: &str, want: &[PartSpan]) -> Result<Vec<(u32, PathBuf)>> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut made = false;
    loop {
        let mut nodes = Vec::new();
        let mut missing = Vec::new();
        for w in want {
            match partnodes::partition_name(disk, w.number) {
                Some(name) if sysfs::exists(format!("/dev/{name}")) => {
                    nodes.push((w.number, PathBuf::from(format!("/dev/{name}"))))
                }
                Some(name) => missing.push(name),
                None => missing.push(format!("{disk} partition {}", w.number)),
            }
        }
        if missing.is_empty() {
            return Ok(nodes);
        }
        if !made && Instant::now() + Duration::from_secs(8) > deadline {
            made = true;
            for name in &missing {
                let _ = mknod_from_sysfs(name);
            }
        }
        if Instant::now() >= deadline {
            return Err(IronError::new(
                Kind::Io,
                format!(
                    "partition nodes did not appear within 10 s: {}",
                    missing.join(", ")
                ),
            )
            .with(Key::Device, format!("/dev/{disk}")));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Creates `/dev/<name>` from the partition's sysfs `dev` numbers (no devtmpfs, no udev).
fn mknod_from_sysfs(name: &str) -> Option<()> {
    let dev = sysfs::read(format!("/sys/class/block/{name}/dev"))?;
    let (maj, min) = dev.split_once(':')?;
    let path = sysfs::path(format!("/dev/{name}"));
    devnode::make_block_node(&path, maj.parse().ok()?, min.parse().ok()?).ok()
}
