//! `pci_devices`: every PCI function, in the shape of IPA's `pci-devices` inspection collector.

use crate::sys::sysfs;
use serde::Serialize;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PciDevice {
    pub vendor_id: String,
    pub product_id: String,
    pub class: String,
    pub revision: String,
    pub bus: String,
}

fn hex(bus: &str, attr: &str) -> String {
    let v = sysfs::read(format!("/sys/bus/pci/devices/{bus}/{attr}")).unwrap_or_default();
    v.strip_prefix("0x").unwrap_or(&v).to_string()
}

pub fn collect() -> Vec<PciDevice> {
    sysfs::list("/sys/bus/pci/devices")
        .into_iter()
        .map(|bus| PciDevice {
            vendor_id: hex(&bus, "vendor"),
            product_id: hex(&bus, "device"),
            class: hex(&bus, "class"),
            revision: hex(&bus, "revision"),
            bus,
        })
        .collect()
}
