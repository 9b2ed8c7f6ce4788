//! `ironbox export`: serve a local disk (or one partition) to the network over iSCSI, through
//! the kernel's LIO target, or over NVMe/TCP, through nvmet, both configured through configfs
//! directly (no targetcli, no nvmetcli). `list` reads the exports back from configfs, so it
//! sees them after ironbox has exited; `stop` tears them down in reverse order, idempotently.

mod iscsi;
mod names;
mod nvme;
mod report;
mod rollback;

use crate::disk::{DiskArgs, partnodes, resolve_target, safety};
use crate::report::{IronError, Key, Kind, Result};
use clap::Subcommand;
use schemars::JsonSchema;
use serde::Serialize;
use std::path::PathBuf;

pub use names::{Iqn, Nqn, label};
pub use report::{
    ExportReport, IscsiReport, ListReport, Listed, NvmeTcpReport, StopReport, Transport,
};

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(Subcommand, Debug, Clone)]
pub enum What {
    /// Export a disk over iSCSI through the kernel's LIO target
    Iscsi(iscsi::Args),
    /// Export a disk over NVMe/TCP through the kernel's nvmet target
    NvmeTcp(nvme::Args),
    /// List the exports configured in the kernel (read back from configfs)
    List,
    /// Tear down one export (by IQN or NQN) or all of them; stopping what is gone is a success
    Stop(StopArgs),
}

#[derive(clap::Args, Debug, Clone)]
pub struct StopArgs {
    /// The export's IQN or NQN
    #[arg(
        value_name = "NAME",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub name: Option<String>,
    /// Stop every export
    #[arg(long)]
    pub all: bool,
}

/// What every export names: the disk, the partition and the safety flags.
#[derive(clap::Args, Debug, Clone)]
pub struct Source {
    #[command(flatten)]
    pub disk: DiskArgs,
    /// Export only this partition of the disk (its number)
    #[arg(long, value_name = "N")]
    pub partition: Option<u32>,
    /// Export a disk even when it is busy (mounted, swap, held by md/dm/LVM)
    #[arg(long)]
    pub force: bool,
    /// Validate and print the configuration without touching the kernel
    #[arg(long)]
    pub dry_run: bool,
}

/// The device an export serves, after the safety rules.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Served {
    pub disk: PathBuf,
    /// The device node served: the disk, or its partition.
    pub device: PathBuf,
    pub partition: Option<u32>,
    pub size: u64,
}

impl Source {
    fn resolve(&self) -> Result<(Served, String)> {
        let target = resolve_target(&self.disk)?;
        let dev = target.device;
        safety::check(&dev, self.force)?;
        let (device, size, name) = match self.partition {
            None => (dev.path.clone(), dev.size, dev.name.clone()),
            Some(n) => {
                let part = partnodes::partition_name(&dev.name, n).ok_or_else(|| {
                    IronError::new(
                        Kind::InvalidInput,
                        format!("{} has no partition {n}", dev.path.display()),
                    )
                    .with(Key::Device, dev.path.display().to_string())
                    .with(Key::Partition, n)
                })?;
                let size = crate::sys::sysfs::read_u64(format!("/sys/class/block/{part}/size"))
                    .unwrap_or(0)
                    * 512;
                (PathBuf::from(format!("/dev/{part}")), size, part)
            }
        };
        Ok((
            Served {
                disk: dev.path,
                device,
                partition: self.partition,
                size,
            },
            name,
        ))
    }
}

/// A default target name part from the node's host name and the served device.
fn default_suffix(device_name: &str) -> String {
    let host = crate::sys::uname::nodename().unwrap_or_default();
    let host = names::label(&host);
    let dev = names::label(device_name);
    if host.is_empty() {
        dev
    } else {
        format!("{host}-{dev}")
    }
}

pub fn run(args: &Args) -> Result<ExportReport> {
    let v = match &args.what {
        What::Iscsi(a) => ExportReport::Iscsi(iscsi::run(a)?),
        What::NvmeTcp(a) => ExportReport::NvmeTcp(nvme::run(a)?),
        What::List => {
            let mut exports: Vec<Listed> = iscsi::list().into_iter().map(Listed::Iscsi).collect();
            exports.extend(nvme::list().into_iter().map(Listed::NvmeTcp));
            ExportReport::List(ListReport { exports })
        }
        What::Stop(s) => {
            let mut stopped = Vec::new();
            if s.all {
                for e in iscsi::list() {
                    iscsi::stop(&e.iqn.to_string())?;
                    stopped.push(e.iqn.to_string());
                }
                for e in nvme::list() {
                    nvme::stop(&e.nqn.to_string())?;
                    stopped.push(e.nqn.to_string());
                }
            } else if let Some(name) = &s.name {
                let found = if name.starts_with("nqn.") {
                    nvme::stop(name)?
                } else {
                    iscsi::stop(name)?
                };
                if found {
                    stopped.push(name.clone());
                }
            }
            ExportReport::Stop(StopReport { stopped })
        }
    };
    Ok(v)
}
