//! The HTTP client flags every command that fetches a URL takes (image-write, image-cache fetch,
//! configdrive write, firmware update), and the client they build: one set of names, defaults
//! and checks, so an operator's private CA or auth header works the same for each.

use crate::fetch::http::{Counters, Http, HttpOptions, Policy};
use crate::report::{IronError, Result};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// HTTP behaviour shared by the commands that fetch URLs.
#[derive(clap::Args, Debug, Clone)]
pub struct HttpArgs {
    /// Retries for connection errors, 408, 429 and 5xx (capped exponential backoff)
    #[arg(long, default_value_t = 9, value_name = "N")]
    pub retries: u32,
    /// Seconds without a byte before a connection counts as stalled (then resumed)
    #[arg(long, default_value_t = 60.0, value_name = "SECS")]
    pub timeout: f64,
    /// Extra request header, e.g. 'X-Auth-Token: ...' (repeatable); sent to the URL's origin
    /// only, not to a redirect target on another host, port or scheme
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,
    /// Send the --header values to redirect targets on other origins too (as curl's option)
    #[arg(long)]
    pub location_trusted: bool,
    /// Give up once this many seconds have passed since the command started, whatever the
    /// server does (retries, resumes and slow bodies included)
    #[arg(long, value_name = "SECS")]
    pub deadline: Option<f64>,
    /// Also trust the CA certificates in this PEM file (besides the system store)
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Do not verify TLS certificates (opt-in, for labs only)
    #[arg(long)]
    pub insecure: bool,
}

/// The client for these flags; a malformed `--header` or `--timeout`, or a `--ca-cert` that
/// cannot be read or holds no certificate, is an error naming it.
/// An HTTP field name: one or more token characters (RFC 9110 5.1), so a typo such as
/// 'X Auth: v' is refused here instead of failing every request later.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

pub fn http_client(a: &HttpArgs, counters: Arc<Counters>) -> Result<Http> {
    let mut headers = Vec::new();
    for h in &a.headers {
        let (k, v) = h
            .split_once(':')
            .map(|(k, v)| (k.trim(), v.trim()))
            .filter(|(k, v)| is_token(k) && !v.contains(['\r', '\n']))
            .ok_or_else(|| {
                IronError::usage(format!("invalid --header '{h}' (expected 'Name: value')"))
            })?;
        headers.push((k.to_string(), v.to_string()));
    }
    if !(a.timeout > 0.0 && a.timeout.is_finite()) {
        return Err(IronError::usage(format!(
            "invalid --timeout {} (seconds, > 0)",
            a.timeout
        )));
    }
    if let Some(d) = a.deadline
        && !(d > 0.0 && d.is_finite())
    {
        return Err(IronError::usage(format!(
            "invalid --deadline {d} (seconds, > 0)"
        )));
    }
    Http::new(
        HttpOptions {
            retries: a.retries,
            timeout: Duration::from_secs_f64(a.timeout),
            headers,
            ca_cert: a.ca_cert.clone(),
            insecure: a.insecure,
        },
        Policy {
            location_trusted: a.location_trusted,
            deadline: a.deadline.map(Duration::from_secs_f64),
        },
        counters,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(header: &str) -> HttpArgs {
        HttpArgs {
            retries: 0,
            timeout: 1.0,
            headers: vec![header.to_string()],
            ca_cert: None,
            insecure: false,
            location_trusted: false,
            deadline: None,
        }
    }

    #[test]
    fn headers_must_be_name_colon_value() {
        let ok = |h: &str| http_client(&args(h), Arc::default()).is_ok();
        assert!(ok("Authorization: Bearer a:b"));
        assert!(ok("X-Auth-Token:abc"));
        for bad in ["nocolon", ": value", "X Auth: v", "X-A: a\r\nInjected: 1"] {
            assert!(!ok(bad), "{bad:?} accepted");
        }
    }
}
