//! `firmware virtualization`: does the CPU have VT-x/AMD-V, has firmware enabled it
//! (IA32_FEATURE_CONTROL / VM_CR through /dev/cpu/0/msr), is an IOMMU (VT-d/AMD-Vi) active,
//! which devices offer SR-IOV; and --enable/--disable through the vendor's BIOS setting.

use super::{plugin, settings};
use crate::report::{IronError, Kind, Result};
use crate::sys::{msr, sysfs};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

pub const IA32_FEATURE_CONTROL: u32 = 0x3a;
pub const MSR_VM_CR: u32 = 0xc001_0114;

#[derive(clap::Args, Debug, Clone)]
pub struct VirtArgs {
    /// Turn CPU virtualization on in firmware (applied at the next reboot)
    #[arg(long, conflicts_with = "disable")]
    pub enable: bool,
    /// Turn CPU virtualization off in firmware (applied at the next reboot)
    #[arg(long)]
    pub disable: bool,
    /// File holding the BIOS admin password, when settings are protected
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

/// Firmware setting names that switch CPU virtualization, per vendor (dell-wmi-sysman,
/// think-lmi, hp-bioscfg), most specific first.
pub const KNOWN_SETTINGS: &[(&str, &str)] = &[
    ("Dell", "Virtualization"),
    ("Dell", "ProcVirtualization"),
    ("Lenovo", "VirtualizationTechnology"),
    ("Lenovo", "Processors_IntelVirtualizationTechnology"),
    ("Lenovo", "AMDVirtualizationTechnology"),
    ("HP", "Virtualization Technology (VTx)"),
    ("HP", "Virtualization Technology (VT-x)"),
    ("HP", "SVM CPU Virtualization"),
];

fn cpu() -> Value {
    let cpuinfo = sysfs::read("/proc/cpuinfo").unwrap_or_default();
    let field = |key: &str| {
        cpuinfo.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key).then(|| v.trim().to_string())
        })
    };
    let vendor = field("vendor_id");
    let flags = field("flags").unwrap_or_default();
    let has = |f: &str| flags.split_whitespace().any(|x| x == f);
    let tech = match vendor.as_deref() {
        Some("GenuineIntel") => Some("vt-x"),
        Some("AuthenticAMD") | Some("HygonGenuine") => Some("amd-v"),
        _ => None,
    };
    json!({
        "vendor": vendor,
        "technology": tech,
        "cpu_flag": if tech == Some("amd-v") { has("svm") } else { has("vmx") },
        "hypervisor": has("hypervisor"),
    })
}

fn msr_reason(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ENOENT) | Some(libc::ENXIO) => {
            "the msr driver is not loaded (/dev/cpu/0/msr absent; modprobe msr)".into()
        }
        Some(libc::EIO) => "the cpu does not implement this msr (common under a hypervisor)".into(),
        Some(libc::EACCES) | Some(libc::EPERM) => "reading msrs needs root (CAP_SYS_RAWIO)".into(),
        _ => format!("cannot read the msr: {e}"),
    }
}

/// Firmware enablement from the MSR: Intel IA32_FEATURE_CONTROL (bit 0 lock, bit 2 VMX outside
/// SMX; unlocked means the OS may still enable it), AMD VM_CR (bit 4 SVMDIS, bit 3 lock).
pub fn decode_msr(tech: &str, v: u64) -> Value {
    match tech {
        "vt-x" => {
            let locked = v & 1 != 0;
            let vmx = v & 4 != 0;
            json!({"msr": "IA32_FEATURE_CONTROL", "msr_value": format!("{v:#x}"), "locked": locked,
                   "enabled": vmx || !locked})
        }
        _ => {
            let locked = v & 8 != 0;
            let disabled = v & 0x10 != 0;
            json!({"msr": "VM_CR", "msr_value": format!("{v:#x}"), "locked": locked,
                   "enabled": !disabled})
        }
    }
}

fn firmware_enablement(tech: Option<&str>) -> Value {
    let Some(tech) = tech else {
        return json!({"enabled": null, "reason": "unknown cpu vendor"});
    };
    let reg = if tech == "vt-x" {
        IA32_FEATURE_CONTROL
    } else {
        MSR_VM_CR
    };
    match msr::read(0, reg) {
        Ok(v) => decode_msr(tech, v),
        Err(e) => {
            json!({"enabled": null, "msr": if tech == "vt-x" { "IA32_FEATURE_CONTROL" } else { "VM_CR" },
                         "reason": msr_reason(&e)})
        }
    }
}

fn iommu() -> Value {
    let units = sysfs::list("/sys/class/iommu");
    let table = ["DMAR", "IVRS"]
        .into_iter()
        .find(|t| sysfs::exists(format!("/sys/firmware/acpi/tables/{t}")));
    let groups = sysfs::list("/sys/kernel/iommu_groups").len();
    json!({
        "enabled": !units.is_empty(),
        "units": units,
        "acpi_table": table,
        "technology": table.map(|t| if t == "DMAR" { "vt-d" } else { "amd-vi" }),
        "groups": groups,
    })
}

fn sriov() -> Value {
    let devs: Vec<Value> = sysfs::list("/sys/bus/pci/devices")
        .into_iter()
        .filter_map(|d| {
            let base = format!("/sys/bus/pci/devices/{d}");
            let total = sysfs::read_u64(format!("{base}/sriov_totalvfs"))?;
            Some(json!({
                "device": d,
                "total_vfs": total,
                "num_vfs": sysfs::read_u64(format!("{base}/sriov_numvfs")),
                "net": sysfs::list(format!("{base}/net")),
            }))
        })
        .collect();
    json!(devs)
}

/// The BIOS setting that switches virtualization here, if a known one exists.
fn find_setting(all: &[settings::Attribute]) -> Option<settings::Attribute> {
    let sys_vendor = sysfs::read_nonempty("/sys/class/dmi/id/sys_vendor").unwrap_or_default();
    let mut order: Vec<&(&str, &str)> = KNOWN_SETTINGS
        .iter()
        .filter(|(v, _)| {
            sys_vendor
                .to_ascii_lowercase()
                .contains(&v.to_ascii_lowercase())
        })
        .collect();
    order.extend(KNOWN_SETTINGS.iter());
    order
        .iter()
        .find_map(|(_, n)| all.iter().find(|a| a.name == *n).cloned())
}

/// The attribute's own spelling of on or off.
pub fn pick_value(attr: &settings::Attribute, enable: bool) -> Option<String> {
    let words: &[&str] = if enable {
        &["enabled", "enable", "on"]
    } else {
        &["disabled", "disable", "off"]
    };
    let values = attr.possible_values.clone().unwrap_or_default();
    words
        .iter()
        .find_map(|w| values.iter().find(|v| v.to_ascii_lowercase() == *w))
        .cloned()
}

pub fn run(a: &VirtArgs) -> Result<Value> {
    let cpu = cpu();
    let fw = firmware_enablement(cpu["technology"].as_str());
    let all = settings::attributes();
    let setting = find_setting(&all);
    let mut report = json!({
        "cpu": cpu,
        "firmware": fw,
        "iommu": iommu(),
        "sriov": sriov(),
        "firmware_setting": setting.as_ref().map(|s| json!({"device": s.device, "name": s.name, "current_value": s.current_value, "possible_values": s.possible_values})),
    });
    if !a.enable && !a.disable {
        return Ok(report);
    }
    let Some(attr) = setting else {
        // A vendor plug-in may know how (`{"action":"virtualization","enable":bool}`); one that
        // answers `"status":"unsupported"` or fails is passed over.
        if let Some((name, answer)) = plugin_switch(a.enable) {
            report["change"] = json!({"plugin": name, "answer": answer});
            report["pending_reboot"] = json!(answer["pending_reboot"].as_bool().unwrap_or(true));
            return Ok(report);
        }
        let names: Vec<String> = KNOWN_SETTINGS
            .iter()
            .map(|(v, n)| format!("{v}: {n}"))
            .collect();
        return Err(IronError::new(
            Kind::Unsupported,
            "no known firmware setting for virtualization: needs a firmware-attributes driver (dell-wmi-sysman, think-lmi or hp-bioscfg) exposing one of the known settings, or a vendor plug-in",
        )
        .with("needed", json!({"class": settings::CLASS, "known_settings": names}))
        .with("status", "unsupported"));
    };
    let value = pick_value(&attr, a.enable).ok_or_else(|| {
        IronError::new(
            Kind::Unsupported,
            format!(
                "setting {} offers no {} value",
                attr.name,
                if a.enable { "enable" } else { "disable" }
            ),
        )
        .with("possible_values", &attr.possible_values)
    })?;
    let value = settings::validate(&attr, &value)?;
    let changed = attr.current_value.as_deref() != Some(value.as_str());
    let changes = if changed {
        settings::apply(&[(attr.clone(), value.clone())], a.password_file.as_ref())?
    } else {
        Vec::new()
    };
    let pending = changed && settings::pending_reboot(&attr.device).unwrap_or(true);
    report["change"] = json!({
        "setting": attr.name, "device": attr.device, "value": value,
        "status": if changed { "changed" } else { "already_set" },
        "changes": changes,
    });
    report["pending_reboot"] = json!(pending);
    Ok(report)
}

fn plugin_switch(enable: bool) -> Option<(String, Value)> {
    let req = json!({"action": "virtualization", "enable": enable});
    plugin::discover().into_iter().find_map(|(name, path)| {
        let answer = plugin::call(&name, &path, &req, Duration::from_secs(600)).ok()?;
        (answer["status"] != "unsupported").then_some((name, answer))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msrs_decode() {
        assert_eq!(decode_msr("vt-x", 0x5)["enabled"], true);
        assert_eq!(decode_msr("vt-x", 0x1)["enabled"], false);
        assert_eq!(decode_msr("vt-x", 0x0)["enabled"], true); // unlocked: the OS may enable it
        assert_eq!(decode_msr("amd-v", 0x18)["enabled"], false);
        assert_eq!(decode_msr("amd-v", 0x8)["enabled"], true);
        assert_eq!(decode_msr("amd-v", 0x8)["locked"], true);
    }
}
