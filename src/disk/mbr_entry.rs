//! One 16-byte msdos partition entry, as the MBR and every EBR hold it. Written by hand because
//! mbrman 0.6 computes EBR offsets in u32 bytes, which wrap beyond 4 GiB. Shared by the table
//! writer (partition) and the in-place append (configdrive), so both encode entries the same.

use crate::disk::mbr_type::MbrType;
use crate::report::{IronError, Kind, Result};

/// Cylinder, head, sector for an LBA with the conventional 255 heads × 63 sectors geometry,
/// saturating at 1023/254/63 beyond 8 GiB as every tool does.
pub fn chs(lba: u64) -> (u16, u8, u8) {
    let (h, s) = (255u64, 63u64);
    let c = lba / (h * s);
    if c > 1023 {
        return (1023, 254, 63);
    }
    (c as u16, ((lba / s) % h) as u8, (lba % s + 1) as u8)
}

/// The entry's 32-bit start and length, or `invalid_layout` when they do not fit.
pub fn lba_fields(rel_start: u64, sectors: u64) -> Result<(u32, u32)> {
    let too_far = || {
        IronError::new(
            Kind::InvalidLayout,
            "a partition lies beyond what an msdos table can address (2^32 sectors)",
        )
    };
    Ok((
        u32::try_from(rel_start).map_err(|_| too_far())?,
        u32::try_from(sectors).map_err(|_| too_far())?,
    ))
}

fn chs_bytes(lba: u64) -> [u8; 3] {
    let (c, h, s) = chs(lba);
    [
        h,
        (s & 0x3f) | (((c >> 8) as u8 & 0x03) << 6),
        (c & 0xff) as u8,
    ]
}

/// The entry for `sectors` sectors whose LBA field is `rel_start` (relative to the disk in the
/// MBR, to the EBR for a logical partition, to the extended partition for a link) and whose
/// first sector is `abs_start` on the disk (for the CHS fields).
pub fn encode(
    sys: MbrType,
    boot: bool,
    rel_start: u64,
    sectors: u64,
    abs_start: u64,
) -> Result<[u8; 16]> {
    let (first, n) = lba_fields(rel_start, sectors)?;
    let mut e = [0u8; 16];
    e[0] = if boot { 0x80 } else { 0x00 };
    e[1..4].copy_from_slice(&chs_bytes(abs_start));
    e[4] = sys.0;
    e[5..8].copy_from_slice(&chs_bytes(abs_start + sectors.max(1) - 1));
    e[8..12].copy_from_slice(&first.to_le_bytes());
    e[12..16].copy_from_slice(&n.to_le_bytes());
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_as_fdisk_writes_them() {
        // A partition at 1 MiB of 100 MiB: CHS 0/32/33 .. 12/223/19.
        let e = encode(MbrType::LINUX, true, 2048, 204_800, 2048).unwrap();
        assert_eq!(e[0], 0x80);
        assert_eq!(&e[1..4], &[32, 33, 0]);
        assert_eq!(e[4], 0x83);
        assert_eq!(&e[5..8], &[223, 19, 12]);
        assert_eq!(u32::from_le_bytes(e[8..12].try_into().unwrap()), 2048);
        assert_eq!(u32::from_le_bytes(e[12..16].try_into().unwrap()), 204_800);
        // Beyond 8 GiB the CHS fields saturate; beyond 2^32 sectors nothing can be written.
        let far = encode(MbrType::LINUX, false, 1 << 31, 2048, 1 << 31).unwrap();
        assert_eq!(&far[1..4], &[254, 0xff, 0xff]);
        assert_eq!(
            encode(MbrType::LINUX, false, 1 << 32, 1, 1 << 32)
                .unwrap_err()
                .kind,
            Kind::InvalidLayout
        );
    }
}
