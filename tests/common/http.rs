//! A small HTTP/1.1 server on 127.0.0.1 for tests, in a thread of the test process. Each route
//! serves bytes and can, on cue: ignore Range, answer a sequence of status codes first, drop the
//! connection or stall after N body bytes for the first K requests. It records every request.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
pub struct Route {
    pub body: Arc<Vec<u8>>,
    /// Honour `Range: bytes=N-` with 206.
    pub ranges: bool,
    /// Statuses answered (with an empty body) before the real response, one per request.
    pub fail_first: Vec<u16>,
    /// Drop the connection after this many body bytes, for the first `faults` requests.
    pub drop_after: Option<usize>,
    /// Stop sending (but keep the socket open) after this many bytes, for the first `faults` requests.
    pub stall_after: Option<usize>,
    pub faults: usize,
    /// After this many bytes, send one byte every `trickle_ms` ms, for the first `faults`
    /// requests (a server that never quite stalls).
    pub trickle_after: Option<usize>,
    pub trickle_ms: u64,
    /// After the body, keep sending zeros until the client goes away (with `no_length`: a body
    /// that never ends).
    pub endless_tail: bool,
    /// After the `faults` faulty requests, answer every later one with this status (and an
    /// empty body): a file that went away between a dropped transfer and its restart.
    pub status_after_faults: Option<u16>,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
    /// Do not send Content-Length (chunk-less, close-delimited body).
    pub no_length: bool,
    /// Answer every request with `302 Found` and this Location.
    pub redirect: Option<String>,
    /// Answer a Range request with 206 but the whole body from byte 0, labelled so (a broken
    /// proxy or cache that drops the offset).
    pub range_from_zero: bool,
}

impl Route {
    pub fn new(body: impl Into<Vec<u8>>) -> Route {
        Route {
            body: Arc::new(body.into()),
            ranges: true,
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub headers: HashMap<String, String>,
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Route>,
    served: HashMap<String, usize>,
    log: Vec<Request>,
}

pub struct HttpServer {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl HttpServer {
    pub fn start() -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream, st);
                });
            }
        });
        HttpServer { port, state }
    }

    pub fn route(&self, path: &str, route: Route) -> &Self {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(path.to_string(), route);
        self
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    pub fn requests(&self, path: &str) -> Vec<Request> {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

fn handle(stream: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("/").to_string();
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_lowercase(), v.trim().to_string());
            }
        }
        let (route, nth) = {
            let mut s = state.lock().unwrap();
            s.log.push(Request {
                path: path.clone(),
                headers: headers.clone(),
            });
            let n = *s.served.get(&path).unwrap_or(&0);
            s.served.insert(path.clone(), n + 1);
            (s.routes.get(&path).cloned(), n)
        };
        let Some(route) = route else {
            out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")?;
            continue;
        };
        if let Some(location) = &route.redirect {
            write!(
                out,
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
            )?;
            continue;
        }
        if nth < route.fail_first.len() {
            let code = route.fail_first[nth];
            write!(out, "HTTP/1.1 {code} Failing\r\nContent-Length: 0\r\n\r\n")?;
            continue;
        }
        let faulty = nth - route.fail_first.len() < route.faults;
        if let (false, Some(code)) = (faulty, route.status_after_faults) {
            write!(out, "HTTP/1.1 {code} Gone Now\r\nContent-Length: 0\r\n\r\n")?;
            continue;
        }
        let body = &route.body;
        let mut start = 0usize;
        let mut status = "200 OK";
        if route.ranges
            && let Some(r) = headers.get("range").and_then(|r| r.strip_prefix("bytes="))
            && let Some(n) = r.strip_suffix('-').and_then(|n| n.parse::<usize>().ok())
            && n < body.len()
        {
            start = if route.range_from_zero { 0 } else { n };
            status = "206 Partial Content";
        }
        let mut head = format!("HTTP/1.1 {status}\r\n");
        if !route.no_length {
            head.push_str(&format!("Content-Length: {}\r\n", body.len() - start));
        } else {
            head.push_str("Connection: close\r\n");
        }
        if route.ranges {
            head.push_str("Accept-Ranges: bytes\r\nETag: \"fixed-etag\"\r\n");
            if status.starts_with("206") {
                head.push_str(&format!(
                    "Content-Range: bytes {}-{}/{}\r\n",
                    start,
                    body.len() - 1,
                    body.len()
                ));
            }
        }
        for (k, v) in &route.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        out.write_all(head.as_bytes())?;
        if method == "HEAD" {
            continue;
        }
        let data = &body[start..];
        if faulty {
            if let Some(n) = route.drop_after {
                let n = n.saturating_sub(start).min(data.len());
                out.write_all(&data[..n])?;
                out.flush()?;
                let _ = out.shutdown(std::net::Shutdown::Both);
                return Ok(());
            }
            if let Some(n) = route.trickle_after {
                let n = n.saturating_sub(start).min(data.len());
                out.write_all(&data[..n])?;
                out.flush()?;
                for b in &data[n..] {
                    std::thread::sleep(Duration::from_millis(route.trickle_ms));
                    out.write_all(std::slice::from_ref(b))?;
                    out.flush()?;
                }
                return Ok(());
            }
            if let Some(n) = route.stall_after {
                let n = n.saturating_sub(start).min(data.len());
                out.write_all(&data[..n])?;
                out.flush()?;
                std::thread::sleep(Duration::from_secs(600));
                return Ok(());
            }
        }
        out.write_all(data)?;
        out.flush()?;
        if route.endless_tail {
            let zeros = vec![0u8; 64 << 10];
            loop {
                out.write_all(&zeros)?;
            }
        }
        if route.no_length {
            return Ok(());
        }
    }
}
