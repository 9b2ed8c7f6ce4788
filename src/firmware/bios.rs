//! The system firmware as SMBIOS type 0 describes it, read from the kernel's decoded DMI
//! attributes (/sys/class/dmi/id). The raw table parser belongs to inventory; these four files
//! are all firmware needs.

use super::component::Component;
use crate::sys::sysfs;

pub fn read() -> Component {
    let f = |n: &str| sysfs::read_nonempty(format!("/sys/class/dmi/id/{n}"));
    let present = sysfs::exists("/sys/class/dmi/id");
    let mut c = Component::new("bios", "bios", "/sys/class/dmi/id");
    c.name = Some("system firmware".into());
    c.version = f("bios_version");
    c.vendor = f("bios_vendor");
    c = c
        .detail("release_date", f("bios_date"))
        .detail("bios_revision", f("bios_release"))
        .detail("ec_firmware_revision", f("ec_firmware_release"));
    if !present {
        c = c.detail(
            "note",
            "no SMBIOS/DMI tables exposed by this machine's firmware",
        );
    }
    c
}
