//! The kernel's IPMI device interface (/dev/ipmi0): send one request to the BMC and wait, with a
//! bounded timeout, for its answer. Used for the BMC's LAN configuration (address, MAC). Never
//! blocks longer than the timeout: a missing or silent BMC is an ordinary None.

use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

const IPMI_SYSTEM_INTERFACE_ADDR_TYPE: libc::c_int = 0x0c;
const IPMI_BMC_CHANNEL: libc::c_short = 0xf;
const IPMI_MAX_ADDR_SIZE: usize = 32;

#[repr(C)]
struct SystemInterfaceAddr {
    addr_type: libc::c_int,
    channel: libc::c_short,
    lun: libc::c_uchar,
}

#[repr(C)]
struct Msg {
    netfn: libc::c_uchar,
    cmd: libc::c_uchar,
    data_len: libc::c_ushort,
    data: *mut libc::c_uchar,
}

#[repr(C)]
struct Req {
    addr: *mut libc::c_uchar,
    addr_len: libc::c_uint,
    msgid: libc::c_long,
    msg: Msg,
}

#[repr(C)]
struct Recv {
    recv_type: libc::c_int,
    addr: *mut libc::c_uchar,
    addr_len: libc::c_uint,
    msgid: libc::c_long,
    msg: Msg,
}

const IPMICTL_SEND_COMMAND: libc::c_ulong =
    nix::request_code_read!(b'i', 13, std::mem::size_of::<Req>()) as libc::c_ulong;
const IPMICTL_RECEIVE_MSG_TRUNC: libc::c_ulong =
    nix::request_code_readwrite!(b'i', 11, std::mem::size_of::<Recv>()) as libc::c_ulong;

/// An open IPMI device.
pub struct Ipmi {
    fd: OwnedFd,
    next_id: libc::c_long,
}

impl Ipmi {
    /// Opens `/dev/ipmi0` (or `/dev/ipmi/0`, `/dev/ipmidev/0`); None when there is no BMC driver.
    pub fn open() -> Option<Ipmi> {
        for p in ["/dev/ipmi0", "/dev/ipmi/0", "/dev/ipmidev/0"] {
            if let Ok(f) = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
                .open(p)
            {
                return Some(Ipmi {
                    fd: f.into(),
                    next_id: 1,
                });
            }
        }
        None
    }

    /// Sends (netfn, cmd, data) to the BMC and returns the response bytes after the completion
    /// code; None on a non-zero completion code, an error or when `timeout` passes.
    pub fn request(
        &mut self,
        netfn: u8,
        cmd: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Option<Vec<u8>> {
        let mut addr = SystemInterfaceAddr {
            addr_type: IPMI_SYSTEM_INTERFACE_ADDR_TYPE,
            channel: IPMI_BMC_CHANNEL,
            lun: 0,
        };
        let mut payload = data.to_vec();
        let msgid = self.next_id;
        self.next_id += 1;
        let mut req = Req {
            addr: (&mut addr as *mut SystemInterfaceAddr).cast(),
            addr_len: std::mem::size_of::<SystemInterfaceAddr>() as libc::c_uint,
            msgid,
            msg: Msg {
                netfn,
                cmd,
                data_len: payload.len() as libc::c_ushort,
                data: payload.as_mut_ptr(),
            },
        };
        // SAFETY: the request points at `addr` and `payload`, both alive for the call; the
        // kernel copies them before returning.
        let rc = unsafe { libc::ioctl(self.fd.as_raw_fd(), IPMICTL_SEND_COMMAND as _, &mut req) };
        if rc != 0 {
            return None;
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let mut pfd = libc::pollfd {
                fd: self.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd, bounded timeout.
            let n = unsafe { libc::poll(&mut pfd, 1, left.as_millis().max(1) as libc::c_int) };
            if n < 0 {
                if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return None;
            }
            if n == 0 {
                return None;
            }
            let mut raddr = [0u8; IPMI_MAX_ADDR_SIZE];
            let mut buf = [0u8; 256];
            let mut recv = Recv {
                recv_type: 0,
                addr: raddr.as_mut_ptr(),
                addr_len: raddr.len() as libc::c_uint,
                msgid: 0,
                msg: Msg {
                    netfn: 0,
                    cmd: 0,
                    data_len: buf.len() as libc::c_ushort,
                    data: buf.as_mut_ptr(),
                },
            };
            // SAFETY: `recv` points at `raddr` and `buf` with their true lengths; the kernel
            // writes at most those many bytes (the TRUNC variant truncates).
            let rc = unsafe {
                libc::ioctl(
                    self.fd.as_raw_fd(),
                    IPMICTL_RECEIVE_MSG_TRUNC as _,
                    &mut recv,
                )
            };
            if rc != 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::Interrupted
                {
                    continue;
                }
                return None;
            }
            if recv.msgid != msgid {
                continue; // a late answer to an earlier, timed-out request
            }
            let len = (recv.msg.data_len as usize).min(buf.len());
            let resp = &buf[..len];
            return match resp.first() {
                Some(0) => Some(resp[1..].to_vec()),
                _ => None,
            };
        }
    }

    /// Get LAN Configuration Parameters (netfn 0x0C, cmd 0x02) for `channel`: the parameter
    /// data after the revision byte.
    pub fn lan_param(
        &mut self,
        channel: u8,
        param: u8,
        set: u8,
        timeout: Duration,
    ) -> Option<Vec<u8>> {
        let r = self.request(0x0C, 0x02, &[channel & 0x0f, param, set, 0], timeout)?;
        (r.len() > 1).then(|| r[1..].to_vec())
    }
}

use std::os::unix::fs::OpenOptionsExt;
