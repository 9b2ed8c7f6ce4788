//! Fetching a firmware image into memory (capped at 256 MiB: firmware is small) from a local
//! file or an http(s) URL through the shared client, and verifying its checksum before anything
//! is applied. Checksum specs are parsed by the shared `crate::fetch::checksum`.

use crate::fetch::checksum::{self, Algo, Hasher, Spec};
use crate::fetch::http::Http;
use crate::report::{Context, IronError, Key, Kind, Result};
use std::io::Read;

pub const MAX_IMAGE: u64 = 256 * 1024 * 1024;

/// The digest an image must have; serialized as the update report's `image.checksum`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Checksum {
    #[serde(rename = "algorithm")]
    pub algo: Algo,
    /// Lower-case hex.
    #[serde(rename = "value")]
    pub hex: String,
}

/// `ALGO:HEX` (md5, sha1, sha256, sha384, sha512) or a bare hex digest whose length names the
/// algorithm (IPA's rule). A checksum-file URL is not taken for firmware: name the digest.
pub fn parse_checksum(spec: &str) -> Result<Checksum> {
    match checksum::parse_spec(spec)? {
        Spec::Digest(e) => Ok(Checksum {
            algo: e.algo,
            hex: e.hex,
        }),
        Spec::Url(url) => Err(IronError::new(
            Kind::InvalidChecksum,
            format!(
                "invalid checksum '{url}': firmware updates take ALGO:HEX, not a checksum-file url"
            ),
        )
        .with(Key::Checksum, spec)),
    }
}

pub fn digest_hex(algo: Algo, data: &[u8]) -> String {
    let mut h = Hasher::new(algo);
    h.update(data);
    h.finish_hex()
}

/// Fails with `checksum_mismatch` (exit 3) unless `data` matches.
pub fn verify(data: &[u8], sum: &Checksum, source: &str) -> Result<()> {
    let actual = digest_hex(sum.algo, data);
    if actual != sum.hex {
        return Err(IronError::new(
            Kind::ChecksumMismatch,
            format!("{} of {source} does not match", sum.algo.name()),
        )
        .with(Key::Expected, &sum.hex)
        .with(Key::Actual, actual)
        .with(Key::Source, source));
    }
    Ok(())
}

fn too_large(source: &str) -> IronError {
    IronError::new(
        Kind::ImageTooLarge,
        format!("firmware image {source} is larger than {MAX_IMAGE} bytes"),
    )
    .with(Key::Source, source)
    .with(Key::Limit, MAX_IMAGE)
}

/// Reads at most MAX_IMAGE + 1 bytes, so that an oversized image is caught without holding it.
fn read_capped(r: impl Read, source: &str) -> Result<Vec<u8>> {
    let mut data = Vec::new();
    r.take(MAX_IMAGE + 1).read_to_end(&mut data).map_err(|e| {
        match e.into_inner().map(|i| i.downcast::<IronError>()) {
            Some(Ok(err)) => *err,
            Some(Err(other)) => {
                IronError::new(Kind::Network, format!("cannot read image {source}"))
                    .caused_by(other)
            }
            None => IronError::new(Kind::Io, format!("cannot read image {source}")),
        }
    })?;
    if data.len() as u64 > MAX_IMAGE {
        return Err(too_large(source));
    }
    Ok(data)
}

/// Reads the whole image: a path, `file://` or `http(s)://` URL (through `http`, the client
/// built from the command's HTTP flags).
pub fn fetch(source: &str, http: &Http) -> Result<Vec<u8>> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let reader = http.open(source)?;
        if reader.length.is_some_and(|l| l > MAX_IMAGE) {
            return Err(too_large(source));
        }
        return read_capped(reader, source);
    }
    let path = source.strip_prefix("file://").unwrap_or(source);
    let f =
        std::fs::File::open(path).ctx(Kind::NotFound, || format!("cannot open image {path}"))?;
    read_capped(f, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_specs() {
        let h = "a".repeat(64);
        assert_eq!(
            parse_checksum(&format!("sha256:{h}")).unwrap().algo,
            Algo::Sha256
        );
        assert_eq!(parse_checksum(&h).unwrap().algo, Algo::Sha256);
        assert_eq!(parse_checksum(&"b".repeat(32)).unwrap().algo, Algo::Md5);
        assert_eq!(
            parse_checksum(&format!("sha384:{}", "c".repeat(96)))
                .unwrap()
                .algo,
            Algo::Sha384
        );
        assert_eq!(
            parse_checksum(&format!("SHA512:{}", "D".repeat(128)))
                .unwrap()
                .hex,
            "d".repeat(128)
        );
        for bad in ["", "sha256:xyz", "sha256:abcd", "crc32:deadbeef", "abc"] {
            let e = parse_checksum(bad).unwrap_err();
            assert_eq!(e.kind, Kind::InvalidChecksum, "{bad}");
        }
    }

    #[test]
    fn digests_match_known_values() {
        assert_eq!(
            digest_hex(Algo::Md5, b"abc"),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            digest_hex(Algo::Sha1, b"abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            digest_hex(Algo::Sha256, b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
