//! An HTTPS file server for TLS tests: `openssl s_server -WWW` serving a directory, with a test
//! CA and a server certificate for 127.0.0.1 that it signed (made here with `openssl`), or a
//! self-signed CA:TRUE certificate as `openssl req -x509` makes by default.

use super::sh;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct TlsServer {
    pub port: u16,
    /// The CA that signed the server's certificate (what `--ca-cert` takes).
    pub ca: PathBuf,
    /// The server's own certificate.
    pub cert: PathBuf,
    child: Child,
}

impl TlsServer {
    /// Serves `root` over HTTPS. `self_signed`: the server presents a self-signed certificate
    /// with CA:TRUE (then `ca` is that same certificate).
    pub fn start(root: &Path, pki: &Path, self_signed: bool) -> TlsServer {
        let d = pki.display();
        let (cert, key) = if self_signed {
            sh(&format!(
                "openssl req -x509 -newkey rsa:2048 -nodes -keyout {d}/self.key -out {d}/self.pem \
                 -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null"
            ));
            (pki.join("self.pem"), pki.join("self.key"))
        } else {
            sh(&format!(
                "openssl req -x509 -newkey rsa:2048 -nodes -keyout {d}/ca.key -out {d}/ca.pem \
                   -days 2 -subj /CN=ironbox-test-ca 2>/dev/null \
                 && openssl req -newkey rsa:2048 -nodes -keyout {d}/srv.key -out {d}/srv.csr \
                   -subj /CN=127.0.0.1 2>/dev/null \
                 && printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > {d}/ext \
                 && openssl x509 -req -in {d}/srv.csr -CA {d}/ca.pem -CAkey {d}/ca.key \
                   -CAcreateserial -out {d}/srv.pem -days 2 -extfile {d}/ext 2>/dev/null"
            ));
            (pki.join("srv.pem"), pki.join("srv.key"))
        };
        let ca = if self_signed {
            cert.clone()
        } else {
            pki.join("ca.pem")
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-WWW", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "openssl s_server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        TlsServer {
            port,
            ca,
            cert,
            child,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
