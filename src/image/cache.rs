//! The content-addressed image cache: `DIR/<algo>-<hex>` holds the bytes as served, named by
//! their verified checksum, with `DIR/<algo>-<hex>.json` recording where they came from. A new
//! entry is written under a temporary name and renamed only after verification, so a reader
//! never sees a partial or unverified image. Last use is the file's mtime (touched on a hit).

use crate::report::{IronError, Key, Kind, Result};
use serde::Serialize;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

pub struct Cache {
    pub dir: PathBuf,
}

/// A new entry being written, under a temporary name that no reader looks at. Dropped before
/// `Cache::commit` (a failed or unverified pass), it is removed.
pub struct Partial {
    path: PathBuf,
    file: File,
    published: bool,
}

impl Partial {
    /// A second handle for the writer (the tee); this one is kept to flush and publish.
    pub fn writer(&self) -> Result<File> {
        self.file
            .try_clone()
            .map_err(|e| cache_err(format!("cannot reopen {}", self.path.display()), e))
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Entry {
    pub key: String,
    pub algorithm: String,
    pub checksum: String,
    pub path: String,
    pub size: u64,
    pub source: Option<String>,
    pub stored_at: Option<String>,
    pub last_used: String,
}

/// `DIR/<key>.json`: where an entry came from and when it was stored.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
struct Sidecar {
    source: Option<String>,
    stored_at: Option<String>,
}

fn cache_err(msg: String, e: impl std::fmt::Display) -> IronError {
    IronError::new(Kind::Io, msg).caused_by(e)
}

/// ISO 8601 UTC, to the second, for the cache's sidecars and listing.
fn iso8601(t: SystemTime) -> String {
    crate::clock::utc(t, crate::clock::Precision::Seconds)
}

/// A key is `<algo>-<hex>`; anything else (a path, `..`) is refused.
pub fn valid_key(key: &str) -> bool {
    match key.split_once('-') {
        Some((a, h)) => {
            crate::fetch::checksum::Algo::from_name(a).is_some()
                && !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        }
        None => false,
    }
}

impl Cache {
    pub fn open(dir: &Path) -> Result<Cache> {
        std::fs::create_dir_all(dir)
            .map_err(|e| cache_err(format!("cannot create cache dir {}", dir.display()), e))?;
        Ok(Cache {
            dir: dir.to_path_buf(),
        })
    }

    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(key)
    }

    /// The cached file for `key`, marked as just used.
    pub fn lookup(&self, key: &str) -> Option<PathBuf> {
        let p = self.path(key);
        let f = File::options().append(true).open(&p).ok()?;
        let _ = f.set_modified(SystemTime::now());
        Some(p)
    }

    /// A temporary file for a new entry: removed again unless committed.
    pub fn temp(&self, key: &str) -> Result<Partial> {
        let path = self
            .dir
            .join(format!(".partial-{key}-{}", std::process::id()));
        let file = File::create(&path)
            .map_err(|e| cache_err(format!("cannot create {}", path.display()), e))?;
        Ok(Partial {
            path,
            file,
            published: false,
        })
    }

    /// Publishes a verified temporary file under its key.
    pub fn commit(&self, mut partial: Partial, key: &str, source: &str) -> Result<PathBuf> {
        partial
            .file
            .sync_all()
            .map_err(|e| cache_err(format!("cannot flush {}", partial.path.display()), e))?;
        let dest = self.path(key);
        let meta = Sidecar {
            source: Some(source.to_string()),
            stored_at: Some(iso8601(SystemTime::now())),
        };
        if let Ok(text) = serde_json::to_string(&meta) {
            let _ = std::fs::write(self.dir.join(format!("{key}.json")), text);
        }
        std::fs::rename(&partial.path, &dest).map_err(|e| {
            cache_err(
                format!("cannot rename {} into the cache", partial.path.display()),
                e,
            )
        })?;
        partial.published = true;
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(dest)
    }

    pub fn list(&self) -> Vec<Entry> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out: Vec<Entry> = rd
            .flatten()
            .filter_map(|e| {
                let key = e.file_name().to_string_lossy().into_owned();
                if !valid_key(&key) {
                    return None;
                }
                let md = e.metadata().ok().filter(|m| m.is_file())?;
                let meta: Sidecar = std::fs::read_to_string(self.dir.join(format!("{key}.json")))
                    .ok()
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or_default();
                let (algo, hex) = key.split_once('-')?;
                Some(Entry {
                    algorithm: algo.to_string(),
                    checksum: hex.to_string(),
                    path: e.path().display().to_string(),
                    size: md.len(),
                    source: meta.source,
                    stored_at: meta.stored_at,
                    last_used: iso8601(md.modified().unwrap_or(UNIX_EPOCH)),
                    key,
                })
            })
            .collect();
        out.sort_by(|a, b| a.last_used.cmp(&b.last_used).then(a.key.cmp(&b.key)));
        out
    }

    /// Removes one entry; Ok(false) when it was not there.
    pub fn evict(&self, key: &str) -> Result<bool> {
        if !valid_key(key) {
            return Err(IronError::invalid(format!(
                "invalid cache key '{key}' (expected ALGO-HEX, e.g. sha256-...)"
            ))
            .with(Key::CacheKey, key));
        }
        let _ = std::fs::remove_file(self.dir.join(format!("{key}.json")));
        match std::fs::remove_file(self.path(key)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(cache_err(format!("cannot remove {key}"), e)),
        }
    }

    /// Evicts least recently used entries until the total is at most `max` bytes.
    pub fn gc(&self, max: u64) -> Result<(Vec<Entry>, u64)> {
        let entries = self.list();
        let mut total: u64 = entries.iter().map(|e| e.size).sum();
        let mut evicted = Vec::new();
        for e in entries {
            if total <= max {
                break;
            }
            self.evict(&e.key)?;
            total -= e.size;
            evicted.push(e);
        }
        Ok((evicted, total))
    }
}

/// Sizes for `gc --max`: bytes, or with K/M/G/T (binary) suffixes, `KiB`/`GiB` spellings too.
pub fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| IronError::usage(format!("invalid size '{s}' (e.g. 20G, 500M, 1048576)")))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" | "kb" => 1 << 10,
        "m" | "mib" | "mb" => 1 << 20,
        "g" | "gib" | "gb" => 1 << 30,
        "t" | "tib" | "tb" => 1 << 40,
        _ => return Err(IronError::usage(format!("invalid size unit in '{s}'"))),
    };
    n.checked_mul(mult)
        .ok_or_else(|| IronError::usage(format!("size '{s}' is too large")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_keys() {
        assert_eq!(parse_size("20G").unwrap(), 20 << 30);
        assert_eq!(parse_size("512").unwrap(), 512);
        assert_eq!(parse_size("3MiB").unwrap(), 3 << 20);
        assert!(parse_size("x").is_err());
        assert!(valid_key("sha256-abcdef"));
        assert!(!valid_key("../etc"));
        assert!(!valid_key("sha256-"));
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
}
