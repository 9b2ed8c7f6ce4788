//! HTTP(S) sources through ureq: rustls with the system CA store plus `--ca-cert`, proxies from
//! the environment, extra headers, retries with capped exponential backoff, and a body reader
//! that resumes a dropped or stalled transfer with `Range: bytes=N-` when the server supports it
//! (same validator, 206 and a matching Content-Range) and otherwise asks for a clean restart.

use crate::fetch::redirect::{self, Origin};
use crate::progress;
use crate::report::{IronError, Key, Kind, Result};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use ureq::http::Response;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::{Agent, Body};

/// Resume and retry counts for the report, shared with the reader threads.
#[derive(Debug, Default)]
pub struct Counters {
    pub resumes: AtomicU64,
    pub retries: AtomicU64,
}

#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub retries: u32,
    pub timeout: Duration,
    pub headers: Vec<(String, String)>,
    pub ca_cert: Option<PathBuf>,
    pub insecure: bool,
}

/// What the operator allows beyond one origin and one stretch of time.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Send `headers` to redirect targets on other origins too (curl's --location-trusted).
    pub location_trusted: bool,
    /// Wall-clock bound on everything this client does (requests, retries, bodies).
    pub deadline: Option<Duration>,
}

/// Why one attempt (with its redirects) failed: worth a retry, or not.
enum Attempt {
    Transport(ureq::Error),
    Fatal(IronError),
}

/// The io error a reader returns when the transfer cannot resume and must start again at byte
/// zero (the pipeline restarts hasher, decoder and sink).
#[derive(Debug)]
pub struct RestartFromZero(pub String);

impl std::fmt::Display for RestartFromZero {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "restart from byte zero: {}", self.0)
    }
}
impl std::error::Error for RestartFromZero {}

pub fn is_restart(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|i| i.downcast_ref::<RestartFromZero>().is_some())
}

#[derive(Clone)]
pub struct Http {
    agent: Agent,
    opts: Arc<HttpOptions>,
    policy: Arc<Policy>,
    /// When `policy.deadline` runs out, counted from the client's creation (the command's start).
    until: Option<Instant>,
    counters: Arc<Counters>,
}

/// System CA bundles, in the places Debian, Fedora, Alpine and busybox ramdisks keep them.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    "/etc/ssl/ca-bundle.pem",
];

fn load_pem(path: &std::path::Path, out: &mut Vec<Certificate<'static>>) -> io::Result<usize> {
    let data = std::fs::read(path)?;
    let before = out.len();
    for item in ureq::tls::parse_pem(&data).flatten() {
        if let ureq::tls::PemItem::Certificate(c) = item {
            out.push(c.to_owned());
        }
    }
    Ok(out.len() - before)
}

/// A ureq agent with the system CA store plus `opts.ca_cert`, verification off with
/// `opts.insecure`, proxies from the environment, and `opts.timeout` on each phase; shared with
/// the Ironic agent so every HTTP user trusts the same roots.
pub fn build_agent(opts: &HttpOptions) -> Result<Agent> {
    let mut certs = Vec::new();
    for b in SYSTEM_BUNDLES {
        if load_pem(std::path::Path::new(b), &mut certs).is_ok_and(|n| n > 0) {
            break;
        }
    }
    if let Some(ca) = &opts.ca_cert {
        let n = load_pem(ca, &mut certs).map_err(|e| {
            IronError::new(
                Kind::InvalidInput,
                format!("cannot read --ca-cert {}", ca.display()),
            )
            .caused_by(e)
        })?;
        if n == 0 {
            return Err(IronError::new(
                Kind::InvalidInput,
                format!("--ca-cert {} holds no PEM certificate", ca.display()),
            ));
        }
    }
    // Without any system bundle, fall back to the bundled Mozilla roots.
    let roots = if certs.is_empty() {
        RootCerts::WebPki
    } else {
        RootCerts::new_with_certs(&certs)
    };
    let tls = TlsConfig::builder()
        .root_certs(roots)
        .disable_verification(opts.insecure)
        .build();
    let config = Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(tls)
        .proxy(ureq::Proxy::try_from_env())
        .timeout_connect(Some(opts.timeout))
        .timeout_recv_response(Some(opts.timeout))
        .timeout_per_read(Some(opts.timeout))
        .user_agent(concat!("ironbox/", env!("CARGO_PKG_VERSION")))
        .build();
    // Our resolver: the static binary's libc cannot resolve names (no NSS).
    Ok(Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::new(),
        crate::fetch::dns::Resolver,
    ))
}

impl Http {
    pub fn new(opts: HttpOptions, policy: Policy, counters: Arc<Counters>) -> Result<Http> {
        let agent = build_agent(&opts)?;
        Ok(Http {
            agent,
            opts: Arc::new(opts),
            until: policy.deadline.map(|d| Instant::now() + d),
            policy: Arc::new(policy),
            counters,
        })
    }

    /// Time left before `--deadline`; None without one.
    fn remaining(&self) -> Option<Duration> {
        self.until
            .map(|u| u.saturating_duration_since(Instant::now()))
    }

    /// The error once `--deadline` has passed.
    fn deadline_error(&self, url: &str) -> Option<IronError> {
        let d = self.policy.deadline?;
        (self.remaining()? < Duration::from_millis(1)).then(|| {
            IronError::new(
                Kind::Network,
                format!(
                    "{url}: the --deadline of {:.0} s passed before the transfer ended",
                    d.as_secs_f64()
                ),
            )
            .with(Key::Url, url)
            .with(Key::Deadline, d.as_secs_f64())
        })
    }

    /// Counts a retry done above this client (a restart from byte zero).
    pub fn count_retry(&self) {
        self.counters.retries.fetch_add(1, Ordering::Relaxed);
    }

    fn backoff(attempt: u32) -> Duration {
        // 0.5 s, 1, 2, 4, ... capped at 30 s.
        Duration::from_millis((500u64 << attempt.min(6)).min(30_000))
    }

    /// One request, without following redirects; the operator's headers only when
    /// `credentials` (the origin, or --location-trusted).
    fn request(
        &self,
        url: &str,
        credentials: bool,
        range_from: Option<u64>,
        etag: Option<&str>,
    ) -> ureq::RequestBuilder<ureq::typestate::WithoutBody> {
        let mut req = self.agent.get(url);
        if credentials {
            for (k, v) in &self.opts.headers {
                req = req.header(k.as_str(), v.as_str());
            }
        }
        if let Some(n) = range_from {
            req = req.header("Range", format!("bytes={n}-"));
            if let Some(v) = etag {
                // The server answers 200 (whole entity) if the image changed meanwhile.
                req = req.header("If-Range", v);
            }
        }
        // A body read too ends at the deadline (ureq's global timeout covers the body).
        req.config()
            .max_redirects(0)
            .timeout_global(self.remaining())
            .build()
    }

    /// One attempt: `url` and the redirects it leads to, each checked (loop, hop count,
    /// scheme) before it is requested.
    fn follow(
        &self,
        url: &str,
        range_from: Option<u64>,
        etag: Option<&str>,
    ) -> std::result::Result<Response<Body>, Attempt> {
        let origin = Origin::of(url);
        let mut chain = vec![url.to_string()];
        loop {
            let current = chain.last().expect("the chain starts with url");
            let credentials =
                self.policy.location_trusted || (origin.is_some() && Origin::of(current) == origin);
            let resp = self
                .request(current, credentials, range_from, etag)
                .call()
                .map_err(Attempt::Transport)?;
            let code = resp.status().as_u16();
            let location = resp.headers().get("location").and_then(|v| v.to_str().ok());
            let (true, Some(location)) = (redirect::is_redirect(code), location) else {
                // A 3xx without Location is an HTTP status error like any other.
                return Ok(resp);
            };
            let fatal = |msg: String| {
                Attempt::Fatal(
                    IronError::new(Kind::HttpStatus, msg)
                        .with(Key::Url, url)
                        .with(Key::Status, code)
                        .with(Key::Redirects, chain.clone()),
                )
            };
            let next = redirect::resolve(current, location)
                .map_err(|why| fatal(format!("{current} redirects to {why}")))?;
            if chain.contains(&next) {
                return Err(fatal(format!(
                    "{url} is a redirect loop ({} -> {next})",
                    chain.join(" -> ")
                )));
            }
            if chain.len() > redirect::MAX_HOPS {
                return Err(fatal(format!(
                    "{url} redirects more than {} times",
                    redirect::MAX_HOPS
                )));
            }
            chain.push(next);
        }
    }

    /// GET with retries: connection errors, 408, 429 and 5xx are retried with backoff; other
    /// 4xx fail at once. Returns a 200 or 206 response.
    pub fn get(
        &self,
        url: &str,
        range_from: Option<u64>,
        etag: Option<&str>,
    ) -> Result<Response<Body>> {
        let mut attempt = 0u32;
        loop {
            crate::interrupt::check()?;
            if let Some(e) = self.deadline_error(url) {
                return Err(e);
            }
            let err = match self.follow(url, range_from, etag) {
                Ok(resp) => {
                    let code = resp.status().as_u16();
                    if code == 200 || code == 206 {
                        return Ok(resp);
                    }
                    let e = IronError::new(Kind::HttpStatus, format!("{url} answered HTTP {code}"))
                        .with(Key::Url, url)
                        .with(Key::Status, code);
                    if !(code == 408 || code == 429 || code >= 500) {
                        return Err(e);
                    }
                    e
                }
                Err(Attempt::Fatal(e)) => return Err(e),
                Err(Attempt::Transport(e)) => {
                    let text = e.to_string();
                    let err = IronError::new(Kind::Network, format!("cannot fetch {url}"))
                        .with(Key::Url, url)
                        .caused_by(&text);
                    // A certificate that does not verify will not verify on a retry either.
                    let lower = text.to_ascii_lowercase();
                    if lower.contains("certificate") || matches!(e, ureq::Error::Tls(_)) {
                        return Err(err.with(Key::Hint, certificate_hint(&text, url)));
                    }
                    err
                }
            };
            if attempt >= self.opts.retries {
                return Err(err.with(Key::Attempts, attempt + 1));
            }
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
            let wait = Self::backoff(attempt).min(self.remaining().unwrap_or(Duration::MAX));
            progress::warn(&format!("{err}; retrying in {:.1} s", wait.as_secs_f64()));
            sleep_interruptible(wait)?;
            attempt += 1;
        }
    }

    /// Opens `url` for streaming.
    pub fn open(&self, url: &str) -> Result<HttpReader> {
        let resp = self.get(url, None, None)?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let length = header("content-length").and_then(|v| v.parse::<u64>().ok());
        let etag = header("etag").filter(|e| !e.starts_with("W/"));
        let last_modified = header("last-modified");
        let ranges = header("accept-ranges").is_some_and(|v| v.contains("bytes"));
        Ok(HttpReader {
            http: self.clone(),
            url: url.to_string(),
            body: Some(resp.into_body().into_reader()),
            pos: 0,
            length,
            etag,
            last_modified,
            ranges,
            failures: 0,
            window: (Duration::ZERO, 0),
        })
    }

    /// A small text document (a checksum file), read whole.
    pub fn fetch_text(&self, url: &str) -> Result<String> {
        let resp = self.get(url, None, None)?;
        resp.into_body()
            .with_config()
            .limit(16 << 20)
            .read_to_vec()
            .map_err(|e| {
                IronError::new(Kind::Network, format!("cannot read {url}"))
                    .with(Key::Url, url)
                    .caused_by(e)
            })
            .and_then(|bytes| {
                // Bytes that arrived whole but are not text are a bad checksum file, not a
                // network fault.
                String::from_utf8(bytes).map_err(|e| {
                    IronError::new(Kind::InvalidChecksum, format!("{url} is not UTF-8 text"))
                        .with(Key::Url, url)
                        .caused_by(e)
                })
            })
    }
}

pub fn sleep_interruptible(d: Duration) -> Result<()> {
    let end = std::time::Instant::now() + d;
    while std::time::Instant::now() < end {
        crate::interrupt::check()?;
        std::thread::sleep(Duration::from_millis(50).min(end - std::time::Instant::now()));
    }
    Ok(())
}

pub struct HttpReader {
    http: Http,
    url: String,
    body: Option<ureq::BodyReader<'static>>,
    pos: u64,
    pub length: Option<u64>,
    etag: Option<String>,
    last_modified: Option<String>,
    ranges: bool,
    failures: u32,
    /// The stall-rate window: time spent waiting in reads, and the bytes they brought. Only
    /// the wait counts, so a consumer that pauses (back-pressure) is never taken for a stall.
    window: (Duration, u64),
}

/// Fewer bytes than this in one `--timeout` window is a stall, even if no single read waited
/// that long: a server trickling a byte now and then would otherwise keep a write alive forever.
pub const STALL_BYTES: u64 = 64 << 10;

impl HttpReader {
    /// Counts a read that waited `waited` for `n` bytes; Err when a whole window of waiting
    /// brought too few.
    fn rate_check(&mut self, waited: Duration, n: usize) -> io::Result<()> {
        let (spent, bytes) = &mut self.window;
        *spent += waited;
        *bytes += n as u64;
        if *spent < self.http.opts.timeout {
            return Ok(());
        }
        let got = *bytes;
        self.window = (Duration::ZERO, 0);
        if got < STALL_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "only {got} bytes in {:.0} s (less than {STALL_BYTES} per --timeout window)",
                    self.http.opts.timeout.as_secs_f64()
                ),
            ));
        }
        Ok(())
    }

    /// Reconnects at `self.pos` after a drop or stall.
    fn resume(&mut self, why: &io::Error) -> io::Result<()> {
        self.body = None;
        if let Some(e) = self.http.deadline_error(&self.url) {
            return Err(io::Error::other(e.caused_by(why)));
        }
        if !self.ranges || (self.etag.is_none() && self.last_modified.is_none()) {
            return Err(io::Error::other(RestartFromZero(format!(
                "the connection to {} failed at byte {} ({why}) and the server does not support resuming",
                self.url, self.pos
            ))));
        }
        if self.failures >= self.http.opts.retries.max(1) {
            return Err(io::Error::other(IronError::new(
                Kind::Network,
                format!(
                    "{} kept failing ({why}); gave up after {} resumes",
                    self.url, self.failures
                ),
            )));
        }
        self.failures += 1;
        progress::warn(&format!(
            "{}: connection lost at byte {} ({why}); resuming",
            self.url, self.pos
        ));
        self.connect_at_pos()?;
        self.http.counters.resumes.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Asks for the body from `self.pos` on (Range), accepting only the same entity (ETag or
    /// Last-Modified) and exactly that range.
    fn connect_at_pos(&mut self) -> io::Result<()> {
        let validator = self.etag.clone().or_else(|| self.last_modified.clone());
        let resp = self
            .http
            .get(&self.url, Some(self.pos), validator.as_deref())
            .map_err(io::Error::other)?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let same_entity = (self.etag.is_some() && header("etag") == self.etag)
            || (self.etag.is_none() && header("last-modified") == self.last_modified);
        let range_ok = header("content-range").is_some_and(|cr| {
            content_range_start(&cr) == Some(self.pos)
                && (self.length.is_none() || content_range_total(&cr) == self.length)
        });
        if resp.status().as_u16() != 206 || !same_entity || !range_ok {
            return Err(io::Error::other(RestartFromZero(format!(
                "{} did not resume at byte {} (HTTP {}, validator or range mismatch)",
                self.url,
                self.pos,
                resp.status().as_u16()
            ))));
        }
        self.body = Some(resp.into_body().into_reader());
        self.window = (Duration::ZERO, 0);
        Ok(())
    }

    /// Whether the server takes Range requests on this entity (what `Seek` needs).
    pub fn seekable(&self) -> bool {
        self.ranges && (self.etag.is_some() || self.last_modified.is_some())
    }
}

/// Random access over HTTP: each seek that moves is one Range request on the same entity. The
/// qcow2 decoder uses it, on a second connection, for bytes its stream has already passed.
impl Seek for HttpReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.length.and_then(|l| l.checked_add_signed(d)),
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek out of range"))?;
        if target == self.pos && self.body.is_some() {
            return Ok(target);
        }
        if !self.seekable() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("{} does not support Range requests", self.url),
            ));
        }
        self.body = None;
        self.pos = target;
        self.connect_at_pos()?;
        Ok(target)
    }
}

/// What to do about a certificate that does not verify, in the operator's terms.
fn certificate_hint(error: &str, url: &str) -> String {
    if error.contains("CaUsedAsEndEntity") {
        "the server presents a CA certificate as its own (a self-signed certificate with \
         CA:TRUE, as `openssl req -x509` makes by default), which is refused even with --ca-cert: \
         give the server a certificate signed by that CA (CA:FALSE), or use --insecure in a lab"
            .to_string()
    } else if error.contains("NotValidForName") {
        let host = url.split('/').nth(2).unwrap_or(url);
        format!(
            "the server's certificate is not valid for '{host}': use the name it was issued for"
        )
    } else if error.contains("Expired") || error.contains("NotValidYet") {
        "the server's certificate is outside its validity period (check the clock: `date`)"
            .to_string()
    } else {
        "the server's certificate does not verify against the system CA store: add its CA with \
         --ca-cert FILE (PEM), or use --insecure in a lab"
            .to_string()
    }
}

fn content_range_start(cr: &str) -> Option<u64> {
    cr.trim()
        .strip_prefix("bytes ")?
        .split('-')
        .next()?
        .trim()
        .parse()
        .ok()
}

fn content_range_total(cr: &str) -> Option<u64> {
    cr.rsplit('/').next()?.trim().parse().ok()
}

impl Read for HttpReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(body) = self.body.as_mut() else {
                return Err(io::Error::other("the connection is closed"));
            };
            let began = std::time::Instant::now();
            let res = body.read(buf);
            let waited = began.elapsed();
            let err = match res {
                Ok(0) => match self.length {
                    Some(l) if self.pos < l => io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the body ended after {} of {l} bytes", self.pos),
                    ),
                    _ => return Ok(0),
                },
                Ok(n) => {
                    self.pos += n as u64;
                    match self.rate_check(waited, n) {
                        Ok(()) => return Ok(n),
                        // The bytes just read are kept; the next read resumes after them.
                        Err(e) => {
                            crate::interrupt::check().map_err(io::Error::other)?;
                            self.resume(&e)?;
                            return Ok(n);
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => e,
            };
            crate::interrupt::check().map_err(io::Error::other)?;
            self.resume(&err)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        assert_eq!(content_range_start("bytes 100-199/200"), Some(100));
        assert_eq!(content_range_total("bytes 100-199/200"), Some(200));
        assert_eq!(content_range_total("bytes 100-199/*"), None);
    }
}
