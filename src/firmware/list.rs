//! `firmware list`: every component any source knows, in a fixed order, plus notes on what
//! could not be read and why (a missing BMC is a fact, not an error).

use super::{bios, bmc, component::Component, disk, esrt, microcode, nic, plugin};
use crate::report::Result;
use serde_json::{Value, json};

pub fn components() -> (Vec<Component>, Vec<String>) {
    let mut notes = Vec::new();
    let mut out = Vec::new();
    let mut b = bios::read();
    if let Some(sys) = esrt::system_firmware() {
        // The ESRT's system-firmware entry is how the BIOS itself is updated.
        b = b.updatable_by("capsule").detail("esrt", sys.id());
    }
    out.push(b);
    match bmc::read() {
        Ok(c) => out.push(c),
        Err(why) => notes.push(why),
    }
    out.extend(nic::components());
    out.extend(disk::components());
    let esrt = esrt::components();
    if esrt.is_empty() {
        notes.push(
            "no esrt: /sys/firmware/efi/esrt absent (not a uefi boot, or firmware publishes none)"
                .into(),
        );
    }
    out.extend(esrt);
    match microcode::read() {
        Some(c) => out.push(c),
        None => notes.push("no microcode revision in /proc/cpuinfo".into()),
    }
    let (plugged, errors) = plugin::components();
    out.extend(plugged);
    notes.extend(errors);
    (out, notes)
}

pub fn run() -> Result<Value> {
    let (components, notes) = components();
    Ok(json!({
        "components": components,
        "plugins": plugin::discover().into_iter().map(|(n, p)| json!({"name": n, "path": p})).collect::<Vec<_>>(),
        "notes": notes,
    }))
}
