//! A small SMBIOS (DMI) table parser over `/sys/firmware/dmi/tables/{smbios_entry_point,DMI}`.
//! Reusable: inventory reads system, BIOS and memory-device structures; firmware reads the BIOS
//! version. No dmidecode. Everything is lossy: a truncated or odd table yields fewer structures,
//! never an error.

use crate::le;
use crate::sys::sysfs;

/// One SMBIOS structure: its type, formatted area (header included, so offsets match the
/// specification) and its string set.
#[derive(Debug, Clone)]
pub struct Structure {
    pub kind: u8,
    /// The formatted area, starting with the 4-byte header.
    pub data: Vec<u8>,
    pub strings: Vec<String>,
}

impl Structure {
    pub fn u8(&self, off: usize) -> Option<u8> {
        self.data.get(off).copied()
    }

    pub fn u16(&self, off: usize) -> Option<u16> {
        le::u16(&self.data, off)
    }

    pub fn u32(&self, off: usize) -> Option<u32> {
        le::u32(&self.data, off)
    }

    /// The string a byte at `off` refers to (1-based; 0 means none). Blank strings are None.
    pub fn string(&self, off: usize) -> Option<String> {
        let idx = self.u8(off)? as usize;
        let s = self.strings.get(idx.checked_sub(1)?)?.trim();
        (!s.is_empty()).then(|| s.to_string())
    }
}

/// The decoded tables and the SMBIOS version from the entry point.
#[derive(Debug, Clone, Default)]
pub struct Smbios {
    pub version: (u8, u8),
    pub structures: Vec<Structure>,
}

/// Well-known structure types.
pub const BIOS: u8 = 0;
pub const SYSTEM: u8 = 1;
pub const MEMORY_DEVICE: u8 = 17;
pub const END: u8 = 127;

impl Smbios {
    /// Reads the tables the kernel exports; None when the machine has none (no DMI, or no
    /// permission).
    pub fn read() -> Option<Smbios> {
        let table = sysfs::read_bytes("/sys/firmware/dmi/tables/DMI")?;
        let entry = sysfs::read_bytes("/sys/firmware/dmi/tables/smbios_entry_point");
        Some(Smbios::parse(entry.as_deref().unwrap_or(&[]), &table))
    }

    pub fn parse(entry_point: &[u8], table: &[u8]) -> Smbios {
        Smbios {
            version: entry_version(entry_point),
            structures: parse_table(table),
        }
    }

    pub fn of_type(&self, kind: u8) -> impl Iterator<Item = &Structure> {
        self.structures.iter().filter(move |s| s.kind == kind)
    }

    pub fn first(&self, kind: u8) -> Option<&Structure> {
        self.of_type(kind).next()
    }

    /// BIOS vendor, version and release date (type 0, offsets 4, 5, 8).
    pub fn bios(&self) -> (Option<String>, Option<String>, Option<String>) {
        match self.first(BIOS) {
            Some(s) => (s.string(0x04), s.string(0x05), s.string(0x08)),
            None => (None, None, None),
        }
    }

    /// The system UUID (type 1, offset 8) as dmidecode prints it, lower-cased; None when
    /// absent, all zeroes or all ones ("not settable"/"not present").
    pub fn system_uuid(&self) -> Option<String> {
        let s = self.first(SYSTEM)?;
        let b = s.data.get(0x08..0x18)?;
        if b.iter().all(|&x| x == 0) || b.iter().all(|&x| x == 0xff) {
            return None;
        }
        // Since SMBIOS 2.6 the first three fields are little-endian (dmidecode does the same).
        let le = self.version >= (2, 6);
        let order: [usize; 16] = if le {
            [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15]
        } else {
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
        };
        let hex: Vec<String> = order.iter().map(|&i| format!("{:02x}", b[i])).collect();
        Some(format!(
            "{}-{}-{}-{}-{}",
            hex[0..4].concat(),
            hex[4..6].concat(),
            hex[6..8].concat(),
            hex[8..10].concat(),
            hex[10..16].concat()
        ))
    }

    /// Installed memory in MiB: the sum of the sizes of type 17 memory devices; None when the
    /// table lists no populated device.
    pub fn installed_memory_mb(&self) -> Option<u64> {
        let sizes: Vec<u64> = self
            .of_type(MEMORY_DEVICE)
            .filter_map(memory_device_mb)
            .collect();
        (!sizes.is_empty()).then(|| sizes.iter().sum())
    }
}

/// The size of one memory device in MiB (type 17 offset 0x0C, extended size at 0x1C).
pub fn memory_device_mb(s: &Structure) -> Option<u64> {
    let size = s.u16(0x0C)?;
    match size {
        0 | 0xFFFF => None,
        0x7FFF => s
            .u32(0x1C)
            .map(|v| u64::from(v & 0x7FFF_FFFF))
            .filter(|&v| v > 0),
        v if v & 0x8000 != 0 => Some(u64::from(v & 0x7FFF) / 1024),
        v => Some(u64::from(v)),
    }
}

/// SMBIOS version from a 2.x (`_SM_`) or 3.x (`_SM3_`) entry point; (0, 0) when unknown.
fn entry_version(ep: &[u8]) -> (u8, u8) {
    if ep.starts_with(b"_SM3_") && ep.len() > 8 {
        (ep[7], ep[8])
    } else if ep.starts_with(b"_SM_") && ep.len() > 7 {
        (ep[6], ep[7])
    } else {
        (0, 0)
    }
}

fn parse_table(t: &[u8]) -> Vec<Structure> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 4 <= t.len() {
        let kind = t[pos];
        let len = t[pos + 1] as usize;
        if len < 4 || pos + len > t.len() {
            break;
        }
        let data = t[pos..pos + len].to_vec();
        // The string set follows the formatted area and ends with a double NUL.
        let mut strings = Vec::new();
        let mut p = pos + len;
        let mut start = p;
        loop {
            if p >= t.len() {
                return finish(out, kind, data, strings);
            }
            if t[p] == 0 {
                if p == start {
                    // An empty string set is two NULs; a non-empty one ends with one extra NUL.
                    p += if strings.is_empty() { 2 } else { 1 };
                    break;
                }
                strings.push(String::from_utf8_lossy(&t[start..p]).into_owned());
                start = p + 1;
            }
            p += 1;
        }
        out.push(Structure {
            kind,
            data,
            strings,
        });
        if kind == END {
            break;
        }
        pos = p;
    }
    out
}

fn finish(
    mut out: Vec<Structure>,
    kind: u8,
    data: Vec<u8>,
    strings: Vec<String>,
) -> Vec<Structure> {
    out.push(Structure {
        kind,
        data,
        strings,
    });
    out
}

/// Builds a table from (type, formatted bytes after the header, strings) for tests and
/// hand-made fixtures.
#[cfg(test)]
pub fn build_table(structures: &[(u8, Vec<u8>, Vec<&str>)]) -> Vec<u8> {
    let mut t = Vec::new();
    for (i, (kind, body, strings)) in structures.iter().enumerate() {
        t.push(*kind);
        t.push((body.len() + 4) as u8);
        t.extend_from_slice(&(i as u16).to_le_bytes());
        t.extend_from_slice(body);
        if strings.is_empty() {
            t.extend_from_slice(&[0, 0]);
        } else {
            for s in strings {
                t.extend_from_slice(s.as_bytes());
                t.push(0);
            }
            t.push(0);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Smbios {
        let bios = vec![1, 2, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let mut sys = vec![1, 2, 3, 4];
        sys.extend_from_slice(&[
            0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff,
        ]);
        sys.extend_from_slice(&[6, 0, 0]);
        let mut dimm = vec![0u8; 0x28 - 4];
        dimm[0x0C - 4..0x0E - 4].copy_from_slice(&8192u16.to_le_bytes());
        let mut big = vec![0u8; 0x28 - 4];
        big[0x0C - 4..0x0E - 4].copy_from_slice(&0x7FFFu16.to_le_bytes());
        big[0x1C - 4..0x20 - 4].copy_from_slice(&65536u32.to_le_bytes());
        let empty = vec![0u8; 0x28 - 4];
        let table = build_table(&[
            (0, bios, vec!["ACME BIOS", "1.2.3", "04/01/2024"]),
            (1, sys, vec!["Acme", "Rocket 9", "v1", "SN123"]),
            (17, dimm, vec![]),
            (17, big, vec![]),
            (17, empty, vec![]),
            (127, vec![], vec![]),
        ]);
        let mut ep = b"_SM3_".to_vec();
        ep.extend_from_slice(&[0, 0x18, 3, 2, 0]);
        Smbios::parse(&ep, &table)
    }

    #[test]
    fn parses_bios_system_and_memory() {
        let s = sample();
        assert_eq!(s.version, (3, 2));
        assert_eq!(s.structures.len(), 6);
        let (v, ver, date) = s.bios();
        assert_eq!(v.as_deref(), Some("ACME BIOS"));
        assert_eq!(ver.as_deref(), Some("1.2.3"));
        assert_eq!(date.as_deref(), Some("04/01/2024"));
        let sys = s.first(SYSTEM).unwrap();
        assert_eq!(sys.string(4).as_deref(), Some("Acme"));
        assert_eq!(sys.string(7).as_deref(), Some("SN123"));
        assert_eq!(
            s.system_uuid().as_deref(),
            Some("00112233-4455-6677-8899-aabbccddeeff")
        );
        assert_eq!(s.installed_memory_mb(), Some(8192 + 65536));
    }

    #[test]
    fn truncated_table_is_not_an_error() {
        let s = sample();
        let table = build_table(&[(1, vec![1, 2, 3, 4, 0, 0], vec!["x"])]);
        let cut = Smbios::parse(&[], &table[..table.len() - 2]);
        assert_eq!(cut.structures.len(), 1);
        assert!(Smbios::parse(&[], &[1, 2]).structures.is_empty());
        assert!(s.first(SYSTEM).unwrap().string(0x1A).is_none());
    }
}
