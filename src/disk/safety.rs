//! The safety rules of DESIGN.md §4, checked from sysfs and procfs before anything is opened for
//! writing. Each refusal names its rule and the holder and exits 4. `--force` overrides only the
//! busy rules (mounted, swap, holders, protected filesystems), never read-only and never the
//! running system's own disk.

use crate::disk::device::{BlockDevice, name_for_devno};
use crate::disk::mounts::MountTable;
use crate::disk::signatures::{self, PROTECTED};
use crate::report::{IronError, Kind, Result};
use crate::sys::sysfs;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    pub rule: &'static str,
    pub holder: String,
    /// Whether `--force` may override it.
    pub forceable: bool,
}

impl Refusal {
    pub fn to_error(&self, dev: &BlockDevice) -> IronError {
        let kind = match self.rule {
            "read_only" => Kind::DeviceReadOnly,
            "system_disk" => Kind::SystemDisk,
            "protected_filesystem" => Kind::ProtectedFilesystem,
            _ => Kind::DeviceBusy,
        };
        let hint = if self.forceable {
            " (--force overrides)"
        } else {
            ""
        };
        IronError::new(
            kind,
            format!(
                "refusing {}: {} ({}){hint}",
                dev.path.display(),
                self.holder,
                self.rule
            ),
        )
        .with("device", dev.path.display().to_string())
        .with("rule", self.rule)
        .with("holder", &self.holder)
    }
}

/// Disks that hold the running system: whatever backs `/` (through dm/md slaves), and the boot
/// medium of a live ramdisk when one is mounted at a well-known place.
pub fn system_disks(mounts: &MountTable) -> Vec<String> {
    let mut out = Vec::new();
    let mut roots: Vec<String> = mounts.root_devno.iter().cloned().collect();
    for mp in [
        "/run/initramfs/live",
        "/run/archiso/bootmnt",
        "/lib/live/mount/medium",
        "/boot",
        "/boot/efi",
    ] {
        roots.extend(mounts.devnos_mounted_at(mp));
    }
    for devno in roots {
        if let Some((name, _)) = name_for_devno(&devno) {
            collect_backing_disks(&name, &mut out, 0);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Follows `slaves/` down from dm/md devices to the physical disks under them.
fn collect_backing_disks(name: &str, out: &mut Vec<String>, depth: u32) {
    if depth > 8 {
        return;
    }
    let slaves = sysfs::list(format!("/sys/class/block/{name}/slaves"));
    if slaves.is_empty() {
        // A partition's disk is its parent directory in sysfs.
        let disk = match sysfs::canonical(format!("/sys/class/block/{name}")) {
            Some(p) if sysfs::exists(p.join("partition")) => p
                .parent()
                .and_then(|d| d.file_name())
                .map(|f| f.to_string_lossy().into_owned()),
            _ => Some(name.to_string()),
        };
        out.extend(disk);
    } else {
        for s in slaves {
            collect_backing_disks(&s, out, depth + 1);
        }
    }
}

/// Every rule the disk breaks. Empty means it may be written.
pub fn refusals(dev: &BlockDevice, mounts: &MountTable, probe_signatures: bool) -> Vec<Refusal> {
    let mut out = Vec::new();
    if system_disks(mounts).contains(&dev.name) {
        out.push(Refusal {
            rule: "system_disk",
            holder: format!("{} holds the running system", dev.path.display()),
            forceable: false,
        });
    }
    if dev.read_only {
        out.push(Refusal {
            rule: "read_only",
            holder: format!("{} is read-only", dev.path.display()),
            forceable: false,
        });
    }
    for (what, holder) in dev.busy_reasons() {
        let rule = match what.as_str() {
            "mounted" => "mounted",
            "swap" => "swap",
            _ => "held",
        };
        out.push(Refusal {
            rule,
            holder,
            forceable: true,
        });
    }
    // Never open the running system's disk, not even read-only, once it is refused.
    if probe_signatures && !sysfs::is_captured() && out.iter().all(|r| r.rule != "system_disk") {
        for sig in protected_signatures(dev) {
            out.push(Refusal {
                rule: "protected_filesystem",
                holder: sig,
                forceable: true,
            });
        }
    }
    out
}

/// Protected filesystems (GPFS, VMFS, GFS2) on the disk or any of its partitions. Read-only.
pub fn protected_signatures(dev: &BlockDevice) -> Vec<String> {
    let mut found = Vec::new();
    let mut targets = vec![(dev.path.clone(), dev.size)];
    targets.extend(dev.partitions.iter().map(|p| (p.path.clone(), p.size)));
    for (path, size) in targets {
        let Ok(mut f) = std::fs::File::open(&path) else {
            continue;
        };
        if let Ok(sigs) = signatures::probe(&mut f, size, dev.logical_sector_size) {
            for s in sigs.iter().filter(|s| PROTECTED.contains(&s.kind)) {
                found.push(format!("{} carries a {} signature", path.display(), s.kind));
            }
        }
    }
    found
}

/// Applies the rules: Ok when the disk may be written (with `force` overriding busy rules).
pub fn check(dev: &BlockDevice, force: bool) -> Result<Vec<Refusal>> {
    let mounts = MountTable::read();
    let all = refusals(dev, &mounts, true);
    if let Some(r) = all.iter().find(|r| !r.forceable || !force) {
        return Err(r.to_error(dev).with("refusals", &all));
    }
    Ok(all)
}
