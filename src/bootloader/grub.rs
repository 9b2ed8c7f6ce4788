//! `ironbox bootloader grub`: install the boot loader of a partition image from the image's
//! own root, as IPA does: mount the root (and the ESP for UEFI), bind /dev /proc /sys /run
//! (and efivarfs), run its grub-install and grub-mkconfig in a chroot, unmount everything
//! whatever fails. For UEFI the NVRAM entry is then made by `bootloader uefi`'s logic
//! (grub-install runs with --no-nvram: one writer of boot entries, no efibootmgr needed).

use super::{EfivarsArg, by_uuid, esp, uefi};
use crate::disk::{
    BlockDevice, DiskArgs, fsid, open, partnodes, resolve_target, slice::Slice, table,
};
use crate::report::{IronError, Kind, Result};
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
        .with("stderr", tail));
    }
    Ok(Step {
        command: argv.to_vec(),
        exit_code: Some(code),
    })
}

pub fn run(a: &GrubArgs) -> Result<GrubReport> {
    let target = resolve_target(&a.disk)?;
    let dev = &target.device;
    let shown = dev.path.display().to_string();
    let mut f = open::open_for_read(&dev.path)?;
    let t = table::read_table(&mut f, dev.logical_sector_size)?
        .ok_or_else(|| IronError::new(Kind::NotFound, format!("{shown} has no partition table")))?;
    let mode = a
        .mode
        .unwrap_or(if Path::new("/sys/firmware/efi").exists() {
            Mode::Uefi
        } else {
            Mode::Bios
        });
    let (root_n, root_node) = partition(dev, &t, &a.root)?;
    let entry = t.partitions.iter().find(|p| p.number == root_n).unwrap();
    let root_id =
        fsid::identify(&mut Slice::new(&mut f, entry.start, entry.size)).ok_or_else(|| {
            IronError::new(
                Kind::NotFound,
                format!("partition {root_n} of {shown} holds no filesystem ironbox recognises"),
            )
        })?;
    let root_fs = root_id.fs_type.clone();
    let esp_node = match mode {
        Mode::Bios => {
            if t.table == "gpt"
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
            None
        }
        Mode::Uefi => Some(match &a.esp {
            Some(s) => partition(dev, &t, s)?.1,
            None => partition(dev, &t, &esp::find(dev, &mut f)?.number.to_string())?.1,
        }),
    };
    drop(f);

    let mut report = GrubReport {
        disk: shown.clone(),
        mode,
        dry_run: a.dry_run,
        root: root_node.display().to_string(),
        root_fs: root_fs.clone(),
        esp: esp_node.as_ref().map(|p| p.display().to_string()),
        steps: Vec::new(),
        mounts: Vec::new(),
        uefi_entries: None,
    };
    if a.dry_run {
        return Ok(report);
    }

    let dir = tempfile_dir()?;
    let root = dir.clone();
    let mut mounts = Mounts::default();
    // grub-mkconfig writes root=UUID=… only if /dev/disk/by-uuid has the root (no udev in a
    // ramdisk: else root=<the ramdisk's device name>, wrong once the node boots)
    let mut links = by_uuid::ByUuidLinks::default();
    if let Some(u) = &root_id.uuid {
        links
            .ensure(Path::new(by_uuid::DIR), u, &root_node)
            .map_err(|e| IronError::io(format!("cannot link {}/{u}", by_uuid::DIR), e))?;
    }
    let result = install(
        a,
        mode,
        &root,
        &root_node,
        &root_fs,
        esp_node.as_deref(),
        &mut mounts,
        &shown,
    );
    links.remove_all();
    report.mounts = mounts
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
    report.steps = steps;
    if mode == Mode::Uefi {
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

#[allow(clippy::too_many_arguments)]
fn install(
    a: &GrubArgs,
    mode: Mode,
    root: &Path,
    root_node: &Path,
    root_fs: &str,
    esp_node: Option<&Path>,
    mounts: &mut Mounts,
    shown: &str,
) -> Result<Vec<Step>> {
    let mnt = |what: &str, e: std::io::Error| IronError::io(format!("cannot mount {what}"), e);
    mounts
        .device(root_node, root, root_fs)
        .map_err(|e| mnt(&root_node.display().to_string(), e))?;
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
    if let Some(esp) = esp_node {
        let at = root.join("boot/efi");
        std::fs::create_dir_all(&at).map_err(|e| IronError::io("cannot make /boot/efi", e))?;
        mounts
            .device(esp, &at, "vfat")
            .map_err(|e| mnt(&esp.display().to_string(), e))?;
    }
    for d in ["dev", "proc", "sys", "run"] {
        let at = root.join(d);
        std::fs::create_dir_all(&at).map_err(|e| IronError::io(format!("cannot make /{d}"), e))?;
        mounts
            .bind(Path::new("/").join(d).as_path(), &at)
            .map_err(|e| mnt(&format!("/{d}"), e))?;
    }
    if mode == Mode::Uefi && a.efivars.efivars.is_dir() {
        let at = root.join("sys/firmware/efi/efivars");
        if at.is_dir() {
            mounts
                .bind(&a.efivars.efivars, &at)
                .map_err(|e| mnt("efivarfs", e))?;
        }
    }
    let mut steps = Vec::new();
    let grub2 = install.contains("grub2");
    let argv: Vec<String> = match mode {
        Mode::Bios => vec![
            install.clone(),
            "--target=i386-pc".into(),
            shown.to_string(),
        ],
        Mode::Uefi => vec![
            install.clone(),
            "--target=x86_64-efi".into(),
            "--efi-directory=/boot/efi".into(),
            format!("--bootloader-id={}", a.bootloader_id),
            "--no-nvram".into(),
        ],
    };
    steps.push(chroot(root, &argv)?);
    let cfg = if grub2 {
        "/boot/grub2/grub.cfg"
    } else {
        "/boot/grub/grub.cfg"
    };
    let argv: Vec<String> = if mkconfig.ends_with("update-grub") {
        vec![mkconfig]
    } else {
        vec![mkconfig, "-o".into(), cfg.into()]
    };
    steps.push(chroot(root, &argv)?);
    Ok(steps)
}

fn tempfile_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir().join(format!("ironbox-grub-{}", std::process::id()));
    std::fs::create_dir_all(&base).map_err(|e| IronError::io("cannot make a mount point", e))?;
    Ok(base)
}
