//! `inventory_digest`: sha256 of the stable hardware facts, so "did the hardware change since
//! the last inspection?" is one string compare. Leaves out what changes without a hardware
//! change: kernel names (sda/sdb, eth0/eno1 change with enumeration order and naming policy),
//! addresses, carrier, link speed, current CPU frequency, host name, boot facts, BMC network
//! settings, firmware versions.
//!
//! The bytes hashed are the canonical JSON of `Facts`: every object's keys in sorted order
//! (so each struct below declares its fields alphabetically) and each list of devices sorted
//! by its JSON text. Changing that text changes every node's digest once, which Ironic would
//! read as a hardware change: the tests pin it.

use super::report::InventoryReport;
use super::{cpu, disks, interfaces, system};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The facts hashed. `None` prints null: a section that was not collected.
#[derive(Serialize)]
struct Facts<'a> {
    bmc_mac: Option<&'a str>,
    cpu: Option<CpuFacts<'a>>,
    disks: Option<Vec<DiskFacts<'a>>>,
    interfaces: Option<Vec<InterfaceFacts<'a>>>,
    memory_physical_mb: Option<u64>,
    /// As JSON values, whose objects keep their keys sorted.
    pci_devices: Option<Value>,
    system_vendor: Option<VendorFacts<'a>>,
}

#[derive(Serialize)]
struct CpuFacts<'a> {
    architecture: &'a str,
    count: u32,
    flags: &'a [String],
    model_name: Option<&'a str>,
    socket_count: u32,
}

#[derive(Serialize)]
struct DiskFacts<'a> {
    logical_sectors: u32,
    model: Option<&'a str>,
    physical_sectors: u32,
    rotational: bool,
    serial: Option<&'a str>,
    size: u64,
    tran: Option<&'a str>,
    vendor: Option<&'a str>,
    wwn: Option<&'a str>,
}

#[derive(Serialize)]
struct InterfaceFacts<'a> {
    mac_address: Option<&'a str>,
    product: Option<&'a str>,
    vendor: Option<&'a str>,
}

#[derive(Serialize)]
struct VendorFacts<'a> {
    manufacturer: Option<&'a str>,
    product_name: Option<&'a str>,
    serial_number: Option<&'a str>,
    uuid: Option<&'a str>,
}

impl<'a> From<&'a cpu::Cpu> for CpuFacts<'a> {
    fn from(c: &'a cpu::Cpu) -> Self {
        CpuFacts {
            architecture: &c.architecture,
            count: c.count,
            flags: &c.flags,
            model_name: c.model_name.as_deref(),
            socket_count: c.socket_count,
        }
    }
}

impl<'a> From<&'a disks::Disk> for DiskFacts<'a> {
    fn from(d: &'a disks::Disk) -> Self {
        DiskFacts {
            logical_sectors: d.logical_sectors,
            model: d.model.as_deref(),
            physical_sectors: d.physical_sectors,
            rotational: d.rotational,
            serial: d.serial.as_deref(),
            size: d.size,
            tran: d.tran.as_deref(),
            vendor: d.vendor.as_deref(),
            wwn: d.wwn.as_deref(),
        }
    }
}

impl<'a> From<&'a interfaces::Interface> for InterfaceFacts<'a> {
    fn from(i: &'a interfaces::Interface) -> Self {
        InterfaceFacts {
            mac_address: i.mac_address.as_deref(),
            product: i.product.as_deref(),
            vendor: i.vendor.as_deref(),
        }
    }
}

impl<'a> From<&'a system::SystemVendor> for VendorFacts<'a> {
    fn from(s: &'a system::SystemVendor) -> Self {
        VendorFacts {
            manufacturer: s.manufacturer.as_deref(),
            product_name: s.product_name.as_deref(),
            serial_number: s.serial_number.as_deref(),
            uuid: s.uuid.as_deref(),
        }
    }
}

/// Each device's facts, sorted, so enumeration order (sda/sdb swapping between boots) does
/// not change the digest.
fn sorted<'a, T: 'a, F: Serialize + From<&'a T>>(items: &'a [T]) -> Vec<F> {
    let mut facts: Vec<F> = items.iter().map(F::from).collect();
    facts.sort_by_cached_key(|f| serde_json::to_string(f).unwrap_or_default());
    facts
}

impl<'a> From<&'a InventoryReport> for Facts<'a> {
    fn from(r: &'a InventoryReport) -> Self {
        Facts {
            bmc_mac: r.bmc_mac.as_ref().and_then(|m| m.as_deref()),
            cpu: r.cpu.as_ref().map(CpuFacts::from),
            disks: r.disks.as_deref().map(sorted),
            interfaces: r.interfaces.as_deref().map(sorted),
            memory_physical_mb: r.memory.as_ref().and_then(|m| m.physical_mb),
            pci_devices: r
                .pci_devices
                .as_ref()
                .and_then(|p| serde_json::to_value(p).ok()),
            system_vendor: r.system_vendor.as_ref().map(VendorFacts::from),
        }
    }
}

pub fn of(report: &InventoryReport) -> String {
    let canonical = serde_json::to_vec(&Facts::from(report)).unwrap_or_default();
    let d = Sha256::digest(&canonical);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nic(name: &str, mac: &str) -> interfaces::Interface {
        interfaces::Interface {
            name: name.into(),
            mac_address: Some(mac.into()),
            ..Default::default()
        }
    }

    fn digest_of(nics: Vec<interfaces::Interface>) -> String {
        of(&InventoryReport {
            interfaces: Some(nics),
            hostname: Some(Some("a".into())),
            ..Default::default()
        })
    }

    #[test]
    fn names_and_order_do_not_matter_identity_does() {
        let d1 = digest_of(vec![
            nic("eth0", "52:54:00:00:00:01"),
            nic("eth1", "52:54:00:00:00:02"),
        ]);
        let renamed = vec![
            nic("eno2", "52:54:00:00:00:02"),
            nic("eno1", "52:54:00:00:00:01"),
        ];
        assert_eq!(d1, digest_of(renamed));
        let replaced = vec![
            nic("eth0", "52:54:00:00:00:01"),
            nic("eth1", "52:54:00:00:00:03"),
        ];
        assert_ne!(d1, digest_of(replaced));
    }

    /// The hashed text itself: a change here changes every node's digest.
    #[test]
    fn canonical_text_is_pinned() {
        let r = InventoryReport {
            interfaces: Some(vec![nic("eth0", "52:54:00:00:00:01")]),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&Facts::from(&r)).unwrap(),
            r#"{"bmc_mac":null,"cpu":null,"disks":null,"interfaces":[{"mac_address":"52:54:00:00:00:01","product":null,"vendor":null}],"memory_physical_mb":null,"pci_devices":null,"system_vendor":null}"#
        );
    }
}
