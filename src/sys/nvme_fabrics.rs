//! The kernel's NVMe over Fabrics host: connecting is one write of an option string to
//! /dev/nvme-fabrics and one read of the answer ("instance=N,cntlid=M") on the same open file
//! (what nvme-cli does); disconnecting is a write to the controller's delete_controller.

use std::io::{Read, Write};

/// Connects; returns the new controller's instance number (`nvmeN`) and controller id.
pub fn connect(options: &str) -> std::io::Result<(u32, u32)> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/nvme-fabrics")?;
    f.write_all(options.as_bytes())?;
    let mut answer = String::new();
    f.read_to_string(&mut answer)?;
    parse_answer(&answer).ok_or_else(|| {
        std::io::Error::other(format!(
            "unexpected answer from /dev/nvme-fabrics: {answer:?}"
        ))
    })
}

pub fn parse_answer(s: &str) -> Option<(u32, u32)> {
    let mut instance = None;
    let mut cntlid = None;
    for kv in s.trim().split(',') {
        match kv.split_once('=') {
            Some(("instance", v)) => instance = v.parse().ok(),
            Some(("cntlid", v)) => cntlid = v.parse().ok(),
            _ => {}
        }
    }
    Some((instance?, cntlid?))
}

/// Deletes (disconnects) controller `nvmeN`.
pub fn delete_controller(name: &str) -> std::io::Result<()> {
    std::fs::write(format!("/sys/class/nvme/{name}/delete_controller"), "1")
}

#[cfg(test)]
mod tests {
    #[test]
    fn answer() {
        assert_eq!(super::parse_answer("instance=1,cntlid=2\n"), Some((1, 2)));
        assert_eq!(super::parse_answer("cntlid=2"), None);
    }
}
