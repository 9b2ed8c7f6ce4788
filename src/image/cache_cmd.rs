//! `ironbox image-cache fetch|list|evict|gc`.

use crate::fetch::checksum::Hasher;
use crate::fetch::http::Counters;
use crate::fetch::{HttpArgs, http_client};
use crate::image::cache::{Cache, parse_size};
use crate::image::source::{self, Source};
use crate::image::write;
use crate::progress::Progress;
use crate::report::{IronError, Kind, Result};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

#[derive(clap::Subcommand, Debug, Clone)]
pub enum Action {
    /// Download SOURCE, verify it against --checksum and store it under its checksum
    Fetch {
        /// http(s) URL, local path or `-`
        #[arg(value_name = "SOURCE")]
        source: String,
        /// Expected checksum (required: entries are addressed by it)
        #[arg(long, value_name = "SPEC")]
        checksum: String,
        #[arg(long, value_name = "DIR", env = "IRONBOX_CACHE_DIR")]
        cache_dir: PathBuf,
        #[command(flatten)]
        http: HttpArgs,
    },
    /// List cached images, least recently used first
    List {
        #[arg(long, value_name = "DIR", env = "IRONBOX_CACHE_DIR")]
        cache_dir: PathBuf,
    },
    /// Remove one cached image by key (ALGO-HEX)
    Evict {
        #[arg(value_name = "KEY")]
        key: String,
        #[arg(long, value_name = "DIR", env = "IRONBOX_CACHE_DIR")]
        cache_dir: PathBuf,
    },
    /// Evict least recently used images until the cache holds at most --max bytes
    Gc {
        /// Size limit: bytes or K/M/G/T (binary)
        #[arg(long, value_name = "SIZE")]
        max: String,
        #[arg(long, value_name = "DIR", env = "IRONBOX_CACHE_DIR")]
        cache_dir: PathBuf,
    },
}

pub fn run(args: &super::CacheArgs) -> Result<Value> {
    match &args.action {
        Action::Fetch {
            source,
            checksum,
            cache_dir,
            http,
        } => fetch(source, checksum, cache_dir, http),
        Action::List { cache_dir } => {
            let cache = Cache::open(cache_dir)?;
            let entries = cache.list();
            let total: u64 = entries.iter().map(|e| e.size).sum();
            Ok(json!({"cache_dir": cache_dir, "entries": entries, "total_bytes": total}))
        }
        Action::Evict { key, cache_dir } => {
            let cache = Cache::open(cache_dir)?;
            let removed = cache.evict(key)?;
            if !removed {
                return Err(IronError::new(
                    Kind::NotFound,
                    format!("no cache entry {key} in {}", cache_dir.display()),
                )
                .with("key", key));
            }
            Ok(json!({"cache_dir": cache_dir, "evicted": [key]}))
        }
        Action::Gc { max, cache_dir } => {
            let max = parse_size(max)?;
            let cache = Cache::open(cache_dir)?;
            let (evicted, total) = cache.gc(max)?;
            Ok(
                json!({"cache_dir": cache_dir, "max_bytes": max, "evicted": evicted, "total_bytes": total}),
            )
        }
    }
}

fn fetch(src: &str, spec: &str, dir: &std::path::Path, http_args: &HttpArgs) -> Result<Value> {
    let started = std::time::Instant::now();
    let counters = Arc::new(Counters::default());
    let http = http_client(http_args, counters.clone())?;
    let source = Source::parse(src);
    let expected = write::resolve_checksum(spec, &source, &http)?;
    let key = expected.key();
    let cache = Cache::open(dir)?;
    if let Some(p) = cache.lookup(&key) {
        return Ok(json!({
            "key": key, "path": p, "cache": "hit",
            "size": std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0),
        }));
    }
    let mut restarts = 0;
    loop {
        let opened = source::open(&source, &http)?;
        let (tmp, mut file) = cache.temp(&key)?;
        let progress = Progress::new("download", opened.length);
        let mut reader = opened.reader;
        let mut hasher = Hasher::new(expected.algo);
        let mut buf = vec![0u8; 1 << 20];
        let mut bytes = 0u64;
        let res: std::io::Result<()> = (|| {
            loop {
                let n = reader.read(&mut buf)?;
                if n == 0 {
                    return Ok(());
                }
                hasher.update(&buf[..n]);
                file.write_all(&buf[..n])?;
                bytes += n as u64;
                progress.inc(n as u64);
                crate::interrupt::check().map_err(std::io::Error::other)?;
            }
        })();
        if let Err(e) = res {
            let _ = std::fs::remove_file(&tmp);
            if crate::fetch::http::is_restart(&e)
                && source.replayable()
                && restarts < http_args.retries
            {
                restarts += 1;
                counters.retries.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<IronError>()) {
                return Err(inner.clone());
            }
            return Err(
                IronError::new(Kind::Network, format!("reading {src} failed")).caused_by(e),
            );
        }
        let actual = hasher.finish_hex();
        if actual != expected.hex {
            let _ = std::fs::remove_file(&tmp);
            return Err(IronError::new(
                Kind::ChecksumMismatch,
                format!("{src} does not match its {} checksum", expected.algo.name()),
            )
            .with("expected", &expected.hex)
            .with("actual", &actual));
        }
        let path = cache.commit(&tmp, file, &key, &source.display())?;
        let secs = started.elapsed().as_secs_f64();
        return Ok(json!({
            "key": key,
            "path": path,
            "cache": "stored",
            "size": bytes,
            "checksum": {"algorithm": expected.algo.name(), "expected": expected.hex, "actual": actual, "verified": true},
            "resumes": counters.resumes.load(Ordering::Relaxed),
            "retries": counters.retries.load(Ordering::Relaxed),
            "duration_s": secs,
        }));
    }
}
