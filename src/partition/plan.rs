//! Placing a layout on a disk: sizes resolved against the disk, partitions aligned and laid out
//! around any kept ones, numbers assigned, and every disk-dependent rule checked (fits, msdos
//! primaries and the 2^32-sector limit). Pure: no I/O, so it is unit-tested here.
//!
//! The steps of `plan`, in order: the usable area → partition numbers → does it all fit →
//! placement (the head forward from the start, the end group and the tail backward from the end,
//! `rest` in the largest gap between) → the entries, each checked → the msdos extended
//! container → the kept partitions → no overlaps.

use crate::disk::align::{align_down, align_up};
use crate::disk::mbr_type::MbrType;
use crate::disk::table_kind::TableKind;
use crate::disk::write_table::{DiskId, EntryType, NewEntry, NewTable};
use crate::partition::ipa::Role;
use crate::partition::layout::{Layout, Want, format_min};
use crate::partition::size::Size;
use crate::report::{IronError, Key, Kind, Result};
use serde::Serialize;

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
            align: align_up(want, ss).unwrap_or(want),
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

impl Kept {
    pub fn extent(&self) -> Extent {
        Extent::sized(self.start, self.size)
    }
}

/// What happens to a partition: made anew, or kept where it is (`--keep`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
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
    pub role: Option<Role>,
}

impl Planned {
    /// A table entry that is no partition of the layout (the extended container, a kept one).
    fn bare(entry: NewEntry, activity: Activity) -> Planned {
        Planned {
            entry,
            activity,
            format: None,
            fs_label: None,
            role: None,
        }
    }

    fn kept(k: &Kept) -> Planned {
        let entry = NewEntry {
            number: k.number,
            start: k.start,
            size: k.size,
            etype: k.etype,
            label: k.label.clone(),
            uuid: k.uuid,
            attributes: k.attributes,
            bootable: k.bootable,
            ebr: None,
        };
        Planned::bare(entry, Activity::Keep)
    }

    pub fn is_extended(&self) -> bool {
        matches!(self.entry.etype, EntryType::Byte(b) if b.is_extended())
    }

    /// What it occupies on the disk: a logical partition's EBR included.
    fn extent(&self) -> Extent {
        let start = self.entry.ebr.unwrap_or(self.entry.start);
        Extent {
            start,
            end: self.entry.start + self.entry.size,
        }
    }
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

/// A byte range of the disk, `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Extent {
    pub start: u64,
    pub end: u64,
}

impl Extent {
    pub fn sized(start: u64, size: u64) -> Extent {
        Extent {
            start,
            end: start + size,
        }
    }

    pub fn overlaps(&self, other: &Extent) -> bool {
        self.start < other.end && other.start < self.end
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

/// Resolves a non-rest size to bytes (sector multiple) against the disk.
fn fixed_bytes(w: &Want, geo: &Geometry) -> Option<u64> {
    let ss = geo.sector as u64;
    // A size too large to round up fits no disk: the largest sector multiple says as much.
    let up = |b: u64| align_up(b, ss).unwrap_or(align_down(u64::MAX, ss));
    match w.size {
        Size::Bytes(b) => Some(up(b)),
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
                up(b.max(1))
            })
        }
        Size::Rest => None,
    }
}

/// Where partitions may lie, in bytes: `first..end` (between a GPT's two entry arrays, or after
/// the MBR), and `limit`, the end an msdos table can address.
#[derive(Debug, Clone, Copy)]
struct Area {
    first: u64,
    end: u64,
    limit: u64,
}

fn usable_area(table: TableKind, geo: &Geometry) -> Result<Area> {
    let ss = geo.sector as u64;
    let sectors = geo.size / ss;
    if table == TableKind::Msdos {
        let end = sectors * ss;
        return Ok(Area {
            first: ss,
            end,
            limit: end.min(msdos_limit(geo.sector)),
        });
    }
    let array = (128 * 128u64).div_ceil(ss);
    if sectors < 2 * (2 + array) + 1 {
        return Err(invalid(format!(
            "the disk ({}) is too small for a gpt",
            human(geo.size)
        )));
    }
    let end = (sectors - 1 - array) * ss;
    Ok(Area {
        first: (2 + array) * ss,
        end,
        limit: end,
    })
}

/// The table numbers of the layout's partitions, in layout order. An msdos layout of more than
/// four partitions (kept ones included) puts the 4th onwards in an extended container, as
/// logical partitions 5, 6, ...
struct Numbering {
    numbers: Vec<u32>,
    logical: bool,
}

impl Numbering {
    fn new(layout: &Layout, kept: &[Kept]) -> Result<Numbering> {
        let gpt = layout.table == TableKind::Gpt;
        let wanted = layout.partitions.len();
        let logical = !gpt && wanted + kept.len() > 4;
        if logical && !kept.is_empty() {
            return Err(invalid(
                "keeping partitions on an msdos disk is supported only with at most 4 partitions in all",
            ));
        }
        if logical {
            let numbers = (0..wanted as u32)
                .map(|i| if i < 3 { i + 1 } else { i + 2 })
                .collect();
            return Ok(Numbering { numbers, logical });
        }
        let max = if gpt { 128 } else { 4 };
        let free: Vec<u32> = (1..=max)
            .filter(|n| kept.iter().all(|k| k.number != *n))
            .collect();
        if free.len() < wanted {
            return Err(invalid(format!(
                "{wanted} new partitions do not fit in the {} free entries of the {} table",
                free.len(),
                layout.table.as_str()
            )));
        }
        Ok(Numbering {
            numbers: free[..wanted].to_vec(),
            logical,
        })
    }

    /// Whether layout partition `i` is a logical one (it then needs room for its EBR before it).
    fn is_logical(&self, i: usize) -> bool {
        self.logical && i >= 3
    }
}

/// Everything must fit before anything is placed: a clear message for the common mistake.
fn check_fits(ctx: &Ctx, kept: &[Kept]) -> Result<()> {
    let ss = ctx.geo.sector as u64;
    let need: u64 = (0..ctx.layout.partitions.len())
        .map(|i| {
            let w = &ctx.layout.partitions[i];
            (fixed_bytes(w, ctx.geo).unwrap_or(w.min.unwrap_or(ss))).saturating_add(ctx.ebr_gap(i))
        })
        .chain(kept.iter().map(|k| k.size))
        .fold(0, u64::saturating_add);
    let usable = align_up(ctx.area.first, ctx.geo.align)
        .map_or(0, |first| ctx.area.end.saturating_sub(first));
    if need > usable {
        return Err(invalid(format!(
            "the layout needs at least {} but the disk has {} usable",
            human(need),
            human(usable)
        ))
        .with(Key::NeededBytes, need)
        .with(Key::Usable, usable));
    }
    Ok(())
}

/// The layout's partitions (indices) by where they are placed: `head` forward from the start,
/// then `rest`, then `tail`; `at_end` (`"position": "end"`) last on the disk.
struct Groups {
    head: Vec<usize>,
    rest: Option<usize>,
    tail: Vec<usize>,
    at_end: Vec<usize>,
}

impl Groups {
    fn new(layout: &Layout) -> Result<Groups> {
        let parts = &layout.partitions;
        let rest = parts.iter().position(|w| w.size == Size::Rest);
        if let Some(r) = rest
            && parts[r].at_end
        {
            return Err(invalid(format!(
                "partition {} of the layout: \"rest\" cannot also be placed at the end",
                r + 1
            )));
        }
        let (head, tail) = (0..parts.len())
            .filter(|&i| Some(i) != rest && !parts[i].at_end)
            .partition(|&i| rest.is_none_or(|r| i < r));
        Ok(Groups {
            head,
            rest,
            tail,
            at_end: (0..parts.len()).filter(|&i| parts[i].at_end).collect(),
        })
    }
}

/// What every step of the placement reads.
struct Ctx<'a> {
    layout: &'a Layout,
    geo: &'a Geometry,
    area: Area,
    numbering: Numbering,
}

impl Ctx<'_> {
    /// Room for a logical partition's EBR before it: one alignment unit.
    fn ebr_gap(&self, i: usize) -> u64 {
        if self.numbering.is_logical(i) {
            self.geo.align
        } else {
            0
        }
    }

    /// A fixed size in bytes (`rest` is sized by `Placer::rest`).
    fn size(&self, i: usize) -> u64 {
        fixed_bytes(&self.layout.partitions[i], self.geo).unwrap_or(self.geo.sector as u64)
    }

    fn no_fit(&self, i: usize) -> IronError {
        invalid(format!(
            "partition {} of the layout ({}) does not fit on the disk",
            i + 1,
            human(self.size(i))
        ))
    }
}

/// Where one layout partition went: its data, and a logical partition's EBR before it.
#[derive(Debug, Clone, Copy)]
struct Placement {
    start: u64,
    size: u64,
    ebr: Option<u64>,
}

/// The placement in progress: what is taken (kept partitions, then each one placed).
struct Placer<'a> {
    ctx: &'a Ctx<'a>,
    taken: Vec<Extent>,
    placed: Vec<Option<Placement>>,
}

impl Placer<'_> {
    fn clash(&self, want: Extent) -> Option<Extent> {
        self.taken.iter().copied().find(|t| t.overlaps(&want))
    }

    fn put(&mut self, i: usize, start: u64, size: u64, gap: u64) {
        let ebr = (gap > 0).then_some(start - gap);
        self.placed[i] = Some(Placement { start, size, ebr });
        self.taken.push(Extent::sized(start - gap, gap + size));
    }

    /// Forward from the start of the area; returns where the last one ends.
    fn forward(&mut self, head: &[usize]) -> Result<u64> {
        let (a, end) = (self.ctx.geo.align, self.ctx.area.end);
        let mut cursor = self.ctx.area.first;
        for &i in head {
            let (size, gap) = (self.ctx.size(i), self.ctx.ebr_gap(i));
            let no_fit = || self.ctx.no_fit(i);
            let mut s = align_up(cursor, a).ok_or_else(no_fit)?;
            loop {
                let stop = s.checked_add(gap).and_then(|x| x.checked_add(size));
                if stop.is_none_or(|stop| stop > end) {
                    return Err(no_fit());
                }
                match self.clash(Extent::sized(s, gap + size)) {
                    Some(t) => s = align_up(t.end, a).ok_or_else(no_fit)?,
                    None => break,
                }
            }
            self.put(i, s + gap, size, gap);
            cursor = s + gap + size;
        }
        Ok(cursor)
    }

    /// Backward from the limit, `order` last on the disk first; returns where the first of them
    /// starts (its EBR included).
    fn backward(&mut self, order: impl Iterator<Item = usize>) -> Result<u64> {
        let (a, first) = (self.ctx.geo.align, self.ctx.area.first);
        let mut bound = self.ctx.area.limit;
        for i in order {
            let (size, gap) = (self.ctx.size(i), self.ctx.ebr_gap(i));
            loop {
                if bound < size.saturating_add(gap).saturating_add(first) {
                    return Err(self.ctx.no_fit(i));
                }
                let s = align_down(bound - size, a);
                if s < first + gap {
                    return Err(self.ctx.no_fit(i));
                }
                match self.clash(Extent::sized(s - gap, gap + size)) {
                    Some(t) => bound = t.start,
                    None => {
                        self.put(i, s, size, gap);
                        bound = s - gap;
                        break;
                    }
                }
            }
        }
        Ok(bound)
    }

    /// `rest`: the largest free stretch between `lo` (after the head) and `hi` (before the tail).
    fn rest(&mut self, r: usize, lo: u64, hi: u64) -> Result<()> {
        let (a, ss) = (self.ctx.geo.align, self.ctx.geo.sector as u64);
        let gap = self.ctx.ebr_gap(r);
        let Some(free) = self.largest_gap(lo, hi, gap) else {
            return Err(invalid(format!(
                "partition {} of the layout: no space is left for \"rest\"",
                r + 1
            )));
        };
        let start = free.start;
        // End on an alignment boundary too (what sgdisk recommends) when that leaves room.
        let stop = if align_down(free.end, a) > start {
            align_down(free.end, a)
        } else {
            free.end
        };
        let w = &self.ctx.layout.partitions[r];
        let mut size = align_down(stop - start, ss);
        if let Some(max) = w.max
            && size > max
        {
            size = align_down(max, ss).max(ss);
        }
        if let Some(min) = w.min
            && size < min
        {
            return Err(invalid(format!(
                "partition {} of the layout: \"rest\" is {} but min is {}",
                r + 1,
                human(size),
                human(min)
            )));
        }
        self.put(r, start, size, gap);
        Ok(())
    }

    /// The largest free stretch of `lo..hi`, its start aligned and `gap` (an EBR) left before it.
    fn largest_gap(&self, lo: u64, hi: u64, gap: u64) -> Option<Extent> {
        let a = self.ctx.geo.align;
        let mut edges: Vec<Extent> = self
            .taken
            .iter()
            .copied()
            .filter(|t| t.end > lo && t.start < hi)
            .collect();
        edges.sort();
        let mut best: Option<Extent> = None;
        let mut at = lo;
        for t in edges.into_iter().chain([Extent { start: hi, end: hi }]) {
            // Nothing fits past an edge that cannot be aligned.
            let Some(start) = align_up(at, a).and_then(|s| s.checked_add(gap)) else {
                break;
            };
            let stop = t.start.min(hi);
            if stop > start && best.is_none_or(|b| stop - start > b.end - b.start) {
                best = Some(Extent { start, end: stop });
            }
            at = at.max(t.end);
        }
        best
    }
}

/// Places every layout partition; the result is indexed like the layout.
fn place(ctx: &Ctx, groups: &Groups, kept: &[Kept]) -> Result<Vec<Placement>> {
    let mut placer = Placer {
        ctx,
        taken: kept.iter().map(Kept::extent).collect(),
        placed: vec![None; ctx.layout.partitions.len()],
    };
    let cursor = placer.forward(&groups.head)?;
    // The end group (last listed at the very end), then the partitions listed after "rest".
    let order = groups.at_end.iter().rev().chain(groups.tail.iter().rev());
    let bound = placer.backward(order.copied())?;
    if let Some(r) = groups.rest {
        let lo = align_up(cursor, ctx.geo.align).unwrap_or(u64::MAX);
        placer.rest(r, lo, bound.min(ctx.area.limit))?;
    }
    Ok(placer
        .placed
        .into_iter()
        .map(|p| p.expect("every partition placed"))
        .collect())
}

/// Layout partition `i`, placed, as a table entry; checked against the msdos limit and its
/// filesystem's minimum size.
fn created(ctx: &Ctx, i: usize, at: Placement) -> Result<Planned> {
    let w = &ctx.layout.partitions[i];
    let gpt = ctx.layout.table == TableKind::Gpt;
    let sector = ctx.geo.sector;
    let Placement { start, size, ebr } = at;
    if !gpt && start + size > msdos_limit(sector) {
        return Err(invalid(format!(
            "partition {} of the layout ends at {} bytes, beyond the msdos limit of {} (2^32 sectors of {sector} bytes); use gpt",
            i + 1,
            start + size,
            human(msdos_limit(sector)),
        )));
    }
    if let Some(f) = &w.format
        && let Some(min) = format_min(f)
        && size < min
    {
        return Err(invalid(format!(
            "partition {} of the layout is {} but {f} needs at least {}",
            i + 1,
            human(size),
            human(min)
        )));
    }
    let entry = NewEntry {
        number: ctx.numbering.numbers[i],
        start,
        size,
        etype: w.ptype,
        label: w.label.clone(),
        uuid: gpt.then(|| w.uuid.unwrap_or_else(crate::disk::guid::random)),
        attributes: w.attributes | if gpt && w.bootable { 1 << 2 } else { 0 },
        bootable: !gpt && w.bootable,
        ebr,
    };
    Ok(Planned {
        entry,
        activity: Activity::Create,
        format: w.format.clone(),
        fs_label: w.fs_label.clone(),
        role: w.role,
    })
}

/// The msdos extended container (entry 4) around the logical partitions (5 onwards), which must
/// lie in disk order with no primary among them.
fn extended(partitions: &[Planned]) -> Result<Planned> {
    let logical: Vec<&Planned> = partitions.iter().filter(|p| p.entry.number > 4).collect();
    if logical
        .windows(2)
        .any(|pair| pair[1].entry.ebr.unwrap_or(0) < pair[0].extent().end)
    {
        return Err(invalid(
            "logical partitions (the 4th partition of an msdos layout onwards) must lie in disk order",
        ));
    }
    let container = Extent {
        start: logical[0].extent().start,
        end: logical[logical.len() - 1].extent().end,
    };
    let inside = |p: &&Planned| {
        let e = Extent::sized(p.entry.start, p.entry.size);
        p.entry.number <= 4 && e.overlaps(&container)
    };
    if let Some(p) = partitions.iter().find(inside) {
        return Err(invalid(format!(
            "primary partition {} would lie inside the extended partition that holds partitions 5 onwards",
            p.entry.number
        )));
    }
    let entry = NewEntry {
        number: 4,
        start: container.start,
        size: container.end - container.start,
        etype: EntryType::Byte(MbrType::EXTENDED),
        label: None,
        uuid: None,
        attributes: 0,
        bootable: false,
        ebr: None,
    };
    Ok(Planned::bare(entry, Activity::Create))
}

/// Belt and braces: no two partitions overlap and all lie in the usable area.
fn check_extents(partitions: &[Planned], area: Area) -> Result<()> {
    let mut spans: Vec<(Extent, u32)> = partitions
        .iter()
        .filter(|p| !p.is_extended())
        .map(|p| (p.extent(), p.entry.number))
        .collect();
    spans.sort();
    if let Some(w) = spans.windows(2).find(|w| w[1].0.start < w[0].0.end) {
        return Err(invalid(format!(
            "partitions {} and {} overlap",
            w[0].1, w[1].1
        )));
    }
    if let Some((_, n)) = spans
        .iter()
        .find(|(e, _)| e.start < area.first || e.end > area.end)
    {
        return Err(invalid(format!(
            "partition {n} lies outside the usable area of the disk"
        )));
    }
    Ok(())
}

/// Places `layout` on a disk of `geo`, around `kept`.
pub fn plan(layout: &Layout, geo: &Geometry, kept: &[Kept], disk_id: DiskId) -> Result<Plan> {
    let ctx = Ctx {
        layout,
        geo,
        area: usable_area(layout.table, geo)?,
        numbering: Numbering::new(layout, kept)?,
    };
    check_fits(&ctx, kept)?;
    let groups = Groups::new(layout)?;
    let placed = place(&ctx, &groups, kept)?;
    let mut partitions = placed
        .into_iter()
        .enumerate()
        .map(|(i, at)| created(&ctx, i, at))
        .collect::<Result<Vec<_>>>()?;
    if ctx.numbering.logical {
        partitions.push(extended(&partitions)?);
    }
    partitions.extend(kept.iter().map(Planned::kept));
    partitions.sort_by_key(|p| p.entry.number);
    check_extents(&partitions, ctx.area)?;
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
    fn sizes_near_2_64_are_refused_not_wrapped() {
        // Rounding u64::MAX up to a sector used to wrap to 0 (or panic in a debug build).
        for size in [u64::MAX, u64::MAX - 100] {
            let text = format!(
                r#"{{"table": "gpt", "partitions": [{{"size": {size}}}, {{"size": "rest"}}]}}"#
            );
            let e = plan_of(&text, 64 * M, 512).unwrap_err();
            assert_eq!(e.kind, Kind::InvalidLayout, "{size}: {e:?}");
        }
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
