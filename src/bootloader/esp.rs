//! The EFI system partition of a disk, found in its GPT and read without mounting (the
//! ramdisk's kernel may have no vfat).

use crate::configdrive::fat_read;
use crate::disk::table_kind::TableKind;
use crate::disk::{BlockDevice, guid, slice::Slice, table};
use crate::report::{IronError, Key, Kind, Result};
use serde::Serialize;
use std::collections::BTreeMap;

pub const ESP_TYPE: &str = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";

/// An ESP is small; this bounds what reading its files may hold in memory.
const MAX_ESP_BYTES: u64 = 256 << 20;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Esp {
    pub number: u32,
    pub partuuid: String,
    pub start_lba: u64,
    pub size_lba: u64,
    #[serde(skip)]
    pub partuuid_bytes: [u8; 16],
    #[serde(skip)]
    pub start: u64,
    #[serde(skip)]
    pub size: u64,
}

/// The first ESP in the disk's GPT.
pub fn find(dev: &BlockDevice, f: &mut std::fs::File) -> Result<Esp> {
    let shown = dev.path.display().to_string();
    let ss = dev.logical_sector_size;
    let t = table::require_table(f, ss, &shown)?;
    if t.table != TableKind::Gpt {
        return Err(IronError::new(
            Kind::Unsupported,
            format!("{shown} has an msdos table: UEFI boot entries need a GPT with an ESP"),
        )
        .with(Key::Device, &shown));
    }
    let e = t
        .partitions
        .iter()
        .find(|p| p.type_guid.as_deref() == Some(ESP_TYPE))
        .ok_or_else(|| {
            IronError::new(
                Kind::NotFound,
                format!("{shown} has no EFI system partition (GPT type {ESP_TYPE})"),
            )
            .with(Key::Device, &shown)
        })?;
    let uuid = e.uuid.clone().unwrap_or_default();
    Ok(Esp {
        number: e.number,
        partuuid_bytes: guid::parse(&uuid)
            .ok_or_else(|| IronError::new(Kind::CorruptImage, "the ESP has no unique GUID"))?,
        partuuid: uuid,
        start_lba: e.start / ss as u64,
        size_lba: e.size / ss as u64,
        start: e.start,
        size: e.size,
    })
}

/// Every file on the ESP, by '/'-separated path.
pub fn read_files(f: &mut std::fs::File, esp: &Esp) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut window = Slice::new(f, esp.start, esp.size);
    match fat_read::read_tree(&mut window, 0, MAX_ESP_BYTES) {
        Ok((_, tree)) => Ok(tree.files),
        Err(e) => Err(IronError::new(
            Kind::CorruptImage,
            format!(
                "cannot read the FAT filesystem of the ESP (partition {})",
                esp.number
            ),
        )
        .caused_by(e)),
    }
}
