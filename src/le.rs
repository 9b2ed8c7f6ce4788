//! Little-endian integers read out of byte buffers, checked: a field that does not fit in the
//! buffer (a short read, a hostile offset) is None, never a panic. Every parser of on-disk or
//! firmware structures (GPT, MBR, FAT, ISO 9660, NVMe and ATA data, EFI variables) reads through
//! these. A leaf module at the crate root, so that `sys` can use it without reaching up.

/// The `N` bytes at `at`, or None when `at + N` overflows or lies past the end of `b`.
pub fn bytes<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    let end = at.checked_add(N)?;
    b.get(at..end)?.try_into().ok()
}

pub fn u16(b: &[u8], at: usize) -> Option<u16> {
    bytes(b, at).map(u16::from_le_bytes)
}

pub fn u32(b: &[u8], at: usize) -> Option<u32> {
    bytes(b, at).map(u32::from_le_bytes)
}

pub fn u64(b: &[u8], at: usize) -> Option<u64> {
    bytes(b, at).map(u64::from_le_bytes)
}

/// `b` as UTF-16LE code units (GPT names, EFI strings); an odd last byte is no unit.
pub fn u16s(b: &[u8]) -> impl Iterator<Item = u16> + '_ {
    b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]))
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_are_read_little_endian() {
        let b = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09];
        assert_eq!(super::u16(&b, 0), Some(0x0201));
        assert_eq!(super::u32(&b, 1), Some(0x0504_0302));
        assert_eq!(super::u64(&b, 1), Some(0x0908_0706_0504_0302));
        assert_eq!(super::bytes::<2>(&b, 7), Some([0x08, 0x09]));
        assert_eq!(super::bytes::<0>(&b, 9), Some([]));
        let units: Vec<u16> = super::u16s(&b).collect();
        assert_eq!(units, [0x0201, 0x0403, 0x0605, 0x0807]);
    }

    #[test]
    fn a_field_past_the_end_is_none_not_a_panic() {
        let b = [0u8; 8];
        assert_eq!(super::u16(&b, 7), None);
        assert_eq!(super::u32(&b, 5), None);
        assert_eq!(super::u64(&b, 1), None);
        assert_eq!(super::u64(&b, 0), Some(0));
        assert_eq!(super::u32(&[], 0), None);
        assert_eq!(super::bytes::<1>(&b, 9), None);
        // An offset whose end overflows usize.
        assert_eq!(super::u32(&b, usize::MAX - 1), None);
        assert_eq!(super::u64(&b, usize::MAX), None);
    }
}
