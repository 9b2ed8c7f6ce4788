//! Top-level clap definitions: the global flags and the Command enum. Each subcommand's own
//! arguments live in its folder.

use crate::progress::ProgressMode;
use clap::{CommandFactory, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

pub const AFTER_HELP: &str = "\
Every command prints one JSON document on stdout (errors too: {\"error\": {\"kind\", \"message\", \"causes\"}}).
Exit codes: 0 success, 1 the operation failed, 2 bad usage or invalid input, 3 verification failed,
4 refused for safety, 130 interrupted.";

#[derive(Parser, Debug)]
#[command(
    name = "ironbox",
    version,
    about = "Bare-metal provisioning toolbox: inventory, partition, image-write, configdrive, firmware, erase",
    after_help = AFTER_HELP,
    propagate_version = true,
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Indent the JSON report (the default when stdout is a terminal)
    #[arg(long, global = true)]
    pub pretty: bool,
    /// Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing
    #[arg(long, global = true, value_enum, default_value_t = ProgressMode::Auto, value_name = "MODE")]
    pub progress: ProgressMode,
    /// More detail on stderr
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print the JSON Schema of this command's report (bare: every command's) and exit
    #[arg(long, global = true)]
    pub report_schema: bool,
    /// No progress or warnings on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)
    #[arg(
        long,
        global = true,
        hide = true,
        env = "IRONBOX_SYSROOT",
        value_name = "DIR"
    )]
    pub sysroot: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Speak Ironic's agent protocol: inspection POST, lookup, heartbeats (IPA's kernel parameters)
    Agent(crate::agent::Args),
    /// Hardware inventory in IPA's shape (cpu, memory, disks, interfaces, system, boot, bmc)
    Inventory(crate::inventory::Args),
    /// Write a GPT or MBR partition table from a JSON layout or IPA-style flags
    Partition(crate::partition::Args),
    /// Stream an image (raw, gzip, zstd, xz, qcow2) from a URL, file or stdin to a disk, verified
    ImageWrite(crate::image::WriteArgs),
    /// Manage the local content-addressed image cache
    ImageCache(crate::image::CacheArgs),
    /// Build, write and read OpenStack config drives
    Configdrive(crate::configdrive::Args),
    /// List, update and check firmware; BIOS settings; virtualization
    Firmware(crate::firmware::Args),
    /// Erase disks with the strongest method each supports, verified, with a certificate
    Erase(crate::erase::Args),
    /// Make a deployed disk bootable: UEFI boot entries, NVRAM cleaning
    Bootloader(crate::bootloader::Args),
    /// Export a disk over iSCSI or NVMe/TCP; list and stop exports
    Export(crate::export::Args),
    /// Attach a remote volume (iSCSI, NVMe/TCP) as a local disk
    Attach(crate::attach::AttachArgs),
    /// Detach a remote volume attached with `attach`
    Detach(crate::attach::DetachArgs),
    /// Resolve a target disk and check the safety rules without touching it
    #[command(hide = true)]
    CheckDisk(crate::check_disk::Args),
    /// Write completions/ and man/ from these definitions
    #[command(hide = true)]
    Generate(crate::docs::Args),
    /// An extension: runs `ironbox-<name>` from PATH
    #[command(external_subcommand)]
    External(Vec<OsString>),
}

/// Names that select a command when the binary is run through a link (`inventory`,
/// `ironbox-inventory`).
pub const MULTICALL_COMMANDS: &[&str] = &[
    "agent",
    "inventory",
    "partition",
    "image-write",
    "image-cache",
    "configdrive",
    "firmware",
    "erase",
    "bootloader",
    "export",
];

/// When argv asks for `--report-schema`, the command path it names (`["firmware", "update"]`;
/// empty for bare `ironbox --report-schema`). Parsed leniently, so that a command's required
/// arguments need not be given just to read its schema.
pub fn report_schema_request(args: &[OsString]) -> Option<Vec<String>> {
    let end = args.iter().position(|a| a == "--").unwrap_or(args.len());
    if !args[..end].iter().any(|a| a == "--report-schema") {
        return None;
    }
    let matches = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(&args[..end])
        .ok()?;
    let mut path = Vec::new();
    let mut m = &matches;
    while let Some((name, sub)) = m.subcommand() {
        path.push(name.to_string());
        m = sub;
    }
    Some(path)
}
