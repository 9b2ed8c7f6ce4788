//! A small FAT12/16/32 reader with long file names: lists and reads a vfat config drive without
//! mounting it.

use super::tree::Tree;
use crate::le;
use crate::report::{IronError, Kind, Result};
use std::io::{Read, Seek, SeekFrom};

const MAX_DEPTH: usize = 8;
/// Directory entries listed in one walk (a config drive has a few dozen).
const MAX_ENTRIES: usize = 10_000;

/// A FAT boot sector: jump, sane bytes-per-sector and the 0x55aa signature.
pub fn is_fat(head: &[u8]) -> bool {
    if head.len() < 512 || head[510..512] != [0x55, 0xaa] || !(head[0] == 0xeb || head[0] == 0xe9) {
        return false;
    }
    let bps = le::u16(head, 11).unwrap_or(0);
    let spc = head[13];
    [512, 1024, 2048, 4096].contains(&bps)
        && spc.is_power_of_two()
        && head[16] >= 1
        && head[21] >= 0xf0
}

fn corrupt(msg: &str) -> IronError {
    IronError::new(Kind::CorruptImage, format!("corrupt FAT image: {msg}"))
}

struct Fat {
    base: u64,
    bps: u64,
    spc: u64,
    root_dir: Option<(u64, u64)>, // FAT12/16: offset, bytes
    root_cluster: u32,
    data_start: u64,
    fat: Vec<u8>,
    kind: u8, // 12, 16, 32
    clusters: u32,
    pub label: Option<String>,
}

fn read_at<R: Read + Seek>(r: &mut R, off: u64, len: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    r.seek(SeekFrom::Start(off))
        .and_then(|_| r.read_exact(&mut buf))
        .map_err(|e| corrupt("truncated").caused_by(e))?;
    Ok(buf)
}

/// A boot sector field (the sector is 512 bytes, checked by `is_fat`; a short one reads 0).
fn le16(b: &[u8], o: usize) -> u64 {
    le::u16(b, o).map_or(0, u64::from)
}
fn le32(b: &[u8], o: usize) -> u64 {
    le::u32(b, o).map_or(0, u64::from)
}

impl Fat {
    fn open<R: Read + Seek>(r: &mut R, base: u64) -> Result<Fat> {
        let b = read_at(r, base, 512)?;
        if !is_fat(&b) {
            return Err(corrupt("no FAT boot sector"));
        }
        let bps = le16(&b, 11);
        let spc = b[13] as u64;
        let reserved = le16(&b, 14);
        let nfats = b[16] as u64;
        let root_entries = le16(&b, 17);
        let total = if le16(&b, 19) != 0 {
            le16(&b, 19)
        } else {
            le32(&b, 32)
        };
        let fat_size = if le16(&b, 22) != 0 {
            le16(&b, 22)
        } else {
            le32(&b, 36)
        };
        let root_sectors = (root_entries * 32).div_ceil(bps);
        let first_data = reserved + nfats * fat_size + root_sectors;
        if total <= first_data || fat_size == 0 {
            return Err(corrupt("bad geometry"));
        }
        // FAT32 numbers at most 0x0FFFFFF5 clusters; more is no FAT (and would overflow the
        // cluster arithmetic below).
        let clusters = u32::try_from((total - first_data) / spc)
            .ok()
            .filter(|n| *n <= 0x0fff_fff5)
            .ok_or_else(|| corrupt("more clusters than FAT32 can number"))?;
        let kind = if clusters < 4085 {
            12
        } else if clusters < 65525 {
            16
        } else {
            32
        };
        let fat_bytes = (fat_size * bps).min(16 << 20) as usize;
        let fat = read_at(r, base + reserved * bps, fat_bytes)?;
        let label_off = if kind == 32 { 71 } else { 43 };
        let bs_label = (b[label_off - 5] == 0x29)
            .then(|| {
                String::from_utf8_lossy(&b[label_off..label_off + 11])
                    .trim_end()
                    .to_string()
            })
            .filter(|l| !l.is_empty() && l != "NO NAME");
        Ok(Fat {
            base,
            bps,
            spc,
            root_dir: (kind != 32)
                .then_some(((reserved + nfats * fat_size) * bps, root_entries * 32)),
            root_cluster: if kind == 32 { le32(&b, 44) as u32 } else { 0 },
            data_start: first_data * bps,
            fat,
            kind,
            clusters,
            label: bs_label,
        })
    }

    fn next(&self, c: u32) -> Option<u32> {
        let c = c as usize;
        let v = match self.kind {
            12 => {
                let o = c * 3 / 2;
                let w = le::u16(&self.fat, o)?;
                (if c.is_multiple_of(2) {
                    w & 0xfff
                } else {
                    w >> 4
                }) as u32
            }
            16 => u32::from(le::u16(&self.fat, c.checked_mul(2)?)?),
            _ => le::u32(&self.fat, c.checked_mul(4)?)? & 0x0fff_ffff,
        };
        let end = match self.kind {
            12 => 0xff8,
            16 => 0xfff8,
            _ => 0x0fff_fff8,
        };
        (v >= 2 && v < end && v < self.clusters + 2).then_some(v)
    }

    /// The bytes of a cluster chain, at most `limit`.
    fn chain<R: Read + Seek>(&self, r: &mut R, first: u32, limit: u64) -> Result<Vec<u8>> {
        let cb = self.bps * self.spc;
        let mut out = Vec::new();
        let mut c = first;
        let mut steps = 0u32;
        // A chain that comes back to a cluster is a loop: refused, not read up to `limit`.
        let mut seen = std::collections::HashSet::new();
        while c >= 2 && (out.len() as u64) < limit {
            if c >= self.clusters + 2 || steps > self.clusters {
                return Err(corrupt("bad cluster chain"));
            }
            if !seen.insert(c) {
                return Err(corrupt(&format!(
                    "the cluster chain from {first} loops at {c}"
                )));
            }
            let at = (u64::from(c - 2))
                .checked_mul(cb)
                .and_then(|o| o.checked_add(self.data_start)?.checked_add(self.base))
                .ok_or_else(|| corrupt("a cluster lies past 2^64 bytes"))?;
            out.extend(read_at(r, at, cb as usize)?);
            steps += 1;
            match self.next(c) {
                Some(n) => c = n,
                None => break,
            }
        }
        out.truncate(limit.min(out.len() as u64) as usize);
        Ok(out)
    }
}

struct Entry {
    name: String,
    dir: bool,
    cluster: u32,
    size: u32,
}

fn parse_dir(bytes: &[u8], label: &mut Option<String>) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut lfn: Vec<(u8, Vec<u16>)> = Vec::new();
    for e in bytes.chunks_exact(32) {
        if e[0] == 0 {
            break;
        }
        if e[0] == 0xe5 {
            lfn.clear();
            continue;
        }
        let attr = e[11];
        if attr & 0x3f == 0x0f {
            let units: Vec<u16> = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]
                .iter()
                .map(|&o| le::u16(e, o).unwrap_or(0))
                .collect();
            lfn.push((e[0] & 0x1f, units));
            continue;
        }
        if attr & 0x08 != 0 {
            if label.is_none() {
                *label = Some(String::from_utf8_lossy(&e[..11]).trim_end().to_string());
            }
            lfn.clear();
            continue;
        }
        let short = {
            let base = String::from_utf8_lossy(&e[..8]).trim_end().to_string();
            let ext = String::from_utf8_lossy(&e[8..11]).trim_end().to_string();
            let base = if e[12] & 0x08 != 0 {
                base.to_lowercase()
            } else {
                base
            };
            let ext = if e[12] & 0x10 != 0 {
                ext.to_lowercase()
            } else {
                ext
            };
            if ext.is_empty() {
                base
            } else {
                format!("{base}.{ext}")
            }
        };
        let name = if lfn.is_empty() {
            short
        } else {
            lfn.sort_by_key(|(seq, _)| *seq);
            let units: Vec<u16> = lfn
                .iter()
                .flat_map(|(_, u)| u.iter().copied())
                .take_while(|&u| u != 0)
                .collect();
            String::from_utf16_lossy(&units)
        };
        lfn.clear();
        if name == "." || name == ".." {
            continue;
        }
        out.push(Entry {
            name,
            dir: attr & 0x10 != 0,
            cluster: (le16(e, 26) | le16(e, 20) << 16) as u32,
            size: le32(e, 28) as u32,
        });
    }
    out
}

/// Reads the whole tree (at most `max_bytes` of file content) and the volume label.
pub fn read_tree<R: Read + Seek>(
    r: &mut R,
    base: u64,
    max_bytes: u64,
) -> Result<(Option<String>, Tree)> {
    let fat = Fat::open(r, base)?;
    let mut label = None;
    let root_bytes = match fat.root_dir {
        Some((off, len)) => read_at(r, base + off, len as usize)?,
        None => fat.chain(r, fat.root_cluster, 4 << 20)?,
    };
    let mut tree = Tree::default();
    let mut total = 0u64;
    // Each directory cluster is walked once and the walk lists at most MAX_ENTRIES in all, so
    // shared subdirectories cannot make the walk exponential.
    let mut seen = std::collections::HashSet::from([fat.root_cluster]);
    let mut listed = 0usize;
    let mut stack = vec![(String::new(), root_bytes, 0usize)];
    while let Some((prefix, bytes, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(corrupt("directories nested too deep"));
        }
        let mut lbl = None;
        let entries = parse_dir(&bytes, &mut lbl);
        if depth == 0 {
            label = lbl;
        }
        listed += entries.len();
        if listed > MAX_ENTRIES {
            return Err(corrupt("too many directory entries"));
        }
        for e in entries {
            let path = if prefix.is_empty() {
                e.name.clone()
            } else {
                format!("{prefix}/{}", e.name)
            };
            if e.dir {
                if e.cluster >= 2 && !seen.insert(e.cluster) {
                    return Err(corrupt(&format!(
                        "directory {path} is reached twice (a loop or a shared directory)"
                    )));
                }
                stack.push((path, fat.chain(r, e.cluster, 4 << 20)?, depth + 1));
            } else {
                total += e.size as u64;
                if total > max_bytes {
                    return Err(IronError::new(
                        Kind::ConfigdriveTooLarge,
                        format!("the files in the FAT image exceed {max_bytes} bytes"),
                    ));
                }
                let data = if e.size == 0 {
                    Vec::new()
                } else {
                    fat.chain(r, e.cluster, e.size as u64)?
                };
                if data.len() != e.size as usize {
                    return Err(corrupt(&format!("{path} is shorter than its size")));
                }
                tree.files.insert(path, data);
            }
        }
    }
    Ok((label.or(fat.label), tree))
}

/// The volume label as blkid reports it: the root directory's label entry, else the boot sector's.
pub fn volume_label<R: Read + Seek>(r: &mut R, base: u64) -> Result<Option<String>> {
    let fat = Fat::open(r, base)?;
    let root_bytes = match fat.root_dir {
        Some((off, len)) => read_at(r, base + off, len as usize)?,
        None => fat.chain(r, fat.root_cluster, 1 << 20)?,
    };
    let mut label = None;
    parse_dir(&root_bytes, &mut label);
    Ok(label.or(fat.label))
}

#[cfg(test)]
mod hostile_tests {
    use super::*;
    use std::io::Cursor;

    /// A FAT32 boot sector with no reserved sectors and 2^32-1 sectors in all: 2^32-2 clusters,
    /// more than FAT32 can number, overflowed `clusters + 2` in the chain walk (a panic in a
    /// debug build). Refused as corrupt.
    #[test]
    fn more_clusters_than_fat32_numbers_is_corrupt() {
        let mut b = vec![0u8; 4096];
        b[0] = 0xeb;
        b[11..13].copy_from_slice(&512u16.to_le_bytes());
        b[13] = 1; // sectors per cluster
        b[16] = 1; // FATs
        b[21] = 0xf8;
        b[32..36].copy_from_slice(&u32::MAX.to_le_bytes()); // total sectors
        b[36..40].copy_from_slice(&1u32.to_le_bytes()); // FAT size
        b[44..48].copy_from_slice(&2u32.to_le_bytes()); // root cluster
        b[510] = 0x55;
        b[511] = 0xaa;
        let e = read_tree(&mut Cursor::new(b), 0, 1 << 20).unwrap_err();
        assert_eq!(e.kind, Kind::CorruptImage, "{e}");
        assert!(e.message.contains("more clusters"), "{e}");
    }
}
