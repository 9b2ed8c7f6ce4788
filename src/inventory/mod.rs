//! `ironbox inventory`: the hardware inventory in IPA's shape (so Ironic stores and matches it
//! unchanged), plus what IPA leaves out under keys IPA does not use. Everything is read straight
//! from sysfs, procfs, the SMBIOS tables and a few ioctls; no external tools.

mod bmc;
mod boot;
mod cpu;
mod digest;
mod disks;
pub(crate) mod ibft;
mod interfaces;
mod memory;
mod numa;
mod pci;
mod report;
mod system;

pub use report::InventoryReport;

use crate::report::{IronError, Key, Kind, Result};
use crate::sys::sysfs;

/// What `--sections` can select; every one by default.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
#[value(rename_all = "snake_case")]
pub enum Section {
    Cpu,
    Memory,
    Disks,
    Interfaces,
    SystemVendor,
    Boot,
    Bmc,
    Hostname,
    PciDevices,
    NumaTopology,
}

impl Section {
    pub const ALL: &'static [Section] = &[
        Section::Cpu,
        Section::Memory,
        Section::Disks,
        Section::Interfaces,
        Section::SystemVendor,
        Section::Boot,
        Section::Bmc,
        Section::Hostname,
        Section::PciDevices,
        Section::NumaTopology,
    ];
}

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Collect only these sections (comma-separated)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
    pub sections: Vec<Section>,
    /// List loop devices among the disks (for testing; IPA never does)
    #[arg(long)]
    pub include_loop: bool,
    /// Listen for LLDP frames on each interface and report their TLVs
    #[arg(long)]
    pub lldp: bool,
    /// How long to listen for LLDP frames, in seconds
    #[arg(long, default_value_t = 30.0, value_name = "SECS", requires = "lldp", value_parser = seconds)]
    pub lldp_timeout: f64,
}

/// A timeout in seconds: finite, 0 to 600.
fn seconds(s: &str) -> std::result::Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=600.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds from 0 to 600")),
    }
}

pub fn run(args: &Args) -> Result<InventoryReport> {
    // A mistyped --sysroot would otherwise yield an inventory of nothing.
    if sysfs::is_captured() && !sysfs::exists("/sys") && !sysfs::exists("/proc") {
        return Err(IronError::new(
            Kind::InvalidInput,
            format!(
                "sysroot {} has neither sys/ nor proc/",
                sysfs::root().display()
            ),
        )
        .with(Key::Sysroot, sysfs::root().display().to_string()));
    }
    let mut report = collect(args);
    report.inventory_digest = digest::of(&report);
    Ok(report)
}

/// Every selected section, read from the machine.
fn collect(args: &Args) -> InventoryReport {
    let wanted = |s: Section| args.sections.is_empty() || args.sections.contains(&s);
    let smbios = crate::sys::smbios::Smbios::read();
    let lldp = args
        .lldp
        .then(|| std::time::Duration::from_secs_f64(args.lldp_timeout));
    let bmc = wanted(Section::Bmc).then(bmc::collect);
    let boot = wanted(Section::Boot);
    InventoryReport {
        interfaces: wanted(Section::Interfaces).then(|| interfaces::collect(lldp)),
        cpu: wanted(Section::Cpu).then(cpu::collect),
        disks: wanted(Section::Disks).then(|| disks::collect(args.include_loop)),
        memory: wanted(Section::Memory).then(|| memory::collect(smbios.as_ref())),
        bmc_address: bmc.as_ref().map(|b| b.address.clone()),
        bmc_v6address: bmc.as_ref().map(|b| b.v6address.clone()),
        bmc_mac: bmc.as_ref().map(|b| b.mac.clone()),
        bmc_device: bmc.map(|b| b.device),
        system_vendor: wanted(Section::SystemVendor).then(|| system::collect(smbios.as_ref())),
        boot: boot.then(boot::collect),
        iscsi_boot: if boot { ibft::collect() } else { None },
        hostname: wanted(Section::Hostname).then(hostname),
        pci_devices: wanted(Section::PciDevices).then(pci::collect),
        numa_topology: wanted(Section::NumaTopology).then(numa::collect),
        inventory_digest: String::new(),
    }
}

fn hostname() -> Option<String> {
    sysfs::read_nonempty("/proc/sys/kernel/hostname").or_else(|| {
        (!sysfs::is_captured())
            .then(crate::sys::uname::nodename)
            .flatten()
    })
}

/// The MAC addresses of the interfaces the inventory reports (for the agent's lookup).
pub fn interface_macs() -> Vec<String> {
    interfaces::collect(None)
        .into_iter()
        .filter_map(|i| i.mac_address)
        .collect()
}

impl Default for Args {
    /// Every section, as `ironbox inventory` with no flags.
    fn default() -> Args {
        Args {
            sections: vec![],
            include_loop: false,
            lldp: false,
            lldp_timeout: 30.0,
        }
    }
}
