//! GUIDs as GPT stores them (mixed-endian) and as people write them.

/// Formats on-disk GUID bytes as `C12A7328-F81F-11D2-BA4B-00A0C93EC93B` (upper case, like sgdisk).
pub fn to_string(g: &[u8; 16]) -> String {
    format!(
        "{:02X}{:02X}{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
        g[3],
        g[2],
        g[1],
        g[0],
        g[5],
        g[4],
        g[7],
        g[6],
        g[8],
        g[9],
        g[10],
        g[11],
        g[12],
        g[13],
        g[14],
        g[15]
    )
}

/// Parses a textual GUID into on-disk byte order; None when malformed.
pub fn parse(s: &str) -> Option<[u8; 16]> {
    let hex: String = s.trim().chars().filter(|c| *c != '-').collect();
    let groups: Vec<&str> = s.trim().split('-').collect();
    if hex.len() != 32 || groups.iter().map(|g| g.len()).collect::<Vec<_>>() != [8, 4, 4, 4, 12] {
        return None;
    }
    let mut b = [0u8; 16];
    for (i, byte) in b.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    b[0..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    Some(b)
}

/// A random (version 4) GUID in on-disk order, from the kernel's RNG.
pub fn random() -> [u8; 16] {
    let mut b = [0u8; 16];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        let _ = f.read_exact(&mut b);
    }
    // Version 4, variant 1 (bytes 7 and 8 in textual order; byte 7 is stored at index 7).
    b[7] = (b[7] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_esp_guid() {
        let s = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
        let b = super::parse(s).unwrap();
        assert_eq!(b[0], 0x28, "first group is little-endian on disk");
        assert_eq!(super::to_string(&b), s);
        assert_eq!(super::parse(&s.to_lowercase()), Some(b));
        assert!(super::parse("not-a-guid").is_none());
        let r = super::random();
        assert_eq!(super::to_string(&r).chars().nth(14), Some('4'));
    }
}
