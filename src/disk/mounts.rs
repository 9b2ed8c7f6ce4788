//! What is mounted and what is swap, keyed by `major:minor`, from /proc/self/mountinfo and
//! /proc/swaps (read through the sysroot so captured trees work).

use crate::sys::sysfs;
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;

#[derive(Debug, Default)]
pub struct MountTable {
    /// devno -> mount points
    mounts: HashMap<String, Vec<String>>,
    /// devno of the filesystem mounted at `/`
    pub root_devno: Option<String>,
    swaps: Vec<String>,
    /// /proc/self/mountinfo could be read (else nothing can be said about what is mounted).
    pub readable: bool,
}

/// Undo mountinfo's octal escapes (`\040` for a space).
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 4 <= bytes.len()
            && let Some(Ok(v)) = s.get(i + 1..i + 4).map(|d| u8::from_str_radix(d, 8))
        {
            out.push(v);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl MountTable {
    pub fn read() -> MountTable {
        let mut t = MountTable::default();
        if let Some(info) = sysfs::read("/proc/self/mountinfo") {
            t.readable = true;
            t.parse_mountinfo(&info);
        }
        if let Some(swaps) = sysfs::read("/proc/swaps") {
            t.parse_swaps(&swaps);
        }
        t
    }

    pub fn parse_mountinfo(&mut self, text: &str) {
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 5 {
                continue;
            }
            let devno = f[2].to_string();
            let mp = unescape(f[4]);
            if mp == "/" {
                self.root_devno = Some(devno.clone());
            }
            self.mounts.entry(devno).or_default().push(mp);
        }
    }

    /// /proc/swaps names device paths; map each to its devno by stat (live system only).
    pub fn parse_swaps(&mut self, text: &str) {
        for line in text.lines().skip(1) {
            let Some(dev) = line.split_whitespace().next() else {
                continue;
            };
            let dev = unescape(dev);
            if let Ok(meta) = std::fs::metadata(sysfs::path(&dev)) {
                let rdev = meta.rdev();
                if rdev != 0 {
                    self.swaps.push(crate::sys::devnode::devno(rdev));
                }
            }
        }
    }

    pub fn mountpoints(&self, devno: &str) -> Vec<String> {
        self.mounts.get(devno).cloned().unwrap_or_default()
    }

    pub fn is_swap(&self, devno: &str) -> bool {
        self.swaps.iter().any(|s| s == devno)
    }

    /// The devnos of whatever is mounted exactly at `mountpoint`.
    pub fn devnos_mounted_at(&self, mountpoint: &str) -> Vec<String> {
        self.mounts
            .iter()
            .filter(|(_, mps)| mps.iter().any(|m| m == mountpoint))
            .map(|(d, _)| d.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mountinfo() {
        let mut t = MountTable::default();
        t.parse_mountinfo(
            "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n\
             40 22 7:3 / /mnt/with\\040space rw - ext4 /dev/loop3p1 rw\n",
        );
        assert_eq!(t.root_devno.as_deref(), Some("254:1"));
        assert_eq!(t.mountpoints("7:3"), vec!["/mnt/with space".to_string()]);
        assert!(t.mountpoints("8:0").is_empty());
    }
}
