//! `bmc_address`, `bmc_v6address`, `bmc_mac`: the BMC's LAN configuration through the kernel's
//! IPMI device, channel by channel as `ipmitool lan print N` does, with short timeouts and an
//! overall budget so a missing or wedged BMC never hangs the inventory.

use crate::sys::ipmi::{self, Ipmi};
use crate::sys::sysfs;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Bmc {
    pub address: Option<String>,
    pub v6address: Option<String>,
    pub mac: Option<String>,
    /// Beyond IPA: the BMC's identity from Get Device ID.
    pub device: Option<BmcDevice>,
}

/// The BMC's identity, as Get Device ID reports it.
pub type BmcDevice = ipmi::DeviceId;

struct Lan {
    ip: Ipv4Addr,
    mac: Option<String>,
    v6: Option<Ipv6Addr>,
}

/// LAN parameter 5: six bytes of MAC; all zeroes means none.
pub fn parse_mac(m: &[u8]) -> Option<String> {
    let m = m.get(..6)?;
    m.iter().any(|&b| b != 0).then(|| {
        m.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    })
}

/// LAN parameters 56/59 (IPv6 static/dynamic address): set selector, source/type, 16 address
/// bytes, prefix length, status.
pub fn parse_v6(d: &[u8]) -> Option<Ipv6Addr> {
    let b: [u8; 16] = d.get(2..18)?.try_into().ok()?;
    let a = Ipv6Addr::from(b);
    (!a.is_unspecified()).then_some(a)
}

const PER_REQUEST: Duration = Duration::from_millis(300);
const BUDGET: Duration = Duration::from_secs(3);
const LAN_IP: u8 = 3;
const LAN_MAC: u8 = 5;
const LAN_IPV6_STATIC: u8 = 56;
const LAN_IPV6_DYNAMIC: u8 = 59;

pub fn collect() -> Bmc {
    // A captured tree has no IPMI device to ask.
    if sysfs::is_captured() {
        return Bmc::default();
    }
    let Some(mut ipmi) = Ipmi::open() else {
        return Bmc::default();
    };
    // Get Device ID: a BMC that does not answer this is not asked anything else.
    let Some(id) = ipmi.request(0x06, 0x01, &[], Duration::from_secs(1)) else {
        return Bmc::default();
    };
    let start = Instant::now();
    let mut out = Bmc {
        device: ipmi::parse_device_id(&id),
        ..Bmc::default()
    };
    // A LAN channel with an IPv4 address wins (as IPA's `ipmitool lan print N` loop); else the
    // first channel with a MAC (an IPv6-only BMC).
    let mut fallback: Option<Lan> = None;
    for channel in 1..=11u8 {
        if start.elapsed() > BUDGET {
            break;
        }
        let Some(ip) = ipmi
            .lan_param(channel, LAN_IP, 0, PER_REQUEST)
            .and_then(|b| b.get(..4).map(|b| Ipv4Addr::new(b[0], b[1], b[2], b[3])))
        else {
            continue;
        };
        let mac = ipmi
            .lan_param(channel, LAN_MAC, 0, PER_REQUEST)
            .and_then(|m| parse_mac(&m));
        if ip.is_unspecified() && mac.is_none() {
            continue;
        }
        let mut v6 = None;
        for param in [LAN_IPV6_STATIC, LAN_IPV6_DYNAMIC] {
            if let Some(a) = ipmi
                .lan_param(channel, param, 0, PER_REQUEST)
                .and_then(|d| parse_v6(&d))
            {
                v6 = Some(a);
                break;
            }
        }
        let lan = Lan { ip, mac, v6 };
        if !ip.is_unspecified() {
            fallback = Some(lan);
            break;
        }
        fallback.get_or_insert(lan);
    }
    if let Some(lan) = fallback {
        out.address = (!lan.ip.is_unspecified()).then(|| lan.ip.to_string());
        out.mac = lan.mac;
        out.v6address = lan.v6.map(|a| a.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn lan_params() {
        assert_eq!(
            super::parse_mac(&[0x3c, 0xfd, 0xfe, 1, 2, 3]).as_deref(),
            Some("3c:fd:fe:01:02:03")
        );
        assert_eq!(super::parse_mac(&[0; 6]), None);
        assert_eq!(super::parse_mac(&[1, 2]), None);
        let mut d = vec![0u8, 0x80];
        d.extend_from_slice(&[
            0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42,
        ]);
        d.extend_from_slice(&[64, 0]);
        assert_eq!(super::parse_v6(&d).unwrap().to_string(), "2001:db8::42");
        assert_eq!(super::parse_v6(&[0; 20]), None);
    }
}
