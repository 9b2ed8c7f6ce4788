//! Naming the target disk: a path (`/dev/sda`, a `/dev/disk/by-*` link) or `auto` with
//! root-device hints. Shared by every command that writes one disk.

use crate::disk::device::{self, BlockDevice, disk_name_for_path, is_virtual_name};
use crate::disk::hints::{self, Candidate, Hints};
use crate::disk::mounts::MountTable;
use crate::report::{IronError, Key, Kind, Result};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct DiskArgs {
    /// Target disk: a device path, a /dev/disk/by-* link, or `auto` to pick one with --hints
    // Required (clap still checks it); the hidden empty default lets a command's `exclusive`
    // flag such as `partition --schema` run without a disk.
    #[arg(
        long,
        value_name = "DISK",
        required = true,
        default_value = "",
        hide_default_value = true
    )]
    pub disk: String,
    /// Root-device hints as JSON, IPA semantics, e.g. '{"size": ">= 100", "rotational": false}'
    #[arg(long, value_name = "JSON")]
    pub hints: Option<String>,
    /// With --disk auto: choose only among these disks (comma-separated; loop devices allowed)
    #[arg(long, value_name = "DISK,...", value_delimiter = ',')]
    pub candidates: Vec<PathBuf>,
    /// Include in the report why each disk matched the hints or not
    #[arg(long)]
    pub explain: bool,
}

/// The resolved target and, for `auto`, how it was chosen.
#[derive(Debug, Clone)]
pub struct Target {
    pub device: BlockDevice,
    pub selection: Option<Vec<Candidate>>,
}

/// Resolves a path to its whole-disk BlockDevice; partitions and non-block files are errors.
pub fn disk_from_path(path: &Path) -> Result<BlockDevice> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            Kind::NotFound
        } else {
            Kind::Io
        };
        IronError::new(kind, format!("no such device: {shown}"))
            .with(Key::Device, &shown)
            .caused_by(e)
    })?;
    if !meta.file_type().is_block_device() {
        return Err(IronError::new(
            Kind::NotABlockDevice,
            format!("{shown} is not a block device"),
        )
        .with(Key::Device, &shown));
    }
    let (name, part) = disk_name_for_path(path).ok_or_else(|| {
        IronError::new(Kind::NotFound, format!("{shown} is not known to sysfs"))
            .with(Key::Device, &shown)
    })?;
    if let Some(n) = part {
        return Err(IronError::new(
            Kind::InvalidInput,
            format!("{shown} is partition {n} of /dev/{name}; name the whole disk"),
        )
        .with(Key::Device, &shown));
    }
    device::read_disk(&name, &MountTable::read()).ok_or_else(|| {
        IronError::new(Kind::NotFound, format!("{shown} is not a whole disk"))
            .with(Key::Device, &shown)
    })
}

/// The disks `auto` chooses among: the explicit candidates, or every real whole disk.
pub fn auto_candidates(explicit: &[PathBuf]) -> Result<Vec<BlockDevice>> {
    if explicit.is_empty() {
        Ok(device::list_disks()
            .into_iter()
            .filter(|d| !is_virtual_name(&d.name) && d.size > 0)
            .collect())
    } else {
        explicit.iter().map(|p| disk_from_path(p)).collect()
    }
}

pub fn resolve_target(args: &DiskArgs) -> Result<Target> {
    let hints = match &args.hints {
        Some(h) => Hints::parse(h)?,
        None => Hints::default(),
    };
    if args.disk != "auto" {
        if !args.candidates.is_empty() || (args.hints.is_some() && !hints.is_empty()) {
            return Err(IronError::usage(format!(
                "--hints and --candidates go with --disk auto, not with --disk {}",
                args.disk
            )));
        }
        return Ok(Target {
            device: disk_from_path(Path::new(&args.disk))?,
            selection: None,
        });
    }
    let disks = auto_candidates(&args.candidates)?;
    let (chosen, explain) = hints::select(&hints, &disks);
    match chosen {
        Some(d) => Ok(Target {
            device: d.clone(),
            selection: Some(explain),
        }),
        None => Err(IronError::new(
            Kind::NoMatchingDisk,
            if hints.is_empty() {
                "no disk of at least 4 GiB found".to_string()
            } else {
                format!(
                    "no disk matches the hints {}",
                    args.hints.as_deref().unwrap_or("")
                )
            },
        )
        .with(Key::Candidates, &explain)),
    }
}
