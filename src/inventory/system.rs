//! `system_vendor`: product, serial, manufacturer and BIOS identity from the SMBIOS tables;
//! /sys/class/dmi/id as a fallback when the raw tables are not exported.

use crate::sys::smbios::{self, Smbios};
use crate::sys::sysfs;
use serde::Serialize;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SystemVendor {
    pub product_name: Option<String>,
    pub serial_number: Option<String>,
    pub manufacturer: Option<String>,
    pub firmware: Firmware,
    /// Beyond IPA: the SMBIOS system UUID.
    pub uuid: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Firmware {
    pub vendor: Option<String>,
    pub version: Option<String>,
    pub build_date: Option<String>,
}

fn dmi_id(attr: &str) -> Option<String> {
    sysfs::read_nonempty(format!("/sys/class/dmi/id/{attr}"))
}

pub fn collect(tables: Option<&Smbios>) -> SystemVendor {
    if let Some(t) = tables.filter(|t| t.first(smbios::SYSTEM).is_some()) {
        let sys = t.first(smbios::SYSTEM);
        let s = |off| sys.and_then(|s| s.string(off));
        let (vendor, version, build_date) = t.bios();
        return SystemVendor {
            product_name: s(0x05),
            serial_number: s(0x07),
            manufacturer: s(0x04),
            firmware: Firmware {
                vendor,
                version,
                build_date,
            },
            uuid: t.system_uuid(),
        };
    }
    SystemVendor {
        product_name: dmi_id("product_name"),
        serial_number: dmi_id("product_serial"),
        manufacturer: dmi_id("sys_vendor"),
        firmware: Firmware {
            vendor: dmi_id("bios_vendor"),
            version: dmi_id("bios_version"),
            build_date: dmi_id("bios_date"),
        },
        uuid: dmi_id("product_uuid").map(|u| u.to_lowercase()),
    }
}
