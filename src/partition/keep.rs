//! `--keep LABEL|NUMBER`: the existing partitions that stay exactly where they are, read with
//! every field the new table must carry over (type, PARTUUID, name, attribute bits), plus the
//! existing disk identifier so that PARTUUIDs derived from it do not change.

use crate::disk::mbr_type::MbrType;
use crate::disk::table::{self, TableInfo};
use crate::disk::table_kind::TableKind;
use crate::disk::write_table::{DiskId, EntryType};
use crate::partition::plan::Kept;
use crate::report::{IronError, Kind, Result};
use std::fs::File;

/// The existing table and the entries selected by `--keep`.
pub struct Existing {
    pub info: TableInfo,
    pub kept: Vec<Kept>,
    pub disk_id: DiskId,
}

fn bad(msg: String) -> IronError {
    IronError::new(Kind::InvalidInput, msg)
}

/// Reads the table on `f` and resolves the selectors. `want` is the layout's table type.
pub fn select(
    f: &mut File,
    device: &str,
    sector: u32,
    want: TableKind,
    selectors: &[String],
) -> Result<Existing> {
    let info =
        table::read_table(f, sector)?.ok_or_else(|| match table::refused_gpt(f, sector) {
            Some(why) => bad(format!(
                "--keep: {device} has a GPT that cannot be used: {why}"
            )),
            None => bad(format!("--keep: {device} has no partition table")),
        })?;
    if info.table != want {
        return Err(IronError::new(
            Kind::InvalidLayout,
            format!(
                "--keep needs the same table type: {device} has {}, the layout asks for {}",
                info.table, want
            ),
        ));
    }
    let mut numbers = Vec::new();
    for sel in selectors {
        let n = number_of(&info, device, sel)?;
        if !numbers.contains(&n) {
            numbers.push(n);
        }
    }
    let Selected { kept, disk_id } = match want {
        TableKind::Gpt => from_gpt(f, device, sector, &numbers)?,
        TableKind::Msdos => from_msdos(&info, &numbers)?,
    };
    Ok(Existing {
        info,
        kept,
        disk_id,
    })
}

/// The partition a selector names: a number of the table, else its one GPT label.
fn number_of(info: &TableInfo, device: &str, sel: &str) -> Result<u32> {
    let by_number = sel
        .parse::<u32>()
        .ok()
        .filter(|n| info.partitions.iter().any(|p| p.number == *n));
    if let Some(n) = by_number {
        return Ok(n);
    }
    let hits: Vec<u32> = (info.partitions.iter())
        .filter(|p| p.label.as_deref() == Some(sel))
        .map(|p| p.number)
        .collect();
    match hits.as_slice() {
        [n] => Ok(*n),
        [] => Err(bad(format!(
            "--keep {sel}: {device} has no partition numbered or labelled {sel:?}"
        ))),
        _ => Err(bad(format!(
            "--keep {sel}: several partitions of {device} are labelled {sel:?}; name one by number"
        ))),
    }
}

/// The kept entries, and the identifier the new table keeps.
struct Selected {
    kept: Vec<Kept>,
    disk_id: DiskId,
}

/// GPT: every field of the entries (read again with the bounded GPT reader), the disk GUID.
fn from_gpt(f: &mut File, device: &str, sector: u32, numbers: &[u32]) -> Result<Selected> {
    let gpt = crate::disk::gpt::for_rewrite(f, sector).map_err(|e| {
        IronError::new(Kind::Io, format!("cannot read the gpt of {device}")).caused_by(e)
    })?;
    let ss = sector as u64;
    let kept = (numbers.iter().copied())
        .map(|n| {
            let e = &gpt[n];
            Kept {
                number: n,
                start: e.starting_lba * ss,
                size: (e.ending_lba + 1 - e.starting_lba) * ss,
                etype: EntryType::Guid(e.partition_type_guid),
                label: Some(e.partition_name.as_str().to_string()).filter(|s| !s.is_empty()),
                uuid: Some(e.unique_partition_guid),
                attributes: e.attribute_bits,
                bootable: false,
            }
        })
        .collect();
    Ok(Selected {
        kept,
        disk_id: DiskId::Gpt(gpt.header.disk_guid),
    })
}

/// msdos: primary partitions only (logical ones would need their EBR chain rebuilt), the disk
/// identifier.
fn from_msdos(info: &TableInfo, numbers: &[u32]) -> Result<Selected> {
    let mut kept = Vec::new();
    for &n in numbers {
        let p = (info.partitions.iter())
            .find(|p| p.number == n)
            .expect("selected");
        let byte = p.type_byte.unwrap_or(MbrType::LINUX);
        if n > 4 || byte.is_extended() {
            return Err(IronError::new(
                Kind::InvalidLayout,
                format!(
                    "--keep {n}: keeping logical or extended msdos partitions is not supported"
                ),
            ));
        }
        kept.push(Kept {
            number: n,
            start: p.start,
            size: p.size,
            etype: EntryType::Byte(byte),
            label: None,
            uuid: None,
            attributes: 0,
            bootable: p.bootable,
        });
    }
    let id = u32::from_str_radix(info.disk_id.trim_start_matches("0x"), 16).unwrap_or(0);
    Ok(Selected {
        kept,
        disk_id: DiskId::Mbr(id),
    })
}
