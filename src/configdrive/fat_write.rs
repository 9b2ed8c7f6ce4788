//! A small FAT12/16 writer with long file names, label `CONFIG-2`. Our own because fatfs 0.3.6
//! writes subdirectories fsck rejects (MACHINE-NOTES) and because a 4Kn disk needs 4096-byte
//! FAT sectors, which we control here. A config drive is a handful of small files, so the whole
//! layout is computed up front and files are stored contiguously.

use super::tree::{Dir, Tree};
use crate::report::{IronError, Kind, Result};

pub const LABEL: &str = "CONFIG-2";
/// FAT16 tops out at 65524 clusters; 256 MiB with 4 KiB clusters stays well inside.
pub const MAX_VOLUME: u64 = 256 << 20;
const ROOT_ENTRIES: u32 = 512;

/// The volume: `prefix` holds every byte that is not zero (boot sector, FATs, directories,
/// files); the rest of the `size` bytes are free clusters whose content does not matter.
pub struct FatImage {
    pub prefix: Vec<u8>,
    pub size: u64,
}

/// Contiguous cluster allocation and the bytes to place, filled in one walk of the tree.
struct Layout<'a> {
    g: &'a Geometry,
    next: u32,
    fat: Vec<u32>,
    writes: Vec<(u64, Vec<u8>)>,
}

impl Layout<'_> {
    fn alloc(&mut self, bytes: u64) -> Result<u32> {
        if bytes == 0 {
            return Ok(0);
        }
        let n = bytes.div_ceil(self.g.cluster_bytes() as u64) as u32;
        if self.next as u64 + n as u64 > self.g.clusters as u64 + 2 {
            return Err(IronError::new(
                Kind::NoSpace,
                "the files do not fit in the FAT volume",
            ));
        }
        let first = self.next;
        for c in first..first + n {
            self.fat[c as usize] = if c + 1 == first + n {
                0xffff_ffff
            } else {
                c + 1
            };
        }
        self.next += n;
        Ok(first)
    }

    /// Appends `d`'s entries to `out`, allocating and queueing its children.
    fn dir(
        &mut self,
        d: &Dir,
        self_cluster: u32,
        parent_cluster: u32,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let mut used_short = Vec::new();
        if self_cluster != 0 {
            out.extend_from_slice(&short_entry(*b".          ", 0x10, self_cluster, 0));
            out.extend_from_slice(&short_entry(*b"..         ", 0x10, parent_cluster, 0));
        }
        for (name, sub) in &d.dirs {
            let size = dir_bytes(sub, false);
            let c = self.alloc(size)?;
            out.extend_from_slice(&named_entries(name, 0x10, c, 0, &mut used_short));
            let mut bytes = Vec::new();
            self.dir(sub, c, self_cluster, &mut bytes)?;
            let cb = self.g.cluster_bytes() as u64;
            if bytes.len() as u64 > size.div_ceil(cb) * cb {
                return Err(IronError::new(
                    Kind::Internal,
                    format!("FAT directory {name} outgrew its clusters"),
                ));
            }
            self.writes.push((self.g.cluster_offset(c), bytes));
        }
        for (name, data) in &d.files {
            let c = self.alloc(data.len() as u64)?;
            out.extend_from_slice(&named_entries(
                name,
                0x20,
                c,
                data.len() as u32,
                &mut used_short,
            ));
            if c != 0 {
                self.writes.push((self.g.cluster_offset(c), data.clone()));
            }
        }
        Ok(())
    }
}

struct Geometry {
    bps: u32,
    spc: u32,
    reserved: u32,
    fat_sectors: u32,
    root_sectors: u32,
    total: u32,
    clusters: u32,
    fat12: bool,
}

impl Geometry {
    fn cluster_bytes(&self) -> u32 {
        self.bps * self.spc
    }
    fn data_start(&self) -> u64 {
        (self.reserved + 2 * self.fat_sectors + self.root_sectors) as u64 * self.bps as u64
    }
    fn cluster_offset(&self, c: u32) -> u64 {
        self.data_start() + (c as u64 - 2) * self.cluster_bytes() as u64
    }
}

fn geometry(size: u64, bps: u32) -> Result<Geometry> {
    let g = geometry_for((size.min(MAX_VOLUME) / bps as u64) as u32, bps)?;
    // Cluster counts near the FAT12/FAT16 boundary (4085) are where implementations have
    // disagreed: shrink the volume a little to stay clear of it.
    if (4085 - 16..4085 + 16).contains(&g.clusters) {
        return geometry_for(g.total - 40 * g.spc, bps);
    }
    Ok(g)
}

fn geometry_for(total: u32, bps: u32) -> Result<Geometry> {
    let size = total as u64 * bps as u64;
    let root_sectors = ROOT_ENTRIES * 32 / bps;
    for spc in [1u32, 2, 4, 8, 16, 32, 64] {
        if bps * spc > 32 << 10 {
            break;
        }
        let mut fat_sectors = 1u32;
        loop {
            let data = total.saturating_sub(1 + 2 * fat_sectors + root_sectors);
            let clusters = data / spc;
            let fat12 = clusters < 4085;
            let need_bytes = if fat12 {
                (clusters + 2) * 3 / 2 + 1
            } else {
                (clusters + 2) * 2
            };
            let need = need_bytes.div_ceil(bps);
            if need <= fat_sectors {
                if clusters > 65524 {
                    break; // try a bigger cluster
                }
                if clusters < 16 {
                    return Err(IronError::new(
                        Kind::NoSpace,
                        format!("{size} bytes is too small for a FAT volume"),
                    ));
                }
                return Ok(Geometry {
                    bps,
                    spc,
                    reserved: 1,
                    fat_sectors,
                    root_sectors,
                    total,
                    clusters,
                    fat12,
                });
            }
            fat_sectors = need;
        }
    }
    Err(IronError::new(
        Kind::Internal,
        format!("no FAT geometry for {size} bytes"),
    ))
}

/// Builds a FAT volume of `size` bytes (capped at 256 MiB) with `sector`-byte sectors.
pub fn build(tree: &Tree, size: u64, sector: u32) -> Result<FatImage> {
    if !(512..=4096).contains(&sector) || !sector.is_power_of_two() {
        return Err(IronError::new(
            Kind::Unsupported,
            format!("FAT with {sector}-byte sectors"),
        ));
    }
    let g = geometry(size, sector)?;
    let root = tree.nested();

    let mut lay = Layout {
        g: &g,
        next: 2,
        fat: vec![0u32; g.clusters as usize + 2],
        writes: Vec::new(),
    };
    let mut root_bytes = label_entry().to_vec();
    lay.dir(&root, 0, 0, &mut root_bytes)?;
    let Layout {
        next, fat, writes, ..
    } = lay;
    if root_bytes.len() > (ROOT_ENTRIES * 32) as usize {
        return Err(IronError::new(
            Kind::NoSpace,
            "too many names in the FAT root directory",
        ));
    }

    let end = g.cluster_offset(next) as usize;
    let mut img = vec![0u8; end];
    img[..g.bps as usize].copy_from_slice(&boot_sector(&g));
    let fat_bytes = encode_fat(&fat, g.fat12, g.fat_sectors * g.bps);
    for i in 0..2u32 {
        let off = ((g.reserved + i * g.fat_sectors) * g.bps) as usize;
        img[off..off + fat_bytes.len()].copy_from_slice(&fat_bytes);
    }
    let root_off = ((g.reserved + 2 * g.fat_sectors) * g.bps) as usize;
    img[root_off..root_off + root_bytes.len()].copy_from_slice(&root_bytes);
    for (off, bytes) in writes {
        img[off as usize..off as usize + bytes.len()].copy_from_slice(&bytes);
    }
    Ok(FatImage {
        prefix: img,
        size: g.total as u64 * g.bps as u64,
    })
}

/// Bytes a directory's entries take (without the root's volume label).
fn dir_bytes(d: &Dir, is_root: bool) -> u64 {
    let mut n = if is_root { 1 } else { 2 };
    for name in d.dirs.keys().chain(d.files.keys()) {
        n += 1 + if short_name_exact(name).is_some() {
            0
        } else {
            name.encode_utf16().count().div_ceil(13)
        };
    }
    n as u64 * 32
}

fn boot_sector(g: &Geometry) -> Vec<u8> {
    let mut b = vec![0u8; g.bps as usize];
    b[0..3].copy_from_slice(&[0xeb, 0x3c, 0x90]);
    b[3..11].copy_from_slice(b"IRONBOX ");
    b[11..13].copy_from_slice(&(g.bps as u16).to_le_bytes());
    b[13] = g.spc as u8;
    b[14..16].copy_from_slice(&(g.reserved as u16).to_le_bytes());
    b[16] = 2;
    b[17..19].copy_from_slice(&(ROOT_ENTRIES as u16).to_le_bytes());
    if g.total < 65536 {
        b[19..21].copy_from_slice(&(g.total as u16).to_le_bytes());
    } else {
        b[32..36].copy_from_slice(&g.total.to_le_bytes());
    }
    b[21] = 0xf8;
    b[22..24].copy_from_slice(&(g.fat_sectors as u16).to_le_bytes());
    b[24..26].copy_from_slice(&32u16.to_le_bytes());
    b[26..28].copy_from_slice(&64u16.to_le_bytes());
    b[36] = 0x80;
    b[38] = 0x29;
    let serial = crate::disk::guid::random();
    b[39..43].copy_from_slice(&serial[..4]);
    b[43..54].copy_from_slice(&padded_label());
    b[54..62].copy_from_slice(if g.fat12 { b"FAT12   " } else { b"FAT16   " });
    b[510] = 0x55;
    b[511] = 0xaa;
    b
}

fn padded_label() -> [u8; 11] {
    let mut l = [b' '; 11];
    l[..LABEL.len()].copy_from_slice(LABEL.as_bytes());
    l
}

fn encode_fat(fat: &[u32], fat12: bool, len: u32) -> Vec<u8> {
    let mut out = vec![0u8; len as usize];
    let mut vals = fat.to_vec();
    vals[0] = 0xffff_fff8;
    vals[1] = 0xffff_ffff;
    for (i, v) in vals.iter().enumerate() {
        if fat12 {
            let v = (v & 0xfff) as u16;
            let off = i * 3 / 2;
            if i % 2 == 0 {
                out[off] = v as u8;
                out[off + 1] = (out[off + 1] & 0xf0) | (v >> 8) as u8;
            } else {
                out[off] = (out[off] & 0x0f) | ((v << 4) as u8);
                out[off + 1] = (v >> 4) as u8;
            }
        } else {
            out[i * 2..i * 2 + 2].copy_from_slice(&((v & 0xffff) as u16).to_le_bytes());
        }
    }
    out
}

fn label_entry() -> [u8; 32] {
    let mut e = short_entry(padded_label(), 0x08, 0, 0);
    e[12] = 0;
    e
}

// 2020-01-01 00:00: a fixed stamp keeps builds reproducible.
const DATE: u16 = (40 << 9) | (1 << 5) | 1;

fn short_entry(name: [u8; 11], attr: u8, cluster: u32, size: u32) -> [u8; 32] {
    let mut e = [0u8; 32];
    e[..11].copy_from_slice(&name);
    e[11] = attr;
    e[16..18].copy_from_slice(&DATE.to_le_bytes());
    e[18..20].copy_from_slice(&DATE.to_le_bytes());
    e[24..26].copy_from_slice(&DATE.to_le_bytes());
    e[20..22].copy_from_slice(&((cluster >> 16) as u16).to_le_bytes());
    e[26..28].copy_from_slice(&(cluster as u16).to_le_bytes());
    e[28..32].copy_from_slice(&size.to_le_bytes());
    e
}

/// The 8.3 form when `name` already is a valid upper-case 8.3 name (no long entry needed).
fn short_name_exact(name: &str) -> Option<[u8; 11]> {
    let (base, ext) = match name.rsplit_once('.') {
        Some((b, e)) => (b, e),
        None => (name, ""),
    };
    let ok = |s: &str| {
        s.bytes().all(|c| {
            c.is_ascii_uppercase() || c.is_ascii_digit() || b"_-~!#$%&'()@^{}".contains(&c)
        })
    };
    if base.is_empty() || base.len() > 8 || ext.len() > 3 || !ok(base) || !ok(ext) {
        return None;
    }
    let mut s = [b' '; 11];
    s[..base.len()].copy_from_slice(base.as_bytes());
    s[8..8 + ext.len()].copy_from_slice(ext.as_bytes());
    Some(s)
}

/// `META_D~1JSO`-style alias, unique among `used`.
fn short_alias(name: &str, used: &[[u8; 11]]) -> [u8; 11] {
    let clean = |s: &str| -> Vec<u8> {
        s.to_uppercase()
            .bytes()
            .filter(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
            .collect()
    };
    let (base, ext) = match name.rsplit_once('.') {
        Some((b, e)) if !b.is_empty() => (clean(b), clean(e)),
        _ => (clean(name), Vec::new()),
    };
    for n in 1..1_000_000u32 {
        let tail = format!("~{n}");
        let keep = (8 - tail.len()).min(base.len());
        let mut s = [b' '; 11];
        s[..keep].copy_from_slice(&base[..keep]);
        s[keep..keep + tail.len()].copy_from_slice(tail.as_bytes());
        let el = ext.len().min(3);
        s[8..8 + el].copy_from_slice(&ext[..el]);
        if s[0] == b'~' {
            s[0] = b'_';
        }
        if !used.contains(&s) {
            return s;
        }
    }
    unreachable!("a million aliases in one directory")
}

fn checksum(short: &[u8; 11]) -> u8 {
    short
        .iter()
        .fold(0u8, |sum, &c| (sum >> 1 | (sum & 1) << 7).wrapping_add(c))
}

fn named_entries(
    name: &str,
    attr: u8,
    cluster: u32,
    size: u32,
    used: &mut Vec<[u8; 11]>,
) -> Vec<u8> {
    if let Some(s) = short_name_exact(name).filter(|s| !used.contains(s)) {
        used.push(s);
        return short_entry(s, attr, cluster, size).to_vec();
    }
    let short = short_alias(name, used);
    used.push(short);
    let sum = checksum(&short);
    let units: Vec<u16> = name.encode_utf16().collect();
    let n = units.len().div_ceil(13);
    let mut out = Vec::new();
    for seq in (1..=n).rev() {
        let mut e = [0u8; 32];
        e[0] = seq as u8 | if seq == n { 0x40 } else { 0 };
        e[11] = 0x0f;
        e[13] = sum;
        let chunk: Vec<u16> = (0..13)
            .map(|i| {
                let k = (seq - 1) * 13 + i;
                match k.cmp(&units.len()) {
                    std::cmp::Ordering::Less => units[k],
                    std::cmp::Ordering::Equal => 0,
                    std::cmp::Ordering::Greater => 0xffff,
                }
            })
            .collect();
        let offs = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
        for (i, &o) in offs.iter().enumerate() {
            e[o..o + 2].copy_from_slice(&chunk[i].to_le_bytes());
        }
        out.extend_from_slice(&e);
    }
    out.extend_from_slice(&short_entry(short, attr, cluster, size));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_fat16_for_64mib() {
        let g = geometry(64 << 20, 512).unwrap();
        assert!(!g.fat12);
        assert!(g.clusters >= 4085 && g.clusters <= 65524);
        let g = geometry(64 << 20, 4096).unwrap();
        assert!(!g.fat12, "{}", g.clusters);
        let g = geometry(2 << 20, 512).unwrap();
        assert!(g.fat12);
    }

    #[test]
    fn aliases_are_unique() {
        let mut used = Vec::new();
        named_entries("meta_data.json", 0x20, 0, 0, &mut used);
        named_entries("meta_data2.json", 0x20, 0, 0, &mut used);
        assert_eq!(&used[0], b"META_D~1JSO");
        assert_eq!(&used[1], b"META_D~2JSO");
    }
}
