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

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12X").is_err());
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
