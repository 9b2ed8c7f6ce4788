//! What `partition` prints, as types: the disk, its table and every partition as planned and
//! (after writing) as read back, with nodes from sysfs and filesystem identities read from the
//! disk. The JSON Schema (`--report-schema`, man/schemas/partition.json) is generated from these.

use crate::disk::guid;
use crate::disk::hints::Candidate;
use crate::disk::mbr_type::MbrType;
use crate::disk::reread::RefreshMethod;
use crate::disk::safety::Refusal;
use crate::disk::table::{self, PartitionReport as Described, TableEntry, TableInfo};
use crate::disk::table_kind::TableKind;
use crate::disk::write_table::{DiskId, EntryType};
use crate::partition::ipa::Role;
use crate::partition::plan::{Activity, Plan, Planned};
use crate::partition::types;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;

/// `ironbox partition` prints one or the other.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum PartitionReport {
    Written(Box<WrittenReport>),
    DryRun(Box<DryRunReport>),
}

impl PartitionReport {
    pub fn dry_run(table: TableReport) -> PartitionReport {
        PartitionReport::DryRun(Box::new(DryRunReport {
            table,
            dry_run: true,
        }))
    }

    pub fn written(
        table: TableReport,
        refresh: RefreshMethod,
        selection: Option<Option<Vec<Candidate>>>,
    ) -> PartitionReport {
        PartitionReport::Written(Box::new(WrittenReport {
            table,
            dry_run: false,
            refresh,
            selection,
        }))
    }
}

/// The table as written and read back.
#[derive(Debug, Serialize, JsonSchema)]
pub struct WrittenReport {
    #[serde(flatten)]
    pub table: TableReport,
    /// Always false.
    #[schemars(extend("const" = false))]
    pub dry_run: bool,
    /// How the kernel learnt the new table.
    pub refresh: RefreshMethod,
    /// Only with --explain: how the target disk was selected (null for a disk named by path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<Option<Vec<Candidate>>>,
}

/// `--dry-run`: the plan, nothing written. New partitions have no node yet; their `fs_type` and
/// `fs_label` are what would be created.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DryRunReport {
    #[serde(flatten)]
    pub table: TableReport,
    /// Always true.
    #[schemars(extend("const" = true))]
    pub dry_run: bool,
}

/// What both reports say about the disk and its table.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TableReport {
    /// The disk's device path.
    pub disk: String,
    pub table: TableKind,
    /// Logical sector size, bytes.
    pub sector_size: u32,
    /// Bytes.
    pub disk_size: u64,
    /// Bytes: partitions start on multiples of it (1 MiB, or the optimal I/O size if larger).
    pub alignment: u64,
    #[serde(flatten)]
    pub disk_id: DiskIdReport,
    /// Sorted by number; an msdos extended container is an entry of its own.
    pub partitions: Vec<PartitionEntry>,
    /// Only with the IPA-style flags: IPA's partition map, role -> node (null in a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "BTreeMap<Role, Option<String>>")]
    pub ipa: Option<BTreeMap<Role, Option<String>>>,
    /// --wipe was given.
    pub wipe: bool,
    /// Safety refusals overridden by --force; absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overridden: Vec<Refusal>,
}

/// The disk's identity in the new table.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum DiskIdReport {
    /// gpt: the disk GUID, lower case.
    Gpt { disk_guid: String },
    /// msdos: the disk identifier, `0x%08x`.
    Msdos { disk_identifier: String },
}

/// One partition of the new table.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PartitionEntry {
    pub number: u32,
    /// The partition's device node; null when the kernel has none (a dry run's new partitions).
    pub node: Option<String>,
    /// Bytes.
    pub start: u64,
    /// Bytes.
    pub size: u64,
    /// The type's short name (`linux`, `esp`, `swap`, ...), else the GUID or type byte.
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(flatten)]
    pub code: TypeCode,
    /// GPT partition name.
    pub label: Option<String>,
    /// PARTUUID: the GPT unique GUID (lower case), or `<disk id>-<NN>` on msdos.
    pub uuid: Option<String>,
    /// The msdos active flag, or GPT attribute bit 2 (legacy BIOS bootable).
    pub bootable: bool,
    pub fs_type: Option<String>,
    pub fs_uuid: Option<String>,
    pub fs_label: Option<String>,
    pub activity: Activity,
}

/// The partition type as the table stores it.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum TypeCode {
    Gpt {
        /// Upper case, as sgdisk prints it.
        type_guid: String,
        /// GPT attribute bits.
        attributes: u64,
    },
    Msdos {
        /// `0x%02x`.
        type_byte: MbrType,
    },
}

/// What is known about a partition beyond the plan: its node and filesystem.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub node: Option<String>,
    pub fs_type: Option<String>,
    pub fs_uuid: Option<String>,
    pub fs_label: Option<String>,
}

/// Partition number -> what the disk shows of it.
pub type SeenByNumber = HashMap<u32, Seen>;

pub fn from_described(parts: &[Described]) -> SeenByNumber {
    parts
        .iter()
        .map(|p| {
            let seen = Seen {
                node: p.node.clone(),
                fs_type: p.fs_type.clone(),
                fs_uuid: p.fs_uuid.clone(),
                fs_label: p.fs_label.clone(),
            };
            (p.entry.number, seen)
        })
        .collect()
}

/// For a dry run: nodes and filesystems of the kept partitions (read-only).
pub fn read_kept(f: &mut File, disk_name: &str, plan: &Plan) -> SeenByNumber {
    let kept = plan
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
        });
    let info = TableInfo {
        table: plan.table,
        sector_size: plan.geometry.sector,
        disk_id: String::new(),
        partitions: kept.collect(),
    };
    from_described(&table::describe(f, disk_name, &info))
}

/// Whose filesystem a partition entry reports: the plan's (a dry run's new partitions) or the
/// disk's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Planned,
    Written,
}

impl TableReport {
    pub fn new(
        device: &str,
        plan: &Plan,
        seen: &SeenByNumber,
        stage: Stage,
        wipe: bool,
        overridden: Vec<Refusal>,
    ) -> TableReport {
        let disk_id = match plan.disk_id {
            DiskId::Gpt(g) => DiskIdReport::Gpt {
                disk_guid: guid::to_string(&g).to_lowercase(),
            },
            DiskId::Mbr(id) => DiskIdReport::Msdos {
                disk_identifier: format!("0x{id:08x}"),
            },
        };
        let seen_of = |p: &Planned| seen.get(&p.entry.number).cloned().unwrap_or_default();
        let ipa: BTreeMap<Role, Option<String>> = (plan.partitions.iter())
            .filter_map(|p| p.role.map(|role| (role, seen_of(p).node)))
            .collect();
        TableReport {
            disk: device.to_string(),
            table: plan.table,
            sector_size: plan.geometry.sector,
            disk_size: plan.geometry.size,
            alignment: plan.geometry.align,
            disk_id,
            partitions: (plan.partitions.iter())
                .map(|p| PartitionEntry::new(p, seen_of(p), plan.disk_id, stage))
                .collect(),
            ipa: (!ipa.is_empty()).then_some(ipa),
            wipe,
            overridden,
        }
    }
}

impl PartitionEntry {
    fn new(p: &Planned, seen: Seen, disk_id: DiskId, stage: Stage) -> PartitionEntry {
        let e = &p.entry;
        let gpt_bootable = matches!(disk_id, DiskId::Gpt(_)) && e.attributes & (1 << 2) != 0;
        let (code, text) = match e.etype {
            EntryType::Guid(g) => {
                let text = guid::to_string(&g);
                let code = TypeCode::Gpt {
                    type_guid: text.clone(),
                    attributes: e.attributes,
                };
                (code, text)
            }
            EntryType::Byte(b) => {
                let text = b.to_string();
                let code = TypeCode::Msdos { type_byte: b };
                (code, text)
            }
        };
        let uuid = match (e.uuid, disk_id) {
            (Some(u), _) => Some(guid::to_string(&u).to_lowercase()),
            (None, DiskId::Mbr(id)) => Some(format!("{id:08x}-{:02x}", e.number)),
            (None, DiskId::Gpt(_)) => None,
        };
        // A dry run has not made the new filesystems yet: report what it would make.
        let planned = stage == Stage::Planned && p.activity == Activity::Create;
        let (fs_type, fs_label) = if planned {
            (p.format.clone(), p.fs_label.clone())
        } else {
            (seen.fs_type, seen.fs_label)
        };
        PartitionEntry {
            number: e.number,
            node: seen.node,
            start: e.start,
            size: e.size,
            type_name: types::name_of(e.etype).map(str::to_string).unwrap_or(text),
            code,
            label: e.label.clone(),
            uuid,
            bootable: e.bootable || gpt_bootable,
            fs_type,
            fs_uuid: seen.fs_uuid,
            fs_label,
            activity: p.activity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partition::layout;
    use crate::partition::plan::{self, Geometry};
    use serde_json::{Value, json};

    fn report(layout_text: &str, disk_id: DiskId, stage: Stage) -> Value {
        let l = layout::parse(layout_text).unwrap();
        let p = plan::plan(&l, &Geometry::new(64 << 20, 512, 0), &[], disk_id).unwrap();
        let t = TableReport::new("/dev/x", &p, &HashMap::new(), stage, false, vec![]);
        serde_json::to_value(t).unwrap()
    }

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object().unwrap().keys().map(String::as_str).collect()
    }

    /// The keys scripts and playbooks read (scripts/e2e*, scripts/ironic/): gpt and msdos
    /// each carry their own identifiers, nothing else changes shape.
    #[test]
    fn gpt_and_msdos_entries_carry_their_own_keys() {
        let gpt = report(
            r#"{"table": "gpt", "partitions": [{"size": "rest", "format": "ext4", "bootable": true}]}"#,
            DiskId::Gpt([1; 16]),
            Stage::Planned,
        );
        assert_eq!(
            keys(&gpt),
            [
                "alignment",
                "disk",
                "disk_guid",
                "disk_size",
                "partitions",
                "sector_size",
                "table",
                "wipe"
            ]
        );
        let e = &gpt["partitions"][0];
        assert_eq!(
            keys(e),
            [
                "activity",
                "attributes",
                "bootable",
                "fs_label",
                "fs_type",
                "fs_uuid",
                "label",
                "node",
                "number",
                "size",
                "start",
                "type",
                "type_guid",
                "uuid"
            ]
        );
        assert_eq!(
            (e["attributes"].clone(), e["bootable"].clone()),
            (json!(4), json!(true))
        );
        assert_eq!(
            e["fs_type"], "ext4",
            "a dry run reports the filesystem it would make"
        );

        let msdos = report(
            r#"{"table": "msdos", "partitions": [{"size": "rest", "format": "ext4"}]}"#,
            DiskId::Mbr(0xabcd),
            Stage::Written,
        );
        assert_eq!(msdos["disk_identifier"], "0x0000abcd");
        let e = &msdos["partitions"][0];
        assert!(e.get("attributes").is_none() && e.get("type_guid").is_none());
        assert_eq!(
            (e["type_byte"].clone(), e["uuid"].clone()),
            (json!("0x83"), json!("0000abcd-01"))
        );
        assert_eq!(
            e["fs_type"],
            Value::Null,
            "after writing only the disk's word counts"
        );
    }
}
