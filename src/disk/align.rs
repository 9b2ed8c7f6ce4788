//! Rounding to an alignment (partition starts and sizes, in bytes or sectors), checked: sizes
//! and offsets here come from layouts and from on-disk tables, so rounding up may overflow and
//! must say so rather than wrap. An alignment of 0 means "none": the value stays as it is.

/// `v` rounded up to a multiple of `a`; None when that lies past u64::MAX.
pub fn align_up(v: u64, a: u64) -> Option<u64> {
    if a == 0 {
        return Some(v);
    }
    v.checked_next_multiple_of(a)
}

/// `v` rounded down to a multiple of `a` (never overflows).
pub fn align_down(v: u64, a: u64) -> u64 {
    if a == 0 { v } else { v - v % a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_multiples() {
        let m = 1u64 << 20;
        assert_eq!(align_up(0, m), Some(0));
        assert_eq!(align_up(1, m), Some(m));
        assert_eq!(align_up(m, m), Some(m));
        assert_eq!(align_up(m + 1, 4096), Some(m + 4096));
        assert_eq!(align_up(10, 3), Some(12));
        assert_eq!(align_down(0, m), 0);
        assert_eq!(align_down(m - 1, m), 0);
        assert_eq!(align_down(3 * m + 5, m), 3 * m);
        assert_eq!(align_down(11, 3), 9);
    }

    #[test]
    fn overflow_is_none_and_alignment_0_is_none_at_all() {
        assert_eq!(align_up(u64::MAX, 4096), None);
        assert_eq!(align_up(u64::MAX - 4094, 4096), None);
        assert_eq!(align_up(u64::MAX - 4095, 4096), Some(u64::MAX - 4095));
        assert_eq!(align_up(u64::MAX, 1), Some(u64::MAX));
        assert_eq!(align_down(u64::MAX, 4096), u64::MAX - 4095);
        assert_eq!(align_up(12345, 0), Some(12345));
        assert_eq!(align_down(12345, 0), 12345);
    }
}
