//! Reading partition tables (GPT through the bounded reader in gpt.rs, MBR with logical partitions through mbrman),
//! describing them for reports, and moving a short GPT's backup to the true end of the disk
//! (what `sgdisk -e` does) after an image smaller than the disk was written.

use crate::disk::mbr_type::MbrType;
use crate::disk::slice::Slice;
use crate::disk::table_kind::TableKind;
use crate::disk::{fsid, gpt, guid, mbr, partnodes};
use crate::report::{IronError, Key, Kind, Result};
use serde::Serialize;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TableEntry {
    pub number: u32,
    /// Bytes.
    pub start: u64,
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_guid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_byte: Option<MbrType>,
    pub label: Option<String>,
    /// PARTUUID: the GPT unique GUID, or `<disk id>-<NN>` on MBR as the kernel reports it.
    pub uuid: Option<String>,
    pub bootable: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TableInfo {
    pub table: TableKind,
    pub sector_size: u32,
    /// GPT disk GUID, or the MBR disk identifier as `0x%08x` (IPA's `root_uuid` for whole disks).
    pub disk_id: String,
    pub partitions: Vec<TableEntry>,
}

/// Whether sector 0 holds an MBR with a protective (0xEE) entry: a GPT disk, whether or not its
/// GPT is readable with the sector size at hand.
pub fn has_protective_mbr<R: Read + Seek>(f: &mut R) -> bool {
    let mut mbr = [0u8; 512];
    f.seek(SeekFrom::Start(0)).is_ok()
        && f.read_exact(&mut mbr).is_ok()
        && mbr[510..512] == [0x55, 0xaa]
        && (0..4).any(|i| MbrType(mbr[446 + i * 16 + 4]).is_protective())
}

/// Reads the table on `f` with the device's logical sector size; Ok(None) when there is none.
pub fn read_table<R: Read + Seek>(f: &mut R, sector: u32) -> Result<Option<TableInfo>> {
    match read_gpt(f, sector) {
        Some(t) => Ok(Some(t)),
        None => read_mbr(f, sector),
    }
}

/// The table on `f` for a command that needs one. None there is `not_found`; a GPT that is
/// there but refused (a previous tenant's damaged or hostile table) is `invalid_layout` naming
/// why, never "no partition table": the SRE reading it must look at the disk, not at the layout.
pub fn require_table<R: Read + Seek>(f: &mut R, sector: u32, shown: &str) -> Result<TableInfo> {
    if let Some(t) = read_table(f, sector)? {
        return Ok(t);
    }
    Err(match refused_gpt(f, sector) {
        Some(why) => IronError::new(
            Kind::InvalidLayout,
            format!("{shown} has a GPT that cannot be used: {why}"),
        ),
        None => IronError::new(Kind::NotFound, format!("{shown} has no partition table")),
    }
    .with(Key::Device, shown))
}

/// Why the GPT on `f` is refused by the bounded reader, when there is one (a signature in the
/// primary or backup header) and neither copy is sound.
pub fn refused_gpt<R: Read + Seek>(f: &mut R, sector: u32) -> Option<String> {
    gpt::read(f, sector).err().map(|r| r.0)
}

/// The table an image just written carries: as `read_table`, but a GPT counts only when its
/// primary header (LBA 1) is valid. A lone backup header at the end of the disk is what a
/// previous table left behind, not part of the image, and must never be "repaired" into it.
pub fn read_image_table<R: Read + Seek>(f: &mut R, sector: u32) -> Result<Option<TableInfo>> {
    if has_primary_gpt(f, sector)
        && let Some(t) = read_gpt(f, sector)
    {
        return Ok(Some(t));
    }
    read_mbr(f, sector)
}

/// Why the msdos table at LBA 0 is refused by the bounded reader (an entry past the disk, at
/// LBA 0, a looping EBR chain), when LBA 0 ends in 55 AA and is not a filesystem's boot sector
/// (FAT, NTFS, exFAT also end so). For a whole-disk image such a table is the image's fault:
/// read_image_table counts it as no table, which would leave it on the disk unchecked.
pub fn refused_mbr<R: Read + Seek>(f: &mut R, sector: u32) -> Option<String> {
    let mut b0 = [0u8; 512];
    f.seek(SeekFrom::Start(0)).ok()?;
    f.read_exact(&mut b0).ok()?;
    let boot_sector = &b0[3..11] == b"NTFS    "
        || &b0[3..11] == b"EXFAT   "
        || &b0[54..57] == b"FAT"
        || &b0[82..87] == b"FAT32";
    if b0[510..512] != [0x55, 0xaa] || boot_sector {
        return None;
    }
    mbr::read(f, sector).err().map(|r| r.0)
}

/// Whether LBA 1 holds a valid GPT header (signature, revision, size and CRC).
pub fn has_primary_gpt<R: Read + Seek>(f: &mut R, sector: u32) -> bool {
    gpt::has_primary(f, sector)
}

/// A GPT, from its primary header or, failing that, its backup (the bounded reader in gpt.rs).
/// A table it refuses counts as none here, as the kernel's parser would ignore it.
fn read_gpt<R: Read + Seek>(f: &mut R, sector: u32) -> Option<TableInfo> {
    let ss = sector as u64;
    let g = gpt::read(f, sector).ok()??;
    let partitions = g
        .entries
        .iter()
        .map(|e| TableEntry {
            number: e.number,
            start: e.first_lba * ss,
            size: (e.last_lba + 1 - e.first_lba) * ss,
            type_guid: Some(guid::to_string(&e.type_guid)),
            type_byte: None,
            label: Some(e.name.clone()).filter(|s| !s.is_empty()),
            uuid: Some(guid::to_string(&e.unique_guid).to_lowercase()),
            bootable: e.attributes & (1 << 2) != 0,
        })
        .collect();
    Some(TableInfo {
        table: TableKind::Gpt,
        sector_size: sector,
        disk_id: guid::to_string(&g.header.disk_guid).to_lowercase(),
        partitions,
    })
}

fn read_mbr<R: Read + Seek>(f: &mut R, sector: u32) -> Result<Option<TableInfo>> {
    let ss = sector as u64;
    // Refused entries (past the disk, at LBA 0, a looping EBR chain) count as no table, as for
    // a FAT boot sector, which also ends in 55 AA.
    let Ok(Some(m)) = mbr::read(f, sector) else {
        return Ok(None);
    };
    if m.entries.is_empty() {
        return Ok(None);
    }
    // A protective (or hybrid) MBR says "this is a GPT disk": when no GPT could be read with
    // this sector size, the disk has no table we can interpret, and its 0xEE entry is never a
    // partition (reporting it as one, or adding entries beside it, makes a hybrid MBR).
    if m.entries.iter().any(|e| e.sys.is_protective()) {
        return Ok(None);
    }
    let sig = m.disk_signature;
    let partitions = m
        .entries
        .iter()
        .map(|e| TableEntry {
            number: e.number,
            start: e.first_lba * ss,
            size: e.sectors * ss,
            type_guid: None,
            type_byte: Some(e.sys),
            label: None,
            uuid: Some(format!("{sig:08x}-{:02x}", e.number)),
            bootable: e.bootable,
        })
        .collect();
    Ok(Some(TableInfo {
        table: TableKind::Msdos,
        sector_size: sector,
        disk_id: format!("0x{sig:08x}"),
        partitions,
    }))
}

/// If the GPT's backup header is not in the last sector (an image smaller than the disk),
/// rewrites both headers so that the backup sits at the true end and the usable range covers
/// the whole disk. Returns whether it moved anything. Only an image's own GPT (a valid primary
/// header) is touched: never one rebuilt from a stale backup header.
pub fn relocate_backup_gpt(f: &mut File, sector: u32) -> Result<bool> {
    let ss = sector as u64;
    if !has_primary_gpt(f, sector) {
        return Ok(false);
    }
    let mut gpt = gpt::for_rewrite(f, sector).map_err(|e| {
        IronError::new(Kind::CorruptImage, "the image's GPT cannot be extended").caused_by(e)
    })?;
    let len = f
        .seek(SeekFrom::End(0))
        .map_err(|e| IronError::io("cannot size the disk", e))?;
    let last = len / ss - 1;
    if gpt.header.backup_lba == last {
        return Ok(false);
    }
    let old_backup = gpt.header.backup_lba;
    gpt.header.update_from(f, ss).map_err(|e| {
        IronError::new(Kind::Io, "cannot extend the GPT to the end of the disk").caused_by(e)
    })?;
    gpt.write_into(f)
        .map_err(|e| IronError::new(Kind::Io, "cannot rewrite the GPT").caused_by(e))?;
    // The stale backup header now lies in free space: clear it so no tool finds two tables.
    if old_backup < last && old_backup > 1 {
        let _ = f
            .seek(SeekFrom::Start(old_backup * ss))
            .and_then(|_| f.write_all(&vec![0u8; ss as usize]));
    }
    f.sync_all()
        .map_err(|e| IronError::io("cannot flush the disk", e))?;
    Ok(true)
}

/// One partition as reports show it: table entry plus node and filesystem identity.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PartitionReport {
    #[serde(flatten)]
    pub entry: TableEntry,
    pub node: Option<String>,
    pub fs_type: Option<String>,
    pub fs_uuid: Option<String>,
    pub fs_label: Option<String>,
}

/// Describes every partition of `table` on disk `disk_name` (file `f`): node through sysfs,
/// filesystem read straight from the disk at the partition's offset (no node needed).
pub fn describe(f: &mut File, disk_name: &str, table: &TableInfo) -> Vec<PartitionReport> {
    table
        .partitions
        .iter()
        .map(|e| {
            let mut window = Slice::new(f, e.start, e.size);
            // An extended container holds EBRs, not a filesystem: whatever its gaps still carry
            // from an earlier layout is not its identity.
            let id = if e.type_byte.is_some_and(MbrType::is_extended) {
                None
            } else {
                fsid::identify(&mut window)
            };
            PartitionReport {
                node: partnodes::partition_node(disk_name, e.number)
                    .map(|p| p.display().to_string()),
                fs_type: id.as_ref().map(|i| i.fs_type.clone()),
                fs_uuid: id.as_ref().and_then(|i| i.uuid.clone()),
                fs_label: id.and_then(|i| i.label),
                entry: e.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// Sector 0 of a GPT disk: one 0xEE entry from LBA 1 to the end.
    fn protective_mbr(disk: &mut [u8], sectors: u32) {
        let e = &mut disk[446..462];
        e[4] = MbrType::PROTECTIVE.0;
        e[8..12].copy_from_slice(&1u32.to_le_bytes());
        e[12..16].copy_from_slice(&(sectors - 1).to_le_bytes());
        disk[510] = 0x55;
        disk[511] = 0xaa;
    }

    /// Slot `slot` of the boot record at `lba`: type, start (relative), length in sectors.
    fn put(disk: &mut [u8], lba: usize, slot: usize, ty: u8, first: u32, count: u32) {
        let at = lba * 512;
        let e = &mut disk[at + 446 + 16 * slot..at + 462 + 16 * slot];
        e[4] = ty;
        e[8..12].copy_from_slice(&first.to_le_bytes());
        e[12..16].copy_from_slice(&count.to_le_bytes());
        disk[at + 510..at + 512].copy_from_slice(&[0x55, 0xaa]);
    }

    #[test]
    fn no_extended_container_is_described_as_a_filesystem() {
        // Every Linux container type, with a stale ext4 superblock left in the gap after its
        // EBR by an earlier layout: the container is not that filesystem (0x85 used to be).
        for ty in [0x05, 0x0f, 0x85] {
            let mut disk = vec![0u8; 8 << 20];
            put(&mut disk, 0, 0, ty, 2048, 8192);
            put(&mut disk, 2048, 0, 0x83, 2048, 2048);
            disk[2048 * 512 + 1024 + 56..][..2].copy_from_slice(&[0x53, 0xef]);
            let mut f = tempfile::tempfile().unwrap();
            f.write_all(&disk).unwrap();
            let t = read_table(&mut f, 512).unwrap().unwrap();
            let d = describe(&mut f, "ironbox-no-such-disk", &t);
            let got: Vec<_> = d
                .iter()
                .map(|p| (p.entry.number, p.fs_type.clone()))
                .collect();
            assert_eq!(got, [(1, None), (5, None)], "{ty:#04x}");
            let json = serde_json::to_value(&d[0]).unwrap();
            assert_eq!(json["type_byte"], format!("0x{ty:02x}"));
        }
    }

    #[test]
    fn a_protective_entry_without_a_readable_gpt_is_no_table() {
        let mut disk = vec![0u8; 4 << 20];
        protective_mbr(&mut disk, (4 << 20) / 512);
        assert!(has_protective_mbr(&mut Cursor::new(&disk)));
        for sector in [512, 4096] {
            let t = read_table(&mut Cursor::new(&disk), sector).unwrap();
            assert!(t.is_none(), "{sector}: {t:?}");
        }
    }
}
