//! Which devices an erase run covers: `--disk` names them, `--all` takes every whole disk as IPA
//! does (not loop, ram, zram, floppy, optical or nbd; read-only disks and virtual media skipped
//! with a reason) minus those matching a `--skip` hint object. The safety rules then apply to
//! each: the running system's disk is refused always, busy ones unless `--force`.

use crate::disk::device::{self, BlockDevice};
use crate::disk::hints::Hints;
use crate::disk::mounts::MountTable;
use crate::disk::safety::{self, Refusal};
use crate::disk::target::disk_from_path;
use crate::report::{IronError, Kind, Result};
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

/// Parses `--skip`: one hint object or a list of them (IPA's `skip_block_devices`).
pub fn parse_skip(json: &str) -> Result<Vec<(String, Hints)>> {
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
        .map(|item| Ok((item.to_string(), Hints::from_value(&item)?)))
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
        let e = r.to_error(&dev).with("refusals", &all);
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
pub fn all(skip: &[(String, Hints)], force: bool) -> Vec<Selected> {
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
            skip.iter()
                .find(|(_, h)| h.matches(&dev))
                .map(|(src, _)| format!("matches --skip hints {src}"))
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
