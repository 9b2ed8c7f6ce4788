//! The documents image-write and image-cache print, as types: their JSON Schemas
//! (`--report-schema`, man/schemas/) are generated from these, and the flows fill them from
//! typed outcomes. Types of other layers (the disk's partitions, safety refusals, the target
//! selection) are carried as their own JSON here.

use crate::fetch::checksum::Expected;
use crate::image::cache::Entry;
use crate::image::format::{Compression, ForceFormat, ImageFormat, Qcow2Path};
use crate::image::sink::Sparse;
use crate::report::IronError;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;

/// The image cache's part in one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CacheState {
    /// No cache (no --cache-dir, or no --checksum to address it by).
    Off,
    /// A verified entry was read instead of any source.
    Hit,
    /// No entry: the sources were read (and, on success, the cache filled: `stored`).
    Miss,
    /// The image was stored in the cache during this write.
    Stored,
}

/// One source's attempt, in the order tried.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SourceTried {
    pub source: String,
    pub ok: bool,
    /// The error object of a failed attempt (`kind`, `message`, `causes`, context).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

impl SourceTried {
    pub fn ok(source: String) -> SourceTried {
        SourceTried {
            source,
            ok: true,
            error: None,
        }
    }

    pub fn failed(source: String, e: &IronError) -> SourceTried {
        SourceTried {
            source,
            ok: false,
            error: Some(e.to_json()["error"].clone()),
        }
    }
}

/// The served bytes' checksum, as expected and as found.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChecksumReport {
    /// md5, sha1, sha256, sha384 or sha512; null without --checksum.
    pub algorithm: Option<&'static str>,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub verified: bool,
}

impl ChecksumReport {
    /// `actual` matched `expected` (a mismatch is an error, never a report).
    pub fn verified(e: &Expected, actual: String) -> ChecksumReport {
        ChecksumReport {
            algorithm: Some(e.algo.name()),
            expected: Some(e.hex.clone()),
            actual: Some(actual),
            verified: true,
        }
    }

    pub fn none() -> ChecksumReport {
        ChecksumReport {
            algorithm: None,
            expected: None,
            actual: None,
            verified: false,
        }
    }
}

/// `--verify`: the read-back's sha256 against the decoded image's.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VerifyReport {
    pub read_back_sha256: String,
    pub matches: bool,
}

/// How the target was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IoMode {
    /// O_DIRECT, aligned buffers.
    Direct,
    /// Through the page cache.
    Buffered,
}

/// `ironbox image-write`'s report.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WriteReport {
    /// The device written: the disk, or the partition's node with --partition.
    pub target: PathBuf,
    pub disk: PathBuf,
    /// The partition number written with --partition; null for a whole disk.
    pub partition: Option<u32>,
    pub sources_tried: Vec<SourceTried>,
    pub format: ImageFormat,
    pub compression: Compression,
    /// Bytes as served (compressed, qcow2), all hashed.
    pub bytes_downloaded: u64,
    /// Bytes of the decoded image.
    pub image_size: u64,
    pub bytes_written: u64,
    pub bytes_zeroed: u64,
    pub bytes_skipped: u64,
    pub checksum: ChecksumReport,
    /// sha256 of the decoded image; null with --no-written-sha256.
    pub written_sha256: Option<String>,
    pub resumes: u64,
    pub retries: u64,
    pub cache: CacheState,
    /// How a qcow2 was read; null for raw.
    pub qcow2_path: Option<Qcow2Path>,
    pub io: IoMode,
    pub sparse: Sparse,
    pub duration_s: f64,
    pub rate_bytes_per_s: u64,
    /// The image's partitions as the kernel now shows them; null for a partition image or an
    /// image without a table.
    pub partitions: Option<Value>,
    /// The image's disk identifier (whole disk) or filesystem UUID (--partition).
    pub root_uuid: Option<String>,
    /// Only with --verify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerifyReport>,
    /// Safety refusals overridden by --force; absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overridden: Option<Value>,
    /// Only with --explain: how the target disk was selected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<Value>,
}

/// What the dry run's probe of the first source found.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Probe {
    pub source: String,
    pub reachable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<Option<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

/// The checksum a dry run would verify.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PlannedChecksum {
    pub algorithm: &'static str,
    pub expected: String,
}

/// `ironbox image-write --dry-run`'s report: the plan, nothing written.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DryRunReport {
    /// Always true.
    pub dry_run: bool,
    pub target: PathBuf,
    pub disk: PathBuf,
    pub partition: Option<u32>,
    /// With --partition: how the kernel's node compares with the table (current, stale,
    /// missing); null for a whole disk.
    pub partition_node: Option<Value>,
    pub capacity: u64,
    pub logical_sector_size: u32,
    pub sources: Vec<String>,
    /// Null for stdin.
    pub probe: Option<Probe>,
    pub checksum: Option<PlannedChecksum>,
    pub format: ForceFormat,
    pub sparse: Sparse,
    pub cache: CacheState,
    pub verify: bool,
    pub overridden: Value,
    /// Always true.
    pub would_write: bool,
}

/// image-write prints one or the other.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ImageWriteReport {
    Written(Box<WriteReport>),
    DryRun(Box<DryRunReport>),
}

/// `image-cache fetch`: where the verified image now is.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CacheFetchReport {
    /// ALGO-HEX, the entry's name.
    pub key: String,
    pub path: PathBuf,
    /// `hit` (already there, nothing downloaded) or `stored`.
    pub cache: CacheState,
    pub size: u64,
    /// Only when downloaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<ChecksumReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CacheListReport {
    pub cache_dir: PathBuf,
    /// Least recently used first.
    pub entries: Vec<Entry>,
    pub total_bytes: u64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CacheEvictReport {
    pub cache_dir: PathBuf,
    /// The keys removed.
    pub evicted: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CacheGcReport {
    pub cache_dir: PathBuf,
    pub max_bytes: u64,
    /// The entries removed, least recently used first.
    pub evicted: Vec<Entry>,
    /// What the cache holds now.
    pub total_bytes: u64,
}

/// image-cache prints the report of its subcommand.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ImageCacheReport {
    Fetch(CacheFetchReport),
    List(CacheListReport),
    Evict(CacheEvictReport),
    Gc(CacheGcReport),
}
