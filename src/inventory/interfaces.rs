//! `interfaces`: physical, VLAN and bond interfaces (never `lo` or other virtual devices) with
//! IPA's fields. The MAC is the permanent one when the driver reports it.

use crate::sys::{ethtool, lldp, netaddr, sysfs};
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Interface {
    pub name: String,
    pub mac_address: Option<String>,
    pub ipv4_address: Option<String>,
    pub ipv6_address: Option<String>,
    pub has_carrier: bool,
    /// LLDP TLVs as IPA reports them: `[[type, "hex value"], ...]`; null unless `--lldp`.
    pub lldp: Option<Vec<(u8, String)>>,
    pub vendor: Option<String>,
    pub product: Option<String>,
    pub client_id: Option<String>,
    pub biosdevname: Option<String>,
    pub speed_mbps: Option<u64>,
    pub pci_address: Option<String>,
    pub driver: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Physical,
    Vlan,
    Bond,
}

fn net(name: &str, attr: &str) -> String {
    format!("/sys/class/net/{name}/{attr}")
}

fn kind(name: &str) -> Option<Kind> {
    if name == "lo" {
        return None;
    }
    if sysfs::exists(net(name, "bonding")) {
        return Some(Kind::Bond);
    }
    let uevent = sysfs::read(net(name, "uevent")).unwrap_or_default();
    if uevent.lines().any(|l| l == "DEVTYPE=vlan") {
        return Some(Kind::Vlan);
    }
    sysfs::exists(net(name, "device")).then_some(Kind::Physical)
}

/// The interfaces IPA would report, sorted by name.
pub fn names() -> Vec<String> {
    sysfs::list("/sys/class/net")
        .into_iter()
        .filter(|n| kind(n).is_some())
        .collect()
}

pub fn collect(lldp_timeout: Option<Duration>) -> Vec<Interface> {
    let names = names();
    let addrs = netaddr::all();
    let mut lldp = lldp_timeout.map(|t| {
        if sysfs::is_captured() {
            Default::default()
        } else {
            lldp::collect(&names, t)
        }
    });
    names
        .iter()
        .map(|n| {
            let a = addrs.get(n);
            let tlvs = lldp.as_mut().map(|m| m.remove(n).unwrap_or_default());
            read(n, a, tlvs)
        })
        .collect()
}

fn read(name: &str, addrs: Option<&netaddr::Addrs>, lldp: Option<Vec<(u8, String)>>) -> Interface {
    let k = kind(name).unwrap_or(Kind::Physical);
    let address = sysfs::read_nonempty(net(name, "address"));
    let infiniband = sysfs::read_u64(net(name, "type")) == Some(32);
    let dev = |a: &str| sysfs::read_nonempty(net(name, &format!("device/{a}")));
    let mac_address = if infiniband {
        address.as_deref().and_then(ib_mac)
    } else {
        permanent_mac(name).or(address.clone())
    };
    Interface {
        name: name.to_string(),
        mac_address,
        ipv4_address: addrs.and_then(|a| a.v4.first()).map(|a| a.to_string()),
        ipv6_address: addrs.and_then(|a| a.preferred_v6()).map(|a| a.to_string()),
        has_carrier: sysfs::read_u64(net(name, "carrier")) == Some(1),
        lldp,
        vendor: dev("vendor"),
        product: dev("device"),
        client_id: infiniband
            .then(|| address.as_deref().and_then(ib_client_id))
            .flatten(),
        biosdevname: None,
        speed_mbps: sysfs::read(net(name, "speed"))
            .and_then(|s| s.parse::<i64>().ok())
            .filter(|&s| s > 0)
            .map(|s| s as u64),
        pci_address: pci_address(name),
        driver: match k {
            Kind::Bond => Some("bonding".to_string()),
            Kind::Vlan => Some("8021q".to_string()),
            Kind::Physical => sysfs::link_target(net(name, "device/driver"))
                .and_then(|p| p.file_name().map(|f| f.to_string_lossy().into_owned())),
        },
    }
}

/// The burned-in MAC: the ethtool ioctl on a live system; a bond slave's `perm_hwaddr` (which a
/// capture keeps) otherwise.
fn permanent_mac(name: &str) -> Option<String> {
    if !sysfs::is_captured()
        && let Some(m) = ethtool::permanent_mac(name)
    {
        return Some(m);
    }
    sysfs::read_nonempty(net(name, "bonding_slave/perm_hwaddr"))
}

/// The PCI function the interface sits on: the last `dddd:bb:dd.f` component of its sysfs
/// device path (virtio and USB devices sit below one).
fn pci_address(name: &str) -> Option<String> {
    let real = sysfs::canonical(net(name, "device"))?;
    real.components()
        .filter_map(|c| c.as_os_str().to_str())
        .rfind(|c| is_pci_address(c))
        .map(str::to_string)
}

pub fn is_pci_address(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 12
        && b[4] == b':'
        && b[7] == b':'
        && b[10] == b'.'
        && b.iter()
            .enumerate()
            .all(|(i, c)| matches!(i, 4 | 7 | 10) || c.is_ascii_hexdigit())
}

/// InfiniBand: IPA derives a MAC from the port GUID (the last 8 of the 20 address bytes),
/// dropping its middle two bytes.
fn ib_mac(address: &str) -> Option<String> {
    let b: Vec<&str> = address.split(':').collect();
    (b.len() == 20).then(|| [&b[12..15], &b[17..20]].concat().join(":"))
}

/// InfiniBand DHCP client-id as IPA builds it: a fixed prefix and the port GUID.
fn ib_client_id(address: &str) -> Option<String> {
    let b: Vec<&str> = address.split(':').collect();
    (b.len() == 20).then(|| format!("ff:00:00:00:00:00:02:00:00:02:c9:00:{}", b[12..].join(":")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pci_addresses() {
        assert!(is_pci_address("0000:00:03.0"));
        assert!(is_pci_address("0000:af:00.1"));
        assert!(!is_pci_address("virtio2"));
        assert!(!is_pci_address("pci0000:00"));
    }

    #[test]
    fn infiniband() {
        let a = "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:0b:0c";
        assert_eq!(ib_mac(a).as_deref(), Some("00:02:c9:0a:0b:0c"));
        assert_eq!(
            ib_client_id(a).as_deref(),
            Some("ff:00:00:00:00:00:02:00:00:02:c9:00:00:02:c9:03:00:0a:0b:0c")
        );
    }
}
