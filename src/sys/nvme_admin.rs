//! NVMe admin passthrough (NVME_IOCTL_ADMIN_CMD) on a controller character device (/dev/nvme0).
//! Generic on purpose: callers encode the command (firmware download/commit, get log page,
//! identify); this file only moves it across the kernel boundary.

use std::os::fd::AsRawFd;

/// `struct nvme_passthru_cmd` from <linux/nvme_ioctl.h> (72 bytes).
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct PassthruCmd {
    pub opcode: u8,
    pub flags: u8,
    pub rsvd1: u16,
    pub nsid: u32,
    pub cdw2: u32,
    pub cdw3: u32,
    pub metadata: u64,
    pub addr: u64,
    pub metadata_len: u32,
    pub data_len: u32,
    pub cdw10: u32,
    pub cdw11: u32,
    pub cdw12: u32,
    pub cdw13: u32,
    pub cdw14: u32,
    pub cdw15: u32,
    pub timeout_ms: u32,
    pub result: u32,
}

nix::ioctl_readwrite!(nvme_ioctl_admin_cmd, b'N', 0x41, PassthruCmd);

/// Sends one admin command. `data` (if any) is the command's data buffer, read or written by
/// the controller depending on the opcode's direction. Returns the NVMe status field (0 is
/// success; the status code type and code otherwise); `cmd.result` holds completion dword 0.
pub fn admin_command(
    fd: &impl AsRawFd,
    cmd: &mut PassthruCmd,
    data: Option<&mut [u8]>,
) -> std::io::Result<u32> {
    match data {
        Some(buf) => {
            cmd.addr = buf.as_mut_ptr() as u64;
            cmd.data_len = u32::try_from(buf.len()).map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "nvme buffer too large")
            })?;
        }
        None => {
            cmd.addr = 0;
            cmd.data_len = 0;
        }
    }
    // SAFETY: `cmd` is a valid, exclusively borrowed nvme_passthru_cmd; when addr is non-zero
    // it points at `data`, which stays borrowed (alive and unaliased) for the whole call and
    // is exactly data_len bytes long. The kernel validates everything else.
    let rc = unsafe { nvme_ioctl_admin_cmd(fd.as_raw_fd(), cmd) };
    match rc {
        Ok(status) => Ok(status as u32),
        Err(e) => Err(std::io::Error::from(e)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passthru_layout_matches_the_kernel() {
        assert_eq!(std::mem::size_of::<super::PassthruCmd>(), 72);
    }
}
