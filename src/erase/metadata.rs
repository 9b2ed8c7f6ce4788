//! `metadata`: IPA's erase_devices_metadata, done thoroughly. For every partition range (from
//! the kernel and from the on-disk GPT and MBR, deepest first) and then the whole disk: zero
//! the first and last MiB, every signature `signatures::probe` finds, the btrfs superblock
//! copies at 64 MiB and 256 GiB, and both GPT headers and entry arrays at the true sector size.
//! ZFS's four labels, md 0.90/1.0 superblocks and the backup GPT live inside the last MiB.

use crate::disk::mbr_type::MbrType;
use crate::disk::signatures::{self, Signature, SignatureKind};
use crate::disk::{partnodes, table};
use crate::le;
use crate::report::{Context, Kind, Result};
use serde::Serialize;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;

const MIB: u64 = 1 << 20;
const BTRFS_COPIES: [u64; 2] = [64 * MIB, 256 << 30];

/// A byte range of the disk: a partition (current or former) or the disk itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Span {
    pub start: u64,
    pub size: u64,
    /// 0 for the whole disk; logical MBR partitions are 5 and up.
    pub number: u32,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Found {
    pub range_start: u64,
    pub kind: SignatureKind,
    /// Offset from the start of the disk.
    pub offset: u64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MetadataOutcome {
    pub ranges: Vec<Span>,
    pub signatures_removed: Vec<Found>,
    /// The zeroed regions, merged: (start, length).
    pub regions: Vec<(u64, u64)>,
    pub bytes_written: u64,
}

/// A window of a disk as a Read + Seek, so the signature prober sees one partition.
pub struct Window<'a> {
    pub file: &'a File,
    pub start: u64,
    pub size: u64,
    pub pos: u64,
}

impl Read for Window<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.size {
            return Ok(0);
        }
        let n = (buf.len() as u64).min(self.size - self.pos) as usize;
        let got = self.file.read_at(&mut buf[..n], self.start + self.pos)?;
        self.pos += got as u64;
        Ok(got)
    }
}

impl Seek for Window<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => (self.size as i64 + d).max(0) as u64,
            SeekFrom::Current(d) => (self.pos as i64 + d).max(0) as u64,
        };
        Ok(self.pos)
    }
}

pub fn probe_span(file: &File, span: Span, sector: u32) -> io::Result<Vec<Signature>> {
    let mut w = Window {
        file,
        start: span.start,
        size: span.size,
        pos: 0,
    };
    signatures::probe(&mut w, span.size, sector)
}

fn read_exact_at(file: &File, off: u64, len: usize) -> Option<Vec<u8>> {
    let mut b = vec![0u8; len];
    file.read_exact_at(&mut b, off).ok()?;
    Some(b)
}

/// A GPT header at `lba`, verified or not (an eraser must not miss a partition because its
/// table's CRC is bad): (alternate LBA, entries LBA, entries bytes, partitions). Through the
/// one bounded GPT reader, so a hostile header cannot overflow or allocate without limit.
fn gpt_header(file: &File, len: u64, lba: u64, sector: u64) -> Option<(u64, u64, u64, Vec<Span>)> {
    let mut f = file;
    let g = crate::disk::gpt::salvage(&mut f, lba, sector, len).ok()??;
    let parts = g
        .entries
        .iter()
        .filter_map(|e| {
            Some(Span {
                start: e.first_lba.checked_mul(sector)?,
                size: (e.last_lba - e.first_lba)
                    .checked_add(1)?
                    .checked_mul(sector)?,
                number: e.number,
            })
        })
        .collect();
    Some((
        g.header.alternate_lba,
        g.header.entries_lba,
        g.array_bytes,
        parts,
    ))
}

/// MBR primary partitions and the logical ones of an extended partition (EBR chain, bounded).
fn mbr_partitions(file: &File, sector: u64) -> Vec<Span> {
    let mut out = Vec::new();
    let Some(mbr) = read_exact_at(file, 0, 512) else {
        return out;
    };
    if mbr[510] != 0x55 || mbr[511] != 0xaa {
        return out;
    }
    let entry = |b: &[u8], i: usize| {
        let e = &b[446 + 16 * i..446 + 16 * (i + 1)];
        let ty = MbrType(e[4]);
        let lba = le::u32(e, 8).map_or(0, u64::from);
        let n = le::u32(e, 12).map_or(0, u64::from);
        (ty, lba, n)
    };
    for i in 0..4 {
        let (ty, lba, n) = entry(&mbr, i);
        if ty == MbrType::EMPTY || ty.is_protective() || n == 0 {
            continue;
        }
        out.push(Span {
            start: lba * sector,
            size: n * sector,
            number: i as u32 + 1,
        });
        if ty.is_extended() {
            let mut ebr_lba = lba;
            for k in 0..128u32 {
                let Some(ebr) = read_exact_at(file, ebr_lba * sector, 512) else {
                    break;
                };
                if ebr[510] != 0x55 || ebr[511] != 0xaa {
                    break;
                }
                let (lty, lstart, ln) = entry(&ebr, 0);
                if lty != MbrType::EMPTY && ln != 0 {
                    out.push(Span {
                        start: (ebr_lba + lstart) * sector,
                        size: ln * sector,
                        number: 5 + k,
                    });
                }
                let (nty, nstart, _) = entry(&ebr, 1);
                if nty == MbrType::EMPTY || nstart == 0 {
                    break;
                }
                ebr_lba = lba + nstart;
            }
        }
    }
    out
}

/// Every partition range the disk has or had: the kernel's, the GPT's (primary, else backup)
/// and the MBR's; deepest (logical, then highest number) first.
pub fn partition_ranges(file: &File, disk: &str, size: u64, sector: u32) -> Vec<Span> {
    let sector = sector as u64;
    let mut spans: Vec<Span> = partnodes::kernel_partitions(disk)
        .into_iter()
        .map(|(number, start, size)| Span {
            start,
            size,
            number,
        })
        .collect();
    let primary = gpt_header(file, size, 1, sector);
    let backup = gpt_header(file, size, size / sector - 1, sector);
    if let Some((_, _, _, p)) = primary.as_ref().or(backup.as_ref()) {
        spans.extend(p.iter().copied());
    }
    spans.extend(mbr_partitions(file, sector));
    // The shared reader (gptman/mbrman) as well: the lenient walk above also finds partitions
    // in tables those reject (bad CRC, backup GPT only), which an eraser must not miss.
    let mut f = file;
    if let Ok(Some(t)) = table::read_table(&mut f, sector as u32) {
        spans.extend(t.partitions.iter().map(|p| Span {
            start: p.start,
            size: p.size,
            number: p.number,
        }));
    }
    spans.retain(|s| s.size > 0 && s.start < size);
    for s in &mut spans {
        s.size = s.size.min(size - s.start);
    }
    spans.sort_by(|a, b| b.number.cmp(&a.number).then(a.start.cmp(&b.start)));
    spans.dedup_by(|a, b| a.start == b.start && a.size == b.size);
    spans
}

/// The regions to zero for one range.
fn regions_for(span: Span, sigs: &[Signature]) -> Vec<(u64, u64)> {
    let mut r = Vec::new();
    let edge = MIB.min(span.size);
    r.push((span.start, edge));
    r.push((span.start + span.size - edge, edge));
    for copy in BTRFS_COPIES {
        if copy + 4096 <= span.size {
            r.push((span.start + copy, 4096));
        }
    }
    for s in sigs {
        let at = s.offset & !4095;
        let len = 8192.min(span.size - at);
        r.push((span.start + at, len));
    }
    r
}

/// Backup superblocks that fsck tools recover a filesystem from (xfs_repair reads every
/// allocation group's header, e2fsck the backup superblocks): the first 4 KiB of each xfs AG
/// and each ext2/3/4 backup superblock group.
fn backup_superblocks(file: &File, span: Span, sigs: &[Signature]) -> Vec<(u64, u64)> {
    let mut r = Vec::new();
    let kinds: Vec<SignatureKind> = sigs.iter().map(|s| s.kind).collect();
    if kinds.contains(&SignatureKind::Xfs)
        && let Some(sb) = read_exact_at(file, span.start, 96)
    {
        let be32 = |a: usize| u32::from_be_bytes(sb[a..a + 4].try_into().unwrap()) as u64;
        let (bsize, agblocks, agcount) = (be32(4), be32(84), be32(88));
        if bsize.is_power_of_two() && agblocks > 0 && agcount < 1 << 20 {
            for ag in 1..agcount {
                // AGs only go up: the first past the span (or past u64) ends the walk.
                match ag.checked_mul(agblocks).and_then(|b| b.checked_mul(bsize)) {
                    Some(at) if at.saturating_add(4096) <= span.size => {
                        r.push((span.start + at, 4096))
                    }
                    _ => break,
                }
            }
        }
    }
    if kinds.contains(&SignatureKind::Ext4)
        && let Some(sb) = read_exact_at(file, span.start + 1024, 256)
    {
        let le32 = |a: usize| le::u32(&sb, a).map_or(0, u64::from);
        let bsize = 1024u64 << le32(24).min(6);
        let (blocks, per_group) = (le32(4), le32(32));
        let first = le32(20);
        let sparse = le32(100) & 1 != 0;
        if per_group > 0 {
            let groups = blocks.div_ceil(per_group).min(1 << 22);
            let is_backup = |g: u64| {
                !sparse
                    || g == 1
                    || [3u64, 5, 7].iter().any(|b| {
                        let mut p = *b;
                        while p < g {
                            p *= b;
                        }
                        p == g
                    })
            };
            for g in (1..groups).filter(|g| is_backup(*g)) {
                let at = g
                    .checked_mul(per_group)
                    .and_then(|b| b.checked_add(first))
                    .and_then(|b| b.checked_mul(bsize));
                match at {
                    Some(at) if at.saturating_add(4096) <= span.size => {
                        r.push((span.start + at, 4096))
                    }
                    _ => break,
                }
            }
        }
    }
    r
}

/// GPT headers and entry arrays wherever the headers say they are (a disk that grew keeps its
/// backup GPT in the middle).
fn gpt_regions(file: &File, size: u64, sector: u64) -> Vec<(u64, u64)> {
    let mut r = Vec::new();
    let mut visit = |lba: u64| -> Option<u64> {
        let (alt, entries, bytes, _) = gpt_header(file, size, lba, sector)?;
        r.push((lba * sector, sector));
        if let Some(at) = entries.checked_mul(sector) {
            r.push((at, bytes.div_ceil(sector) * sector));
        }
        Some(alt)
    };
    let last = size / sector - 1;
    if let Some(alt) = visit(1)
        && alt != last
        && alt.checked_mul(sector).is_some_and(|a| a < size)
    {
        visit(alt);
    }
    visit(last);
    r.retain(|(s, l)| *l > 0 && s + l <= size);
    r
}

/// Sorts and merges overlapping or touching regions.
pub fn merge(mut r: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    r.sort();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (s, l) in r {
        if let Some(last) = out.last_mut()
            && s <= last.0 + last.1
        {
            let end = (s + l).max(last.0 + last.1);
            last.1 = end - last.0;
            continue;
        }
        out.push((s, l));
    }
    out
}

/// Plans the wipe (read-only): the ranges, what they carry, and the regions to zero.
pub fn plan(file: &File, disk: &str, size: u64, sector: u32) -> Result<MetadataOutcome> {
    let mut ranges = partition_ranges(file, disk, size, sector);
    ranges.push(Span {
        start: 0,
        size,
        number: 0,
    });
    let mut found = Vec::new();
    let mut regions = gpt_regions(file, size, sector as u64);
    for span in &ranges {
        let sigs = probe_span(file, *span, sector).ctx(Kind::Io, || {
            format!("cannot probe /dev/{disk} at {}", span.start)
        })?;
        regions.extend(regions_for(*span, &sigs));
        regions.extend(backup_superblocks(file, *span, &sigs));
        found.extend(sigs.iter().map(|s| Found {
            range_start: span.start,
            kind: s.kind,
            offset: span.start + s.offset,
        }));
    }
    let sector = sector as u64;
    let regions: Vec<(u64, u64)> = merge(regions)
        .into_iter()
        .map(|(s, l)| {
            let start = s / sector * sector;
            let end = ((s + l).div_ceil(sector) * sector).min(size);
            (start, end - start)
        })
        .collect();
    let regions = merge(regions);
    Ok(MetadataOutcome {
        ranges,
        signatures_removed: found,
        bytes_written: 0,
        regions,
    })
}

/// Zeroes the planned regions, deepest range first (the plan's order is by offset; the writes
/// are synced once at the end, so the order on the medium is the same either way).
pub fn wipe(file: &File, outcome: &mut MetadataOutcome, device: &str) -> Result<()> {
    let zeros = vec![0u8; MIB as usize];
    for &(start, len) in &outcome.regions {
        let mut done = 0;
        while done < len {
            let n = (len - done).min(MIB) as usize;
            file.write_all_at(&zeros[..n], start + done)
                .ctx(Kind::Io, || {
                    format!("cannot write {device} at {}", start + done)
                })?;
            done += n as u64;
            outcome.bytes_written += n as u64;
        }
        crate::interrupt::check()?;
    }
    file.sync_all()
        .ctx(Kind::Io, || format!("cannot flush {device}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A previous tenant's GPT whose header and entries would overflow `lba * sector` (a
    /// panic in a debug build, a wrapped offset in a release one): the walk stays bounded and
    /// finds what is sane. The entry at 2^62 cannot be a byte offset; the one at 2048 is kept.
    #[test]
    fn hostile_gpt_numbers_do_not_overflow_the_eraser() {
        let mut d = crate::disk::gpt::tests::disk(8192, 128, 128, &[(2048, 4095)]);
        let e = 1024 + 128; // the second entry of the primary array
        d[e..e + 16].copy_from_slice(&[0xaf; 16]);
        d[e + 32..e + 40].copy_from_slice(&(1u64 << 62).to_le_bytes());
        d[e + 40..e + 48].copy_from_slice(&u64::MAX.to_le_bytes());
        // The alternate header's LBA, far past the disk.
        d[512 + 32..512 + 40].copy_from_slice(&(u64::MAX / 3).to_le_bytes());
        let path = std::env::temp_dir().join(format!("ironbox-erase-gpt-{}", std::process::id()));
        std::fs::write(&path, &d).unwrap();
        let f = File::open(&path).unwrap();
        let size = d.len() as u64;
        let spans = partition_ranges(&f, "ironbox-no-such-disk", size, 512);
        assert!(spans.iter().any(|s| s.start == 2048 * 512), "{spans:?}");
        assert!(spans.iter().all(|s| s.start < size), "{spans:?}");
        let regions = gpt_regions(&f, size, 512);
        assert!(regions.iter().all(|(at, _)| *at < size), "{regions:?}");
        // An entry array LBA that overflows: no region for it, no panic.
        let mut h = d.clone();
        h[512 + 72..512 + 80].copy_from_slice(&(u64::MAX / 7).to_le_bytes());
        std::fs::write(&path, &h).unwrap();
        let f = File::open(&path).unwrap();
        let _ = gpt_regions(&f, size, 512);
        let _ = partition_ranges(&f, "ironbox-no-such-disk", size, 512);
        std::fs::remove_file(&path).unwrap();
    }

    /// Superblocks a previous tenant left with numbers whose products pass 2^64 (xfs: 2^31-byte
    /// blocks, 2^32-1 blocks per AG; ext4: 64 KiB blocks, the first data block at 2^32-1): the
    /// backup walk stops instead of overflowing (a panic in a debug build, a wrapped offset
    /// outside the partition in a release one).
    #[test]
    fn hostile_superblock_numbers_do_not_overflow_the_backup_walk() {
        let span = Span {
            start: MIB,
            size: 16 * MIB,
            number: 1,
        };
        let mut d = vec![0u8; 18 * MIB as usize];
        let sb = MIB as usize;
        d[sb + 4..sb + 8].copy_from_slice(&(1u32 << 31).to_be_bytes());
        d[sb + 84..sb + 88].copy_from_slice(&u32::MAX.to_be_bytes());
        d[sb + 88..sb + 92].copy_from_slice(&((1u32 << 20) - 1).to_be_bytes());
        let ext = sb + 1024;
        d[ext + 4..ext + 8].copy_from_slice(&u32::MAX.to_le_bytes()); // blocks
        d[ext + 20..ext + 24].copy_from_slice(&u32::MAX.to_le_bytes()); // first data block
        d[ext + 24..ext + 28].copy_from_slice(&6u32.to_le_bytes()); // 1024 << 6
        d[ext + 32..ext + 36].copy_from_slice(&1u32.to_le_bytes()); // blocks per group
        let path = std::env::temp_dir().join(format!("ironbox-erase-sb-{}", std::process::id()));
        std::fs::write(&path, &d).unwrap();
        let f = File::open(&path).unwrap();
        let sigs =
            [SignatureKind::Xfs, SignatureKind::Ext4].map(|kind| Signature { kind, offset: MIB });
        let r = backup_superblocks(&f, span, &sigs);
        std::fs::remove_file(&path).unwrap();
        let inside =
            |(at, len): &(u64, u64)| *at >= span.start && at + len <= span.start + span.size;
        assert!(r.iter().all(inside), "{r:?}");
    }

    #[test]
    fn merges_regions() {
        assert_eq!(
            merge(vec![(10, 5), (0, 10), (30, 1), (14, 2)]),
            vec![(0, 16), (30, 1)]
        );
    }

    #[test]
    fn regions_cover_edges_and_btrfs_copies() {
        let span = Span {
            start: MIB,
            size: 512 * MIB,
            number: 1,
        };
        let r = merge(regions_for(span, &[]));
        assert!(r.contains(&(MIB, MIB)));
        assert!(r.contains(&(MIB + 64 * MIB, 4096)));
        assert!(r.contains(&(MIB + 511 * MIB, MIB)));
    }
}
