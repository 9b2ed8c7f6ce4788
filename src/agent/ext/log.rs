//! `log.collect_system_logs`: a base64 gzip tar of what the ramdisk has of IPA's collection
//! (kernel log, the agent's state files, mounts, block devices, command line), each entry capped.

use super::{CommandError, Ctx, Extension, Method, Mode, Outcome, Params, document};
use base64::Engine;
use serde::Serialize;
use std::io::Write;

pub const EXTENSION: Extension = Extension {
    name: "log",
    methods: &[Method {
        name: "collect_system_logs",
        mode: Mode::Sync,
        run: collect_system_logs,
    }],
};

/// IPA's answer: the archive, base64 of gzip of tar.
#[derive(Serialize)]
struct SystemLogs {
    system_logs: String,
}

/// No log entry larger than this (the whole answer travels in one JSON body).
const ENTRY_LIMIT: usize = 8 << 20;

/// One ustar entry: a 512-byte header, the data, padding to 512.
pub fn tar_entry(out: &mut Vec<u8>, name: &str, data: &[u8], mtime: u64) {
    let mut h = [0u8; 512];
    let name = name.as_bytes();
    let n = name.len().min(99);
    h[..n].copy_from_slice(&name[..n]);
    let octal = |h: &mut [u8], off: usize, len: usize, v: u64| {
        let s = format!("{:0width$o}\0", v, width = len - 1);
        h[off..off + len].copy_from_slice(s.as_bytes());
    };
    octal(&mut h, 100, 8, 0o644);
    octal(&mut h, 108, 8, 0);
    octal(&mut h, 116, 8, 0);
    octal(&mut h, 124, 12, data.len() as u64);
    octal(&mut h, 136, 12, mtime);
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

fn capped(mut d: Vec<u8>) -> Vec<u8> {
    d.truncate(ENTRY_LIMIT);
    d
}

fn command_output(argv: &[&str]) -> Option<Vec<u8>> {
    let out = std::process::Command::new(argv[0])
        .args(&argv[1..])
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    Some(capped([out.stdout, out.stderr].concat()))
}

fn collect_system_logs(ctx: &Ctx, _p: &Params) -> Outcome {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut tar = Vec::new();
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    if let Ok(dir) = std::fs::read_dir(&ctx.state_dir) {
        let mut names: Vec<_> = dir.flatten().map(|e| e.path()).collect();
        names.sort();
        for p in names.into_iter().filter(|p| p.is_file()) {
            if let (Some(n), Ok(d)) = (p.file_name(), std::fs::read(&p)) {
                entries.push((format!("ironbox/{}", n.to_string_lossy()), capped(d)));
            }
        }
    }
    for f in [
        "/proc/cmdline",
        "/proc/mounts",
        "/proc/partitions",
        "/proc/meminfo",
        "/etc/os-release",
    ] {
        if let Ok(d) = std::fs::read(f) {
            entries.push((f.trim_start_matches('/').replace('/', "_"), capped(d)));
        }
    }
    for (name, argv) in [
        ("dmesg", &["dmesg"][..]),
        ("ps", &["ps"][..]),
        ("df", &["df", "-a"][..]),
        ("ip_addr", &["ip", "addr"][..]),
    ] {
        if let Some(d) = command_output(argv) {
            entries.push((name.to_string(), d));
        }
    }
    for (name, data) in &entries {
        tar_entry(&mut tar, name, data, now);
    }
    tar.extend_from_slice(&[0u8; 1024]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar)
        .map_err(|e| CommandError::execution(format!("compressing the logs: {e}")))?;
    let gz = gz
        .finish()
        .map_err(|e| CommandError::execution(format!("compressing the logs: {e}")))?;
    document(&SystemLogs {
        system_logs: base64::engine::general_purpose::STANDARD.encode(gz),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tar_headers_are_ustar() {
        let mut t = Vec::new();
        tar_entry(&mut t, "a/b.txt", b"hello", 0);
        assert_eq!(t.len(), 1024);
        assert_eq!(&t[257..262], b"ustar");
        assert_eq!(&t[124..135], b"00000000005");
        assert_eq!(&t[512..517], b"hello");
        let sum: u32 = t[..512]
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u32::from(b)
                }
            })
            .sum();
        let stored = u32::from_str_radix(std::str::from_utf8(&t[148..154]).unwrap(), 8).unwrap();
        assert_eq!(sum, stored);
    }
}
