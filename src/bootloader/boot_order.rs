//! BootOrder (a list of u16 entry numbers, little-endian) and Boot#### variable names.

use crate::le;

/// `Boot0004` for 4; entry numbers are four upper-case hex digits.
pub fn var_name(n: u16) -> String {
    format!("Boot{n:04X}")
}

/// The number of a `Boot####` name; None for BootOrder, BootCurrent, BootNext and the like.
pub fn parse_var_name(name: &str) -> Option<u16> {
    let hex = name.strip_prefix("Boot")?;
    (hex.len() == 4 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| u16::from_str_radix(hex, 16).ok())
        .flatten()
}

pub fn decode(b: &[u8]) -> Vec<u16> {
    le::u16s(b).collect()
}

pub fn encode(order: &[u16]) -> Vec<u8> {
    order.iter().flat_map(|n| n.to_le_bytes()).collect()
}

/// `first` in front, in their given order, followed by the rest without repeats.
pub fn put_first(order: &[u16], first: &[u16]) -> Vec<u16> {
    let mut out: Vec<u16> = Vec::with_capacity(order.len() + first.len());
    for &n in first.iter().chain(order) {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

pub fn without(order: &[u16], removed: &[u16]) -> Vec<u16> {
    order
        .iter()
        .copied()
        .filter(|n| !removed.contains(n))
        .collect()
}

/// The lowest entry number not in use.
pub fn free_number(used: &[u16]) -> Option<u16> {
    (0..=u16::MAX).find(|n| !used.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(var_name(0x1a), "Boot001A");
        assert_eq!(parse_var_name("Boot001A"), Some(0x1a));
        assert_eq!(parse_var_name("Boot001a"), Some(0x1a));
        assert_eq!(parse_var_name("BootOrder"), None);
        assert_eq!(parse_var_name("BootNext"), None);
        assert_eq!(parse_var_name("Boot12345"), None);
    }

    #[test]
    fn order_edits() {
        let order = decode(&[0x01, 0x00, 0x00, 0x00, 0x03, 0x00]);
        assert_eq!(order, [1, 0, 3]);
        assert_eq!(put_first(&order, &[3]), [3, 1, 0]);
        assert_eq!(put_first(&order, &[5, 0]), [5, 0, 1, 3]);
        assert_eq!(without(&order, &[0, 9]), [1, 3]);
        assert_eq!(encode(&[3, 1]), [3, 0, 1, 0]);
        assert_eq!(free_number(&[0, 1, 3]), Some(2));
        // An odd trailing byte is not an entry.
        assert_eq!(decode(&[1, 0, 2]), [1]);
    }
}
