//! The kernel IPMI driver's character device (/dev/ipmi0): send one request to the BMC over
//! the system interface and wait, bounded, for its answer. Used for Get Device ID.

use std::os::fd::AsRawFd;
use std::time::Duration;

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
    let mut addr = IpmiSystemInterfaceAddr {
        addr_type: IPMI_SYSTEM_INTERFACE_ADDR_TYPE,
        channel: IPMI_BMC_CHANNEL,
        lun: 0,
    };
    let mut payload = data.to_vec();
    let mut req = IpmiReq {
        addr: (&mut addr as *mut IpmiSystemInterfaceAddr).cast(),
        addr_len: std::mem::size_of::<IpmiSystemInterfaceAddr>() as u32,
        msgid: 1,
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

    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: one valid pollfd for the duration of the call.
    let ready = unsafe { libc::poll(&mut pfd, 1, ms) };
    if ready < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if ready == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "no answer from the bmc",
        ));
    }
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
    unsafe { ipmictl_receive_msg_trunc(fd, &mut recv) }.map_err(std::io::Error::from)?;
    let n = (recv.msg.data_len as usize).min(rdata.len());
    rdata.truncate(n);
    Ok(rdata)
}
