//! A forward proxy that speaks CONNECT (what ureq uses for every URL behind an HTTP proxy),
//! tunnelling each connection to one upstream test server whatever host was asked for, and
//! recording the CONNECT targets.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

pub struct ConnectProxy {
    pub port: u16,
    targets: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    pub fn start(upstream_port: u16) -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = targets.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let _ = tunnel(client, upstream_port, &seen);
                });
            }
        });
        ConnectProxy { port, targets }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The `host:port` of every CONNECT so far.
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

fn tunnel(client: TcpStream, upstream_port: u16, seen: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" {
            break;
        }
    }
    let mut out = client.try_clone()?;
    if method != "CONNECT" {
        out.write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")?;
        return Ok(());
    }
    seen.lock().unwrap().push(target.to_string());
    let upstream = TcpStream::connect(("127.0.0.1", upstream_port))?;
    out.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    let (mut up_w, mut up_r) = (upstream.try_clone()?, upstream);
    // Bytes the client sent right after the CONNECT headers sit in the reader's buffer.
    up_w.write_all(reader.buffer())?;
    let to_upstream = std::thread::spawn(move || {
        let _ = std::io::copy(&mut reader.into_inner(), &mut up_w);
        let _ = up_w.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut up_r, &mut out);
    let _ = out.shutdown(Shutdown::Both);
    let _ = to_upstream.join();
    Ok(())
}
