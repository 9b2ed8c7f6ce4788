//! Tearing down an iSCSI session the kernel holds after `iscsistart` has exited. iscsistart logs
//! in and leaves; nothing is left to log out (iscsiadm would ask an iscsid that is not
//! running), and sysfs has no "delete session" file. What iscsid itself sends the kernel on a
//! logout is three NETLINK_ISCSI messages (include/scsi/iscsi_if.h): STOP_CONN (terminate), then
//! DESTROY_CONN, then DESTROY_SESSION, each a `struct iscsi_uevent` addressed by the
//! transport's handle (/sys/class/iscsi_transport/<name>/handle) and the session/connection ids.
//! The kernel answers each with the same event, or with ISCSI_KEVENT_IF_ERROR and the errno.

use nix::sys::socket::{
    AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, bind, recv, sendto,
    socket,
};
use std::io;
use std::os::fd::AsRawFd;

const UEVENT_BASE: u32 = 10;
const DESTROY_SESSION: u32 = UEVENT_BASE + 2;
const DESTROY_CONN: u32 = UEVENT_BASE + 4;
const STOP_CONN: u32 = UEVENT_BASE + 8;
const KEVENT_IF_ERROR: u32 = 100 + 3;
/// iscsi_if.h: stop the connection for good (not for recovery).
const STOP_CONN_TERM: u32 = 0x2;
/// sizeof(struct iscsi_uevent): 16 bytes of header, a 24-byte and a 16-byte union.
const UEVENT_LEN: usize = 56;
const NLMSG_HDRLEN: usize = 16;

/// One netlink message: nlmsghdr, then the iscsi_uevent with `words` (u32s) at offset 16 of
/// the event (its `u` union) and, for STOP_CONN, the flag after a u64 conn_handle.
pub fn encode(kind: u32, transport_handle: u64, u: &[(usize, u32)], seq: u32) -> Vec<u8> {
    let mut m = vec![0u8; NLMSG_HDRLEN + UEVENT_LEN];
    let len = m.len() as u32;
    m[0..4].copy_from_slice(&len.to_ne_bytes());
    m[4..6].copy_from_slice(&(kind as u16).to_ne_bytes()); // nlmsg_type: the event
    m[8..12].copy_from_slice(&seq.to_ne_bytes());
    let ev = &mut m[NLMSG_HDRLEN..];
    ev[0..4].copy_from_slice(&kind.to_ne_bytes());
    ev[8..16].copy_from_slice(&transport_handle.to_ne_bytes());
    for &(off, v) in u {
        ev[16 + off..20 + off].copy_from_slice(&v.to_ne_bytes());
    }
    m
}

/// The kernel's answer: Ok, or the errno it reported (ISCSI_KEVENT_IF_ERROR, or NLMSG_ERROR).
pub fn decode(answer: &[u8]) -> io::Result<()> {
    if answer.len() < NLMSG_HDRLEN + 8 {
        return Err(io::Error::other(
            "short answer from the kernel's iSCSI netlink",
        ));
    }
    let nl_type = u16::from_ne_bytes([answer[4], answer[5]]);
    let ev = &answer[NLMSG_HDRLEN..];
    let word = |o: usize| u32::from_ne_bytes([ev[o], ev[o + 1], ev[o + 2], ev[o + 3]]);
    if nl_type == libc::NLMSG_ERROR as u16 {
        let e = word(0) as i32;
        return if e == 0 {
            Ok(())
        } else {
            Err(io::Error::from_raw_os_error(-e))
        };
    }
    if word(0) == KEVENT_IF_ERROR {
        let e = word(4) as i32;
        return Err(io::Error::from_raw_os_error(e.unsigned_abs() as i32));
    }
    Ok(())
}

fn send(kind: u32, handle: u64, u: &[(usize, u32)], seq: u32) -> io::Result<()> {
    let fd = socket(
        AddressFamily::Netlink,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkISCSI,
    )
    .map_err(io::Error::from)?;
    bind(fd.as_raw_fd(), &NetlinkAddr::new(0, 0)).map_err(io::Error::from)?;
    let msg = encode(kind, handle, u, seq);
    sendto(
        fd.as_raw_fd(),
        &msg,
        &NetlinkAddr::new(0, 0),
        MsgFlags::empty(),
    )
    .map_err(io::Error::from)?;
    let mut buf = [0u8; 512];
    let n = recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty()).map_err(io::Error::from)?;
    decode(&buf[..n])
}

/// Terminates connections `cids` of session `sid`, destroys them, then the session (which
/// removes its SCSI host and whatever disks are still on it).
pub fn destroy_session(transport_handle: u64, sid: u32, cids: &[u32]) -> io::Result<()> {
    for &cid in cids {
        // stop_conn: sid @0, cid @4, conn_handle (u64) @8, flag @16
        send(
            STOP_CONN,
            transport_handle,
            &[(0, sid), (4, cid), (16, STOP_CONN_TERM)],
            1,
        )
        .map_err(|e| io::Error::new(e.kind(), format!("stop connection {sid}:{cid}: {e}")))?;
        send(DESTROY_CONN, transport_handle, &[(0, sid), (4, cid)], 2).map_err(|e| {
            io::Error::new(e.kind(), format!("destroy connection {sid}:{cid}: {e}"))
        })?;
    }
    send(DESTROY_SESSION, transport_handle, &[(0, sid)], 3)
        .map_err(|e| io::Error::new(e.kind(), format!("destroy session {sid}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_conn_layout() {
        let m = encode(
            STOP_CONN,
            0x1122,
            &[(0, 7), (4, 0), (16, STOP_CONN_TERM)],
            1,
        );
        assert_eq!(m.len(), 72);
        assert_eq!(u32::from_ne_bytes(m[0..4].try_into().unwrap()), 72);
        assert_eq!(u16::from_ne_bytes(m[4..6].try_into().unwrap()), 18);
        assert_eq!(u32::from_ne_bytes(m[16..20].try_into().unwrap()), 18);
        assert_eq!(u64::from_ne_bytes(m[24..32].try_into().unwrap()), 0x1122);
        assert_eq!(u32::from_ne_bytes(m[32..36].try_into().unwrap()), 7); // sid
        assert_eq!(u32::from_ne_bytes(m[48..52].try_into().unwrap()), 2); // flag
    }

    #[test]
    fn answers() {
        let ok = encode(DESTROY_SESSION, 1, &[(0, 3)], 3);
        assert!(decode(&ok).is_ok());
        let mut err = ok.clone();
        err[16..20].copy_from_slice(&KEVENT_IF_ERROR.to_ne_bytes());
        err[20..24].copy_from_slice(&(-libc::EBUSY).to_ne_bytes());
        assert_eq!(decode(&err).unwrap_err().raw_os_error(), Some(libc::EBUSY));
        assert!(decode(&ok[..10]).is_err());
    }
}
