//! The system firmware as SMBIOS type 0 describes it, read from the kernel's decoded DMI
//! attributes (/sys/class/dmi/id). The raw table parser belongs to inventory; these four files
//! are all firmware needs.

use super::component::{Component, ComponentKind, Details};
use super::{Method, esrt};
use crate::sys::sysfs;
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BiosDetails {
    pub release_date: Option<String>,
    pub bios_revision: Option<String>,
    pub ec_firmware_revision: Option<String>,
    /// The ESRT system-firmware entry through which the BIOS is updated by capsule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub esrt: Option<String>,
    /// Why every field is null (no DMI tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

/// The `bios` component; `system` is the ESRT's system-firmware entry, which is how the BIOS
/// itself is updated.
pub fn read(system: Option<&esrt::Entry>) -> Component {
    let f = |n: &str| sysfs::read_nonempty(format!("/sys/class/dmi/id/{n}"));
    let present = sysfs::exists("/sys/class/dmi/id");
    let details = BiosDetails {
        release_date: f("bios_date"),
        bios_revision: f("bios_release"),
        ec_firmware_revision: f("ec_firmware_release"),
        esrt: system.map(esrt::Entry::id),
        note: (!present).then_some("no SMBIOS/DMI tables exposed by this machine's firmware"),
    };
    let mut c = Component::new(
        "bios",
        ComponentKind::Bios,
        "/sys/class/dmi/id",
        Details::Bios(details),
    );
    c.name = Some("system firmware".into());
    c.version = f("bios_version");
    c.vendor = f("bios_vendor");
    if system.is_some() {
        c = c.updatable_by(Method::Capsule);
    }
    c
}
