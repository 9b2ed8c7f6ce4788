//! Writing a whole partition table from a list of entries: GPT through gptman (protective MBR,
//! primary and backup headers, backup in the true last sector) or MBR through mbrman (primary
//! entries plus an EBR chain for logical partitions). Shared by partition and configdrive.
//! Also says which spans the kernel should know afterwards (for `reread::refresh`).

use crate::disk::mbr_entry;
use crate::disk::mbr_type::MbrType;
use crate::disk::reread::PartSpan;
use crate::report::{IronError, Kind, Result};
use std::io::{Read, Seek, SeekFrom, Write};

/// A partition type as it goes into the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryType {
    /// GPT type GUID in on-disk (mixed-endian) order.
    Guid([u8; 16]),
    /// MBR type byte.
    Byte(MbrType),
}

/// GPT disk GUID (on-disk order) or MBR disk identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskId {
    Gpt([u8; 16]),
    Mbr(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    /// GPT: entry index 1..=128. MBR: 1..=4 primary (an extended container included), 5.. logical.
    pub number: u32,
    /// Bytes, multiples of the sector size.
    pub start: u64,
    pub size: u64,
    pub etype: EntryType,
    /// GPT partition name.
    pub label: Option<String>,
    /// GPT unique partition GUID (on-disk order).
    pub uuid: Option<[u8; 16]>,
    /// GPT attribute bits.
    pub attributes: u64,
    /// MBR active flag.
    pub bootable: bool,
    /// MBR logical partitions: byte offset of the EBR that describes it (before `start`).
    pub ebr: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct NewTable {
    pub sector_size: u32,
    pub disk_id: DiskId,
    pub entries: Vec<NewEntry>,
}

fn fail(msg: impl Into<String>) -> impl FnOnce(gptman::Error) -> IronError {
    let m = msg.into();
    move |e| IronError::new(Kind::Io, m).caused_by(e)
}

/// Writes the table. The caller has checked placement; the libraries check it again.
pub fn write<F: Read + Write + Seek>(f: &mut F, t: &NewTable) -> Result<()> {
    match t.disk_id {
        DiskId::Gpt(guid) => write_gpt(f, t, guid),
        DiskId::Mbr(id) => write_mbr(f, t, id),
    }?;
    f.flush()
        .map_err(|e| IronError::io("cannot flush the partition table", e))
}

fn write_gpt<F: Read + Write + Seek>(f: &mut F, t: &NewTable, guid: [u8; 16]) -> Result<()> {
    let ss = t.sector_size as u64;
    let mut gpt = gptman::GPT::new_from(f, ss, guid).map_err(fail("cannot lay out a gpt"))?;
    for e in &t.entries {
        let EntryType::Guid(tg) = e.etype else {
            return Err(IronError::new(
                Kind::Internal,
                format!("gpt partition {} has an mbr type", e.number),
            ));
        };
        if e.number == 0 || e.number > gpt.header.number_of_partition_entries {
            return Err(IronError::new(
                Kind::Internal,
                format!("gpt partition number {} out of range", e.number),
            ));
        }
        gpt[e.number] = gptman::GPTPartitionEntry {
            partition_type_guid: tg,
            unique_partition_guid: e.uuid.unwrap_or_else(crate::disk::guid::random),
            starting_lba: e.start / ss,
            ending_lba: (e.start + e.size) / ss - 1,
            attribute_bits: e.attributes,
            partition_name: e.label.as_deref().unwrap_or("").into(),
        };
    }
    gptman::GPT::write_protective_mbr_into(f, ss)
        .map_err(fail("cannot write the protective mbr"))?;
    gpt.write_into(f).map_err(fail("cannot write the gpt"))?;
    Ok(())
}

fn chs(lba: u64) -> mbrman::CHS {
    let (c, h, s) = mbr_entry::chs(lba);
    mbrman::CHS::new(c, h, s)
}

fn mbr_entry(
    sys: MbrType,
    boot: bool,
    start: u64,
    sectors: u64,
) -> Result<mbrman::MBRPartitionEntry> {
    let (first, n) = mbr_entry::lba_fields(start, sectors)?;
    Ok(mbrman::MBRPartitionEntry {
        boot: if boot { 0x80 } else { 0x00 },
        first_chs: chs(start),
        sys: sys.0,
        last_chs: chs(start + sectors - 1),
        starting_lba: first,
        sectors: n,
    })
}

fn msdos_type(e: &NewEntry) -> Result<MbrType> {
    let EntryType::Byte(b) = e.etype else {
        return Err(IronError::new(
            Kind::Internal,
            format!("msdos partition {} has a gpt type", e.number),
        ));
    };
    Ok(b)
}

/// An extended boot record and the sector it goes to.
struct Ebr {
    lba: u64,
    sector: Vec<u8>,
}

/// The EBR of logical partition `e`: its entry, and the link to the `next` logical
/// partition's EBR.
fn ebr_sector(e: &NewEntry, next: Option<&NewEntry>, ext_start: u64, ss: u64) -> Result<Ebr> {
    let b = msdos_type(e)?;
    let ebr = e.ebr.ok_or_else(|| {
        IronError::new(
            Kind::Internal,
            format!("logical partition {} has no ebr", e.number),
        )
    })? / ss;
    let mut sector = vec![0u8; ss as usize];
    let (start, size) = (e.start / ss, e.size / ss);
    sector[446..462].copy_from_slice(&mbr_entry::encode(b, e.bootable, start - ebr, size, start)?);
    if let Some(next) = next {
        let next_ebr = next.ebr.unwrap_or(next.start) / ss;
        let next_end = (next.start + next.size) / ss;
        // The link covers the next EBR through the end of its partition, relative to the
        // start of the extended partition.
        let link_start = next_ebr - ext_start;
        let link_sectors = next_end - next_ebr;
        sector[462..478].copy_from_slice(&mbr_entry::encode(
            MbrType::EXTENDED,
            false,
            link_start,
            link_sectors,
            next_ebr,
        )?);
    }
    sector[510] = 0x55;
    sector[511] = 0xaa;
    Ok(Ebr { lba: ebr, sector })
}

fn write_mbr<F: Read + Write + Seek>(f: &mut F, t: &NewTable, id: u32) -> Result<()> {
    let ss = t.sector_size as u64;
    let mut mbr = mbrman::MBR::new_from(f, t.sector_size, id.to_le_bytes())
        .map_err(|e| IronError::new(Kind::Io, "cannot lay out an msdos table").caused_by(e))?;
    let mut logicals: Vec<&NewEntry> = t.entries.iter().filter(|e| e.number > 4).collect();
    logicals.sort_by_key(|e| e.number);
    for e in t.entries.iter().filter(|e| e.number <= 4) {
        let b = msdos_type(e)?;
        mbr[e.number as usize] = mbr_entry(b, e.bootable, e.start / ss, e.size / ss)?;
    }
    let ext_start = t
        .entries
        .iter()
        .find(|e| e.number <= 4 && matches!(e.etype, EntryType::Byte(b) if b.is_extended()))
        .map(|e| e.start / ss);
    if !logicals.is_empty() && ext_start.is_none() {
        return Err(IronError::new(
            Kind::Internal,
            "logical partitions without an extended partition",
        ));
    }
    mbr.write_into(f)
        .map_err(|e| IronError::new(Kind::Io, "cannot write the msdos table").caused_by(e))?;
    // The EBR chain is written here rather than by mbrman 0.6, whose EBR offset is computed in
    // u32 bytes and wraps beyond 4 GiB.
    let ext_start = ext_start.unwrap_or(0);
    for (i, e) in logicals.iter().enumerate() {
        let ebr = ebr_sector(e, logicals.get(i + 1).copied(), ext_start, ss)?;
        f.seek(SeekFrom::Start(ebr.lba * ss))
            .and_then(|_| f.write_all(&ebr.sector))
            .map_err(|err| {
                IronError::io(
                    format!("cannot write the ebr of partition {}", e.number),
                    err,
                )
            })?;
    }
    // mbrman leaves the old boot code in place; a fresh table has none.
    f.seek(SeekFrom::Start(0))
        .and_then(|_| f.write_all(&[0u8; 440]))
        .map_err(|e| IronError::io("cannot clear the boot code area", e))?;
    Ok(())
}

/// The partitions the kernel should list after this table is written: every entry, with an
/// extended container shown the way the kernel's msdos parser shows it (one sector, at least
/// 1 KiB), so `reread::refresh` can match and BLKPG can add them.
pub fn kernel_spans(t: &NewTable) -> Vec<PartSpan> {
    t.entries
        .iter()
        .map(|e| {
            let size = match e.etype {
                EntryType::Byte(b) if b.is_extended() => {
                    e.size.min((t.sector_size as u64).max(1024))
                }
                _ => e.size,
            };
            PartSpan {
                number: e.number,
                start: e.start,
                size,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn entry(number: u32, start: u64, size: u64, etype: EntryType) -> NewEntry {
        NewEntry {
            number,
            start,
            size,
            etype,
            label: Some(format!("p{number}")),
            uuid: None,
            attributes: 0,
            bootable: false,
            ebr: None,
        }
    }

    #[test]
    fn gpt_round_trips_through_the_reader() {
        for ss in [512u32, 4096] {
            let mut disk = Cursor::new(vec![0u8; 64 << 20]);
            let linux = crate::disk::guid::parse("0FC63DAF-8483-4772-8E79-3D69D8477DE4").unwrap();
            let t = NewTable {
                sector_size: ss,
                disk_id: DiskId::Gpt(crate::disk::guid::random()),
                entries: vec![
                    entry(1, 1 << 20, 8 << 20, EntryType::Guid(linux)),
                    entry(3, 9 << 20, 16 << 20, EntryType::Guid(linux)),
                ],
            };
            write(&mut disk, &t).unwrap();
            let info = crate::disk::table::read_table(&mut disk, ss)
                .unwrap()
                .unwrap();
            assert_eq!(info.table, crate::disk::table_kind::TableKind::Gpt);
            let got: Vec<_> = info
                .partitions
                .iter()
                .map(|p| (p.number, p.start, p.size))
                .collect();
            assert_eq!(got, vec![(1, 1 << 20, 8 << 20), (3, 9 << 20, 16 << 20)]);
            let d = disk.into_inner();
            assert_eq!(d[450], 0xee, "protective mbr");
            let last = d.len() - ss as usize;
            assert_eq!(
                &d[last..last + 8],
                b"EFI PART",
                "backup header in the last sector"
            );
        }
    }

    #[test]
    fn mbr_with_logical_partitions_round_trips() {
        let mut disk = Cursor::new(vec![0u8; 64 << 20]);
        let m = 1u64 << 20;
        let mut entries = vec![
            entry(1, m, 4 * m, EntryType::Byte(MbrType::LINUX)),
            entry(2, 5 * m, 4 * m, EntryType::Byte(MbrType::LINUX)),
            entry(3, 9 * m, 4 * m, EntryType::Byte(MbrType::LINUX)),
            entry(4, 13 * m, 20 * m, EntryType::Byte(MbrType::EXTENDED)),
            entry(5, 14 * m, 4 * m, EntryType::Byte(MbrType::LINUX)),
            entry(6, 19 * m, 4 * m, EntryType::Byte(MbrType(0x82))),
        ];
        entries[4].ebr = Some(13 * m);
        entries[5].ebr = Some(18 * m);
        let t = NewTable {
            sector_size: 512,
            disk_id: DiskId::Mbr(0x1234abcd),
            entries,
        };
        write(&mut disk, &t).unwrap();
        let info = crate::disk::table::read_table(&mut disk, 512)
            .unwrap()
            .unwrap();
        assert_eq!(info.disk_id, "0x1234abcd");
        let got: Vec<_> = info
            .partitions
            .iter()
            .map(|p| (p.number, p.start, p.size))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, m, 4 * m),
                (2, 5 * m, 4 * m),
                (3, 9 * m, 4 * m),
                (4, 13 * m, 20 * m),
                (5, 14 * m, 4 * m),
                (6, 19 * m, 4 * m)
            ]
        );
        let spans = kernel_spans(&t);
        assert_eq!(spans[3].size, 1024);
    }
}
