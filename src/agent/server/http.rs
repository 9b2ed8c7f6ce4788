//! A bounded HTTP/1.1 request reader and response writer for the agent's API: one request per
//! connection (`Connection: close`), every part capped (request line, header count and size,
//! body), bodies only with Content-Length. Ironic's client (python-requests) sends exactly this.

use std::io::{BufRead, Write};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub line: usize,
    pub headers: usize,
    pub header_bytes: usize,
    pub body: usize,
}

/// A deploy step carries the config drive (base64 of gzip, IPA caps it at 64 MiB decoded) inside
/// its JSON: the body limit leaves room for it and nothing much larger.
pub const LIMITS: Limits = Limits {
    line: 8 * 1024,
    headers: 100,
    header_bytes: 64 * 1024,
    body: 96 * 1024 * 1024,
};

#[derive(Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    pub fn header(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request was not read: the status to answer (None: the peer went away, answer nothing).
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: Option<u16>,
    pub message: String,
}

fn refuse(status: u16, message: impl Into<String>) -> Refusal {
    Refusal {
        status: Some(status),
        message: message.into(),
    }
}

/// One line ending in `\n`, at most `limit` bytes; `\r\n` trimmed.
fn read_line(r: &mut impl BufRead, limit: usize, what: &str) -> Result<String, Refusal> {
    let mut buf = Vec::new();
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(Refusal {
                    status: None,
                    message: format!("reading the {what}: {e}"),
                });
            }
        };
        if chunk.is_empty() {
            return Err(Refusal {
                status: None,
                message: format!("connection closed in the {what}"),
            });
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if buf.len() + take > limit {
            return Err(refuse(
                if what == "request line" { 414 } else { 431 },
                format!("{what} longer than {limit} bytes"),
            ));
        }
        buf.extend_from_slice(&chunk[..take]);
        r.consume(take);
        if done {
            break;
        }
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    String::from_utf8(buf).map_err(|_| refuse(400, format!("{what} is not UTF-8")))
}

/// `%XX` and `+` decoded, as a query string's values are.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `METHOD /path?query HTTP/1.x`: the method, the path and the decoded query pairs.
type RequestLine = (String, String, Vec<(String, String)>);

fn request_line(r: &mut impl BufRead, limits: &Limits) -> Result<RequestLine, Refusal> {
    let line = read_line(r, limits.line, "request line")?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(refuse(400, "malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(refuse(505, format!("{version} is not HTTP/1.x")));
    }
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(refuse(400, "malformed method"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if !path.starts_with('/') {
        return Err(refuse(400, "the target is not an absolute path"));
    }
    let query = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    Ok((method.to_string(), path.to_string(), query))
}

/// The headers up to the empty line, within the count and size limits.
fn headers(r: &mut impl BufRead, limits: &Limits) -> Result<Vec<(String, String)>, Refusal> {
    let mut headers = Vec::new();
    let mut total = 0usize;
    loop {
        let h = read_line(r, limits.line, "header")?;
        if h.is_empty() {
            return Ok(headers);
        }
        total += h.len();
        if headers.len() >= limits.headers || total > limits.header_bytes {
            return Err(refuse(431, "too many or too large headers"));
        }
        let Some((k, v)) = h.split_once(':') else {
            return Err(refuse(400, "malformed header"));
        };
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
}

/// The body: Content-Length bytes (none without it), never chunked.
fn body(r: &mut impl BufRead, req: &Request, limits: &Limits) -> Result<Vec<u8>, Refusal> {
    if req.header("transfer-encoding").is_some() {
        return Err(refuse(
            411,
            "chunked bodies are not accepted: send Content-Length",
        ));
    }
    let len = match req.header("content-length") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| refuse(400, "malformed Content-Length"))?,
    };
    if len > limits.body {
        return Err(refuse(
            413,
            format!("body larger than {} bytes", limits.body),
        ));
    }
    let mut body = vec![0u8; len];
    std::io::Read::read_exact(r, &mut body).map_err(|e| Refusal {
        status: None,
        message: format!("reading the body: {e}"),
    })?;
    Ok(body)
}

pub fn read_request(r: &mut impl BufRead, limits: &Limits) -> Result<Request, Refusal> {
    let (method, path, query) = request_line(r, limits)?;
    let mut req = Request {
        method,
        path,
        query,
        headers: headers(r, limits)?,
        body: Vec::new(),
    };
    req.body = body(r, &req, limits)?;
    Ok(req)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Internal Server Error",
    }
}

pub fn write_response(w: &mut impl Write, status: u16, body: &[u8]) -> std::io::Result<()> {
    write!(
        w,
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reason(status),
        body.len()
    )?;
    w.write_all(body)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8], limits: &Limits) -> Result<Request, Refusal> {
        read_request(&mut std::io::BufReader::new(raw), limits)
    }

    #[test]
    fn a_request_with_query_and_body() {
        let raw = b"POST /v1/commands/?wait=true&agent_token=a%2Bb%3D HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n{}\r\n";
        let r = parse(raw, &LIMITS).unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/v1/commands/");
        assert_eq!(r.query("wait"), Some("true"));
        assert_eq!(r.query("agent_token"), Some("a+b="));
        assert_eq!(r.header("host"), Some("x"));
        assert_eq!(r.body, b"{}\r\n");
    }

    #[test]
    fn bounds() {
        let small = Limits {
            line: 64,
            headers: 2,
            header_bytes: 100,
            body: 10,
        };
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(100));
        assert_eq!(
            parse(long.as_bytes(), &small).unwrap_err().status,
            Some(414)
        );
        let many = b"GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n";
        assert_eq!(parse(many, &small).unwrap_err().status, Some(431));
        let big = b"POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n";
        assert_eq!(parse(big, &small).unwrap_err().status, Some(413));
        let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(parse(chunked, &small).unwrap_err().status, Some(411));
        let bad = b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n";
        assert_eq!(parse(bad, &small).unwrap_err().status, Some(400));
        assert_eq!(
            parse(b"HELLO\r\n\r\n", &small).unwrap_err().status,
            Some(400)
        );
        assert_eq!(
            parse(b"GET / SPDY/3\r\n\r\n", &small).unwrap_err().status,
            Some(505)
        );
        // a short body or a closed connection: nothing to answer
        let short = b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab";
        assert_eq!(parse(short, &small).unwrap_err().status, None);
        assert_eq!(parse(b"GET / HT", &small).unwrap_err().status, None);
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%4"), "%4");
    }
}
