//! The callback URL Ironic records for this node: `<protocol>://<host>:9999`, host being
//! ipa-advertise-host or this node's source address on the route to the API host. The route is
//! asked of the kernel with a connected UDP socket: connect() on UDP sends no packet. A
//! link-local source does not count, as in IPA.

use std::net::{IpAddr, SocketAddr, UdpSocket};

/// IPA's listen port, where the agent's API is served (the direct deploy interface calls it).
pub const PORT: u16 = 9999;

/// The host and port of an http(s) URL, IPv6 brackets removed, default ports filled in.
pub fn host_port(url: &str) -> Option<(String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let default = if scheme.eq_ignore_ascii_case("https") {
        443
    } else {
        80
    };
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, tail) = v6.split_once(']')?;
        let port = match tail.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None => default,
        };
        return Some((host.to_string(), port));
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => Some((h.to_string(), p.parse().ok()?)),
        None => Some((authority.to_string(), default)),
    }
    .filter(|(h, _)| !h.is_empty())
}

/// The source address the kernel would use to reach `url`'s host, if there is a route.
pub fn source_address(url: &str) -> Option<IpAddr> {
    let (host, port) = host_port(url)?;
    let target: SocketAddr = match host.parse::<IpAddr>() {
        Ok(ip) => SocketAddr::new(ip, port),
        Err(_) => crate::fetch::dns::resolve(&host, port)
            .ok()?
            .into_iter()
            .next()?,
    };
    let bind: SocketAddr = if target.is_ipv4() {
        "0.0.0.0:0".parse().ok()?
    } else {
        "[::]:0".parse().ok()?
    };
    let sock = UdpSocket::bind(bind).ok()?;
    sock.connect(target).ok()?;
    let ip = sock.local_addr().ok()?.ip();
    // IPA ignores a link-local source: Ironic could not reach it.
    let link_local = match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => v6.is_unicast_link_local(),
    };
    (!ip.is_unspecified() && !link_local).then_some(ip)
}

/// `https://host:port`, IPv6 literals bracketed.
pub fn url(protocol: &str, host: &str, port: u16) -> String {
    let host = match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
        _ => host.to_string(),
    };
    format!("{protocol}://{host}:{port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_routes() {
        assert_eq!(
            host_port("http://10.0.2.100:6385/v1"),
            Some(("10.0.2.100".into(), 6385))
        );
        assert_eq!(
            host_port("https://[fd00::1]/"),
            Some(("fd00::1".into(), 443))
        );
        assert_eq!(host_port("http://u:p@ironic"), Some(("ironic".into(), 80)));
        assert_eq!(host_port("nourl"), None);
        assert_eq!(host_port("http://:80"), None);
        assert_eq!(url("https", "fd00::2", PORT), "https://[fd00::2]:9999");
        assert_eq!(url("https", "127.0.0.2", PORT), "https://127.0.0.2:9999");
        let src = source_address("http://127.0.0.1:6385").expect("a route to loopback");
        assert!(src.is_loopback());
    }
}
