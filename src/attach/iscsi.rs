//! `attach iscsi` / `detach iscsi`: the kernel's software initiator (iscsi_tcp) needs a userspace
//! login, done by `iscsistart` from open-iscsi (shipped in the ramdisk; no iscsid, no node
//! database). iscsistart logs in and exits, leaving the session to the kernel; ironbox then asks
//! the SCSI host to scan (iscsid would have) and reports the disks. Logging out is ironbox's own
//! job (see sys/iscsi_netlink.rs): delete each SCSI disk through sysfs (flushes and removes
//! /dev/sdX), then terminate the connection and destroy the session over NETLINK_ISCSI.

use crate::export::Iqn;
use crate::export::Transport;
use crate::inventory::ibft;
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::{configfs, iscsi_netlink, sysfs};
use schemars::JsonSchema;
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const SESSIONS: &str = "/sys/class/iscsi_session";

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Target portal: ADDR or ADDR:PORT (IPv6 as [ADDR]:PORT; default port 3260)
    #[arg(
        long,
        value_name = "PORTAL",
        required_unless_present = "firmware",
        conflicts_with = "firmware"
    )]
    pub portal: Option<String>,
    /// Target IQN
    #[arg(
        long,
        value_name = "IQN",
        required_unless_present = "firmware",
        conflicts_with = "firmware"
    )]
    pub target: Option<String>,
    /// The LUN whose disk the report waits for (every LUN of the target is attached)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub lun: u64,
    /// Target portal group tag
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub tpgt: u16,
    /// Initiator IQN to log in as (default: /etc/iscsi/initiatorname.iscsi, else one made from
    /// the host name)
    #[arg(long, value_name = "IQN")]
    pub initiator: Option<String>,
    /// CHAP user name the initiator logs in with
    #[arg(long, value_name = "NAME", requires = "chap_secret_file")]
    pub chap_user: Option<String>,
    /// File holding the initiator's CHAP secret (never printed)
    #[arg(long, value_name = "FILE", requires = "chap_user")]
    pub chap_secret_file: Option<PathBuf>,
    /// Mutual CHAP: the user name the target must answer with
    #[arg(
        long,
        value_name = "NAME",
        requires_all = ["mutual_secret_file", "chap_user"]
    )]
    pub mutual_user: Option<String>,
    /// Mutual CHAP: file holding the target's secret (never printed)
    #[arg(long, value_name = "FILE", requires = "mutual_user")]
    pub mutual_secret_file: Option<PathBuf>,
    /// Log in to the targets the firmware's iBFT names (`iscsistart -b`), as IPA does at
    /// start-up; nothing to do (no iBFT, no target) is a success
    #[arg(long)]
    pub firmware: bool,
}

#[derive(clap::Args, Debug, Clone)]
pub struct DetachArgs {
    /// Target IQN: every session to it is logged out; nothing to detach is a success
    #[arg(long, value_name = "IQN")]
    pub target: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Disk {
    pub device: String,
    pub hctl: String,
    pub lun: u64,
    pub size: u64,
    /// The /dev/disk/by-path link, when udev made one.
    pub by_path: Option<String>,
    /// The name udev gives the by-path link (`ip-ADDR:PORT-iscsi-IQN-lun-N`).
    pub path_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Session {
    pub session: String,
    pub target: String,
    pub portal: String,
    pub initiator: Option<String>,
    pub state: Option<String>,
    pub disks: Vec<Disk>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Attached {
    pub transport: Transport,
    /// Already logged in before this command: nothing was done.
    pub already_attached: bool,
    #[serde(flatten)]
    pub session: Session,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FirmwareLogin {
    pub transport: Transport,
    /// The machine has an iBFT (/sys/firmware/ibft).
    pub ibft: bool,
    /// Targets the iBFT names that a login was tried for.
    pub targets: Vec<String>,
    pub sessions: Vec<Session>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Detached {
    pub transport: Transport,
    pub target: Iqn,
    pub sessions: Vec<String>,
    pub disks: Vec<String>,
}

/// ADDR, ADDR:PORT, [V6], [V6]:PORT or a bare IPv6 address.
pub fn parse_portal(s: &str) -> Result<SocketAddr> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let bare = s.strip_prefix('[').and_then(|r| r.strip_suffix(']'));
    if let Ok(ip) = bare.unwrap_or(s).parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 3260));
    }
    Err(IronError::new(
        Kind::InvalidInput,
        format!("invalid portal '{s}': not ADDR, ADDR:PORT or [IPv6]:PORT"),
    )
    .with(Key::Field, "portal")
    .with(Key::Value, s))
}

/// The targets of an iBFT worth a login: valid blocks naming an IQN and an address.
pub fn firmware_targets(boot: &ibft::IscsiBoot) -> Vec<&ibft::Target> {
    boot.targets
        .iter()
        .filter(|t| t.target_name.is_some() && t.ip_address.is_some())
        .collect()
}

fn default_initiator() -> Result<Iqn> {
    if let Ok(s) = std::fs::read_to_string("/etc/iscsi/initiatorname.iscsi")
        && let Some(n) = s
            .lines()
            .find_map(|l| l.trim().strip_prefix("InitiatorName="))
    {
        return Iqn::parse("initiator", n.trim());
    }
    let host = crate::export::label(&crate::sys::uname::nodename().unwrap_or_default());
    let host = if host.is_empty() { "node".into() } else { host };
    Iqn::parse(
        "initiator",
        &format!("iqn.2008-10.org.openstack:ironbox-{host}"),
    )
}

fn iscsistart(args: &[String], secrets: &[&str]) -> Result<()> {
    let out = Command::new("iscsistart")
        .args(args)
        .output()
        .map_err(|e| {
            IronError::new(Kind::External, "cannot run iscsistart (open-iscsi)").caused_by(e)
        })?;
    if out.status.success() {
        return Ok(());
    }
    let mut msg = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if msg.is_empty() {
        msg = String::from_utf8_lossy(&out.stdout).trim().to_string();
    }
    for s in secrets {
        msg = msg.replace(s, "***");
    }
    Err(IronError::new(Kind::Network, "iscsistart: login failed").caused_by(msg))
}

/// Who logs in to what.
struct Login {
    target: Iqn,
    portal: SocketAddr,
    initiator: Iqn,
}

/// The CHAP secrets read from their files (never printed).
struct Secrets {
    initiator: Option<String>,
    target: Option<String>,
}

impl Secrets {
    fn read(a: &Args) -> Result<Self> {
        let read = |f: &Option<PathBuf>, field: &str| {
            f.as_deref()
                .map(|p| crate::chap::read_secret(p, field))
                .transpose()
        };
        Ok(Secrets {
            initiator: read(&a.chap_secret_file, "chap-secret-file")?,
            target: read(&a.mutual_secret_file, "mutual-secret-file")?,
        })
    }

    /// What to mask in iscsistart's messages.
    fn all(&self) -> Vec<&str> {
        [&self.initiator, &self.target]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect()
    }
}

pub fn run(a: &Args) -> Result<super::AttachReport> {
    if a.firmware {
        return firmware().map(super::AttachReport::Firmware);
    }
    let login = Login {
        target: Iqn::parse("target", a.target.as_deref().unwrap_or_default())?,
        portal: parse_portal(a.portal.as_deref().unwrap_or_default())?,
        initiator: match &a.initiator {
            Some(i) => Iqn::parse("initiator", i)?,
            None => default_initiator()?,
        },
    };
    let secrets = Secrets::read(a)?;
    let target = login.target.to_string();
    if let Some(s) = find_session(&target, Some(&login.portal)) {
        return Ok(super::AttachReport::Iscsi(Attached {
            transport: Transport::Iscsi,
            already_attached: true,
            session: s,
        }));
    }
    load_initiator()?;
    iscsistart(&login_argv(a, &login, &secrets), &secrets.all()).map_err(|e| {
        e.with(Key::Target, &target)
            .with(Key::Portal, login.portal.to_string())
            .with(Key::Initiator, login.initiator.to_string())
    })?;
    let session = wait_for_disk(&target, Some(&login.portal), a.lun).ok_or_else(|| {
        IronError::new(
            Kind::NotFound,
            format!(
                "logged in to {target} at {}, but LUN {} has no disk",
                login.portal, a.lun
            ),
        )
        .with(Key::Target, &target)
        .with(Key::Lun, a.lun)
    })?;
    Ok(super::AttachReport::Iscsi(Attached {
        transport: Transport::Iscsi,
        already_attached: false,
        session,
    }))
}

/// The initiator's transport and SCSI disks; built in or already loaded is fine.
fn load_initiator() -> Result<()> {
    for m in ["iscsi_tcp", "sd_mod"] {
        let _ = configfs::modprobe(m);
    }
    if !sysfs::exists("/sys/class/iscsi_transport/tcp") {
        return Err(IronError::new(
            Kind::Unsupported,
            "the kernel has no iSCSI TCP initiator (module iscsi_tcp)",
        ));
    }
    Ok(())
}

fn login_argv(a: &Args, login: &Login, secrets: &Secrets) -> Vec<String> {
    let mut argv: Vec<String> = vec![
        "-i".into(),
        login.initiator.to_string(),
        "-t".into(),
        login.target.to_string(),
        "-g".into(),
        a.tpgt.to_string(),
        "-a".into(),
        login.portal.ip().to_string(),
        "-p".into(),
        login.portal.port().to_string(),
    ];
    // iscsistart takes secrets only as arguments; it runs for the login only (well under a
    // second on a reachable target), and the secrets are never in ironbox's report or errors.
    if let (Some(u), Some(s)) = (&a.chap_user, &secrets.initiator) {
        argv.extend(["-u".into(), u.clone(), "-w".into(), s.clone()]);
    }
    if let (Some(u), Some(s)) = (&a.mutual_user, &secrets.target) {
        argv.extend(["-U".into(), u.clone(), "-W".into(), s.clone()]);
    }
    argv
}

/// The start-up decision: None without an iBFT; else the (IQN, LUN) of every target it names
/// (empty: an iBFT without a usable target, nothing to log in to).
pub fn firmware_plan() -> Option<Vec<(String, Option<u64>)>> {
    let boot = ibft::collect()?;
    Some(
        firmware_targets(&boot)
            .into_iter()
            .filter_map(|t| Some((t.target_name.clone()?, t.lun)))
            .collect(),
    )
}

fn firmware() -> Result<FirmwareLogin> {
    let _ = configfs::modprobe("iscsi_ibft");
    let Some(targets) = firmware_plan() else {
        return Ok(FirmwareLogin {
            transport: Transport::Iscsi,
            ibft: false,
            targets: vec![],
            sessions: vec![],
        });
    };
    if !targets.is_empty() {
        for m in ["iscsi_tcp", "sd_mod"] {
            let _ = configfs::modprobe(m);
        }
        // The NIC may still be coming up (DHCP): a few tries, bounded.
        let mut last = Ok(());
        for _ in 0..3 {
            last = iscsistart(&["-b".into()], &[]);
            if last.is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_secs(3));
        }
        last.map_err(|e| {
            e.with(
                Key::IbftTargets,
                targets.iter().map(|t| &t.0).collect::<Vec<_>>(),
            )
        })?;
    }
    let sessions = targets
        .iter()
        .filter_map(|(t, lun)| wait_for_disk(t, None, lun.unwrap_or(0)))
        .collect();
    Ok(FirmwareLogin {
        transport: Transport::Iscsi,
        ibft: true,
        targets: targets.into_iter().map(|t| t.0).collect(),
        sessions,
    })
}

/// The session's directory under /sys/devices (…/hostH/sessionN).
fn session_dir(name: &str) -> Option<PathBuf> {
    sysfs::canonical(format!("{SESSIONS}/{name}/device"))
}

fn connections(dir: &std::path::Path) -> Vec<String> {
    sysfs::list(dir)
        .into_iter()
        .filter(|n| n.starts_with("connection"))
        .collect()
}

fn session_portal(dir: &std::path::Path) -> Option<SocketAddr> {
    let c = connections(dir).into_iter().next()?;
    let base = format!("/sys/class/iscsi_connection/{c}");
    let addr = sysfs::read_nonempty(format!("{base}/persistent_address"))
        .or_else(|| sysfs::read_nonempty(format!("{base}/address")))?;
    let port = sysfs::read_u64(format!("{base}/persistent_port"))
        .or_else(|| sysfs::read_u64(format!("{base}/port")))?;
    Some(SocketAddr::new(addr.parse().ok()?, port as u16))
}

/// Block devices of a session: …/sessionN/targetH:C:T/H:C:T:L/block/sdX.
fn disks_of(dir: &std::path::Path, target: &str, portal: Option<SocketAddr>) -> Vec<Disk> {
    let mut disks = Vec::new();
    for t in sysfs::list(dir)
        .into_iter()
        .filter(|n| n.starts_with("target"))
    {
        let tdir = dir.join(&t);
        for hctl in sysfs::list(&tdir).into_iter().filter(|n| n.contains(':')) {
            let lun = hctl
                .rsplit(':')
                .next()
                .and_then(|l| l.parse().ok())
                .unwrap_or(0);
            for b in sysfs::list(tdir.join(&hctl).join("block")) {
                let path_id = match portal {
                    Some(p) => format!("ip-{p}-iscsi-{target}-lun-{lun}"),
                    None => format!("iscsi-{target}-lun-{lun}"),
                };
                let link = format!("/dev/disk/by-path/{path_id}");
                disks.push(Disk {
                    device: format!("/dev/{b}"),
                    hctl: hctl.clone(),
                    lun,
                    size: sysfs::read_u64(format!("/sys/class/block/{b}/size")).unwrap_or(0) * 512,
                    by_path: sysfs::exists(&link).then_some(link),
                    path_id,
                });
            }
        }
    }
    disks.sort_by_key(|d| d.lun);
    disks
}

fn sessions_to(target: &str) -> Vec<String> {
    let mut v: Vec<String> = sysfs::list(SESSIONS)
        .into_iter()
        .filter(|s| sysfs::read(format!("{SESSIONS}/{s}/targetname")).as_deref() == Some(target))
        .collect();
    v.sort();
    v
}

fn find_session(target: &str, portal: Option<&SocketAddr>) -> Option<Session> {
    sessions_to(target).into_iter().find_map(|s| {
        let dir = session_dir(&s)?;
        let p = session_portal(&dir);
        if portal.is_some() && p.as_ref() != portal {
            return None;
        }
        Some(Session {
            disks: disks_of(&dir, target, p),
            portal: p.map(|p| p.to_string()).unwrap_or_default(),
            target: target.to_string(),
            initiator: sysfs::read_nonempty(format!("{SESSIONS}/{s}/initiatorname")),
            state: sysfs::read_nonempty(format!("{SESSIONS}/{s}/state")),
            session: s,
        })
    })
}

/// Scans the session's SCSI host (what iscsid does after a login) and waits, bounded, for the
/// disk of `lun`.
fn wait_for_disk(target: &str, portal: Option<&SocketAddr>, lun: u64) -> Option<Session> {
    let mut scanned = false;
    for _ in 0..100 {
        if let Some(s) = find_session(target, portal) {
            if s.disks.iter().any(|d| d.lun == lun) {
                return Some(s);
            }
            if !scanned && let Some(host) = session_dir(&s.session).and_then(|d| host_of(&d)) {
                let _ = std::fs::write(format!("/sys/class/scsi_host/{host}/scan"), "- - -");
                scanned = true;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    find_session(target, portal)
}

fn host_of(session_dir: &std::path::Path) -> Option<String> {
    let h = session_dir
        .parent()?
        .file_name()?
        .to_string_lossy()
        .into_owned();
    h.starts_with("host").then_some(h)
}

pub fn detach(d: &DetachArgs) -> Result<Detached> {
    let target = Iqn::parse("target", &d.target)?;
    let mut sessions = Vec::new();
    let mut removed = Vec::new();
    let sessions_now = sessions_to(&target.to_string());
    if sessions_now.is_empty() {
        return Ok(Detached {
            transport: Transport::Iscsi,
            target,
            sessions,
            disks: removed,
        });
    }
    let handle = sysfs::read_u64("/sys/class/iscsi_transport/tcp/handle").ok_or_else(|| {
        IronError::new(
            Kind::Unsupported,
            "no iSCSI TCP transport (iscsi_tcp) to log out from",
        )
    })?;
    for s in sessions_now {
        let Some(dir) = session_dir(&s) else { continue };
        let err = |what: String, e: std::io::Error| {
            IronError::new(Kind::Io, what)
                .with(Key::Session, &s)
                .with(Key::Target, target.to_string())
                .caused_by(e)
        };
        // The disks first: deleting flushes their caches and frees /dev/sdX cleanly.
        for disk in disks_of(&dir, &target.to_string(), None) {
            let t = sysfs::list(&dir)
                .into_iter()
                .find(|t| t.starts_with("target") && dir.join(t).join(&disk.hctl).exists());
            if let Some(t) = t {
                std::fs::write(dir.join(t).join(&disk.hctl).join("delete"), "1")
                    .map_err(|e| err(format!("cannot delete SCSI device {}", disk.hctl), e))?;
            }
            removed.push(disk.device);
        }
        let sid: u32 = s.trim_start_matches("session").parse().unwrap_or(0);
        let cids: Vec<u32> = connections(&dir)
            .iter()
            .filter_map(|c| c.rsplit(':').next()?.parse().ok())
            .collect();
        iscsi_netlink::destroy_session(handle, sid, &cids)
            .map_err(|e| err(format!("cannot log out of {s}"), e))?;
        for _ in 0..50 {
            if !sysfs::exists(format!("{SESSIONS}/{s}")) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        sessions.push(s);
    }
    Ok(Detached {
        transport: Transport::Iscsi,
        target,
        sessions,
        disks: removed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(p: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(p)
    }

    /// The start-up login from the captured iBFT: both valid targets, with their LUNs; a
    /// machine without an iBFT logs in to nothing.
    #[test]
    fn firmware_plan_from_ibft_fixture() {
        let plan = sysfs::with_root(&fixture("ibft/server"), firmware_plan);
        assert_eq!(
            plan,
            Some(vec![
                ("iqn.2003-01.org.linux-iscsi.san:boot".to_string(), Some(0)),
                ("iqn.2003-01.org.linux-iscsi.san:data".to_string(), Some(3)),
            ])
        );
        assert_eq!(
            sysfs::with_root(&fixture("inventory/vm"), firmware_plan),
            None
        );
    }

    /// A target block without a name or an address is not worth a login.
    #[test]
    fn firmware_targets_need_name_and_address() {
        let mut boot = sysfs::with_root(&fixture("ibft/server"), ibft::collect).unwrap();
        boot.targets[0].target_name = None;
        boot.targets[1].ip_address = None;
        assert!(firmware_targets(&boot).is_empty());
    }

    #[test]
    fn portals() {
        assert_eq!(
            parse_portal("10.0.0.1").unwrap().to_string(),
            "10.0.0.1:3260"
        );
        assert_eq!(parse_portal("10.0.0.1:3261").unwrap().port(), 3261);
        assert_eq!(
            parse_portal("[::1]:3262").unwrap().to_string(),
            "[::1]:3262"
        );
        assert_eq!(parse_portal("::1").unwrap().to_string(), "[::1]:3260");
        assert_eq!(parse_portal("[fd00::5]").unwrap().port(), 3260);
        let e = parse_portal("host.example:3260").unwrap_err();
        assert!(e.to_string().contains("host.example:3260"), "{e}");
        assert!(parse_portal("10.0.0.1:99999").is_err());
    }
}
