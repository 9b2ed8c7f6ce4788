//! `ironbox configdrive write`: decode what Ironic hands the agent, validate it, pick or plan the
//! `config-2` partition, and only then touch the disk.

use super::build::tree_from_json_limited;
use super::decode::{self, Decoded, Fs};
use super::{fat_write, fetch, iso_write, locate, read_image, usage};
use crate::disk::append_partition::{self, AppendPlan};
use crate::disk::{DiskArgs, open, partnodes, reread, resolve_target, safety, signatures};
use crate::fetch::http::Counters;
use crate::fetch::{HttpArgs, http_client};
use crate::progress;
use crate::report::{IronError, Kind, Result};
use crate::sys::blk;
use serde_json::{Value, json};
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Arc;

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

pub fn run(a: &WriteArgs) -> Result<Value> {
    // Bad HTTP flags are bad usage whatever the source, caught before anything else.
    let counters = Arc::new(Counters::default());
    let http = http_client(&a.http, counters.clone())?;
    // 1. The content, decoded and validated before any disk is looked at.
    let (mut decoded, tree, input_label) = match (&a.source, &a.from_json) {
        (None, None) => return Err(usage("give a SOURCE (URL, file or -) or --from-json FILE")),
        (Some(_), Some(_)) => return Err(usage("give either a SOURCE or --from-json, not both")),
        (None, Some(j)) => (None, tree_from_json_limited(j, a.max_size)?, None),
        (Some(src), None) => {
            let d = decode::decode(fetch::open_source(src, &http)?, a.max_size, src)
                .map_err(|e| e.with("source", src))?;
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
            (Some(d), tree, label)
        }
    };
    tree.validate()?;

    // 2. The disk.
    let target = resolve_target(&a.disk)?;
    let dev = target.device;
    let refusals = safety::check(&dev, a.force)?;
    let sector = dev.logical_sector_size.max(512);
    let align = (1u64 << 20).max(dev.optimal_io_size as u64);

    // 3. Which filesystem goes on it, and whether the input has to be rebuilt.
    let input_fs = decoded.as_ref().map(|d| d.fs);
    let mut fs = a.fs.or(input_fs).unwrap_or(Fs::Iso9660);
    if sector > 2048 && fs == Fs::Iso9660 {
        if a.fs == Some(Fs::Iso9660) {
            return Err(usage(format!(
                "{} has {sector}-byte sectors: Linux cannot mount ISO 9660 there; use --fs vfat",
                dev.path.display()
            )));
        }
        fs = Fs::Vfat;
        progress::warn(&format!(
            "{} has {sector}-byte sectors, where Linux cannot mount ISO 9660: writing vfat",
            dev.path.display()
        ));
    }
    let fat_sector_ok = |d: &Decoded| fat_sector_size(&d.image) >= sector;
    let keep_input = decoded
        .as_ref()
        .is_some_and(|d| d.fs == fs && (fs == Fs::Iso9660 || fat_sector_ok(d)));
    let rebuilt_as_vfat = fs == Fs::Vfat && decoded.as_ref().is_some_and(|d| d.fs == Fs::Iso9660);

    // An ISO is built before placement (its size picks the partition's); FAT fills the partition.
    let iso = match (keep_input, fs) {
        (true, _) => None,
        (false, Fs::Iso9660) => Some(iso_write::build(&tree)?),
        (false, Fs::Vfat) => None,
    };
    let fixed_len = if keep_input {
        decoded.as_ref().map(|d| d.image.len() as u64)
    } else {
        iso.as_ref().map(|i| i.len() as u64)
    };
    // The drive as built must be within the limit too, before any partition is made for it.
    if let Some(n) = fixed_len.filter(|n| *n > a.max_size) {
        return Err(fetch::too_large(a.max_size).with("image_size", n));
    }

    // 4. Placement, read-only.
    let mut rf = open::open_for_read(&dev.path)?;
    let placement = place(
        &mut rf,
        &dev.name,
        sector,
        a.size.max(fixed_len.unwrap_or(0)),
        align,
    )?;
    drop(rf);
    let source_format = decoded
        .as_ref()
        .map(|d| d.format.clone())
        .unwrap_or_else(|| "json".into());
    let image: Vec<u8> = if keep_input {
        decoded.take().expect("input").image // moved, not copied: it may be 64 MiB
    } else if let Some(i) = iso {
        i
    } else {
        let vol = placement
            .size
            .min(a.size.max(tree.total_bytes() * 2 + (4 << 20)))
            .min(fat_write::MAX_VOLUME);
        fat_write::build(&tree, vol, sector)?.prefix
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
        .with("device", dev.path.display().to_string()));
    }
    let label = match (keep_input, fs) {
        (true, _) => input_label.clone().unwrap_or_default(),
        (false, Fs::Iso9660) => iso_write::VOLUME_ID.to_string(),
        (false, Fs::Vfat) => fat_write::LABEL.to_string(),
    };
    let mut report = json!({
        "disk": dev.path.display().to_string(),
        "partition": {
            "node": Value::Null,
            "number": placement.number,
            "start": placement.start,
            "size": placement.size,
            "uuid": placement.uuid,
        },
        "created": placement.create.is_some(),
        "filesystem": fs.as_str(),
        "label": label,
        "bytes_written": 0,
        "source_format": source_format,
        "rebuilt_as_vfat": rebuilt_as_vfat,
        "files": tree.paths(),
        // What fetching a URL source took (0 for files and stdin), as image-write reports.
        "retries": counters.retries.load(std::sync::atomic::Ordering::Relaxed),
        "resumes": counters.resumes.load(std::sync::atomic::Ordering::Relaxed),
    });
    if !refusals.is_empty() {
        report["overridden_refusals"] = json!(refusals);
    }
    if let Some(p) = &placement.create {
        report["plan"] = json!(p);
    }
    if a.dry_run {
        report["dry_run"] = json!(true);
        report["partition"]["node"] = json!(
            partnodes::partition_node(&dev.name, placement.number).map(|p| p.display().to_string())
        );
        return Ok(report);
    }

    // 5. Write: the table (if needed), tell the kernel, then the filesystem.
    let mut f = open::open_for_write(&dev.path, !a.force)?;
    let mut uuid = placement.uuid.clone();
    if let Some(p) = &placement.create {
        uuid = Some(append_partition::apply(&mut f, p)?);
    }
    let spans = append_partition::kernel_spans(&mut f, sector)?;
    let refresh = reread::refresh(&f, &dev.name, &spans)?;
    let node = refresh
        .nodes
        .iter()
        .find(|(n, _)| *n == placement.number)
        .map(|(_, p)| p.display().to_string());
    // Clear whatever an earlier layout left in this byte range (md superblocks at the end, LVM,
    // ZFS labels, old superblocks) before the new filesystem goes in, then zero at least the
    // first MiB so nothing survives under it either.
    let wiped = signatures::wipe_stale(&f, placement.start, placement.size).map_err(|e| {
        IronError::io(
            "cannot clear old signatures in the config drive partition",
            e,
        )
    })?;
    let span = (image.len() as u64).max(1 << 20).min(placement.size);
    let written = write_region(&mut f, placement.start, &image, span)?;
    let _ = blk::flush_buffers(&f);

    // 6. Read back what cloud-init will read.
    let (_, back) = match fs {
        Fs::Iso9660 => super::iso_read::read_tree(&mut f, placement.start, a.max_size)
            .map(|(v, t)| (Some(v.volume_id), t))?,
        Fs::Vfat => super::fat_read::read_tree(&mut f, placement.start, a.max_size)?,
    };
    if back != tree {
        return Err(IronError::new(
            Kind::VerificationFailed,
            "the config drive read back differs from what was written",
        )
        .with("device", dev.path.display().to_string()));
    }
    // 7. And what blkid will see: that filesystem alone.
    let shown = dev.path.display().to_string();
    super::alone::check(&mut f, placement.start, placement.size, sector, fs, &shown)?;
    report["partition"]["node"] = json!(node);
    report["partition"]["uuid"] = json!(uuid);
    report["bytes_written"] = json!(written);
    report["bytes_wiped"] = json!(wiped);
    report["refresh"] = json!(refresh.method);
    Ok(report)
}

/// Bytes per sector of a FAT image (512 when unreadable).
fn fat_sector_size(image: &[u8]) -> u32 {
    if image.len() >= 13 {
        u16::from_le_bytes([image[11], image[12]]) as u32
    } else {
        512
    }
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
        .with("device", format!("/dev/{disk}")));
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
    let plan = append_partition::plan(f, sector, size, align, locate::LABEL, 0x83)?;
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
    f.write_all(image).map_err(err)?;
    let zeros = vec![0u8; 1 << 16];
    let mut left = span.saturating_sub(image.len() as u64);
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        f.write_all(&zeros[..n]).map_err(err)?;
        left -= n as u64;
    }
    f.sync_all().map_err(err)?;
    Ok(span.max(image.len() as u64))
}
