//! Disks' firmware: NVMe controllers (sysfs firmware_rev, and the firmware slot log through
//! the admin passthrough when the controller node is there) and ATA/SCSI devices (sysfs rev).

use super::component::Component;
use super::nvme;
use crate::sys::sysfs;

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

fn nvme_component(id: &str, ctrl: &str) -> Component {
    let base = format!("/sys/class/nvme/{ctrl}");
    let mut c = Component::new(id, "disk", format!("{base}/firmware_rev")).updatable_by("nvme");
    c.name = sysfs::read_nonempty(format!("{base}/model"));
    c.version = sysfs::read_nonempty(format!("{base}/firmware_rev"));
    c = c
        .detail("controller", ctrl)
        .detail("serial", sysfs::read_nonempty(format!("{base}/serial")))
        .detail(
            "transport",
            sysfs::read_nonempty(format!("{base}/transport")),
        );
    // Updatable only when a slot can be written (slot 1 alone and read-only means never).
    if let Ok(caps) = identify(ctrl) {
        let writable = caps.slots > 1 || (caps.slots == 1 && !caps.slot1_read_only);
        if !writable {
            c.updatable = false;
            c.method = None;
        }
        c = c
            .detail("firmware_slot_count", caps.slots)
            .detail("slot1_read_only", caps.slot1_read_only);
    }
    match slot_log(ctrl) {
        Ok(log) => c.detail("firmware_slots", log),
        Err(why) => c
            .detail("firmware_slots", serde_json::Value::Null)
            .detail("firmware_slots_error", why),
    }
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
    let mut c = Component::new(format!("disk:{disk}"), "disk", format!("{base}/rev"));
    c.name = sysfs::read_nonempty(format!("{base}/model"));
    c.version = sysfs::read_nonempty(format!("{base}/rev"))
        .or_else(|| sysfs::read_nonempty(format!("{base}/firmware_rev")));
    c.vendor = sysfs::read_nonempty(format!("{base}/vendor"));
    if c.version.is_none() {
        c = c.detail("note", "the device exposes no firmware revision");
    }
    c
}
