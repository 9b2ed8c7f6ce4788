//! IPA-style flags (`--table --boot-mode --root --swap --ephemeral --configdrive`) turned into
//! the layout IPA's `make_partitions` builds for partition images: ESP (uefi) or BIOS boot
//! (bios + gpt) first, then ephemeral, swap, configdrive, and root last so that it can grow.

use crate::disk::table_kind::TableKind;
use crate::partition::layout::{self, Layout, Want};
use crate::partition::size::{self, Size};
use crate::partition::types;
use crate::report::{IronError, Kind, Result};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BootMode {
    Uefi,
    Bios,
}

/// A partition's key in IPA's partition map (the report's `ipa` block: role -> node). The
/// names are IPA's own, spaces and capitals included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub enum Role {
    #[serde(rename = "efi system partition")]
    Esp,
    #[serde(rename = "BIOS Boot partition")]
    BiosBoot,
    #[serde(rename = "ephemeral")]
    Ephemeral,
    #[serde(rename = "swap")]
    Swap,
    #[serde(rename = "configdrive")]
    Configdrive,
    #[serde(rename = "root")]
    Root,
}

/// The IPA-style inputs, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct IpaFlags {
    pub table: Option<TableKind>,
    pub boot_mode: Option<BootMode>,
    pub root: Option<String>,
    pub swap: Option<String>,
    pub ephemeral: Option<String>,
    /// IPA's ephemeral_format; ext4 when not given.
    pub ephemeral_format: Option<String>,
    pub configdrive: Option<String>,
}

/// A size flag: a plain number is MiB (IPA's `root_mb`), otherwise a size string or `rest`.
fn flag_size(flag: &str, v: &str) -> Result<Size> {
    let t = v.trim();
    let s = if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
        format!("{t}MiB")
    } else {
        t.to_string()
    };
    let size = size::parse(&serde_json::Value::String(s))
        .map_err(|e| IronError::new(Kind::InvalidLayout, format!("--{flag}: {e}")))?;
    if size == Size::Bytes(0) {
        return Err(IronError::new(
            Kind::InvalidLayout,
            format!("--{flag} 0 makes no partition"),
        ));
    }
    Ok(size)
}

fn part(tname: &str, gpt: bool, size: Size, label: &str, role: Role) -> Want {
    let mut w = Want::new(types::resolve(tname, gpt).expect("built-in type"), size);
    if gpt {
        w.label = Some(label.to_string());
    }
    w.role = Some(role);
    w
}

/// Builds the layout. IPA's default table is gpt for uefi and msdos for bios.
pub fn layout(f: &IpaFlags) -> Result<Layout> {
    let boot = f.boot_mode.unwrap_or(BootMode::Uefi);
    let table = f.table.unwrap_or(match boot {
        BootMode::Uefi => TableKind::Gpt,
        BootMode::Bios => TableKind::Msdos,
    });
    let gpt = table == TableKind::Gpt;
    let root = f
        .root
        .as_deref()
        .ok_or_else(|| IronError::usage("--root SIZE|rest is required with the IPA-style flags"))?;
    let mut parts = Vec::new();
    match boot {
        BootMode::Uefi => {
            let mut esp = part("esp", gpt, Size::Bytes(550 << 20), "efi-part", Role::Esp);
            esp.format = Some("vfat".into());
            esp.fs_label = Some("efi-part".into());
            esp.bootable = !gpt; // parted's "boot" flag on msdos
            parts.push(esp);
        }
        BootMode::Bios if gpt => {
            parts.push(part(
                "bios-boot",
                gpt,
                Size::Bytes(1 << 20),
                "bios-boot",
                Role::BiosBoot,
            ));
        }
        BootMode::Bios => {}
    }
    if let Some(e) = &f.ephemeral {
        let mut w = part(
            "linux",
            gpt,
            flag_size("ephemeral", e)?,
            "ephemeral0",
            Role::Ephemeral,
        );
        w.format = Some(f.ephemeral_format.clone().unwrap_or_else(|| "ext4".into()));
        w.fs_label = Some("ephemeral0".into());
        parts.push(w);
    }
    if let Some(s) = &f.swap {
        let mut w = part("swap", gpt, flag_size("swap", s)?, "swap1", Role::Swap);
        w.format = Some("swap".into());
        w.fs_label = Some("swap1".into());
        parts.push(w);
    }
    if let Some(c) = &f.configdrive {
        parts.push(part(
            "linux",
            gpt,
            flag_size("configdrive", c)?,
            "config-2",
            Role::Configdrive,
        ));
    }
    let mut r = part("linux", gpt, flag_size("root", root)?, "root", Role::Root);
    r.bootable = !gpt && boot == BootMode::Bios;
    parts.push(r);
    let l = Layout {
        table,
        partitions: parts,
    };
    layout::check(&l)?;
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uefi_gpt_like_ipa() {
        let l = layout(&IpaFlags {
            table: Some(TableKind::Gpt),
            boot_mode: Some(BootMode::Uefi),
            root: Some("rest".into()),
            swap: Some("512MiB".into()),
            configdrive: Some("64".into()),
            ..Default::default()
        })
        .unwrap();
        let roles: Vec<_> = l.partitions.iter().map(|w| w.role.unwrap()).collect();
        assert_eq!(
            roles,
            [Role::Esp, Role::Swap, Role::Configdrive, Role::Root]
        );
        assert_eq!(l.partitions[0].size, Size::Bytes(550 << 20));
        assert_eq!(l.partitions[2].size, Size::Bytes(64 << 20));
        assert_eq!(l.partitions[2].label.as_deref(), Some("config-2"));
        assert_eq!(l.partitions[3].size, Size::Rest);
    }

    #[test]
    fn bios_defaults_to_msdos_and_bios_gpt_gets_bios_boot() {
        let mut f = IpaFlags {
            boot_mode: Some(BootMode::Bios),
            root: Some("10GiB".into()),
            ..Default::default()
        };
        let l = layout(&f).unwrap();
        assert_eq!(l.table, TableKind::Msdos);
        assert_eq!(l.partitions.len(), 1);
        assert!(l.partitions[0].bootable);
        f.table = Some(TableKind::Gpt);
        let l = layout(&f).unwrap();
        assert_eq!(l.partitions[0].role, Some(Role::BiosBoot));
        assert!(layout(&IpaFlags::default()).is_err());
        f.ephemeral = Some("1024".into());
        f.ephemeral_format = Some("xfs".into());
        let l = layout(&f).unwrap();
        assert_eq!(l.partitions[1].format.as_deref(), Some("xfs"));
        f.ephemeral_format = Some("zfs".into());
        assert!(
            layout(&f).is_err(),
            "an unknown format is refused by layout::check"
        );
    }
}
