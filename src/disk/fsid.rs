//! Filesystem identity (type, UUID, label) read from a partition's first bytes, as `blkid`
//! would report them, for reports (`fs_uuid`, IPA's `root_uuid` of partition images).

use crate::le;
use serde::Serialize;
use std::io::{Read, Seek, SeekFrom};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FsId {
    pub fs_type: String,
    pub uuid: Option<String>,
    pub label: Option<String>,
}

fn read_at<R: Read + Seek>(r: &mut R, off: u64, len: usize) -> Option<Vec<u8>> {
    r.seek(SeekFrom::Start(off)).ok()?;
    let mut b = vec![0u8; len];
    r.read_exact(&mut b).ok()?;
    Some(b)
}

fn uuid_string(b: &[u8]) -> Option<String> {
    if b.iter().all(|x| *x == 0) {
        return None;
    }
    let h: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    Some(format!(
        "{}-{}-{}-{}-{}",
        h[0..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..16].concat()
    ))
}

fn label(b: &[u8]) -> Option<String> {
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    let s = String::from_utf8_lossy(&b[..end]).trim_end().to_string();
    (!s.is_empty()).then_some(s)
}

/// Identifies the filesystem at the start of `r`; None when nothing known is there.
pub fn identify<R: Read + Seek>(r: &mut R) -> Option<FsId> {
    let id = |t: &str, uuid, label| {
        Some(FsId {
            fs_type: t.to_string(),
            uuid,
            label,
        })
    };
    // ext2/3/4: superblock at 1024.
    if let Some(sb) = read_at(r, 1024, 256)
        && sb[56..58] == [0x53, 0xef]
    {
        let compat = le::u32(&sb, 92)?;
        let incompat = le::u32(&sb, 96)?;
        let t = if incompat & 0x40 != 0 || incompat & 0x200 != 0 {
            "ext4"
        } else if compat & 0x4 != 0 {
            "ext3"
        } else {
            "ext2"
        };
        return id(t, uuid_string(&sb[104..120]), label(&sb[120..136]));
    }
    if let Some(sb) = read_at(r, 0, 512) {
        if &sb[0..4] == b"XFSB" {
            return id("xfs", uuid_string(&sb[32..48]), label(&sb[108..120]));
        }
        let fat32 = &sb[82..87] == b"FAT32";
        let fat16 = &sb[54..59] == b"FAT16" || &sb[54..59] == b"FAT12";
        if (fat32 || fat16) && sb[510] == 0x55 && sb[511] == 0xaa {
            let (serial_at, label_at) = if fat32 { (67, 71) } else { (39, 43) };
            let s = &sb[serial_at..serial_at + 4];
            let serial = format!("{:02X}{:02X}-{:02X}{:02X}", s[3], s[2], s[1], s[0]);
            let lbl = label(&sb[label_at..label_at + 11]).filter(|l| l != "NO NAME");
            return id("vfat", Some(serial), lbl);
        }
        if &sb[0..6] == b"LUKS\xba\xbe" {
            let u = read_at(r, 168, 40).and_then(|b| label(&b));
            return id("crypto_LUKS", u, None);
        }
    }
    if let Some(p) = read_at(r, 4086, 10)
        && &p == b"SWAPSPACE2"
    {
        let h = read_at(r, 1024, 64)?;
        return id("swap", uuid_string(&h[12..28]), label(&h[28..44]));
    }
    if let Some(pvd) = read_at(r, 32768, 2048)
        && &pvd[1..6] == b"CD001"
        && pvd[0] == 1
    {
        // blkid's UUID for ISO 9660 is the volume creation time.
        let c = &pvd[813..829];
        let uuid = c.iter().all(u8::is_ascii_digit).then(|| {
            let s = String::from_utf8_lossy(c);
            format!(
                "{}-{}-{}-{}-{}-{}-{}",
                &s[0..4],
                &s[4..6],
                &s[6..8],
                &s[8..10],
                &s[10..12],
                &s[12..14],
                &s[14..16]
            )
        });
        return id("iso9660", uuid, label(&pvd[40..72]));
    }
    if let Some(sb) = read_at(r, 65536, 512)
        && &sb[64..72] == b"_BHRfS_M"
    {
        return id("btrfs", uuid_string(&sb[32..48]), label(&sb[299..299 + 64]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn ext4_identity() {
        let mut img = vec![0u8; 8192];
        img[1024 + 56] = 0x53;
        img[1024 + 57] = 0xef;
        img[1024 + 96] = 0x40; // extents
        img[1024 + 104..1024 + 120].copy_from_slice(&[0x12; 16]);
        img[1024 + 120..1024 + 124].copy_from_slice(b"root");
        let id = identify(&mut Cursor::new(img)).unwrap();
        assert_eq!(id.fs_type, "ext4");
        assert_eq!(
            id.uuid.as_deref(),
            Some("12121212-1212-1212-1212-121212121212")
        );
        assert_eq!(id.label.as_deref(), Some("root"));
        assert!(identify(&mut Cursor::new(vec![0u8; 70000])).is_none());
    }
}
