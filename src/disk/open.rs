//! Opening disks. Writers take the device with O_EXCL, which the kernel refuses (EBUSY) while
//! anything has it mounted, claimed by md/dm, or open exclusively: a last, race-free busy check.

use crate::report::{IronError, Key, Kind, Result};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Opens a whole disk or partition for writing. `exclusive` is false only under `--force`.
pub fn open_for_write(path: &Path, exclusive: bool) -> Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true);
    if exclusive {
        opts.custom_flags(libc::O_EXCL | libc::O_CLOEXEC);
    }
    opts.open(path).map_err(|e| {
        let dev = path.display().to_string();
        if e.raw_os_error() == Some(libc::EBUSY) {
            IronError::new(
                Kind::DeviceBusy,
                format!("{dev} is in use (the kernel refused an exclusive open)"),
            )
            .with(Key::Device, &dev)
            .with(Key::Rule, "exclusive_open")
            .caused_by(e)
        } else if e.raw_os_error() == Some(libc::EROFS) || e.raw_os_error() == Some(libc::EACCES) {
            IronError::new(
                Kind::DeviceReadOnly,
                format!("{dev} cannot be opened for writing"),
            )
            .with(Key::Device, &dev)
            .caused_by(e)
        } else {
            IronError::io(format!("cannot open {dev} for writing"), e).with(Key::Device, &dev)
        }
    })
}

/// Opens a device or image read-only.
pub fn open_for_read(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| {
        let dev = path.display().to_string();
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            Kind::NotFound
        } else {
            Kind::Io
        };
        IronError::new(kind, format!("cannot open {dev}"))
            .with(Key::Device, &dev)
            .caused_by(e)
    })
}
