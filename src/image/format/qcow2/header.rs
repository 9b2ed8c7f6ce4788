//! The qcow2 header (v2 and v3, docs/interop/qcow2.txt in QEMU) and the safety rules applied to
//! it before a single guest byte is produced: no backing file, no external data file, no
//! encryption, no incompatible feature we do not know (the CVE-2024-44082 class: an untrusted
//! image must never make us open another file).

use crate::report::{IronError, Key, Kind, Result};

pub const MAGIC: &[u8; 4] = b"QFI\xfb";
/// Bytes needed to know the cluster size and every fixed field (v3 with compression type).
pub const FIXED_LEN: usize = 112;
/// QEMU's own limit for the L1 table (32 MiB): bounds our memory too.
const MAX_L1_BYTES: u64 = 32 << 20;

const INCOMPAT_DIRTY: u64 = 1 << 0;
const INCOMPAT_CORRUPT: u64 = 1 << 1;
const INCOMPAT_DATA_FILE: u64 = 1 << 2;
const INCOMPAT_COMPRESSION: u64 = 1 << 3;
const INCOMPAT_EXTL2: u64 = 1 << 4;
const INCOMPAT_KNOWN: u64 =
    INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2;

const EXT_END: u32 = 0;
const EXT_DATA_FILE: u32 = 0x4441_5441;
const EXT_CRYPTO: u32 = 0x0537_be77;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterCompression {
    Zlib,
    Zstd,
}

#[derive(Debug, Clone)]
pub struct Header {
    pub version: u32,
    pub cluster_bits: u32,
    pub size: u64,
    pub l1_size: u64,
    pub l1_table_offset: u64,
    pub compression: ClusterCompression,
}

impl Header {
    pub fn cluster_size(&self) -> u64 {
        1 << self.cluster_bits
    }
    /// Guest clusters mapped by one L2 table.
    pub fn l2_entries(&self) -> u64 {
        self.cluster_size() / 8
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}
fn be64(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn corrupt(msg: String) -> IronError {
    IronError::new(Kind::CorruptImage, msg)
}

/// The cluster size from the fixed part of the header (to know how much to read next).
pub fn cluster_bits(fixed: &[u8]) -> Result<u32> {
    if fixed.len() < 72 || &fixed[0..4] != MAGIC {
        return Err(corrupt("qcow2 header is truncated".into()));
    }
    let version = be32(fixed, 4);
    if version != 2 && version != 3 {
        return Err(IronError::new(
            Kind::UnsupportedFormat,
            format!("qcow2 version {version} is not supported (only 2 and 3)"),
        ));
    }
    let bits = be32(fixed, 20);
    if !(9..=21).contains(&bits) {
        return Err(corrupt(format!(
            "qcow2 cluster_bits {bits} is out of range (9 to 21)"
        )));
    }
    Ok(bits)
}

/// Reads a NUL-free, bounded name stored in the first cluster, for error messages.
fn name_at(first: &[u8], offset: u64, len: u64) -> String {
    let (o, l) = (offset as usize, len.min(1023) as usize);
    match first.get(o..o.saturating_add(l)) {
        Some(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        None => format!("<name at offset {offset} outside the header cluster>"),
    }
}

/// Parses and vets the header from the image's first cluster (or all of it, when shorter).
pub fn parse(first: &[u8]) -> Result<Header> {
    let cluster_bits = cluster_bits(first)?;
    let version = be32(first, 4);
    let cluster_size = 1u64 << cluster_bits;
    let size = be64(first, 24);
    let l1_size = be32(first, 36) as u64;
    let l1_table_offset = be64(first, 40);
    let (incompat, header_len) = if version >= 3 {
        if first.len() < 104 {
            return Err(corrupt("qcow2 v3 header is truncated".into()));
        }
        let len = be32(first, 100) as u64;
        if len < 104 || len > cluster_size || len as usize > first.len() {
            return Err(corrupt(format!("qcow2 header_length {len} is invalid")));
        }
        (be64(first, 72), len)
    } else {
        (0, 72)
    };
    let ext = extensions(first, header_len, cluster_size)?;
    // Safety refusals first: these are attacks or references we never follow.
    refuse_unsafe(first, incompat, ext)?;
    let compression = cluster_compression(first, incompat, header_len)?;
    let needed = l1_entries_needed(size, cluster_size, l1_size, l1_table_offset)?;
    Ok(Header {
        version,
        cluster_bits,
        size,
        l1_size: needed,
        l1_table_offset,
        compression,
    })
}

/// What the header extensions say that matters here.
struct Extensions {
    data_file: Option<String>,
    crypto: bool,
}

/// Walks the header extensions to learn the data file's name and to be sure they are sane.
fn extensions(first: &[u8], header_len: u64, cluster_size: u64) -> Result<Extensions> {
    let mut ext = Extensions {
        data_file: None,
        crypto: false,
    };
    let mut at = header_len;
    loop {
        if at + 8 > first.len() as u64 || at + 8 > cluster_size {
            return Err(corrupt(format!(
                "qcow2 header extensions run past the first cluster (at offset {at})"
            )));
        }
        let (kind, len) = (
            be32(first, at as usize),
            be32(first, at as usize + 4) as u64,
        );
        if kind == EXT_END {
            return Ok(ext);
        }
        let data = at + 8;
        if data + len > first.len() as u64 {
            return Err(corrupt(format!(
                "qcow2 header extension 0x{kind:08x} of {len} bytes runs past the first cluster"
            )));
        }
        match kind {
            EXT_DATA_FILE => ext.data_file = Some(name_at(first, data, len)),
            EXT_CRYPTO => ext.crypto = true,
            _ => {}
        }
        at = data + len.div_ceil(8) * 8;
    }
}

/// Backing files, external data files, encryption and unknown incompatible features are
/// refused (`unsafe_image`); a qemu-marked corrupt image and extended L2 are not written.
fn refuse_unsafe(first: &[u8], incompat: u64, ext: Extensions) -> Result<()> {
    let backing_offset = be64(first, 8);
    if backing_offset != 0 {
        let name = name_at(first, backing_offset, be32(first, 16) as u64);
        return Err(IronError::new(
            Kind::UnsafeImage,
            format!("qcow2 image has a backing file '{name}'; refusing to follow it"),
        )
        .with(Key::BackingFile, name));
    }
    if incompat & INCOMPAT_DATA_FILE != 0 || ext.data_file.is_some() {
        let name = ext.data_file.unwrap_or_else(|| "<unnamed>".into());
        return Err(IronError::new(
            Kind::UnsafeImage,
            format!("qcow2 image has an external data file '{name}'; refusing to follow it"),
        )
        .with(Key::DataFile, name));
    }
    let crypt_method = be32(first, 32);
    if crypt_method != 0 || ext.crypto {
        let method = match crypt_method {
            1 => "aes".to_string(),
            2 => "luks".to_string(),
            0 => "crypto header extension".to_string(),
            m => format!("method {m}"),
        };
        return Err(IronError::new(
            Kind::UnsafeImage,
            format!("qcow2 image is encrypted ({method}); refusing it"),
        ));
    }
    let unknown = incompat & !INCOMPAT_KNOWN;
    if unknown != 0 {
        return Err(IronError::new(
            Kind::UnsafeImage,
            format!("qcow2 image has unknown incompatible feature bits 0x{unknown:x}; refusing it"),
        ));
    }
    if incompat & INCOMPAT_CORRUPT != 0 {
        return Err(corrupt("qcow2 image is marked corrupt by qemu".into()));
    }
    if incompat & INCOMPAT_EXTL2 != 0 {
        return Err(IronError::new(
            Kind::UnsupportedFormat,
            "qcow2 image uses extended l2 entries (subclusters), which are not supported",
        ));
    }
    Ok(())
}

/// The compression of compressed clusters (zlib unless the header says otherwise).
fn cluster_compression(first: &[u8], incompat: u64, header_len: u64) -> Result<ClusterCompression> {
    if incompat & INCOMPAT_COMPRESSION == 0 {
        return Ok(ClusterCompression::Zlib);
    }
    if header_len <= 104 {
        return Err(corrupt(
            "qcow2 compression type bit is set but the header has no compression type".into(),
        ));
    }
    match first[104] {
        0 => Ok(ClusterCompression::Zlib),
        1 => Ok(ClusterCompression::Zstd),
        t => Err(IronError::new(
            Kind::UnsupportedFormat,
            format!("qcow2 compression type {t} is not supported"),
        )),
    }
}

/// Geometry: the L1 table must cover the virtual size and stay within QEMU's limits. Returns
/// the entries the virtual size needs.
fn l1_entries_needed(size: u64, cluster_size: u64, l1_size: u64, l1_offset: u64) -> Result<u64> {
    if size > 1 << 56 {
        return Err(corrupt(format!("qcow2 virtual size {size} is too large")));
    }
    let per_l1 = cluster_size * (cluster_size / 8);
    let needed = size.div_ceil(per_l1);
    if l1_size < needed {
        return Err(corrupt(format!(
            "qcow2 l1 table has {l1_size} entries, {needed} are needed for {size} bytes"
        )));
    }
    if l1_size * 8 > MAX_L1_BYTES {
        return Err(corrupt(format!(
            "qcow2 l1 table of {l1_size} entries is too large"
        )));
    }
    if needed > 0 && (l1_offset == 0 || !l1_offset.is_multiple_of(cluster_size)) {
        return Err(corrupt(format!(
            "qcow2 l1 table offset {l1_offset} is not cluster-aligned"
        )));
    }
    Ok(needed)
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A minimal v3 header in a 64 KiB cluster: 1 GiB, L1 at cluster 3.
    pub fn header_v3() -> Vec<u8> {
        let mut h = vec![0u8; 65536];
        h[0..4].copy_from_slice(MAGIC);
        h[4..8].copy_from_slice(&3u32.to_be_bytes());
        h[20..24].copy_from_slice(&16u32.to_be_bytes());
        h[24..32].copy_from_slice(&(1u64 << 30).to_be_bytes());
        h[36..40].copy_from_slice(&2u32.to_be_bytes());
        h[40..48].copy_from_slice(&(3u64 << 16).to_be_bytes());
        h[100..104].copy_from_slice(&112u32.to_be_bytes());
        h
    }

    #[test]
    fn parses_a_plain_header() {
        let h = parse(&header_v3()).unwrap();
        assert_eq!((h.version, h.cluster_bits, h.size), (3, 16, 1 << 30));
        assert_eq!(h.l1_size, 2);
        assert_eq!(h.compression, ClusterCompression::Zlib);
    }

    #[test]
    fn refuses_backing_file_and_names_it() {
        let mut h = header_v3();
        h[8..16].copy_from_slice(&512u64.to_be_bytes());
        h[16..20].copy_from_slice(&10u32.to_be_bytes());
        h[512..522].copy_from_slice(b"base.qcow2");
        let e = parse(&h).unwrap_err();
        assert_eq!(e.kind, Kind::UnsafeImage);
        assert_eq!(
            e.message,
            "qcow2 image has a backing file 'base.qcow2'; refusing to follow it"
        );
    }

    #[test]
    fn refuses_unknown_incompatible_bits_encryption_and_data_files() {
        let mut h = header_v3();
        h[72..80].copy_from_slice(&(1u64 << 9).to_be_bytes());
        let e = parse(&h).unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (
                Kind::UnsafeImage,
                "qcow2 image has unknown incompatible feature bits 0x200; refusing it"
            )
        );

        let mut h = header_v3();
        h[32..36].copy_from_slice(&2u32.to_be_bytes());
        assert!(parse(&h).unwrap_err().message.contains("encrypted (luks)"));

        let mut h = header_v3();
        h[72..80].copy_from_slice(&INCOMPAT_DATA_FILE.to_be_bytes());
        h[112..116].copy_from_slice(&EXT_DATA_FILE.to_be_bytes());
        h[116..120].copy_from_slice(&6u32.to_be_bytes());
        h[120..126].copy_from_slice(b"/dev/x");
        let e = parse(&h).unwrap_err();
        assert_eq!(e.kind, Kind::UnsafeImage);
        assert!(e.message.contains("'/dev/x'"), "{}", e.message);
    }

    #[test]
    fn rejects_bad_geometry() {
        let mut h = header_v3();
        h[20..24].copy_from_slice(&40u32.to_be_bytes());
        assert_eq!(parse(&h).unwrap_err().kind, Kind::CorruptImage);
        let mut h = header_v3();
        h[36..40].copy_from_slice(&1u32.to_be_bytes());
        assert_eq!(parse(&h).unwrap_err().kind, Kind::CorruptImage);
        let mut h = header_v3();
        h[4..8].copy_from_slice(&1u32.to_be_bytes());
        assert_eq!(parse(&h).unwrap_err().kind, Kind::UnsupportedFormat);
    }
}
