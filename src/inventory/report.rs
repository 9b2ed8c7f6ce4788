//! What `inventory` prints: IPA's inventory keys, each present when its section was asked for
//! (null when the machine has none of it), plus `inventory_digest`.

use super::{boot, cpu, disks, ibft, interfaces, memory, numa, pci, system};
use schemars::JsonSchema;
use serde::Serialize;

/// Absent when the section was not selected; `Some(None)` prints null (selected, not found).
type Section<T> = Option<T>;

#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct InventoryReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interfaces: Section<Vec<interfaces::Interface>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Section<cpu::Cpu>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disks: Section<Vec<disks::Disk>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Section<memory::Memory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bmc_address: Section<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bmc_v6address: Section<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bmc_mac: Section<Option<String>>,
    /// Beyond IPA: the BMC's identity from Get Device ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bmc_device: Section<Option<super::bmc::BmcDevice>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_vendor: Section<system::SystemVendor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boot: Section<boot::Boot>,
    /// Only when the firmware has an iBFT: IPA has no such key, and Ironic stores it as is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iscsi_boot: Option<ibft::IscsiBoot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Section<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pci_devices: Section<Vec<pci::PciDevice>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numa_topology: Section<numa::Numa>,
    /// sha256 of the facts that identify the machine (digest.rs): stable across reboots and
    /// device renames.
    pub inventory_digest: String,
}
