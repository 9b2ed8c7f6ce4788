//! `firmware list`: every component any source knows, in a fixed order, plus notes on what
//! could not be read and why (a missing BMC is a fact, not an error).

use super::{bios, bmc, component::Component, disk, esrt, microcode, nic, plugin};
use crate::report::Result;
use schemars::JsonSchema;
use serde::Serialize;

/// What `firmware list` prints.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListReport {
    pub components: Vec<Component>,
    /// Every plug-in on PATH, whether or not it answered.
    pub plugins: Vec<plugin::Plugin>,
    /// What is absent and why (no BMC, no ESRT, a plug-in that failed).
    pub notes: Vec<String>,
}

pub fn components() -> (Vec<Component>, Vec<String>) {
    let mut notes = Vec::new();
    let mut out = vec![bios::read(esrt::system_firmware().as_ref())];
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

pub fn run() -> Result<ListReport> {
    let (components, notes) = components();
    Ok(ListReport {
        components,
        plugins: plugin::discover(),
        notes,
    })
}
