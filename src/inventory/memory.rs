//! `memory`: what the kernel manages (`total`, bytes) and what is installed (`physical_mb`, from
//! SMBIOS memory devices).

use crate::sys::smbios::Smbios;
use crate::sys::sysfs;
use serde::Serialize;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Memory {
    pub total: u64,
    pub physical_mb: Option<u64>,
}

pub fn collect(smbios: Option<&Smbios>) -> Memory {
    let total = sysfs::read("/proc/meminfo")
        .and_then(|m| mem_total_kb(&m))
        .unwrap_or(0)
        * 1024;
    let physical_mb = smbios
        .and_then(Smbios::installed_memory_mb)
        .or_else(|| (total > 0).then(|| round_installed_mb(total / (1024 * 1024))));
    Memory { total, physical_mb }
}

pub fn mem_total_kb(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Without SMBIOS: the kernel reserves some memory at boot (firmware, memmap, crash kernel), so
/// MemTotal is a little below what is installed. Round up to an eighth of the power of two
/// below it (24105 MiB → 24576, 1950 → 2048, 1031168 → 1048576).
pub fn round_installed_mb(mib: u64) -> u64 {
    if mib == 0 {
        return 0;
    }
    let pow = 1u64 << (63 - mib.leading_zeros());
    let step = (pow / 8).max(1);
    mib.div_ceil(step) * step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding() {
        assert_eq!(round_installed_mb(24105), 24576);
        assert_eq!(round_installed_mb(1950), 2048);
        assert_eq!(round_installed_mb(3900), 4096);
        assert_eq!(round_installed_mb(1031168), 1048576);
        assert_eq!(round_installed_mb(4096), 4096);
        assert_eq!(round_installed_mb(1), 1);
    }
}
