//! The kernel IPMI driver's character device (/dev/ipmi0): send one request to the BMC over
//! the system interface and wait, bounded, for its answer. Used for Get Device ID (firmware,
//! inventory) and the BMC's LAN configuration (inventory). A missing or silent BMC is an error
//! or None after the timeout, never a hang.

use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

const IPMI_SYSTEM_INTERFACE_ADDR_TYPE: i32 = 0x0c;
const IPMI_BMC_CHANNEL: i16 = 0xf;

#[repr(C)]
struct IpmiSystemInterfaceAddr {
    addr_type: i32,
    channel: i16,
    lun: u8,
}

#[repr(C)]
struct IpmiMsg {
    netfn: u8,
    cmd: u8,
    data_len: u16,
    data: *mut u8,
}

#[repr(C)]
struct IpmiReq {
    addr: *mut u8,
    addr_len: u32,
    msgid: libc::c_long,
    msg: IpmiMsg,
}

#[repr(C)]
struct IpmiRecv {
    recv_type: i32,
    addr: *mut u8,
    addr_len: u32,
    msgid: libc::c_long,
    msg: IpmiMsg,
}

// IPMICTL_SEND_COMMAND = _IOR('i', 13, struct ipmi_req); IPMICTL_RECEIVE_MSG_TRUNC =
// _IOWR('i', 11, struct ipmi_recv): the kernel's (historical) directions.
nix::ioctl_read!(ipmictl_send_command, b'i', 13, IpmiReq);
nix::ioctl_readwrite!(ipmictl_receive_msg_trunc, b'i', 11, IpmiRecv);

/// Message ids, so a late answer to an earlier, timed-out request is never taken for this one.
static NEXT_ID: AtomicI64 = AtomicI64::new(1);

/// Sends `netfn`/`cmd` with `data` to the BMC and returns the response data (completion code
/// first). Fails after `timeout` without an answer.
pub fn request(
    dev: &std::fs::File,
    netfn: u8,
    cmd: u8,
    data: &[u8],
    timeout: Duration,
) -> std::io::Result<Vec<u8>> {
    let fd = dev.as_raw_fd();
    let msgid = NEXT_ID.fetch_add(1, Ordering::Relaxed) as libc::c_long;
    send(fd, msgid, netfn, cmd, data)?;
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "no answer from the bmc",
            ));
        }
        if !readable(fd, left)? {
            continue; // the deadline check above ends the loop
        }
        match receive(fd)? {
            // Anything else is a late answer to an earlier request.
            Some((id, answer)) if id == msgid => return Ok(answer),
            _ => continue,
        }
    }
}

/// Queues one request to the BMC, tagged `msgid`.
fn send(fd: RawFd, msgid: libc::c_long, netfn: u8, cmd: u8, data: &[u8]) -> std::io::Result<()> {
    let mut addr = IpmiSystemInterfaceAddr {
        addr_type: IPMI_SYSTEM_INTERFACE_ADDR_TYPE,
        channel: IPMI_BMC_CHANNEL,
        lun: 0,
    };
    let mut payload = data.to_vec();
    let mut req = IpmiReq {
        addr: (&mut addr as *mut IpmiSystemInterfaceAddr).cast(),
        addr_len: std::mem::size_of::<IpmiSystemInterfaceAddr>() as u32,
        msgid,
        msg: IpmiMsg {
            netfn,
            cmd,
            data_len: payload.len() as u16,
            data: payload.as_mut_ptr(),
        },
    };
    // SAFETY: `req` points at `addr` and `payload`, both alive for the call, with matching
    // lengths; the kernel copies them in before returning.
    unsafe { ipmictl_send_command(fd, &mut req) }.map_err(std::io::Error::from)?;
    Ok(())
}

/// Waits up to `left` for an answer to be queued; false when none came (or a signal came).
fn readable(fd: RawFd, left: Duration) -> std::io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX);
    // SAFETY: one valid pollfd for the duration of the call.
    let ready = unsafe { libc::poll(&mut pfd, 1, ms) };
    if ready < 0 {
        let e = std::io::Error::last_os_error();
        if e.kind() == std::io::ErrorKind::Interrupted {
            return Ok(false);
        }
        return Err(e);
    }
    Ok(ready > 0)
}

/// Takes one queued answer: its message id and data (completion code first), or None when
/// the queue turned out empty.
fn receive(fd: RawFd) -> std::io::Result<Option<(libc::c_long, Vec<u8>)>> {
    let mut raddr = [0u8; 64];
    let mut rdata = vec![0u8; 256];
    let mut recv = IpmiRecv {
        recv_type: 0,
        addr: raddr.as_mut_ptr(),
        addr_len: raddr.len() as u32,
        msgid: 0,
        msg: IpmiMsg {
            netfn: 0,
            cmd: 0,
            data_len: rdata.len() as u16,
            data: rdata.as_mut_ptr(),
        },
    };
    // SAFETY: `recv` points at `raddr` and `rdata`, alive for the call, with their true
    // lengths; the kernel writes at most that much and updates the lengths.
    match unsafe { ipmictl_receive_msg_trunc(fd, &mut recv) } {
        Ok(_) => {}
        Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::EINTR) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let n = (recv.msg.data_len as usize).min(rdata.len());
    rdata.truncate(n);
    Ok(Some((recv.msgid, rdata)))
}

/// An open IPMI device for a series of requests.
pub struct Ipmi {
    dev: std::fs::File,
}

/// Where the kernel's IPMI device node may be.
pub const DEVICES: &[&str] = &["/dev/ipmi0", "/dev/ipmi/0", "/dev/ipmidev/0"];

impl Ipmi {
    /// Opens the first IPMI device node; None when there is no BMC driver.
    pub fn open() -> Option<Ipmi> {
        DEVICES.iter().find_map(|p| {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
                .open(p)
                .ok()
                .map(|dev| Ipmi { dev })
        })
    }

    /// The response data after a zero completion code; None on an error, a non-zero completion
    /// code or a timeout.
    pub fn request(
        &mut self,
        netfn: u8,
        cmd: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Option<Vec<u8>> {
        let r = request(&self.dev, netfn, cmd, data, timeout).ok()?;
        (r.first() == Some(&0)).then(|| r[1..].to_vec())
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

/// The answer to IPMI Get Device ID (NetFn App 0x06, cmd 0x01), shared by inventory's
/// `bmc_device` and firmware's `bmc` component.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct DeviceId {
    pub device_id: u8,
    pub device_revision: u8,
    /// As ipmitool prints it: major.minor (major binary, minor BCD).
    pub firmware_version: String,
    pub ipmi_version: String,
    pub manufacturer_id: u32,
    pub product_id: u16,
}

/// Decodes a Get Device ID response body (the bytes after the completion code).
pub fn parse_device_id(r: &[u8]) -> Option<DeviceId> {
    if r.len() < 11 {
        return None;
    }
    Some(DeviceId {
        device_id: r[0],
        device_revision: r[1] & 0x0f,
        firmware_version: format!("{}.{:02x}", r[2] & 0x7f, r[3]),
        ipmi_version: format!("{}.{}", r[4] & 0x0f, r[4] >> 4),
        manufacturer_id: u32::from_le_bytes([r[6], r[7], r[8] & 0x0f, 0]),
        product_id: u16::from_le_bytes([r[9], r[10]]),
    })
}

/// IANA enterprise numbers of common BMC vendors.
pub fn manufacturer_name(id: u32) -> Option<&'static str> {
    Some(match id {
        2 => "IBM",
        11 => "Hewlett Packard Enterprise",
        343 => "Intel",
        674 => "Dell",
        2011 => "Huawei",
        10876 => "Supermicro",
        19046 => "Lenovo",
        20974 => "American Megatrends",
        40981 => "Fujitsu",
        _ => return None,
    })
}

#[cfg(test)]
mod device_id_tests {
    #[test]
    fn decodes_get_device_id() {
        let r = [
            0x20, 0x81, 0x03, 0x14, 0x02, 0xbf, 0x34, 0x12, 0x00, 0x78, 0x56,
        ];
        let d = super::parse_device_id(&r).unwrap();
        assert_eq!(d.device_id, 0x20);
        assert_eq!(d.device_revision, 1);
        assert_eq!(d.firmware_version, "3.14");
        assert_eq!(d.ipmi_version, "2.0");
        assert_eq!(d.manufacturer_id, 0x1234);
        assert_eq!(d.product_id, 0x5678);
        assert!(super::parse_device_id(&r[..5]).is_none());
        assert_eq!(super::manufacturer_name(674), Some("Dell"));
    }
}
