//! Name resolution for the static binary, which cannot use glibc's NSS: `/etc/hosts` first,
//! then A and AAAA queries over UDP to the nameservers in `/etc/resolv.conf` (written by the
//! ramdisk's udhcpc script), with a timeout, retries and a TCP retry when the answer is
//! truncated. Plugged into ureq as its Resolver, so every HTTP user gets it.
//! `IRONBOX_HOSTS` and `IRONBOX_RESOLV_CONF` name other files (tests); a nameserver may carry a
//! port (`nameserver 127.0.0.1:5353`), which glibc does not accept but tests need.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::time::Duration;

const TYPE_A: u16 = 1;
const TYPE_AAAA: u16 = 28;
/// Compression pointers followed per name: a loop in a hostile answer ends here.
const MAX_JUMPS: usize = 32;

fn path(env: &str, default: &str) -> PathBuf {
    std::env::var_os(env).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// The addresses `/etc/hosts` gives `host` (case-insensitive, aliases included).
pub fn hosts_lookup(text: &str, host: &str) -> Vec<IpAddr> {
    text.lines()
        .filter_map(|l| {
            let l = l.split('#').next()?;
            let mut w = l.split_whitespace();
            let ip: IpAddr = w.next()?.parse().ok()?;
            w.any(|n| n.eq_ignore_ascii_case(host)).then_some(ip)
        })
        .collect()
}

/// What resolv.conf says: nameservers (port 53 unless given), search domains, timeout, attempts.
#[derive(Debug, PartialEq)]
pub struct ResolvConf {
    pub nameservers: Vec<SocketAddr>,
    pub search: Vec<String>,
    pub timeout: Duration,
    pub attempts: u32,
}

pub fn parse_resolv_conf(text: &str) -> ResolvConf {
    let mut rc = ResolvConf {
        nameservers: vec![],
        search: vec![],
        timeout: Duration::from_secs(2),
        attempts: 2,
    };
    for l in text.lines() {
        let mut w = l.split_whitespace();
        match w.next() {
            Some("nameserver") => {
                if let Some(v) = w.next() {
                    let addr = v
                        .parse::<IpAddr>()
                        .map(|ip| SocketAddr::new(ip, 53))
                        .or_else(|_| v.parse::<SocketAddr>());
                    if let Ok(a) = addr {
                        rc.nameservers.push(a);
                    }
                }
            }
            Some("search") | Some("domain") => rc.search = w.map(str::to_string).collect(),
            Some("options") => {
                for o in w {
                    if let Some(t) = o.strip_prefix("timeout:").and_then(|t| t.parse().ok()) {
                        rc.timeout = Duration::from_secs(u64::clamp(t, 1, 30));
                    }
                    if let Some(a) = o.strip_prefix("attempts:").and_then(|a| a.parse().ok()) {
                        rc.attempts = u32::clamp(a, 1, 5);
                    }
                }
            }
            _ => {}
        }
    }
    rc
}

/// A query for `name`, type `qtype`, recursion desired.
pub fn encode_query(id: u16, name: &str, qtype: u16) -> Option<Vec<u8>> {
    let name = name.trim_end_matches('.');
    if name.is_empty() || name.len() > 253 {
        return None;
    }
    let mut m = Vec::with_capacity(name.len() + 18);
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return None;
        }
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.push(0);
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    Some(m)
}

/// Why an answer gave no address.
#[derive(Debug, PartialEq)]
pub enum DecodeError {
    Malformed,
    WrongId,
    Truncated,
    /// RCODE (3 = the name does not exist).
    Rcode(u8),
}

fn u16_at(m: &[u8], i: usize) -> Result<u16, DecodeError> {
    m.get(i..i + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or(DecodeError::Malformed)
}

/// The offset just past the (possibly compressed) name at `i`; pointers are only checked for
/// bounds and loops, since the agent needs no owner names.
fn skip_name(m: &[u8], mut i: usize) -> Result<usize, DecodeError> {
    let mut end = None;
    for _ in 0..MAX_JUMPS + 128 {
        let len = *m.get(i).ok_or(DecodeError::Malformed)?;
        match len {
            0 => return Ok(end.unwrap_or(i + 1)),
            l if l & 0xC0 == 0xC0 => {
                let ptr = (u16_at(m, i)? & 0x3FFF) as usize;
                end.get_or_insert(i + 2);
                if ptr >= m.len() {
                    return Err(DecodeError::Malformed);
                }
                i = ptr;
            }
            l if l & 0xC0 != 0 => return Err(DecodeError::Malformed),
            l => i += 1 + l as usize,
        }
    }
    Err(DecodeError::Malformed)
}

/// The A and AAAA addresses in an answer to query `id`.
pub fn decode_answer(m: &[u8], id: u16) -> Result<Vec<IpAddr>, DecodeError> {
    if m.len() < 12 {
        return Err(DecodeError::Malformed);
    }
    if u16_at(m, 0)? != id {
        return Err(DecodeError::WrongId);
    }
    let flags = u16_at(m, 2)?;
    if flags & 0x8000 == 0 {
        return Err(DecodeError::Malformed);
    }
    if flags & 0x0200 != 0 {
        return Err(DecodeError::Truncated);
    }
    let rcode = (flags & 0xF) as u8;
    if rcode != 0 {
        return Err(DecodeError::Rcode(rcode));
    }
    let (qd, an) = (u16_at(m, 4)?, u16_at(m, 6)?);
    let mut i = 12;
    for _ in 0..qd {
        i = skip_name(m, i)? + 4;
    }
    let mut out = Vec::new();
    for _ in 0..an {
        i = skip_name(m, i)?;
        let rtype = u16_at(m, i)?;
        let len = u16_at(m, i + 8)? as usize;
        let data = m.get(i + 10..i + 10 + len).ok_or(DecodeError::Malformed)?;
        match (rtype, len) {
            (TYPE_A, 4) => out.push(IpAddr::V4(Ipv4Addr::new(
                data[0], data[1], data[2], data[3],
            ))),
            (TYPE_AAAA, 16) => {
                let b: [u8; 16] = data.try_into().map_err(|_| DecodeError::Malformed)?;
                out.push(IpAddr::V6(Ipv6Addr::from(b)));
            }
            _ => {}
        }
        i += 10 + len;
    }
    Ok(out)
}

fn query_id() -> u16 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (t ^ (std::process::id() << 7)) as u16
}

fn ask_tcp(server: SocketAddr, q: &[u8], timeout: Duration) -> io::Result<Vec<u8>> {
    let mut s = TcpStream::connect_timeout(&server, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(q);
    s.write_all(&framed)?;
    let mut len = [0u8; 2];
    s.read_exact(&mut len)?;
    let mut buf = vec![0; u16::from_be_bytes(len) as usize];
    s.read_exact(&mut buf)?;
    Ok(buf)
}

/// One query to one server: UDP, then TCP if the answer was truncated.
fn ask(
    server: SocketAddr,
    name: &str,
    qtype: u16,
    timeout: Duration,
) -> Result<Vec<IpAddr>, String> {
    let id = query_id();
    let q = encode_query(id, name, qtype)
        .ok_or_else(|| format!("{name:?} is not a valid host name"))?;
    let bind: SocketAddr = if server.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let sock = UdpSocket::bind(bind).map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    sock.connect(server).map_err(|e| e.to_string())?;
    sock.send(&q).map_err(|e| format!("{server}: {e}"))?;
    let mut buf = [0u8; 1232];
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let n = sock.recv(&mut buf).map_err(|e| format!("{server}: {e}"))?;
        match decode_answer(&buf[..n], id) {
            Ok(a) => return Ok(a),
            // A stray or spoofed datagram: keep waiting for ours.
            Err(DecodeError::WrongId) if std::time::Instant::now() < deadline => continue,
            Err(DecodeError::Truncated) => {
                let m = ask_tcp(server, &q, timeout).map_err(|e| format!("{server} (tcp): {e}"))?;
                return decode_answer(&m, id).map_err(|e| format!("{server} (tcp): {e:?}"));
            }
            Err(e) => return Err(format!("{server}: {e:?}")),
        }
    }
}

/// `host` through /etc/hosts, then DNS (A then AAAA, each server in turn, `attempts` rounds).
pub fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let hosts = std::fs::read_to_string(path("IRONBOX_HOSTS", "/etc/hosts")).unwrap_or_default();
    let from_hosts = hosts_lookup(&hosts, host);
    if !from_hosts.is_empty() {
        return Ok(from_hosts
            .into_iter()
            .map(|ip| SocketAddr::new(ip, port))
            .collect());
    }
    let conf = std::fs::read_to_string(path("IRONBOX_RESOLV_CONF", "/etc/resolv.conf"))
        .unwrap_or_default();
    let rc = parse_resolv_conf(&conf);
    if rc.nameservers.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("cannot resolve {host}: not in /etc/hosts and no nameserver in resolv.conf"),
        ));
    }
    let mut names = vec![host.to_string()];
    if !host.contains('.') {
        names.extend(rc.search.iter().map(|d| format!("{host}.{d}")));
    }
    let mut errors = Vec::new();
    for name in &names {
        for _ in 0..rc.attempts {
            for server in &rc.nameservers {
                let mut found = Vec::new();
                let mut answered = false;
                for qtype in [TYPE_A, TYPE_AAAA] {
                    match ask(*server, name, qtype, rc.timeout) {
                        Ok(a) => {
                            answered = true;
                            found.extend(a);
                        }
                        Err(e) => errors.push(e),
                    }
                }
                if !found.is_empty() {
                    return Ok(found
                        .into_iter()
                        .map(|ip| SocketAddr::new(ip, port))
                        .collect());
                }
                if answered {
                    // The server answered and knows no address: asking again will not help.
                    break;
                }
            }
        }
    }
    errors.dedup();
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        format!("cannot resolve {host}: {}", errors.join("; ")),
    ))
}

/// ureq's resolver: ours instead of the libc one a static binary cannot use.
#[derive(Debug, Default)]
pub struct Resolver;

impl ureq::unversioned::resolver::Resolver for Resolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        _config: &ureq::config::Config,
        _timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let scheme = uri.scheme().ok_or(ureq::Error::HostNotFound)?;
        let authority = uri.authority().ok_or(ureq::Error::HostNotFound)?;
        let port = authority
            .port_u16()
            .or_else(|| match scheme.as_str() {
                "https" => Some(443),
                "http" => Some(80),
                "socks4" | "socks4a" | "socks5" | "socks5h" => Some(1080),
                _ => None,
            })
            .ok_or(ureq::Error::HostNotFound)?;
        let addrs = resolve(authority.host(), port).map_err(ureq::Error::Io)?;
        let mut out = <Self as ureq::unversioned::resolver::Resolver>::empty(self);
        for a in addrs.into_iter().take(16) {
            out.push(a);
        }
        if out.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer to `q` with the given records, owner names as pointers to the question.
    fn answer(q: &[u8], flags: u16, records: &[(u16, &[u8])]) -> Vec<u8> {
        let mut m = q.to_vec();
        m[2..4].copy_from_slice(&flags.to_be_bytes());
        m[6..8].copy_from_slice(&(records.len() as u16).to_be_bytes());
        for (t, data) in records {
            m.extend_from_slice(&[0xC0, 12]);
            m.extend_from_slice(&t.to_be_bytes());
            m.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
            m.extend_from_slice(&(data.len() as u16).to_be_bytes());
            m.extend_from_slice(data);
        }
        m
    }

    #[test]
    fn query_encoding() {
        let q = encode_query(0x1234, "images.example.", TYPE_A).unwrap();
        assert_eq!(&q[..4], &[0x12, 0x34, 0x01, 0x00]);
        assert_eq!(&q[12..], b"\x06images\x07example\x00\x00\x01\x00\x01");
        assert!(encode_query(1, "a..b", TYPE_A).is_none());
        assert!(encode_query(1, &"x".repeat(64), TYPE_A).is_none());
        assert!(encode_query(1, "", TYPE_A).is_none());
    }

    #[test]
    fn answers_with_pointers() {
        let q = encode_query(7, "img.lab", TYPE_A).unwrap();
        let m = answer(&q, 0x8180, &[(5, b"\xC0\x0C"), (TYPE_A, &[10, 0, 2, 100])]);
        assert_eq!(
            decode_answer(&m, 7).unwrap(),
            vec![IpAddr::from([10, 0, 2, 100])]
        );
        let v6 = answer(
            &q,
            0x8180,
            &[(
                TYPE_AAAA,
                &[0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            )],
        );
        assert_eq!(
            decode_answer(&v6, 7).unwrap(),
            vec!["fd00::1".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(decode_answer(&m, 8), Err(DecodeError::WrongId));
        assert_eq!(
            decode_answer(&answer(&q, 0x8183, &[]), 7),
            Err(DecodeError::Rcode(3))
        );
        assert_eq!(
            decode_answer(&answer(&q, 0x8380, &[]), 7),
            Err(DecodeError::Truncated)
        );
    }

    #[test]
    fn hostile_answers_never_panic() {
        let q = encode_query(7, "a.b", TYPE_A).unwrap();
        // A pointer to itself, a pointer past the end, a record longer than the message.
        let mut looped = q.clone();
        looped[2..4].copy_from_slice(&0x8180u16.to_be_bytes());
        looped[7] = 1;
        looped.extend_from_slice(&[0xC0, (looped.len()) as u8]);
        assert_eq!(decode_answer(&looped, 7), Err(DecodeError::Malformed));
        let mut past = answer(&q, 0x8180, &[]);
        past[7] = 1;
        past.extend_from_slice(&[0xFF, 0xFF]);
        assert_eq!(decode_answer(&past, 7), Err(DecodeError::Malformed));
        let mut long = answer(&q, 0x8180, &[(TYPE_A, &[1, 2, 3, 4])]);
        long.truncate(long.len() - 2);
        assert_eq!(decode_answer(&long, 7), Err(DecodeError::Malformed));
        // Every prefix and many byte flips of a good answer.
        let good = answer(&q, 0x8180, &[(5, b"\xC0\x0C"), (TYPE_A, &[1, 2, 3, 4])]);
        for n in 0..good.len() {
            let _ = decode_answer(&good[..n], 7);
            for b in [0x00, 0x3F, 0xC0, 0xFF] {
                let mut m = good.clone();
                m[n] = b;
                let _ = decode_answer(&m, 7);
            }
        }
    }

    #[test]
    fn hosts_and_resolv_conf() {
        let hosts = "127.0.0.1 localhost\n# 10.0.0.9 images\n10.0.2.100 ironic Images.lab # x\n";
        assert_eq!(
            hosts_lookup(hosts, "images.lab"),
            vec![IpAddr::from([10, 0, 2, 100])]
        );
        assert!(hosts_lookup(hosts, "images").is_empty());
        let rc = parse_resolv_conf(
            "search lab example\nnameserver 10.0.2.3\nnameserver 127.0.0.1:5353\nnameserver bad\noptions timeout:1 attempts:9\n",
        );
        assert_eq!(
            rc.nameservers,
            [
                "10.0.2.3:53".parse().unwrap(),
                "127.0.0.1:5353".parse().unwrap()
            ]
        );
        assert_eq!(rc.search, ["lab", "example"]);
        assert_eq!((rc.timeout, rc.attempts), (Duration::from_secs(1), 5));
    }
}
