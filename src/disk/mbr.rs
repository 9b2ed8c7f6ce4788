//! The one MBR/EBR reader: bounded and non-panicking on any bytes. The EBR chain is walked with a
//! limit and a visited set (a chain that loops ends), every entry is checked against the disk,
//! and mbrman is reached only through `for_rewrite`, after these checks rule out the entry at
//! LBA 0 it unwraps on and the looping chain it would follow forever.

use crate::disk::mbr_type::MbrType;
use crate::le;
use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};

/// More logical partitions than any tool makes (Linux numbers up to 255 minus the primaries).
pub const MAX_LOGICAL: usize = 251;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1–4 for primaries, 5 onwards for logical partitions, as the kernel numbers them.
    pub number: u32,
    pub sys: MbrType,
    pub bootable: bool,
    pub first_lba: u64,
    pub sectors: u64,
}

#[derive(Debug, Clone)]
pub struct Mbr {
    pub disk_signature: u32,
    /// Used entries: the primaries, then the logical ones in chain order.
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn sector_at<R: Read + Seek>(f: &mut R, lba: u64, ss: u64) -> Result<[u8; 512], Refused> {
    let mut b = [0u8; 512];
    lba.checked_mul(ss)
        .ok_or_else(|| Refused(format!("lba {lba} overflows")))
        .and_then(|off| {
            f.seek(SeekFrom::Start(off))
                .and_then(|_| f.read_exact(&mut b))
                .map_err(|e| Refused(format!("cannot read lba {lba}: {e}")))
        })?;
    Ok(b)
}

/// The four 16-byte slots of a boot record: (sys, bootable, relative start, sectors).
fn slots(b: &[u8; 512]) -> [(MbrType, bool, u64, u64); 4] {
    std::array::from_fn(|i| {
        let e = &b[446 + 16 * i..462 + 16 * i];
        let le = |a: usize| le::u32(e, a).map_or(0, u64::from);
        (MbrType(e[4]), e[0] & 0x80 != 0, le(8), le(12))
    })
}

/// Reads the MBR at LBA 0 and its logical partitions. Ok(None): no 55 AA, or no used entry (a
/// FAT boot sector also ends in 55 AA); Err: entries that cannot describe a real disk.
pub fn read<R: Read + Seek>(f: &mut R, sector: u32) -> Result<Option<Mbr>, Refused> {
    let ss = u64::from(sector);
    let len = f
        .seek(SeekFrom::End(0))
        .map_err(|e| Refused(format!("cannot size the disk: {e}")))?;
    let sectors = len / ss.max(1);
    if sectors == 0 {
        return Ok(None);
    }
    let b0 = sector_at(f, 0, ss)?;
    if b0[510..512] != [0x55, 0xaa] {
        return Ok(None);
    }
    let disk_signature = le::u32(&b0, 440).unwrap_or(0);
    let in_disk = |n: u32, first: u64, count: u64| -> Result<(), Refused> {
        if first == 0 || count == 0 || first.saturating_add(count) > sectors {
            return Err(Refused(format!(
                "msdos partition {n} spans sectors {first}+{count}, outside a disk of {sectors}"
            )));
        }
        Ok(())
    };
    let mut entries = Vec::new();
    let mut extended = None;
    for (i, (sys, bootable, first, count)) in slots(&b0).into_iter().enumerate() {
        if sys == MbrType::EMPTY {
            continue;
        }
        let number = i as u32 + 1;
        in_disk(number, first, count)?;
        if sys.is_extended() && extended.is_none() {
            extended = Some((first, count));
        }
        entries.push(Entry {
            number,
            sys,
            bootable,
            first_lba: first,
            sectors: count,
        });
    }
    if entries.is_empty() {
        return Ok(None);
    }
    if let Some((ext_first, ext_count)) = extended {
        logical(f, ss, ext_first, ext_count, &mut entries)?;
    }
    Ok(Some(Mbr {
        disk_signature,
        entries,
    }))
}

/// Follows the EBR chain inside the extended partition `ext_first`+`ext_count`.
fn logical<R: Read + Seek>(
    f: &mut R,
    ss: u64,
    ext_first: u64,
    ext_count: u64,
    out: &mut Vec<Entry>,
) -> Result<(), Refused> {
    let ext_end = ext_first + ext_count;
    let mut seen = HashSet::new();
    let mut ebr = ext_first;
    let mut number = 5u32;
    loop {
        if !seen.insert(ebr) || seen.len() > MAX_LOGICAL {
            return Err(Refused(format!(
                "the EBR chain loops or exceeds {MAX_LOGICAL} links (at sector {ebr})"
            )));
        }
        let b = sector_at(f, ebr, ss)?;
        if b[510..512] != [0x55, 0xaa] {
            // An empty extended partition needs no EBR; a broken link ends the chain as in Linux.
            return Ok(());
        }
        let [(sys, bootable, rel, count), (next_sys, _, next_rel, _), ..] = slots(&b);
        if sys != MbrType::EMPTY {
            let first = ebr.saturating_add(rel);
            if rel == 0 || count == 0 || first.saturating_add(count) > ext_end {
                return Err(Refused(format!(
                    "logical partition {number} spans sectors {first}+{count}, outside its extended partition"
                )));
            }
            out.push(Entry {
                number,
                sys,
                bootable,
                first_lba: first,
                sectors: count,
            });
            number += 1;
        }
        if !next_sys.is_extended() {
            return Ok(());
        }
        let next = ext_first.saturating_add(next_rel);
        if next_rel == 0 || next >= ext_end {
            return Err(Refused(format!(
                "an EBR link points to sector {next}, outside its extended partition"
            )));
        }
        ebr = next;
    }
}

/// mbrman's view of the same table, for code that rewrites it; refused unless `read` accepts it.
pub fn for_rewrite<R: Read + Seek>(f: &mut R, sector: u32) -> Result<mbrman::MBR, Refused> {
    read(f, sector)?.ok_or_else(|| Refused("the disk has no msdos table".into()))?;
    mbrman::MBR::read_from(f, sector).map_err(|e| Refused(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn put(d: &mut [u8], lba: u64, slot: usize, sys: u8, first: u32, count: u32) {
        let at = lba as usize * 512;
        d[at + 510] = 0x55;
        d[at + 511] = 0xaa;
        let e = &mut d[at + 446 + 16 * slot..at + 462 + 16 * slot];
        e[4] = sys;
        e[8..12].copy_from_slice(&first.to_le_bytes());
        e[12..16].copy_from_slice(&count.to_le_bytes());
    }

    #[test]
    fn primaries_and_logicals_are_numbered_as_the_kernel_does() {
        let mut d = vec![0u8; 4096 * 512];
        put(&mut d, 0, 0, 0x83, 2048, 100);
        put(&mut d, 0, 1, 0x05, 3000, 1000);
        put(&mut d, 3000, 0, 0x83, 10, 100);
        put(&mut d, 3000, 1, 0x05, 200, 300);
        put(&mut d, 3200, 0, 0x82, 10, 50);
        let m = read(&mut Cursor::new(d), 512).unwrap().unwrap();
        let got: Vec<_> = m.entries.iter().map(|e| (e.number, e.first_lba)).collect();
        assert_eq!(got, [(1, 2048), (2, 3000), (5, 3010), (6, 3210)]);
    }

    #[test]
    fn an_entry_at_lba_0_is_refused() {
        let mut d = vec![0u8; 4096 * 512];
        put(&mut d, 0, 0, 0x83, 0, 100);
        assert!(read(&mut Cursor::new(d.clone()), 512).is_err());
        assert!(for_rewrite(&mut Cursor::new(d), 512).is_err());
    }

    #[test]
    fn a_looping_ebr_chain_ends_with_an_error() {
        let mut d = vec![0u8; 4096 * 512];
        put(&mut d, 0, 0, 0x05, 3000, 1000);
        put(&mut d, 3000, 0, 0x83, 10, 10);
        put(&mut d, 3000, 1, 0x05, 200, 300);
        put(&mut d, 3200, 0, 0x83, 10, 10);
        put(&mut d, 3200, 1, 0x05, 0x7fff_0000, 1); // points outside
        assert!(read(&mut Cursor::new(d.clone()), 512).is_err());
        put(&mut d, 3200, 1, 0x05, 200, 300); // points back at itself
        let e = read(&mut Cursor::new(d), 512).unwrap_err();
        assert!(e.0.contains("loops"), "{e}");
    }
}
