//! The ethtool ioctl, for the permanent (burned-in) MAC address: a bond slave or a renamed
//! interface reports the bond's or an assigned address in sysfs `address`.

use std::os::fd::AsRawFd;

const SIOCETHTOOL: libc::c_ulong = 0x8946;
const ETHTOOL_GPERMADDR: u32 = 0x20;
const MAX_ADDR_LEN: usize = 32;

#[repr(C)]
struct PermAddr {
    cmd: u32,
    size: u32,
    data: [u8; MAX_ADDR_LEN],
}

#[repr(C)]
struct IfReq {
    name: [libc::c_char; libc::IFNAMSIZ],
    data: *mut libc::c_void,
    _pad: [u8; 16],
}

/// The permanent MAC of `iface` as `aa:bb:..`, or None when the driver has none (virtual
/// devices answer all zeroes or EOPNOTSUPP).
pub fn permanent_mac(iface: &str) -> Option<String> {
    if iface.len() >= libc::IFNAMSIZ {
        return None;
    }
    // SAFETY: plain socket(2) call; the result is checked and wrapped in an owned fd.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return None;
    }
    // SAFETY: `raw` is a fresh, valid descriptor nobody else owns.
    let sock = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(raw) };
    let mut perm = PermAddr {
        cmd: ETHTOOL_GPERMADDR,
        size: MAX_ADDR_LEN as u32,
        data: [0; MAX_ADDR_LEN],
    };
    let mut req = IfReq {
        name: [0; libc::IFNAMSIZ],
        data: (&mut perm as *mut PermAddr).cast(),
        _pad: [0; 16],
    };
    for (dst, src) in req.name.iter_mut().zip(iface.bytes()) {
        *dst = src as libc::c_char;
    }
    // SAFETY: SIOCETHTOOL reads `req` (NUL-terminated name, pointer to `perm`) and writes at
    // most `perm.size` bytes into `perm.data`; both outlive the call.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), SIOCETHTOOL as _, &mut req) };
    if rc != 0 {
        return None;
    }
    let len = (perm.size as usize).min(MAX_ADDR_LEN);
    let mac = &perm.data[..len];
    if len == 0 || mac.iter().all(|&b| b == 0) {
        return None;
    }
    Some(
        mac.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}
