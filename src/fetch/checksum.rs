//! `--checksum SPEC`: `ALGO:HEX`, a bare hex digest whose length picks the algorithm (as IPA
//! does), or an http(s) URL to a checksum file parsed with IPA's rules. The digest always covers
//! the bytes as served (what Glance and Ironic record).

use crate::report::{IronError, Key, Kind, Result};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Algo {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Algo {
    pub fn name(self) -> &'static str {
        match self {
            Algo::Md5 => "md5",
            Algo::Sha1 => "sha1",
            Algo::Sha256 => "sha256",
            Algo::Sha384 => "sha384",
            Algo::Sha512 => "sha512",
        }
    }

    pub fn from_name(name: &str) -> Option<Algo> {
        Some(match name.to_ascii_lowercase().replace('-', "").as_str() {
            "md5" => Algo::Md5,
            "sha1" => Algo::Sha1,
            "sha256" => Algo::Sha256,
            "sha384" => Algo::Sha384,
            "sha512" => Algo::Sha512,
            _ => return None,
        })
    }

    fn hex_len(self) -> usize {
        match self {
            Algo::Md5 => 32,
            Algo::Sha1 => 40,
            Algo::Sha256 => 64,
            Algo::Sha384 => 96,
            Algo::Sha512 => 128,
        }
    }

    /// IPA's rule for a bare digest: the length picks the algorithm.
    pub fn by_length(hex: &str) -> Option<Algo> {
        match hex.len() {
            128 => Some(Algo::Sha512),
            64 => Some(Algo::Sha256),
            32 => Some(Algo::Md5),
            _ => None,
        }
    }
}

/// What `--checksum` said, before any checksum file was fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    Digest(Expected),
    Url(String),
}

/// An expected digest: algorithm and lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub algo: Algo,
    pub hex: String,
}

impl Expected {
    /// The cache key: content addressed by the verified digest.
    pub fn key(&self) -> String {
        format!("{}-{}", self.algo.name(), self.hex)
    }
}

fn bad(spec: &str, why: &str) -> IronError {
    IronError::new(
        Kind::InvalidChecksum,
        format!("invalid checksum '{spec}': {why}"),
    )
    .with(Key::Checksum, spec)
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parses `ALGO:HEX`, a bare hex digest or an http(s) URL.
pub fn parse_spec(spec: &str) -> Result<Spec> {
    let s = spec.trim();
    if s.starts_with("http://") || s.starts_with("https://") {
        return Ok(Spec::Url(s.to_string()));
    }
    parse_digest(s, None).map(Spec::Digest)
}

/// A digest with an optional algorithm (`sha256:abc...` or `abc...`), checked for length.
fn parse_digest(s: &str, algo_hint: Option<Algo>) -> Result<Expected> {
    let (algo, hex) = match s.split_once(':') {
        Some((a, h)) => (
            Some(Algo::from_name(a).ok_or_else(|| {
                bad(
                    s,
                    &format!("unknown algorithm '{a}' (md5, sha1, sha256, sha384, sha512)"),
                )
            })?),
            h.trim(),
        ),
        None => (algo_hint, s),
    };
    if !is_hex(hex) {
        return Err(bad(s, "not a hex digest"));
    }
    let algo = match algo {
        Some(a) => a,
        None => Algo::by_length(hex).ok_or_else(|| {
            bad(
                s,
                "a bare digest must have 32 (md5), 64 (sha256) or 128 (sha512) hex digits",
            )
        })?,
    };
    if hex.len() != algo.hex_len() {
        return Err(bad(
            s,
            &format!(
                "a {} digest has {} hex digits, not {}",
                algo.name(),
                algo.hex_len(),
                hex.len()
            ),
        ));
    }
    Ok(Expected {
        algo,
        hex: hex.to_ascii_lowercase(),
    })
}

/// Finds the digest for `image_name` in a checksum file, with IPA's rules: a file holding only
/// a digest; `HASH  name` / `HASH *name` lines; BSD `SHA256 (name) = HASH`; `#` comments.
pub fn parse_checksum_file(text: &str, image_name: &str, url: &str) -> Result<Expected> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let not_found = || {
        IronError::new(
            Kind::InvalidChecksum,
            format!("checksum file {url} has no entry for '{image_name}'"),
        )
        .with(Key::Url, url)
    };
    if lines.len() == 1 && !lines[0].contains(char::is_whitespace) {
        return parse_digest(lines[0], None);
    }
    for line in &lines {
        // BSD style: ALGO (name) = HASH
        if let Some((left, hash)) = line.rsplit_once(") = ")
            && let Some((algo, name)) = left.split_once(" (")
        {
            if name == image_name {
                let algo = Algo::from_name(algo.trim())
                    .ok_or_else(|| bad(line, &format!("unknown algorithm '{algo}'")))?;
                return parse_digest(hash.trim(), Some(algo));
            }
            continue;
        }
        let mut parts = line.splitn(2, char::is_whitespace);
        let (Some(hash), Some(name)) = (parts.next(), parts.next()) else {
            continue;
        };
        let name = name.trim().trim_start_matches('*');
        let base = name.rsplit('/').next().unwrap_or(name);
        if name == image_name || base == image_name {
            return parse_digest(hash, None);
        }
    }
    Err(not_found())
}

/// One running digest of the bytes as served.
pub enum Hasher {
    Md5(Md5),
    Sha1(Sha1),
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl Hasher {
    pub fn new(algo: Algo) -> Hasher {
        match algo {
            Algo::Md5 => Hasher::Md5(Md5::new()),
            Algo::Sha1 => Hasher::Sha1(Sha1::new()),
            Algo::Sha256 => Hasher::Sha256(Sha256::new()),
            Algo::Sha384 => Hasher::Sha384(Sha384::new()),
            Algo::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    pub fn finish_hex(self) -> String {
        match self {
            Hasher::Md5(h) => hex(&h.finalize()),
            Hasher::Sha1(h) => hex(&h.finalize()),
            Hasher::Sha256(h) => hex(&h.finalize()),
            Hasher::Sha384(h) => hex(&h.finalize()),
            Hasher::Sha512(h) => hex(&h.finalize()),
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA256_EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn specs() {
        let e = parse_spec(&format!("SHA256:{}", SHA256_EMPTY.to_uppercase())).unwrap();
        assert_eq!(
            e,
            Spec::Digest(Expected {
                algo: Algo::Sha256,
                hex: SHA256_EMPTY.into()
            })
        );
        match parse_spec("d41d8cd98f00b204e9800998ecf8427e").unwrap() {
            Spec::Digest(e) => assert_eq!(e.algo, Algo::Md5),
            _ => panic!(),
        }
        assert!(parse_spec("abc").is_err());
        assert!(parse_spec("sha1:abcd").is_err());
        assert!(parse_spec("crc32:abcd").is_err());
        assert!(parse_spec(&"0".repeat(40)).is_err()); // bare 40 digits: not an IPA length
        assert_eq!(
            parse_spec("https://x/SHA256SUMS").unwrap(),
            Spec::Url("https://x/SHA256SUMS".into())
        );
    }

    #[test]
    fn checksum_files() {
        let f = format!(
            "# sums\n{SHA256_EMPTY}  other.img\n{}  *disk.img\n",
            "a".repeat(64)
        );
        assert_eq!(
            parse_checksum_file(&f, "disk.img", "u").unwrap().hex,
            "a".repeat(64)
        );
        assert!(parse_checksum_file(&f, "nope.img", "u").is_err());
        let bsd = format!("SHA512 (disk.img) = {}\n", "b".repeat(128));
        let e = parse_checksum_file(&bsd, "disk.img", "u").unwrap();
        assert_eq!(e.algo, Algo::Sha512);
        let bare = format!("\n{SHA256_EMPTY}\n");
        assert_eq!(
            parse_checksum_file(&bare, "x", "u").unwrap().hex,
            SHA256_EMPTY
        );
    }

    #[test]
    fn hashing() {
        let h = Hasher::new(Algo::Sha256);
        assert_eq!(h.finish_hex(), SHA256_EMPTY);
        let mut h = Hasher::new(Algo::Md5);
        h.update(b"");
        assert_eq!(h.finish_hex(), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
