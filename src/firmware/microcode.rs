//! CPU microcode revision: the kernel's per-CPU sysfs file when the microcode driver is built
//! in, else the `microcode` line of /proc/cpuinfo.

use super::component::Component;
use crate::sys::sysfs;

pub fn read() -> Option<Component> {
    let cpuinfo = sysfs::read("/proc/cpuinfo").unwrap_or_default();
    let field = |key: &str| {
        cpuinfo.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key).then(|| v.trim().to_string())
        })
    };
    let sysfs_rev = sysfs::read_nonempty("/sys/devices/system/cpu/cpu0/microcode/version");
    let (version, source) = match sysfs_rev {
        Some(v) => (Some(v), "/sys/devices/system/cpu/cpu0/microcode/version"),
        None => (field("microcode"), "/proc/cpuinfo"),
    };
    let version = version?;
    let mut c = Component::new("cpu-microcode", "cpu-microcode", source);
    c.name = field("model name");
    c.version = Some(version);
    c.vendor = field("vendor_id");
    Some(c.detail(
        "note",
        "loaded by the kernel or firmware at boot; ironbox does not late-load microcode",
    ))
}
