//! `firmware status`: after a reboot, whether the last update took — ESRT last attempt per
//! entry, NVMe active and next-reset slots, a capsule-on-disk request still pending, and what
//! plug-ins say.

use super::{StatusArgs, disk, efivars, esrt, nvme, plugin};
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::sysfs;
use schemars::JsonSchema;
use serde::Serialize;
use std::time::Duration;

/// What `firmware status` prints.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StatusReport {
    pub components: Vec<ComponentStatus>,
    /// The OsIndications capsule-on-disk bit is still set (null: no such variable).
    pub capsule_on_disk_pending: Option<bool>,
    pub plugins: Vec<PluginStatus>,
}

/// One built-in component's status, by its `kind`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ComponentStatus {
    Esrt(EsrtStatus),
    Disk(NvmeStatus),
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct EsrtStatus {
    pub id: String,
    pub fw_version: u32,
    pub last_attempt_version: u32,
    pub last_attempt_status: u32,
    pub last_attempt_status_name: String,
    pub result: AttemptResult,
    /// The version running is the one last attempted.
    pub running_last_attempt: bool,
}

/// How the ESRT's last attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptResult {
    /// No attempt recorded.
    None,
    Success,
    Failed,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct NvmeStatus {
    pub id: String,
    pub controller: String,
    pub firmware_rev: Option<String>,
    pub firmware_slots: Option<nvme::SlotLog>,
    /// A slot is to be activated at the next reset (null when the slot log is unreadable).
    pub activation_pending: Option<bool>,
    /// Why the slot log could not be read.
    pub error: Option<String>,
}

/// One plug-in's answer to `{"action":"status"}`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PluginStatus {
    pub plugin: String,
    pub answer: PluginAnswer,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum PluginAnswer {
    /// The call failed (the plug-in is still listed, with why).
    Failed {
        error: String,
    },
    Answered(plugin::Answer),
}

fn esrt_status(e: &esrt::Entry) -> EsrtStatus {
    let result = match (e.last_attempt_status, e.last_attempt_version) {
        (0, 0) => AttemptResult::None,
        (0, _) => AttemptResult::Success,
        _ => AttemptResult::Failed,
    };
    EsrtStatus {
        id: e.id(),
        fw_version: e.fw_version,
        last_attempt_version: e.last_attempt_version,
        last_attempt_status: e.last_attempt_status,
        last_attempt_status_name: e.last_attempt_status_name.clone(),
        result,
        running_last_attempt: e.last_attempt_version != 0 && e.last_attempt_version == e.fw_version,
    }
}

fn nvme_status(id: &str, ctrl: &str) -> NvmeStatus {
    let (slots, error) = match disk::slot_log(ctrl) {
        Ok(l) => (Some(l), None),
        Err(e) => (None, Some(e)),
    };
    NvmeStatus {
        id: id.to_string(),
        controller: ctrl.to_string(),
        firmware_rev: sysfs::read_nonempty(format!("/sys/class/nvme/{ctrl}/firmware_rev")),
        activation_pending: slots.as_ref().map(|l| l.next_reset_slot.is_some()),
        firmware_slots: slots,
        error,
    }
}

/// The built-in components `want` names (all of them without it).
fn builtin(want: Option<&str>) -> Vec<ComponentStatus> {
    let mut items = Vec::new();
    let sys_fw = esrt::system_firmware().map(|e| e.id());
    for e in esrt::entries() {
        let id = e.id();
        if want.is_none()
            || want == Some(id.as_str())
            || (want == Some("bios") && sys_fw.as_deref() == Some(id.as_str()))
        {
            items.push(ComponentStatus::Esrt(esrt_status(&e)));
        }
    }
    for ctrl in sysfs::list("/sys/class/nvme") {
        let id = disk::nvme_id(&ctrl);
        let named = want.is_none_or(|w| {
            w == id
                || w.strip_prefix("disk:")
                    .and_then(disk::nvme_controller)
                    .as_deref()
                    == Some(ctrl.as_str())
        });
        if named {
            items.push(ComponentStatus::Disk(nvme_status(&id, &ctrl)));
        }
    }
    items
}

/// Every plug-in's answer, unless a built-in component already answered for `want`.
fn plugins(want: Option<&str>, in_builtin: bool) -> Vec<PluginStatus> {
    if want.is_some() && in_builtin {
        return Vec::new();
    }
    let req = plugin::Request::Status { component: want };
    plugin::discover()
        .into_iter()
        .map(|p| {
            let answer = match plugin::call(&p, &req, Duration::from_secs(60)) {
                Ok(v) => PluginAnswer::Answered(v),
                Err(e) => PluginAnswer::Failed {
                    error: e.to_string(),
                },
            };
            PluginStatus {
                plugin: p.name,
                answer,
            }
        })
        .collect()
}

pub fn run(a: &StatusArgs) -> Result<StatusReport> {
    let want = a.component.as_deref();
    let components = builtin(want);
    let plugins = plugins(want, !components.is_empty());
    if let Some(w) = want
        && components.is_empty()
        && plugins.is_empty()
    {
        return Err(IronError::new(
            Kind::NotFound,
            format!("component '{w}' has no status to report"),
        )
        .with(Key::Component, w));
    }
    let pending =
        efivars::read_u64("OsIndications").map(|v| v & efivars::FILE_CAPSULE_DELIVERY != 0);
    Ok(StatusReport {
        components,
        capsule_on_disk_pending: pending,
        plugins,
    })
}
