//! `ironbox configdrive read`: what a booting cloud-init will find, and what is wrong with it.

use super::decode::Fs;
use super::locate::{self, Found};
use super::report::{ConfigdriveReadReport, FoundPartition};
use super::tree::Tree;
use super::{DEFAULT_MAX_SIZE, fat_read, iso_read};
use crate::disk::open;
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::blk;
use serde_json::Value;
use std::os::unix::fs::FileTypeExt;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct ReadArgs {
    /// A disk, a partition, or an image file (whole-disk image or bare ISO/FAT)
    #[arg(value_name = "DISK|IMAGE")]
    pub path: PathBuf,
}

pub fn run(a: &ReadArgs) -> Result<ConfigdriveReadReport> {
    let shown = a.path.display().to_string();
    let mut f = open::open_for_read(&a.path)?;
    let is_block = std::fs::metadata(&a.path).is_ok_and(|m| m.file_type().is_block_device());
    let sectors: Vec<u32> = if is_block {
        vec![blk::logical_sector_size(&f).unwrap_or(512)]
    } else {
        vec![512, 4096]
    };
    let mut found = Vec::new();
    let mut sector = sectors[0];
    for s in sectors {
        sector = s;
        found = locate::candidates(&mut f, s)?;
        if !found.is_empty() {
            break;
        }
    }
    let drive: Found = match found.len() {
        0 => {
            let mut e = IronError::new(
                Kind::NotFound,
                format!("no filesystem labelled config-2 on {shown}"),
            )
            .with(Key::Device, &shown);
            // A GPT the reader refused may be hiding it: say why, so the disk gets looked at.
            if let Some(why) = crate::disk::table::refused_gpt(&mut f, sector) {
                e = e.caused_by(format!("its GPT cannot be used: {why}"));
            }
            return Err(e);
        }
        1 => found.remove(0),
        n => {
            return Err(IronError::new(
                Kind::InvalidLayout,
                format!("{n} filesystems labelled config-2 on {shown}; cloud-init would pick one at random"),
            )
            .with(Key::Device, &shown)
            .with(Key::Candidates, &found));
        }
    };
    let Some(fs) = drive.fs() else {
        return Err(IronError::new(
            Kind::UnsupportedFormat,
            format!(
                "{} is named config-2 but holds {}",
                match drive.number {
                    Some(n) => format!("partition {n} of {shown}"),
                    None => shown.clone(),
                },
                drive.filesystem
            ),
        ));
    };
    // A config drive blkid sees as something else (a stale md superblock beside it) is one
    // cloud-init will not find, whatever its contents.
    super::alone::check(&mut f, drive.start, drive.size, sector, fs, &shown)?;
    let tree = match fs {
        Fs::Iso9660 => iso_read::read_tree(&mut f, drive.start, DEFAULT_MAX_SIZE)?.1,
        Fs::Vfat => fat_read::read_tree(&mut f, drive.start, DEFAULT_MAX_SIZE)?.1,
    };
    let (meta, network, problems) = check(&tree);
    Ok(ConfigdriveReadReport {
        source: shown,
        partition: drive.number.map(|number| FoundPartition {
            number,
            start: drive.start,
            size: drive.size,
        }),
        filesystem: drive.filesystem,
        label: drive.label,
        files: tree.paths(),
        meta_data: meta,
        network_data: network,
        problems,
    })
}

/// Parses what cloud-init parses and lists what would trouble it.
pub fn check(tree: &Tree) -> (Value, Value, Vec<String>) {
    let mut problems = Vec::new();
    for (p, data) in &tree.files {
        if p.ends_with(".json") && serde_json::from_slice::<Value>(data).is_err() {
            problems.push(format!("{p} is not valid JSON"));
        }
    }
    let meta = match tree.meta_data_path() {
        None => {
            problems.push("no openstack/latest/meta_data.json".to_string());
            Value::Null
        }
        Some(p) => {
            let v: Value = serde_json::from_slice(&tree.files[&p]).unwrap_or(Value::Null);
            let has_uuid = v
                .get("uuid")
                .and_then(|u| u.as_str())
                .is_some_and(|s| !s.is_empty());
            if !v.is_null() && !has_uuid {
                problems.push(format!("{p} has no \"uuid\""));
            }
            v
        }
    };
    let net_path = tree
        .meta_data_path()
        .map(|m| m.replace("meta_data.json", "network_data.json"))
        .unwrap_or_default();
    let network = tree
        .files
        .get(&net_path)
        .and_then(|d| serde_json::from_slice::<Value>(d).ok())
        .unwrap_or(Value::Null);
    if let Some(links) = network.get("links").and_then(|l| l.as_array()) {
        for (i, l) in links.iter().enumerate() {
            if l.get("mtu").is_none_or(|m| m.is_null()) {
                let id = l
                    .get("id")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
                    .unwrap_or(i.to_string());
                problems.push(format!("network_data.json: link {id} has no mtu"));
            }
        }
    }
    (meta, network, problems)
}
