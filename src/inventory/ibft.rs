//! `iscsi_boot`: the iSCSI boot configuration the firmware left in its iBFT table, as the
//! kernel's iscsi_ibft driver shows it under /sys/firmware/ibft (initiator, ethernetN, targetN;
//! attribute names from drivers/scsi/iscsi_boot_sysfs.c). CHAP names are reported, CHAP
//! secrets (`chap-secret`, `rev-chap-name-secret`) are never read.

use crate::sys::sysfs;
use serde::Serialize;

const ROOT: &str = "/sys/firmware/ibft";

/// iBFT block flag bit 0: the block is valid; bit 1: the firmware booted from it.
const FLAG_VALID: u64 = 1;
const FLAG_BOOT_SELECTED: u64 = 2;

#[derive(Debug, Serialize, schemars::JsonSchema, PartialEq)]
pub struct IscsiBoot {
    pub initiator_name: Option<String>,
    pub nics: Vec<Nic>,
    pub targets: Vec<Target>,
}

#[derive(Debug, Serialize, schemars::JsonSchema, PartialEq)]
pub struct Nic {
    pub index: u32,
    pub mac_address: Option<String>,
    pub ip_address: Option<String>,
    /// Prefix length; from `prefix-len`, or derived from `subnet-mask` when only that is shown.
    pub prefix_length: Option<u8>,
    pub gateway: Option<String>,
    pub dhcp_server: Option<String>,
    pub vlan: Option<u16>,
    /// The firmware booted through this NIC (iBFT flag bit 1).
    pub boot_selected: bool,
    /// IPv4 origin code from the iBFT (0 other, 1 manual, 2 well-known, 3 DHCP, 4 router advert).
    pub origin: Option<u8>,
    /// The kernel's network interface with this MAC, when there is one.
    pub interface: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema, PartialEq)]
pub struct Target {
    pub index: u32,
    pub target_name: Option<String>,
    pub ip_address: Option<String>,
    pub port: Option<u16>,
    pub lun: Option<u64>,
    /// The index of the NIC (`nics[].index`) this target is reached through.
    pub nic_index: Option<u32>,
    pub chap: Chap,
    pub chap_name: Option<String>,
    pub boot_selected: bool,
}

/// Which CHAP the target uses (iBFT chap-type 0, 1, 2); never the secret itself.
#[derive(Debug, Serialize, schemars::JsonSchema, PartialEq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum Chap {
    None,
    OneWay,
    Mutual,
    Unknown,
}

/// None when the machine has no iBFT (the key is then left out of the inventory, as IPA does).
pub fn collect() -> Option<IscsiBoot> {
    if !sysfs::exists(ROOT) {
        return None;
    }
    let entries = sysfs::list(ROOT);
    let numbered = |prefix: &str| -> Vec<(u32, String)> {
        let mut v: Vec<(u32, String)> = entries
            .iter()
            .filter_map(|n| Some((n.strip_prefix(prefix)?.parse().ok()?, n.clone())))
            .collect();
        v.sort();
        v
    };
    let nics = numbered("ethernet")
        .into_iter()
        .filter_map(|(i, n)| nic(i, &format!("{ROOT}/{n}")))
        .collect();
    let targets = numbered("target")
        .into_iter()
        .filter_map(|(i, n)| target(i, &format!("{ROOT}/{n}")))
        .collect();
    Some(IscsiBoot {
        initiator_name: sysfs::read_nonempty(format!("{ROOT}/initiator/initiator-name")),
        nics,
        targets,
    })
}

fn attr(dir: &str, name: &str) -> Option<String> {
    sysfs::read_nonempty(format!("{dir}/{name}"))
}

fn flags(dir: &str) -> u64 {
    // Absent flags: the driver only shows valid blocks, so treat the block as valid.
    attr(dir, "flags")
        .and_then(|f| f.parse().ok())
        .unwrap_or(FLAG_VALID)
}

/// The driver prints unset addresses as 0.0.0.0 or ::.
fn address(dir: &str, name: &str) -> Option<String> {
    attr(dir, name).filter(|a| {
        a.parse::<std::net::IpAddr>()
            .map(|ip| !ip.is_unspecified())
            .unwrap_or(true)
    })
}

fn nic(index_from_name: u32, dir: &str) -> Option<Nic> {
    let flags = flags(dir);
    if flags & FLAG_VALID == 0 {
        return None;
    }
    let mac = attr(dir, "mac").map(|m| m.to_ascii_lowercase());
    let prefix_length = attr(dir, "prefix-len")
        .and_then(|p| p.parse().ok())
        .or_else(|| attr(dir, "subnet-mask").and_then(|m| mask_prefix(&m)));
    Some(Nic {
        index: attr(dir, "index")
            .and_then(|i| i.parse().ok())
            .unwrap_or(index_from_name),
        interface: mac.as_deref().and_then(interface_with_mac),
        mac_address: mac,
        ip_address: address(dir, "ip-addr"),
        prefix_length,
        gateway: address(dir, "gateway"),
        dhcp_server: address(dir, "dhcp"),
        vlan: attr(dir, "vlan").and_then(|v| v.parse().ok()),
        boot_selected: flags & FLAG_BOOT_SELECTED != 0,
        origin: attr(dir, "origin").and_then(|o| o.parse().ok()),
    })
}

fn target(index_from_name: u32, dir: &str) -> Option<Target> {
    let flags = flags(dir);
    if flags & FLAG_VALID == 0 {
        return None;
    }
    let chap = match attr(dir, "chap-type").as_deref() {
        None | Some("0") => Chap::None,
        Some("1") => Chap::OneWay,
        Some("2") => Chap::Mutual,
        Some(_) => Chap::Unknown,
    };
    Some(Target {
        index: attr(dir, "index")
            .and_then(|i| i.parse().ok())
            .unwrap_or(index_from_name),
        target_name: attr(dir, "target-name"),
        ip_address: address(dir, "ip-addr"),
        port: attr(dir, "port").and_then(|p| p.parse().ok()),
        lun: attr(dir, "lun").and_then(|l| lun(&l)),
        nic_index: attr(dir, "nic-assoc").and_then(|n| n.parse().ok()),
        chap_name: (chap != Chap::None)
            .then(|| attr(dir, "chap-name"))
            .flatten(),
        chap,
        boot_selected: flags & FLAG_BOOT_SELECTED != 0,
    })
}

/// The 8 LUN bytes (SAM): kernels since 5.2 print each as `%02x` (16 digits), older ones as
/// `%x` (so 8 digits when every byte is below 0x10, the usual small LUN). Firmware sets
/// single-level flat LUNs, held in the first two bytes; anything else is None.
pub fn lun(s: &str) -> Option<u64> {
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let (b0, b1) = match s.len() {
        16 => (
            u64::from_str_radix(&s[0..2], 16).ok()?,
            u64::from_str_radix(&s[2..4], 16).ok()?,
        ),
        8 => (
            u64::from_str_radix(&s[0..1], 16).ok()?,
            u64::from_str_radix(&s[1..2], 16).ok()?,
        ),
        _ => return None,
    };
    Some(((b0 & 0x3f) << 8) | b1)
}

/// 255.255.255.0 → 24; None unless the mask is contiguous.
fn mask_prefix(m: &str) -> Option<u8> {
    let ip: std::net::Ipv4Addr = m.parse().ok()?;
    let bits = u32::from(ip);
    let ones = bits.leading_ones();
    (bits.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
}

fn interface_with_mac(mac: &str) -> Option<String> {
    sysfs::list("/sys/class/net").into_iter().find(|n| {
        sysfs::read(format!("/sys/class/net/{n}/address"))
            .is_some_and(|a| a.eq_ignore_ascii_case(mac))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_to_prefix() {
        assert_eq!(mask_prefix("255.255.255.0"), Some(24));
        assert_eq!(mask_prefix("255.255.254.0"), Some(23));
        assert_eq!(mask_prefix("0.0.0.0"), Some(0));
        assert_eq!(mask_prefix("255.255.255.255"), Some(32));
        assert_eq!(mask_prefix("255.0.255.0"), None);
        assert_eq!(mask_prefix("x"), None);
    }

    #[test]
    fn lun_digits() {
        assert_eq!(lun("00000000"), Some(0));
        assert_eq!(lun("01000000"), Some(1));
        assert_eq!(lun("0000000000000000"), Some(0));
        assert_eq!(lun("0011000000000000"), Some(17));
        assert_eq!(lun("0x"), None);
        assert_eq!(lun(""), None);
    }

    #[test]
    fn absent_is_none() {
        let empty = std::env::temp_dir().join("ironbox-ibft-absent");
        let _ = std::fs::create_dir_all(&empty);
        assert_eq!(sysfs::with_root(&empty, collect), None);
    }

    #[test]
    fn fixture_tree() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ibft/server");
        let b = sysfs::with_root(&root, collect).expect("ibft");
        assert_eq!(
            b.initiator_name.as_deref(),
            Some("iqn.2026-12.org.example:node-7")
        );
        assert_eq!(b.nics.len(), 2);
        assert_eq!(b.nics[0].interface.as_deref(), Some("eno1"));
        assert_eq!(b.nics[0].prefix_length, Some(24));
        assert!(b.nics[0].boot_selected);
        assert!(!b.nics[1].boot_selected);
        assert_eq!(b.targets.len(), 2);
        assert_eq!(b.targets[0].chap, Chap::Mutual);
        assert_eq!(b.targets[1].chap, Chap::None);
        assert_eq!(b.targets[1].chap_name, None);
        assert_eq!(b.targets[1].lun, Some(3));
        assert_eq!(b.nics[1].interface.as_deref(), Some("eno2"));
        assert_eq!(b.nics[1].gateway, None);
        let json = serde_json::to_string(&b).unwrap();
        assert!(!json.contains("s3cret"), "a CHAP secret leaked: {json}");
    }
}
