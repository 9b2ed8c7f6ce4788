//! IP addresses per interface. On the live system from getifaddrs(3); when reading a captured
//! tree (`--sysroot`), from procfs files that a capture can copy: `/proc/net/if_inet6` for IPv6,
//! and for IPv4 the local addresses in `/proc/net/fib_trie` mapped to an interface through the
//! connected routes in `/proc/net/route`.

use crate::sys::sysfs;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Addresses of one interface, in the order the kernel lists them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Addrs {
    pub v4: Vec<Ipv4Addr>,
    pub v6: Vec<Ipv6Addr>,
}

impl Addrs {
    /// The IPv6 address to report: the first global one, else the first (link-local).
    pub fn preferred_v6(&self) -> Option<Ipv6Addr> {
        let link_local = |a: &Ipv6Addr| (a.segments()[0] & 0xffc0) == 0xfe80;
        self.v6
            .iter()
            .find(|a| !link_local(a))
            .or(self.v6.first())
            .copied()
    }
}

/// Addresses of every interface, by name.
pub fn all() -> BTreeMap<String, Addrs> {
    if sysfs::is_captured() {
        from_procfs()
    } else {
        live()
    }
}

fn live() -> BTreeMap<String, Addrs> {
    let mut out: BTreeMap<String, Addrs> = BTreeMap::new();
    let Ok(list) = nix::ifaddrs::getifaddrs() else {
        return out;
    };
    for ifa in list {
        let Some(addr) = ifa.address else { continue };
        let entry = || ifa.interface_name.clone();
        if let Some(a) = addr.as_sockaddr_in() {
            out.entry(entry()).or_default().v4.push(a.ip());
        } else if let Some(a) = addr.as_sockaddr_in6() {
            out.entry(entry()).or_default().v6.push(a.ip());
        }
    }
    out
}

fn from_procfs() -> BTreeMap<String, Addrs> {
    let mut out: BTreeMap<String, Addrs> = BTreeMap::new();
    let routes = parse_routes(&sysfs::read("/proc/net/route").unwrap_or_default());
    for a in parse_fib_trie_local(&sysfs::read("/proc/net/fib_trie").unwrap_or_default()) {
        if let Some(iface) = route_iface(&routes, a) {
            let e = out.entry(iface).or_default();
            if !e.v4.contains(&a) {
                e.v4.push(a);
            }
        }
    }
    for (iface, a) in parse_if_inet6(&sysfs::read("/proc/net/if_inet6").unwrap_or_default()) {
        out.entry(iface).or_default().v6.push(a);
    }
    out
}

/// Local (assigned) IPv4 addresses: trie leaves followed by a `/32 host LOCAL` line.
pub fn parse_fib_trie_local(text: &str) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    let mut leaf: Option<Ipv4Addr> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(a) = t.strip_prefix("|-- ") {
            leaf = a.parse().ok();
        } else if t.starts_with("/32 host LOCAL")
            && let Some(a) = leaf
            && !a.is_loopback()
            && !out.contains(&a)
        {
            out.push(a);
        }
    }
    out
}

/// Connected routes (no gateway): (interface, destination, mask).
pub fn parse_routes(text: &str) -> Vec<(String, u32, u32)> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 {
            continue;
        }
        // The kernel prints the network-order word as a (little-endian) host integer.
        let hex = |s: &str| {
            u32::from_str_radix(s, 16)
                .ok()
                .map(|v| u32::from_be_bytes(v.to_le_bytes()))
        };
        let (Some(dest), Some(gw), Some(mask)) = (hex(f[1]), hex(f[2]), hex(f[7])) else {
            continue;
        };
        if gw == 0 && mask != 0 {
            out.push((f[0].to_string(), dest, mask));
        }
    }
    out
}

fn route_iface(routes: &[(String, u32, u32)], a: Ipv4Addr) -> Option<String> {
    let a = u32::from(a);
    routes
        .iter()
        .filter(|(_, dest, mask)| a & mask == *dest)
        .max_by_key(|(_, _, mask)| mask.count_ones())
        .map(|(i, _, _)| i.clone())
}

/// `/proc/net/if_inet6`: `address ifindex prefixlen scope flags name`.
pub fn parse_if_inet6(text: &str) -> Vec<(String, Ipv6Addr)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 6 || f[0].len() != 32 {
            continue;
        }
        let Ok(v) = u128::from_str_radix(f[0], 16) else {
            continue;
        };
        out.push((f[5].to_string(), Ipv6Addr::from(v)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRIE: &str = "Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
           |-- 127.0.0.1
              /32 host LOCAL
     +-- 192.0.2.0/24 2 0 2
           |-- 192.0.2.0
              /24 link UNICAST
           |-- 192.0.2.2
              /32 host LOCAL
        |-- 192.0.2.255
           /32 link BROADCAST
     |-- 10.1.2.3
        /32 host LOCAL
";
    const ROUTE: &str =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
bond0\t0000010A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
";

    #[test]
    fn ipv4_from_fib_trie_and_routes() {
        let local = parse_fib_trie_local(TRIE);
        assert_eq!(
            local,
            vec![Ipv4Addr::new(192, 0, 2, 2), Ipv4Addr::new(10, 1, 2, 3)]
        );
        let routes = parse_routes(ROUTE);
        assert_eq!(routes.len(), 2);
        assert_eq!(
            route_iface(&routes, Ipv4Addr::new(192, 0, 2, 2)).as_deref(),
            Some("eth0")
        );
        assert_eq!(
            route_iface(&routes, Ipv4Addr::new(10, 1, 2, 3)).as_deref(),
            Some("bond0")
        );
        assert_eq!(route_iface(&routes, Ipv4Addr::new(8, 8, 8, 8)), None);
    }

    #[test]
    fn ipv6_from_if_inet6() {
        let v = parse_if_inet6(
            "fe8000000000000000fc00fffe000001 04 40 20 80     eth0\n\
             fd000000000000000000000000000002 04 40 00 82     eth0\n",
        );
        assert_eq!(v.len(), 2);
        let a = Addrs {
            v4: vec![],
            v6: v.into_iter().map(|(_, a)| a).collect(),
        };
        assert_eq!(a.preferred_v6().unwrap().to_string(), "fd00::2");
    }
}
