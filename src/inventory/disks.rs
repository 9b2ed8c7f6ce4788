//! `disks`: IPA's block-device fields for every whole disk, from the shared disk model, with the
//! same filters as IPA (no loop, ram, zram, floppy, optical, device-mapper, zero-size), and what
//! IPA leaves out under `extra`.

use crate::disk::device::{self, BlockDevice};
use crate::disk::mounts::MountTable;
use crate::sys::sysfs;
use serde::Serialize;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Disk {
    pub name: String,
    pub model: Option<String>,
    pub size: u64,
    pub rotational: bool,
    pub wwn: Option<String>,
    pub serial: Option<String>,
    pub vendor: Option<String>,
    pub wwn_with_extension: Option<String>,
    pub wwn_vendor_extension: Option<String>,
    pub hctl: Option<String>,
    pub by_path: Option<String>,
    pub logical_sectors: u32,
    pub physical_sectors: u32,
    pub tran: Option<String>,
    pub extra: Extra,
}

/// Beyond IPA: what erase and image-write planning want to know up front.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Extra {
    pub kernel_name: String,
    pub devno: String,
    pub removable: bool,
    pub read_only: bool,
    pub optimal_io_size: u32,
    pub discard_granularity: u64,
    pub discard_max_bytes: u64,
    pub write_zeroes_max_bytes: u64,
    /// `write back` or `write through`.
    pub write_cache: Option<String>,
    pub firmware_rev: Option<String>,
    /// NVMe subsystem NQN (the controller's identity), when the disk is NVMe.
    pub nvme_subsysnqn: Option<String>,
    pub partitions: u32,
}

/// Whether IPA would list this disk (`--include-loop` adds loop devices).
pub fn listed(d: &BlockDevice, include_loop: bool) -> bool {
    if d.size == 0 || d.name.starts_with("dm-") {
        return false;
    }
    // NVMe multipath paths (nvme0c0n1) are hidden behind their head device.
    if sysfs::read_u64(format!("/sys/class/block/{}/hidden", d.name)) == Some(1) {
        return false;
    }
    if d.is_virtual_kind() {
        return include_loop && d.name.starts_with("loop");
    }
    true
}

pub fn collect(include_loop: bool) -> Vec<Disk> {
    let mounts = MountTable::read();
    sysfs::list("/sys/class/block")
        .iter()
        // Skip what is never listed before reading it in full (a busy host has many loops).
        .filter(|n| !device::is_virtual_name(n) || (include_loop && n.starts_with("loop")))
        .filter_map(|n| device::read_disk(n, &mounts))
        .filter(|d| listed(d, include_loop))
        .map(to_ipa)
        .collect()
}

fn queue(name: &str, attr: &str) -> u64 {
    sysfs::read_u64(format!("/sys/class/block/{name}/queue/{attr}")).unwrap_or(0)
}

fn to_ipa(d: BlockDevice) -> Disk {
    let n = d.name.as_str();
    let dev_attr = |a: &str| sysfs::read_nonempty(format!("/sys/class/block/{n}/device/{a}"));
    let extra = Extra {
        kernel_name: d.name.clone(),
        devno: d.devno.clone(),
        removable: d.removable,
        read_only: d.read_only,
        optimal_io_size: d.optimal_io_size,
        discard_granularity: queue(n, "discard_granularity"),
        discard_max_bytes: queue(n, "discard_max_bytes"),
        write_zeroes_max_bytes: queue(n, "write_zeroes_max_bytes"),
        write_cache: sysfs::read_nonempty(format!("/sys/class/block/{n}/queue/write_cache")),
        firmware_rev: dev_attr("firmware_rev").or_else(|| dev_attr("rev")),
        nvme_subsysnqn: dev_attr("subsysnqn"),
        partitions: d.partitions.len() as u32,
    };
    Disk {
        name: d.path.to_string_lossy().into_owned(),
        model: d.model,
        size: d.size,
        rotational: d.rotational,
        wwn: d.wwn,
        serial: d.serial,
        vendor: d.vendor,
        wwn_with_extension: d.wwn_with_extension,
        wwn_vendor_extension: d.wwn_vendor_extension,
        hctl: d.hctl,
        by_path: d.by_path,
        logical_sectors: d.logical_sector_size,
        physical_sectors: d.physical_sector_size,
        tran: d.tran,
        extra,
    }
}
