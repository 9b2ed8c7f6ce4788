//! A small ISO 9660 reader: enough to list and read a config drive without mounting it (this
//! kernel has no iso9660, and a ramdisk should not need one). Names come from Rock Ridge `NM`
//! when present, else from the Joliet tree, else from the plain ISO names as Linux shows them.

use super::tree::Tree;
use crate::le;
use crate::report::{IronError, Kind, Result};
use std::io::{Read, Seek, SeekFrom};

const SECTOR: u64 = 2048;
const MAX_DEPTH: usize = 8;
const MAX_ENTRIES: usize = 10_000;

pub fn is_iso9660(head: &[u8]) -> bool {
    head.len() >= 0x8006 && &head[0x8001..0x8006] == b"CD001"
}

/// What the volume descriptors say.
#[derive(Debug, Clone)]
pub struct Volume {
    pub volume_id: String,
    root: (u32, u32),
    joliet_root: Option<(u32, u32)>,
}

fn read_at<R: Read + Seek>(r: &mut R, base: u64, off: u64, len: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    let at = base
        .checked_add(off)
        .ok_or_else(|| corrupt("an extent lies past 2^64 bytes"))?;
    r.seek(SeekFrom::Start(at))
        .and_then(|_| r.read_exact(&mut buf))
        .map_err(|e| {
            IronError::new(Kind::CorruptImage, "the ISO 9660 image is truncated").caused_by(e)
        })?;
    Ok(buf)
}

fn corrupt(msg: &str) -> IronError {
    IronError::new(Kind::CorruptImage, format!("corrupt ISO 9660 image: {msg}"))
}

pub fn volume<R: Read + Seek>(r: &mut R, base: u64) -> Result<Volume> {
    let mut primary = None;
    let mut joliet_root = None;
    for i in 16..64u64 {
        let d = read_at(r, base, i * SECTOR, SECTOR as usize)?;
        if &d[1..6] != b"CD001" {
            return Err(corrupt("bad volume descriptor"));
        }
        match d[0] {
            1 if primary.is_none() => {
                let id = String::from_utf8_lossy(&d[40..72]).trim_end().to_string();
                primary = Some((id, root_of(&d)?));
            }
            2 if d[88] == b'%' && d[89] == b'/' && matches!(d[90], b'@' | b'C' | b'E') => {
                joliet_root = Some(root_of(&d)?);
            }
            255 => break,
            _ => {}
        }
    }
    let (volume_id, root) = primary.ok_or_else(|| corrupt("no primary volume descriptor"))?;
    Ok(Volume {
        volume_id,
        root,
        joliet_root,
    })
}

/// The root directory record's (extent, size) in a volume descriptor.
fn root_of(d: &[u8]) -> Result<(u32, u32)> {
    extent_of(d.get(156..190).unwrap_or_default())
}

/// A directory record's (extent, size): the little-endian halves of its both-endian fields.
fn extent_of(rec: &[u8]) -> Result<(u32, u32)> {
    le::u32(rec, 2)
        .zip(le::u32(rec, 10))
        .ok_or_else(|| corrupt("short directory record"))
}

struct Entry {
    name: String,
    /// False when Rock Ridge was wanted but the record had no `NM` (e.g. it sits in a
    /// continuation area, which this reader does not follow).
    named: bool,
    extent: u32,
    size: u32,
    dir: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Names {
    RockRidge,
    Joliet,
    Plain,
}

fn entries<R: Read + Seek>(
    r: &mut R,
    base: u64,
    (extent, size): (u32, u32),
    names: Names,
) -> Result<Vec<Entry>> {
    if size > 16 << 20 {
        return Err(corrupt("directory larger than 16 MiB"));
    }
    let data = read_at(r, base, extent as u64 * SECTOR, size as usize)?;
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos < data.len() {
        let len = data[pos] as usize;
        if len == 0 {
            // Records never cross a sector: continue at the next one.
            pos = (pos / SECTOR as usize + 1) * SECTOR as usize;
            continue;
        }
        if len < 34 || pos + len > data.len() {
            return Err(corrupt("bad directory record"));
        }
        let rec = &data[pos..pos + len];
        pos += len;
        let name_len = rec[32] as usize;
        if 33 + name_len > len {
            return Err(corrupt("bad file identifier"));
        }
        let raw = &rec[33..33 + name_len];
        if name_len == 1 && (raw[0] == 0 || raw[0] == 1) {
            continue; // `.` and `..`
        }
        let dir = rec[25] & 2 != 0;
        let mut named = true;
        let name = match names {
            Names::Joliet => {
                let units: Vec<u16> = raw
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                strip_version(&String::from_utf16_lossy(&units))
            }
            _ => {
                let su_start = 33 + name_len + (1 - name_len % 2);
                let nm = if names == Names::RockRidge {
                    rock_ridge_name(&rec[su_start.min(len)..])
                } else {
                    None
                };
                named = nm.is_some() || names != Names::RockRidge;
                nm.unwrap_or_else(|| strip_version(&String::from_utf8_lossy(raw)).to_lowercase())
            }
        };
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return Err(corrupt("bad file name"));
        }
        let (extent, size) = extent_of(rec)?;
        out.push(Entry {
            name,
            named,
            extent,
            size,
            dir,
        });
        if out.len() > MAX_ENTRIES {
            return Err(corrupt("too many directory entries"));
        }
    }
    Ok(out)
}

/// The extent of the root's subdirectory `name` in the primary tree (for tests that edit one).
#[cfg(test)]
pub fn dir_extent<R: Read + Seek>(r: &mut R, vol: &Volume, name: &str) -> Option<u32> {
    let names = if has_rock_ridge(r, 0, vol.root).ok()? {
        Names::RockRidge
    } else {
        Names::Plain
    };
    entries(r, 0, vol.root, names)
        .ok()?
        .into_iter()
        .find(|e| e.dir && e.name == name)
        .map(|e| e.extent)
}

fn strip_version(s: &str) -> String {
    let s = s.split(';').next().unwrap_or("");
    s.strip_suffix('.').unwrap_or(s).to_string()
}

/// The `NM` entries of a record's system-use area, concatenated (continuation flag 1).
fn rock_ridge_name(su: &[u8]) -> Option<String> {
    let mut name = Vec::new();
    let mut found = false;
    let mut i = 0;
    while i + 4 <= su.len() {
        let len = su[i + 2] as usize;
        if len < 4 || i + len > su.len() {
            break;
        }
        if &su[i..i + 2] == b"NM" && len >= 5 {
            let flags = su[i + 4];
            if flags & 0x06 == 0 {
                name.extend_from_slice(&su[i + 5..i + len]);
                found = true;
            }
        }
        i += len;
    }
    found.then(|| String::from_utf8_lossy(&name).into_owned())
}

fn has_rock_ridge<R: Read + Seek>(r: &mut R, base: u64, root: (u32, u32)) -> Result<bool> {
    // The root's `.` record carries SUSP's `SP` entry when Rock Ridge is in use.
    let data = read_at(
        r,
        base,
        root.0 as u64 * SECTOR,
        (root.1 as usize).min(SECTOR as usize),
    )?;
    // A hostile root extent may be shorter than one record (even empty): no SP entry then.
    let Some(rec) = data.get(..40) else {
        return Ok(false);
    };
    let len = rec[0] as usize;
    Ok(len >= 34 + 7 && &rec[34..36] == b"SP" && rec[38] == 0xbe && rec[39] == 0xef)
}

/// Reads the whole tree (file contents included, at most `max_bytes` in total).
pub fn read_tree<R: Read + Seek>(r: &mut R, base: u64, max_bytes: u64) -> Result<(Volume, Tree)> {
    let vol = volume(r, base)?;
    let (root, names) = if has_rock_ridge(r, base, vol.root)? {
        (vol.root, Names::RockRidge)
    } else if let Some(j) = vol.joliet_root {
        (j, Names::Joliet)
    } else {
        (vol.root, Names::Plain)
    };
    let (tree, all_named) = walk(r, base, root, names, max_bytes)?;
    if !all_named && let Some(j) = vol.joliet_root {
        return Ok((vol.clone(), walk(r, base, j, Names::Joliet, max_bytes)?.0));
    }
    Ok((vol, tree))
}

fn walk<R: Read + Seek>(
    r: &mut R,
    base: u64,
    root: (u32, u32),
    names: Names,
    max_bytes: u64,
) -> Result<(Tree, bool)> {
    let mut all_named = true;
    let mut tree = Tree::default();
    let mut total = 0u64;
    // Each directory is walked once and the whole walk lists at most MAX_ENTRIES: directories
    // that reference one child many times (a DAG, not a loop) would otherwise be walked
    // exponentially (60^8 visits from 215 KB).
    let mut seen = std::collections::HashSet::from([root.0]);
    let mut listed = 0usize;
    let mut stack = vec![(String::new(), root, 0usize)];
    while let Some((prefix, dir, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(corrupt("directories nested too deep"));
        }
        for e in entries(r, base, dir, names)? {
            listed += 1;
            if listed > MAX_ENTRIES {
                return Err(corrupt("too many directory entries"));
            }
            all_named &= e.named;
            let path = if prefix.is_empty() {
                e.name.clone()
            } else {
                format!("{prefix}/{}", e.name)
            };
            if e.dir {
                if !seen.insert(e.extent) {
                    return Err(corrupt(&format!(
                        "directory {path} is reached twice (a loop or a shared directory)"
                    )));
                }
                stack.push((path, (e.extent, e.size), depth + 1));
            } else {
                total += e.size as u64;
                if total > max_bytes {
                    return Err(IronError::new(
                        Kind::ConfigdriveTooLarge,
                        format!("the files in the ISO 9660 image exceed {max_bytes} bytes"),
                    ));
                }
                let data = read_at(r, base, e.extent as u64 * SECTOR, e.size as usize)?;
                tree.files.insert(path, data);
            }
        }
    }
    Ok((tree, all_named))
}

#[cfg(test)]
mod hostile_tests {
    use super::*;
    use std::io::Cursor;

    /// A primary descriptor whose root directory extent is `root_size` bytes long.
    fn iso_with_root_size(root_size: u32) -> Vec<u8> {
        let mut img = vec![0u8; 20 * SECTOR as usize];
        let pvd = &mut img[16 * SECTOR as usize..17 * SECTOR as usize];
        pvd[0] = 1;
        pvd[1..6].copy_from_slice(b"CD001");
        pvd[156] = 34;
        pvd[158..162].copy_from_slice(&18u32.to_le_bytes());
        pvd[166..170].copy_from_slice(&root_size.to_le_bytes());
        let term = &mut img[17 * SECTOR as usize..18 * SECTOR as usize];
        term[0] = 255;
        term[1..6].copy_from_slice(b"CD001");
        img
    }

    // Regression (found by the configdrive_image fuzz target in CI): a root extent shorter
    // than one directory record, or empty, indexed past the end in the Rock Ridge probe.
    #[test]
    fn a_root_extent_shorter_than_a_record_is_not_a_panic() {
        for size in [0u32, 1, 20, 39] {
            let img = iso_with_root_size(size);
            let _ = read_tree(&mut Cursor::new(img), 0, 1 << 20);
        }
    }
}
