//! `ironbox firmware`: list every firmware version the kernel can tell, apply verified updates
//! (UEFI capsules, NVMe firmware, vendor plug-ins), check the outcome after a reboot, read and
//! change BIOS settings, and switch virtualization on or off — in-band, without a daemon.

mod bios;
mod bmc;
pub(crate) mod capsule;
mod component;
mod disk;
mod efivars;
mod esrt;
mod fetch;
pub mod list;
mod microcode;
mod nic;
pub mod nvme;
mod plugin;
pub mod settings;
pub mod status;
mod target;
pub mod update;
pub mod virt;

use crate::fetch::HttpArgs;
use crate::report::Result;
use schemars::JsonSchema;
use serde::Serialize;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum Action {
    /// Every firmware component with its version: bios, bmc, nic:*, disk:*, esrt:*,
    /// cpu-microcode, and what plug-ins report
    List,
    /// Apply a checksum-verified firmware image to one component
    // Its --version is the image's firmware version, not ironbox's.
    #[command(disable_version_flag = true)]
    Update(UpdateArgs),
    /// Whether the last update took (ESRT last attempt, NVMe active slot, pending capsules)
    Status(StatusArgs),
    /// BIOS settings through the kernel's firmware-attributes class
    Settings(settings::SettingsArgs),
    /// CPU virtualization, its firmware enablement, IOMMU and SR-IOV; switch it on or off
    Virtualization(virt::VirtArgs),
}

/// How a component's firmware is updated.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Hand a UEFI capsule to the kernel's loader (/dev/efi_capsule_loader)
    Capsule,
    /// Put a UEFI capsule under the ESP's \EFI\UpdateCapsule\ and set OsIndications
    CapsuleOnDisk,
    /// NVMe Firmware Image Download + Firmware Commit (activated at the next reset)
    Nvme,
    /// A vendor plug-in `ironbox-firmware-<name>` on PATH
    Plugin,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Capsule => "capsule",
            Method::CapsuleOnDisk => "capsule-on-disk",
            Method::Nvme => "nvme",
            Method::Plugin => "plugin",
        }
    }
}

#[derive(clap::Args, Debug, Clone)]
pub struct UpdateArgs {
    /// Component id from `firmware list` (esrt:<guid>, bios, disk:nvme0n1, or a plug-in's id)
    #[arg(long, value_name = "ID")]
    pub component: String,
    /// The firmware image: a local path, file://, http:// or https:// URL (at most 256 MiB)
    #[arg(long, value_name = "SOURCE")]
    pub image: String,
    /// Expected checksum of the image: ALGO:HEX (md5, sha1, sha256, sha384, sha512) or bare hex
    #[arg(long, value_name = "SPEC")]
    pub checksum: String,
    /// The version the image carries: equal to the current one → up_to_date, nothing applied
    #[arg(long, value_name = "V")]
    pub version: Option<String>,
    /// How to apply it (default: chosen from the component)
    #[arg(long, value_enum)]
    pub method: Option<Method>,
    /// Allow a version older than the ESRT's lowest supported version
    #[arg(long)]
    pub allow_downgrade: bool,
    /// Fetch, verify and validate everything, write nothing, print the plan
    #[arg(long)]
    pub dry_run: bool,
    /// Mount point of the EFI system partition (capsule-on-disk)
    #[arg(long, value_name = "DIR")]
    pub esp: Option<PathBuf>,
    /// NVMe firmware slot to write (1-7; default: the controller chooses)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=7))]
    pub slot: Option<u8>,
    /// The plug-in to use (`ironbox-firmware-<NAME>`; default: the one that lists the component)
    #[arg(long, value_name = "NAME")]
    pub plugin: Option<String>,
    #[command(flatten)]
    pub http: HttpArgs,
}

#[derive(clap::Args, Debug, Clone)]
pub struct StatusArgs {
    /// Only this component
    #[arg(long, value_name = "ID")]
    pub component: Option<String>,
}

/// `firmware <subcommand>`: each subcommand's report, untagged (no wrapper in the document).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum FirmwareReport {
    List(list::ListReport),
    Update(update::UpdateReport),
    Status(status::StatusReport),
    Settings(settings::SettingsReport),
    Virtualization(virt::VirtReport),
}

pub fn run(args: &Args) -> Result<FirmwareReport> {
    Ok(match &args.action {
        Action::List => FirmwareReport::List(list::run()?),
        Action::Update(a) => FirmwareReport::Update(update::run(a)?),
        Action::Status(a) => FirmwareReport::Status(status::run(a)?),
        Action::Settings(a) => FirmwareReport::Settings(settings::run(a)?),
        Action::Virtualization(a) => FirmwareReport::Virtualization(virt::run(a)?),
    })
}
