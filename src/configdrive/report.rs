//! The documents `configdrive write` and `configdrive read` print, as types (their JSON Schemas
//! come from these). Types of the disk layer (the append plan, safety refusals) are carried as
//! their own JSON.

use super::decode::Fs;
use crate::disk::reread::RefreshMethod;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// The config-2 partition written (or, in a dry run, the one that would be).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PartitionReport {
    /// The kernel's node for it (/dev/sdb5); null when there is none yet.
    pub node: Option<String>,
    pub number: u32,
    /// Bytes from the start of the disk.
    pub start: u64,
    pub size: u64,
    /// GPT partition UUID; null on msdos tables.
    pub uuid: Option<String>,
}

/// `ironbox configdrive write`'s report.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ConfigdriveWriteReport {
    pub disk: String,
    pub partition: PartitionReport,
    /// Whether the partition was created (false: an existing config-2 partition was reused).
    pub created: bool,
    pub filesystem: Fs,
    pub label: String,
    /// 0 in a dry run.
    pub bytes_written: u64,
    /// The input's layering as decoded (e.g. `base64+gzip+iso9660`), or `json` with --from-json.
    pub source_format: String,
    /// An ISO 9660 input rewritten as vfat (sectors larger than 2048 bytes).
    pub rebuilt_as_vfat: bool,
    pub files: Vec<String>,
    /// What fetching a URL source took (0 for files and stdin), as image-write reports.
    pub retries: u64,
    pub resumes: u64,
    /// Safety refusals overridden by --force; absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overridden_refusals: Option<Value>,
    /// The new partition's plan; absent when an existing partition is reused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Value>,
    /// Only in a dry run (then true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// Bytes of old signatures cleared in the partition; absent in a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_wiped: Option<u64>,
    /// How the kernel learnt the table; absent in a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh: Option<RefreshMethod>,
}

/// Where `configdrive read` found the drive, when it is a partition.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FoundPartition {
    pub number: u32,
    pub start: u64,
    pub size: u64,
}

/// `ironbox configdrive read`'s report: what cloud-init will see.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ConfigdriveReadReport {
    pub source: String,
    /// Null when the whole device or file is the drive.
    pub partition: Option<FoundPartition>,
    /// As blkid names it (iso9660, vfat).
    pub filesystem: String,
    pub label: Option<String>,
    pub files: Vec<String>,
    /// openstack/latest/meta_data.json as parsed; null when missing or not JSON.
    pub meta_data: Value,
    pub network_data: Value,
    /// What would trouble cloud-init; empty when nothing.
    pub problems: Vec<String>,
}

/// `ironbox configdrive build`'s report.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ConfigdriveBuildReport {
    /// The file written, or `-` for stdout.
    pub output: String,
    pub filesystem: Fs,
    pub label: &'static str,
    pub size: u64,
    pub files: Vec<String>,
}

/// `configdrive` prints the report of its subcommand.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ConfigdriveReport {
    Build(ConfigdriveBuildReport),
    Write(Box<ConfigdriveWriteReport>),
    Read(ConfigdriveReadReport),
}
