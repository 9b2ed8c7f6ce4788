//! The report: the disk, its table and every partition as planned and (after writing) as read
//! back, with nodes from sysfs and filesystem identities read from the disk.

use crate::disk::guid;
use crate::disk::safety::Refusal;
use crate::disk::table::{self, PartitionReport, TableEntry, TableInfo};
use crate::disk::write_table::{DiskId, EntryType};
use crate::partition::Args;
use crate::partition::plan::{Activity, Plan};
use crate::partition::types;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::fs::File;

/// What is known about a partition beyond the plan: its node and filesystem.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub node: Option<String>,
    pub fs_type: Option<String>,
    pub fs_uuid: Option<String>,
    pub fs_label: Option<String>,
}

pub fn from_described(parts: &[PartitionReport]) -> HashMap<u32, Seen> {
    parts
        .iter()
        .map(|p| {
            (
                p.entry.number,
                Seen {
                    node: p.node.clone(),
                    fs_type: p.fs_type.clone(),
                    fs_uuid: p.fs_uuid.clone(),
                    fs_label: p.fs_label.clone(),
                },
            )
        })
        .collect()
}

/// For a dry run: nodes and filesystems of the kept partitions (read-only).
pub fn read_kept(f: &mut File, disk_name: &str, plan: &Plan) -> HashMap<u32, Seen> {
    let info = TableInfo {
        table: plan.table.as_str(),
        sector_size: plan.geometry.sector,
        disk_id: String::new(),
        partitions: plan
            .partitions
            .iter()
            .filter(|p| p.activity == Activity::Keep)
            .map(|p| TableEntry {
                number: p.entry.number,
                start: p.entry.start,
                size: p.entry.size,
                type_guid: None,
                type_byte: None,
                label: None,
                uuid: None,
                bootable: false,
            })
            .collect(),
    };
    from_described(&table::describe(f, disk_name, &info))
}

pub fn build(
    device: &str,
    plan: &Plan,
    refresh: Option<&str>,
    seen: &HashMap<u32, Seen>,
    dry_run: bool,
    args: &Args,
    overridden: &[Refusal],
) -> Value {
    let mut doc = Map::new();
    doc.insert("disk".into(), json!(device));
    doc.insert("table".into(), json!(plan.table.as_str()));
    doc.insert("sector_size".into(), json!(plan.geometry.sector));
    doc.insert("disk_size".into(), json!(plan.geometry.size));
    doc.insert("alignment".into(), json!(plan.geometry.align));
    let mbr_id = match plan.disk_id {
        DiskId::Gpt(g) => {
            doc.insert(
                "disk_guid".into(),
                json!(guid::to_string(&g).to_lowercase()),
            );
            None
        }
        DiskId::Mbr(id) => {
            doc.insert("disk_identifier".into(), json!(format!("0x{id:08x}")));
            Some(id)
        }
    };
    let mut ipa = Map::new();
    let mut parts = Vec::new();
    for p in &plan.partitions {
        let e = &p.entry;
        let s = seen.get(&e.number).cloned().unwrap_or_default();
        let mut o = Map::new();
        o.insert("number".into(), json!(e.number));
        o.insert("node".into(), json!(s.node));
        o.insert("start".into(), json!(e.start));
        o.insert("size".into(), json!(e.size));
        match e.etype {
            EntryType::Guid(g) => {
                let text = guid::to_string(&g);
                o.insert(
                    "type".into(),
                    json!(types::name_of(e.etype).unwrap_or(&text)),
                );
                o.insert("type_guid".into(), json!(text));
            }
            EntryType::Byte(b) => {
                let text = format!("0x{b:02x}");
                o.insert(
                    "type".into(),
                    json!(types::name_of(e.etype).unwrap_or(&text)),
                );
                o.insert("type_byte".into(), json!(text));
            }
        }
        o.insert("label".into(), json!(e.label));
        let uuid = match (e.uuid, mbr_id) {
            (Some(u), _) => Some(guid::to_string(&u).to_lowercase()),
            (None, Some(id)) => Some(format!("{id:08x}-{:02x}", e.number)),
            (None, None) => None,
        };
        o.insert("uuid".into(), json!(uuid));
        o.insert(
            "bootable".into(),
            json!(e.bootable || (mbr_id.is_none() && e.attributes & (1 << 2) != 0)),
        );
        if mbr_id.is_none() {
            o.insert("attributes".into(), json!(e.attributes));
        }
        let fs_type = if dry_run && p.activity == Activity::Create {
            p.format.clone()
        } else {
            s.fs_type.clone()
        };
        o.insert("fs_type".into(), json!(fs_type));
        o.insert("fs_uuid".into(), json!(s.fs_uuid));
        let fs_label = if dry_run && p.activity == Activity::Create {
            p.fs_label.clone()
        } else {
            s.fs_label.clone()
        };
        o.insert("fs_label".into(), json!(fs_label));
        o.insert(
            "activity".into(),
            json!(match p.activity {
                Activity::Create => "create",
                Activity::Keep => "keep",
            }),
        );
        if let Some(role) = p.role {
            ipa.insert(role.to_string(), json!(s.node));
        }
        parts.push(Value::Object(o));
    }
    doc.insert("partitions".into(), Value::Array(parts));
    if !ipa.is_empty() {
        doc.insert("ipa".into(), Value::Object(ipa));
    }
    doc.insert("dry_run".into(), json!(dry_run));
    doc.insert("wipe".into(), json!(args.wipe));
    if let Some(m) = refresh {
        doc.insert("refresh".into(), json!(m));
    }
    if !overridden.is_empty() {
        doc.insert("overridden".into(), json!(overridden));
    }
    Value::Object(doc)
}
