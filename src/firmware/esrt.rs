//! The UEFI EFI System Resource Table as the kernel exposes it
//! (/sys/firmware/efi/esrt/entries/entryN/*): one entry per firmware the platform can update
//! with a capsule.

use super::component::Component;
use crate::sys::sysfs;
use serde::Serialize;

const ENTRIES: &str = "/sys/firmware/efi/esrt/entries";

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub entry: String,
    pub fw_class: String,
    pub fw_type: u32,
    pub fw_type_name: &'static str,
    pub fw_version: u32,
    pub lowest_supported_fw_version: u32,
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

/// UEFI 2.x table "ESRT fw_type".
pub fn fw_type_name(t: u32) -> &'static str {
    match t {
        0 => "unknown",
        1 => "system_firmware",
        2 => "device_firmware",
        3 => "uefi_driver",
        _ => "reserved",
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
                fw_type_name: fw_type_name(fw_type),
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
            let mut c = Component::new(e.id(), "esrt", format!("{ENTRIES}/{}", e.entry))
                .updatable_by("capsule");
            c.name = Some(e.fw_type_name.to_string());
            c.version = Some(e.fw_version.to_string());
            c.details = match serde_json::to_value(&e) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => Default::default(),
            };
            c.details.remove("entry");
            c.detail("capsule_flags", format!("{:#x}", e.capsule_flags))
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
