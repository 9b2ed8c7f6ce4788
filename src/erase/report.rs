//! What `erase` prints: the erasure certificate (also under `certificate` in the error
//! document when a device was not erased).

use super::certificate::DeviceRecord;
use super::verify::Mode;
use crate::sys::sysfs;
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Serialize, JsonSchema)]
pub struct EraseReport {
    /// Every device erased, planned or skipped.
    pub ok: bool,
    pub dry_run: bool,
    pub method_requested: &'static str,
    pub verify: Mode,
    pub started_at: String,
    pub finished_at: String,
    pub duration_s: f64,
    pub host: Host,
    pub tool: String,
    pub devices: Vec<DeviceRecord>,
}

/// The machine the certificate speaks for.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Host {
    pub hostname: Option<String>,
    pub system_serial: Option<String>,
    pub system_uuid: Option<String>,
}

impl Host {
    pub fn read() -> Host {
        Host {
            hostname: sysfs::read("/proc/sys/kernel/hostname"),
            system_serial: sysfs::read_nonempty("/sys/class/dmi/id/product_serial"),
            system_uuid: sysfs::read_nonempty("/sys/class/dmi/id/product_uuid"),
        }
    }
}
