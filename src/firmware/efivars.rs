//! OsIndications through efivarfs: setting EFI_OS_INDICATIONS_FILE_CAPSULE_DELIVERY_SUPPORTED
//! asks the firmware to process \EFI\UpdateCapsule\ at the next boot.

use crate::le;
use crate::report::{Context, IronError, Kind, Result};
use crate::sys::{fsflags, sysfs};
use std::io::Write;

pub const EFIVARS: &str = "/sys/firmware/efi/efivars";
const GLOBAL: &str = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
pub const FILE_CAPSULE_DELIVERY: u64 = 0x4;
/// NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS.
const ATTRS: u32 = 0x7;

pub fn var_path(name: &str) -> String {
    format!("{EFIVARS}/{name}-{GLOBAL}")
}

/// A u64 variable (4-byte attribute header + 8 bytes), None when absent or malformed.
pub fn read_u64(name: &str) -> Option<u64> {
    let b = sysfs::read_bytes(var_path(name))?;
    le::u64(&b, 4)
}

/// Checks that firmware supports file capsule delivery; errors say what is missing.
pub fn check_supported() -> Result<()> {
    if !sysfs::exists(EFIVARS) {
        return Err(IronError::new(
            Kind::Unsupported,
            format!("no efivarfs at {EFIVARS}: needs a UEFI boot and efivarfs mounted"),
        ));
    }
    match read_u64("OsIndicationsSupported") {
        Some(s) if s & FILE_CAPSULE_DELIVERY != 0 => Ok(()),
        Some(s) => Err(IronError::new(
            Kind::Unsupported,
            format!(
                "firmware does not support capsule-on-disk (OsIndicationsSupported {s:#x} lacks bit 0x4)"
            ),
        )),
        None => Err(IronError::new(
            Kind::Unsupported,
            "firmware does not publish OsIndicationsSupported",
        )),
    }
}

/// Sets the file-capsule-delivery bit in OsIndications, keeping the other bits. Returns the
/// value written.
pub fn request_capsule_delivery() -> Result<u64> {
    let current = read_u64("OsIndications").unwrap_or(0);
    let value = current | FILE_CAPSULE_DELIVERY;
    let rel = var_path("OsIndications");
    let path = sysfs::path(&rel);
    if path.exists() {
        // efivarfs makes variables immutable; clear the flag for this one deliberate write.
        let f = std::fs::File::open(&path).ctx(Kind::Io, || format!("cannot open {rel}"))?;
        fsflags::clear_immutable(&f)
            .ctx(Kind::Io, || format!("cannot clear immutable on {rel}"))?;
    }
    let mut buf = Vec::with_capacity(12);
    buf.extend_from_slice(&ATTRS.to_le_bytes());
    buf.extend_from_slice(&value.to_le_bytes());
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(sysfs::is_captured())
        .open(&path)
        .ctx(Kind::Io, || format!("cannot open {rel} for writing"))?;
    // efivarfs wants the attribute header and the data in one write.
    f.write_all(&buf)
        .ctx(Kind::Io, || format!("cannot write {rel}"))?;
    Ok(value)
}
