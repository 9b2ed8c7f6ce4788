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
    /// Beyond IPA: the BMC's identity from Get Device ID.
    pub device: Option<BmcDevice>,
}

#[derive(Debug, serde::Serialize)]
pub struct BmcDevice {
    pub device_id: u8,
    pub device_revision: u8,
    /// As ipmitool prints it: major.minor (minor is BCD).
    pub firmware_version: String,
    pub ipmi_version: String,
    pub manufacturer_id: u32,
    pub product_id: u16,
}

/// Decodes a Get Device ID response (after the completion code).
pub fn parse_device_id(r: &[u8]) -> Option<BmcDevice> {
    if r.len() < 11 {
        return None;
    }
    Some(BmcDevice {
        device_id: r[0],
        device_revision: r[1] & 0x0f,
        firmware_version: format!("{}.{:02x}", r[2] & 0x7f, r[3]),
        ipmi_version: format!("{}.{}", r[4] & 0x0f, r[4] >> 4),
        manufacturer_id: u32::from_le_bytes([r[6], r[7], r[8] & 0x0f, 0]),
        product_id: u16::from_le_bytes([r[9], r[10]]),
    })
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
        device: parse_device_id(&id),
        ..Bmc::default()
    };
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

#[cfg(test)]
mod tests {
    #[test]
    fn device_id() {
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
    }
}
