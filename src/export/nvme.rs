//! NVMe/TCP export through nvmet's configfs tree (names as in the kernel's
//! Documentation/nvme/nvme-pci-endpoint-target and nvmetcli): nvmet/subsystems/<nqn>/
//! {attr_allow_any_host, allowed_hosts/<host>, namespaces/1/{device_path,enable}},
//! nvmet/hosts/<host>, nvmet/ports/<id>/{addr_*, subsystems/<nqn>}.

use super::report::Transport;
use super::rollback::Rollback;
use super::{Nqn, Served, Source, default_suffix};
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::configfs;
use schemars::JsonSchema;
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

const MODULES: &[&str] = &["nvmet", "nvmet_tcp"];

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(flatten)]
    pub source: Source,
    /// Subsystem name (default: nqn.2014-08.org.openstack.ironbox:<host>-<device>)
    #[arg(long, value_name = "NQN")]
    pub nqn: Option<String>,
    /// Address to listen on
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0")]
    pub addr: IpAddr,
    /// TCP port to listen on
    #[arg(long, value_name = "PORT", default_value_t = 4420)]
    pub port: u16,
    /// Allow only these host NQNs (repeatable); without it any host may connect
    #[arg(long = "allow-host", value_name = "NQN")]
    pub allow_host: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Export {
    pub transport: Transport,
    pub nqn: Nqn,
    pub addr: String,
    pub port: Option<u16>,
    pub namespace: u32,
    pub device: Option<PathBuf>,
    pub allowed_hosts: Vec<String>,
    pub enabled: bool,
    pub connect: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    pub dry_run: bool,
    pub source: Served,
    #[serde(flatten)]
    pub export: Export,
    /// The nvmet port id used.
    pub port_id: u32,
    pub configfs: Vec<PathBuf>,
}

fn nvmet() -> PathBuf {
    Path::new(configfs::ROOT).join("nvmet")
}

fn connect_line(nqn: &Nqn, addr: &str, port: Option<u16>) -> String {
    let host = match addr.parse::<IpAddr>() {
        Ok(ip) if ip.is_unspecified() => "<this-node-address>".to_string(),
        _ => addr.to_string(),
    };
    format!(
        "nvme connect -t tcp -a {host} -s {} -n {nqn}",
        port.unwrap_or(4420)
    )
}

/// The configfs items of one export: the subsystem, its namespace and the port serving it.
struct Layout {
    root: PathBuf,
    nqn: String,
    sub: PathBuf,
    ns: PathBuf,
    port: PathBuf,
}

impl Layout {
    fn new(root: PathBuf, nqn: &Nqn, port_id: u32) -> Self {
        let nqn = nqn.to_string();
        let sub = root.join("subsystems").join(&nqn);
        Layout {
            ns: sub.join("namespaces/1"),
            port: root.join("ports").join(port_id.to_string()),
            root,
            nqn,
            sub,
        }
    }

    fn allowed(&self, host: &Nqn) -> PathBuf {
        self.sub.join("allowed_hosts").join(host.to_string())
    }

    fn port_link(&self) -> PathBuf {
        self.port.join("subsystems").join(&self.nqn)
    }

    /// What apply() creates, in order (also for --dry-run).
    fn planned(&self, hosts: &[Nqn]) -> Vec<PathBuf> {
        let mut planned = vec![self.sub.clone(), self.ns.join("enable")];
        planned.extend(hosts.iter().map(|h| self.allowed(h)));
        planned.push(self.port_link());
        planned
    }
}

pub fn run(args: &Args) -> Result<Report> {
    let nqn = args
        .nqn
        .as_deref()
        .map(|s| Nqn::parse("nqn", s))
        .transpose()?;
    let hosts = args
        .allow_host
        .iter()
        .map(|h| Nqn::parse("allow_host", h))
        .collect::<Result<Vec<_>>>()?;
    let (served, dev_name) = args.source.resolve()?;
    let nqn = match nqn {
        Some(n) => n,
        None => Nqn::parse(
            "nqn",
            &format!(
                "nqn.2014-08.org.openstack.ironbox:{}",
                default_suffix(&dev_name)
            ),
        )?,
    };
    let root = nvmet();
    if !args.source.dry_run {
        prepare(&root, &nqn)?;
    }
    let port_id = free_port_id(&root);
    let layout = Layout::new(root, &nqn, port_id);
    if !args.source.dry_run {
        apply(args, &layout, &hosts, &served.device)?;
    }
    let addr = args.addr.to_string();
    Ok(Report {
        dry_run: args.source.dry_run,
        export: Export {
            transport: Transport::NvmeTcp,
            connect: connect_line(&nqn, &addr, Some(args.port)),
            nqn,
            addr,
            port: Some(args.port),
            namespace: 1,
            device: Some(served.device.clone()),
            allowed_hosts: hosts.iter().map(|h| h.to_string()).collect(),
            enabled: !args.source.dry_run,
        },
        source: served,
        port_id,
        configfs: layout.planned(&hosts),
    })
}

/// Loads nvmet and refuses a subsystem that already exists.
fn prepare(root: &Path, nqn: &Nqn) -> Result<()> {
    configfs::ensure("nvmet", MODULES)?;
    if root.join("subsystems").join(nqn.to_string()).exists() {
        return Err(IronError::new(
            Kind::DeviceBusy,
            format!("{nqn} is already exported; `ironbox export stop {nqn}` first"),
        )
        .with(Key::Nqn, nqn.to_string()));
    }
    Ok(())
}

/// Creates the subsystem, its namespace, the allowed hosts and the port; on failure the
/// rollback removes what was made.
fn apply(args: &Args, layout: &Layout, hosts: &[Nqn], device: &Path) -> Result<()> {
    let (sub, ns, port) = (&layout.sub, &layout.ns, &layout.port);
    let mut rb = Rollback::new();
    rb.mkdir(sub)?;
    configfs::write(
        &sub.join("attr_allow_any_host"),
        if hosts.is_empty() { "1" } else { "0" },
    )?;
    rb.mkdir(ns)?;
    configfs::write(&ns.join("device_path"), &device.display().to_string())?;
    configfs::write(&ns.join("enable"), "1")?;
    rb.before_undo(ns.join("enable"));
    for h in hosts {
        let hd = layout.root.join("hosts").join(h.to_string());
        if !hd.is_dir() {
            rb.mkdir(&hd)?;
        }
        rb.symlink(&hd, &layout.allowed(h))?;
    }
    rb.mkdir(port)?;
    configfs::write(&port.join("addr_trtype"), "tcp")?;
    let fam = if args.addr.is_ipv4() { "ipv4" } else { "ipv6" };
    configfs::write(&port.join("addr_adrfam"), fam)?;
    configfs::write(&port.join("addr_traddr"), &args.addr.to_string())?;
    configfs::write(&port.join("addr_trsvcid"), &args.port.to_string())?;
    // Linking the subsystem enables the port: a port in use fails here.
    rb.symlink(sub, &layout.port_link()).map_err(|e| {
        e.with(
            Key::Listen,
            SocketAddr::new(args.addr, args.port).to_string(),
        )
    })?;
    rb.commit();
    Ok(())
}

/// The smallest nvmet port id not in use (ids are arbitrary numbers chosen by the creator).
fn free_port_id(root: &Path) -> u32 {
    let used: Vec<u32> = configfs::list(&root.join("ports"))
        .iter()
        .filter_map(|n| n.parse().ok())
        .collect();
    (1..).find(|i| !used.contains(i)).unwrap_or(1)
}

/// Ports (ids) that serve `nqn`.
fn ports_of(root: &Path, nqn: &str) -> Vec<PathBuf> {
    configfs::list(&root.join("ports"))
        .into_iter()
        .map(|p| root.join("ports").join(p))
        .filter(|p| p.join("subsystems").join(nqn).is_symlink())
        .collect()
}

/// Every nvmet subsystem, read back from configfs (empty when nvmet is not loaded).
pub fn list() -> Vec<Export> {
    let root = nvmet();
    configfs::list(&root.join("subsystems"))
        .into_iter()
        .filter_map(|name| {
            let nqn = Nqn::parse("nqn", &name).ok()?;
            let sub = root.join("subsystems").join(&name);
            let port = ports_of(&root, &name).into_iter().next();
            let addr = port
                .as_ref()
                .and_then(|p| configfs::read(&p.join("addr_traddr")))
                .unwrap_or_default();
            let portno = port
                .as_ref()
                .and_then(|p| configfs::read(&p.join("addr_trsvcid")))
                .and_then(|s| s.parse().ok());
            let ns = sub.join("namespaces/1");
            Some(Export {
                transport: Transport::NvmeTcp,
                connect: connect_line(&nqn, &addr, portno),
                nqn,
                addr,
                port: portno,
                namespace: 1,
                device: configfs::read(&ns.join("device_path"))
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from),
                allowed_hosts: configfs::list(&sub.join("allowed_hosts")),
                enabled: configfs::read(&ns.join("enable")).as_deref() == Some("1"),
            })
        })
        .collect()
}

/// Tears one subsystem down in reverse order; Ok(false) when it was not there.
pub fn stop(name: &str) -> Result<bool> {
    let root = nvmet();
    let sub = root.join("subsystems").join(name);
    if name.contains('/') || !sub.is_dir() {
        return Ok(false);
    }
    for port in ports_of(&root, name) {
        configfs::remove(&port.join("subsystems").join(name))?;
        if configfs::list(&port.join("subsystems")).is_empty() {
            configfs::remove(&port)?;
        }
    }
    for ns in configfs::list(&sub.join("namespaces")) {
        let ns = sub.join("namespaces").join(ns);
        let _ = configfs::write(&ns.join("enable"), "0");
        configfs::remove(&ns)?;
    }
    let hosts = configfs::list(&sub.join("allowed_hosts"));
    for h in &hosts {
        configfs::remove(&sub.join("allowed_hosts").join(h))?;
    }
    configfs::remove(&sub)?;
    for h in hosts {
        // Another subsystem may still allow this host: then the kernel refuses, and it stays.
        let _ = configfs::remove(&root.join("hosts").join(h));
    }
    Ok(true)
}
