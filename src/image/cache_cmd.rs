//! `ironbox image-cache fetch|list|evict|gc`. `fetch` runs the same fetch and hash stages as
//! image-write (`pipeline::store`), with the same restart rule.

use crate::fetch::http::{Counters, Http};
use crate::fetch::{HttpArgs, http_client};
use crate::image::cache::{Cache, parse_size};
use crate::image::pipeline::{self, Failure};
use crate::image::report::{
    CacheEvictReport, CacheFetchReport, CacheGcReport, CacheListReport, CacheState, ChecksumReport,
    ImageCacheReport,
};
use crate::image::source::{self, Source};
use crate::image::write;
use crate::report::{IronError, Key, Kind, Result};
use std::path::{Path, PathBuf};
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

pub fn run(args: &super::CacheArgs) -> Result<ImageCacheReport> {
    Ok(match &args.action {
        Action::Fetch {
            source,
            checksum,
            cache_dir,
            http,
        } => ImageCacheReport::Fetch(fetch(source, checksum, cache_dir, http)?),
        Action::List { cache_dir } => ImageCacheReport::List(list(cache_dir)?),
        Action::Evict { key, cache_dir } => ImageCacheReport::Evict(evict(key, cache_dir)?),
        Action::Gc { max, cache_dir } => ImageCacheReport::Gc(gc(max, cache_dir)?),
    })
}

fn list(dir: &Path) -> Result<CacheListReport> {
    let entries = Cache::open(dir)?.list();
    Ok(CacheListReport {
        cache_dir: dir.to_path_buf(),
        total_bytes: entries.iter().map(|e| e.size).sum(),
        entries,
    })
}

fn evict(key: &str, dir: &Path) -> Result<CacheEvictReport> {
    if !Cache::open(dir)?.evict(key)? {
        return Err(IronError::new(
            Kind::NotFound,
            format!("no cache entry {key} in {}", dir.display()),
        )
        .with(Key::CacheKey, key));
    }
    Ok(CacheEvictReport {
        cache_dir: dir.to_path_buf(),
        evicted: vec![key.to_string()],
    })
}

fn gc(max: &str, dir: &Path) -> Result<CacheGcReport> {
    let max = parse_size(max)?;
    let (evicted, total) = Cache::open(dir)?.gc(max)?;
    Ok(CacheGcReport {
        cache_dir: dir.to_path_buf(),
        max_bytes: max,
        evicted,
        total_bytes: total,
    })
}

fn fetch(src: &str, spec: &str, dir: &Path, http_args: &HttpArgs) -> Result<CacheFetchReport> {
    let started = std::time::Instant::now();
    let counters = Arc::new(Counters::default());
    let http = http_client(http_args, counters.clone())?;
    let source = Source::parse(src);
    let expected = write::resolve_checksum(spec, &source, &http)?;
    let key = expected.key();
    let cache = Cache::open(dir)?;
    if let Some(p) = cache.lookup(&key) {
        return Ok(CacheFetchReport {
            key,
            size: std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0),
            path: p,
            cache: CacheState::Hit,
            checksum: None,
            resumes: None,
            retries: None,
            duration_s: None,
        });
    }
    let (served, partial) = pipeline::restarting(
        &source,
        http_args.retries,
        || http.count_retry(),
        || store_once(&source, &http, &cache, &key, expected.algo),
    )
    .map_err(|f| f.error)?;
    let actual = served.digest.unwrap_or_default();
    if actual != expected.hex {
        return Err(IronError::new(
            Kind::ChecksumMismatch,
            format!("{src} does not match its {} checksum", expected.algo.name()),
        )
        .with(Key::Algorithm, expected.algo.name())
        .with(Key::Expected, &expected.hex)
        .with(Key::Actual, &actual));
    }
    let path = cache.commit(partial, &key, &source.display())?;
    Ok(CacheFetchReport {
        key,
        path,
        cache: CacheState::Stored,
        size: served.bytes,
        checksum: Some(ChecksumReport::verified(&expected, actual)),
        resumes: Some(counters.resumes.load(Ordering::Relaxed)),
        retries: Some(counters.retries.load(Ordering::Relaxed)),
        duration_s: Some(started.elapsed().as_secs_f64()),
    })
}

/// One download into a new partial entry (removed again when the pass fails).
fn store_once(
    source: &Source,
    http: &Http,
    cache: &Cache,
    key: &str,
    algo: crate::fetch::checksum::Algo,
) -> std::result::Result<(pipeline::Served, crate::image::cache::Partial), Failure> {
    let opened = source::open(source, http)?;
    let partial = cache.temp(key)?;
    let served = pipeline::store(
        opened.reader,
        opened.length,
        &source.display(),
        algo,
        partial.writer()?,
    )?;
    Ok((served, partial))
}
