//! `bmc_address`, `bmc_v6address`, `bmc_mac`: the BMC's LAN configuration through the kernel's
//! IPMI device, channel by channel as `ipmitool lan print N` does, with short timeouts and an
//! overall budget so a missing or wedged BMC never hangs the inventory.

use crate::sys::{ipmi::Ipmi, sysfs};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Bmc {
    pub address: Option<String>,
    pub v6address: Option<String>,
    pub mac: Option<String>,
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
    if ipmi
        .request(0x06, 0x01, &[], Duration::from_secs(1))
        .is_none()
    {
        return Bmc::default();
    }
    let start = Instant::now();
    let mut out = Bmc::default();
    for channel in 1..=11u8 {
        if start.elapsed() > BUDGET {
            break;
        }
        let Some(ip) = ipmi.lan_param(channel, LAN_IP, 0, PER_REQUEST) else {
            continue;
        };
        let Some(ip) = ip.get(..4).map(|b| Ipv4Addr::new(b[0], b[1], b[2], b[3])) else {
            continue;
        };
        let mac = ipmi
            .lan_param(channel, LAN_MAC, 0, PER_REQUEST)
            .filter(|m| m.len() >= 6 && m[..6].iter().any(|&b| b != 0))
            .map(|m| {
                m[..6]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(":")
            });
        if mac.is_none() && ip.is_unspecified() {
            continue;
        }
        if !ip.is_unspecified() {
            out.address = Some(ip.to_string());
        }
        out.mac = mac;
        for param in [LAN_IPV6_STATIC, LAN_IPV6_DYNAMIC] {
            // Data: set selector, source/type, 16 address bytes, prefix length, status.
            if let Some(d) = ipmi.lan_param(channel, param, 0, PER_REQUEST)
                && let Some(b) = d.get(2..18)
            {
                let a = Ipv6Addr::from(<[u8; 16]>::try_from(b).unwrap_or_default());
                if !a.is_unspecified() {
                    out.v6address = Some(a.to_string());
                    break;
                }
            }
        }
        break;
    }
    out
}
