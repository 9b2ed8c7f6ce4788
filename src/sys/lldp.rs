//! LLDP: listen on raw packet sockets for one LLDP frame per interface, within a deadline, and
//! return its TLVs the way IPA reports them (`[type, "hex value"]`). Interfaces are not brought
//! up: a down interface simply yields nothing.

use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

const ETH_P_LLDP: u16 = 0x88cc;
const LLDP_MULTICAST: [u8; 6] = [0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e];

fn open(iface: &str) -> Option<OwnedFd> {
    let index = nix::net::if_::if_nametoindex(iface).ok()? as libc::c_int;
    // SAFETY: socket(2) with constant arguments; the result is checked before use.
    let raw = unsafe {
        libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            i32::from(ETH_P_LLDP.to_be()),
        )
    };
    if raw < 0 {
        return None;
    }
    // SAFETY: `raw` is a fresh descriptor owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    // SAFETY: an all-zero sockaddr_ll is valid; fields are set below.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = ETH_P_LLDP.to_be();
    sll.sll_ifindex = index;
    // SAFETY: bind with a properly sized sockaddr_ll that lives for the call.
    let rc = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&sll as *const libc::sockaddr_ll).cast(),
            std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return None;
    }
    // SAFETY: an all-zero packet_mreq is valid; fields are set below.
    let mut mreq: libc::packet_mreq = unsafe { std::mem::zeroed() };
    mreq.mr_ifindex = index;
    mreq.mr_type = libc::PACKET_MR_MULTICAST as u16;
    mreq.mr_alen = 6;
    mreq.mr_address[..6].copy_from_slice(&LLDP_MULTICAST);
    // SAFETY: setsockopt with a properly sized packet_mreq; failure only means the NIC may
    // filter LLDP frames, which is not fatal.
    unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_PACKET,
            libc::PACKET_ADD_MEMBERSHIP,
            (&mreq as *const libc::packet_mreq).cast(),
            std::mem::size_of::<libc::packet_mreq>() as libc::socklen_t,
        )
    };
    Some(fd)
}

/// Splits an LLDP payload (after the 14-byte Ethernet header) into (type, hex value) TLVs,
/// stopping at End of LLDPDU.
pub fn parse_tlvs(mut p: &[u8]) -> Vec<(u8, String)> {
    let mut out = Vec::new();
    while p.len() >= 2 {
        let h = u16::from_be_bytes([p[0], p[1]]);
        let (t, len) = ((h >> 9) as u8, (h & 0x1ff) as usize);
        if t == 0 || p.len() < 2 + len {
            break;
        }
        let hex: String = p[2..2 + len].iter().map(|b| format!("{b:02x}")).collect();
        out.push((t, hex));
        p = &p[2 + len..];
    }
    out
}

/// Listens on each interface until it has sent one LLDP frame or `timeout` passes.
pub fn collect(ifaces: &[String], timeout: Duration) -> BTreeMap<String, Vec<(u8, String)>> {
    let mut out = BTreeMap::new();
    let mut socks: Vec<(String, OwnedFd)> = ifaces
        .iter()
        .filter_map(|i| open(i).map(|fd| (i.clone(), fd)))
        .collect();
    let deadline = Instant::now() + timeout;
    while !socks.is_empty() {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            break;
        };
        let mut pfds: Vec<libc::pollfd> = socks
            .iter()
            .map(|(_, fd)| libc::pollfd {
                fd: fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        // SAFETY: `pfds` is a valid array of its length; the timeout is bounded.
        let n = unsafe {
            libc::poll(
                pfds.as_mut_ptr(),
                pfds.len() as libc::nfds_t,
                left.as_millis().clamp(1, i32::MAX as u128) as libc::c_int,
            )
        };
        if n <= 0 {
            if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            break;
        }
        let mut done = Vec::new();
        for (i, pfd) in pfds.iter().enumerate() {
            if pfd.revents & libc::POLLIN == 0 {
                continue;
            }
            let mut buf = [0u8; 1600];
            // SAFETY: reads at most buf.len() bytes into `buf`.
            let got = unsafe {
                libc::recv(
                    pfd.fd,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if got > 14 {
                let tlvs = parse_tlvs(&buf[14..got as usize]);
                if !tlvs.is_empty() {
                    out.insert(socks[i].0.clone(), tlvs);
                    done.push(i);
                }
            }
        }
        for i in done.into_iter().rev() {
            socks.remove(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn tlvs() {
        // Chassis ID (type 1, len 7), TTL (type 3, len 2), End.
        let p = [
            0x02, 0x07, 0x04, 0, 1, 2, 3, 4, 5, 0x06, 0x02, 0x00, 0x78, 0x00, 0x00,
        ];
        let t = super::parse_tlvs(&p);
        assert_eq!(
            t,
            vec![(1, "04000102030405".to_string()), (3, "0078".to_string())]
        );
        assert!(super::parse_tlvs(&[0x02, 0x09, 0x01]).is_empty());
    }
}
