//! Reading the config drive source: a URL, a file or stdin, bounded in size.
//! TODO(merge): share image-write's HTTP client (retries, Range resume, --ca-cert) once it lands;
//! this is a plain GET with a few retries, enough for a payload of at most tens of MiB.

use crate::progress;
use crate::report::{IronError, Kind, Result};
use std::io::Read;
use std::time::Duration;

/// Reads at most `limit` bytes; more is `configdrive_too_large`.
pub fn read_source(source: &str, limit: u64) -> Result<Vec<u8>> {
    if source.starts_with("http://") || source.starts_with("https://") {
        return fetch_url(source, limit);
    }
    if source == "-" {
        return read_bounded(std::io::stdin().lock(), limit, "stdin");
    }
    let f = std::fs::File::open(source).map_err(|e| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            Kind::NotFound
        } else {
            Kind::Io
        };
        IronError::new(kind, format!("cannot open {source}"))
            .with("source", source)
            .caused_by(e)
    })?;
    read_bounded(f, limit, source)
}

fn read_bounded(r: impl Read, limit: u64, what: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| IronError::io(format!("cannot read {what}"), e).with("source", what))?;
    if buf.len() as u64 > limit {
        return Err(too_large(limit).with("source", what));
    }
    Ok(buf)
}

pub fn too_large(limit: u64) -> IronError {
    IronError::new(
        Kind::ConfigdriveTooLarge,
        format!("the config drive is larger than {limit} bytes (raise the limit with --max-size)"),
    )
    .with("limit", limit)
}

fn fetch_url(url: &str, limit: u64) -> Result<Vec<u8>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(20)))
        .timeout_recv_body(Some(Duration::from_secs(120)))
        .build()
        .into();
    let mut last = None;
    for attempt in 0..4u32 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(250 << attempt));
        }
        crate::interrupt::check()?;
        match agent.get(url).call() {
            Ok(mut resp) => {
                let reader = resp.body_mut().with_config().limit(limit + 1).reader();
                return read_bounded(reader, limit, url).map_err(|e| e.with("url", url));
            }
            Err(ureq::Error::StatusCode(code)) => {
                let err = IronError::new(Kind::HttpStatus, format!("{url} answered HTTP {code}"))
                    .with("url", url)
                    .with("status", code);
                // 4xx other than 408/429 will not get better by asking again.
                if (400..500).contains(&code) && code != 408 && code != 429 {
                    return Err(err);
                }
                progress::warn(&format!("{url}: HTTP {code}, retrying"));
                last = Some(err);
            }
            Err(e) => {
                progress::warn(&format!("{url}: {e}, retrying"));
                last = Some(
                    IronError::new(Kind::Network, format!("cannot fetch {url}"))
                        .with("url", url)
                        .caused_by(e),
                );
            }
        }
    }
    Err(last.expect("at least one attempt"))
}
