//! ethtool driver information (SIOCETHTOOL / ETHTOOL_GDRVINFO): driver, its version, the NIC's
//! firmware version and bus address, as `ethtool -i` shows them.

const SIOCETHTOOL: libc::c_ulong = 0x8946;
const ETHTOOL_GDRVINFO: u32 = 0x0000_0003;

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
