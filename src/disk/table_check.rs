//! Whether a partition table read from an image describes partitions that can exist on the
//! target: each one non-empty, inside the disk, and not overlapping another. A table that fails
//! is the image's fault (`corrupt_image`), said plainly, rather than an `io` error from the
//! kernel refusing the partitions later. Kept apart from the readers so it works on whatever
//! table reader produces `TableInfo`.

use crate::disk::mbr_type::MbrType;
use crate::disk::table::TableInfo;
use crate::report::{IronError, Key, Kind, Result};

/// Ok when every partition lies inside `disk_size` bytes and none overlaps another.
pub fn validate(t: &TableInfo, disk_size: u64) -> Result<()> {
    let bad = |msg: String, n: u32| {
        Err(IronError::new(
            Kind::CorruptImage,
            format!("the image's {} partition table is invalid: {msg}", t.table),
        )
        .with(Key::Partition, n)
        .with(Key::DiskSize, disk_size))
    };
    let mut spans: Vec<(u64, u64, u32)> = Vec::new();
    for p in &t.partitions {
        let Some(end) = p.start.checked_add(p.size) else {
            return bad(
                format!("partition {} ends past 2^64 bytes", p.number),
                p.number,
            );
        };
        if p.size == 0 {
            return bad(
                format!("partition {} is empty or inverted", p.number),
                p.number,
            );
        }
        if end > disk_size {
            return bad(
                format!(
                    "partition {} (bytes {}..{end}) reaches past the end of the disk ({disk_size} bytes)",
                    p.number, p.start
                ),
                p.number,
            );
        }
        // MBR extended containers hold the logical partitions: they overlap them by design.
        if !p.type_byte.is_some_and(MbrType::is_extended) {
            spans.push((p.start, end, p.number));
        }
    }
    spans.sort();
    for w in spans.windows(2) {
        let ((s1, e1, n1), (s2, _, n2)) = (w[0], w[1]);
        if s2 < e1 {
            return bad(
                format!(
                    "partition {n2} (from byte {s2}) overlaps partition {n1} (bytes {s1}..{e1})"
                ),
                n2,
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::table::TableEntry;

    fn table(parts: &[(u64, u64, Option<u8>)]) -> TableInfo {
        TableInfo {
            table: crate::disk::table_kind::TableKind::Msdos,
            sector_size: 512,
            disk_id: "0x1".into(),
            partitions: parts
                .iter()
                .enumerate()
                .map(|(i, &(start, size, ty))| TableEntry {
                    number: i as u32 + 1,
                    start,
                    size,
                    type_guid: None,
                    type_byte: ty.map(MbrType),
                    label: None,
                    uuid: None,
                    bootable: false,
                })
                .collect(),
        }
    }

    #[test]
    fn good_tables_pass_and_logicals_may_sit_in_their_container() {
        let m = 1u64 << 20;
        validate(&table(&[(m, 8 * m, None), (9 * m, 8 * m, None)]), 64 * m).unwrap();
        for container in [0x05, 0x0f, 0x85] {
            let t = table(&[(m, 30 * m, Some(container)), (2 * m, 4 * m, Some(0x83))]);
            validate(&t, 64 * m).unwrap();
        }
    }

    #[test]
    fn overlaps_past_the_end_empty_and_overflow_are_corrupt() {
        let m = 1u64 << 20;
        for parts in [
            vec![(m, 8 * m, None), (4 * m, 8 * m, None)],
            vec![(m, 80 * m, None)],
            vec![(m, 0, None)],
            vec![(u64::MAX - 10, 20, None)],
        ] {
            let e = validate(&table(&parts), 64 * m).unwrap_err();
            assert_eq!(e.kind, Kind::CorruptImage, "{parts:?}");
        }
    }
}
