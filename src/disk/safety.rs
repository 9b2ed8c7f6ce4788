//! The safety rules of DESIGN.md §4, checked from sysfs and procfs before anything is opened for
//! writing. Each refusal names its rule and the holder and exits 4. `--force` overrides only the
//! busy rules (mounted, swap, holders, protected filesystems), never read-only and never the
//! running system's own disk.

use crate::disk::device::{BlockDevice, name_for_devno};
use crate::disk::mounts::MountTable;
use crate::disk::signatures;
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::sysfs;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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
            "probe_failed" => Kind::SafetyProbeFailed,
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
        .with(Key::Device, dev.path.display().to_string())
        .with(Key::Rule, self.rule)
        .with(Key::Holder, &self.holder)
    }
}

/// Disks that hold the running system: whatever backs `/` (through dm/md slaves), and the boot
/// medium of a live ramdisk when one is mounted at a well-known place. Err names what could
/// not be resolved (a root on a block device whose disk cannot be found): callers refuse.
pub fn system_disks(mounts: &MountTable) -> std::result::Result<Vec<String>, String> {
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
        // Major 0: tmpfs, rootfs, overlay... (a ramdisk's root) is on no disk.
        if devno.starts_with("0:") {
            continue;
        }
        match name_for_devno(&devno) {
            Some((name, _)) => collect_backing_disks(&name, &mut out, 0)?,
            None => return Err(format!("no block device in sysfs for the system's {devno}")),
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Follows `slaves/` down from dm/md devices to the physical disks under them.
fn collect_backing_disks(
    name: &str,
    out: &mut Vec<String>,
    depth: u32,
) -> std::result::Result<(), String> {
    if depth > 8 {
        return Err(format!(
            "the stack of devices under {name} is deeper than 8"
        ));
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
            collect_backing_disks(&s, out, depth + 1)?;
        }
    }
    Ok(())
}

/// Every rule the disk breaks. Empty means it may be written.
pub fn refusals(dev: &BlockDevice, mounts: &MountTable, probe_signatures: bool) -> Vec<Refusal> {
    let mut out = Vec::new();
    let system = system_disks(mounts);
    match &system {
        Ok(disks) if disks.contains(&dev.name) => out.push(Refusal {
            rule: "system_disk",
            holder: format!("{} holds the running system", dev.path.display()),
            forceable: false,
        }),
        Ok(_) => {}
        Err(e) => out.push(probe_failed("system_disk", e, false)),
    }
    if !sysfs::is_captured() {
        out.extend(live_probe_failures(dev, mounts));
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
    if probe_signatures && !sysfs::is_captured() && system.is_ok_and(|d| !d.contains(&dev.name)) {
        let mut targets = vec![(dev.path.clone(), dev.size)];
        targets.extend(dev.partitions.iter().map(|p| (p.path.clone(), p.size)));
        out.extend(protected_signatures(&targets, dev.logical_sector_size));
    }
    out
}

/// A probe that could not read what it checks: refused, naming the probe and the error, and
/// forceable only as far as the rule it stands for is.
fn probe_failed(probe: &str, error: &str, forceable: bool) -> Refusal {
    Refusal {
        rule: "probe_failed",
        holder: format!("the {probe} probe failed: {error}"),
        forceable,
    }
}

/// The facts the rules above read from sysfs and procfs must be readable: a missing `ro`,
/// `holders/` or mount table would otherwise read as "writable, unheld, unmounted".
fn live_probe_failures(dev: &BlockDevice, mounts: &MountTable) -> Vec<Refusal> {
    let mut out = Vec::new();
    if !mounts.readable {
        out.push(probe_failed(
            "mounted",
            "/proc/self/mountinfo cannot be read",
            false,
        ));
    }
    if sysfs::read_u64(format!("/sys/class/block/{}/ro", dev.name)).is_none() {
        out.push(probe_failed(
            "read_only",
            &format!("/sys/class/block/{}/ro cannot be read", dev.name),
            false,
        ));
    }
    let names =
        std::iter::once(dev.name.as_str()).chain(dev.partitions.iter().map(|p| p.name.as_str()));
    for name in names {
        let dir = format!("/sys/class/block/{name}/holders");
        if !sysfs::exists(&dir) {
            out.push(probe_failed("held", &format!("{dir} cannot be read"), true));
        }
    }
    out
}

/// Protected filesystems (GPFS, VMFS, GFS2) on each (node, size), read-only. A node that cannot
/// be opened or probed is a refusal too (forceable, as the rule is): never a pass.
pub fn protected_signatures(targets: &[(std::path::PathBuf, u64)], sector: u32) -> Vec<Refusal> {
    let mut out = Vec::new();
    for (path, size) in targets {
        let probed =
            std::fs::File::open(path).and_then(|mut f| signatures::probe(&mut f, *size, sector));
        match probed {
            Ok(sigs) => {
                for s in sigs.iter().filter(|s| s.kind.is_protected()) {
                    out.push(Refusal {
                        rule: "protected_filesystem",
                        holder: format!("{} carries a {} signature", path.display(), s.kind),
                        forceable: true,
                    });
                }
            }
            Err(e) => out.push(probe_failed(
                "protected_filesystem",
                &format!("cannot read {}: {e}", path.display()),
                true,
            )),
        }
    }
    out
}

/// Applies the rules: Ok when the disk may be written (with `force` overriding busy rules).
pub fn check(dev: &BlockDevice, force: bool) -> Result<Vec<Refusal>> {
    let mounts = MountTable::read();
    let all = refusals(dev, &mounts, true);
    if let Some(r) = all.iter().find(|r| !r.forceable || !force) {
        return Err(r.to_error(dev).with(Key::Refusals, &all));
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::device::read_disk;
    use std::fs;
    use std::path::Path;

    fn write(root: &Path, rel: &str, content: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }

    /// A captured tree: sdb held by dm-0 (LVM) and its partition sdb1 held by md0; sda holds /.
    fn fixture() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        for (disk, devno) in [("sda", "8:0"), ("sdb", "8:16")] {
            let base = format!("sys/devices/pci0000:00/ata1/host0/block/{disk}");
            write(r, &format!("{base}/dev"), devno);
            write(r, &format!("{base}/size"), "209715200");
            write(r, &format!("{base}/queue/logical_block_size"), "512");
            fs::create_dir_all(r.join(format!("{base}/holders"))).unwrap();
            fs::create_dir_all(r.join("sys/class/block")).unwrap();
            std::os::unix::fs::symlink(
                format!("../../devices/pci0000:00/ata1/host0/block/{disk}"),
                r.join(format!("sys/class/block/{disk}")),
            )
            .unwrap();
            fs::create_dir_all(r.join("sys/dev/block")).unwrap();
            std::os::unix::fs::symlink(
                format!("../../devices/pci0000:00/ata1/host0/block/{disk}"),
                r.join(format!("sys/dev/block/{devno}")),
            )
            .unwrap();
        }
        let sdb = "sys/devices/pci0000:00/ata1/host0/block/sdb";
        fs::create_dir_all(r.join(format!("{sdb}/holders/dm-0"))).unwrap();
        write(r, &format!("{sdb}/sdb1/partition"), "1");
        write(r, &format!("{sdb}/sdb1/dev"), "8:17");
        write(r, &format!("{sdb}/sdb1/start"), "2048");
        write(r, &format!("{sdb}/sdb1/size"), "4096");
        fs::create_dir_all(r.join(format!("{sdb}/sdb1/holders/md0"))).unwrap();
        write(
            r,
            "proc/self/mountinfo",
            "22 1 8:0 / / rw,relatime shared:1 - ext4 /dev/sda rw\n",
        );
        t
    }

    #[test]
    fn holders_from_sysfs_are_refused_and_forceable() {
        let t = fixture();
        with_root_check(t.path(), || {
            let mounts = MountTable::read();
            let sdb = read_disk("sdb", &mounts).unwrap();
            assert_eq!(sdb.holders, vec!["dm-0".to_string()]);
            assert_eq!(sdb.partitions[0].holders, vec!["md0".to_string()]);
            let r = refusals(&sdb, &mounts, false);
            let holders: Vec<&str> = r.iter().map(|x| x.holder.as_str()).collect();
            assert_eq!(r.len(), 2, "{r:?}");
            assert!(r.iter().all(|x| x.rule == "held" && x.forceable));
            assert!(
                holders[0].contains("dm-0") && holders[1].contains("/dev/sdb1 is held by md0"),
                "{holders:?}"
            );
        });
    }

    #[test]
    fn the_disk_holding_root_is_never_forceable() {
        let t = fixture();
        with_root_check(t.path(), || {
            let mounts = MountTable::read();
            assert_eq!(system_disks(&mounts), Ok(vec!["sda".to_string()]));
            let sda = read_disk("sda", &mounts).unwrap();
            let r = refusals(&sda, &mounts, false);
            assert!(
                r.iter().any(|x| x.rule == "system_disk" && !x.forceable),
                "{r:?}"
            );
        });
    }

    #[test]
    fn a_probe_that_cannot_read_is_a_refusal() {
        let r = protected_signatures(&[("/nonexistent/ironbox-node".into(), 1 << 20)], 512);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].rule, "probe_failed");
        assert!(r[0].holder.contains("protected_filesystem probe failed"));
        assert!(r[0].holder.contains("/nonexistent/ironbox-node"));
    }

    #[test]
    fn a_root_on_an_unknown_block_device_fails_closed() {
        let t = fixture();
        write(
            t.path(),
            "proc/self/mountinfo",
            "22 1 8:99 / / rw,relatime shared:1 - ext4 /dev/sdz rw\n",
        );
        with_root_check(t.path(), || {
            let mounts = MountTable::read();
            assert!(system_disks(&mounts).is_err());
            let sdb = read_disk("sdb", &mounts).unwrap();
            let r = refusals(&sdb, &mounts, false);
            let failed = r.iter().find(|x| x.rule == "probe_failed" && !x.forceable);
            let e = failed.expect("a refusal").to_error(&sdb);
            assert_eq!(e.kind, Kind::SafetyProbeFailed);
            assert_eq!(e.kind.exit_code(), 4);
        });
    }

    fn with_root_check(root: &Path, f: impl FnOnce()) {
        crate::sys::sysfs::with_root(root, f)
    }
}
