//! `firmware update`: resolve the component and method, skip when already at the version,
//! refuse unsupported downgrades, fetch and verify the image, validate it for its target, and
//! apply it (or, with --dry-run, print the plan).

use super::target::{Target, resolve};
use super::{Method, UpdateArgs, capsule, disk, efivars, esrt, fetch, nvme, plugin};
use crate::fetch::http::Counters;
use crate::fetch::http_client;
use crate::report::{Context, IronError, Key, Kind, Result};
use crate::sys::sysfs;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// What `firmware update` prints.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UpdateReport {
    pub component: String,
    pub method: Method,
    pub dry_run: bool,
    /// The version running now (an ESRT version in decimal).
    pub current_version: Option<String>,
    /// --version: the version the image carries.
    pub version: Option<String>,
    /// The image is older than the running ESRT version (with --version, ESRT targets only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downgrade: Option<bool>,
    pub status: UpdateStatus,
    /// Something was written (false for a dry run and when up to date).
    pub applied: bool,
    pub pending_reboot: bool,
    /// The verified image; absent when up to date (nothing fetched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageReport>,
    /// Where and how the image went, by method; absent when up to date.
    #[serde(flatten)]
    pub delivery: Option<Delivery>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateStatus {
    /// Handed over; the firmware applies it at the next reboot.
    Staged,
    /// --dry-run: everything checked, nothing written.
    Planned,
    /// --version equals the running one: nothing fetched or applied.
    UpToDate,
    /// A plug-in's own word for it.
    #[serde(untagged)]
    Plugin(String),
}

impl UpdateStatus {
    fn of_run(dry_run: bool) -> UpdateStatus {
        if dry_run {
            UpdateStatus::Planned
        } else {
            UpdateStatus::Staged
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ImageReport {
    pub source: String,
    pub size: usize,
    pub checksum: fetch::Checksum,
    /// Always true: an image that does not match is refused before this report.
    pub verified: bool,
    pub retries: u64,
    pub resumes: u64,
}

/// Per method, where the image went.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Delivery {
    Capsule(CapsuleDelivery),
    Nvme(NvmeDelivery),
    Plugin(PluginDelivery),
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CapsuleDelivery {
    pub capsule: capsule::Header,
    pub fw_class: String,
    /// The capsule loader, or the file on the ESP (capsule-on-disk).
    pub target: PathBuf,
    /// OsIndications as written (capsule-on-disk, not for a dry run), 0x hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_indications: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct NvmeDelivery {
    pub disk: String,
    /// The controller node (`/dev/nvme0`).
    pub controller: String,
    /// --slot; null: the controller chooses.
    pub slot: Option<u8>,
    pub commit_action: CommitAction,
    pub chunk_size: usize,
    pub chunks: usize,
    /// Firmware Commit's completion status, 0x hex (not for a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_status: Option<String>,
    /// The slot log after the commit, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware_slots: Option<nvme::SlotLog>,
}

/// The Firmware Commit action ironbox uses (the only one: activation waits for a reset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommitAction {
    ReplaceAndActivateAtNextReset,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PluginDelivery {
    pub plugin: String,
    pub plugin_answer: plugin::Answer,
}

/// How it ended: the report's `status` and `pending_reboot`.
struct Outcome {
    status: UpdateStatus,
    pending_reboot: bool,
}

impl Outcome {
    /// Capsules and NVMe images wait for the reboot once written.
    fn at_reboot(a: &UpdateArgs) -> Outcome {
        Outcome {
            status: UpdateStatus::of_run(a.dry_run),
            pending_reboot: !a.dry_run,
        }
    }
}

/// Whether the version gate lets the update go on.
enum Gate {
    UpToDate,
    /// Go on; `downgrade` known for ESRT targets given --version.
    Proceed {
        downgrade: Option<bool>,
    },
}

pub fn run(a: &UpdateArgs) -> Result<UpdateReport> {
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
    let mut report = UpdateReport {
        component: a.component.clone(),
        method,
        dry_run: a.dry_run,
        current_version: target.current_version(),
        version: a.version.clone(),
        downgrade: None,
        status: UpdateStatus::UpToDate,
        applied: false,
        pending_reboot: false,
        image: None,
        delivery: None,
    };
    match version_gate(a, &target, report.current_version.as_deref())? {
        Gate::UpToDate => return Ok(report),
        Gate::Proceed { downgrade } => report.downgrade = downgrade,
    }

    let data = fetch::fetch(&a.image, &http)?;
    fetch::verify(&data, &sum, &a.image)?;
    report.image = Some(ImageReport {
        source: a.image.clone(),
        size: data.len(),
        checksum: sum,
        verified: true,
        retries: counters.retries.load(Ordering::Relaxed),
        resumes: counters.resumes.load(Ordering::Relaxed),
    });

    let (delivery, outcome) = match target {
        Target::Esrt(entry) => {
            let d = apply_capsule(a, method, &entry, &data)?;
            (Delivery::Capsule(d), Outcome::at_reboot(a))
        }
        Target::Nvme { disk, ctrl, .. } => {
            let d = apply_nvme(a, &disk, &ctrl, &data)?;
            (Delivery::Nvme(d), Outcome::at_reboot(a))
        }
        Target::Plugin { plugin, .. } => apply_plugin(a, &plugin, &data)?,
    };
    report.delivery = Some(delivery);
    report.status = outcome.status;
    report.applied = !a.dry_run;
    report.pending_reboot = outcome.pending_reboot;
    Ok(report)
}

/// --version against the running version: equal → up to date; below the ESRT's lowest
/// supported version → refused unless --allow-downgrade.
fn version_gate(a: &UpdateArgs, target: &Target, current: Option<&str>) -> Result<Gate> {
    let Some(v) = &a.version else {
        return Ok(Gate::Proceed { downgrade: None });
    };
    let Target::Esrt(e) = target else {
        return Ok(if current.map(str::trim) == Some(v.trim()) {
            Gate::UpToDate
        } else {
            Gate::Proceed { downgrade: None }
        });
    };
    let n = esrt::parse_version(v).ok_or_else(|| {
        IronError::invalid(format!(
            "version '{v}' is not a 32-bit esrt version (decimal or 0x hex)"
        ))
    })?;
    if n == e.fw_version {
        return Ok(Gate::UpToDate);
    }
    if n < e.lowest_supported_fw_version && !a.allow_downgrade {
        return Err(IronError::new(
            Kind::UnsafeImage,
            format!(
                "version {n} is below the lowest supported version {} of {}; --allow-downgrade overrides",
                e.lowest_supported_fw_version, a.component
            ),
        )
        .with(Key::Rule, "downgrade")
        .with(Key::LowestSupportedFwVersion, e.lowest_supported_fw_version));
    }
    Ok(Gate::Proceed {
        downgrade: Some(n < e.fw_version),
    })
}

fn apply_capsule(
    a: &UpdateArgs,
    method: Method,
    entry: &esrt::Entry,
    data: &[u8],
) -> Result<CapsuleDelivery> {
    let header = capsule::parse(data)?;
    capsule::check_target(&header, entry)?;
    let mut d = CapsuleDelivery {
        capsule: header,
        fw_class: entry.fw_class.clone(),
        target: PathBuf::from(capsule::LOADER),
        os_indications: None,
    };
    if method == Method::Capsule {
        if !capsule::loader_present() {
            return Err(capsule::no_loader());
        }
        capsule::check_loader_flags(&d.capsule)?;
        if !a.dry_run {
            capsule::write_to_loader(data)?;
        }
        return Ok(d);
    }
    let esp = a.esp.as_deref().unwrap_or(Path::new("/boot/efi"));
    efivars::check_supported()?;
    d.target = capsule::on_disk_path(esp, &entry.fw_class);
    if !a.dry_run {
        capsule::write_on_disk(esp, &entry.fw_class, data)?;
        let v = efivars::request_capsule_delivery()?;
        d.os_indications = Some(format!("{v:#x}"));
    }
    Ok(d)
}

fn apply_nvme(a: &UpdateArgs, disk: &str, ctrl: &str, data: &[u8]) -> Result<NvmeDelivery> {
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
    let slot = a.slot.unwrap_or(0);
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
    let mut d = NvmeDelivery {
        disk: disk.to_string(),
        controller: node,
        slot: (slot != 0).then_some(slot),
        commit_action: CommitAction::ReplaceAndActivateAtNextReset,
        chunk_size: chunk,
        chunks: nvme::download_plan(data.len(), chunk).len(),
        commit_status: None,
        firmware_slots: None,
    };
    if a.dry_run {
        return Ok(d);
    }
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(sysfs::path(&d.controller))
        .ctx(Kind::Io, || format!("cannot open {}", d.controller))?;
    let mut t = nvme::Ioctl(f);
    let status = nvme::download_and_commit(&mut t, data, slot, chunk)?;
    d.commit_status = Some(format!("{status:#x}"));
    d.firmware_slots = nvme::read_slot_log(&mut t).ok();
    Ok(d)
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
        .with(Key::Controller, node));
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
        .with(Key::Controller, node));
    }
    Ok(())
}

/// Hands the image to the plug-in as a private temp file; its answer's `status` and
/// `pending_reboot`, when it gives them, are the report's.
fn apply_plugin(a: &UpdateArgs, p: &plugin::Plugin, data: &[u8]) -> Result<(Delivery, Outcome)> {
    // The plug-in gets a path: vendor tools want files, not pipes.
    let tmp = tempfile_path();
    write_private(&tmp, data).ctx(Kind::Io, || format!("cannot write {}", tmp.display()))?;
    let request = plugin::Request::Update {
        component: &a.component,
        image: &tmp,
        version: a.version.as_deref(),
        dry_run: a.dry_run,
        allow_downgrade: a.allow_downgrade,
    };
    let answer = plugin::call(p, &request, Duration::from_secs(3600));
    let _ = std::fs::remove_file(&tmp);
    let answer = answer?;
    let outcome = Outcome {
        status: answer
            .get("status")
            .and_then(Value::as_str)
            .map_or(UpdateStatus::of_run(a.dry_run), |s| {
                UpdateStatus::Plugin(s.to_string())
            }),
        pending_reboot: answer
            .get("pending_reboot")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    };
    let delivery = Delivery::Plugin(PluginDelivery {
        plugin: p.name.clone(),
        plugin_answer: answer,
    });
    Ok((delivery, outcome))
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
