//! The ethtool ioctl (SIOCETHTOOL): driver information (ETHTOOL_GDRVINFO: driver, its version,
//! the NIC's firmware version and bus address, as `ethtool -i` shows them) and the permanent,
//! burned-in MAC address (ETHTOOL_GPERMADDR, as `ethtool -P`: a bond slave or an interface with
//! an assigned address reports another one in sysfs `address`).

const SIOCETHTOOL: libc::c_ulong = 0x8946;
const ETHTOOL_GDRVINFO: u32 = 0x0000_0003;
const ETHTOOL_GPERMADDR: u32 = 0x0000_0020;
const MAX_ADDR_LEN: usize = 32;

#[repr(C)]
struct EthtoolDrvinfo {
    cmd: u32,
    driver: [u8; 32],
    version: [u8; 32],
    fw_version: [u8; 32],
    bus_info: [u8; 32],
    erom_version: [u8; 32],
    reserved2: [u8; 12],
    n_priv_flags: u32,
    n_stats: u32,
    testinfo_len: u32,
    eedump_len: u32,
    regdump_len: u32,
}

#[repr(C)]
struct IfReq {
    name: [u8; libc::IFNAMSIZ],
    data: *mut libc::c_void,
    _pad: [u8; 16],
}

#[derive(Debug, Clone, Default)]
pub struct DrvInfo {
    pub driver: Option<String>,
    pub driver_version: Option<String>,
    pub firmware_version: Option<String>,
    pub expansion_rom_version: Option<String>,
    pub bus_info: Option<String>,
}

fn cstr(b: &[u8]) -> Option<String> {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let s = String::from_utf8_lossy(&b[..end]).trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// `ethtool -i IFNAME`. Errors when the interface is unknown or the driver does not answer.
pub fn drvinfo(ifname: &str) -> std::io::Result<DrvInfo> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    if ifname.len() >= libc::IFNAMSIZ {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "interface name too long",
        ));
    }
    // SAFETY: plain socket(2) call; the result is checked before it is wrapped.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `raw` is a fresh, valid descriptor that nothing else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(raw) };
    // SAFETY: an all-zero EthtoolDrvinfo is a valid value (integers and byte arrays).
    let mut info: EthtoolDrvinfo = unsafe { std::mem::zeroed() };
    info.cmd = ETHTOOL_GDRVINFO;
    let mut req = IfReq {
        name: [0; libc::IFNAMSIZ],
        data: (&mut info as *mut EthtoolDrvinfo).cast(),
        _pad: [0; 16],
    };
    req.name[..ifname.len()].copy_from_slice(ifname.as_bytes());
    // SAFETY: `req` is a valid ifreq whose data pointer refers to `info`, which outlives the
    // call and is large enough for struct ethtool_drvinfo.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), SIOCETHTOOL as _, &mut req as *mut IfReq) };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(DrvInfo {
        driver: cstr(&info.driver),
        driver_version: cstr(&info.version),
        firmware_version: cstr(&info.fw_version),
        expansion_rom_version: cstr(&info.erom_version),
        bus_info: cstr(&info.bus_info),
    })
}

#[repr(C)]
struct EthtoolPermAddr {
    cmd: u32,
    size: u32,
    data: [u8; MAX_ADDR_LEN],
}

/// `ethtool -P IFNAME` as `aa:bb:..`; None when the driver has none (virtual devices answer
/// all zeroes or EOPNOTSUPP) or the interface is unknown.
pub fn permanent_mac(ifname: &str) -> Option<String> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    if ifname.len() >= libc::IFNAMSIZ {
        return None;
    }
    // SAFETY: plain socket(2) call; the result is checked before it is wrapped.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return None;
    }
    // SAFETY: `raw` is a fresh, valid descriptor that nothing else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(raw) };
    let mut perm = EthtoolPermAddr {
        cmd: ETHTOOL_GPERMADDR,
        size: MAX_ADDR_LEN as u32,
        data: [0; MAX_ADDR_LEN],
    };
    let mut req = IfReq {
        name: [0; libc::IFNAMSIZ],
        data: (&mut perm as *mut EthtoolPermAddr).cast(),
        _pad: [0; 16],
    };
    req.name[..ifname.len()].copy_from_slice(ifname.as_bytes());
    // SAFETY: `req` is a valid ifreq whose data pointer refers to `perm`, which outlives the
    // call; the kernel writes at most `perm.size` bytes into `perm.data`.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), SIOCETHTOOL as _, &mut req as *mut IfReq) };
    if rc < 0 {
        return None;
    }
    let mac = &perm.data[..(perm.size as usize).min(MAX_ADDR_LEN)];
    if mac.is_empty() || mac.iter().all(|&b| b == 0) {
        return None;
    }
    Some(
        mac.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}
