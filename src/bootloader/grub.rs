//! `ironbox bootloader grub`: install the boot loader of a partition image from the image's
//! own root, as IPA does: mount the root (and the ESP for UEFI), bind /dev /proc /sys /run
//! (and efivarfs), run its grub-install and grub-mkconfig in a chroot, unmount everything
//! whatever fails. For UEFI the NVRAM entry is then made by `bootloader uefi`'s logic
//! (grub-install runs with --no-nvram: one writer of boot entries, no efibootmgr needed).

use super::{EfivarsArg, by_uuid, esp, uefi};
use crate::disk::table_kind::TableKind;
use crate::disk::{
    BlockDevice, DiskArgs, fsid, open, partnodes, resolve_target, slice::Slice, table,
};
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::mount::Mounts;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIOS_BOOT_TYPE: &str = "21686148-6449-6E6F-744E-656564454649";

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Bios,
    Uefi,
}

#[derive(clap::Args, Debug, Clone)]
pub struct GrubArgs {
    #[command(flatten)]
    pub disk: DiskArgs,
    /// The image's root partition: its number on the disk or its device node
    #[arg(long, value_name = "PART")]
    pub root: String,
    /// The ESP (UEFI): number or node; default the disk's GPT ESP
    #[arg(long, value_name = "PART")]
    pub esp: Option<String>,
    /// Firmware to install for (default: uefi when booted in UEFI mode, else bios)
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// UEFI: the directory under EFI/ and the boot entry's description
    #[arg(long, value_name = "ID", default_value = "ironbox")]
    pub bootloader_id: String,
    /// Validate and print the plan; mount and run nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub efivars: EfivarsArg,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Step {
    pub command: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct GrubReport {
    pub disk: String,
    pub mode: Mode,
    pub dry_run: bool,
    pub root: String,
    pub root_fs: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub esp: Option<String>,
    pub steps: Vec<Step>,
    /// The mounts made, all undone before the report.
    pub mounts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uefi_entries: Option<super::uefi::UefiReport>,
}

/// A partition named by number or node, resolved to (number, node).
fn partition(dev: &BlockDevice, t: &table::TableInfo, spec: &str) -> Result<(u32, PathBuf)> {
    let shown = dev.path.display().to_string();
    let number = match spec.parse::<u32>() {
        Ok(n) => n,
        Err(_) => t
            .partitions
            .iter()
            .map(|p| p.number)
            .find(|&n| {
                partnodes::partition_node(&dev.name, n).is_some_and(|p| p == Path::new(spec))
            })
            .ok_or_else(|| {
                IronError::new(
                    Kind::InvalidInput,
                    format!("{spec} is not a partition of {shown}"),
                )
            })?,
    };
    if !t.partitions.iter().any(|p| p.number == number) {
        return Err(IronError::new(
            Kind::InvalidInput,
            format!("{shown} has no partition {number}"),
        ));
    }
    let node = partnodes::partition_node(&dev.name, number)
        .filter(|p| p.exists())
        .ok_or_else(|| {
            IronError::new(
                Kind::NotFound,
                format!("partition {number} of {shown} has no device node"),
            )
        })?;
    Ok((number, node))
}

/// The first of `names` that exists under `root` (absolute path inside the image).
fn find_tool(root: &Path, names: &[&str]) -> Option<String> {
    for dir in ["usr/sbin", "sbin", "usr/bin", "bin"] {
        for n in names {
            let p = root.join(dir).join(n);
            if p.is_file() {
                return Some(format!("/{dir}/{n}"));
            }
        }
    }
    None
}

fn chroot(root: &Path, argv: &[String]) -> Result<Step> {
    let out = Command::new("chroot")
        .arg(root)
        .args(argv)
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .output()
        .map_err(|e| IronError::io("cannot run chroot", e))?;
    let code = out.status.code().unwrap_or(-1);
    if !out.status.success() {
        let tail: String = String::from_utf8_lossy(&out.stderr)
            .lines()
            .rev()
            .take(5)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        return Err(IronError::new(
            Kind::External,
            format!(
                "{} failed in the image's root (exit {code})",
                argv.join(" ")
            ),
        )
        .with(Key::Stderr, tail));
    }
    Ok(Step {
        command: argv.to_vec(),
        exit_code: Some(code),
    })
}

/// Everything `run` decides before touching anything: the disk, the firmware and the partitions.
struct Plan {
    disk: String,
    mode: Mode,
    root_node: PathBuf,
    root_fs: String,
    root_uuid: Option<String>,
    esp_node: Option<PathBuf>,
}

impl Plan {
    fn report(&self, dry_run: bool) -> GrubReport {
        GrubReport {
            disk: self.disk.clone(),
            mode: self.mode,
            dry_run,
            root: self.root_node.display().to_string(),
            root_fs: self.root_fs.clone(),
            esp: self.esp_node.as_ref().map(|p| p.display().to_string()),
            steps: Vec::new(),
            mounts: Vec::new(),
            uefi_entries: None,
        }
    }
}

/// The grub tools the image ships, as paths inside its root.
struct Tools {
    install: String,
    mkconfig: String,
}

pub fn run(a: &GrubArgs) -> Result<GrubReport> {
    let plan = resolve(a)?;
    let mut report = plan.report(a.dry_run);
    if a.dry_run {
        return Ok(report);
    }
    let (steps, mounts) = act(a, &plan)?;
    report.mounts = mounts;
    report.steps = steps;
    if plan.mode == Mode::Uefi {
        let u = uefi::UefiArgs {
            disk: a.disk.clone(),
            label: Some(a.bootloader_id.clone()),
            dry_run: false,
            efivars: a.efivars.clone(),
        };
        report.uefi_entries = Some(uefi::run(&u)?);
    }
    Ok(report)
}

fn default_mode() -> Mode {
    if Path::new("/sys/firmware/efi").exists() {
        Mode::Uefi
    } else {
        Mode::Bios
    }
}

fn resolve(a: &GrubArgs) -> Result<Plan> {
    let target = resolve_target(&a.disk)?;
    let dev = &target.device;
    let shown = dev.path.display().to_string();
    let mut f = open::open_for_read(&dev.path)?;
    let t = table::require_table(&mut f, dev.logical_sector_size, &shown)?;
    let mode = a.mode.unwrap_or_else(default_mode);
    let (root_n, root_node) = partition(dev, &t, &a.root)?;
    let entry = t.partitions.iter().find(|p| p.number == root_n).unwrap();
    let root_id =
        fsid::identify(&mut Slice::new(&mut f, entry.start, entry.size)).ok_or_else(|| {
            IronError::new(
                Kind::NotFound,
                format!("partition {root_n} of {shown} holds no filesystem ironbox recognises"),
            )
        })?;
    let esp_node = match mode {
        Mode::Bios => {
            check_bios_boot(&t, &shown)?;
            None
        }
        Mode::Uefi => Some(match &a.esp {
            Some(s) => partition(dev, &t, s)?.1,
            None => partition(dev, &t, &esp::find(dev, &mut f)?.number.to_string())?.1,
        }),
    };
    Ok(Plan {
        disk: shown,
        mode,
        root_node,
        root_fs: root_id.fs_type,
        root_uuid: root_id.uuid,
        esp_node,
    })
}

fn check_bios_boot(t: &table::TableInfo, shown: &str) -> Result<()> {
    if t.table == TableKind::Gpt
        && !t
            .partitions
            .iter()
            .any(|p| p.type_guid.as_deref() == Some(BIOS_BOOT_TYPE))
    {
        return Err(IronError::new(
            Kind::InvalidLayout,
            format!(
                "{shown} has a GPT without a BIOS boot partition (type {BIOS_BOOT_TYPE}): \
                 grub cannot be installed for BIOS"
            ),
        ));
    }
    Ok(())
}

/// Mounts, installs and unmounts everything whatever fails; the steps run and the mounts made.
fn act(a: &GrubArgs, plan: &Plan) -> Result<(Vec<Step>, Vec<String>)> {
    let dir = tempfile_dir()?;
    let root = dir.clone();
    let mut mounts = Mounts::default();
    // grub-mkconfig writes root=UUID=… only if /dev/disk/by-uuid has the root (no udev in a
    // ramdisk: else root=<the ramdisk's device name>, wrong once the node boots)
    let mut links = by_uuid::ByUuidLinks::default();
    if let Some(u) = &plan.root_uuid {
        links
            .ensure(Path::new(by_uuid::DIR), u, &plan.root_node)
            .map_err(|e| IronError::io(format!("cannot link {}/{u}", by_uuid::DIR), e))?;
    }
    let result = install(a, plan, &root, &mut mounts);
    links.remove_all();
    let mounted = mounts
        .mounted()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let failed = mounts.unmount_all();
    let _ = std::fs::remove_dir(&dir);
    let steps = result?;
    if let Some((p, e)) = failed.into_iter().next() {
        return Err(IronError::io(format!("cannot unmount {}", p.display()), e));
    }
    Ok((steps, mounted))
}

fn mount_error(what: &str, e: std::io::Error) -> IronError {
    IronError::io(format!("cannot mount {what}"), e)
}

fn install(a: &GrubArgs, plan: &Plan, root: &Path, mounts: &mut Mounts) -> Result<Vec<Step>> {
    let root_node = &plan.root_node;
    mounts
        .device(root_node, root, &plan.root_fs)
        .map_err(|e| mount_error(&root_node.display().to_string(), e))?;
    let tools = find_tools(root)?;
    mount_chroot(a, plan, root, mounts)?;
    let steps = vec![
        chroot(root, &install_argv(a, plan, &tools.install))?,
        chroot(root, &mkconfig_argv(&tools))?,
    ];
    Ok(steps)
}

fn find_tools(root: &Path) -> Result<Tools> {
    let install = find_tool(root, &["grub-install", "grub2-install"]).ok_or_else(|| {
        IronError::new(
            Kind::NotFound,
            "the image has no grub-install or grub2-install (not a grub-based image?)",
        )
    })?;
    let mkconfig = find_tool(root, &["grub-mkconfig", "grub2-mkconfig", "update-grub"])
        .ok_or_else(|| {
            IronError::new(
                Kind::NotFound,
                "the image has no grub-mkconfig, grub2-mkconfig or update-grub",
            )
        })?;
    Ok(Tools { install, mkconfig })
}

/// The ESP, the kernel's filesystems and efivarfs, under the mounted root.
fn mount_chroot(a: &GrubArgs, plan: &Plan, root: &Path, mounts: &mut Mounts) -> Result<()> {
    if let Some(esp) = &plan.esp_node {
        let at = root.join("boot/efi");
        std::fs::create_dir_all(&at).map_err(|e| IronError::io("cannot make /boot/efi", e))?;
        mounts
            .device(esp, &at, "vfat")
            .map_err(|e| mount_error(&esp.display().to_string(), e))?;
    }
    for d in ["dev", "proc", "sys", "run"] {
        let at = root.join(d);
        std::fs::create_dir_all(&at).map_err(|e| IronError::io(format!("cannot make /{d}"), e))?;
        mounts
            .bind(Path::new("/").join(d).as_path(), &at)
            .map_err(|e| mount_error(&format!("/{d}"), e))?;
    }
    if plan.mode == Mode::Uefi && a.efivars.efivars.is_dir() {
        let at = root.join("sys/firmware/efi/efivars");
        if at.is_dir() {
            mounts
                .bind(&a.efivars.efivars, &at)
                .map_err(|e| mount_error("efivarfs", e))?;
        }
    }
    Ok(())
}

fn install_argv(a: &GrubArgs, plan: &Plan, install: &str) -> Vec<String> {
    match plan.mode {
        Mode::Bios => vec![
            install.to_string(),
            "--target=i386-pc".into(),
            plan.disk.clone(),
        ],
        Mode::Uefi => vec![
            install.to_string(),
            "--target=x86_64-efi".into(),
            "--efi-directory=/boot/efi".into(),
            format!("--bootloader-id={}", a.bootloader_id),
            "--no-nvram".into(),
        ],
    }
}

fn mkconfig_argv(tools: &Tools) -> Vec<String> {
    let cfg = if tools.install.contains("grub2") {
        "/boot/grub2/grub.cfg"
    } else {
        "/boot/grub/grub.cfg"
    };
    if tools.mkconfig.ends_with("update-grub") {
        vec![tools.mkconfig.clone()]
    } else {
        vec![tools.mkconfig.clone(), "-o".into(), cfg.into()]
    }
}

fn tempfile_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir().join(format!("ironbox-grub-{}", std::process::id()));
    std::fs::create_dir_all(&base).map_err(|e| IronError::io("cannot make a mount point", e))?;
    Ok(base)
}
