//! iSCSI export through LIO's configfs tree (names as rtslib-fb writes them):
//! target/core/iblock_0/<name>/{control,udev_path,enable} is the block backstore;
//! target/iscsi/<iqn>/tpgt_1/{lun/lun_0/<link>, np/<addr:port>, acls/<initiator>/lun_0/<link>,
//! attrib/*, auth/*, enable} the target that serves it.

use super::report::Transport;
use super::rollback::Rollback;
use super::{Iqn, Served, Source, default_suffix};
use crate::chap::read_secret;
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::configfs;
use schemars::JsonSchema;
use serde::Serialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

const MODULES: &[&str] = &["target_core_mod", "target_core_iblock", "iscsi_target_mod"];
const HBA: &str = "iblock_0";
/// Backstores ironbox made are named with this prefix, so `stop` removes only its own.
const PREFIX: &str = "ironbox-";

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(flatten)]
    pub source: Source,
    /// Target name (default: iqn.2008-10.org.openstack:<host>-<device>, IPA's prefix)
    #[arg(long, value_name = "IQN")]
    pub iqn: Option<String>,
    /// Address and port to listen on
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:3260")]
    pub portal: String,
    /// Allow only these initiators (repeatable); without it any initiator may log in
    #[arg(long = "allow", value_name = "IQN")]
    pub allow: Vec<String>,
    /// CHAP user name the initiator must log in with
    #[arg(long, value_name = "USER", requires = "chap_secret_file")]
    pub chap_user: Option<String>,
    /// File holding the CHAP secret (one line; never printed)
    #[arg(long, value_name = "FILE", requires = "chap_user")]
    pub chap_secret_file: Option<PathBuf>,
    /// Mutual CHAP: the user name the target answers with
    #[arg(long, value_name = "USER", requires_all = ["mutual_secret_file", "chap_user"])]
    pub mutual_user: Option<String>,
    /// Mutual CHAP: file holding the target's secret
    #[arg(long, value_name = "FILE", requires = "mutual_user")]
    pub mutual_secret_file: Option<PathBuf>,
    /// Refuse writes from initiators
    #[arg(long)]
    pub read_only: bool,
}

#[derive(Debug, Serialize, JsonSchema, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ChapMode {
    None,
    OneWay,
    Mutual,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Export {
    pub transport: Transport,
    pub iqn: Iqn,
    pub portal: String,
    pub lun: u32,
    /// The device served (None when read back and the backstore is not a block device).
    pub device: Option<PathBuf>,
    pub allowed_initiators: Vec<String>,
    pub chap: ChapMode,
    pub read_only: bool,
    pub enabled: bool,
    /// What an operator types on the initiator.
    pub connect: String,
    /// The LUN as a URL (libiscsi, qemu).
    pub url: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    pub dry_run: bool,
    pub source: Served,
    #[serde(flatten)]
    pub export: Export,
    pub backstore: String,
    /// The configfs items written (or that would be, with --dry-run), in order.
    pub configfs: Vec<PathBuf>,
}

struct Credential {
    user: String,
    secret: String,
}

struct Chap {
    user: String,
    secret: String,
    /// The target's own credential, for mutual CHAP.
    mutual: Option<Credential>,
}

fn check_user(field: &str, u: &str) -> Result<()> {
    if u.is_empty() || u.len() > 255 || !u.chars().all(|c| c.is_ascii_graphic()) {
        return Err(IronError::new(
            Kind::InvalidInput,
            format!("invalid {field} {u:?}: 1 to 255 printable characters"),
        )
        .with(Key::Field, field)
        .with(Key::Value, u));
    }
    Ok(())
}

fn portal(s: &str) -> Result<SocketAddr> {
    s.parse().map_err(|_| {
        IronError::new(
            Kind::InvalidInput,
            format!("invalid portal {s:?}: expected ADDR:PORT ([ADDR]:PORT for IPv6)"),
        )
        .with(Key::Field, "portal")
        .with(Key::Value, s)
    })
}

/// LIO names network portals `addr:port`, IPv6 in brackets: SocketAddr's own form.
fn np_name(p: &SocketAddr) -> String {
    p.to_string()
}

fn connect_line(iqn: &Iqn, p: &SocketAddr) -> (String, String) {
    let host = if p.ip().is_unspecified() {
        "<this-node-address>".to_string()
    } else {
        match p {
            SocketAddr::V4(a) => a.ip().to_string(),
            SocketAddr::V6(a) => format!("[{}]", a.ip()),
        }
    };
    let hp = format!("{host}:{}", p.port());
    (
        format!(
            "iscsiadm -m discovery -t sendtargets -p {hp} && iscsiadm -m node -T {iqn} -p {hp} --login"
        ),
        format!("iscsi://{hp}/{iqn}/0"),
    )
}

/// The command-line inputs, checked.
struct Inputs {
    iqn: Option<Iqn>,
    portal: SocketAddr,
    allow: Vec<Iqn>,
    chap: Option<Chap>,
}

pub fn run(args: &Args) -> Result<Report> {
    // Validate every input before the disk or the kernel is touched.
    let inputs = check(args)?;
    let (served, dev_name) = args.source.resolve()?;
    let iqn = match &inputs.iqn {
        Some(i) => i.clone(),
        None => Iqn::parse(
            "iqn",
            &format!("iqn.2008-10.org.openstack:{}", default_suffix(&dev_name)),
        )?,
    };
    let backstore = format!("{PREFIX}{}", super::names::label(&dev_name));
    let export = export(args, &inputs, &iqn, &served.device);
    let root = Path::new(configfs::ROOT).join("target");
    let plan = Plan {
        root: &root,
        iqn: &iqn,
        backstore: &backstore,
        device: &served.device,
        np: np_name(&inputs.portal),
        allow: &inputs.allow,
        chap: inputs.chap.as_ref(),
        read_only: args.read_only,
    };
    let configfs = if args.source.dry_run {
        plan.paths()
    } else {
        prepare(&root, &iqn)?;
        plan.apply()?
    };
    Ok(Report {
        dry_run: args.source.dry_run,
        source: served,
        export,
        backstore: format!("{HBA}/{backstore}"),
        configfs,
    })
}

fn check(args: &Args) -> Result<Inputs> {
    let iqn = args
        .iqn
        .as_deref()
        .map(|s| Iqn::parse("iqn", s))
        .transpose()?;
    let portal = portal(&args.portal)?;
    let allow = args
        .allow
        .iter()
        .map(|a| Iqn::parse("allow", a))
        .collect::<Result<Vec<_>>>()?;
    Ok(Inputs {
        iqn,
        portal,
        allow,
        chap: read_chap(args)?,
    })
}

fn read_chap(args: &Args) -> Result<Option<Chap>> {
    let (Some(user), Some(file)) = (&args.chap_user, &args.chap_secret_file) else {
        return Ok(None);
    };
    check_user("chap_user", user)?;
    let mutual = match (&args.mutual_user, &args.mutual_secret_file) {
        (Some(mu), Some(mf)) => {
            check_user("mutual_user", mu)?;
            Some(Credential {
                user: mu.clone(),
                secret: read_secret(mf, "mutual_secret_file")?,
            })
        }
        _ => None,
    };
    Ok(Some(Chap {
        user: user.clone(),
        secret: read_secret(file, "chap_secret_file")?,
        mutual,
    }))
}

fn export(args: &Args, inputs: &Inputs, iqn: &Iqn, device: &Path) -> Export {
    let (connect, url) = connect_line(iqn, &inputs.portal);
    let chap = match &inputs.chap {
        None => ChapMode::None,
        Some(Chap { mutual: None, .. }) => ChapMode::OneWay,
        Some(_) => ChapMode::Mutual,
    };
    Export {
        transport: Transport::Iscsi,
        iqn: iqn.clone(),
        portal: np_name(&inputs.portal),
        lun: 0,
        device: Some(device.to_path_buf()),
        allowed_initiators: inputs.allow.iter().map(|a| a.to_string()).collect(),
        chap,
        read_only: args.read_only,
        enabled: !args.source.dry_run,
        connect,
        url,
    }
}

/// Loads LIO and refuses a target that already exists.
fn prepare(root: &Path, iqn: &Iqn) -> Result<()> {
    configfs::ensure("target", MODULES)?;
    let iscsi = root.join("iscsi");
    if !iscsi.is_dir() {
        // iscsi_target_mod registers its fabric when target/iscsi is first made.
        configfs::mkdir(&iscsi)?;
    }
    if iscsi.join(iqn.to_string()).exists() {
        return Err(IronError::new(
            Kind::DeviceBusy,
            format!("{iqn} is already exported; `ironbox export stop {iqn}` first"),
        )
        .with(Key::Iqn, iqn.to_string()));
    }
    Ok(())
}

struct Plan<'a> {
    root: &'a Path,
    iqn: &'a Iqn,
    backstore: &'a str,
    device: &'a Path,
    np: String,
    allow: &'a [Iqn],
    chap: Option<&'a Chap>,
    read_only: bool,
}

impl Plan<'_> {
    fn hba(&self) -> PathBuf {
        self.root.join("core").join(HBA)
    }
    fn so(&self) -> PathBuf {
        self.hba().join(self.backstore)
    }
    fn tpg(&self) -> PathBuf {
        self.root
            .join("iscsi")
            .join(self.iqn.to_string())
            .join("tpgt_1")
    }

    /// What apply() creates, for --dry-run.
    fn paths(&self) -> Vec<PathBuf> {
        let tpg = self.tpg();
        let mut v = vec![
            self.so(),
            self.so().join("enable"),
            tpg.clone(),
            tpg.join("lun/lun_0").join(self.backstore),
            tpg.join("np").join(&self.np),
        ];
        for a in self.allow {
            v.push(tpg.join("acls").join(a.to_string()).join("lun_0/lun_0"));
        }
        v.push(tpg.join("enable"));
        v
    }

    fn apply(&self) -> Result<Vec<PathBuf>> {
        let mut rb = Rollback::new();
        let hba = self.hba();
        if !hba.is_dir() {
            rb.mkdir(&hba)?;
        }
        let so = self.so();
        rb.mkdir(&so)?;
        let dev = self.device.display().to_string();
        configfs::write(&so.join("control"), &format!("udev_path={dev}"))?;
        configfs::write(&so.join("udev_path"), &dev)?;
        if self.read_only {
            configfs::write(&so.join("control"), "readonly=1")?;
        }
        configfs::write(&so.join("enable"), "1")?;
        let wwn = self.tpg().parent().unwrap().to_path_buf();
        rb.mkdir(&wwn)?;
        let tpg = self.tpg();
        rb.mkdir(&tpg)?;
        let lun = tpg.join("lun/lun_0");
        rb.mkdir(&lun)?;
        rb.symlink(&so, &lun.join(self.backstore))?;
        // LIO answers EINVAL here when it cannot listen (the port in use, or an address this
        // host does not have; the kernel log says which).
        rb.mkdir(&tpg.join("np").join(&self.np)).map_err(|e| {
            let mut e = e.with(Key::Portal, &self.np);
            e.kind = Kind::Network;
            e.message = format!(
                "cannot listen on {}: the port is in use or the address is not on this host ({})",
                self.np, e.message
            );
            e
        })?;
        let attrib = tpg.join("attrib");
        let ro = if self.read_only { "1" } else { "0" };
        if self.allow.is_empty() {
            // Any initiator: LIO's "demo mode" with generated ACLs.
            configfs::write(&attrib.join("generate_node_acls"), "1")?;
            configfs::write(&attrib.join("cache_dynamic_acls"), "1")?;
            configfs::write(&attrib.join("demo_mode_write_protect"), ro)?;
            if let Some(c) = self.chap {
                write_auth(&tpg.join("auth"), c)?;
            }
        } else {
            configfs::write(&attrib.join("generate_node_acls"), "0")?;
            for a in self.allow {
                let acl = tpg.join("acls").join(a.to_string());
                rb.mkdir(&acl)?;
                let mapped = acl.join("lun_0");
                rb.mkdir(&mapped)?;
                rb.symlink(&lun, &mapped.join("lun_0"))?;
                configfs::write(&mapped.join("write_protect"), ro)?;
                if let Some(c) = self.chap {
                    write_auth(&acl.join("auth"), c)?;
                }
            }
        }
        configfs::write(
            &attrib.join("authentication"),
            if self.chap.is_some() { "1" } else { "0" },
        )?;
        let enable = tpg.join("enable");
        configfs::write(&enable, "1")?;
        rb.before_undo(enable);
        rb.commit();
        Ok(self.paths())
    }
}

fn write_auth(dir: &Path, c: &Chap) -> Result<()> {
    configfs::write(&dir.join("userid"), &c.user)?;
    configfs::write(&dir.join("password"), &c.secret)?;
    if let Some(m) = &c.mutual {
        configfs::write(&dir.join("userid_mutual"), &m.user)?;
        configfs::write(&dir.join("password_mutual"), &m.secret)?;
    }
    Ok(())
}

fn iscsi_root() -> PathBuf {
    Path::new(configfs::ROOT).join("target/iscsi")
}

/// Entries of a configfs item that are themselves items or links (not attribute files).
fn children(dir: &Path) -> Vec<PathBuf> {
    configfs::list(dir)
        .into_iter()
        .map(|n| dir.join(n))
        .filter(|p| {
            std::fs::symlink_metadata(p)
                .map(|m| m.is_dir() || m.file_type().is_symlink())
                .unwrap_or(false)
        })
        .collect()
}

fn links(dir: &Path) -> Vec<PathBuf> {
    children(dir)
        .into_iter()
        .filter(|p| p.is_symlink())
        .collect()
}

/// Every iSCSI target in the kernel, read back from configfs (empty when LIO is not loaded).
pub fn list() -> Vec<Export> {
    let root = iscsi_root();
    children(&root)
        .into_iter()
        .filter_map(|wwn| {
            let iqn = Iqn::parse("iqn", &wwn.file_name()?.to_string_lossy()).ok()?;
            let tpg = wwn.join("tpgt_1");
            let np = children(&tpg.join("np"))
                .first()
                .and_then(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
                .unwrap_or_default();
            let device = links(&tpg.join("lun/lun_0"))
                .first()
                .and_then(|l| configfs::read(&l.join("udev_path")))
                .filter(|s| !s.is_empty())
                .map(PathBuf::from);
            let allowed: Vec<String> = children(&tpg.join("acls"))
                .iter()
                .filter_map(|a| Some(a.file_name()?.to_string_lossy().into_owned()))
                .collect();
            let auth = configfs::read(&tpg.join("attrib/authentication")).as_deref() == Some("1");
            let read_only = if allowed.is_empty() {
                configfs::read(&tpg.join("attrib/demo_mode_write_protect")).as_deref() == Some("1")
            } else {
                configfs::read(
                    &tpg.join("acls")
                        .join(&allowed[0])
                        .join("lun_0/write_protect"),
                )
                .as_deref()
                    == Some("1")
            };
            let (connect, url) = match np.parse::<SocketAddr>() {
                Ok(p) => connect_line(&iqn, &p),
                Err(_) => (String::new(), String::new()),
            };
            Some(Export {
                transport: Transport::Iscsi,
                portal: np,
                lun: 0,
                device,
                allowed_initiators: allowed,
                chap: if auth {
                    ChapMode::OneWay
                } else {
                    ChapMode::None
                },
                read_only,
                enabled: configfs::read(&tpg.join("enable")).as_deref() == Some("1"),
                connect,
                url,
                iqn,
            })
        })
        .collect()
}

/// Tears one target down in reverse order of creation; Ok(false) when it was not there.
pub fn stop(name: &str) -> Result<bool> {
    let wwn = iscsi_root().join(name);
    if name.contains('/') || !wwn.is_dir() {
        return Ok(false);
    }
    let mut backstores = Vec::new();
    // A target's own default groups (fabric_statistics) go with it; its TPGs are removed.
    let tpgs = children(&wwn).into_iter().filter(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("tpgt_"))
    });
    for tpg in tpgs {
        let _ = configfs::write(&tpg.join("enable"), "0");
        for acl in children(&tpg.join("acls")) {
            for mapped in children(&acl) {
                // An ACL's children include its attrib/auth/param groups: only lun_N go.
                if mapped
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("lun_"))
                {
                    for l in links(&mapped) {
                        configfs::remove(&l)?;
                    }
                    configfs::remove(&mapped)?;
                }
            }
            configfs::remove(&acl)?;
        }
        for lun in children(&tpg.join("lun")) {
            for l in links(&lun) {
                if let Ok(t) = std::fs::canonicalize(&l) {
                    backstores.push(t);
                }
                configfs::remove(&l)?;
            }
            configfs::remove(&lun)?;
        }
        for np in children(&tpg.join("np")) {
            configfs::remove(&np)?;
        }
        configfs::remove(&tpg)?;
    }
    configfs::remove(&wwn)?;
    for so in backstores {
        if so
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(PREFIX))
        {
            configfs::remove(&so)?;
            if let Some(hba) = so.parent()
                && children(hba).is_empty()
            {
                configfs::remove(hba)?;
            }
        }
    }
    Ok(true)
}
