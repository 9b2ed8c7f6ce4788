//! Reading the config drive source: a URL, a file or stdin, bounded in size.
//! URLs go through the shared client built from the command's HTTP flags (`crate::fetch`).

use crate::fetch::http::Http;
use crate::progress::{Counted, Phase, Progress};
use crate::report::{IronError, Key, Kind, Result};
use std::io::Read;

/// Opens the source as a stream; the decoder bounds how much of it is read.
pub fn open_source(source: &str, http: &Http) -> Result<Box<dyn Read>> {
    if source.starts_with("http://") || source.starts_with("https://") {
        return fetch_url(source, http);
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
            .with(Key::Source, source)
            .caused_by(e)
    })?;
    Ok(Box::new(std::io::BufReader::with_capacity(1 << 20, f)))
}

pub fn too_large(limit: u64) -> IronError {
    IronError::new(
        Kind::ConfigdriveTooLarge,
        format!("the config drive is larger than {limit} bytes (raise the limit with --max-size)"),
    )
    .with(Key::Limit, limit)
}

/// GET through the shared client (system CA store plus --ca-cert, --header, retries with
/// backoff for connection errors, 408, 429 and 5xx, Range resume of a dropped body); the
/// decoder bounds what is read.
fn fetch_url(url: &str, http: &Http) -> Result<Box<dyn Read>> {
    let reader = http.open(url)?;
    let progress = Progress::new(Phase::Download, reader.length);
    // A transfer that cannot resume is an error here: the payload is small, try again.
    Ok(Box::new(Counted::new(reader, progress)))
}
