//! `ironbox configdrive`: build, place and read an OpenStack config drive the way cloud-init
//! finds it (a filesystem labelled `config-2` holding `openstack/<version>/meta_data.json`, ...).
//!
//! - `build`: Ironic's JSON dict, a directory or separate files → an ISO 9660 (Rock Ridge +
//!   Joliet, volume id `config-2`) or FAT (`CONFIG-2`) image, written in-process.
//! - `write`: a URL, file or stdin holding what Ironic hands IPA (base64 of gzip of an ISO, or any
//!   subset of those layers), or the JSON dict, → into the disk's `config-2` partition, creating
//!   one at the end of the disk when there is none.
//! - `read`: finds the drive by label and reports what cloud-init will see, with problems.

pub mod alone;
pub mod build;
pub mod decode;
pub mod fat_read;
pub mod fat_write;
pub mod fetch;
pub mod iso_read;
pub mod iso_write;
pub mod locate;
pub mod read;
pub mod report;
pub mod tree;
pub mod write;

use crate::report::{IronError, Result};
use serde_json::Value;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum Sub {
    /// Build a config drive image from Ironic's JSON dict, a directory or separate files.
    Build(build::BuildArgs),
    /// Put a config drive into the disk's config-2 partition (created at the end when missing).
    Write(write::WriteArgs),
    /// Find the config drive on a disk or in an image the way cloud-init does, and check it.
    Read(read::ReadArgs),
}

pub fn run(args: &Args) -> Result<Value> {
    use report::ConfigdriveReport as R;
    crate::report::document(match &args.command {
        Sub::Build(a) => build::run(a).map(R::Build),
        Sub::Write(a) => write::run(a).map(|r| R::Write(Box::new(r))),
        Sub::Read(a) => read::run(a).map(R::Read),
    })
}

/// IPA refuses config drives larger than this once decoded.
pub const DEFAULT_MAX_SIZE: u64 = 64 << 20;

/// `65536`, `64K`, `64M`, `64MiB`, `1G`, `1GB` (binary multiples: a config drive is sized in MiB).
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("bad size {s:?} (examples: 64M, 1G, 1048576)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return Err(format!("bad size unit in {s:?} (use K, M, G or T)")),
    };
    n.checked_mul(mult)
        .filter(|&v| v > 0)
        .ok_or_else(|| format!("bad size {s:?}"))
}

/// The tree and label inside an image held in memory.
pub fn read_image(image: &[u8], fs: decode::Fs, max: u64) -> Result<(Option<String>, tree::Tree)> {
    let mut c = std::io::Cursor::new(image);
    match fs {
        decode::Fs::Iso9660 => {
            iso_read::read_tree(&mut c, 0, max).map(|(v, t)| (Some(v.volume_id), t))
        }
        decode::Fs::Vfat => fat_read::read_tree(&mut c, 0, max),
    }
}

fn usage(msg: impl Into<String>) -> IronError {
    IronError::usage(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Kind;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12X").is_err());
    }

    /// A tree with two sibling directories `a` and `b`, each holding a file.
    fn two_dirs() -> tree::Tree {
        let mut t = tree::Tree::default();
        t.files.insert("a/f".into(), b"in a".to_vec());
        t.files.insert("b/g".into(), b"in b".to_vec());
        t
    }

    /// Every 8-byte both-endian copy of extent `from` (directory records) made `to`.
    fn redirect_extent(iso: &mut [u8], from: u32, to: u32) {
        let mut pat = from.to_le_bytes().to_vec();
        pat.extend(from.to_be_bytes());
        let mut rep = to.to_le_bytes().to_vec();
        rep.extend(to.to_be_bytes());
        for i in 0..iso.len() - 8 {
            if iso[i..i + 8] == pat[..] {
                iso[i..i + 8].copy_from_slice(&rep);
            }
        }
    }

    /// `b`'s directory records pointed at `a`'s extent: a shared directory, the seed of an
    /// exponential DAG, is refused as corrupt (it used to be walked once per reference).
    #[test]
    fn an_iso_directory_reached_twice_is_corrupt() {
        let t = two_dirs();
        let mut iso = iso_write::build(&t).unwrap();
        let extent = |iso: &[u8], name: &str| {
            let mut c = std::io::Cursor::new(iso);
            let vol = iso_read::volume(&mut c, 0).unwrap();
            iso_read::dir_extent(&mut c, &vol, name).unwrap()
        };
        let (a, b) = (extent(&iso, "a"), extent(&iso, "b"));
        redirect_extent(&mut iso, b, a);
        let e = read_image(&iso, decode::Fs::Iso9660, 1 << 20).unwrap_err();
        assert_eq!(e.kind, Kind::CorruptImage, "{e}");
        assert!(e.message.contains("reached twice"), "{e}");
    }

    /// FAT: `b`'s entry pointed at `a`'s cluster is refused; so is a directory chain that
    /// loops back on itself (it used to be read as 4 MiB of repeated entries per level).
    #[test]
    fn a_fat_directory_reached_twice_or_a_looping_chain_is_corrupt() {
        let t = two_dirs();
        let img = fat_write::build(&t, 16 << 20, 512).unwrap().prefix;
        let le16 = |b: &[u8], o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as usize;
        let bps = le16(&img, 11);
        let (reserved, nfats, root_entries) = (le16(&img, 14), img[16] as usize, le16(&img, 17));
        let fat_size = le16(&img, 22);
        assert!(fat_size > 0, "FAT16 expected for 16 MiB");
        let root = (reserved + nfats * fat_size) * bps;
        // The directory entries (not long-name pieces) of the root, in order: a, then b.
        let dirs: Vec<usize> = (0..root_entries)
            .map(|i| root + 32 * i)
            .filter(|o| img[*o] != 0 && img[*o + 11] != 0x0f && img[*o + 11] & 0x10 != 0)
            .collect();
        assert_eq!(dirs.len(), 2, "two directories in the root");
        let (ea, eb) = (dirs[0], dirs[1]);
        let ca = le16(&img, ea + 26);

        let mut shared = img.clone();
        shared.copy_within(ea + 26..ea + 28, eb + 26);
        let e = read_image(&shared, decode::Fs::Vfat, 1 << 20).unwrap_err();
        assert_eq!(e.kind, Kind::CorruptImage, "{e}");
        assert!(e.message.contains("reached twice"), "{e}");

        let mut looping = img.clone();
        for f in 0..nfats {
            let at = (reserved + f * fat_size) * bps + 2 * ca;
            looping[at..at + 2].copy_from_slice(&(ca as u16).to_le_bytes());
        }
        let e = read_image(&looping, decode::Fs::Vfat, 1 << 20).unwrap_err();
        assert_eq!(e.kind, Kind::CorruptImage, "{e}");
        assert!(e.message.contains("loops"), "{e}");
    }

    #[test]
    fn iso_and_fat_round_trip() {
        let t = tree::Tree::from_ironic_json(&serde_json::json!({
            "meta_data": {"uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "hostname": "box"},
            "user_data": "#cloud-config\n",
            "network_data": {"links": [{"id": "eth0", "mtu": 1500}]},
            "vendor_data": {"x": 1},
        }))
        .unwrap();
        let iso = iso_write::build(&t).unwrap();
        assert_eq!(decode::sniff(&iso), Some(decode::Fs::Iso9660));
        let (label, back) = read_image(&iso, decode::Fs::Iso9660, 1 << 20).unwrap();
        assert_eq!(label.as_deref(), Some("config-2"));
        assert_eq!(back, t);
        for sector in [512, 4096] {
            let fat = fat_write::build(&t, 16 << 20, sector).unwrap();
            let (label, back) = read_image(&fat.prefix, decode::Fs::Vfat, 1 << 20).unwrap();
            assert_eq!(label.as_deref(), Some("CONFIG-2"));
            assert_eq!(back, t, "sector {sector}");
        }
    }
}
