//! `ironbox partition`: writes a GPT or MBR partition table from a JSON layout (`--layout`) or
//! IPA-style flags, optionally keeping existing partitions in place, creates the requested
//! filesystems, makes the kernel see the result, and reports what is on the disk afterwards.
//!
//! Order of events (`run`, one step a function): layout parsed and checked → disk resolved and
//! safety rules applied → the disk looked at (signatures, kept partitions) → plan placed and
//! checked → consent (--wipe) and mkfs tools checked → [dry run: report] → disk opened
//! exclusively → stale signatures zeroed → table written → kernel refreshed → mkfs → table read
//! back and compared with the plan → report.

mod format;
pub mod ipa;
mod keep;
pub mod layout;
pub mod plan;
pub mod report;
pub mod size;
mod stale;
pub mod types;

use crate::disk::device::BlockDevice;
use crate::disk::mbr_type::MbrType;
use crate::disk::reread::Refresh;
use crate::disk::safety::Refusal;
use crate::disk::signatures::Signature;
use crate::disk::table_kind::TableKind;
use crate::disk::target::Target;
use crate::disk::write_table::{self, DiskId};
use crate::disk::{DiskArgs, open, reread, resolve_target, safety, signatures};
use crate::partition::ipa::{BootMode, IpaFlags};
use crate::partition::keep::Existing;
use crate::partition::layout::Layout;
use crate::partition::plan::{Activity, Geometry, Kept, Plan, Planned};
pub use crate::partition::report::PartitionReport;
use crate::partition::report::{SeenByNumber, Stage, TableReport};
use crate::report::{Context, IronError, Key, Kind, Result};
use crate::sys::blk;
use serde_json::Value;
use std::fs::File;
use std::io::Read;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(flatten)]
    pub disk: DiskArgs,
    /// Layout document (JSON; see --schema), or - to read it from stdin
    #[arg(long, value_name = "FILE|-", conflicts_with_all = ["table", "boot_mode", "root", "swap", "ephemeral", "ephemeral_format", "configdrive"])]
    pub layout: Option<String>,
    /// IPA-style: table type (default gpt for uefi, msdos for bios)
    #[arg(long, value_enum, value_name = "TYPE")]
    pub table: Option<TableKind>,
    /// IPA-style: uefi adds a 550 MiB ESP; bios on gpt adds a 1 MiB BIOS boot partition
    #[arg(long, value_enum, value_name = "MODE")]
    pub boot_mode: Option<BootMode>,
    /// IPA-style: root partition size (a bare number is MiB) or `rest`; placed last
    #[arg(long, value_name = "SIZE|rest")]
    pub root: Option<String>,
    /// IPA-style: swap partition size (formatted with mkswap, label swap1)
    #[arg(long, value_name = "SIZE")]
    pub swap: Option<String>,
    /// IPA-style: ephemeral partition size (formatted ext4, label ephemeral0)
    #[arg(long, value_name = "SIZE")]
    pub ephemeral: Option<String>,
    /// IPA-style: the ephemeral partition's filesystem instead of ext4 (IPA's ephemeral_format)
    #[arg(long, value_name = "FS", requires = "ephemeral")]
    pub ephemeral_format: Option<String>,
    /// IPA-style: config drive partition size (label config-2, left unformatted)
    #[arg(long, value_name = "SIZE")]
    pub configdrive: Option<String>,
    /// Allow replacing an existing partition table or filesystem (its signatures are zeroed)
    #[arg(long)]
    pub wipe: bool,
    /// Keep this existing partition (by GPT label or number) where it is; repeatable
    #[arg(long, value_name = "LABEL|NUMBER")]
    pub keep: Vec<String>,
    /// Validate and print the plan; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Override the busy safety rules (mounted, swap, holders, protected filesystems)
    #[arg(long)]
    pub force: bool,
    /// Print the JSON Schema of the layout document and exit
    #[arg(long, exclusive = true)]
    pub schema: bool,
}

fn read_layout(args: &Args) -> Result<Layout> {
    match args.layout.as_deref() {
        Some(src) => {
            let mut text = String::new();
            if src == "-" {
                std::io::stdin()
                    .read_to_string(&mut text)
                    .ctx(Kind::Io, || "cannot read the layout from stdin".to_string())?;
            } else {
                text = std::fs::read_to_string(src).map_err(|e| {
                    IronError::new(Kind::InvalidInput, format!("cannot read layout file {src}"))
                        .with(Key::Path, src)
                        .caused_by(e)
                })?;
            }
            // Every input-file error names the file (an empty --layout /dev/null said "EOF").
            let shown = if src == "-" { "stdin" } else { src };
            layout::parse(&text).map_err(|mut e| {
                e.message = format!("layout {shown}: {}", e.message);
                e.with(Key::Path, shown)
            })
        }
        None => {
            if args.root.is_none() {
                return Err(IronError::usage(
                    "give --layout FILE|- or the IPA-style flags (--root SIZE|rest, ...)",
                ));
            }
            ipa::layout(&IpaFlags {
                table: args.table,
                boot_mode: args.boot_mode,
                root: args.root.clone(),
                swap: args.swap.clone(),
                ephemeral: args.ephemeral.clone(),
                ephemeral_format: args.ephemeral_format.clone(),
                configdrive: args.configdrive.clone(),
            })
        }
    }
}

/// The layout document's JSON Schema (`--schema`): not a report, printed as it is.
pub fn layout_schema() -> Result<Value> {
    serde_json::from_str(layout::SCHEMA).ctx(Kind::Internal, || {
        "the built-in schema is not JSON".to_string()
    })
}

/// The README's order of events: resolve → look → plan → check → [dry run: report] → write →
/// format → read back → report.
pub fn run(args: &Args) -> Result<PartitionReport> {
    let layout = read_layout(args)?;
    let disk = Disk::resolve(args)?;
    let mut look = Look::read(&disk, &layout, args)?;
    let disk_id = look.disk_id(layout.table);
    let plan = plan::plan(&layout, &disk.geometry, look.kept(), disk_id)?;
    check_consent(args, &disk, &look)?;
    let mkfs = find_mkfs(&plan)?;
    if args.dry_run {
        let seen = report::read_kept(&mut look.file, &disk.device().name, &plan);
        let table = disk.into_report(&plan, &seen, Stage::Planned, args.wipe);
        return Ok(PartitionReport::dry_run(table));
    }
    let refresh = write(args, &disk, &plan, look)?;
    format_new(&mkfs, &refresh, &disk.shown)?;
    let seen = read_back(&disk, &plan)?;
    let selection = args.disk.explain.then(|| disk.target.selection.clone());
    let table = disk.into_report(&plan, &seen, Stage::Written, args.wipe);
    Ok(PartitionReport::written(table, refresh.method, selection))
}

/// The target disk, resolved and cleared by the safety rules.
struct Disk {
    target: Target,
    /// Its path as reports and messages show it.
    shown: String,
    /// Refusals --force overrode.
    overridden: Vec<Refusal>,
    geometry: Geometry,
}

impl Disk {
    fn resolve(args: &Args) -> Result<Disk> {
        let target = resolve_target(&args.disk)?;
        let dev = &target.device;
        let overridden = safety::check(dev, args.force)?;
        Ok(Disk {
            shown: dev.path.display().to_string(),
            geometry: Geometry::new(dev.size, dev.logical_sector_size, dev.optimal_io_size),
            overridden,
            target,
        })
    }

    fn device(&self) -> &BlockDevice {
        &self.target.device
    }

    fn into_report(
        self,
        plan: &Plan,
        seen: &SeenByNumber,
        stage: Stage,
        wipe: bool,
    ) -> TableReport {
        TableReport::new(&self.shown, plan, seen, stage, wipe, self.overridden)
    }
}

/// What is on the disk now, read (read-only) before anything is planned.
struct Look {
    file: File,
    signatures: Vec<Signature>,
    /// With --keep: the existing table and the partitions kept.
    existing: Option<Existing>,
}

impl Look {
    fn read(disk: &Disk, layout: &Layout, args: &Args) -> Result<Look> {
        let dev = disk.device();
        let mut file = open::open_for_read(&dev.path)?;
        let signatures = signatures::probe(&mut file, dev.size, disk.geometry.sector)
            .ctx(Kind::Io, || format!("cannot read {}", disk.shown))?;
        let existing = if args.keep.is_empty() {
            None
        } else {
            let (sector, table) = (disk.geometry.sector, layout.table);
            Some(keep::select(
                &mut file,
                &disk.shown,
                sector,
                table,
                &args.keep,
            )?)
        };
        Ok(Look {
            file,
            signatures,
            existing,
        })
    }

    fn kept(&self) -> &[Kept] {
        self.existing.as_ref().map_or(&[], |e| &e.kept)
    }

    /// The existing identifier with --keep (PARTUUIDs derived from it stay), else a new one.
    fn disk_id(&self, table: TableKind) -> DiskId {
        match &self.existing {
            Some(e) => e.disk_id,
            None => new_disk_id(table),
        }
    }

    fn is_kept(&self, number: u32) -> bool {
        self.kept().iter().any(|k| k.number == number)
    }
}

/// Consent: a disk that carries anything needs --wipe, unless --keep keeps every partition of
/// its table and the table is all there is.
fn check_consent(args: &Args, disk: &Disk, look: &Look) -> Result<()> {
    if args.wipe || look.signatures.is_empty() {
        return Ok(());
    }
    // msdos extended containers are rebuilt, not kept.
    let all_kept = look.existing.as_ref().is_some_and(|e| {
        (e.info.partitions.iter())
            .all(|p| look.is_kept(p.number) || p.type_byte.is_some_and(MbrType::is_extended))
    });
    let only_table = look.signatures.iter().all(|s| s.kind.is_table());
    if all_kept && only_table {
        return Ok(());
    }
    let kinds: Vec<&str> = look.signatures.iter().map(|s| s.kind.as_str()).collect();
    let dropped: Vec<String> = (look.existing.iter())
        .flat_map(|e| &e.info.partitions)
        .filter(|p| !look.is_kept(p.number))
        .map(|p| p.number.to_string())
        .collect();
    let what = if dropped.is_empty() {
        String::new()
    } else {
        format!(" (partitions {} are not kept)", dropped.join(", "))
    };
    let device = &disk.shown;
    let message = format!(
        "{device} already carries {}{what}; pass --wipe to replace it",
        kinds.join(", ")
    );
    Err(IronError::new(Kind::HasSignatures, message)
        .with(Key::Device, device)
        .with(Key::Signatures, &look.signatures))
}

/// One filesystem to make: a new partition and the program that makes it.
struct Mkfs<'a> {
    part: &'a Planned,
    format: &'a str,
    tool: PathBuf,
}

/// Every mkfs tool is found before the disk is opened for writing.
fn find_mkfs(plan: &Plan) -> Result<Vec<Mkfs<'_>>> {
    let creates = plan
        .partitions
        .iter()
        .filter(|p| p.activity == Activity::Create);
    creates
        .filter_map(|part| part.format.as_deref().map(|format| (part, format)))
        .map(|(part, format)| {
            let tool = format::require(format, part.entry.number)?;
            Ok(Mkfs { part, format, tool })
        })
        .collect()
}

/// Writes the new table: the disk opened exclusively (and checked unchanged since it was
/// looked at), stale signatures zeroed, the table written and flushed, the kernel refreshed.
fn write(args: &Args, disk: &Disk, plan: &Plan, look: Look) -> Result<Refresh> {
    let Look {
        file: mut ro,
        existing,
        ..
    } = look;
    let kept = existing.map(|e| e.kept).unwrap_or_default();
    // Old partitions that are not kept: their signatures go with --wipe.
    let old = if args.wipe {
        stale::old_partitions(&mut ro, disk.geometry.sector, &kept)
    } else {
        Vec::new()
    };
    drop(ro);
    crate::interrupt::check()?;
    let dev = disk.device();
    let mut file = open::open_for_write(&dev.path, !args.force)?;
    check_unchanged(&file, disk)?;
    stale::zero(&file, plan, &kept, &old, dev.size)?;
    let table = plan.new_table();
    write_table::write(&mut file, &table)?;
    file.sync_all()
        .ctx(Kind::Io, || format!("cannot flush {}", disk.shown))?;
    // The whole disk is closed on return: mkfs opens partitions exclusively, which an exclusive
    // open of the whole disk prevents.
    reread::refresh(&file, &dev.name, &write_table::kernel_spans(&table))
}

/// The disk opened for writing is the one planned for (same size and sector size).
fn check_unchanged(file: &File, disk: &Disk) -> Result<()> {
    let device = &disk.shown;
    let sector = disk.geometry.sector;
    let size_now = blk::size_bytes(file).ctx(Kind::Io, || format!("cannot size {device}"))?;
    let sector_now = blk::logical_sector_size(file).unwrap_or(sector);
    if size_now != disk.geometry.size || sector_now != sector {
        return Err(IronError::new(
            Kind::Io,
            format!("{device} changed while it was being planned (size or sector size)"),
        )
        .with(Key::Device, device));
    }
    Ok(())
}

/// Makes the new filesystems on the partitions' nodes.
fn format_new(mkfs: &[Mkfs], refresh: &Refresh, device: &str) -> Result<()> {
    for m in mkfs {
        crate::interrupt::check()?;
        let number = m.part.entry.number;
        let node = (refresh.nodes.iter())
            .find(|(n, _)| *n == number)
            .map(|(_, path)| path)
            .ok_or_else(|| {
                IronError::new(
                    Kind::Io,
                    format!("partition {number} of {device} has no node"),
                )
            })?;
        crate::progress::info(&format!("formatting {} as {}", node.display(), m.format));
        format::make(&m.tool, m.format, m.part.fs_label.as_deref(), node)?;
    }
    Ok(())
}

/// Reads the table back and compares it with the plan; returns what the disk shows of each
/// partition (node, filesystem).
fn read_back(disk: &Disk, plan: &Plan) -> Result<SeenByNumber> {
    let device = &disk.shown;
    let dev = disk.device();
    let mut ro = open::open_for_read(&dev.path)?;
    let info = crate::disk::table::read_table(&mut ro, disk.geometry.sector)?.ok_or_else(|| {
        IronError::new(
            Kind::VerificationFailed,
            format!("no partition table reads back from {device}"),
        )
    })?;
    let described = crate::disk::table::describe(&mut ro, &dev.name, &info);
    let as_planned = |p: &Planned| {
        (info.partitions.iter()).any(|e| {
            e.number == p.entry.number && e.start == p.entry.start && e.size == p.entry.size
        })
    };
    if let Some(p) = plan.partitions.iter().find(|p| !as_planned(p)) {
        return Err(IronError::new(
            Kind::VerificationFailed,
            format!(
                "partition {} of {device} does not read back as written",
                p.entry.number
            ),
        )
        .with(Key::Device, device));
    }
    Ok(report::from_described(&described))
}

fn new_disk_id(table: TableKind) -> DiskId {
    match table {
        TableKind::Gpt => DiskId::Gpt(crate::disk::guid::random()),
        TableKind::Msdos => {
            let g = crate::disk::guid::random();
            let id = u32::from_le_bytes([g[0], g[1], g[2], g[3]]);
            DiskId::Mbr(if id == 0 { 1 } else { id })
        }
    }
}
