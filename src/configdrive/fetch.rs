//! Reading the config drive source: a URL, a file or stdin, bounded in size.
//! TODO(merge): share image-write's HTTP client (retries, Range resume, --ca-cert) once it lands;
//! this is a plain GET with a few retries, enough for a payload of at most tens of MiB.

use crate::progress;
use crate::report::{IronError, Kind, Result};
use std::io::Read;
use std::time::Duration;

/// Opens the source as a stream; the decoder bounds how much of it is read.
pub fn open_source(source: &str) -> Result<Box<dyn Read>> {
    if source.starts_with("http://") || source.starts_with("https://") {
        return fetch_url(source);
    }
    if source == "-" {
        return Ok(Box::new(std::io::stdin()));
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
    Ok(Box::new(std::io::BufReader::with_capacity(1 << 20, f)))
}

pub fn too_large(limit: u64) -> IronError {
    IronError::new(
        Kind::ConfigdriveTooLarge,
        format!("the config drive is larger than {limit} bytes (raise the limit with --max-size)"),
    )
    .with("limit", limit)
}

/// GET with a few retries for connection failures and 5xx/408/429 answers; once the body
/// starts, it streams (a failure mid-body is an error).
fn fetch_url(url: &str) -> Result<Box<dyn Read>> {
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
            Ok(resp) => {
                // ureq caps bodies at 10 MiB by default; the decoder enforces --max-size.
                let reader = resp.into_body().into_with_config().limit(u64::MAX).reader();
                return Ok(Box::new(reader));
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
