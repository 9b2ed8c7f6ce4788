//! `firmware status`: after a reboot, whether the last update took — ESRT last attempt per
//! entry, NVMe active and next-reset slots, a capsule-on-disk request still pending, and what
//! plug-ins say.

use super::{StatusArgs, disk, efivars, esrt, plugin};
use crate::report::{IronError, Kind, Result};
use crate::sys::sysfs;
use serde_json::{Value, json};
use std::time::Duration;

fn esrt_status(e: &esrt::Entry) -> Value {
    let result = match (e.last_attempt_status, e.last_attempt_version) {
        (0, 0) => "none",
        (0, _) => "success",
        _ => "failed",
    };
    json!({
        "id": e.id(),
        "kind": "esrt",
        "fw_version": e.fw_version,
        "last_attempt_version": e.last_attempt_version,
        "last_attempt_status": e.last_attempt_status,
        "last_attempt_status_name": e.last_attempt_status_name,
        "result": result,
        "running_last_attempt": e.last_attempt_version != 0 && e.last_attempt_version == e.fw_version,
    })
}

fn nvme_status(id: &str, ctrl: &str) -> Value {
    let rev = sysfs::read_nonempty(format!("/sys/class/nvme/{ctrl}/firmware_rev"));
    let (slots, err) = match disk::slot_log(ctrl) {
        Ok(l) => (Some(l), None),
        Err(e) => (None, Some(e)),
    };
    let pending = slots.as_ref().map(|l| l.next_reset_slot.is_some());
    json!({
        "id": id,
        "kind": "disk",
        "controller": ctrl,
        "firmware_rev": rev,
        "firmware_slots": slots,
        "activation_pending": pending,
        "error": err,
    })
}

pub fn run(a: &StatusArgs) -> Result<Value> {
    let want = a.component.as_deref();
    let mut items = Vec::new();
    let sys_fw = esrt::system_firmware().map(|e| e.id());
    for e in esrt::entries() {
        let id = e.id();
        if want.is_none()
            || want == Some(id.as_str())
            || (want == Some("bios") && sys_fw.as_deref() == Some(id.as_str()))
        {
            items.push(esrt_status(&e));
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
            items.push(nvme_status(&id, &ctrl));
        }
    }
    let mut plugins = Vec::new();
    let in_builtin = !items.is_empty();
    for (name, path) in plugin::discover() {
        if want.is_some() && in_builtin {
            break;
        }
        let req = json!({"action": "status", "component": want});
        let answer = match plugin::call(&name, &path, &req, Duration::from_secs(60)) {
            Ok(v) => v,
            Err(e) => json!({"error": e.to_string()}),
        };
        plugins.push(json!({"plugin": name, "answer": answer}));
    }
    if let Some(w) = want
        && items.is_empty()
        && plugins.is_empty()
    {
        return Err(IronError::new(
            Kind::NotFound,
            format!("component '{w}' has no status to report"),
        )
        .with("component", w));
    }
    let pending =
        efivars::read_u64("OsIndications").map(|v| v & efivars::FILE_CAPSULE_DELIVERY != 0);
    Ok(json!({
        "components": items,
        "capsule_on_disk_pending": pending,
        "plugins": plugins,
    }))
}
