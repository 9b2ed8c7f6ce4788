//! `ironbox configdrive build`: a config drive image from Ironic's dict, a directory or files.

use super::decode::Fs;
use super::report::ConfigdriveBuildReport;
use super::tree::Tree;
use super::{fat_write, iso_write, usage};
use crate::report::{IronError, Key, Kind, Result};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct BuildArgs {
    /// Ironic's dict: {"meta_data": {...}, "user_data": "..." or {...}, "network_data": {...}, "vendor_data": {...}}
    #[arg(long, value_name = "FILE", group = "input")]
    pub from_json: Option<PathBuf>,
    /// A directory holding the drive's tree (openstack/latest/meta_data.json, ...)
    #[arg(long, value_name = "DIR", group = "input")]
    pub from_dir: Option<PathBuf>,
    /// meta_data.json (must have "uuid")
    #[arg(long, value_name = "FILE", group = "input")]
    pub meta_data: Option<PathBuf>,
    #[arg(long, value_name = "FILE", requires = "meta_data")]
    pub user_data: Option<PathBuf>,
    #[arg(long, value_name = "FILE", requires = "meta_data")]
    pub network_data: Option<PathBuf>,
    /// Written as vendor_data2.json
    #[arg(long, value_name = "FILE", requires = "meta_data")]
    pub vendor_data: Option<PathBuf>,
    /// Filesystem of the image
    #[arg(long, value_enum, default_value = "iso9660")]
    pub fs: Fs,
    /// vfat only: volume size (default 16M)
    #[arg(long, value_name = "SIZE", value_parser = super::parse_size)]
    pub size: Option<u64>,
    /// vfat only: sector size of the disk it is meant for (512 or 4096)
    #[arg(long, value_name = "BYTES", default_value_t = 512)]
    pub sector_size: u32,
    /// Output file, or - for stdout
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: String,
}

fn read_file(p: &PathBuf) -> Result<Vec<u8>> {
    std::fs::read(p).map_err(|e| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            Kind::NotFound
        } else {
            Kind::Io
        };
        IronError::new(kind, format!("cannot read {}", p.display()))
            .with(Key::Path, p.display().to_string())
            .caused_by(e)
    })
}

/// Loads Ironic's dict from a file (`-` for stdin).
pub fn tree_from_json_file(p: &PathBuf) -> Result<Tree> {
    tree_from_json_limited(p, u64::MAX)
}

/// As `tree_from_json_file`, refusing (`configdrive_too_large`) a drive of more than `limit`
/// bytes before building anything: a file or stdin is read at most 2 × `limit` + 1 MiB far
/// (base64 and JSON escaping), and the files of the tree must add up to `limit` at most.
pub fn tree_from_json_limited(p: &PathBuf, limit: u64) -> Result<Tree> {
    let cap = limit.saturating_mul(2).saturating_add(1 << 20);
    let bytes = if p.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(std::io::stdin(), cap + 1), &mut b)
            .map_err(|e| IronError::io("cannot read stdin", e))?;
        b
    } else {
        if std::fs::metadata(p).is_ok_and(|m| m.len() > cap) {
            return Err(super::fetch::too_large(limit).with(Key::Path, p.display().to_string()));
        }
        read_file(p)?
    };
    tree_from_json_bytes(bytes, limit, &p.display().to_string())
}

/// The same for bytes already read (at most twice `limit` plus 1 MiB); `input` names them.
pub fn tree_from_json_bytes(bytes: Vec<u8>, limit: u64, input: &str) -> Result<Tree> {
    let cap = limit.saturating_mul(2).saturating_add(1 << 20);
    if bytes.len() as u64 > cap {
        return Err(super::fetch::too_large(limit).with(Key::Path, input));
    }
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| {
        IronError::invalid(format!("{input} is not valid JSON"))
            .with(Key::Path, input)
            .caused_by(e)
    })?;
    drop(bytes);
    // user_data goes under every version directory: refuse it before those copies are made.
    let user = doc
        .get("user_data")
        .and_then(Value::as_str)
        .map_or(0, str::len) as u64;
    if user.saturating_mul(super::tree::VERSIONS.len() as u64) > limit {
        return Err(super::fetch::too_large(limit)
            .with(Key::Path, input)
            .with(Key::UserDataBytes, user));
    }
    let tree = Tree::from_ironic_json(&doc)?;
    drop(doc);
    if tree.total_bytes() > limit {
        return Err(super::fetch::too_large(limit)
            .with(Key::Path, input)
            .with(Key::FilesBytes, tree.total_bytes()));
    }
    Ok(tree)
}

fn json_file(p: &PathBuf) -> Result<Vec<u8>> {
    let b = read_file(p)?;
    serde_json::from_slice::<Value>(&b).map_err(|e| {
        IronError::invalid(format!("{} is not valid JSON", p.display()))
            .with(Key::Path, p.display().to_string())
            .caused_by(e)
    })?;
    Ok(b)
}

pub fn run(a: &BuildArgs) -> Result<ConfigdriveBuildReport> {
    let tree = if let Some(p) = &a.from_json {
        tree_from_json_file(p)?
    } else if let Some(d) = &a.from_dir {
        Tree::from_dir(d)?
    } else if let Some(m) = &a.meta_data {
        Tree::from_parts(
            json_file(m)?,
            a.user_data.as_ref().map(read_file).transpose()?,
            a.network_data.as_ref().map(json_file).transpose()?,
            a.vendor_data.as_ref().map(json_file).transpose()?,
        )?
    } else {
        return Err(usage("give one of --from-json, --from-dir or --meta-data"));
    };
    tree.validate()?;
    let (bytes, size, label) = match a.fs {
        Fs::Iso9660 => {
            let img = iso_write::build(&tree)?;
            let n = img.len() as u64;
            (img, n, iso_write::VOLUME_ID)
        }
        Fs::Vfat => {
            let want = a
                .size
                .unwrap_or((16 << 20).max(tree.total_bytes() * 2 + (4 << 20)));
            let img = fat_write::build(&tree, want, a.sector_size)?;
            (img.prefix, img.size, fat_write::LABEL)
        }
    };
    write_output(&a.output, &bytes, size)?;
    Ok(ConfigdriveBuildReport {
        output: a.output.clone(),
        filesystem: a.fs,
        label,
        size,
        files: tree.paths(),
    })
}

/// Writes `bytes` then zeros up to `size` (a sparse tail for files).
fn write_output(out: &str, bytes: &[u8], size: u64) -> Result<()> {
    let err =
        |e: std::io::Error| IronError::io(format!("cannot write {out}"), e).with(Key::Output, out);
    if out == "-" {
        let mut w = std::io::stdout().lock();
        w.write_all(bytes).map_err(err)?;
        let zeros = vec![0u8; 1 << 16];
        let mut left = size - bytes.len() as u64;
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            w.write_all(&zeros[..n]).map_err(err)?;
            left -= n as u64;
        }
        w.flush().map_err(err)?;
        drop(w);
        // stdout carried the image: the JSON report goes to stderr instead.
        crate::sys::stdio::redirect_stdout_to_stderr();
        return Ok(());
    }
    let mut f = std::fs::File::create(out).map_err(err)?;
    f.write_all(bytes).map_err(err)?;
    f.set_len(size).map_err(err)?;
    f.sync_all().map_err(err)
}
