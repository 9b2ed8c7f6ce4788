//! Model-specific registers through the msr driver (/dev/cpu/N/msr): the register number is
//! the file offset, each read returns 8 bytes. The driver may be absent (module not loaded).

use std::os::unix::fs::FileExt;

/// Reads MSR `reg` of CPU `cpu`. The path goes through the sysroot so that tests can supply
/// a file; errors (absent driver, EIO for an unknown register) are returned as they are.
pub fn read(cpu: u32, reg: u32) -> std::io::Result<u64> {
    let path = super::sysfs::path(format!("/dev/cpu/{cpu}/msr"));
    let f = std::fs::File::open(path)?;
    let mut buf = [0u8; 8];
    f.read_exact_at(&mut buf, u64::from(reg))?;
    Ok(u64::from_le_bytes(buf))
}
