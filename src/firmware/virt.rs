//! `firmware virtualization`: does the CPU have VT-x/AMD-V, has firmware enabled it
//! (IA32_FEATURE_CONTROL / VM_CR through /dev/cpu/0/msr), is an IOMMU (VT-d/AMD-Vi) active,
//! which devices offer SR-IOV; and --enable/--disable through the vendor's BIOS setting.

use super::{plugin, settings};
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::{msr, sysfs};
use schemars::JsonSchema;
use serde::Serialize;
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

/// What `firmware virtualization` prints.
#[derive(Debug, Serialize, JsonSchema)]
pub struct VirtReport {
    pub cpu: Cpu,
    pub firmware: Enablement,
    pub iommu: Iommu,
    pub sriov: Vec<SriovDevice>,
    /// The vendor's BIOS setting that switches virtualization, when a known one exists.
    pub firmware_setting: Option<SettingSummary>,
    /// What --enable or --disable did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_reboot: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Cpu {
    /// /proc/cpuinfo's vendor_id.
    pub vendor: Option<String>,
    pub technology: Option<Technology>,
    /// The cpu flag of that technology (vmx or svm).
    pub cpu_flag: bool,
    /// Running under a hypervisor.
    pub hypervisor: bool,
}

/// The CPU's virtualization extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum Technology {
    #[serde(rename = "vt-x")]
    VtX,
    #[serde(rename = "amd-v")]
    AmdV,
}

/// The MSR that says whether firmware enabled it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum Msr {
    #[serde(rename = "IA32_FEATURE_CONTROL")]
    Ia32FeatureControl,
    #[serde(rename = "VM_CR")]
    VmCr,
}

impl Technology {
    fn msr(self) -> Msr {
        match self {
            Technology::VtX => Msr::Ia32FeatureControl,
            Technology::AmdV => Msr::VmCr,
        }
    }
}

impl Msr {
    fn register(self) -> u32 {
        match self {
            Msr::Ia32FeatureControl => IA32_FEATURE_CONTROL,
            Msr::VmCr => MSR_VM_CR,
        }
    }
}

/// Firmware enablement, read from the MSR, or why it could not be.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Enablement {
    Read {
        msr: Msr,
        /// The register, 0x hex.
        msr_value: String,
        locked: bool,
        enabled: bool,
    },
    Unknown {
        /// Always null: not known.
        enabled: (),
        #[serde(skip_serializing_if = "Option::is_none")]
        msr: Option<Msr>,
        reason: String,
    },
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Iommu {
    pub enabled: bool,
    pub units: Vec<String>,
    pub acpi_table: Option<AcpiTable>,
    pub technology: Option<IommuTechnology>,
    pub groups: usize,
}

/// The ACPI table that describes the IOMMU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum AcpiTable {
    Dmar,
    Ivrs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IommuTechnology {
    VtD,
    AmdVi,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SriovDevice {
    /// PCI address.
    pub device: String,
    pub total_vfs: u64,
    pub num_vfs: Option<u64>,
    /// Its network interfaces.
    pub net: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SettingSummary {
    pub device: String,
    pub name: String,
    pub current_value: Option<String>,
    pub possible_values: Option<Vec<String>>,
}

/// How the switch was made: through the BIOS setting, or by a plug-in.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Change {
    Setting {
        setting: String,
        device: String,
        value: String,
        status: ChangeStatus,
        changes: Vec<settings::SettingChange>,
    },
    Plugin {
        plugin: String,
        answer: plugin::Answer,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeStatus {
    Changed,
    AlreadySet,
}

/// Settings names and the class to look in, for an `unsupported` refusal.
#[derive(Debug, Serialize)]
struct Needed {
    class: &'static str,
    known_settings: Vec<String>,
}

fn cpu() -> Cpu {
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
    let technology = match vendor.as_deref() {
        Some("GenuineIntel") => Some(Technology::VtX),
        Some("AuthenticAMD") | Some("HygonGenuine") => Some(Technology::AmdV),
        _ => None,
    };
    Cpu {
        cpu_flag: has(if technology == Some(Technology::AmdV) {
            "svm"
        } else {
            "vmx"
        }),
        hypervisor: has("hypervisor"),
        vendor,
        technology,
    }
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
pub fn decode_msr(tech: Technology, v: u64) -> Enablement {
    let (locked, enabled) = match tech {
        Technology::VtX => {
            let locked = v & 1 != 0;
            (locked, v & 4 != 0 || !locked)
        }
        Technology::AmdV => (v & 8 != 0, v & 0x10 == 0),
    };
    Enablement::Read {
        msr: tech.msr(),
        msr_value: format!("{v:#x}"),
        locked,
        enabled,
    }
}

fn firmware_enablement(tech: Option<Technology>) -> Enablement {
    let Some(tech) = tech else {
        return Enablement::Unknown {
            enabled: (),
            msr: None,
            reason: "unknown cpu vendor".into(),
        };
    };
    match msr::read(0, tech.msr().register()) {
        Ok(v) => decode_msr(tech, v),
        Err(e) => Enablement::Unknown {
            enabled: (),
            msr: Some(tech.msr()),
            reason: msr_reason(&e),
        },
    }
}

fn iommu() -> Iommu {
    let units = sysfs::list("/sys/class/iommu");
    let acpi_table = [("DMAR", AcpiTable::Dmar), ("IVRS", AcpiTable::Ivrs)]
        .into_iter()
        .find(|(name, _)| sysfs::exists(format!("/sys/firmware/acpi/tables/{name}")))
        .map(|(_, t)| t);
    Iommu {
        enabled: !units.is_empty(),
        units,
        technology: acpi_table.map(|t| match t {
            AcpiTable::Dmar => IommuTechnology::VtD,
            AcpiTable::Ivrs => IommuTechnology::AmdVi,
        }),
        acpi_table,
        groups: sysfs::list("/sys/kernel/iommu_groups").len(),
    }
}

fn sriov() -> Vec<SriovDevice> {
    sysfs::list("/sys/bus/pci/devices")
        .into_iter()
        .filter_map(|d| {
            let base = format!("/sys/bus/pci/devices/{d}");
            let total = sysfs::read_u64(format!("{base}/sriov_totalvfs"))?;
            Some(SriovDevice {
                total_vfs: total,
                num_vfs: sysfs::read_u64(format!("{base}/sriov_numvfs")),
                net: sysfs::list(format!("{base}/net")),
                device: d,
            })
        })
        .collect()
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

pub fn run(a: &VirtArgs) -> Result<VirtReport> {
    let cpu = cpu();
    let firmware = firmware_enablement(cpu.technology);
    let setting = find_setting(&settings::attributes());
    let mut report = VirtReport {
        cpu,
        firmware,
        iommu: iommu(),
        sriov: sriov(),
        firmware_setting: setting.as_ref().map(|s| SettingSummary {
            device: s.device.clone(),
            name: s.name.clone(),
            current_value: s.current_value.clone(),
            possible_values: s.possible_values.clone(),
        }),
        change: None,
        pending_reboot: None,
    };
    if !a.enable && !a.disable {
        return Ok(report);
    }
    let (change, pending) = match setting {
        Some(attr) => switch_setting(&attr, a)?,
        // A vendor plug-in may know how (`{"action":"virtualization","enable":bool}`).
        None => plugin_switch(a.enable).ok_or_else(no_known_setting)?,
    };
    report.change = Some(change);
    report.pending_reboot = Some(pending);
    Ok(report)
}

fn no_known_setting() -> IronError {
    let names: Vec<String> = KNOWN_SETTINGS
        .iter()
        .map(|(v, n)| format!("{v}: {n}"))
        .collect();
    let needed = Needed {
        class: settings::CLASS,
        known_settings: names,
    };
    IronError::new(
        Kind::Unsupported,
        "no known firmware setting for virtualization: needs a firmware-attributes driver (dell-wmi-sysman, think-lmi or hp-bioscfg) exposing one of the known settings, or a vendor plug-in",
    )
    .with(Key::Needed, needed)
    .with(Key::Status, "unsupported")
}

/// Sets the vendor's setting to its own spelling of on or off; (what changed, pending reboot).
fn switch_setting(attr: &settings::Attribute, a: &VirtArgs) -> Result<(Change, bool)> {
    let value = pick_value(attr, a.enable).ok_or_else(|| {
        IronError::new(
            Kind::Unsupported,
            format!(
                "setting {} offers no {} value",
                attr.name,
                if a.enable { "enable" } else { "disable" }
            ),
        )
        .with(Key::PossibleValues, &attr.possible_values)
    })?;
    let value = settings::validate(attr, &value)?;
    let changed = attr.current_value.as_deref() != Some(value.as_str());
    let changes = if changed {
        settings::apply(&[(attr.clone(), value.clone())], a.password_file.as_ref())?
    } else {
        Vec::new()
    };
    let pending = changed && settings::pending_reboot(&attr.device).unwrap_or(true);
    let change = Change::Setting {
        setting: attr.name.clone(),
        device: attr.device.clone(),
        value,
        status: if changed {
            ChangeStatus::Changed
        } else {
            ChangeStatus::AlreadySet
        },
        changes,
    };
    Ok((change, pending))
}

/// The first plug-in that takes the switch; one that answers `"status":"unsupported"` or fails
/// is passed over. (what it answered, pending reboot: true unless it says otherwise)
fn plugin_switch(enable: bool) -> Option<(Change, bool)> {
    let req = plugin::Request::Virtualization { enable };
    plugin::discover().into_iter().find_map(|p| {
        let answer = plugin::call(&p, &req, Duration::from_secs(600)).ok()?;
        if answer.get("status").and_then(|s| s.as_str()) == Some("unsupported") {
            return None;
        }
        let pending = answer
            .get("pending_reboot")
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        let change = Change::Plugin {
            plugin: p.name,
            answer,
        };
        Some((change, pending))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msrs_decode() {
        let read = |t, v| match decode_msr(t, v) {
            Enablement::Read {
                locked, enabled, ..
            } => (locked, enabled),
            other => panic!("{other:?}"),
        };
        assert!(read(Technology::VtX, 0x5).1);
        assert!(!read(Technology::VtX, 0x1).1);
        assert!(read(Technology::VtX, 0x0).1); // unlocked: the OS may enable it
        assert!(!read(Technology::AmdV, 0x18).1);
        assert_eq!(read(Technology::AmdV, 0x8), (true, true));
    }
}
