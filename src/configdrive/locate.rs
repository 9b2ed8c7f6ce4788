//! Finding a config drive the way cloud-init does: a filesystem labelled `config-2` (any case),
//! on a partition of a disk, a partition node, the whole device, or an image file.

use super::decode::{self, Fs};
use crate::disk::mbr_type::MbrType;
use crate::disk::slice::Slice;
use crate::disk::{fsid, table};
use crate::report::Result;
use serde::Serialize;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

pub const LABEL: &str = "config-2";

#[derive(Debug, Clone, Serialize)]
pub struct Found {
    /// None: the whole device or file is the drive.
    pub number: Option<u32>,
    pub start: u64,
    pub size: u64,
    pub filesystem: String,
    pub label: Option<String>,
    /// GPT partition name.
    pub name: Option<String>,
}

impl Found {
    pub fn fs(&self) -> Option<Fs> {
        match self.filesystem.as_str() {
            "iso9660" => Some(Fs::Iso9660),
            "vfat" => Some(Fs::Vfat),
            _ => None,
        }
    }
}

fn is_label(s: Option<&str>) -> bool {
    s.is_some_and(|l| l.eq_ignore_ascii_case(LABEL))
}

/// Identifies the filesystem at `start`; the label of a FAT volume comes from its root
/// directory when present (as blkid does), else the boot sector.
pub fn probe(f: &mut File, start: u64, len: u64) -> Option<(String, Option<String>)> {
    let id = fsid::identify(&mut Slice::new(f, start, len))?;
    let mut label = id.label.clone();
    if id.fs_type == "vfat"
        && let Ok(Some(l)) = super::fat_read::volume_label(&mut Slice::new(f, start, len), 0)
    {
        label = Some(l);
    }
    Some((id.fs_type, label))
}

/// Every config-2 candidate on `f`: partitions labelled (filesystem label or GPT name)
/// `config-2`, or the whole device when it holds such a filesystem itself.
pub fn candidates(f: &mut File, sector: u32) -> Result<Vec<Found>> {
    let len = f.seek(SeekFrom::End(0)).unwrap_or(0);
    let mut head = vec![0u8; 0x8800.min(len as usize)];
    let _ = f
        .seek(SeekFrom::Start(0))
        .and_then(|_| f.read_exact(&mut head));
    if decode::sniff(&head).is_some()
        && let Some((fs, label)) = probe(f, 0, len)
    {
        return Ok(if is_label(label.as_deref()) {
            vec![Found {
                number: None,
                start: 0,
                size: len,
                filesystem: fs,
                label,
                name: None,
            }]
        } else {
            Vec::new()
        });
    }
    let Some(info) = table::read_table(f, sector)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for e in &info.partitions {
        if e.type_byte.is_some_and(MbrType::is_extended) {
            continue;
        }
        let probed = probe(f, e.start, e.size);
        let (fs, label) = probed.unwrap_or_default();
        if is_label(label.as_deref()) || is_label(e.label.as_deref()) {
            out.push(Found {
                number: Some(e.number),
                start: e.start,
                size: e.size,
                filesystem: if fs.is_empty() { "unknown".into() } else { fs },
                label,
                name: e.label.clone(),
            });
        }
    }
    Ok(out)
}
