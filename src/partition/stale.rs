//! Before the new table is written: zeroing what could make old data look alive — the first and
//! last MiB of the disk (old tables, boot code, whole-disk filesystems), of every new partition
//! (so blkid sees only what we create) and of every old partition not kept (with --wipe). Kept
//! partitions are never touched.

use crate::partition::plan::{Activity, Extent, Kept, Plan};
use crate::report::{Context, Kind, Result};
use crate::sys::blk;
use std::fs::File;
use std::os::unix::fs::FileExt;

const EDGE: u64 = 1 << 20;

/// The partitions of the table on the disk now that are not kept (what --wipe clears), read from
/// `f`. An unreadable table has none. Its entries may be garbage (past the end, overflowing):
/// their ends saturate, and `ranges` clamps them to the disk.
pub fn old_partitions(f: &mut File, sector: u32, kept: &[Kept]) -> Vec<Extent> {
    let Some(table) = crate::disk::table::read_table(f, sector).ok().flatten() else {
        return Vec::new();
    };
    (table.partitions.iter())
        .filter(|p| kept.iter().all(|k| k.number != p.number))
        .map(|p| Extent {
            start: p.start,
            end: p.start.saturating_add(p.size),
        })
        .collect()
}

pub fn zero(file: &File, plan: &Plan, kept: &[Kept], old: &[Extent], disk_size: u64) -> Result<()> {
    for r in ranges(plan, kept, old, disk_size) {
        zero_range(file, r)?;
    }
    Ok(())
}

/// The byte ranges `zero` clears, kept partitions cut out.
fn ranges(plan: &Plan, kept: &[Kept], old: &[Extent], disk_size: u64) -> Vec<Extent> {
    let disk = Extent {
        start: 0,
        end: disk_size,
    };
    let creates = (plan.partitions.iter())
        .filter(|p| p.activity == Activity::Create && !p.is_extended())
        .map(|p| Extent::sized(p.entry.start, p.entry.size));
    let mut ranges = edges(disk).to_vec();
    for e in creates.chain(old.iter().copied()) {
        ranges.extend(edges(e));
    }
    // Only what lies on the disk is zeroed: an old partition past the end has nothing to clear
    // there (and writing past the end is ENOSPC, leaving the disk half-wiped).
    let on_disk = ranges.into_iter().map(|r| Extent {
        start: r.start.min(disk_size),
        end: r.end.min(disk_size),
    });
    on_disk
        .filter(|r| r.end > r.start)
        .flat_map(|r| cut_out(r, kept))
        .collect()
}

/// The first and the last MiB of `e` (all of it when smaller).
fn edges(e: Extent) -> [Extent; 2] {
    let n = EDGE.min(e.end - e.start);
    [
        Extent::sized(e.start, n),
        Extent {
            start: e.end - n,
            end: e.end,
        },
    ]
}

/// `r` without the kept partitions.
fn cut_out(r: Extent, kept: &[Kept]) -> Vec<Extent> {
    let mut pieces = vec![r];
    for k in kept.iter().map(Kept::extent) {
        pieces = (pieces.into_iter())
            .flat_map(|p| {
                if !p.overlaps(&k) {
                    return vec![p];
                }
                let before = Extent {
                    start: p.start,
                    end: k.start,
                };
                let after = Extent {
                    start: k.end,
                    end: p.end,
                };
                [before, after]
                    .into_iter()
                    .filter(|x| x.end > x.start)
                    .collect()
            })
            .collect();
    }
    pieces
}

fn zero_range(file: &File, r: Extent) -> Result<()> {
    let len = r.end - r.start;
    if len == 0 || blk::zeroout(file, r.start, len).is_ok() {
        return Ok(());
    }
    let buf = vec![0u8; len.min(1 << 20) as usize];
    let mut at = r.start;
    while at < r.end {
        let n = (r.end - at).min(buf.len() as u64) as usize;
        file.write_all_at(&buf[..n], at).ctx(Kind::Io, || {
            format!("cannot zero bytes {at}..{}", at + n as u64)
        })?;
        at += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::write_table::{DiskId, EntryType};
    use crate::partition::layout;
    use crate::partition::plan::{self, Geometry};

    const M: u64 = 1 << 20;

    fn ext(start: u64, end: u64) -> Extent {
        Extent { start, end }
    }

    #[test]
    fn ranges_never_touch_kept_partitions() {
        let l = layout::parse(r#"{"table": "gpt", "partitions": [{"size": "rest"}]}"#).unwrap();
        let kept = Kept {
            number: 2,
            start: M / 2,
            size: 10 * M,
            etype: EntryType::Guid([9; 16]),
            label: None,
            uuid: Some([7; 16]),
            attributes: 0,
            bootable: false,
        };
        let p = plan::plan(
            &l,
            &Geometry::new(100 * M, 512, 0),
            std::slice::from_ref(&kept),
            DiskId::Gpt([1; 16]),
        )
        .unwrap();
        // An old partition that overlapped the kept one is cleared only outside it.
        let ranges = ranges(&p, &[kept], &[ext(0, 20 * M)], 100 * M);
        for r in &ranges {
            assert!(
                r.end <= M / 2 || r.start >= 10 * M + M / 2,
                "{r:?} touches the kept partition"
            );
        }
        assert!(ranges.contains(&ext(0, M / 2)), "{ranges:?}");
        assert!(ranges.contains(&ext(99 * M, 100 * M)), "{ranges:?}");
    }

    #[test]
    fn ranges_of_a_garbage_old_table_stay_on_the_disk() {
        let l = layout::parse(r#"{"table": "gpt", "partitions": [{"size": "rest"}]}"#).unwrap();
        let p = plan::plan(
            &l,
            &Geometry::new(64 * M, 512, 0),
            &[],
            DiskId::Gpt([1; 16]),
        )
        .unwrap();
        // Past the end, straddling the end, overflowing u64 (saturated as old_partitions does).
        let old = [
            ext(80 * M, 100 * M),
            ext(60 * M, 80 * M),
            ext(u64::MAX - M, u64::MAX),
        ];
        let ranges = ranges(&p, &[], &old, 64 * M);
        for r in &ranges {
            assert!(
                r.start < r.end && r.end <= 64 * M,
                "{r:?} is not on the disk"
            );
        }
        assert!(ranges.contains(&ext(60 * M, 61 * M)), "{ranges:?}");
        assert!(ranges.contains(&ext(0, M)) && ranges.contains(&ext(63 * M, 64 * M)));
    }
}
