//! `ironbox partition`: writes a GPT or MBR partition table from a JSON layout (`--layout`) or
//! IPA-style flags, optionally keeping existing partitions in place, creates the requested
//! filesystems, makes the kernel see the result, and reports what is on the disk afterwards.
//!
//! Order of events: layout parsed and checked → disk resolved and safety rules applied → the disk
//! read (signatures, kept partitions) → plan placed and checked → [dry run stops here] → disk
//! opened exclusively → stale signatures zeroed → table written → kernel refreshed → mkfs →
//! table read back and compared with the plan → report.

mod format;
pub mod ipa;
mod keep;
pub mod layout;
pub mod plan;
mod report;
pub mod size;
pub mod types;

use crate::disk::write_table::{self, DiskId};
use crate::disk::{DiskArgs, open, reread, resolve_target, safety, signatures};
use crate::partition::ipa::{BootMode, IpaFlags};
use crate::partition::layout::{Layout, TableKind};
use crate::partition::plan::{Activity, Geometry, Kept};
use crate::report::{Context, IronError, Kind, Result};
use crate::sys::blk;
use serde_json::Value;
use std::io::Read;
use std::os::unix::fs::FileExt;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(flatten)]
    pub disk: DiskArgs,
    /// Layout document (JSON; see --schema), or - to read it from stdin
    #[arg(long, value_name = "FILE|-", conflicts_with_all = ["table", "boot_mode", "root", "swap", "ephemeral", "configdrive"])]
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
                        .with("path", src)
                        .caused_by(e)
                })?;
            }
            // Every input-file error names the file (an empty --layout /dev/null said "EOF").
            let shown = if src == "-" { "stdin" } else { src };
            layout::parse(&text).map_err(|mut e| {
                e.message = format!("layout {shown}: {}", e.message);
                e.with("path", shown)
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
                configdrive: args.configdrive.clone(),
            })
        }
    }
}

/// Signature kinds that are only a partition table (replaceable under `--keep`).
const TABLE_SIGNATURES: &[&str] = &["gpt", "gpt_backup", "PMBR", "dos"];

pub fn run(args: &Args) -> Result<Value> {
    if args.schema {
        return serde_json::from_str(layout::SCHEMA).ctx(Kind::Internal, || {
            "the built-in schema is not JSON".to_string()
        });
    }
    let layout = read_layout(args)?;
    let target = resolve_target(&args.disk)?;
    let dev = &target.device;
    let device = dev.path.display().to_string();
    let overridden = safety::check(dev, args.force)?;
    let sector = dev.logical_sector_size;
    let geo = Geometry::new(dev.size, sector, dev.optimal_io_size);

    // Look (read-only) at what is on the disk now.
    let mut ro = open::open_for_read(&dev.path)?;
    let found = signatures::probe(&mut ro, dev.size, sector)
        .ctx(Kind::Io, || format!("cannot read {device}"))?;
    let existing = if args.keep.is_empty() {
        None
    } else {
        Some(keep::select(
            &mut ro,
            &device,
            sector,
            layout.table,
            &args.keep,
        )?)
    };
    let kept: Vec<Kept> = existing
        .as_ref()
        .map(|e| e.kept.clone())
        .unwrap_or_default();
    let disk_id = match &existing {
        Some(e) => e.disk_id,
        None => new_disk_id(layout.table),
    };
    let plan = plan::plan(&layout, &geo, &kept, disk_id)?;

    // Consent: a disk that carries anything needs --wipe, unless --keep keeps every partition
    // of its table and the table is all there is.
    if !args.wipe && !found.is_empty() {
        let all_kept = existing.as_ref().is_some_and(|e| {
            e.info.partitions.iter().all(|p| {
                kept.iter().any(|k| k.number == p.number)
                    || p.type_byte
                        .as_deref()
                        .is_some_and(|b| b == "0x05" || b == "0x0f" || b == "0x85")
            })
        });
        let only_table = found.iter().all(|s| TABLE_SIGNATURES.contains(&s.kind));
        if !(all_kept && only_table) {
            let kinds: Vec<&str> = found.iter().map(|s| s.kind).collect();
            let dropped: Vec<String> = existing
                .iter()
                .flat_map(|e| &e.info.partitions)
                .filter(|p| kept.iter().all(|k| k.number != p.number))
                .map(|p| p.number.to_string())
                .collect();
            let what = if dropped.is_empty() {
                String::new()
            } else {
                format!(" (partitions {} are not kept)", dropped.join(", "))
            };
            return Err(IronError::new(
                Kind::HasSignatures,
                format!(
                    "{device} already carries {}{what}; pass --wipe to replace it",
                    kinds.join(", ")
                ),
            )
            .with("device", &device)
            .with("signatures", &found));
        }
    }
    // Every mkfs tool is found before the disk is opened for writing.
    let mut tools = Vec::new();
    for p in plan
        .partitions
        .iter()
        .filter(|p| p.activity == Activity::Create)
    {
        if let Some(f) = &p.format {
            tools.push((p.entry.number, format::require(f, p.entry.number)?));
        }
    }

    if args.dry_run {
        let fs = report::read_kept(&mut ro, &dev.name, &plan);
        return Ok(report::build(
            &device,
            &plan,
            None,
            &fs,
            true,
            args,
            &overridden,
        ));
    }
    // Old partitions that are not kept: their signatures go with --wipe.
    let old_spans: Vec<(u64, u64)> = if args.wipe {
        crate::disk::table::read_table(&mut ro, sector)
            .ok()
            .flatten()
            .map(|t| {
                t.partitions
                    .iter()
                    .filter(|p| kept.iter().all(|k| k.number != p.number))
                    .map(|p| (p.start, p.size))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    drop(ro);

    crate::interrupt::check()?;
    let mut file = open::open_for_write(&dev.path, !args.force)?;
    let size_now = blk::size_bytes(&file).ctx(Kind::Io, || format!("cannot size {device}"))?;
    let sector_now = blk::logical_sector_size(&file).unwrap_or(sector);
    if size_now != dev.size || sector_now != sector {
        return Err(IronError::new(
            Kind::Io,
            format!("{device} changed while it was being planned (size or sector size)"),
        )
        .with("device", &device));
    }
    zero_stale(&file, &plan, &kept, &old_spans, dev.size)?;
    let table = plan.new_table();
    write_table::write(&mut file, &table)?;
    file.sync_all()
        .ctx(Kind::Io, || format!("cannot flush {device}"))?;
    let refresh = reread::refresh(&file, &dev.name, &write_table::kernel_spans(&table))?;
    // mkfs opens partitions exclusively, which an exclusive open of the whole disk prevents.
    drop(file);
    for (number, tool) in &tools {
        crate::interrupt::check()?;
        let p = plan
            .partitions
            .iter()
            .find(|p| p.entry.number == *number)
            .expect("planned");
        let node = refresh
            .nodes
            .iter()
            .find(|(n, _)| n == number)
            .map(|(_, path)| path.clone())
            .ok_or_else(|| {
                IronError::new(
                    Kind::Io,
                    format!("partition {number} of {device} has no node"),
                )
            })?;
        crate::progress::info(&format!(
            "formatting {} as {}",
            node.display(),
            p.format.as_deref().unwrap_or("")
        ));
        format::make(
            tool,
            p.format.as_deref().unwrap_or(""),
            p.fs_label.as_deref(),
            &node,
        )?;
    }
    // Read back what is really on the disk and compare with the plan.
    let mut ro = open::open_for_read(&dev.path)?;
    let info = crate::disk::table::read_table(&mut ro, sector)?.ok_or_else(|| {
        IronError::new(
            Kind::VerificationFailed,
            format!("no partition table reads back from {device}"),
        )
    })?;
    let described = crate::disk::table::describe(&mut ro, &dev.name, &info);
    for p in &plan.partitions {
        let ok = info.partitions.iter().any(|e| {
            e.number == p.entry.number && e.start == p.entry.start && e.size == p.entry.size
        });
        if !ok {
            return Err(IronError::new(
                Kind::VerificationFailed,
                format!(
                    "partition {} of {device} does not read back as written",
                    p.entry.number
                ),
            )
            .with("device", &device));
        }
    }
    let mut doc = report::build(
        &device,
        &plan,
        Some(refresh.method.as_str()),
        &report::from_described(&described),
        false,
        args,
        &overridden,
    );
    if args.disk.explain {
        doc["selection"] = serde_json::json!(target.selection);
    }
    Ok(doc)
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

/// Zeroes what could make old data look alive: the first and last MiB of the disk (old tables,
/// boot code, whole-disk filesystems), of every new partition (so blkid sees only what we
/// create) and of every old partition not kept (with --wipe). Kept partitions are never touched.
fn zero_stale(
    file: &std::fs::File,
    plan: &plan::Plan,
    kept: &[Kept],
    old: &[(u64, u64)],
    disk_size: u64,
) -> Result<()> {
    for (a, b) in stale_ranges(plan, kept, old, disk_size) {
        zero_range(file, a, b - a)?;
    }
    Ok(())
}

/// The byte ranges `zero_stale` clears, kept partitions cut out.
fn stale_ranges(
    plan: &plan::Plan,
    kept: &[Kept],
    old: &[(u64, u64)],
    disk_size: u64,
) -> Vec<(u64, u64)> {
    const EDGE: u64 = 1 << 20;
    let mut ranges: Vec<(u64, u64)> = vec![
        (0, EDGE.min(disk_size)),
        (disk_size.saturating_sub(EDGE), disk_size),
    ];
    let creates = plan.partitions.iter().filter(|p| {
        p.activity == Activity::Create
            && !matches!(p.entry.etype, write_table::EntryType::Byte(b) if write_table::is_extended(b))
    });
    for (start, size) in creates
        .map(|p| (p.entry.start, p.entry.size))
        .chain(old.iter().copied())
    {
        // An old table may be garbage (past the end, overflowing): its edges are clamped below.
        let end = start.saturating_add(size);
        let n = EDGE.min(size);
        ranges.push((start, start.saturating_add(n)));
        ranges.push((end - n, end));
    }
    let mut out = Vec::new();
    // Only what lies on the disk is zeroed: an old partition past the end has nothing to clear
    // there (and writing past the end is ENOSPC, leaving the disk half-wiped).
    let ranges = ranges
        .into_iter()
        .map(|(s, e)| (s.min(disk_size), e.min(disk_size)))
        .filter(|(s, e)| e > s);
    for (s, e) in ranges {
        let mut pieces = vec![(s, e)];
        for k in kept {
            let (ks, ke) = (k.start, k.start + k.size);
            pieces = pieces
                .into_iter()
                .flat_map(|(a, b)| {
                    if b <= ks || ke <= a {
                        vec![(a, b)]
                    } else {
                        [(a, ks), (ke, b)]
                            .into_iter()
                            .filter(|(x, y)| y > x)
                            .collect()
                    }
                })
                .collect();
        }
        out.extend(pieces);
    }
    out
}

fn zero_range(file: &std::fs::File, start: u64, len: u64) -> Result<()> {
    if len == 0 {
        return Ok(());
    }
    if blk::zeroout(file, start, len).is_ok() {
        return Ok(());
    }
    let buf = vec![0u8; len.min(1 << 20) as usize];
    let mut at = start;
    while at < start + len {
        let n = (start + len - at).min(buf.len() as u64) as usize;
        file.write_all_at(&buf[..n], at).ctx(Kind::Io, || {
            format!("cannot zero bytes {at}..{}", at + n as u64)
        })?;
        at += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::write_table::EntryType;

    #[test]
    fn stale_ranges_never_touch_kept_partitions() {
        const M: u64 = 1 << 20;
        let l = layout::parse(r#"{"table": "gpt", "partitions": [{"size": "rest"}]}"#).unwrap();
        let kept = Kept {
            number: 2,
            start: M / 2,
            size: 10 * M,
            etype: EntryType::Guid([9; 16]),
            label: None,
            uuid: Some([7; 16]),
            attributes: 0,
            bootable: false,
        };
        let p = plan::plan(
            &l,
            &Geometry::new(100 * M, 512, 0),
            std::slice::from_ref(&kept),
            DiskId::Gpt([1; 16]),
        )
        .unwrap();
        // An old partition that overlapped the kept one is cleared only outside it.
        let ranges = stale_ranges(&p, &[kept], &[(0, 20 * M)], 100 * M);
        for (a, b) in &ranges {
            assert!(
                *b <= M / 2 || *a >= 10 * M + M / 2,
                "{a}..{b} touches the kept partition"
            );
        }
        assert!(ranges.contains(&(0, M / 2)), "{ranges:?}");
        assert!(ranges.contains(&(99 * M, 100 * M)), "{ranges:?}");
    }

    #[test]
    fn stale_ranges_of_a_garbage_old_table_stay_on_the_disk() {
        const M: u64 = 1 << 20;
        let l = layout::parse(r#"{"table": "gpt", "partitions": [{"size": "rest"}]}"#).unwrap();
        let p = plan::plan(
            &l,
            &Geometry::new(64 * M, 512, 0),
            &[],
            DiskId::Gpt([1; 16]),
        )
        .unwrap();
        // Past the end, straddling the end, overflowing u64.
        let old = [(80 * M, 20 * M), (60 * M, 20 * M), (u64::MAX - M, 4 * M)];
        let ranges = stale_ranges(&p, &[], &old, 64 * M);
        for (a, b) in &ranges {
            assert!(a < b && *b <= 64 * M, "{a}..{b} is not on the disk");
        }
        assert!(ranges.contains(&(60 * M, 61 * M)), "{ranges:?}");
        assert!(ranges.contains(&(0, M)) && ranges.contains(&(63 * M, 64 * M)));
    }
}
