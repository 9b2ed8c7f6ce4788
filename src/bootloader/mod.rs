//! `ironbox bootloader`: make a deployed disk bootable. UEFI Boot#### entries written through
//! efivarfs (no efibootmgr), IPA's NVRAM cleaning step, and grub for partition images.

pub mod boot_order;
pub mod by_uuid;
pub mod clean;
pub mod device_path;
pub mod esp;
pub mod grub;
pub mod load_option;
pub mod loaders;
pub mod nvram;
pub mod uefi;

use crate::report::Result;
use schemars::JsonSchema;
use serde::Serialize;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum Sub {
    /// Add Boot#### entries for the loaders on the disk's ESP and put them first in BootOrder
    Uefi(uefi::UefiArgs),
    /// Remove Boot#### entries matching patterns (IPA's clean_uefi_nvram)
    CleanNvram(clean::CleanArgs),
    /// Install grub from a partition image's own root (chroot), for BIOS or UEFI
    Grub(grub::GrubArgs),
}

/// Where the UEFI variables are: efivarfs, or a directory of such files in tests.
#[derive(clap::Args, Debug, Clone)]
pub struct EfivarsArg {
    #[arg(
        long,
        hide = true,
        env = "IRONBOX_EFIVARS",
        value_name = "DIR",
        default_value = crate::sys::efivars::DEFAULT_DIR
    )]
    pub efivars: PathBuf,
}

/// `bootloader <subcommand>`: each subcommand's report, untagged (no wrapper in the document).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum BootloaderReport {
    Uefi(uefi::UefiReport),
    CleanNvram(clean::CleanReport),
    Grub(grub::GrubReport),
}

pub fn run(a: &Args) -> Result<BootloaderReport> {
    Ok(match &a.command {
        Sub::Uefi(u) => BootloaderReport::Uefi(uefi::run(u)?),
        Sub::CleanNvram(c) => BootloaderReport::CleanNvram(clean::run(c)?),
        Sub::Grub(g) => BootloaderReport::Grub(grub::run(g)?),
    })
}
