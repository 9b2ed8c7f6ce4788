//! Block devices as sysfs describes them. No udev: `/dev/disk/by-*` links are used when present,
//! never required.

use crate::disk::mounts::{self, MountTable};
use crate::sys::sysfs;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A whole disk and what sits on it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BlockDevice {
    /// Kernel name (`sda`, `nvme0n1`, `loop3`).
    pub name: String,
    /// Device node (`/dev/sda`).
    pub path: PathBuf,
    /// `major:minor`.
    pub devno: String,
    pub size: u64,
    pub logical_sector_size: u32,
    pub physical_sector_size: u32,
    pub optimal_io_size: u32,
    pub rotational: bool,
    pub removable: bool,
    pub read_only: bool,
    pub model: Option<String>,
    pub vendor: Option<String>,
    pub serial: Option<String>,
    pub wwn: Option<String>,
    pub wwn_with_extension: Option<String>,
    pub wwn_vendor_extension: Option<String>,
    pub hctl: Option<String>,
    pub by_path: Option<String>,
    pub tran: Option<String>,
    /// Names under sysfs `holders/` (dm, md, bcache...) of the disk itself.
    pub holders: Vec<String>,
    pub mountpoints: Vec<String>,
    pub swap: bool,
    pub partitions: Vec<PartitionInfo>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PartitionInfo {
    pub name: String,
    pub path: PathBuf,
    pub number: u32,
    /// Start in bytes.
    pub start: u64,
    pub size: u64,
    pub holders: Vec<String>,
    pub mountpoints: Vec<String>,
    pub swap: bool,
}

impl BlockDevice {
    /// Kinds of device that are never candidates for `--disk auto` or `--all`.
    pub fn is_virtual_kind(&self) -> bool {
        is_virtual_name(&self.name)
    }

    /// Everything on the disk that is in use: (what, holder) pairs for the busy rules.
    pub fn busy_reasons(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut add = |node: &Path, holders: &[String], mps: &[String], swap: bool| {
            for m in mps {
                out.push(("mounted".to_string(), format!("{} on {m}", node.display())));
            }
            if swap {
                out.push((
                    "swap".to_string(),
                    format!("{} is active swap", node.display()),
                ));
            }
            for h in holders {
                out.push((
                    "held".to_string(),
                    format!("{} is held by {h}", node.display()),
                ));
            }
        };
        add(&self.path, &self.holders, &self.mountpoints, self.swap);
        for p in &self.partitions {
            add(&p.path, &p.holders, &p.mountpoints, p.swap);
        }
        out
    }
}

pub fn is_virtual_name(name: &str) -> bool {
    ["loop", "ram", "zram", "fd", "sr", "nbd"].iter().any(|p| {
        name.strip_prefix(p)
            .is_some_and(|rest| rest.chars().next().is_none_or(|c| c.is_ascii_digit()))
    })
}

fn sector_field(name: &str, field: &str) -> Option<u32> {
    sysfs::read_u64(format!("/sys/class/block/{name}/queue/{field}")).map(|v| v as u32)
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The serial number from sysfs: NVMe exposes `device/serial`; SCSI/ATA the unit serial VPD page
/// (0x80), whose payload starts at byte 4.
fn serial(name: &str) -> Option<String> {
    if let Some(s) = nonempty(sysfs::read(format!(
        "/sys/class/block/{name}/device/serial"
    ))) {
        return Some(s);
    }
    // virtio-blk exposes its serial on the disk itself, as lsblk's SERIAL reads it.
    if let Some(s) = nonempty(sysfs::read(format!("/sys/class/block/{name}/serial"))) {
        return Some(s);
    }
    let vpd = sysfs::read_bytes(format!("/sys/class/block/{name}/device/vpd_pg80"))?;
    if vpd.len() <= 4 {
        return None;
    }
    let len = (u16::from_be_bytes([vpd[2], vpd[3]]) as usize).min(vpd.len() - 4);
    nonempty(Some(String::from_utf8_lossy(&vpd[4..4 + len]).into_owned()))
}

/// IPA reports `wwn` as udev's ID_WWN (`0x5000c500...`) and `wwn_with_extension` as
/// ID_WWN_WITH_EXTENSION; sysfs gives `wwid` (`naa.5000c500...`, `eui.`, `t10.`), which we map.
fn wwn(name: &str) -> (Option<String>, Option<String>, Option<String>) {
    let wwid = nonempty(sysfs::read(format!("/sys/class/block/{name}/device/wwid")))
        .or_else(|| nonempty(sysfs::read(format!("/sys/class/block/{name}/wwid"))));
    let Some(wwid) = wwid else {
        return (None, None, None);
    };
    if let Some(hex) = wwid.strip_prefix("naa.") {
        let hex = hex.to_lowercase();
        // NAA 6 (registered extended) is 32 hex digits: the first 16 are the WWN, the rest the
        // vendor extension.
        if hex.len() == 32 {
            let (base, ext) = hex.split_at(16);
            return (
                Some(format!("0x{base}")),
                Some(format!("0x{base}0x{ext}")),
                Some(format!("0x{ext}")),
            );
        }
        return (Some(format!("0x{hex}")), Some(format!("0x{hex}")), None);
    }
    if let Some(hex) = wwid.strip_prefix("eui.") {
        let v = format!("eui.{}", hex.to_lowercase());
        return (Some(v.clone()), Some(v), None);
    }
    (Some(wwid.clone()), Some(wwid), None)
}

/// SCSI `host:channel:target:lun` from the device link (`.../0:0:0:0`).
fn hctl(name: &str) -> Option<String> {
    let dev = sysfs::canonical(format!("/sys/class/block/{name}/device"))?;
    let last = dev.file_name()?.to_string_lossy().into_owned();
    let parts: Vec<&str> = last.split(':').collect();
    (parts.len() == 4 && parts.iter().all(|p| p.parse::<u32>().is_ok())).then_some(last)
}

/// Transport, as lsblk's TRAN: from the sysfs device path.
fn transport(name: &str) -> Option<String> {
    let real = sysfs::canonical(format!("/sys/class/block/{name}"))?;
    let p = real.to_string_lossy();
    let tran = if name.starts_with("nvme") || p.contains("/nvme") {
        "nvme"
    } else if p.contains("/usb") {
        "usb"
    } else if p.contains("/ata") {
        "sata"
    } else if p.contains("/virtio") && name.starts_with("sd") {
        "virtio"
    } else if p.contains("/host") && p.contains("/rport-") {
        "fc"
    } else if p.contains("/session") && p.contains("/host") {
        "iscsi"
    } else if name.starts_with("mmcblk") {
        "mmc"
    } else if p.contains("/host") && p.contains("/end_device-") {
        "sas"
    } else {
        return None;
    };
    Some(tran.to_string())
}

/// The `/dev/disk/by-path/` link that points at this device, when udev made one.
fn by_path(name: &str) -> Option<String> {
    let dir = "/dev/disk/by-path";
    for link in sysfs::list(dir) {
        if let Some(target) = sysfs::link_target(format!("{dir}/{link}"))
            && target
                .file_name()
                .is_some_and(|f| f.to_string_lossy() == name)
        {
            return Some(format!("{dir}/{link}"));
        }
    }
    None
}

fn device_attr(name: &str, attr: &str) -> Option<String> {
    nonempty(sysfs::read(format!(
        "/sys/class/block/{name}/device/{attr}"
    )))
}

/// Reads one whole disk by kernel name.
pub fn read_disk(name: &str, mounts: &MountTable) -> Option<BlockDevice> {
    let base = format!("/sys/class/block/{name}");
    if !sysfs::exists(&base) || sysfs::exists(format!("{base}/partition")) {
        return None;
    }
    let devno = sysfs::read(format!("{base}/dev")).unwrap_or_default();
    let sectors = sysfs::read_u64(format!("{base}/size")).unwrap_or(0);
    let (wwn, wwn_ext, wwn_vendor) = wwn(name);
    let mut partitions = Vec::new();
    for entry in sysfs::list(&base) {
        let pbase = format!("{base}/{entry}");
        let Some(number) = sysfs::read_u64(format!("{pbase}/partition")) else {
            continue;
        };
        let pdevno = sysfs::read(format!("{pbase}/dev")).unwrap_or_default();
        partitions.push(PartitionInfo {
            path: PathBuf::from(format!("/dev/{entry}")),
            number: number as u32,
            // sysfs `start` and `size` are always in 512-byte units, whatever the sector size.
            start: sysfs::read_u64(format!("{pbase}/start")).unwrap_or(0) * 512,
            size: sysfs::read_u64(format!("{pbase}/size")).unwrap_or(0) * 512,
            holders: sysfs::list(format!("{pbase}/holders")),
            mountpoints: mounts.mountpoints(&pdevno),
            swap: mounts.is_swap(&pdevno),
            name: entry,
        });
    }
    partitions.sort_by_key(|p| p.number);
    Some(BlockDevice {
        name: name.to_string(),
        path: PathBuf::from(format!("/dev/{name}")),
        size: sectors * 512,
        logical_sector_size: sector_field(name, "logical_block_size").unwrap_or(512),
        physical_sector_size: sector_field(name, "physical_block_size").unwrap_or(512),
        optimal_io_size: sector_field(name, "optimal_io_size").unwrap_or(0),
        rotational: sysfs::read_u64(format!("{base}/queue/rotational")) == Some(1),
        removable: sysfs::read_u64(format!("{base}/removable")) == Some(1),
        read_only: sysfs::read_u64(format!("{base}/ro")) == Some(1),
        model: device_attr(name, "model"),
        vendor: device_attr(name, "vendor"),
        serial: serial(name),
        wwn,
        wwn_with_extension: wwn_ext,
        wwn_vendor_extension: wwn_vendor,
        hctl: hctl(name),
        by_path: by_path(name),
        tran: transport(name),
        holders: sysfs::list(format!("{base}/holders")),
        mountpoints: mounts.mountpoints(&devno),
        swap: mounts.is_swap(&devno),
        devno,
        partitions,
    })
}

/// Every whole disk the kernel knows, virtual ones included (callers filter), sorted by name.
pub fn list_disks() -> Vec<BlockDevice> {
    let mounts = mounts::MountTable::read();
    sysfs::list("/sys/class/block")
        .iter()
        .filter_map(|n| read_disk(n, &mounts))
        .collect()
}

/// The whole disk a device path names: `/dev/sda`, a `/dev/disk/by-*` link, or a partition node
/// (returns its parent disk and the partition number).
pub fn disk_name_for_path(path: &Path) -> Option<(String, Option<u32>)> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let meta = std::fs::metadata(path).ok()?;
    if !meta.file_type().is_block_device() {
        return None;
    }
    name_for_devno(&crate::sys::devnode::devno(meta.rdev()))
}

/// Maps `major:minor` to (disk name, partition number) through /sys/dev/block.
pub fn name_for_devno(devno: &str) -> Option<(String, Option<u32>)> {
    let real = sysfs::canonical(format!("/sys/dev/block/{devno}"))?;
    let name = real.file_name()?.to_string_lossy().into_owned();
    match sysfs::read_u64(real.join("partition")) {
        Some(n) => {
            let parent = real.parent()?.file_name()?.to_string_lossy().into_owned();
            Some((parent, Some(n as u32)))
        }
        None => Some((name, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_names() {
        for n in ["loop0", "loop12", "ram0", "zram0", "fd0", "sr0", "nbd3"] {
            assert!(is_virtual_name(n), "{n}");
        }
        for n in ["sda", "nvme0n1", "vda", "md0", "loopy", "frame"] {
            assert!(!is_virtual_name(n), "{n}");
        }
    }
}
