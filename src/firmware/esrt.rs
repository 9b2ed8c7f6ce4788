//! The UEFI EFI System Resource Table as the kernel exposes it
//! (/sys/firmware/efi/esrt/entries/entryN/*): one entry per firmware the platform can update
//! with a capsule.

use super::Method;
use super::component::{Component, ComponentKind, Details};
use crate::sys::sysfs;
use schemars::JsonSchema;
use serde::{Serialize, Serializer};

const ENTRIES: &str = "/sys/firmware/efi/esrt/entries";

/// One ESRT entry; serialized as `firmware list` shows it (the sysfs dir name left out).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Entry {
    #[serde(skip)]
    pub entry: String,
    pub fw_class: String,
    pub fw_type: u32,
    pub fw_type_name: FwType,
    pub fw_version: u32,
    pub lowest_supported_fw_version: u32,
    /// As sysfs prints it: 0x hex.
    #[serde(serialize_with = "hex")]
    #[schemars(with = "String")]
    pub capsule_flags: u32,
    pub last_attempt_version: u32,
    pub last_attempt_status: u32,
    pub last_attempt_status_name: String,
}

impl Entry {
    pub fn id(&self) -> String {
        format!("esrt:{}", self.fw_class)
    }
}

fn hex<S: Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:#x}"))
}

/// UEFI 2.x table "ESRT fw_type".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FwType {
    Unknown,
    SystemFirmware,
    DeviceFirmware,
    UefiDriver,
    Reserved,
}

impl FwType {
    pub fn of(t: u32) -> FwType {
        match t {
            0 => FwType::Unknown,
            1 => FwType::SystemFirmware,
            2 => FwType::DeviceFirmware,
            3 => FwType::UefiDriver,
            _ => FwType::Reserved,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FwType::Unknown => "unknown",
            FwType::SystemFirmware => "system_firmware",
            FwType::DeviceFirmware => "device_firmware",
            FwType::UefiDriver => "uefi_driver",
            FwType::Reserved => "reserved",
        }
    }
}

/// UEFI LAST_ATTEMPT_STATUS_* names (0x1000-0x4000 is the vendor's own range).
pub fn last_attempt_status_name(s: u32) -> String {
    match s {
        0 => "success".into(),
        1 => "error_unsuccessful".into(),
        2 => "error_insufficient_resources".into(),
        3 => "error_incorrect_version".into(),
        4 => "error_invalid_format".into(),
        5 => "error_auth_error".into(),
        6 => "error_power_event_ac".into(),
        7 => "error_power_event_battery".into(),
        8 => "error_unsatisfied_dependencies".into(),
        0x1000..=0x4000 => format!("error_unsuccessful_vendor_range_{s:#x}"),
        _ => format!("unknown_{s:#x}"),
    }
}

/// sysfs prints these numbers in decimal, capsule_flags as 0x hex.
fn num(s: &str) -> Option<u32> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

pub fn entries() -> Vec<Entry> {
    sysfs::list(ENTRIES)
        .into_iter()
        .filter_map(|name| {
            let dir = format!("{ENTRIES}/{name}");
            let f = |n: &str| sysfs::read(format!("{dir}/{n}")).and_then(|v| num(&v));
            let fw_class = sysfs::read_nonempty(format!("{dir}/fw_class"))?.to_ascii_lowercase();
            let fw_type = f("fw_type").unwrap_or(0);
            let status = f("last_attempt_status").unwrap_or(0);
            Some(Entry {
                entry: name,
                fw_class,
                fw_type,
                fw_type_name: FwType::of(fw_type),
                fw_version: f("fw_version").unwrap_or(0),
                lowest_supported_fw_version: f("lowest_supported_fw_version").unwrap_or(0),
                capsule_flags: f("capsule_flags").unwrap_or(0),
                last_attempt_version: f("last_attempt_version").unwrap_or(0),
                last_attempt_status: status,
                last_attempt_status_name: last_attempt_status_name(status),
            })
        })
        .collect()
}

pub fn find(guid: &str) -> Option<Entry> {
    let guid = guid.to_ascii_lowercase();
    entries().into_iter().find(|e| e.fw_class == guid)
}

/// The entry that describes the system firmware, which makes `bios` updatable by capsule.
pub fn system_firmware() -> Option<Entry> {
    entries().into_iter().find(|e| e.fw_type == 1)
}

pub fn components() -> Vec<Component> {
    entries()
        .into_iter()
        .map(|e| {
            let source = format!("{ENTRIES}/{}", e.entry);
            let mut c = Component::new(
                e.id(),
                ComponentKind::Esrt,
                source,
                Details::Esrt(e.clone()),
            )
            .updatable_by(Method::Capsule);
            c.name = Some(e.fw_type_name.as_str().to_string());
            c.version = Some(e.fw_version.to_string());
            c
        })
        .collect()
}

/// Parses a version given by the user for comparison with ESRT's u32 versions: decimal or
/// 0x hex. Dotted strings have no defined mapping, so they are not compared.
pub fn parse_version(v: &str) -> Option<u32> {
    num(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_named() {
        assert_eq!(last_attempt_status_name(0), "success");
        assert_eq!(last_attempt_status_name(5), "error_auth_error");
        assert_eq!(
            last_attempt_status_name(8),
            "error_unsatisfied_dependencies"
        );
        assert_eq!(
            last_attempt_status_name(0x1002),
            "error_unsuccessful_vendor_range_0x1002"
        );
        assert_eq!(last_attempt_status_name(9), "unknown_0x9");
    }

    #[test]
    fn numbers_parse_in_both_bases() {
        assert_eq!(num("0x8010"), Some(0x8010));
        assert_eq!(num("65536\n"), Some(65536));
        assert_eq!(num("x"), None);
    }
}
