//! The one GPT reader: bounded and non-panicking on any bytes. Every place that reads a GPT goes
//! through here; gptman is reached only through `for_rewrite`, after these checks have ruled out
//! the inputs it asserts or unwraps on (entry size not 128, a used entry at LBA 0, an entry
//! count that makes it allocate without limit).

use crate::le;
use std::io::{Read, Seek, SeekFrom};

/// The entry array may take at most this many bytes (the usual array is 16 KiB; 1 MiB allows
/// 8192 entries of 128 bytes), so a hostile count cannot scale memory with the disk.
pub const MAX_ARRAY_BYTES: u64 = 1 << 20;

const HEADER_MIN: usize = 92;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub my_lba: u64,
    pub alternate_lba: u64,
    pub first_usable: u64,
    pub last_usable: u64,
    pub disk_guid: [u8; 16],
    pub entries_lba: u64,
    pub entry_count: u32,
    pub entry_size: u32,
    pub entries_crc: u32,
}

impl Header {
    /// The header's fields from its first 92 bytes (the caller has checked the signature);
    /// None when `s` is shorter.
    fn decode(s: &[u8]) -> Option<Header> {
        Some(Header {
            my_lba: le::u64(s, 24)?,
            alternate_lba: le::u64(s, 32)?,
            first_usable: le::u64(s, 40)?,
            last_usable: le::u64(s, 48)?,
            disk_guid: le::bytes(s, 56)?,
            entries_lba: le::u64(s, 72)?,
            entry_count: le::u32(s, 80)?,
            entry_size: le::u32(s, 84)?,
            entries_crc: le::u32(s, 88)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based slot in the array, as the kernel numbers partitions.
    pub number: u32,
    pub type_guid: [u8; 16],
    pub unique_guid: [u8; 16],
    pub first_lba: u64,
    pub last_lba: u64,
    pub attributes: u64,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Gpt {
    pub header: Header,
    /// Used entries only, in slot order.
    pub entries: Vec<Entry>,
    /// The primary header was unusable and this table comes from the backup.
    pub from_backup: bool,
}

/// Why a GPT was refused; `None` from `read` means there is no GPT signature at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn crc32(data: &[u8]) -> u32 {
    crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(data)
}

fn read_at<R: Read + Seek>(f: &mut R, off: u64, len: usize) -> Result<Vec<u8>, Refused> {
    let mut b = vec![0u8; len];
    f.seek(SeekFrom::Start(off))
        .and_then(|_| f.read_exact(&mut b))
        .map_err(|e| Refused(format!("cannot read {len} bytes at offset {off}: {e}")))?;
    Ok(b)
}

/// The header in sector `lba`: Ok(None) when the sector has no "EFI PART" signature.
fn header_at<R: Read + Seek>(
    f: &mut R,
    lba: u64,
    ss: u64,
    sectors: u64,
) -> Result<Option<Header>, Refused> {
    let Some(off) = lba.checked_mul(ss) else {
        return Ok(None);
    };
    let Ok(ss_usize) = usize::try_from(ss) else {
        return Ok(None);
    };
    let s = match read_at(f, off, ss_usize) {
        Ok(s) => s,
        Err(_) if lba >= sectors => return Ok(None),
        Err(e) => return Err(e),
    };
    if s.get(0..8) != Some(b"EFI PART") {
        return Ok(None);
    }
    let bad = |why: String| Err(Refused(format!("gpt header at lba {lba}: {why}")));
    if s[8..12] != [0, 0, 1, 0] {
        return bad("unknown revision".into());
    }
    let size = le::u32(&s, 12).map_or(0, |v| v as usize);
    if !(HEADER_MIN..=s.len()).contains(&size) {
        return bad(format!(
            "header size {size} outside {HEADER_MIN}..={}",
            s.len()
        ));
    }
    let mut h = s[..size].to_vec();
    let stored = le::u32(&h, 16);
    h[16..20].fill(0);
    if Some(crc32(&h)) != stored {
        return bad("header crc mismatch".into());
    }
    let Some(hdr) = Header::decode(&s) else {
        return bad(format!("a {}-byte sector cannot hold a header", s.len()));
    };
    if hdr.my_lba != lba {
        return bad(format!("header says it lives at lba {}", hdr.my_lba));
    }
    if hdr.entry_size < 128 || !hdr.entry_size.is_power_of_two() {
        return bad(format!("entry size {} is not 128 << n", hdr.entry_size));
    }
    let bytes = u64::from(hdr.entry_count) * u64::from(hdr.entry_size);
    if bytes > MAX_ARRAY_BYTES {
        return bad(format!(
            "{} entries of {} bytes exceed the {MAX_ARRAY_BYTES}-byte budget",
            hdr.entry_count, hdr.entry_size
        ));
    }
    let array_sectors = bytes.div_ceil(ss);
    let array_end = hdr.entries_lba.checked_add(array_sectors);
    if hdr.entries_lba < 2 || array_end.is_none_or(|e| e > sectors) {
        return bad(format!(
            "entry array at lba {} lies off the disk",
            hdr.entries_lba
        ));
    }
    if hdr.first_usable < 2 || hdr.first_usable > hdr.last_usable || hdr.last_usable >= sectors {
        return bad(format!(
            "usable range {}..={} does not fit a disk of {sectors} sectors",
            hdr.first_usable, hdr.last_usable
        ));
    }
    Ok(Some(hdr))
}

/// The used entries of `h`'s array, CRC-checked and each inside the usable range.
fn entries<R: Read + Seek>(f: &mut R, h: &Header, ss: u64) -> Result<Vec<Entry>, Refused> {
    let bytes = u64::from(h.entry_count) * u64::from(h.entry_size);
    // Bounded by MAX_ARRAY_BYTES in header_at, so both conversions hold.
    let array = read_at(f, h.entries_lba * ss, bytes as usize)?;
    if crc32(&array) != h.entries_crc {
        return Err(Refused(format!(
            "gpt entry array at lba {}: crc mismatch",
            h.entries_lba
        )));
    }
    let mut out = Vec::new();
    for (i, e) in array.chunks_exact(h.entry_size as usize).enumerate() {
        let Some(entry) = decode_entry(i as u32 + 1, e) else {
            continue;
        };
        let (first, last) = (entry.first_lba, entry.last_lba);
        if first < h.first_usable || first > last || last > h.last_usable {
            return Err(Refused(format!(
                "gpt partition {} spans lba {first}..={last}, outside the usable {}..={}",
                entry.number, h.first_usable, h.last_usable
            )));
        }
        out.push(entry);
    }
    Ok(out)
}

fn table_at<R: Read + Seek>(
    f: &mut R,
    lba: u64,
    ss: u64,
    sectors: u64,
) -> Result<Option<(Header, Vec<Entry>)>, Refused> {
    match header_at(f, lba, ss, sectors)? {
        None => Ok(None),
        Some(h) => {
            let e = entries(f, &h, ss)?;
            Ok(Some((h, e)))
        }
    }
}

/// Whether LBA 1 holds a valid primary GPT (header and entry array).
pub fn has_primary<R: Read + Seek>(f: &mut R, sector: u32) -> bool {
    let ss = u64::from(sector);
    let Ok(len) = f.seek(SeekFrom::End(0)) else {
        return false;
    };
    matches!(table_at(f, 1, ss, len / ss.max(1)), Ok(Some(_)))
}

/// Reads the GPT, primary first, then the backup in the last sector. Ok(None): no GPT signature
/// in either place; Err: a signature was there but neither copy is sound (the primary's reason).
pub fn read<R: Read + Seek>(f: &mut R, sector: u32) -> Result<Option<Gpt>, Refused> {
    let ss = u64::from(sector);
    if !(512..=65536).contains(&ss) {
        return Err(Refused(format!("sector size {ss} is not supported")));
    }
    let len = f
        .seek(SeekFrom::End(0))
        .map_err(|e| Refused(format!("cannot size the disk: {e}")))?;
    let sectors = len / ss;
    if sectors < 3 {
        return Ok(None);
    }
    let primary = table_at(f, 1, ss, sectors);
    if let Ok(Some((header, entries))) = primary {
        return Ok(Some(Gpt {
            header,
            entries,
            from_backup: false,
        }));
    }
    match (primary, table_at(f, sectors - 1, ss, sectors)) {
        (_, Ok(Some((header, entries)))) => Ok(Some(Gpt {
            header,
            entries,
            from_backup: true,
        })),
        (Ok(None), Ok(None)) => Ok(None),
        (Err(e), _) | (Ok(None), Err(e)) => Err(e),
        (Ok(Some(_)), _) => unreachable!("returned above"),
    }
}

/// What a damaged or foreign GPT at one LBA names, for code that must see a table even when it
/// does not verify: the eraser (a partition in a table with a bad CRC still holds a
/// filesystem) and the protected-filesystem probe (which fails closed). No CRC, revision or
/// range checks; the same budget and checked arithmetic as `read`, so any bytes are safe.
#[derive(Debug, Clone)]
pub struct Salvaged {
    pub header: Header,
    /// The entry size the array was walked with (the header's, or 128 when that is no
    /// 128 << n up to 4096).
    pub entry_size: u32,
    /// Bytes of the array that lie on the disk, within the budget.
    pub array_bytes: u64,
    /// Used entries with first <= last, in slot order.
    pub entries: Vec<Entry>,
}

impl Salvaged {
    /// Byte offset of an entry's slot.
    pub fn slot_offset(&self, e: &Entry, ss: u64) -> Option<u64> {
        self.header
            .entries_lba
            .checked_mul(ss)?
            .checked_add(u64::from(e.number - 1) * u64::from(self.entry_size))
    }
}

/// Reads what the header at `lba` (sector size `ss`, a disk of `len` bytes) names. Ok(None): no
/// "EFI PART" signature there, or nothing of it on the disk; Err only for a read that failed
/// inside the disk (a probe must not take that for "nothing here").
pub fn salvage<R: Read + Seek>(
    f: &mut R,
    lba: u64,
    ss: u64,
    len: u64,
) -> std::io::Result<Option<Salvaged>> {
    let Some(off) = lba.checked_mul(ss) else {
        return Ok(None);
    };
    let Some(s) = read_within(f, off, HEADER_MIN as u64, len)? else {
        return Ok(None);
    };
    if s.get(0..8) != Some(b"EFI PART") {
        return Ok(None);
    }
    let Some(header) = Header::decode(&s) else {
        return Ok(None);
    };
    let esize = usable_entry_size(&header);
    let e64 = u64::from(esize);
    let budget = MAX_ARRAY_BYTES / e64;
    let on_disk = header
        .entries_lba
        .checked_mul(ss)
        .map_or(0, |at| len.saturating_sub(at) / e64);
    let count = u64::from(header.entry_count).min(budget).min(on_disk);
    let mut out = Salvaged {
        header,
        entry_size: esize,
        array_bytes: count * e64,
        entries: Vec::new(),
    };
    if count == 0 {
        return Ok(Some(out));
    }
    let at = out.header.entries_lba * ss; // on_disk > 0: no overflow
    let Some(array) = read_within(f, at, count * e64, len)? else {
        return Ok(Some(out));
    };
    out.entries = array
        .chunks_exact(esize as usize)
        .enumerate()
        .filter_map(|(i, e)| decode_entry(i as u32 + 1, e))
        .filter(|e| e.first_lba <= e.last_lba)
        .collect();
    Ok(Some(out))
}

/// `n` bytes at `off`, or None when they are not all inside a disk of `len` bytes.
fn read_within<R: Read + Seek>(
    f: &mut R,
    off: u64,
    n: u64,
    len: u64,
) -> std::io::Result<Option<Vec<u8>>> {
    match off.checked_add(n) {
        Some(end) if end <= len => {
            let mut b = vec![0u8; n as usize];
            f.seek(SeekFrom::Start(off))?;
            f.read_exact(&mut b)?;
            Ok(Some(b))
        }
        _ => Ok(None),
    }
}

/// The header's entry size when it is one a table can have, else the standard 128.
fn usable_entry_size(header: &Header) -> u32 {
    if (128..=4096).contains(&header.entry_size) && header.entry_size.is_power_of_two() {
        header.entry_size
    } else {
        128
    }
}

/// Entry `number` from its bytes; None when unused (zero type).
/// (An entry shorter than 128 bytes is none too: never indexed past.)
fn decode_entry(number: u32, e: &[u8]) -> Option<Entry> {
    let type_guid: [u8; 16] = le::bytes(e, 0)?;
    if type_guid.iter().all(|b| *b == 0) {
        return None;
    }
    let units: Vec<u16> = le::u16s(e.get(56..128)?).take_while(|u| *u != 0).collect();
    Some(Entry {
        number,
        type_guid,
        unique_guid: le::bytes(e, 16)?,
        first_lba: le::u64(e, 32)?,
        last_lba: le::u64(e, 40)?,
        attributes: le::u64(e, 48)?,
        name: String::from_utf16_lossy(&units),
    })
}

/// gptman's view of the same table, for code that rewrites it. Refused unless `read` accepts it
/// with 128-byte entries and gptman would pick the same copy (a primary that gptman accepts but
/// `read` rejects would have it read what we did not check).
pub fn for_rewrite<R: Read + Seek>(f: &mut R, sector: u32) -> Result<gptman::GPT, Refused> {
    let g = read(f, sector)?.ok_or_else(|| Refused("the disk has no gpt".into()))?;
    if g.header.entry_size != 128 {
        return Err(Refused(format!(
            "gpt entries of {} bytes: rewriting supports 128 only",
            g.header.entry_size
        )));
    }
    let ss = u64::from(sector);
    if g.from_backup {
        let plausible = f
            .seek(SeekFrom::Start(ss))
            .is_ok_and(|_| gptman::GPTHeader::read_from(f).is_ok());
        if plausible {
            return Err(Refused(
                "the primary gpt header is valid but its table is not: refusing to rewrite".into(),
            ));
        }
    }
    let gpt = gptman::GPT::read_from(f, ss).map_err(|e| Refused(e.to_string()))?;
    if gpt.header != gptman_header(&g.header, &gpt.header) {
        return Err(Refused("gptman read a different gpt copy".into()));
    }
    Ok(gpt)
}

/// `theirs` with the fields `read` checked replaced by ours, to compare the two readers.
fn gptman_header(ours: &Header, theirs: &gptman::GPTHeader) -> gptman::GPTHeader {
    gptman::GPTHeader {
        primary_lba: ours.my_lba,
        backup_lba: ours.alternate_lba,
        first_usable_lba: ours.first_usable,
        last_usable_lba: ours.last_usable,
        disk_guid: ours.disk_guid,
        partition_entry_lba: ours.entries_lba,
        number_of_partition_entries: ours.entry_count,
        size_of_partition_entry: ours.entry_size,
        partition_entry_array_crc32: ours.entries_crc,
        ..theirs.clone()
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn salvage_reads_a_table_read_refuses_and_survives_any_header() {
        let mut d = disk(4096, 128, 128, &[(2048, 4095)]);
        // A broken header CRC: read falls back to the backup, salvage still sees the primary.
        d[512 + 16] ^= 1;
        let len = d.len() as u64;
        let s = salvage(&mut Cursor::new(&d), 1, 512, len).unwrap().unwrap();
        assert_eq!(s.entries.len(), 1);
        assert_eq!(
            (s.entries[0].first_lba, s.entries[0].last_lba),
            (2048, 4095)
        );
        assert_eq!(s.array_bytes, 128 * 128);
        // Hostile counts, sizes and array positions: bounded, no panic, no huge allocation.
        for (lba, count, esize) in [
            (u64::MAX, u32::MAX, 128u32),
            (1 << 62, 128, 128),
            (2, u32::MAX, u32::MAX),
            (2, u32::MAX, 0),
            (2, 1 << 20, 96),
            (4095, 1000, 4096),
        ] {
            let mut h = d.clone();
            h[512 + 72..512 + 80].copy_from_slice(&lba.to_le_bytes());
            h[512 + 80..512 + 84].copy_from_slice(&count.to_le_bytes());
            h[512 + 84..512 + 88].copy_from_slice(&esize.to_le_bytes());
            let s = salvage(&mut Cursor::new(&h), 1, 512, len).unwrap().unwrap();
            assert!(
                s.array_bytes <= MAX_ARRAY_BYTES && s.array_bytes <= len,
                "{lba} {count}"
            );
        }
        assert!(
            salvage(&mut Cursor::new(&d), u64::MAX, 512, len)
                .unwrap()
                .is_none()
        );
        assert!(
            salvage(&mut Cursor::new(&d), 10, 512, len)
                .unwrap()
                .is_none()
        );
    }

    /// A disk image of `sectors` 512-byte sectors with a primary and backup GPT built by hand;
    /// `edit` may change the header fields and entries before the CRCs are computed.
    pub fn disk(sectors: u64, count: u32, esize: u32, parts: &[(u64, u64)]) -> Vec<u8> {
        let ss = 512u64;
        let mut d = vec![0u8; (sectors * ss) as usize];
        let mut array = vec![0u8; (count * esize) as usize];
        for (i, (first, last)) in parts.iter().enumerate() {
            let e = &mut array[i * esize as usize..];
            e[0..16].copy_from_slice(&[0xaf; 16]);
            e[16..32].copy_from_slice(&[i as u8 + 1; 16]);
            e[32..40].copy_from_slice(&first.to_le_bytes());
            e[40..48].copy_from_slice(&last.to_le_bytes());
        }
        let array_sectors = (array.len() as u64).div_ceil(ss);
        let put = |d: &mut Vec<u8>, my: u64, alt: u64, entries: u64| {
            let mut h = vec![0u8; 92];
            h[0..8].copy_from_slice(b"EFI PART");
            h[8..12].copy_from_slice(&[0, 0, 1, 0]);
            h[12..16].copy_from_slice(&92u32.to_le_bytes());
            h[24..32].copy_from_slice(&my.to_le_bytes());
            h[32..40].copy_from_slice(&alt.to_le_bytes());
            h[40..48].copy_from_slice(&34u64.to_le_bytes());
            h[48..56].copy_from_slice(&(sectors - 34).to_le_bytes());
            h[56..72].copy_from_slice(&[7; 16]);
            h[72..80].copy_from_slice(&entries.to_le_bytes());
            h[80..84].copy_from_slice(&count.to_le_bytes());
            h[84..88].copy_from_slice(&esize.to_le_bytes());
            h[88..92].copy_from_slice(&crc32(&array).to_le_bytes());
            let c = crc32(&h);
            h[16..20].copy_from_slice(&c.to_le_bytes());
            let at = (my * ss) as usize;
            d[at..at + 92].copy_from_slice(&h);
            let at = (entries * ss) as usize;
            let n = array.len().min(d.len().saturating_sub(at));
            d[at..at + n].copy_from_slice(&array[..n]);
        };
        put(&mut d, 1, sectors - 1, 2);
        put(&mut d, sectors - 1, 1, sectors - 1 - array_sectors);
        d
    }

    #[test]
    fn reads_a_sound_table_and_gptman_agrees() {
        let mut d = Cursor::new(disk(4096, 128, 128, &[(2048, 4000)]));
        let g = read(&mut d, 512).unwrap().unwrap();
        assert!(!g.from_backup);
        assert_eq!(
            (g.entries[0].first_lba, g.entries[0].last_lba),
            (2048, 4000)
        );
        assert!(for_rewrite(&mut d, 512).is_ok());
    }

    #[test]
    fn entry_size_256_is_read_but_not_handed_to_gptman() {
        let mut d = Cursor::new(disk(4096, 64, 256, &[(2048, 4000)]));
        assert_eq!(read(&mut d, 512).unwrap().unwrap().entries.len(), 1);
        assert!(for_rewrite(&mut d, 512).is_err());
    }

    #[test]
    fn used_entry_at_lba_0_is_refused() {
        let mut d = Cursor::new(disk(4096, 128, 128, &[(0, 100)]));
        assert!(read(&mut d, 512).is_err());
        assert!(for_rewrite(&mut d, 512).is_err());
    }

    #[test]
    fn a_huge_entry_count_is_refused_without_allocating() {
        // The array is not really there: the header's count alone must be refused.
        let mut v = disk(4096, 128, 128, &[]);
        for at in [512usize, 4095 * 512] {
            v[at + 80..at + 84].copy_from_slice(&u32::MAX.to_le_bytes());
            v[at + 16..at + 20].fill(0);
            let c = crc32(&v[at..at + 92]);
            v[at + 16..at + 20].copy_from_slice(&c.to_le_bytes());
        }
        let e = read(&mut Cursor::new(v), 512).unwrap_err();
        assert!(e.0.contains("budget"), "{e}");
    }

    #[test]
    fn a_bad_primary_falls_back_to_the_backup() {
        let mut v = disk(4096, 128, 128, &[(2048, 4000)]);
        v[512 + 60] ^= 1; // header CRC now wrong
        let g = read(&mut Cursor::new(v), 512).unwrap().unwrap();
        assert!(g.from_backup);
        assert_eq!(g.entries.len(), 1);
    }

    #[test]
    fn no_signature_is_none_and_garbage_never_panics() {
        assert!(
            read(&mut Cursor::new(vec![0u8; 1 << 16]), 512)
                .unwrap()
                .is_none()
        );
        let mut seed = 0x1234_5678u32;
        for _ in 0..200 {
            let mut v = disk(64, 4, 128, &[(34, 40)]);
            for _ in 0..8 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let i = 512 + (seed as usize >> 8) % 92;
                v[i] = (seed >> 3) as u8;
            }
            let _ = read(&mut Cursor::new(v), 512);
        }
    }
}
