//! `ironbox configdrive write`: decode what Ironic hands the agent, validate it, pick or plan the
//! `config-2` partition, and only then touch the disk.

use super::build::tree_from_json_limited;
use super::decode::{self, Decoded, Fs};
use super::report::{ConfigdriveWriteReport, PartitionReport};
use super::tree::Tree;
use super::{fat_write, fetch, iso_write, locate, read_image, usage};
use crate::disk::append_partition::{self, AppendPlan};
use crate::disk::mbr_type::MbrType;
use crate::disk::reread::RefreshMethod;
use crate::disk::{
    BlockDevice, DiskArgs, open, partnodes, reread, resolve_target, safety, signatures,
};
use crate::fetch::http::{Counters, Http};
use crate::fetch::{HttpArgs, http_client};
use crate::le;
use crate::progress::{self, Phase, Progress};
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::blk;
use serde_json::Value;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

#[derive(clap::Args, Debug, Clone)]
pub struct WriteArgs {
    #[command(flatten)]
    pub disk: DiskArgs,
    /// URL (http/https), file or - (stdin): base64 text, gzip or a raw ISO 9660/FAT image, in any
    /// of Ironic's layerings (usually base64 of gzip of an ISO)
    #[arg(value_name = "SOURCE", conflicts_with = "from_json")]
    pub source: Option<String>,
    /// Build the drive from Ironic's dict instead of taking an image
    #[arg(long, value_name = "FILE")]
    pub from_json: Option<PathBuf>,
    /// Filesystem to write (default: the image's own; iso9660 when building; vfat on disks
    /// with sectors larger than 2048 bytes, where Linux cannot mount ISO 9660)
    #[arg(long, value_enum)]
    pub fs: Option<Fs>,
    /// Size of a new config-2 partition
    #[arg(long, value_name = "SIZE", value_parser = super::parse_size, default_value = "64M")]
    pub size: u64,
    /// Largest decoded config drive accepted (IPA's limit is 64 MiB)
    #[arg(long, value_name = "SIZE", value_parser = super::parse_size, default_value = "64M")]
    pub max_size: u64,
    /// Validate and plan, open nothing for writing, print the plan
    #[arg(long)]
    pub dry_run: bool,
    /// Write even when the disk looks busy (mounted, held)
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub http: HttpArgs,
}

/// Where the drive goes.
struct Placement {
    number: u32,
    start: u64,
    size: u64,
    uuid: Option<String>,
    create: Option<AppendPlan>,
}

/// The content, decoded and validated before any disk is looked at.
struct Content {
    /// The input image (None with --from-json).
    decoded: Option<Decoded>,
    tree: Tree,
    /// The input's own volume label.
    label: Option<String>,
}

fn resolve_content(a: &WriteArgs, http: &Http) -> Result<Content> {
    let src = match (&a.source, &a.from_json) {
        (None, None) => return Err(usage("give a SOURCE (URL, file or -) or --from-json FILE")),
        (Some(_), Some(_)) => return Err(usage("give either a SOURCE or --from-json, not both")),
        (None, Some(j)) => {
            let tree = tree_from_json_limited(j, a.max_size)?;
            tree.validate()?;
            return Ok(Content {
                decoded: None,
                tree,
                label: None,
            });
        }
        (Some(src), None) => src,
    };
    let d = decode::decode(fetch::open_source(src, http)?, a.max_size, src)
        .map_err(|e| e.with(Key::Source, src))?;
    // A broken filesystem in the input is bad input (exit 2), not a failed operation.
    let (label, tree) = read_image(&d.image, d.fs, a.max_size).map_err(|mut e| {
        if e.kind == Kind::CorruptImage {
            e.kind = Kind::InvalidInput;
        }
        e
    })?;
    if !label
        .as_deref()
        .is_some_and(|l| l.eq_ignore_ascii_case(locate::LABEL))
    {
        return Err(IronError::invalid(format!(
            "the {} image is labelled {:?}; cloud-init only looks for config-2",
            d.fs.as_str(),
            label.unwrap_or_default()
        )));
    }
    tree.validate()?;
    Ok(Content {
        decoded: Some(d),
        tree,
        label,
    })
}

/// Which filesystem goes on the disk: --fs, else the input's, else ISO 9660; vfat where the
/// sectors are too large for Linux to mount ISO 9660.
fn choose_fs(a: &WriteArgs, dev: &BlockDevice, input_fs: Option<Fs>, sector: u32) -> Result<Fs> {
    let fs = a.fs.or(input_fs).unwrap_or(Fs::Iso9660);
    if sector <= 2048 || fs != Fs::Iso9660 {
        return Ok(fs);
    }
    if a.fs == Some(Fs::Iso9660) {
        return Err(usage(format!(
            "{} has {sector}-byte sectors: Linux cannot mount ISO 9660 there; use --fs vfat",
            dev.path.display()
        )));
    }
    progress::warn(&format!(
        "{} has {sector}-byte sectors, where Linux cannot mount ISO 9660: writing vfat",
        dev.path.display()
    ));
    Ok(Fs::Vfat)
}

/// The drive as it will be written: filesystem, bytes, label and place.
struct Drive {
    fs: Fs,
    image: Vec<u8>,
    label: String,
    placement: Placement,
    source_format: String,
    rebuilt_as_vfat: bool,
}

/// Plan: the filesystem, the image (kept, or rebuilt from the tree) and its partition, all
/// read-only.
fn plan_drive(a: &WriteArgs, dev: &BlockDevice, content: &mut Content) -> Result<Drive> {
    let sector = dev.logical_sector_size.max(512);
    let align = (1u64 << 20).max(dev.optimal_io_size as u64);
    let fs = choose_fs(a, dev, content.decoded.as_ref().map(|d| d.fs), sector)?;
    let keep_input = content
        .decoded
        .as_ref()
        .is_some_and(|d| d.fs == fs && (fs == Fs::Iso9660 || fat_sector_size(&d.image) >= sector));
    let rebuilt_as_vfat = fs == Fs::Vfat
        && content
            .decoded
            .as_ref()
            .is_some_and(|d| d.fs == Fs::Iso9660);
    // An ISO is built before placement (its size picks the partition's); FAT fills the partition.
    let iso = match (keep_input, fs) {
        (false, Fs::Iso9660) => Some(iso_write::build(&content.tree)?),
        _ => None,
    };
    let fixed_len = match (keep_input, &iso) {
        (true, _) => content.decoded.as_ref().map(|d| d.image.len() as u64),
        (false, i) => i.as_ref().map(|i| i.len() as u64),
    };
    // The drive as built must be within the limit too, before any partition is made for it.
    if let Some(n) = fixed_len.filter(|n| *n > a.max_size) {
        return Err(fetch::too_large(a.max_size).with(Key::ImageSize, n));
    }
    let mut rf = open::open_for_read(&dev.path)?;
    let want = a.size.max(fixed_len.unwrap_or(0));
    let placement = place(&mut rf, &dev.name, sector, want, align)?;
    drop(rf);
    let source_format = content
        .decoded
        .as_ref()
        .map(|d| d.format.clone())
        .unwrap_or_else(|| "json".into());
    let (image, label) = match (keep_input, iso) {
        // Moved, not copied: it may be 64 MiB.
        (true, _) => (
            content.decoded.take().expect("input").image,
            content.label.clone().unwrap_or_default(),
        ),
        (false, Some(i)) => (i, iso_write::VOLUME_ID.to_string()),
        (false, None) => {
            let tree = &content.tree;
            let vol = placement
                .size
                .min(a.size.max(tree.total_bytes() * 2 + (4 << 20)))
                .min(fat_write::MAX_VOLUME);
            let fat = fat_write::build(tree, vol, sector)?.prefix;
            (fat, fat_write::LABEL.to_string())
        }
    };
    if image.len() as u64 > placement.size {
        return Err(IronError::new(
            Kind::NoSpace,
            format!(
                "the {} byte config drive does not fit partition {} ({} bytes)",
                image.len(),
                placement.number,
                placement.size
            ),
        )
        .with(Key::Device, dev.path.display().to_string()));
    }
    Ok(Drive {
        fs,
        image,
        label,
        placement,
        source_format,
        rebuilt_as_vfat,
    })
}

pub fn run(a: &WriteArgs) -> Result<ConfigdriveWriteReport> {
    // Bad HTTP flags are bad usage whatever the source, caught before anything else.
    let counters = Arc::new(Counters::default());
    let http = http_client(&a.http, counters.clone())?;
    let mut content = resolve_content(a, &http)?;
    let dev = resolve_target(&a.disk)?.device;
    let refusals = safety::check(&dev, a.force)?;
    let drive = plan_drive(a, &dev, &mut content)?;
    let p = &drive.placement;
    let mut report = ConfigdriveWriteReport {
        disk: dev.path.display().to_string(),
        partition: PartitionReport {
            node: None,
            number: p.number,
            start: p.start,
            size: p.size,
            uuid: p.uuid.clone(),
        },
        created: p.create.is_some(),
        filesystem: drive.fs,
        label: drive.label.clone(),
        bytes_written: 0,
        source_format: drive.source_format.clone(),
        rebuilt_as_vfat: drive.rebuilt_as_vfat,
        files: content.tree.paths(),
        retries: counters.retries.load(Ordering::Relaxed),
        resumes: counters.resumes.load(Ordering::Relaxed),
        overridden_refusals: (!refusals.is_empty()).then(|| json_of(&refusals)),
        plan: p.create.as_ref().map(json_of),
        dry_run: None,
        bytes_wiped: None,
        refresh: None,
    };
    if a.dry_run {
        report.dry_run = Some(true);
        report.partition.node =
            partnodes::partition_node(&dev.name, p.number).map(|p| p.display().to_string());
        return Ok(report);
    }
    let done = write_drive(a, &dev, &drive, &content.tree)?;
    report.partition.node = done.node;
    report.partition.uuid = done.uuid;
    report.bytes_written = done.bytes_written;
    report.bytes_wiped = Some(done.bytes_wiped);
    report.refresh = Some(done.refresh);
    Ok(report)
}

fn json_of(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// What writing left for the report.
struct Written {
    node: Option<String>,
    uuid: Option<String>,
    bytes_written: u64,
    bytes_wiped: u64,
    refresh: RefreshMethod,
}

/// Act: the table (if needed), tell the kernel, then the filesystem; then read back what
/// cloud-init and blkid will see.
fn write_drive(a: &WriteArgs, dev: &BlockDevice, drive: &Drive, tree: &Tree) -> Result<Written> {
    let p = &drive.placement;
    let sector = dev.logical_sector_size.max(512);
    let mut f = open::open_for_write(&dev.path, !a.force)?;
    let mut uuid = p.uuid.clone();
    if let Some(plan) = &p.create {
        uuid = Some(append_partition::apply(&mut f, plan)?);
    }
    let spans = append_partition::kernel_spans(&mut f, sector)?;
    let refresh = reread::refresh(&f, &dev.name, &spans)?;
    let node = refresh
        .nodes
        .iter()
        .find(|(n, _)| *n == p.number)
        .map(|(_, p)| p.display().to_string());
    // Clear whatever an earlier layout left in this byte range (md superblocks at the end, LVM,
    // ZFS labels, old superblocks) before the new filesystem goes in, then zero at least the
    // first MiB so nothing survives under it either.
    let wiped = signatures::wipe_stale(&f, p.start, p.size).map_err(|e| {
        IronError::io(
            "cannot clear old signatures in the config drive partition",
            e,
        )
    })?;
    let span = (drive.image.len() as u64).max(1 << 20).min(p.size);
    let written = write_region(&mut f, p.start, &drive.image, span)?;
    let _ = blk::flush_buffers(&f);
    read_back(a, dev, drive, tree, &mut f)?;
    Ok(Written {
        node,
        uuid,
        bytes_written: written,
        bytes_wiped: wiped,
        refresh: refresh.method,
    })
}

/// What cloud-init will read must be the tree written, and blkid must see that filesystem
/// alone.
fn read_back(
    a: &WriteArgs,
    dev: &BlockDevice,
    drive: &Drive,
    tree: &Tree,
    f: &mut File,
) -> Result<()> {
    let p = &drive.placement;
    let back = match drive.fs {
        Fs::Iso9660 => super::iso_read::read_tree(f, p.start, a.max_size)?.1,
        Fs::Vfat => super::fat_read::read_tree(f, p.start, a.max_size)?.1,
    };
    if &back != tree {
        return Err(IronError::new(
            Kind::VerificationFailed,
            "the config drive read back differs from what was written",
        )
        .with(Key::Device, dev.path.display().to_string()));
    }
    let sector = dev.logical_sector_size.max(512);
    let shown = dev.path.display().to_string();
    super::alone::check(f, p.start, p.size, sector, drive.fs, &shown)
}

/// Bytes per sector of a FAT image (512 when unreadable).
fn fat_sector_size(image: &[u8]) -> u32 {
    le::u16(image, 11).map_or(512, u32::from)
}

fn place(f: &mut File, disk: &str, sector: u32, size: u64, align: u64) -> Result<Placement> {
    let found = locate::candidates(f, sector)?;
    let parts: Vec<_> = found.iter().filter(|c| c.number.is_some()).collect();
    if parts.len() > 1 {
        return Err(IronError::new(
            Kind::InvalidLayout,
            format!(
                "{} partitions are labelled config-2 ({}); cloud-init would pick one at random",
                parts.len(),
                parts
                    .iter()
                    .map(|p| p.number.unwrap().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .with(Key::Device, format!("/dev/{disk}")));
    }
    if found.iter().any(|c| c.number.is_none()) {
        return Err(IronError::new(
            Kind::InvalidLayout,
            format!(
                "/dev/{disk} holds a config drive on the whole device, with no partition table"
            ),
        ));
    }
    if let Some(p) = parts.first() {
        let info = crate::disk::table::read_table(f, sector)?.expect("a partition was found");
        let uuid = info
            .partitions
            .iter()
            .find(|e| Some(e.number) == p.number)
            .and_then(|e| e.uuid.clone());
        return Ok(Placement {
            number: p.number.unwrap(),
            start: p.start,
            size: p.size,
            uuid,
            create: None,
        });
    }
    let new = append_partition::NewPartition {
        size,
        align,
        name: locate::LABEL,
        mbr_type: MbrType::LINUX,
    };
    let plan = append_partition::plan(f, sector, &new)?;
    Ok(Placement {
        number: plan.number,
        start: plan.start,
        size: plan.size,
        uuid: None,
        create: Some(plan),
    })
}

/// Writes `image` at `start`, then zeros up to `span` bytes. Returns the bytes written.
fn write_region(f: &mut File, start: u64, image: &[u8], span: u64) -> Result<u64> {
    let err = |e: std::io::Error| IronError::io("cannot write the config drive", e);
    f.seek(SeekFrom::Start(start)).map_err(err)?;
    let progress = Progress::new(Phase::Write, Some(span.max(image.len() as u64)));
    for piece in image.chunks(1 << 20) {
        f.write_all(piece).map_err(err)?;
        progress.inc(piece.len() as u64);
    }
    let zeros = vec![0u8; 1 << 16];
    let mut left = span.saturating_sub(image.len() as u64);
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        f.write_all(&zeros[..n]).map_err(err)?;
        progress.inc(n as u64);
        left -= n as u64;
    }
    f.sync_all().map_err(err)?;
    progress.finish();
    Ok(span.max(image.len() as u64))
}
