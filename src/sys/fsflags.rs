//! Inode flags (FS_IOC_GETFLAGS / FS_IOC_SETFLAGS), for efivarfs: the kernel creates most
//! variables immutable so that a stray `rm` cannot brick a machine; a deliberate write must
//! clear the flag first.

use std::os::fd::AsRawFd;

pub const FS_IMMUTABLE_FL: libc::c_long = 0x0000_0010;

nix::ioctl_read!(fs_ioc_getflags, b'f', 1, libc::c_long);
nix::ioctl_write_ptr!(fs_ioc_setflags, b'f', 2, libc::c_long);

pub fn get(file: &std::fs::File) -> std::io::Result<libc::c_long> {
    let mut flags: libc::c_long = 0;
    // SAFETY: `flags` is a valid out-parameter for the duration of the call.
    unsafe { fs_ioc_getflags(file.as_raw_fd(), &mut flags) }.map_err(std::io::Error::from)?;
    Ok(flags)
}

pub fn set(file: &std::fs::File, flags: libc::c_long) -> std::io::Result<()> {
    // SAFETY: `flags` is a valid in-parameter for the duration of the call.
    unsafe { fs_ioc_setflags(file.as_raw_fd(), &flags) }.map_err(std::io::Error::from)?;
    Ok(())
}

/// Clears the immutable flag when it is set. Returns whether it was set. Filesystems without
/// inode flags (ENOTTY, EOPNOTSUPP) count as not immutable.
pub fn clear_immutable(file: &std::fs::File) -> std::io::Result<bool> {
    let flags = match get(file) {
        Ok(f) => f,
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::ENOTTY) | Some(libc::EOPNOTSUPP)
            ) =>
        {
            return Ok(false);
        }
        Err(e) => return Err(e),
    };
    if flags & FS_IMMUTABLE_FL == 0 {
        return Ok(false);
    }
    set(file, flags & !FS_IMMUTABLE_FL)?;
    Ok(true)
}
