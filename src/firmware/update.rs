//! `firmware update`: resolve the component and method, skip when already at the version,
//! refuse unsupported downgrades, fetch and verify the image, validate it for its target, and
//! apply it (or, with --dry-run, print the plan).

use super::{Method, UpdateArgs, capsule, disk, efivars, esrt, fetch, nvme, plugin};
use crate::fetch::http::Counters;
use crate::fetch::http_client;
use crate::report::{Context, IronError, Kind, Result};
use crate::sys::sysfs;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;

/// What the update targets, once resolved.
enum Target {
    Esrt(esrt::Entry),
    Nvme {
        disk: String,
        ctrl: String,
        version: Option<String>,
    },
    Plugin {
        name: String,
        path: std::path::PathBuf,
        version: Option<String>,
    },
}

fn not_found(id: &str, why: &str) -> IronError {
    IronError::new(Kind::NotFound, format!("component '{id}' {why}")).with("component", id)
}

fn esrt_entry(id: &str) -> Result<esrt::Entry> {
    if id == "bios" {
        return esrt::system_firmware().ok_or_else(|| {
            not_found(
                id,
                "has no esrt system-firmware entry (capsule updates need uefi with an esrt)",
            )
        });
    }
    let guid = id.strip_prefix("esrt:").unwrap_or(id);
    esrt::find(guid)
        .ok_or_else(|| not_found(id, "is not in the esrt (/sys/firmware/efi/esrt/entries)"))
}

fn resolve(a: &UpdateArgs) -> Result<(Target, Method)> {
    let id = a.component.as_str();
    let plugin_target = |name: Option<&str>| -> Result<Target> {
        let (name, path, version) = match name {
            Some(n) => {
                let path = plugin::find(n)?;
                let version = plugin::owner(id)
                    .filter(|(o, _, _)| o == n)
                    .and_then(|(_, _, c)| c.version);
                (n.to_string(), path, version)
            }
            None => {
                let (n, p, c) = plugin::owner(id).ok_or_else(|| {
                    not_found(id, "is not listed by any ironbox-firmware-* plug-in")
                })?;
                (n, p, c.version)
            }
        };
        Ok(Target::Plugin {
            name,
            path,
            version,
        })
    };
    if a.method == Some(Method::Plugin) || a.plugin.is_some() {
        if a.method.is_some_and(|m| m != Method::Plugin) {
            return Err(IronError::usage("--plugin goes with --method plugin"));
        }
        return Ok((plugin_target(a.plugin.as_deref())?, Method::Plugin));
    }
    if id == "bios" || id.starts_with("esrt:") {
        let entry = esrt_entry(id)?;
        let method = match a.method {
            Some(m @ (Method::Capsule | Method::CapsuleOnDisk)) => m,
            Some(m) => {
                return Err(IronError::usage(format!(
                    "method {} does not apply to {id} (capsule or capsule-on-disk)",
                    m.as_str()
                )));
            }
            None if !capsule::loader_present() && a.esp.is_some() => Method::CapsuleOnDisk,
            None => Method::Capsule,
        };
        return Ok((Target::Esrt(entry), method));
    }
    if let Some(name) = id.strip_prefix("disk:") {
        if a.method.is_some_and(|m| m != Method::Nvme) {
            return Err(IronError::usage(format!(
                "{id} is updated with --method nvme"
            )));
        }
        let ctrl = disk::nvme_controller(name).ok_or_else(|| {
            not_found(
                id,
                "is not an nvme namespace (only nvme disks take firmware in-band)",
            )
        })?;
        let version = sysfs::read_nonempty(format!("/sys/class/nvme/{ctrl}/firmware_rev"));
        return Ok((
            Target::Nvme {
                disk: name.to_string(),
                ctrl,
                version,
            },
            Method::Nvme,
        ));
    }
    if matches!(
        a.method,
        Some(Method::Nvme | Method::Capsule | Method::CapsuleOnDisk)
    ) {
        return Err(not_found(id, "is not an esrt entry or nvme disk"));
    }
    Ok((plugin_target(None)?, Method::Plugin))
}

pub fn run(a: &UpdateArgs) -> Result<Value> {
    let sum = fetch::parse_checksum(&a.checksum)?;
    // Bad HTTP flags are bad usage whatever the image source, caught before anything else.
    let counters = Arc::new(Counters::default());
    let http = http_client(&a.http, counters.clone())?;
    if a.method == Some(Method::CapsuleOnDisk) && a.esp.is_none() {
        return Err(IronError::usage(
            "--method capsule-on-disk needs --esp DIR (the mounted EFI system partition)",
        ));
    }
    let (target, method) = resolve(a)?;
    let mut report = Map::new();
    report.insert("component".into(), json!(a.component));
    report.insert("method".into(), json!(method.as_str()));
    report.insert("dry_run".into(), json!(a.dry_run));

    // Version gate: equal → up_to_date; below ESRT's lowest supported → refused.
    let current: Option<String> = match &target {
        Target::Esrt(e) => Some(e.fw_version.to_string()),
        Target::Nvme { version, .. } | Target::Plugin { version, .. } => version.clone(),
    };
    report.insert("current_version".into(), json!(current));
    report.insert("version".into(), json!(a.version));
    if let Some(v) = &a.version {
        if let Target::Esrt(e) = &target {
            let n = esrt::parse_version(v).ok_or_else(|| {
                IronError::invalid(format!(
                    "version '{v}' is not a 32-bit esrt version (decimal or 0x hex)"
                ))
            })?;
            if n == e.fw_version {
                return Ok(up_to_date(report));
            }
            report.insert("downgrade".into(), json!(n < e.fw_version));
            if n < e.lowest_supported_fw_version && !a.allow_downgrade {
                return Err(IronError::new(
                    Kind::UnsafeImage,
                    format!(
                        "version {n} is below the lowest supported version {} of {}; --allow-downgrade overrides",
                        e.lowest_supported_fw_version, a.component
                    ),
                )
                .with("rule", "downgrade")
                .with("lowest_supported_fw_version", e.lowest_supported_fw_version));
            }
        } else if current.as_deref().map(str::trim) == Some(v.trim()) {
            return Ok(up_to_date(report));
        }
    }

    let data = fetch::fetch(&a.image, &http)?;
    fetch::verify(&data, &sum, &a.image)?;
    report.insert(
        "image".into(),
        json!({
            "source": a.image, "size": data.len(),
            "checksum": {"algorithm": sum.algo, "value": sum.hex}, "verified": true,
            "retries": counters.retries.load(std::sync::atomic::Ordering::Relaxed),
            "resumes": counters.resumes.load(std::sync::atomic::Ordering::Relaxed),
        }),
    );

    match target {
        Target::Esrt(entry) => apply_capsule(a, method, &entry, &data, &mut report)?,
        Target::Nvme { disk, ctrl, .. } => apply_nvme(a, &disk, &ctrl, &data, &mut report)?,
        Target::Plugin { name, path, .. } => apply_plugin(a, &name, &path, &data, &mut report)?,
    }
    Ok(Value::Object(report))
}

fn up_to_date(mut report: Map<String, Value>) -> Value {
    report.insert("status".into(), json!("up_to_date"));
    report.insert("applied".into(), json!(false));
    report.insert("pending_reboot".into(), json!(false));
    Value::Object(report)
}

fn apply_capsule(
    a: &UpdateArgs,
    method: Method,
    entry: &esrt::Entry,
    data: &[u8],
    report: &mut Map<String, Value>,
) -> Result<()> {
    let header = capsule::parse(data)?;
    capsule::check_target(&header, entry)?;
    report.insert("capsule".into(), json!(header));
    report.insert("fw_class".into(), json!(entry.fw_class));
    match method {
        Method::Capsule => {
            if !capsule::loader_present() {
                return Err(capsule::no_loader());
            }
            capsule::check_loader_flags(&header)?;
            report.insert("target".into(), json!(capsule::LOADER));
            if !a.dry_run {
                capsule::write_to_loader(data)?;
            }
        }
        _ => {
            let esp = a
                .esp
                .as_deref()
                .unwrap_or(std::path::Path::new("/boot/efi"));
            efivars::check_supported()?;
            let dest = capsule::on_disk_path(esp, &entry.fw_class);
            report.insert("target".into(), json!(dest));
            if !a.dry_run {
                capsule::write_on_disk(esp, &entry.fw_class, data)?;
                let v = efivars::request_capsule_delivery()?;
                report.insert("os_indications".into(), json!(format!("{v:#x}")));
            }
        }
    }
    finish(a, report, true);
    Ok(())
}

fn finish(a: &UpdateArgs, report: &mut Map<String, Value>, reboot: bool) {
    report.insert(
        "status".into(),
        json!(if a.dry_run { "planned" } else { "staged" }),
    );
    report.insert("applied".into(), json!(!a.dry_run));
    report.insert("pending_reboot".into(), json!(reboot && !a.dry_run));
}

fn apply_nvme(
    a: &UpdateArgs,
    disk: &str,
    ctrl: &str,
    data: &[u8],
    report: &mut Map<String, Value>,
) -> Result<()> {
    if data.is_empty() || !data.len().is_multiple_of(4) {
        return Err(IronError::new(
            Kind::CorruptImage,
            format!(
                "nvme firmware image of {} bytes is not a whole number of dwords",
                data.len()
            ),
        ));
    }
    let node = format!("/dev/{ctrl}");
    report.insert("disk".into(), json!(disk));
    report.insert("controller".into(), json!(node));
    let slot = a.slot.unwrap_or(0);
    report.insert(
        "slot".into(),
        json!(if slot == 0 { None } else { Some(slot) }),
    );
    report.insert(
        "commit_action".into(),
        json!("replace_and_activate_at_next_reset"),
    );
    // Identify through a read-only handle first, so a dry run checks the slot too.
    let caps = if sysfs::is_captured() {
        None
    } else {
        Some(disk::identify(ctrl).map_err(|e| {
            IronError::new(Kind::External, format!("cannot identify {node}")).caused_by(e)
        })?)
    };
    if let Some(caps) = caps {
        check_slot(&node, slot, caps)?;
    }
    let chunk = caps.map_or(nvme::DEFAULT_CHUNK, |c| c.chunk);
    report.insert("chunk_size".into(), json!(chunk));
    report.insert(
        "chunks".into(),
        json!(nvme::download_plan(data.len(), chunk).len()),
    );
    if a.dry_run {
        finish(a, report, true);
        return Ok(());
    }
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(sysfs::path(&node))
        .ctx(Kind::Io, || format!("cannot open {node}"))?;
    let mut t = nvme::Ioctl(f);
    let status = nvme::download_and_commit(&mut t, data, slot, chunk)?;
    report.insert("commit_status".into(), json!(format!("{status:#x}")));
    if let Ok(log) = nvme::read_slot_log(&mut t) {
        report.insert("firmware_slots".into(), json!(log));
    }
    finish(a, report, true);
    Ok(())
}

/// Refuses a slot the controller cannot take, and controllers with no writable slot at all.
fn check_slot(node: &str, slot: u8, caps: nvme::FwCaps) -> Result<()> {
    if caps.slots <= 1 && caps.slot1_read_only {
        return Err(IronError::new(
            Kind::Unsupported,
            format!(
                "{node} has no writable firmware slot (one slot, read-only): its firmware cannot be updated in-band"
            ),
        )
        .with("controller", node));
    }
    if slot > caps.slots || (slot == 1 && caps.slot1_read_only) {
        let ro = if caps.slot1_read_only {
            "read-only"
        } else {
            "writable"
        };
        return Err(IronError::invalid(format!(
            "slot {slot} cannot be written on {node} ({} slots, slot 1 {ro})",
            caps.slots
        ))
        .with("controller", node));
    }
    Ok(())
}

fn apply_plugin(
    a: &UpdateArgs,
    name: &str,
    path: &std::path::PathBuf,
    data: &[u8],
    report: &mut Map<String, Value>,
) -> Result<()> {
    report.insert("plugin".into(), json!(name));
    // The plug-in gets a path: vendor tools want files, not pipes.
    let tmp = tempfile_path();
    write_private(&tmp, data).ctx(Kind::Io, || format!("cannot write {}", tmp.display()))?;
    let request = json!({
        "action": "update",
        "component": a.component,
        "image": tmp,
        "version": a.version,
        "dry_run": a.dry_run,
        "allow_downgrade": a.allow_downgrade,
    });
    let answer = plugin::call(name, path, &request, Duration::from_secs(3600));
    let _ = std::fs::remove_file(&tmp);
    let answer = answer?;
    finish(
        a,
        report,
        answer["pending_reboot"].as_bool().unwrap_or(false),
    );
    if let Some(s) = answer["status"].as_str() {
        report.insert("status".into(), json!(s));
    }
    if let Some(p) = answer["pending_reboot"].as_bool() {
        report.insert("pending_reboot".into(), json!(p));
    }
    report.insert("plugin_answer".into(), answer);
    Ok(())
}

fn tempfile_path() -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "ironbox-firmware-{}-{nanos}.img",
        std::process::id()
    ))
}

/// A new file only we can read (create_new: never follows a planted link).
fn write_private(path: &std::path::Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)?;
    f.sync_all()
}
