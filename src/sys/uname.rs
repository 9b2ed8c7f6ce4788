//! uname(2): the kernel's node name and machine, for captures that lack /proc/sys/kernel.

/// The host name (`nodename`), as socket.gethostname() returns it.
pub fn nodename() -> Option<String> {
    let u = nix::sys::utsname::uname().ok()?;
    Some(u.nodename().to_string_lossy().into_owned())
}

/// The machine (`x86_64`, `aarch64`).
pub fn machine() -> Option<String> {
    let u = nix::sys::utsname::uname().ok()?;
    Some(u.machine().to_string_lossy().into_owned())
}
