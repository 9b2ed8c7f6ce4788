//! A minimal fetch + checksum for firmware images: a local file or an http(s) URL into memory,
//! capped at 256 MiB, with the checksum always verified before anything is applied.
//! image-write has the full streaming client (resume, decoders); firmware images are small, so
//! this stays deliberately small. It should move to a shared place (src/disk or a src/net)
//! once both exist, so there is one client.

use crate::report::{Context, IronError, Kind, Result};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::io::Read;
use std::time::Duration;

pub const MAX_IMAGE: u64 = 256 * 1024 * 1024;
const ATTEMPTS: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    pub algo: &'static str,
    pub hex: String,
}

/// `ALGO:HEX` (md5, sha1, sha256, sha384, sha512) or bare hex whose length names the algorithm.
pub fn parse_checksum(spec: &str) -> Result<Checksum> {
    let bad = |why: &str| {
        IronError::new(
            Kind::InvalidChecksum,
            format!("invalid checksum '{spec}': {why}"),
        )
        .with("checksum", spec)
    };
    let (algo, hex) = match spec.split_once(':') {
        Some((a, h)) => (a.trim().to_ascii_lowercase(), h.trim()),
        None => (String::new(), spec.trim()),
    };
    if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad("not hexadecimal"));
    }
    let by_len = match hex.len() {
        32 => "md5",
        40 => "sha1",
        64 => "sha256",
        96 => "sha384",
        128 => "sha512",
        _ => "",
    };
    let algo: &'static str = match algo.as_str() {
        "" if by_len.is_empty() => return Err(bad("length matches no algorithm")),
        "" => by_len,
        "md5" => "md5",
        "sha1" => "sha1",
        "sha256" => "sha256",
        "sha384" => "sha384",
        "sha512" => "sha512",
        _ => return Err(bad("unknown algorithm (md5, sha1, sha256, sha384, sha512)")),
    };
    if algo != by_len {
        return Err(bad(&format!("{} hex digits do not fit {algo}", hex.len())));
    }
    Ok(Checksum {
        algo,
        hex: hex.to_ascii_lowercase(),
    })
}

pub fn digest_hex(algo: &str, data: &[u8]) -> String {
    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
    match algo {
        "md5" => hex(&Md5::digest(data)),
        "sha1" => hex(&Sha1::digest(data)),
        "sha384" => hex(&Sha384::digest(data)),
        "sha512" => hex(&Sha512::digest(data)),
        _ => hex(&Sha256::digest(data)),
    }
}

/// Fails with `checksum_mismatch` (exit 3) unless `data` matches.
pub fn verify(data: &[u8], sum: &Checksum, source: &str) -> Result<()> {
    let actual = digest_hex(sum.algo, data);
    if actual != sum.hex {
        return Err(IronError::new(
            Kind::ChecksumMismatch,
            format!("{} of {source} does not match", sum.algo),
        )
        .with("expected", &sum.hex)
        .with("actual", actual)
        .with("image", source));
    }
    Ok(())
}

fn too_large(source: &str) -> IronError {
    IronError::new(
        Kind::ImageTooLarge,
        format!("firmware image {source} is larger than {MAX_IMAGE} bytes"),
    )
    .with("image", source)
    .with("limit", MAX_IMAGE)
}

/// Reads the whole image: a path, `file://` or `http(s)://` URL.
pub fn fetch(source: &str) -> Result<Vec<u8>> {
    if source.starts_with("http://") || source.starts_with("https://") {
        return fetch_http(source);
    }
    let path = source.strip_prefix("file://").unwrap_or(source);
    let f =
        std::fs::File::open(path).ctx(Kind::NotFound, || format!("cannot open image {path}"))?;
    let mut data = Vec::new();
    f.take(MAX_IMAGE + 1)
        .read_to_end(&mut data)
        .ctx(Kind::Io, || format!("cannot read image {path}"))?;
    if data.len() as u64 > MAX_IMAGE {
        return Err(too_large(source));
    }
    Ok(data)
}

fn fetch_http(url: &str) -> Result<Vec<u8>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_recv_body(Some(Duration::from_secs(300)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut last: Option<IronError> = None;
    for attempt in 1..=ATTEMPTS {
        crate::interrupt::check()?;
        match agent.get(url).call() {
            Ok(mut resp) => {
                if let Some(len) = resp.body().content_length()
                    && len > MAX_IMAGE
                {
                    return Err(too_large(url));
                }
                match resp.body_mut().with_config().limit(MAX_IMAGE).read_to_vec() {
                    Ok(data) => return Ok(data),
                    Err(ureq::Error::BodyExceedsLimit(_)) => return Err(too_large(url)),
                    Err(e) => {
                        last = Some(
                            IronError::new(Kind::Network, format!("cannot read {url}"))
                                .caused_by(e)
                                .with("url", url),
                        )
                    }
                }
            }
            Err(ureq::Error::StatusCode(code)) => {
                let e = IronError::new(Kind::HttpStatus, format!("{url} answered http {code}"))
                    .with("url", url)
                    .with("status", code);
                if code < 500 && code != 429 {
                    return Err(e);
                }
                last = Some(e);
            }
            Err(e) => {
                last = Some(
                    IronError::new(Kind::Network, format!("cannot fetch {url}"))
                        .caused_by(e)
                        .with("url", url),
                )
            }
        }
        if attempt < ATTEMPTS {
            crate::progress::warn(&format!("fetching {url} failed, retry {attempt}"));
            std::thread::sleep(Duration::from_millis(500 * u64::from(attempt)));
        }
    }
    Err(last.unwrap_or_else(|| IronError::new(Kind::Network, format!("cannot fetch {url}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_specs() {
        let h = "a".repeat(64);
        assert_eq!(
            parse_checksum(&format!("sha256:{h}")).unwrap().algo,
            "sha256"
        );
        assert_eq!(parse_checksum(&h).unwrap().algo, "sha256");
        assert_eq!(parse_checksum(&"b".repeat(32)).unwrap().algo, "md5");
        assert_eq!(parse_checksum(&"c".repeat(96)).unwrap().algo, "sha384");
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
            digest_hex("md5", b"abc"),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            digest_hex("sha1", b"abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            digest_hex("sha256", b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
