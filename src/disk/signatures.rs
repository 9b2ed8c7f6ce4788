//! On-disk signature probing: which partition tables and filesystems (and where) a device or an
//! image carries. Used to refuse writing over data without `--wipe`, to find protected
//! filesystems, and by erase to prove a wipe. A small, read-only cousin of libblkid.

use crate::disk::mbr_type::MbrType;
pub use crate::disk::signature_kind::SignatureKind;
use crate::le;
use SignatureKind as K;
use std::io::{self, Read, Seek, SeekFrom};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Signature {
    /// blkid-style type name: `gpt`, `dos`, `ext4`, `xfs`, `swap`, `vfat`, `iso9660`, ...
    pub kind: SignatureKind,
    /// Byte offset of the magic on the device.
    pub offset: u64,
}

/// The GPT partition type GUID GPFS uses for its NSDs (mixed-endian on disk).
const GPFS_TYPE_GUID: [u8; 16] = [
    0x90, 0xfc, 0xaf, 0x37, 0x7d, 0xef, 0x96, 0x4e, 0x91, 0xc3, 0x2d, 0x7a, 0xe0, 0x55, 0xb1, 0x74,
];

/// (kind, offset from the start, magic bytes)
const HEAD_MAGICS: &[(SignatureKind, u64, &[u8])] = &[
    (K::Xfs, 0, b"XFSB"),
    (K::Luks, 0, b"LUKS\xba\xbe"),
    (K::Ext4, 1080, &[0x53, 0xef]),
    (K::Btrfs, 65_600, b"_BHRfS_M"),
    (K::Btrfs, 67_108_864 + 64, b"_BHRfS_M"),
    (K::Btrfs, 274_877_906_944 + 64, b"_BHRfS_M"),
    // LUKS2 keeps a second binary header at one of these offsets.
    (K::Luks, 16_384, b"SKUL\xba\xbe"),
    (K::Luks, 32_768, b"SKUL\xba\xbe"),
    (K::Luks, 65_536, b"SKUL\xba\xbe"),
    (K::Iso9660, 32_769, b"CD001"),
    (K::Swap, 4086, b"SWAPSPACE2"),
    (K::Swap, 4086, b"SWAP-SPACE"),
    (K::Swap, 65_526, b"SWAPSPACE2"),
    (K::LinuxRaidMember, 4096, &[0xfc, 0x4e, 0x2b, 0xa9]),
    (K::LinuxRaidMember, 0, &[0xfc, 0x4e, 0x2b, 0xa9]),
    (K::Lvm2Member, 512 + 24, b"LVM2 001"),
    (K::Lvm2Member, 24, b"LVM2 001"),
    (
        K::Bcache,
        4096 + 24,
        &[
            0xc6, 0x85, 0x73, 0xf6, 0x4e, 0x1a, 0x45, 0xca, 0x82, 0x65, 0xf5, 0x7f, 0x48, 0xba,
            0x6d, 0x81,
        ],
    ),
    (K::Gfs2, 65_536, &[0x01, 0x16, 0x19, 0x70]),
    (K::Vmfs, 1_048_576, &[0x0d, 0xd0, 0x01, 0xc0]),
    (K::Vmfs, 2_097_152, &[0x5e, 0xf1, 0xab, 0x2f]),
    (K::ZfsMember, 8192 + 0x3c00, &[0x0c, 0xb1, 0xba, 0x00]),
    // The first uberblock of ZFS labels 0 and 1 (128 KiB into each 256 KiB label).
    (K::ZfsMember, 131_072, &[0x0c, 0xb1, 0xba, 0x00]),
    (K::ZfsMember, 393_216, &[0x0c, 0xb1, 0xba, 0x00]),
];

fn read_at<R: Read + Seek>(r: &mut R, offset: u64, len: usize) -> io::Result<Option<Vec<u8>>> {
    r.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0u8; len];
    let mut got = 0;
    while got < len {
        match r.read(&mut buf[got..])? {
            0 => return Ok(None),
            n => got += n,
        }
    }
    Ok(Some(buf))
}

/// Probes a device (or image) of `size` bytes with logical sector size `sector`.
/// Nothing is read past `size`: a small node (an extended partition's 1 KiB stub) answers
/// such reads with EINVAL, and a probe error is a refusal.
pub fn probe<R: Read + Seek>(r: &mut R, size: u64, sector: u32) -> io::Result<Vec<Signature>> {
    let mut found = Vec::new();
    probe_gpt(r, size, sector as u64, &mut found)?;
    probe_mbr_sector(r, size, &mut found)?;
    probe_head_magics(r, size, &mut found)?;
    probe_tail(r, size, &mut found)?;
    found.dedup();
    Ok(found)
}

/// GPT header at LBA 1 (either sector size, since images may differ from the device), and the
/// backup header in the last sector.
fn probe_gpt<R: Read + Seek>(
    r: &mut R,
    size: u64,
    sector: u64,
    found: &mut Vec<Signature>,
) -> io::Result<()> {
    for lba1 in [512u64, 4096] {
        if lba1 + 92 > size {
            continue;
        }
        if let Some(b) = read_at(r, lba1, 8)?
            && b == b"EFI PART"
        {
            found.push(Signature {
                kind: K::Gpt,
                offset: lba1,
            });
            if let Some(entry) = gpt_has_type(r, size, lba1, &GPFS_TYPE_GUID)? {
                found.push(Signature {
                    kind: K::Gpfs,
                    offset: entry,
                });
            }
        }
    }
    if size >= sector * 2
        && let Some(b) = read_at(r, size - sector, 8)?
        && b == b"EFI PART"
    {
        found.push(Signature {
            kind: K::GptBackup,
            offset: size - sector,
        });
    }
    Ok(())
}

/// Sector 0: a FAT or NTFS boot sector, else an MBR (protective or dos) with entries in use.
fn probe_mbr_sector<R: Read + Seek>(
    r: &mut R,
    size: u64,
    found: &mut Vec<Signature>,
) -> io::Result<()> {
    if size >= 512
        && let Some(mbr) = read_at(r, 0, 512)?
        && mbr[510] == 0x55
        && mbr[511] == 0xaa
    {
        let fat = &mbr[54..59] == b"FAT12" || &mbr[54..59] == b"FAT16" || &mbr[82..87] == b"FAT32";
        let ntfs = &mbr[3..11] == b"NTFS    ";
        let entries_used = (0..4).any(|i| mbr[446 + i * 16 + 4] != 0);
        if fat {
            found.push(Signature {
                kind: K::Vfat,
                offset: 0,
            });
        } else if ntfs {
            found.push(Signature {
                kind: K::Ntfs,
                offset: 3,
            });
        } else if entries_used {
            let protective = (0..4).any(|i| MbrType(mbr[446 + i * 16 + 4]).is_protective());
            found.push(Signature {
                kind: if protective { K::Pmbr } else { K::Dos },
                offset: 510,
            });
        }
    }
    Ok(())
}

/// Superblocks at fixed offsets from the start.
fn probe_head_magics<R: Read + Seek>(
    r: &mut R,
    size: u64,
    found: &mut Vec<Signature>,
) -> io::Result<()> {
    for (kind, offset, magic) in HEAD_MAGICS {
        if offset + magic.len() as u64 > size {
            continue;
        }
        if let Some(b) = read_at(r, *offset, magic.len())?
            && b == *magic
            && (*kind != K::Ext4 || ext_plausible(r)?)
        {
            found.push(Signature {
                kind: *kind,
                offset: *offset,
            });
        }
    }
    Ok(())
}

/// Signatures near the end of the device: md and ZFS.
fn probe_tail<R: Read + Seek>(r: &mut R, size: u64, found: &mut Vec<Signature>) -> io::Result<()> {
    // md superblocks 0.90 (64 KiB-aligned, 64 KiB from the end) and 1.0 (8 KiB from the end).
    if size >= 128 * 1024 {
        let v090 = (size & !(65_535)) - 65_536;
        let v10 = (size - 8192) & !4095;
        for off in [v090, v10] {
            if let Some(b) = read_at(r, off, 4)?
                && b == [0xfc, 0x4e, 0x2b, 0xa9]
            {
                found.push(Signature {
                    kind: K::LinuxRaidMember,
                    offset: off,
                });
            }
        }
    }
    // ZFS labels 2 and 3 sit in the last 512 KiB (256 KiB-aligned); their first uberblock is
    // 128 KiB into each.
    if size >= 1 << 20 {
        let end = size & !(262_143);
        for label in [end - 524_288, end - 262_144] {
            if let Some(b) = read_at(r, label + 131_072, 4)?
                && b == [0x0c, 0xb1, 0xba, 0x00]
            {
                found.push(Signature {
                    kind: K::ZfsMember,
                    offset: label + 131_072,
                });
            }
        }
    }
    Ok(())
}

/// Where stale signatures of a byte range of `len` bytes can sit, as (offset, length) within it:
/// the first and last MiB (md 0.90/1.0 at the end, md 1.1/1.2, LVM, bcache, ZFS labels 0-3,
/// most superblocks at the start) plus the backup superblocks that are cheap to name (btrfs
/// mirrors, ext's first backup for each block size). Clipped to the range, merged.
pub fn stale_areas(len: u64) -> Vec<(u64, u64)> {
    const MIB: u64 = 1 << 20;
    let mut areas = vec![(0, MIB.min(len)), (len.saturating_sub(MIB), MIB.min(len))];
    // btrfs mirrors at 64 MiB and 256 GiB; ext backups in block group 1 (1, 2 and 4 KiB blocks).
    for off in [
        64 * MIB,
        256 << 30,
        8193 * 1024,
        16_384 * 2048,
        32_768 * 4096,
    ] {
        if off < len {
            areas.push((off & !4095, 8192.min(len - (off & !4095))));
        }
    }
    areas.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for (o, l) in areas {
        match merged.last_mut() {
            Some((mo, ml)) if o <= *mo + *ml => *ml = (*ml).max(o + l - *mo),
            _ => merged.push((o, l)),
        }
    }
    merged
}

/// Zeros every `stale_areas` of the range `start..start + len` of `f` (a new partition's bytes,
/// before its filesystem is written), so that no older signature survives beside the new one.
/// Returns the bytes zeroed.
pub fn wipe_stale(f: &std::fs::File, start: u64, len: u64) -> io::Result<u64> {
    use std::os::unix::fs::FileExt;
    let zeros = vec![0u8; 1 << 16];
    let mut total = 0;
    for (o, l) in stale_areas(len) {
        let mut done = 0;
        while done < l {
            let n = (l - done).min(zeros.len() as u64) as usize;
            f.write_all_at(&zeros[..n], start + o + done)?;
            done += n as u64;
        }
        total += l;
    }
    Ok(total)
}

/// ext's 0xEF53 is two bytes: also require a sane block-size exponent to avoid false hits.
fn ext_plausible<R: Read + Seek>(r: &mut R) -> io::Result<bool> {
    Ok(read_at(r, 1024 + 24, 4)?.is_some_and(|b| le::u32(&b, 0).is_some_and(|e| e <= 6)))
}

/// Looks through the GPT entry array for a partition of the given type; returns the entry offset.
/// Through the one bounded GPT reader, unverified (a protected filesystem behind a table with a
/// bad CRC is still protected); an array placed outside the device holds nothing, so a bad table
/// cannot turn the whole probe into an error, but a failed read inside the device is one.
fn gpt_has_type<R: Read + Seek>(
    r: &mut R,
    size: u64,
    header_at: u64,
    guid: &[u8; 16],
) -> io::Result<Option<u64>> {
    // LBA 1 sits at one sector.
    let Some(g) = crate::disk::gpt::salvage(r, 1, header_at, size)? else {
        return Ok(None);
    };
    Ok(g.entries
        .iter()
        .find(|e| &e.type_guid == guid)
        .and_then(|e| g.slot_offset(e, header_at)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn finds_gpt_and_ext4_and_nothing_on_zeroes() {
        let mut img = vec![0u8; 4 << 20];
        assert!(
            probe(&mut Cursor::new(&img), img.len() as u64, 512)
                .unwrap()
                .is_empty()
        );
        img[512..520].copy_from_slice(b"EFI PART");
        img[1080] = 0x53;
        img[1081] = 0xef;
        let found = probe(&mut Cursor::new(&img), img.len() as u64, 512).unwrap();
        let kinds: Vec<_> = found.iter().map(|s| s.kind).collect();
        assert!(
            kinds.contains(&K::Gpt) && kinds.contains(&K::Ext4),
            "{kinds:?}"
        );
    }

    #[test]
    fn a_gpt_entry_array_past_the_end_does_not_hide_vmfs() {
        let mut img = vec![0u8; 4 << 20];
        img[512..520].copy_from_slice(b"EFI PART");
        for lba in [u64::MAX, 1 << 62, 1 << 40] {
            img[512 + 72..512 + 80].copy_from_slice(&lba.to_le_bytes());
            img[512 + 80..512 + 84].copy_from_slice(&128u32.to_le_bytes());
            img[1 << 20..(1 << 20) + 4].copy_from_slice(&[0x0d, 0xd0, 0x01, 0xc0]);
            let found = probe(&mut Cursor::new(&img), img.len() as u64, 512).unwrap();
            assert!(found.iter().any(|s| s.kind == K::Vmfs), "{lba}: {found:?}");
        }
    }

    #[test]
    fn stale_areas_cover_both_ends_and_clip_to_the_range() {
        let a = stale_areas(64 << 20);
        assert_eq!(a.first(), Some(&(0, 1 << 20)));
        assert_eq!(a.last(), Some(&((63 << 20), 1 << 20)));
        // ext's first backup superblock with 1 KiB and 2 KiB blocks.
        assert!(a.contains(&((8193 * 1024) & !4095, 8192)), "{a:?}");
        assert!(a.contains(&(32 << 20, 8192)), "{a:?}");
        // Smaller than 2 MiB: the two ends merge into the whole range.
        assert_eq!(stale_areas(1_500_000), vec![(0, 1_500_000)]);
        let big = stale_areas(1 << 30);
        assert!(big.contains(&(64 << 20, 8192)), "{big:?}");
        assert!(big.contains(&(128 << 20, 8192)), "{big:?}");
        assert_eq!(big.last(), Some(&((1 << 30) - (1 << 20), 1 << 20)));
    }

    #[test]
    fn wipe_stale_clears_md_zfs_bcache_lvm_and_ext_signatures() {
        let path = std::env::temp_dir().join(format!("ironbox-wipe-{}", std::process::id()));
        let size = 8u64 << 20;
        let mut img = vec![0u8; size as usize];
        let v10 = ((size - 8192) & !4095) as usize;
        img[v10..v10 + 4].copy_from_slice(&[0xfc, 0x4e, 0x2b, 0xa9]);
        img[1080] = 0x53;
        img[1081] = 0xef;
        // md 0.90, a ZFS label 3 uberblock at the end, bcache and LVM at the start.
        let v090 = ((size & !65_535) - 65_536) as usize;
        img[v090..v090 + 4].copy_from_slice(&[0xfc, 0x4e, 0x2b, 0xa9]);
        let zfs = (size - 262_144 + 131_072) as usize;
        img[zfs..zfs + 4].copy_from_slice(&[0x0c, 0xb1, 0xba, 0x00]);
        img[4096 + 24..4096 + 40]
            .copy_from_slice(&HEAD_MAGICS.iter().find(|m| m.0 == K::Bcache).unwrap().2[..16]);
        img[536..544].copy_from_slice(b"LVM2 001");
        let before: Vec<_> = probe(&mut std::io::Cursor::new(&img), size, 512)
            .unwrap()
            .into_iter()
            .map(|s| s.kind.as_str())
            .collect();
        for k in [
            "linux_raid_member",
            "zfs_member",
            "bcache",
            "LVM2_member",
            "ext4",
        ] {
            assert!(before.contains(&k), "{k}: {before:?}");
        }
        std::fs::write(&path, &img).unwrap();
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        assert!(!probe(&mut &f, size, 512).unwrap().is_empty());
        wipe_stale(&f, 0, size).unwrap();
        let left = probe(&mut &f, size, 512).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn finds_zfs_tail_labels_and_luks2_secondary_header() {
        let mut img = vec![0u8; 4 << 20];
        let tail = img.len() - 262_144 + 131_072;
        img[tail..tail + 4].copy_from_slice(&[0x0c, 0xb1, 0xba, 0x00]);
        img[16_384..16_390].copy_from_slice(b"SKUL\xba\xbe");
        let found = probe(&mut Cursor::new(&img), img.len() as u64, 512).unwrap();
        assert!(found.contains(&Signature {
            kind: K::ZfsMember,
            offset: tail as u64
        }));
        assert!(
            found
                .iter()
                .any(|s| s.kind == K::Luks && s.offset == 16_384)
        );
    }
}
