//! Recognising what a config drive source holds, by content, never by name: base64 text (of
//! gzip or of a raw image), gzip, or a raw ISO 9660 or FAT image. Each layer is named in
//! `source_format` (`base64+gzip+iso9660`). The layers stream into each other, so only the
//! decoded image (at most `--max-size`) is ever held in memory.

use super::{fat_read, fetch, iso_read};
use crate::report::{IronError, Key, Kind, Result};
use std::io::{self, Read};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema, clap::ValueEnum,
)]
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

/// Enough to see an ISO's first volume descriptor (32 KiB + 6).
const PEEK: usize = 0x8800;

/// Which layer an I/O error came from, so the message can say "invalid base64" or "corrupt gzip".
#[derive(Debug)]
struct LayerError {
    layer: &'static str,
    err: io::Error,
}

impl std::fmt::Display for LayerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.layer, self.err)
    }
}

impl std::error::Error for LayerError {}

struct Tagged<R> {
    inner: R,
    layer: &'static str,
}

impl<R: Read> Read for Tagged<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|err| {
            if err.get_ref().is_some_and(|e| e.is::<LayerError>()) {
                err // already tagged by an inner layer
            } else {
                io::Error::other(LayerError {
                    layer: self.layer,
                    err,
                })
            }
        })
    }
}

/// Drops ASCII whitespace (base64 is usually wrapped at 76 columns).
struct NoWhitespace<R> {
    inner: R,
}

impl<R: Read> Read for NoWhitespace<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.inner.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let mut w = 0;
            for i in 0..n {
                if !buf[i].is_ascii_whitespace() {
                    buf[w] = buf[i];
                    w += 1;
                }
            }
            if w > 0 {
                return Ok(w);
            }
        }
    }
}

fn classify(e: io::Error, what: &str) -> IronError {
    let layer = e
        .get_ref()
        .and_then(|x| x.downcast_ref::<LayerError>())
        .map(|l| l.layer);
    match layer {
        Some("base64") => {
            IronError::invalid("the source is text but not valid base64").caused_by(e)
        }
        Some("gzip") => IronError::invalid("the gzip data is corrupt").caused_by(e),
        _ => IronError::new(Kind::Io, format!("cannot read {what}")).caused_by(e),
    }
}

/// Reads up to `PEEK` bytes (fewer only at the end of the stream).
fn peek(r: &mut dyn Read, what: &str) -> Result<Vec<u8>> {
    let mut head = Vec::with_capacity(PEEK);
    r.take(PEEK as u64)
        .read_to_end(&mut head)
        .map_err(|e| classify(e, what))?;
    Ok(head)
}

/// Decodes a source stream; `what` names it in messages (a path or URL).
pub fn decode(source: Box<dyn Read>, max: u64, what: &str) -> Result<Decoded> {
    let mut layers: Vec<&'static str> = Vec::new();
    let mut r: Box<dyn Read> = Box::new(Tagged {
        inner: source,
        layer: "source",
    });
    loop {
        let head = peek(&mut r, what)?;
        let rest = io::Cursor::new(head.clone()).chain(r);
        if let Some(fs) = sniff(&head) {
            let image = read_image(rest, max, what)?;
            layers.push(fs.as_str());
            return Ok(Decoded {
                image,
                fs,
                format: layers.join("+"),
            });
        }
        if head.starts_with(&[0x1f, 0x8b]) && !layers.contains(&"gzip") {
            layers.push("gzip");
            r = Box::new(Tagged {
                inner: flate2::read::MultiGzDecoder::new(rest),
                layer: "gzip",
            });
            continue;
        }
        let text = !head.is_empty()
            && head
                .iter()
                .all(|&c| c.is_ascii_graphic() || c.is_ascii_whitespace());
        if layers.is_empty() && text {
            if head.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{') {
                return Err(IronError::new(
                    Kind::UnsupportedFormat,
                    "the source is JSON, not a config drive image; pass Ironic's dict with --from-json",
                ));
            }
            layers.push("base64");
            let url_safe = head.iter().any(|&c| c == b'-' || c == b'_');
            r = Box::new(Tagged {
                inner: base64_reader(NoWhitespace { inner: rest }, url_safe),
                layer: "base64",
            });
            continue;
        }
        return Err(not_an_image(&layers));
    }
}

/// The whole image, refused past `max` bytes.
fn read_image(rest: impl Read, max: u64, what: &str) -> Result<Vec<u8>> {
    let mut image = Vec::new();
    rest.take(max + 1)
        .read_to_end(&mut image)
        .map_err(|e| classify(e, what))?;
    if image.len() as u64 > max {
        return Err(fetch::too_large(max));
    }
    Ok(image)
}

fn not_an_image(layers: &[&str]) -> IronError {
    let what = if layers.is_empty() {
        "the source".to_string()
    } else {
        format!("the {} payload", layers.join("+"))
    };
    IronError::new(
        Kind::UnsupportedFormat,
        format!("{what} is neither an ISO 9660 nor a FAT image (nor gzip or base64 of one)"),
    )
    .with(Key::SourceFormat, layers.join("+"))
}

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Padding optional: Ironic's payload has it, hand-made ones sometimes do not.
const ANY_PADDING: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
static STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, ANY_PADDING);
static URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, ANY_PADDING);

fn base64_reader<R: Read + 'static>(inner: R, url_safe: bool) -> Box<dyn Read> {
    let engine = if url_safe { &URL_SAFE } else { &STANDARD };
    Box::new(base64::read::DecoderReader::new(inner, engine))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(data: &[u8]) -> Result<Decoded> {
        decode(Box::new(io::Cursor::new(data.to_vec())), 1 << 20, "test")
    }

    #[test]
    fn rejects_junk_and_bad_base64() {
        let e = dec(b"not base64 !!! ***").err().unwrap();
        assert_eq!(e.kind, Kind::InvalidInput, "{e}");
        let e = dec(&[0u8, 1, 2, 3, 200]).err().unwrap();
        assert_eq!(e.kind, Kind::UnsupportedFormat);
        let e = dec(b"aGVsbG8=").err().unwrap();
        assert_eq!(e.kind, Kind::UnsupportedFormat);
        assert!(e.message.contains("base64"), "{}", e.message);
    }

    #[test]
    fn peels_base64_and_gzip() {
        use base64::Engine;
        use std::io::Write;
        let mut iso = vec![0u8; 0x9000];
        iso[0x8001..0x8006].copy_from_slice(b"CD001");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&iso).unwrap();
        let gz = gz.finish().unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&gz);
        let wrapped: String = b64
            .as_bytes()
            .chunks(76)
            .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
            .collect();
        let d = dec(wrapped.as_bytes()).unwrap();
        assert_eq!(d.format, "base64+gzip+iso9660");
        assert_eq!(d.image, iso);
        let e = dec(&gz[..gz.len() / 2]).err().unwrap();
        assert!(e.message.contains("gzip"), "{e}");
    }
}
