//! Adding one partition at the end of the disk (after the last one), on GPT or MBR, planned read-only first so that a
//! dry run shows it and a disk without room is never touched. Used by `configdrive write`;
//! general enough for any "put a small partition at the end" need.
//!
//! GPT: the new partition must end before the backup GPT at the disk's true end (an image
//! written to a bigger disk leaves it short; `table::relocate_backup_gpt` moves it first).
//! MBR: a free primary slot outside the extended partition, else a logical partition inside the
//! extended one; everything below 2^32 sectors (2 TiB with 512-byte sectors).

use crate::disk::align::{align_down, align_up};
use crate::disk::mbr_type::MbrType;
use crate::disk::table_kind::TableKind;
use crate::disk::{gpt, guid, mbr, mbr_entry, table};
use crate::report::{IronError, Key, Kind, Result};
use serde::Serialize;
use std::fs::File;
use std::io::{Seek, SeekFrom};

/// Linux filesystem data, what `sgdisk -n` uses by default (and IPA for its config-2 partition).
pub const LINUX_DATA: &str = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AppendPlan {
    pub table: TableKind,
    pub number: u32,
    /// Bytes from the start of the disk.
    pub start: u64,
    pub size: u64,
    pub logical: bool,
    /// GPT: the backup GPT is short of the disk's end and is moved first.
    pub relocate_backup_gpt: bool,
    /// MBR logical: the sector of its extended boot record.
    #[serde(skip)]
    ebr: u64,
    #[serde(skip)]
    sector: u32,
    #[serde(skip)]
    name: String,
    #[serde(skip)]
    mbr_type: MbrType,
}

fn extended(mbr: &mbrman::MBR) -> Option<&mbrman::MBRPartitionEntry> {
    mbr.header
        .iter()
        .map(|(_, e)| e)
        .find(|e| e.is_used() && MbrType(e.sys).is_extended())
}

fn no_space(msg: String, need: u64) -> IronError {
    IronError::new(Kind::NoSpace, msg).with(Key::NeededBytes, need)
}

/// The partition to add: `size` bytes (rounded up to whole sectors) named `name` (GPT) with MBR
/// type `mbr_type`, aligned to `align` bytes.
pub struct NewPartition<'a> {
    pub size: u64,
    pub align: u64,
    pub name: &'a str,
    pub mbr_type: MbrType,
}

/// The request in sectors of the disk.
struct Geometry {
    /// Bytes per sector.
    sector_bytes: u64,
    disk_sectors: u64,
    /// The alignment in sectors, at least one.
    align: u64,
    /// The partition's size in sectors, a whole number of alignment units.
    want: u64,
    /// What was asked for in bytes, for the error when even the GPT has no free entry.
    asked_bytes: u64,
}

impl Geometry {
    fn want_bytes(&self) -> u64 {
        self.want * self.sector_bytes
    }
}

/// Where a plan puts the partition, in sectors.
struct Slot {
    number: u32,
    start: u64,
    logical: bool,
    /// MBR logical: the sector of its extended boot record.
    ebr: u64,
}

/// Plans `new` at the end of the disk, reading only; a disk without room is refused here.
pub fn plan(f: &mut File, sector: u32, new: &NewPartition) -> Result<AppendPlan> {
    let ss = sector as u64;
    let disk_bytes = f
        .seek(SeekFrom::End(0))
        .map_err(|e| IronError::io("cannot size the disk", e))?;
    let align = (new.align / ss).max(1);
    let want = align_up(new.size.div_ceil(ss), align).ok_or_else(|| {
        no_space(
            format!("a {} byte partition cannot be aligned", new.size),
            new.size,
        )
    })?;
    let geo = Geometry {
        sector_bytes: ss,
        disk_sectors: disk_bytes / ss,
        align,
        want,
        asked_bytes: new.size,
    };
    let Some(info) = table::read_table(f, sector)? else {
        return Err(no_table(f, sector));
    };
    let (slot, relocate) = if info.table == TableKind::Gpt {
        plan_gpt(f, sector, &geo)?
    } else {
        (plan_mbr(f, sector, &geo)?, false)
    };
    Ok(AppendPlan {
        table: info.table,
        number: slot.number,
        start: slot.start * ss,
        size: geo.want_bytes(),
        logical: slot.logical,
        relocate_backup_gpt: relocate,
        ebr: slot.ebr,
        sector,
        name: new.name.to_string(),
        mbr_type: new.mbr_type,
    })
}

fn no_table(f: &mut File, sector: u32) -> IronError {
    if let Some(why) = table::refused_gpt(f, sector) {
        return IronError::new(
            Kind::InvalidLayout,
            format!("the disk's GPT cannot be used ({why}): refusing to add a partition"),
        );
    }
    // Never an MBR entry beside a protective one: that would be a hybrid MBR.
    let msg = if table::has_protective_mbr(f) {
        format!(
            "the disk has a protective MBR but no GPT readable with its {sector}-byte sectors (a table written for another sector size?): refusing to add a partition"
        )
    } else {
        "the disk has no partition table (GPT or MBR) to add a partition to".to_string()
    };
    IronError::new(Kind::InvalidLayout, msg)
}

/// gptman's copy of the disk's GPT, to add an entry to; a table it cannot be trusted with (entries
/// other than 128 bytes, a copy our reader refused) is `invalid_layout` naming why.
fn rewritable_gpt(f: &mut File, sector: u32) -> Result<gptman::GPT> {
    gpt::for_rewrite(f, sector).map_err(|e| {
        IronError::new(Kind::InvalidLayout, "cannot rewrite the disk's GPT").caused_by(e)
    })
}

/// GPT: the first free entry, at the end of the usable area; and whether the backup GPT is
/// short of the disk's end (then it is moved first).
fn plan_gpt(f: &mut File, sector: u32, geo: &Geometry) -> Result<(Slot, bool)> {
    let (ss, want) = (geo.sector_bytes, geo.want);
    let gpt = rewritable_gpt(f, sector)?;
    let array = (gpt.header.number_of_partition_entries as u64
        * gpt.header.size_of_partition_entry as u64)
        .div_ceil(ss);
    let last_usable = geo.disk_sectors - 2 - array;
    let relocate = gpt.header.backup_lba != geo.disk_sectors - 1;
    let number = gpt
        .iter()
        .find(|(_, e)| e.is_unused())
        .map(|(n, _)| n)
        .ok_or_else(|| no_space("every GPT entry is in use".into(), geo.asked_bytes))?;
    let after = gpt
        .iter()
        .filter(|(_, e)| e.is_used())
        .map(|(_, e)| e.ending_lba + 1)
        .max()
        .unwrap_or(0)
        .max(gpt.header.first_usable_lba);
    // At the very end, as IPA does: the space between the last partition and the config
    // drive stays free for the root partition to grow into.
    let start = align_down((last_usable + 1).saturating_sub(want), geo.align);
    if last_usable + 1 < want || start < after {
        return Err(no_space(
            format!(
                "no room for a {} byte partition between the last partition (ends at byte {}) and the end of the disk (byte {})",
                want * ss,
                after * ss,
                (last_usable + 1) * ss
            ),
            want * ss,
        ));
    }
    let slot = Slot {
        number,
        start,
        logical: false,
        ebr: 0,
    };
    Ok((slot, relocate))
}

/// Where the used entries of an MBR table end (sector 1 when none is used).
fn used_end<'a>(entries: impl Iterator<Item = &'a mbrman::MBRPartitionEntry>) -> u64 {
    entries
        .filter(|e| e.is_used())
        .map(|e| e.starting_lba as u64 + e.sectors as u64)
        .max()
        .unwrap_or(1)
}

/// MBR: a free primary slot at the end of the disk, else a logical partition at the end of the
/// extended one.
fn plan_mbr(f: &mut File, sector: u32, geo: &Geometry) -> Result<Slot> {
    let mbr = mbr::for_rewrite(f, sector)
        .map_err(|e| IronError::new(Kind::InvalidLayout, "cannot read the MBR").caused_by(e))?;
    let limit = geo.disk_sectors.min(1u64 << 32); // MBR addresses 32-bit sector numbers
    let free_slot = mbr
        .header
        .iter()
        .find(|(_, e)| e.is_unused())
        .map(|(n, _)| n as u32);
    if let Some(slot) = free_slot.and_then(|n| plan_primary(&mbr, n, limit, geo)) {
        return Ok(slot);
    }
    if let Some(slot) = extended(&mbr).and_then(|ext| plan_logical(&mbr, ext, limit, geo)) {
        return Ok(slot);
    }
    Err(no_space(
        if free_slot.is_none() && extended(&mbr).is_none() {
            "all four primary MBR slots are in use and there is no extended partition".into()
        } else {
            format!(
                "no room for a {} byte partition after the last MBR partition (below 2 TiB)",
                geo.want_bytes()
            )
        },
        geo.want_bytes(),
    ))
}

/// Primary slot `number` at the end of the addressable disk, if it fits after the others.
fn plan_primary(mbr: &mbrman::MBR, number: u32, limit: u64, geo: &Geometry) -> Option<Slot> {
    let primary_end = used_end(mbr.header.iter().map(|(_, e)| e));
    let start = align_down(limit.saturating_sub(geo.want), geo.align);
    let fits = limit >= geo.want && start >= primary_end.max(geo.align);
    fits.then_some(Slot {
        number,
        start,
        logical: false,
        ebr: 0,
    })
}

/// A logical partition at the end of the extended one, if it fits after the others.
fn plan_logical(
    mbr: &mbrman::MBR,
    ext: &mbrman::MBRPartitionEntry,
    limit: u64,
    geo: &Geometry,
) -> Option<Slot> {
    let ext_start = ext.starting_lba as u64;
    let ext_end = ext_start + ext.sectors as u64;
    // At the end of the extended partition. The first EBR sits at the start of the extended
    // partition; a later one one alignment unit before its partition.
    let end = ext_end.min(limit);
    let start = align_down(end.saturating_sub(geo.want), geo.align);
    let used = || {
        mbr.logical_partitions
            .iter()
            .filter(|l| l.partition.is_used())
    };
    // An EBR without a partition (sfdisk writes one for an empty extended partition) counts
    // as no logical partition: ours takes its place.
    let ebr = if used().next().is_none() {
        ext_start
    } else {
        start.saturating_sub(geo.align)
    };
    let logical_end = used_end(mbr.logical_partitions.iter().map(|l| &l.partition));
    let fits = end >= geo.want && ebr >= logical_end.max(ext_start) && start > ebr;
    fits.then(|| Slot {
        number: 5 + used().count() as u32,
        start,
        logical: true,
        ebr,
    })
}

/// The new partition in sectors.
struct Extent {
    start: u64,
    sectors: u64,
}

/// Carries out a plan made on the same disk. Returns the new partition's PARTUUID.
pub fn apply(f: &mut File, plan: &AppendPlan) -> Result<String> {
    let ss = plan.sector as u64;
    let extent = Extent {
        start: plan.start / ss,
        sectors: plan.size / ss,
    };
    if plan.table == TableKind::Gpt {
        return apply_gpt(f, plan, &extent);
    }
    // MBR entries are written by hand: 16 bytes in the MBR or an EBR. (mbrman 0.6 computes EBR
    // offsets in u32 bytes, which overflows beyond 4 GiB.)
    let mbr = mbr::for_rewrite(f, plan.sector)
        .map_err(|e| IronError::new(Kind::InvalidLayout, "cannot read the MBR").caused_by(e))?;
    if plan.logical {
        apply_logical(f, plan, &extent, &mbr)?;
    } else {
        let off = 446 + 16 * (plan.number as u64 - 1);
        let e = mbr_entry::encode(
            plan.mbr_type,
            false,
            extent.start,
            extent.sectors,
            extent.start,
        )?;
        write_at(f, off, &e)?;
    }
    f.sync_all()
        .map_err(|e| IronError::io("cannot flush the disk", e))?;
    Ok(format!(
        "{:08x}-{:02x}",
        u32::from_le_bytes(mbr.header.disk_signature),
        plan.number
    ))
}

fn apply_gpt(f: &mut File, plan: &AppendPlan, extent: &Extent) -> Result<String> {
    let (start, sectors) = (extent.start, extent.sectors);
    if plan.relocate_backup_gpt {
        table::relocate_backup_gpt(f, plan.sector)?;
    }
    let mut gpt = rewritable_gpt(f, plan.sector)?;
    if start + sectors - 1 > gpt.header.last_usable_lba || gpt[plan.number].is_used() {
        return Err(IronError::new(
            Kind::Internal,
            "the GPT changed since the plan was made",
        ));
    }
    let uuid = guid::random();
    gpt[plan.number] = gptman::GPTPartitionEntry {
        partition_type_guid: guid::parse(LINUX_DATA).expect("constant guid"),
        unique_partition_guid: uuid,
        starting_lba: start,
        ending_lba: start + sectors - 1,
        attribute_bits: 0,
        partition_name: plan.name.as_str().into(),
    };
    gpt.write_into(f)
        .map_err(|e| IronError::new(Kind::Io, "cannot write the GPT").caused_by(e))?;
    f.sync_all()
        .map_err(|e| IronError::io("cannot flush the disk", e))?;
    Ok(guid::to_string(&uuid).to_lowercase())
}

/// Writes the new EBR, then links the previous logical partition's EBR to it.
fn apply_logical(
    f: &mut File,
    plan: &AppendPlan,
    extent: &Extent,
    mbr: &mbrman::MBR,
) -> Result<()> {
    let ss = plan.sector as u64;
    let (start, sectors) = (extent.start, extent.sectors);
    let ext = extended(mbr)
        .ok_or_else(|| IronError::new(Kind::Internal, "the extended partition vanished"))?;
    let ext_start = ext.starting_lba as u64;
    let ext_sys = MbrType(ext.sys);
    let ebr = plan.ebr;
    let mut sec = vec![0u8; ss as usize];
    sec[446..462].copy_from_slice(&mbr_entry::encode(
        plan.mbr_type,
        false,
        start - ebr,
        sectors,
        start,
    )?);
    sec[510] = 0x55;
    sec[511] = 0xaa;
    write_at(f, ebr * ss, &sec)?;
    if let Some(prev) = mbr
        .logical_partitions
        .iter()
        .rfind(|l| l.partition.is_used())
    {
        let prev_ebr = prev.absolute_ebr_lba as u64;
        let mut p = read_at(f, prev_ebr * ss, ss as usize)?;
        let link_sys = if ext_sys == MbrType(0x85) {
            MbrType::EXTENDED
        } else {
            ext_sys
        };
        let link_start = ebr - ext_start;
        let link_sectors = start + sectors - ebr;
        p[462..478].copy_from_slice(&mbr_entry::encode(
            link_sys,
            false,
            link_start,
            link_sectors,
            ebr,
        )?);
        write_at(f, prev_ebr * ss, &p)?;
    }
    Ok(())
}

fn read_at(f: &mut File, off: u64, len: usize) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut b = vec![0u8; len];
    f.seek(SeekFrom::Start(off))
        .and_then(|_| f.read_exact(&mut b))
        .map_err(|e| IronError::io("cannot read the partition table", e))?;
    Ok(b)
}

fn write_at(f: &mut File, off: u64, data: &[u8]) -> Result<()> {
    use std::io::Write;
    f.seek(SeekFrom::Start(off))
        .and_then(|_| f.write_all(data))
        .map_err(|e| IronError::io("cannot write the partition table", e))
}

/// What the kernel should know about after a change: every partition of the table, the
/// extended one as the stub the kernel itself would create (`max(sector, 1 KiB)` bytes).
pub fn kernel_spans(f: &mut File, sector: u32) -> Result<Vec<crate::disk::reread::PartSpan>> {
    // No table: nothing for the kernel to know.
    let parts = table::read_table(f, sector)?.map(|t| t.partitions);
    Ok((parts.iter().flatten())
        .map(|e| {
            let extended = e.type_byte.is_some_and(MbrType::is_extended);
            crate::disk::reread::PartSpan {
                number: e.number,
                start: e.start,
                size: if extended {
                    (sector as u64).max(1024)
                } else {
                    e.size
                },
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A Linux partition of `size` bytes, 1 MiB-aligned.
    fn linux(size: u64, name: &str) -> NewPartition<'_> {
        NewPartition {
            size,
            align: 1 << 20,
            name,
            mbr_type: MbrType::LINUX,
        }
    }

    fn image(len: u64) -> File {
        let f = tempfile::tempfile().unwrap();
        f.set_len(len).unwrap();
        f
    }

    #[test]
    fn gpt_plan_goes_to_the_end_and_moves_a_short_backup() {
        let mut f = image(64 << 20);
        let mut gpt = gptman::GPT::new_from(&mut f, 512, guid::random()).unwrap();
        gpt[1] = gptman::GPTPartitionEntry {
            partition_type_guid: guid::parse(LINUX_DATA).unwrap(),
            unique_partition_guid: guid::random(),
            starting_lba: 2048,
            ending_lba: 2048 + 20480 - 1,
            attribute_bits: 0,
            partition_name: "root".into(),
        };
        gptman::GPT::write_protective_mbr_into(&mut f, 512).unwrap();
        gpt.write_into(&mut f).unwrap();
        f.set_len(128 << 20).unwrap(); // the image on a bigger disk
        let p = plan(&mut f, 512, &linux(16 << 20, "config-2")).unwrap();
        assert_eq!(
            (p.table, p.number, p.relocate_backup_gpt),
            (TableKind::Gpt, 2, true)
        );
        assert_eq!(
            p.start,
            (128 << 20) - (17 << 20),
            "last aligned 16 MiB before the backup GPT"
        );
        apply(&mut f, &p).unwrap();
        let t = table::read_table(&mut f, 512).unwrap().unwrap();
        assert_eq!(t.partitions[1].start, p.start);
        assert_eq!(t.partitions[1].label.as_deref(), Some("config-2"));
        // Too big: no_space, nothing planned.
        let e = plan(&mut f, 512, &linux(200 << 20, "x")).unwrap_err();
        assert_eq!(e.kind, Kind::NoSpace);
    }

    fn mbr(f: &mut File, parts: &[(u8, u32, u32)]) {
        let mut s = vec![0u8; 512];
        s[440..444].copy_from_slice(&[1, 2, 3, 4]);
        for (i, &(sys, start, n)) in parts.iter().enumerate() {
            let e = &mut s[446 + 16 * i..462 + 16 * i];
            e[4] = sys;
            e[8..12].copy_from_slice(&start.to_le_bytes());
            e[12..16].copy_from_slice(&n.to_le_bytes());
        }
        s[510] = 0x55;
        s[511] = 0xaa;
        f.seek(SeekFrom::Start(0)).unwrap();
        f.write_all(&s).unwrap();
    }

    #[test]
    fn mbr_plans_primary_then_refuses_when_full() {
        let mut f = image(100 << 20);
        mbr(&mut f, &[(0x83, 2048, 40960)]);
        let p = plan(&mut f, 512, &linux(16 << 20, "config-2")).unwrap();
        assert_eq!((p.number, p.logical, p.start), (2, false, (100 - 16) << 20));
        let mut f = image(100 << 20);
        mbr(
            &mut f,
            &[
                (0x83, 2048, 40960),
                (0x83, 43008, 40960),
                (0x83, 83968, 40960),
                (0x83, 124928, 79872),
            ],
        );
        let e = plan(&mut f, 512, &linux(16 << 20, "config-2")).unwrap_err();
        assert_eq!(e.kind, Kind::NoSpace);
    }
}
