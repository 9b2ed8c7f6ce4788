//! Disks' firmware: NVMe controllers (sysfs firmware_rev, and the firmware slot log through
//! the admin passthrough when the controller node is there) and ATA/SCSI devices (sysfs rev).

use super::component::{Component, ComponentKind, Details};
use super::{Method, nvme};
use crate::sys::sysfs;
use schemars::JsonSchema;
use serde::Serialize;

/// Whole disks that sit on a device (not partitions, loop, ram, dm or md).
fn disk_names() -> Vec<String> {
    sysfs::list("/sys/class/block")
        .into_iter()
        .filter(|n| {
            sysfs::exists(format!("/sys/class/block/{n}/device"))
                && !sysfs::exists(format!("/sys/class/block/{n}/partition"))
        })
        .collect()
}

/// The NVMe controller (`nvme0`) behind a namespace block device (`nvme0n1`), from sysfs; a
/// controller name is accepted as itself (a controller may have no namespace at all).
pub fn nvme_controller(disk: &str) -> Option<String> {
    if !disk.starts_with("nvme") {
        return None;
    }
    if sysfs::exists(format!("/sys/class/nvme/{disk}")) {
        return Some(disk.to_string());
    }
    let dev = sysfs::canonical(format!("/sys/class/block/{disk}/device"))?;
    let name = dev.file_name()?.to_string_lossy().into_owned();
    if name.starts_with("nvme") && sysfs::exists(format!("/sys/class/nvme/{name}")) {
        return Some(name);
    }
    // Multipath namespaces (nvme0c0n1) hang off the subsystem; fall back to the first controller
    // that lists this namespace.
    sysfs::list("/sys/class/nvme")
        .into_iter()
        .find(|c| sysfs::exists(format!("/sys/class/nvme/{c}/{disk}")))
}

/// The id an NVMe controller is listed under: `disk:<first namespace>`, or `disk:<controller>`
/// when it has none.
pub fn nvme_id(ctrl: &str) -> String {
    let ns = disk_names()
        .into_iter()
        .find(|n| nvme_controller(n).as_deref() == Some(ctrl));
    format!("disk:{}", ns.as_deref().unwrap_or(ctrl))
}

pub fn components() -> Vec<Component> {
    let mut out: Vec<Component> = sysfs::list("/sys/class/nvme")
        .into_iter()
        .map(|ctrl| nvme_component(&nvme_id(&ctrl), &ctrl))
        .collect();
    for name in disk_names() {
        if nvme_controller(&name).is_none() {
            out.push(scsi_component(&name));
        }
    }
    out
}

/// An NVMe controller's details.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NvmeDetails {
    pub controller: String,
    pub serial: Option<String>,
    pub transport: Option<String>,
    /// From Identify Controller; absent when the controller could not be asked.
    #[serde(flatten)]
    pub caps: Option<SlotCaps>,
    /// Null when the slot log could not be read (`firmware_slots_error` says why).
    pub firmware_slots: Option<nvme::SlotLog>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware_slots_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SlotCaps {
    pub firmware_slot_count: u8,
    pub slot1_read_only: bool,
}

/// An ATA/SCSI disk's details.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ScsiDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

fn nvme_component(id: &str, ctrl: &str) -> Component {
    let base = format!("/sys/class/nvme/{ctrl}");
    let caps = identify(ctrl).ok();
    let (firmware_slots, firmware_slots_error) = match slot_log(ctrl) {
        Ok(log) => (Some(log), None),
        Err(why) => (None, Some(why)),
    };
    let details = NvmeDetails {
        controller: ctrl.to_string(),
        serial: sysfs::read_nonempty(format!("{base}/serial")),
        transport: sysfs::read_nonempty(format!("{base}/transport")),
        caps: caps.map(|c| SlotCaps {
            firmware_slot_count: c.slots,
            slot1_read_only: c.slot1_read_only,
        }),
        firmware_slots,
        firmware_slots_error,
    };
    let mut c = Component::new(
        id,
        ComponentKind::Disk,
        format!("{base}/firmware_rev"),
        Details::Nvme(details),
    );
    c.name = sysfs::read_nonempty(format!("{base}/model"));
    c.version = sysfs::read_nonempty(format!("{base}/firmware_rev"));
    // Updatable only when a slot can be written (slot 1 alone and read-only means never).
    let writable = caps.is_none_or(|c| c.slots > 1 || (c.slots == 1 && !c.slot1_read_only));
    if writable {
        c = c.updatable_by(Method::Nvme);
    }
    c
}

/// The slot log through the passthrough, or why it could not be read.
pub fn slot_log(ctrl: &str) -> Result<nvme::SlotLog, String> {
    if sysfs::is_captured() {
        return Err("captured tree: no controller to ask".into());
    }
    let node = format!("/dev/{ctrl}");
    let f = std::fs::File::open(sysfs::path(&node)).map_err(|e| format!("{node}: {e}"))?;
    nvme::read_slot_log(&mut nvme::Ioctl(f)).map_err(|e| e.to_string())
}

/// Identify Controller's firmware capabilities through the passthrough.
pub fn identify(ctrl: &str) -> Result<nvme::FwCaps, String> {
    if sysfs::is_captured() {
        return Err("captured tree: no controller to ask".into());
    }
    let node = format!("/dev/{ctrl}");
    let f = std::fs::File::open(sysfs::path(&node)).map_err(|e| format!("{node}: {e}"))?;
    nvme::identify_controller(&mut nvme::Ioctl(f)).map_err(|e| e.to_string())
}

fn scsi_component(disk: &str) -> Component {
    let base = format!("/sys/class/block/{disk}/device");
    let version = sysfs::read_nonempty(format!("{base}/rev"))
        .or_else(|| sysfs::read_nonempty(format!("{base}/firmware_rev")));
    let details = ScsiDetails {
        note: version
            .is_none()
            .then_some("the device exposes no firmware revision"),
    };
    let mut c = Component::new(
        format!("disk:{disk}"),
        ComponentKind::Disk,
        format!("{base}/rev"),
        Details::Scsi(details),
    );
    c.name = sysfs::read_nonempty(format!("{base}/model"));
    c.version = version;
    c.vendor = sysfs::read_nonempty(format!("{base}/vendor"));
    c
}
