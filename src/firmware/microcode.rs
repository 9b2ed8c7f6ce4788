//! CPU microcode revision: the kernel's per-CPU sysfs file when the microcode driver is built
//! in, else the `microcode` line of /proc/cpuinfo.

use super::component::{Component, ComponentKind, Details};
use crate::sys::sysfs;
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MicrocodeDetails {
    pub note: &'static str,
}

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
    let details = MicrocodeDetails {
        note: "loaded by the kernel or firmware at boot; ironbox does not late-load microcode",
    };
    let mut c = Component::new(
        "cpu-microcode",
        ComponentKind::CpuMicrocode,
        source,
        Details::Microcode(details),
    );
    c.name = field("model name");
    c.version = Some(version);
    c.vendor = field("vendor_id");
    Some(c)
}
