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
mod system;

use crate::report::{IronError, Kind, Result};
use crate::sys::sysfs;
use serde_json::{Map, Value};

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

pub fn run(args: &Args) -> Result<Value> {
    // A mistyped --sysroot would otherwise yield an inventory of nothing.
    if sysfs::is_captured() && !sysfs::exists("/sys") && !sysfs::exists("/proc") {
        return Err(IronError::new(
            Kind::InvalidInput,
            format!(
                "sysroot {} has neither sys/ nor proc/",
                sysfs::root().display()
            ),
        )
        .with("sysroot", sysfs::root().display().to_string()));
    }
    let wanted = |s: Section| args.sections.is_empty() || args.sections.contains(&s);
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_string(), v);
    };
    if wanted(Section::Interfaces) {
        let lldp = args
            .lldp
            .then(|| std::time::Duration::from_secs_f64(args.lldp_timeout));
        put("interfaces", to_value(interfaces::collect(lldp)));
    }
    if wanted(Section::Cpu) {
        put("cpu", to_value(cpu::collect()));
    }
    if wanted(Section::Disks) {
        put("disks", to_value(disks::collect(args.include_loop)));
    }
    let smbios = crate::sys::smbios::Smbios::read();
    if wanted(Section::Memory) {
        put("memory", to_value(memory::collect(smbios.as_ref())));
    }
    if wanted(Section::Bmc) {
        let b = bmc::collect();
        put("bmc_address", to_value(b.address));
        put("bmc_v6address", to_value(b.v6address));
        put("bmc_mac", to_value(b.mac));
        put("bmc_device", to_value(b.device));
    }
    if wanted(Section::SystemVendor) {
        put("system_vendor", to_value(system::collect(smbios.as_ref())));
    }
    if wanted(Section::Boot) {
        put("boot", to_value(boot::collect()));
        // Only when the firmware has an iBFT: IPA has no such key, and Ironic stores it as is.
        if let Some(b) = ibft::collect() {
            put("iscsi_boot", to_value(b));
        }
    }
    if wanted(Section::Hostname) {
        put("hostname", to_value(hostname()));
    }
    if wanted(Section::PciDevices) {
        put("pci_devices", to_value(pci::collect()));
    }
    if wanted(Section::NumaTopology) {
        put("numa_topology", to_value(numa::collect()));
    }
    let digest = digest::of(&out);
    out.insert("inventory_digest".to_string(), Value::String(digest));
    Ok(Value::Object(out))
}

fn to_value<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The kernel's host name (what IPA's socket.gethostname() returns), readable in a capture.
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
