//! Which devices an erase run covers: `--disk` names them, `--all` takes every whole disk as IPA
//! does (not loop, ram, zram, floppy, optical or nbd; read-only disks and virtual media skipped
//! with a reason) minus those matching a `--skip` hint object. The safety rules then apply to
//! each: the running system's disk is refused always, busy ones unless `--force`.

use crate::disk::device::{self, BlockDevice};
use crate::disk::hints::Hints;
use crate::disk::mounts::MountTable;
use crate::disk::safety::{self, Refusal};
use crate::disk::target::disk_from_path;
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::sysfs;
use serde_json::Value;
use std::path::PathBuf;

/// A device and, when it will not be erased, why.
#[derive(Debug, Clone)]
pub struct Selected {
    pub dev: BlockDevice,
    pub skip: Option<String>,
    pub refusal: Option<(Refusal, IronError)>,
    /// Busy rules that --force overrode.
    pub overridden: Vec<Refusal>,
}

/// One `--skip` hint object: its JSON as given (for the reason) and the parsed hints.
#[derive(Debug)]
pub struct SkipRule {
    pub source: String,
    pub hints: Hints,
}

/// Why `dev` is skipped, when it matches a `--skip` rule.
pub fn skip_reason(skip: &[SkipRule], dev: &BlockDevice) -> Option<String> {
    skip.iter()
        .find(|rule| rule.hints.matches(dev))
        .map(|rule| format!("matches --skip hints {}", rule.source))
}

/// Parses `--skip`: one hint object or a list of them (IPA's `skip_block_devices`).
pub fn parse_skip(json: &str) -> Result<Vec<SkipRule>> {
    let v: Value = serde_json::from_str(json).map_err(|e| {
        IronError::new(
            Kind::InvalidHints,
            format!("--skip is not valid json: {json}"),
        )
        .caused_by(e)
    })?;
    let items = match v {
        Value::Array(a) => a,
        o @ Value::Object(_) => vec![o],
        other => {
            return Err(IronError::new(
                Kind::InvalidHints,
                format!("--skip must be a hint object or a list of them, not {other}"),
            ));
        }
    };
    items
        .into_iter()
        .map(|item| {
            Ok(SkipRule {
                source: item.to_string(),
                hints: Hints::from_value(&item)?,
            })
        })
        .collect()
}

/// Removable virtual media from BMCs (iDRAC, iLO, Supermicro, XCC): their model or vendor says
/// so; IPA's virtual-media floppy carries the label `ir-vfd-dev`. VMware's real "Virtual disk"
/// is not virtual media.
pub fn is_virtual_media(dev: &BlockDevice) -> bool {
    let text = format!(
        "{} {}",
        dev.vendor.as_deref().unwrap_or(""),
        dev.model.as_deref().unwrap_or("")
    )
    .to_lowercase();
    let named = [
        "virtual media",
        "virtual cd",
        "virtual dvd",
        "virtual floppy",
        "virtual hdisk",
        "virtual_cdrom",
        "vmedia",
        "virtualmedia",
    ]
    .iter()
    .any(|n| text.contains(n));
    let label = sysfs::link_target("/dev/disk/by-label/ir-vfd-dev")
        .and_then(|t| t.file_name().map(|f| f.to_string_lossy().into_owned()))
        .is_some_and(|f| f == dev.name);
    named || label
}

/// Floppies and optical drives never take part in `--all`, besides the virtual kinds.
fn never_a_target(name: &str) -> bool {
    device::is_virtual_name(name) || name.starts_with("fd") || name.starts_with("sr")
}

fn apply_safety(dev: BlockDevice, mounts: &MountTable, force: bool) -> Selected {
    let all = safety::refusals(&dev, mounts, true);
    let blocking = all.iter().find(|r| !r.forceable || !force).cloned();
    let refusal = blocking.map(|r| {
        let e = r.to_error(&dev).with(Key::Refusals, &all);
        (r, e)
    });
    let overridden = if refusal.is_none() { all } else { vec![] };
    Selected {
        dev,
        skip: None,
        refusal,
        overridden,
    }
}

/// Resolves `--disk` paths; any bad name fails the whole run before anything is touched.
pub fn named(paths: &[PathBuf], force: bool) -> Result<Vec<Selected>> {
    let mounts = MountTable::read();
    let mut out: Vec<Selected> = Vec::new();
    for p in paths {
        let dev = disk_from_path(p)?;
        if out.iter().any(|s| s.dev.name == dev.name) {
            continue;
        }
        out.push(apply_safety(dev, &mounts, force));
    }
    Ok(out)
}

/// `--all`: every whole disk, with skipped ones kept in the list so the certificate shows them.
pub fn all(skip: &[SkipRule], force: bool) -> Vec<Selected> {
    let mounts = MountTable::read();
    let mut out = Vec::new();
    for dev in device::list_disks() {
        if never_a_target(&dev.name) || dev.size == 0 {
            continue;
        }
        let reason = if dev.read_only {
            Some("read-only device".to_string())
        } else if is_virtual_media(&dev) {
            Some("virtual media".to_string())
        } else {
            skip_reason(skip, &dev)
        };
        if let Some(reason) = reason {
            out.push(Selected {
                dev,
                skip: Some(reason),
                refusal: None,
                overridden: vec![],
            });
            continue;
        }
        out.push(apply_safety(dev, &mounts, force));
    }
    out
}

#[cfg(test)]
mod tests {
    //! `--all` on a captured sysfs tree: which disks are taken, skipped or refused, and why.
    use super::*;
    use std::fs;
    use std::path::Path;

    fn write(root: &Path, rel: &str, content: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }

    fn disk(r: &Path, name: &str, devno: &str, attrs: &[(&str, &str)]) {
        let base = format!("sys/devices/pci0000:00/host0/block/{name}");
        write(r, &format!("{base}/dev"), devno);
        write(r, &format!("{base}/size"), "209715200");
        write(r, &format!("{base}/queue/logical_block_size"), "512");
        fs::create_dir_all(r.join(format!("{base}/holders"))).unwrap();
        for (k, v) in attrs {
            write(r, &format!("{base}/{k}"), v);
        }
        fs::create_dir_all(r.join("sys/class/block")).unwrap();
        fs::create_dir_all(r.join("sys/dev/block")).unwrap();
        let target = format!("../../devices/pci0000:00/host0/block/{name}");
        std::os::unix::fs::symlink(&target, r.join(format!("sys/class/block/{name}"))).unwrap();
        std::os::unix::fs::symlink(&target, r.join(format!("sys/dev/block/{devno}"))).unwrap();
    }

    fn fixture() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        disk(r, "sda", "8:0", &[]);
        disk(r, "sdb", "8:16", &[]);
        fs::create_dir_all(r.join("sys/devices/pci0000:00/host0/block/sdb/holders/dm-0")).unwrap();
        disk(r, "sdc", "8:32", &[("ro", "1")]);
        disk(
            r,
            "sdd",
            "8:48",
            &[("device/model", "Virtual CD/DVD"), ("removable", "1")],
        );
        disk(r, "sde", "8:64", &[("device/serial", "KEEP-ME")]);
        disk(r, "sdf", "8:80", &[("device/serial", "ERASE-ME")]);
        disk(r, "loop0", "7:0", &[]);
        disk(r, "zram0", "253:0", &[]);
        disk(r, "fd0", "2:0", &[]);
        disk(r, "sr0", "11:0", &[]);
        write(
            r,
            "proc/self/mountinfo",
            "22 1 8:0 / / rw,relatime shared:1 - ext4 /dev/sda rw\n",
        );
        t
    }

    fn outcome(s: &Selected) -> String {
        match (&s.skip, &s.refusal) {
            (Some(reason), _) => format!("skipped: {reason}"),
            (_, Some((r, _))) => format!("refused: {}", r.rule),
            _ => "erase".to_string(),
        }
    }

    #[test]
    fn all_takes_whole_real_disks_and_says_why_not_the_others() {
        let t = fixture();
        crate::sys::sysfs::with_root(t.path(), || {
            let skip = parse_skip(r#"[{"serial": "keep-me"}]"#).unwrap();
            let got: Vec<(String, String)> = all(&skip, false)
                .iter()
                .map(|s| (s.dev.name.clone(), outcome(s)))
                .collect();
            let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
            // loop, zram, floppy and optical drives never take part.
            assert_eq!(names, ["sda", "sdb", "sdc", "sdd", "sde", "sdf"]);
            let of = |n: &str| got.iter().find(|(x, _)| x == n).unwrap().1.clone();
            assert_eq!(of("sda"), "refused: system_disk");
            assert_eq!(of("sdb"), "refused: held");
            assert_eq!(of("sdc"), "skipped: read-only device");
            assert_eq!(of("sdd"), "skipped: virtual media");
            assert!(
                of("sde").starts_with("skipped: matches --skip hints"),
                "{got:?}"
            );
            assert_eq!(of("sdf"), "erase");
            // --force overrides the holder, never the system disk.
            let forced = all(&skip, true);
            assert_eq!(outcome(&forced[0]), "refused: system_disk");
            assert_eq!(outcome(&forced[1]), "erase");
            assert_eq!(forced[1].overridden[0].rule, "held");
        });
    }

    #[test]
    fn skip_accepts_an_object_or_a_list_and_rejects_the_rest() {
        assert_eq!(parse_skip(r#"{"name": "sda"}"#).unwrap().len(), 1);
        assert_eq!(
            parse_skip(r#"[{"name": "sda"}, {"size": ">= 100"}]"#)
                .unwrap()
                .len(),
            2
        );
        assert_eq!(parse_skip("3").unwrap_err().kind, Kind::InvalidHints);
        assert_eq!(parse_skip("{").unwrap_err().kind, Kind::InvalidHints);
        assert_eq!(
            parse_skip(r#"{"colour": "red"}"#).unwrap_err().kind,
            Kind::InvalidHints
        );
    }
}
