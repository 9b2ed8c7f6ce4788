//! The erasure certificate: one record per device, timestamps in ISO 8601 UTC.

use crate::erase::plan::Caps;
use crate::erase::verify::Verification;
use crate::report::ErrorObject;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DeviceRecord {
    pub device: String,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub size: u64,
    pub logical_sector_size: u32,
    pub rotational: bool,
    /// The method that erased the device (or would, in a dry run; or the last one tried).
    pub method: Option<&'static str>,
    pub nist_class: Option<&'static str>,
    pub why: Vec<String>,
    pub passes: u32,
    pub bytes_written: u64,
    pub duration_s: f64,
    pub verification: Option<Verification>,
    pub result: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
    /// The method that failed before the one that erased the device (with --fallback).
    pub fallback_from: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<Attempt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_duration_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate_basis: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Caps>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overridden: Vec<crate::disk::safety::Refusal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Details>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

/// What happened to one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Erased,
    /// A dry run's plan.
    Planned,
    Skipped,
    Refused,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Erased => "erased",
            Outcome::Planned => "planned",
            Outcome::Skipped => "skipped",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }

    /// Whether the run can still succeed with this device in it.
    pub fn is_ok(self) -> bool {
        matches!(self, Outcome::Erased | Outcome::Planned | Outcome::Skipped)
    }
}

/// A method that failed before the next one was tried (with --fallback).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Attempt {
    pub method: &'static str,
    pub error: ErrorObject,
}

/// What the method did, beyond the common fields; each key only where it applies.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Details {
    /// Dry run: the methods that would be tried, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub methods_in_order: Option<Vec<&'static str>>,
    /// metadata: the byte ranges wiped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranges: Option<Vec<crate::erase::metadata::Span>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signatures_removed: Option<Vec<crate::erase::metadata::Found>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regions_zeroed: Option<usize>,
    /// zeroout, discard, secure-discard: whether the device guarantees zeroes afterwards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zeroes_guaranteed: Option<bool>,
    /// zeroout: whether the device did the zeroing itself (WRITE ZEROES).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offloaded: Option<bool>,
    /// overwrite: one entry per pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_list: Option<Vec<crate::erase::overwrite::Pass>>,
    /// After any method: how the kernel re-read the partition table, or why it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition_table_reread: Option<String>,
}

impl DeviceRecord {
    pub fn new(dev: &crate::disk::BlockDevice) -> DeviceRecord {
        DeviceRecord {
            device: dev.path.display().to_string(),
            model: dev.model.clone(),
            serial: dev.serial.clone(),
            size: dev.size,
            logical_sector_size: dev.logical_sector_size,
            rotational: dev.rotational,
            method: None,
            nist_class: None,
            why: vec![],
            passes: 0,
            bytes_written: 0,
            duration_s: 0.0,
            verification: None,
            result: Outcome::Failed,
            reason: None,
            error: None,
            fallback_from: None,
            attempts: vec![],
            estimated_duration_s: None,
            estimate_basis: None,
            capabilities: None,
            overridden: vec![],
            details: None,
            started_at: None,
            finished_at: None,
        }
    }
}

pub fn now() -> String {
    crate::clock::now(crate::clock::Precision::Millis)
}
