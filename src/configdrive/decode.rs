//! Recognising what a config drive source holds, by content, never by name: base64 text (of
//! gzip or of a raw image), gzip, or a raw ISO 9660 or FAT image. Each layer is named in
//! `source_format` (`base64+gzip+iso9660`).

use super::{fat_read, fetch, iso_read};
use crate::report::{IronError, Kind, Result};
use base64::Engine;
use std::io::Read;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Fs {
    Iso9660,
    Vfat,
}

impl Fs {
    pub fn as_str(self) -> &'static str {
        match self {
            Fs::Iso9660 => "iso9660",
            Fs::Vfat => "vfat",
        }
    }
}

pub struct Decoded {
    pub image: Vec<u8>,
    pub fs: Fs,
    pub format: String,
}

pub fn sniff(image: &[u8]) -> Option<Fs> {
    if iso_read::is_iso9660(image) {
        Some(Fs::Iso9660)
    } else if fat_read::is_fat(image) {
        Some(Fs::Vfat)
    } else {
        None
    }
}

/// Base64 is text: only the alphabet (standard or URL-safe), padding and line breaks.
fn looks_like_text(data: &[u8]) -> bool {
    !data.is_empty()
        && data
            .iter()
            .all(|&c| c.is_ascii_graphic() || c.is_ascii_whitespace())
}

pub fn decode(raw: Vec<u8>, max: u64) -> Result<Decoded> {
    let mut layers: Vec<&str> = Vec::new();
    let mut data = raw;
    loop {
        if let Some(fs) = sniff(&data) {
            if data.len() as u64 > max {
                return Err(fetch::too_large(max));
            }
            layers.push(fs.as_str());
            return Ok(Decoded {
                image: data,
                fs,
                format: layers.join("+"),
            });
        }
        if data.starts_with(&[0x1f, 0x8b]) && !layers.contains(&"gzip") {
            data = gunzip(&data, max)?;
            layers.push("gzip");
            continue;
        }
        if layers.is_empty() && looks_like_text(&data) {
            let trimmed: Vec<u8> = data
                .iter()
                .copied()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            if trimmed.first() == Some(&b'{') {
                return Err(IronError::new(
                    Kind::UnsupportedFormat,
                    "the source is JSON, not a config drive image; pass Ironic's dict with --from-json",
                ));
            }
            data = base64_decode(&trimmed)?;
            layers.push("base64");
            continue;
        }
        let what = if layers.is_empty() {
            "the source".to_string()
        } else {
            format!("the {} payload", layers.join("+"))
        };
        return Err(IronError::new(
            Kind::UnsupportedFormat,
            format!("{what} is neither an ISO 9660 nor a FAT image (nor gzip or base64 of one)"),
        )
        .with("source_format", layers.join("+")));
    }
}

fn base64_decode(text: &[u8]) -> Result<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let cfg = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let url_safe = text.iter().any(|&c| c == b'-' || c == b'_');
    let engine = GeneralPurpose::new(
        if url_safe {
            &base64::alphabet::URL_SAFE
        } else {
            &base64::alphabet::STANDARD
        },
        cfg,
    );
    engine
        .decode(text)
        .map_err(|e| IronError::invalid("the source is text but not valid base64").caused_by(e))
}

fn gunzip(data: &[u8], max: u64) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| IronError::invalid("the gzip data is corrupt").caused_by(e))?;
    if out.len() as u64 > max {
        return Err(fetch::too_large(max));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_junk_and_bad_base64() {
        let e = decode(b"not base64 !!! ***".to_vec(), 1 << 20)
            .err()
            .unwrap();
        assert_eq!(e.kind, Kind::InvalidInput);
        let e = decode(vec![0u8, 1, 2, 3, 200], 1 << 20).err().unwrap();
        assert_eq!(e.kind, Kind::UnsupportedFormat);
        let e = decode(b"aGVsbG8=".to_vec(), 1 << 20).err().unwrap();
        assert_eq!(e.kind, Kind::UnsupportedFormat);
        assert!(e.message.contains("base64"), "{}", e.message);
    }
}
