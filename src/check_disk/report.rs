//! What `check-disk` prints: the resolved disk and the busy refusals `--force` overrode.

use crate::disk::hints::Candidate;
use crate::disk::safety::Refusal;
use schemars::JsonSchema;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Serialize, JsonSchema)]
pub struct CheckDiskReport {
    pub device: PathBuf,
    pub size: u64,
    pub logical_sector_size: u32,
    /// Always true: a disk ironbox would not write is an error document instead.
    pub writable: bool,
    /// The busy refusals that `--force` overrode (empty without it).
    pub overridden: Vec<Refusal>,
    /// With `--explain`: why each disk matched the hints or not (null for a path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<Option<Vec<Candidate>>>,
}
