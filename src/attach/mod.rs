//! `ironbox attach` / `ironbox detach`: remote volumes as local disks. NVMe/TCP goes through
//! the kernel's fabrics host directly (/dev/nvme-fabrics; no nvme-cli), so an attached
//! namespace shows in the inventory and can be chosen, written or erased like a local disk.
//! iSCSI logs in through open-iscsi's `iscsistart` (iscsi.rs).

mod iscsi;

use crate::export::{Nqn, Transport};
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::{nvme_fabrics, sysfs};
use clap::Subcommand;
use schemars::JsonSchema;
use serde::Serialize;
use std::net::IpAddr;

#[derive(clap::Args, Debug, Clone)]
pub struct AttachArgs {
    #[command(subcommand)]
    pub what: Attach,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Attach {
    /// Log in to an iSCSI target (iscsistart), or to the targets the firmware's iBFT names
    Iscsi(iscsi::Args),
    /// Connect to an NVMe/TCP subsystem
    NvmeTcp(NvmeTcp),
}

#[derive(clap::Args, Debug, Clone)]
pub struct NvmeTcp {
    /// Target address
    #[arg(long, value_name = "ADDR")]
    pub addr: IpAddr,
    /// Target TCP port
    #[arg(long, value_name = "PORT", default_value_t = 4420)]
    pub port: u16,
    /// Subsystem NQN
    #[arg(long, value_name = "NQN")]
    pub nqn: String,
    /// Host NQN to connect as (default: the kernel's, /etc/nvme/hostnqn when present)
    #[arg(long, value_name = "NQN")]
    pub hostnqn: Option<String>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct DetachArgs {
    #[command(subcommand)]
    pub what: Detach,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Detach {
    /// Log out of every session to an iSCSI target (its disks removed first); nothing to
    /// detach is a success
    Iscsi(iscsi::DetachArgs),
    /// Disconnect every NVMe/TCP controller of a subsystem; nothing to detach is a success
    NvmeTcp(DetachNvme),
}

#[derive(clap::Args, Debug, Clone)]
pub struct DetachNvme {
    /// Subsystem NQN
    #[arg(long, value_name = "NQN")]
    pub nqn: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct NvmeAttached {
    pub transport: Transport,
    pub nqn: Nqn,
    pub addr: String,
    pub port: u16,
    pub controller: String,
    pub cntlid: u32,
    /// Block devices of the controller's namespaces (`/dev/nvme1n1`).
    pub namespaces: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct NvmeDetached {
    pub transport: Transport,
    pub nqn: Nqn,
    pub controllers: Vec<String>,
}

/// `attach`: one shape per transport (and the iBFT login).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum AttachReport {
    NvmeTcp(NvmeAttached),
    Iscsi(iscsi::Attached),
    Firmware(iscsi::FirmwareLogin),
}

/// `detach`: one shape per transport.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum DetachReport {
    NvmeTcp(NvmeDetached),
    Iscsi(iscsi::Detached),
}

pub fn run_attach(args: &AttachArgs) -> Result<AttachReport> {
    let a = match &args.what {
        Attach::Iscsi(a) => return iscsi::run(a),
        Attach::NvmeTcp(a) => a,
    };
    let nqn = Nqn::parse("nqn", &a.nqn)?;
    let hostnqn = a
        .hostnqn
        .as_deref()
        .map(|h| Nqn::parse("hostnqn", h))
        .transpose()?;
    let mut opts = format!(
        "transport=tcp,traddr={},trsvcid={},nqn={nqn}",
        a.addr, a.port
    );
    if let Some(h) = &hostnqn {
        opts.push_str(&format!(",hostnqn={h}"));
    }
    // The fabrics host (/dev/nvme-fabrics) and its TCP transport; built in or loaded is fine.
    let _ = crate::sys::configfs::modprobe("nvme_tcp");
    let (instance, cntlid) = nvme_fabrics::connect(&opts).map_err(|e| {
        IronError::new(
            Kind::Network,
            format!("cannot connect to {nqn} at {}:{}", a.addr, a.port),
        )
        .with(Key::Nqn, nqn.to_string())
        .caused_by(e)
    })?;
    let controller = format!("nvme{instance}");
    // The kernel scans namespaces after the connect returns: wait for them, bounded.
    let mut namespaces = Vec::new();
    for _ in 0..50 {
        namespaces = namespaces_of(&controller);
        if !namespaces.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Ok(AttachReport::NvmeTcp(NvmeAttached {
        transport: Transport::NvmeTcp,
        nqn,
        addr: a.addr.to_string(),
        port: a.port,
        controller,
        cntlid,
        namespaces,
    }))
}

/// `nvmeXnY` block devices of controller `nvmeN` (with native multipath the entries under the
/// controller are `nvmeXcNnY`, the block device `nvmeXnY`).
fn namespaces_of(controller: &str) -> Vec<String> {
    sysfs::list(format!("/sys/class/nvme/{controller}"))
        .into_iter()
        .filter_map(|n| {
            let rest = n.strip_prefix("nvme")?;
            let (subsys, ns) = rest.split_once('n')?;
            let subsys = subsys.split('c').next()?;
            (subsys.bytes().all(|b| b.is_ascii_digit())
                && !ns.is_empty()
                && ns.bytes().all(|b| b.is_ascii_digit()))
            .then(|| format!("/dev/nvme{subsys}n{ns}"))
        })
        .collect()
}

pub fn run_detach(args: &DetachArgs) -> Result<DetachReport> {
    let d = match &args.what {
        Detach::Iscsi(d) => return iscsi::detach(d).map(DetachReport::Iscsi),
        Detach::NvmeTcp(d) => d,
    };
    let nqn = Nqn::parse("nqn", &d.nqn)?;
    let mut controllers = Vec::new();
    for c in sysfs::list("/sys/class/nvme") {
        let base = format!("/sys/class/nvme/{c}");
        if sysfs::read(format!("{base}/subsysnqn")).as_deref() == Some(&nqn.to_string())
            && sysfs::read(format!("{base}/transport")).as_deref() == Some("tcp")
        {
            nvme_fabrics::delete_controller(&c).map_err(|e| {
                IronError::new(Kind::Io, format!("cannot delete controller {c}"))
                    .with(Key::Controller, &c)
                    .caused_by(e)
            })?;
            controllers.push(c);
        }
    }
    Ok(DetachReport::NvmeTcp(NvmeDetached {
        transport: Transport::NvmeTcp,
        nqn,
        controllers,
    }))
}
