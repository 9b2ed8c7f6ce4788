//! The config-2 partition must look to blkid like one filesystem and nothing else: a stale md
//! superblock, LVM label or ZFS label beside the new filesystem makes blkid (and so udev and
//! cloud-init) report that instead, and the node boots unconfigured.

use super::decode::Fs;
use super::locate;
use crate::disk::signatures::{self, Signature};
use crate::disk::slice::Slice;
use crate::report::{IronError, Key, Kind, Result};
use std::fs::File;

/// Probes `start..start + size` of `f` as blkid would and fails with `verification_failed`
/// unless exactly one filesystem is there, of type `fs`, labelled config-2.
pub fn check(f: &mut File, start: u64, size: u64, sector: u32, fs: Fs, shown: &str) -> Result<()> {
    let found = signatures::probe(&mut Slice::new(f, start, size), size, sector)
        .map_err(|e| IronError::io("cannot probe the config drive partition", e))?;
    let others: Vec<&Signature> = found
        .iter()
        .filter(|s| !s.kind.is_table() && s.kind.as_str() != fs.as_str())
        .collect();
    let fail = |msg: String| {
        Err(IronError::new(Kind::VerificationFailed, msg)
            .with(Key::Device, shown)
            .with(Key::PartitionStart, start)
            .with(Key::Signatures, &found))
    };
    if !others.is_empty() {
        let named: Vec<String> = others
            .iter()
            .map(|s| format!("{} at byte {}", s.kind, s.offset))
            .collect();
        return fail(format!(
            "the config drive at byte {start} of {shown} also carries {}: blkid reports that instead of the {} filesystem and cloud-init will not find config-2",
            named.join(", "),
            fs.as_str()
        ));
    }
    if !found.iter().any(|s| s.kind.as_str() == fs.as_str()) {
        return fail(format!(
            "no {} signature where the config drive was written on {shown}",
            fs.as_str()
        ));
    }
    match locate::probe(f, start, size) {
        Some((t, Some(l))) if t == fs.as_str() && l.eq_ignore_ascii_case(locate::LABEL) => Ok(()),
        other => fail(format!(
            "the partition at byte {start} of {shown} identifies as {other:?}, not a {} filesystem labelled config-2",
            fs.as_str()
        )),
    }
}
