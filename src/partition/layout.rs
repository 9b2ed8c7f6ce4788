//! The layout document (`--layout FILE|-`): parsed strictly (unknown keys are errors) and checked
//! for everything that does not depend on the disk. Disk-dependent checks live in plan.rs.

use crate::disk::table_kind::TableKind;
use crate::partition::size::{self, Size};
use crate::partition::types::{self, PartType};
use crate::report::{IronError, Kind, Result};
use serde::Deserialize;
use serde_json::Value;

/// The JSON Schema of the layout document, printed by `ironbox partition --schema`.
pub const SCHEMA: &str = include_str!("layout.schema.json");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    Start,
    End,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutDoc {
    table: TableKind,
    partitions: Vec<PartitionDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartitionDoc {
    #[serde(rename = "type", default)]
    type_name: Option<String>,
    size: Value,
    min: Option<Value>,
    max: Option<Value>,
    label: Option<String>,
    uuid: Option<String>,
    format: Option<String>,
    fs_label: Option<String>,
    position: Option<Position>,
    #[serde(default)]
    bootable: bool,
    #[serde(default)]
    attributes: Vec<Value>,
}

/// One partition to create, fully resolved except for where it goes.
#[derive(Debug, Clone)]
pub struct Want {
    pub ptype: PartType,
    pub size: Size,
    pub min: Option<u64>,
    pub max: Option<u64>,
    pub label: Option<String>,
    pub uuid: Option<[u8; 16]>,
    pub format: Option<String>,
    pub fs_label: Option<String>,
    pub at_end: bool,
    pub bootable: bool,
    pub attributes: u64,
    /// The key of IPA's partition map (`root`, `swap`, ...) when built from IPA-style flags.
    pub role: Option<crate::partition::ipa::Role>,
}

impl Want {
    pub fn new(ptype: PartType, size: Size) -> Want {
        Want {
            ptype,
            size,
            min: None,
            max: None,
            label: None,
            uuid: None,
            format: None,
            fs_label: None,
            at_end: false,
            bootable: false,
            attributes: 0,
            role: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Layout {
    pub table: TableKind,
    pub partitions: Vec<Want>,
}

/// Filesystems `format` accepts: (name, tool, longest label in bytes).
pub const FORMATS: &[(&str, &str, usize)] = &[
    ("ext4", "mkfs.ext4", 16),
    ("ext3", "mkfs.ext3", 16),
    ("ext2", "mkfs.ext2", 16),
    ("xfs", "mkfs.xfs", 12),
    ("vfat", "mkfs.vfat", 11),
    ("fat32", "mkfs.vfat", 11),
    ("btrfs", "mkfs.btrfs", 255),
    ("swap", "mkswap", 16),
];

/// Smallest partitions the mkfs tools accept (xfsprogs ≥ 5.19: 300 MB; btrfs: 114 MiB).
const FORMAT_MIN: &[(&str, u64)] = &[("xfs", 300_000_000), ("btrfs", 114 << 20)];

/// The smallest partition `format` can be created on, if it has a known minimum.
pub fn format_min(format: &str) -> Option<u64> {
    FORMAT_MIN
        .iter()
        .find(|(k, _)| *k == format)
        .map(|(_, m)| *m)
}

/// GPT attribute bits by name (UEFI and the Discoverable Partitions Specification).
const ATTRIBUTES: &[(&str, u32)] = &[
    ("required", 0),
    ("no-block-io", 1),
    ("legacy-bios-bootable", 2),
    ("growfs", 59),
    ("read-only", 60),
    ("hidden", 62),
    ("no-automount", 63),
];

fn invalid(msg: impl Into<String>) -> IronError {
    IronError::new(Kind::InvalidLayout, msg)
}

/// Parses and checks a layout document.
pub fn parse(text: &str) -> Result<Layout> {
    let doc: LayoutDoc =
        serde_json::from_str(text).map_err(|e| invalid(format!("the layout is not valid: {e}")))?;
    let gpt = doc.table == TableKind::Gpt;
    let mut partitions = Vec::new();
    for (i, p) in doc.partitions.into_iter().enumerate() {
        let n = i + 1;
        let at = |m: String| invalid(format!("partition {n} of the layout: {m}"));
        let tname = p.type_name.as_deref().unwrap_or("linux");
        let ptype = types::resolve(tname, gpt).map_err(at)?;
        let size = size::parse(&p.size).map_err(at)?;
        let mut w = Want::new(ptype, size);
        w.min = p
            .min
            .as_ref()
            .map(size::parse_bound)
            .transpose()
            .map_err(at)?;
        w.max = p
            .max
            .as_ref()
            .map(size::parse_bound)
            .transpose()
            .map_err(at)?;
        w.label = p.label;
        w.uuid = match &p.uuid {
            Some(u) => Some(
                crate::disk::guid::parse(u)
                    .ok_or_else(|| at(format!("uuid {u:?} is not a GUID")))?,
            ),
            None => None,
        };
        w.format = p.format.map(|f| f.to_ascii_lowercase());
        w.fs_label = p.fs_label;
        w.at_end = p.position == Some(Position::End);
        w.bootable = p.bootable;
        for a in &p.attributes {
            let bit = match a {
                Value::Number(b) => b.as_u64().filter(|b| *b < 64).map(|b| b as u32),
                Value::String(s) => ATTRIBUTES
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(s))
                    .map(|(_, b)| *b),
                _ => None,
            }
            .ok_or_else(|| {
                at(format!(
                    "attribute {a} is not a bit number 0-63 or one of required, no-block-io, legacy-bios-bootable, growfs, read-only, hidden, no-automount"
                ))
            })?;
            w.attributes |= 1u64 << bit;
        }
        partitions.push(w);
    }
    let layout = Layout {
        table: doc.table,
        partitions,
    };
    check(&layout)?;
    Ok(layout)
}

/// Disk-independent rules, for layout files and IPA-style flags alike.
pub fn check(layout: &Layout) -> Result<()> {
    let gpt = layout.table == TableKind::Gpt;
    if layout.partitions.is_empty() {
        return Err(invalid("the layout has no partitions"));
    }
    if gpt && layout.partitions.len() > 128 {
        return Err(invalid(format!(
            "the layout has {} partitions; a gpt holds at most 128",
            layout.partitions.len()
        )));
    }
    let rests = layout
        .partitions
        .iter()
        .filter(|w| w.size == Size::Rest)
        .count();
    if rests > 1 {
        return Err(invalid(format!(
            "{rests} partitions have size \"rest\"; at most one may"
        )));
    }
    let mut uuids = Vec::new();
    for (i, w) in layout.partitions.iter().enumerate() {
        let at = |m: String| invalid(format!("partition {} of the layout: {m}", i + 1));
        check_entry(w, gpt).map_err(at)?;
        if let Some(u) = w.uuid {
            if uuids.contains(&u) {
                let u = crate::disk::guid::to_string(&u);
                return Err(at(format!("uuid {u} is used twice")));
            }
            uuids.push(u);
        }
        check_format(w).map_err(at)?;
    }
    Ok(())
}

/// One partition's size bounds and table-entry fields, for its table type.
fn check_entry(w: &Want, gpt: bool) -> std::result::Result<(), String> {
    if let Size::Bytes(0) = w.size {
        return Err("size 0 is not a partition".into());
    }
    if (w.min.is_some() || w.max.is_some()) && matches!(w.size, Size::Bytes(_)) {
        return Err("min and max bound only a percentage or \"rest\", not a fixed size".into());
    }
    if let (Some(lo), Some(hi)) = (w.min, w.max)
        && lo > hi
    {
        return Err(format!("min {lo} is larger than max {hi}"));
    }
    if let Some(l) = &w.label {
        if !gpt {
            return Err(format!(
                "label {l:?}: msdos partitions have no labels (use fs_label)"
            ));
        }
        let units = l.encode_utf16().count();
        if units > 36 {
            return Err(format!(
                "label {l:?} is {units} UTF-16 units long; gpt allows 36"
            ));
        }
    }
    if let Some(u) = w.uuid {
        if !gpt {
            return Err("uuid: msdos partition ids derive from the disk identifier".into());
        }
        if u == [0u8; 16] {
            return Err("uuid 00000000-0000-0000-0000-000000000000 marks an unused entry".into());
        }
    }
    if !gpt && w.attributes != 0 {
        return Err("attributes exist only on gpt".into());
    }
    Ok(())
}

/// The filesystem to make: a known one, its label within what its mkfs allows.
fn check_format(w: &Want) -> std::result::Result<(), String> {
    let Some(f) = &w.format else {
        return match &w.fs_label {
            Some(l) => Err(format!("fs_label {l:?} needs a format")),
            None => Ok(()),
        };
    };
    let Some((_, _, max)) = FORMATS.iter().find(|(k, _, _)| k == f) else {
        let names: Vec<_> = FORMATS.iter().map(|(k, _, _)| *k).collect();
        return Err(format!("format {f:?} is not one of {}", names.join(", ")));
    };
    if let Some(l) = &w.fs_label
        && l.len() > *max
    {
        return Err(format!(
            "fs_label {l:?} is longer than the {max} bytes {f} allows"
        ));
    }
    Ok(())
}

/// The mkfs tool for a format name (already validated).
pub fn format_tool(format: &str) -> &'static str {
    FORMATS
        .iter()
        .find(|(k, _, _)| *k == format)
        .map(|(_, t, _)| *t)
        .unwrap_or("mkfs")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        let e = parse(text).unwrap_err();
        assert_eq!(e.kind, Kind::InvalidLayout, "{e}");
        e.message
    }

    #[test]
    fn parses_a_full_layout() {
        let l = parse(
            r#"{"table": "gpt", "partitions": [
                {"type": "esp", "size": "550MiB", "label": "efi", "format": "vfat", "fs_label": "EFI"},
                {"type": "swap", "size": "10%", "max": "1GiB", "position": "end"},
                {"size": "rest", "uuid": "11111111-2222-4333-8444-555555555555", "attributes": ["growfs", 2]}
            ]}"#,
        )
        .unwrap();
        assert_eq!(l.partitions.len(), 3);
        assert_eq!(l.partitions[0].size, Size::Bytes(550 << 20));
        assert!(l.partitions[1].at_end);
        assert_eq!(l.partitions[1].max, Some(1 << 30));
        assert_eq!(l.partitions[2].attributes, (1 << 59) | (1 << 2));
        assert_eq!(types::name_of(l.partitions[2].ptype), Some("linux"));
    }

    #[test]
    fn rejects_what_the_issue_lists() {
        assert!(
            err(r#"{"table": "gpt", "partitions": [{"size": 1, "colour": "red"}]}"#)
                .contains("colour")
        );
        assert!(err(r#"{"table": "zfs", "partitions": []}"#).contains("zfs"));
        assert!(
            err(r#"{"table": "gpt", "partitions": [{"size": "rest"}, {"size": "rest"}]}"#)
                .contains("rest")
        );
        assert!(
            err(&format!(
                r#"{{"table": "gpt", "partitions": [{{"size": 1048576, "label": "{}"}}]}}"#,
                "x".repeat(37)
            ))
            .contains("36")
        );
        assert!(
            err(r#"{"table": "msdos", "partitions": [{"size": 1048576, "label": "x"}]}"#)
                .contains("label")
        );
        assert!(
            err(r#"{"table": "gpt", "partitions": [{"size": "1MiB", "format": "ntfs"}]}"#)
                .contains("ntfs")
        );
        assert!(
            err(r#"{"table": "gpt", "partitions": [{"size": "1MiB", "min": "1MiB"}]}"#)
                .contains("min")
        );
        assert!(
            err(r#"{"table": "gpt", "partitions": [{"size": "1MiB", "type": "0x83"}]}"#)
                .contains("0x83")
        );
        assert!(
            err(r#"{"table": "gpt", "partitions": [{"size": "1 furlong"}]}"#).contains("furlong")
        );
        assert!(err(r#"{"table": "gpt", "partitions": [{"size": "1MiB", "format": "vfat", "fs_label": "MUCH TOO LONG"}]}"#).contains("11"));
        assert!(err(r#"{"table": "gpt", "partitions": []}"#).contains("no partitions"));
        assert!(err(r#"{"table": "gpt"}"#).contains("partitions"));
    }
}
