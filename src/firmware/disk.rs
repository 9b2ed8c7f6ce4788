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

/// The NVMe controller (`nvme0`) behind a namespace block device (`nvme0n1`), from sysfs.
pub fn nvme_controller(disk: &str) -> Option<String> {
    if !disk.starts_with("nvme") {
        return None;
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

pub fn components() -> Vec<Component> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for name in disk_names() {
        if let Some(ctrl) = nvme_controller(&name) {
            if seen.contains(&ctrl) {
                continue; // firmware belongs to the controller: one entry per controller
            }
            seen.push(ctrl.clone());
            out.push(nvme_component(&name, &ctrl));
        } else {
            out.push(scsi_component(&name));
        }
    }
    out
}

fn nvme_component(disk: &str, ctrl: &str) -> Component {
    let base = format!("/sys/class/nvme/{ctrl}");
    let mut c = Component::new(
        format!("disk:{disk}"),
        "disk",
        format!("{base}/firmware_rev"),
    )
    .updatable_by("nvme");
    c.name = sysfs::read_nonempty(format!("{base}/model"));
    c.version = sysfs::read_nonempty(format!("{base}/firmware_rev"));
    c = c
        .detail("controller", ctrl)
        .detail("serial", sysfs::read_nonempty(format!("{base}/serial")))
        .detail(
            "transport",
            sysfs::read_nonempty(format!("{base}/transport")),
        );
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
