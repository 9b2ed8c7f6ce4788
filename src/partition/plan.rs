//! Placing a layout on a disk: sizes resolved against the disk, partitions aligned and laid out
//! around any kept ones, numbers assigned, and every disk-dependent rule checked (fits, msdos
//! primaries and the 2^32-sector limit). Pure: no I/O, so it is unit-tested here.

use crate::disk::write_table::{DiskId, EntryType, NewEntry, NewTable};
use crate::partition::layout::{Layout, TableKind, Want};
use crate::partition::size::Size;
use crate::report::{IronError, Kind, Result};

/// What the planner needs to know about the disk.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    pub size: u64,
    pub sector: u32,
    /// Bytes; 1 MiB or the optimal I/O size if larger (a multiple of the sector size).
    pub align: u64,
}

impl Geometry {
    pub fn new(size: u64, sector: u32, optimal_io: u32) -> Geometry {
        let ss = sector as u64;
        let want = (1u64 << 20).max(optimal_io as u64);
        Geometry {
            size,
            sector,
            align: want.div_ceil(ss) * ss,
        }
    }
}

/// An existing partition that stays where it is.
#[derive(Debug, Clone)]
pub struct Kept {
    pub number: u32,
    pub start: u64,
    pub size: u64,
    pub etype: EntryType,
    pub label: Option<String>,
    pub uuid: Option<[u8; 16]>,
    pub attributes: u64,
    pub bootable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    Create,
    Keep,
}

/// One partition of the plan.
#[derive(Debug, Clone)]
pub struct Planned {
    pub entry: NewEntry,
    pub activity: Activity,
    pub format: Option<String>,
    pub fs_label: Option<String>,
    pub role: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub table: TableKind,
    pub geometry: Geometry,
    pub disk_id: DiskId,
    /// Sorted by number; an msdos extended container appears as its own entry.
    pub partitions: Vec<Planned>,
}

impl Plan {
    pub fn new_table(&self) -> NewTable {
        NewTable {
            sector_size: self.geometry.sector,
            disk_id: self.disk_id,
            entries: self.partitions.iter().map(|p| p.entry.clone()).collect(),
        }
    }
}

fn invalid(msg: impl Into<String>) -> IronError {
    IronError::new(Kind::InvalidLayout, msg)
}

/// Largest byte offset an msdos table can address (2^32 sectors).
pub fn msdos_limit(sector: u32) -> u64 {
    (1u64 << 32) * sector as u64
}

fn human(b: u64) -> String {
    const U: &[(&str, u64)] = &[
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ];
    for (u, m) in U {
        if b >= *m {
            return if b.is_multiple_of(*m) {
                format!("{} {u}", b / m)
            } else {
                format!("{:.1} {u} ({b} bytes)", b as f64 / *m as f64)
            };
        }
    }
    format!("{b} bytes")
}

struct Space {
    first: u64,
    end: u64,
    taken: Vec<(u64, u64)>,
}

impl Space {
    fn clash(&self, s: u64, e: u64) -> Option<(u64, u64)> {
        self.taken
            .iter()
            .copied()
            .find(|&(ts, te)| s < te && ts < e)
    }
}

fn align_up(x: u64, a: u64) -> u64 {
    x.div_ceil(a) * a
}
fn align_down(x: u64, a: u64) -> u64 {
    x / a * a
}

/// Resolves a non-rest size to bytes (sector multiple) against the disk.
fn fixed_bytes(w: &Want, geo: &Geometry) -> Option<u64> {
    let ss = geo.sector as u64;
    match w.size {
        Size::Bytes(b) => Some(align_up(b, ss)),
        Size::Percent(p) => {
            let mut b = (geo.size as f64 * p / 100.0) as u64;
            if let Some(lo) = w.min {
                b = b.max(lo);
            }
            if let Some(hi) = w.max {
                b = b.min(hi);
            }
            Some(if b >= geo.align {
                align_down(b, geo.align)
            } else {
                align_up(b.max(1), ss)
            })
        }
        Size::Rest => None,
    }
}

/// Places `layout` on a disk of `geo`, around `kept`.
pub fn plan(layout: &Layout, geo: &Geometry, kept: &[Kept], disk_id: DiskId) -> Result<Plan> {
    let ss = geo.sector as u64;
    let a = geo.align;
    let gpt = layout.table == TableKind::Gpt;
    let sectors = geo.size / ss;
    let (first, end) = if gpt {
        let array = (128 * 128u64).div_ceil(ss);
        if sectors < 2 * (2 + array) + 1 {
            return Err(invalid(format!(
                "the disk ({}) is too small for a gpt",
                human(geo.size)
            )));
        }
        ((2 + array) * ss, (sectors - 1 - array) * ss)
    } else {
        (ss, sectors * ss)
    };
    let limit = if gpt {
        end
    } else {
        end.min(msdos_limit(geo.sector))
    };

    let total = layout.partitions.len() + kept.len();
    let logical_mode = !gpt && total > 4;
    if logical_mode && !kept.is_empty() {
        return Err(invalid(
            "keeping partitions on an msdos disk is supported only with at most 4 partitions in all",
        ));
    }
    // Partition numbers, in layout order.
    let numbers: Vec<u32> = if logical_mode {
        (0..layout.partitions.len() as u32)
            .map(|i| if i < 3 { i + 1 } else { i + 2 })
            .collect()
    } else {
        let max = if gpt { 128 } else { 4 };
        let free: Vec<u32> = (1..=max)
            .filter(|n| kept.iter().all(|k| k.number != *n))
            .collect();
        if free.len() < layout.partitions.len() {
            return Err(invalid(format!(
                "{} new partitions do not fit in the {} free entries of the {} table",
                layout.partitions.len(),
                free.len(),
                layout.table.as_str()
            )));
        }
        free[..layout.partitions.len()].to_vec()
    };
    let is_logical = |i: usize| logical_mode && i >= 3;

    // Everything must fit before anything is placed: a clear message for the common mistake.
    let need: u64 = layout
        .partitions
        .iter()
        .enumerate()
        .map(|(i, w)| {
            fixed_bytes(w, geo).unwrap_or(w.min.unwrap_or(ss)) + if is_logical(i) { a } else { 0 }
        })
        .sum::<u64>()
        + kept.iter().map(|k| k.size).sum::<u64>();
    let usable = end.saturating_sub(align_up(first, a));
    if need > usable {
        return Err(invalid(format!(
            "the layout needs at least {} but the disk has {} usable",
            human(need),
            human(usable)
        ))
        .with("needed", need)
        .with("usable", usable));
    }

    let mut space = Space {
        first,
        end,
        taken: kept.iter().map(|k| (k.start, k.start + k.size)).collect(),
    };
    // (start, size, ebr) per layout index.
    let mut placed: Vec<Option<(u64, u64, Option<u64>)>> = vec![None; layout.partitions.len()];
    let rest_at = layout.partitions.iter().position(|w| w.size == Size::Rest);
    let order: Vec<usize> = (0..layout.partitions.len()).collect();
    let (head, tail): (Vec<usize>, Vec<usize>) = match rest_at {
        Some(r) => order
            .iter()
            .filter(|&&i| i != r && !layout.partitions[i].at_end)
            .partition(|&&i| i < r),
        None => (
            order
                .iter()
                .copied()
                .filter(|&i| !layout.partitions[i].at_end)
                .collect(),
            vec![],
        ),
    };
    let at_end: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| layout.partitions[i].at_end)
        .collect();
    if let Some(r) = rest_at
        && layout.partitions[r].at_end
    {
        return Err(invalid(format!(
            "partition {} of the layout: \"rest\" cannot also be placed at the end",
            r + 1
        )));
    }

    let no_fit = |i: usize, size: u64| {
        invalid(format!(
            "partition {} of the layout ({}) does not fit on the disk",
            i + 1,
            human(size)
        ))
    };

    // Forward from the start.
    let mut cursor = first;
    for &i in &head {
        let size = fixed_bytes(&layout.partitions[i], geo).unwrap_or(ss);
        let gap = if is_logical(i) { a } else { 0 };
        let mut s = align_up(cursor, a);
        loop {
            let e = s + gap + size;
            if e > end {
                return Err(no_fit(i, size));
            }
            match space.clash(s, e) {
                Some((_, te)) => s = align_up(te, a),
                None => break,
            }
        }
        let ebr = (gap > 0).then_some(s);
        placed[i] = Some((s + gap, size, ebr));
        space.taken.push((s, s + gap + size));
        cursor = s + gap + size;
    }
    // Backward from the end: the end group (last listed at the very end), then the partitions
    // listed after "rest".
    let mut bound = limit;
    for &i in at_end.iter().rev().chain(tail.iter().rev()) {
        let size = fixed_bytes(&layout.partitions[i], geo).unwrap_or(ss);
        let gap = if is_logical(i) { a } else { 0 };
        loop {
            if bound < size + gap + first {
                return Err(no_fit(i, size));
            }
            let s = align_down(bound - size, a);
            if s < first + gap {
                return Err(no_fit(i, size));
            }
            match space.clash(s - gap, s + size) {
                Some((ts, _)) => bound = ts,
                None => {
                    placed[i] = Some((s, size, (gap > 0).then_some(s - gap)));
                    space.taken.push((s - gap, s + size));
                    bound = s - gap;
                    break;
                }
            }
        }
    }
    // The rest: the largest free stretch between the head and the tail.
    if let Some(r) = rest_at {
        let w = &layout.partitions[r];
        let gap = if is_logical(r) { a } else { 0 };
        let lo = align_up(cursor, a);
        let hi = bound.min(limit);
        let mut edges: Vec<(u64, u64)> = space
            .taken
            .iter()
            .copied()
            .filter(|&(s, e)| e > lo && s < hi)
            .collect();
        edges.sort();
        let mut best: Option<(u64, u64)> = None;
        let mut at = lo;
        for (s, e) in edges.iter().copied().chain(std::iter::once((hi, hi))) {
            let start = align_up(at, a) + gap;
            let stop = s.min(hi);
            if stop > start && best.is_none_or(|(bs, be)| stop - start > be - bs) {
                best = Some((start, stop));
            }
            at = at.max(e);
        }
        let Some((start, stop)) = best else {
            return Err(invalid(format!(
                "partition {} of the layout: no space is left for \"rest\"",
                r + 1
            )));
        };
        // End on an alignment boundary too (what sgdisk recommends) when that leaves room.
        let stop = if align_down(stop, a) > start {
            align_down(stop, a)
        } else {
            stop
        };
        let mut size = align_down(stop - start, ss);
        if let Some(hi) = w.max
            && size > hi
        {
            size = align_down(hi, ss).max(ss);
        }
        if let Some(lo) = w.min
            && size < lo
        {
            return Err(invalid(format!(
                "partition {} of the layout: \"rest\" is {} but min is {}",
                r + 1,
                human(size),
                human(lo)
            )));
        }
        placed[r] = Some((start, size, (gap > 0).then_some(start - gap)));
    }

    let mut partitions: Vec<Planned> = Vec::new();
    for (i, w) in layout.partitions.iter().enumerate() {
        let (start, size, ebr) = placed[i].expect("every partition placed");
        if !gpt && start + size > msdos_limit(geo.sector) {
            return Err(invalid(format!(
                "partition {} of the layout ends at {} bytes, beyond the msdos limit of {} (2^32 sectors of {} bytes); use gpt",
                i + 1,
                start + size,
                human(msdos_limit(geo.sector)),
                geo.sector
            )));
        }
        if let Some(f) = &w.format
            && let Some(min) = crate::partition::layout::format_min(f)
            && size < min
        {
            return Err(invalid(format!(
                "partition {} of the layout is {} but {f} needs at least {}",
                i + 1,
                human(size),
                human(min)
            )));
        }
        partitions.push(Planned {
            entry: NewEntry {
                number: numbers[i],
                start,
                size,
                etype: w.ptype,
                label: w.label.clone(),
                uuid: if gpt {
                    Some(w.uuid.unwrap_or_else(crate::disk::guid::random))
                } else {
                    None
                },
                attributes: w.attributes | if gpt && w.bootable { 1 << 2 } else { 0 },
                bootable: !gpt && w.bootable,
                ebr,
            },
            activity: Activity::Create,
            format: w.format.clone(),
            fs_label: w.fs_label.clone(),
            role: w.role,
        });
    }
    if logical_mode {
        let logical: Vec<&Planned> = partitions.iter().filter(|p| p.entry.number > 4).collect();
        for pair in logical.windows(2) {
            if pair[1].entry.ebr.unwrap_or(0) < pair[0].entry.start + pair[0].entry.size {
                return Err(invalid(
                    "logical partitions (the 4th partition of an msdos layout onwards) must lie in disk order",
                ));
            }
        }
        let ext_start = logical[0].entry.ebr.unwrap_or(logical[0].entry.start);
        let last = logical[logical.len() - 1];
        let ext_end = last.entry.start + last.entry.size;
        if let Some(p) = partitions.iter().find(|p| {
            p.entry.number <= 4
                && p.entry.start < ext_end
                && ext_start < p.entry.start + p.entry.size
        }) {
            return Err(invalid(format!(
                "primary partition {} would lie inside the extended partition that holds partitions 5 onwards",
                p.entry.number
            )));
        }
        partitions.push(Planned {
            entry: NewEntry {
                number: 4,
                start: ext_start,
                size: ext_end - ext_start,
                etype: EntryType::Byte(0x05),
                label: None,
                uuid: None,
                attributes: 0,
                bootable: false,
                ebr: None,
            },
            activity: Activity::Create,
            format: None,
            fs_label: None,
            role: None,
        });
    }
    for k in kept {
        partitions.push(Planned {
            entry: NewEntry {
                number: k.number,
                start: k.start,
                size: k.size,
                etype: k.etype,
                label: k.label.clone(),
                uuid: k.uuid,
                attributes: k.attributes,
                bootable: k.bootable,
                ebr: None,
            },
            activity: Activity::Keep,
            format: None,
            fs_label: None,
            role: None,
        });
    }
    partitions.sort_by_key(|p| p.entry.number);
    // Belt and braces: no two spans overlap and all lie in the usable area.
    let mut spans: Vec<(u64, u64, u32)> = partitions
        .iter()
        .filter(|p| !matches!(p.entry.etype, EntryType::Byte(b) if crate::disk::write_table::is_extended(b)))
        .map(|p| (p.entry.ebr.unwrap_or(p.entry.start), p.entry.start + p.entry.size, p.entry.number))
        .collect();
    spans.sort();
    for w in spans.windows(2) {
        if w[1].0 < w[0].1 {
            return Err(invalid(format!(
                "partitions {} and {} overlap",
                w[0].2, w[1].2
            )));
        }
    }
    if let Some(s) = spans.iter().find(|s| s.0 < space.first || s.1 > space.end) {
        return Err(invalid(format!(
            "partition {} lies outside the usable area of the disk",
            s.2
        )));
    }
    Ok(Plan {
        table: layout.table,
        geometry: *geo,
        disk_id,
        partitions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partition::layout;

    const M: u64 = 1 << 20;

    fn plan_of(text: &str, size: u64, sector: u32) -> Result<Plan> {
        let l = layout::parse(text)?;
        let id = if l.table == TableKind::Gpt {
            DiskId::Gpt([1; 16])
        } else {
            DiskId::Mbr(1)
        };
        plan(&l, &Geometry::new(size, sector, 0), &[], id)
    }

    fn spans(p: &Plan) -> Vec<(u32, u64, u64)> {
        p.partitions
            .iter()
            .map(|p| (p.entry.number, p.entry.start, p.entry.size))
            .collect()
    }

    #[test]
    fn gpt_rest_and_end() {
        for ss in [512u32, 4096] {
            let p = plan_of(
                r#"{"table": "gpt", "partitions": [
                    {"type": "esp", "size": "100MiB"},
                    {"size": "rest"},
                    {"type": "swap", "size": "10MiB"},
                    {"type": "linux", "size": "5MiB", "position": "end"}]}"#,
                1 << 30,
                ss,
            )
            .unwrap();
            let ss = ss as u64;
            let end = (1u64 << 30) - ss - (16384u64).div_ceil(ss) * ss;
            let s = spans(&p);
            assert_eq!(s[0], (1, M, 100 * M));
            let p4 = s[3];
            assert_eq!(p4.2, 5 * M);
            assert!(p4.1 + p4.2 <= end && p4.1.is_multiple_of(M));
            assert_eq!(s[2], (3, p4.1 - 10 * M, 10 * M));
            assert_eq!(s[1], (2, 101 * M, s[2].1 - 101 * M));
        }
    }

    #[test]
    fn rest_ends_on_the_last_aligned_boundary() {
        let p = plan_of(
            r#"{"table": "gpt", "partitions": [{"size": "rest"}]}"#,
            64 * M,
            512,
        )
        .unwrap();
        assert_eq!(spans(&p), vec![(1, M, 62 * M)]);
    }

    #[test]
    fn percent_with_bounds() {
        let p = plan_of(
            r#"{"table": "gpt", "partitions": [{"size": "50%", "max": "100MiB"}, {"size": "10%", "min": "300MiB"}]}"#,
            1 << 30,
            512,
        )
        .unwrap();
        assert_eq!(p.partitions[0].entry.size, 100 * M);
        assert_eq!(p.partitions[1].entry.size, 300 * M);
    }

    #[test]
    fn msdos_logicals_get_an_extended_container() {
        let p = plan_of(
            r#"{"table": "msdos", "partitions": [
                {"size": "10MiB"}, {"size": "10MiB"}, {"size": "10MiB"},
                {"size": "10MiB"}, {"size": "10MiB"}, {"size": "rest", "type": "swap"}]}"#,
            100 * M,
            512,
        )
        .unwrap();
        let s = spans(&p);
        assert_eq!(
            s.iter().map(|x| x.0).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5, 6, 7]
        );
        assert_eq!(s[3], (4, 31 * M, 100 * M - 31 * M));
        assert_eq!(s[4], (5, 32 * M, 10 * M));
        assert_eq!(p.partitions[4].entry.ebr, Some(31 * M));
        assert_eq!(s[6].1, 54 * M);
    }

    #[test]
    fn msdos_2tib_limit() {
        let e = plan_of(
            r#"{"table": "msdos", "partitions": [{"size": "1TiB"}, {"size": "1.5TiB"}]}"#,
            3 << 40,
            512,
        )
        .unwrap_err();
        assert!(e.message.contains("msdos limit"), "{e}");
        // The same on 4096-byte sectors is fine (16 TiB limit), and rest stops at the limit.
        plan_of(
            r#"{"table": "msdos", "partitions": [{"size": "1TiB"}, {"size": "1.5TiB"}]}"#,
            3 << 40,
            4096,
        )
        .unwrap();
        let p = plan_of(
            r#"{"table": "msdos", "partitions": [{"size": "rest"}]}"#,
            3 << 40,
            512,
        )
        .unwrap();
        assert_eq!(
            p.partitions[0].entry.start + p.partitions[0].entry.size,
            2 << 40
        );
    }

    #[test]
    fn too_big_is_invalid() {
        let e = plan_of(
            r#"{"table": "gpt", "partitions": [{"size": "2GiB"}]}"#,
            1 << 30,
            512,
        )
        .unwrap_err();
        assert_eq!(e.kind, Kind::InvalidLayout);
        assert!(e.message.contains("needs at least"), "{e}");
    }

    #[test]
    fn new_partitions_go_around_kept_ones() {
        let l = layout::parse(
            r#"{"table": "gpt", "partitions": [{"size": "20MiB"}, {"size": "rest"}]}"#,
        )
        .unwrap();
        let kept = Kept {
            number: 2,
            start: 10 * M,
            size: 10 * M,
            etype: EntryType::Guid([9; 16]),
            label: Some("data".into()),
            uuid: Some([7; 16]),
            attributes: 0,
            bootable: false,
        };
        let p = plan(
            &l,
            &Geometry::new(100 * M, 512, 0),
            &[kept],
            DiskId::Gpt([1; 16]),
        )
        .unwrap();
        let s = spans(&p);
        assert_eq!(s[0], (1, 20 * M, 20 * M));
        assert_eq!(s[1], (2, 10 * M, 10 * M));
        assert_eq!(p.partitions[1].activity, Activity::Keep);
        assert_eq!(s[2].0, 3);
        assert_eq!(s[2].1, 40 * M);
    }
}
