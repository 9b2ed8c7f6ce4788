//! IPA's REST API on ipa-listen-host:ipa-listen-port (9999), over TLS with a certificate made
//! at start: plain threads, a few connections at a time, one request per connection, bounded
//! reads and timeouts. Every request must carry the agent token (`?agent_token=`, as Ironic's
//! agent client sends it); anything else gets 401.

pub mod commands;
pub mod http;
pub mod tls;
pub mod token;

use crate::agent::ext::{Ctx, Params};
use crate::report::{IronError, Result};
use commands::{CommandResult, Commands};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::BufReader;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use token::Token;

/// Ironic polls one node at a time; a few more covers retries and a stuck peer.
const MAX_CONNECTIONS: usize = 8;
/// Each read and write (TLS handshake included) must progress within this.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Api {
    pub ctx: Arc<Ctx>,
    pub token: Token,
    pub commands: Commands,
}

/// An answer: status and JSON body (a Value: keys go out sorted, as they always have).
pub struct Answer(pub u16, pub Value);

impl Answer {
    fn new(status: u16, body: &impl Serialize) -> Answer {
        Answer(status, serde_json::to_value(body).unwrap_or(Value::Null))
    }
}

/// IPA's error body (wsme's fault).
#[derive(Serialize)]
struct Fault<'a> {
    faultcode: &'static str,
    faultstring: &'a str,
}

fn fault(status: u16, text: &str) -> Answer {
    let faultcode = if status >= 500 { "Server" } else { "Client" };
    Answer::new(
        status,
        &Fault {
            faultcode,
            faultstring: text,
        },
    )
}

#[derive(Serialize)]
struct Version {
    id: &'static str,
}

/// `GET /`: the versions IPA's API offers.
#[derive(Serialize)]
struct Versions {
    name: &'static str,
    default_version: Version,
    versions: [Version; 1],
}

/// `GET /v1/status`.
#[derive(Serialize)]
struct AgentStatus {
    started_at: f64,
    version: &'static str,
}

/// `GET /v1/commands/`.
#[derive(Serialize)]
struct CommandList {
    commands: Vec<CommandResult>,
}

/// `POST /v1/commands/`'s body.
#[derive(Deserialize)]
struct Execute {
    name: String,
    params: Params,
}

impl Api {
    /// Routes one request (IPA's url map, with and without the /v1 prefix).
    pub fn handle(&self, req: &http::Request) -> Answer {
        if !self.token.check(req.query("agent_token")) {
            return fault(401, "401 Unauthorized: Token invalid.");
        }
        let path = req.path.strip_prefix("/v1").unwrap_or(&req.path);
        let wait = req
            .query("wait")
            .is_some_and(|w| w.eq_ignore_ascii_case("true"));
        match (req.method.as_str(), path) {
            ("GET", "" | "/") => Answer::new(
                200,
                &Versions {
                    name: "OpenStack Ironic Python Agent API (ironbox)",
                    default_version: Version { id: "v1" },
                    versions: [Version { id: "v1" }],
                },
            ),
            ("GET", "/status") => Answer::new(
                200,
                &AgentStatus {
                    started_at: self.ctx.started_at,
                    version: crate::agent::heartbeat::AGENT_VERSION,
                },
            ),
            ("GET", "/commands" | "/commands/") => Answer::new(
                200,
                &CommandList {
                    commands: self.commands.list(),
                },
            ),
            ("GET", p) if p.starts_with("/commands/") => {
                match self.commands.get(&p["/commands/".len()..]) {
                    Some(e) => Answer::new(200, &if wait { e.join() } else { e.snapshot() }),
                    None => fault(404, "Not found: Command not found."),
                }
            }
            ("POST", "/commands" | "/commands/") => {
                let Ok(body) = serde_json::from_slice::<Execute>(&req.body) else {
                    return fault(400, "400 Bad Request: Missing or invalid name or params");
                };
                match self.commands.execute(&self.ctx, &body.name, body.params) {
                    Ok(e) => Answer::new(200, &if wait { e.join() } else { e.snapshot() }),
                    Err(r) => fault(r.status, &r.faultstring),
                }
            }
            (_, "/status" | "/commands" | "/commands/" | "" | "/") => {
                fault(405, "405 Method Not Allowed")
            }
            _ => fault(
                404,
                "404 Not Found: The requested URL was not found on the server.",
            ),
        }
    }
}

fn serve(api: &Api, tls: Arc<rustls::ServerConfig>, tcp: TcpStream) {
    let _ = tcp.set_read_timeout(Some(IO_TIMEOUT));
    let _ = tcp.set_write_timeout(Some(IO_TIMEOUT));
    let peer = tcp.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    let conn = match rustls::ServerConnection::new(tls) {
        Ok(c) => c,
        Err(e) => return crate::agent::state::log(&format!("api: TLS: {e}")),
    };
    let mut stream = rustls::StreamOwned::new(conn, tcp);
    let req = {
        let mut r = BufReader::new(&mut stream);
        http::read_request(&mut r, &http::LIMITS)
    };
    let Answer(status, body) = match req {
        Ok(req) => {
            let a = api.handle(&req);
            if a.0 >= 400 {
                crate::agent::state::log(&format!(
                    "api: {} {} from {peer}: {} {}",
                    req.method, req.path, a.0, a.1["faultstring"]
                ));
            }
            a
        }
        Err(http::Refusal {
            status: None,
            message,
        }) => {
            return crate::agent::state::log(&format!("api: {peer}: {message}"));
        }
        Err(http::Refusal {
            status: Some(s),
            message,
        }) => {
            crate::agent::state::log(&format!("api: {peer}: refused {s}: {message}"));
            fault(s, &message)
        }
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let _ = http::write_response(&mut stream, status, &bytes);
    stream.conn.send_close_notify();
    let _ = std::io::Write::flush(&mut stream);
}

/// Binds the API and serves it from a thread; returns the certificate's PEM for heartbeats and
/// the address bound.
pub fn start(addr: SocketAddr, names: &[String], api: Arc<Api>) -> Result<(String, SocketAddr)> {
    let id = tls::generate(names)?;
    let listener = TcpListener::bind(addr)
        .map_err(|e| IronError::io(format!("cannot listen on {addr}"), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| IronError::io("the API's address".to_string(), e))?;
    crate::agent::state::log(&format!(
        "api: serving IPA's API on https://{addr} (certificate for {})",
        names.join(", ")
    ));
    let active = Arc::new(AtomicUsize::new(0));
    let config = id.config.clone();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            if api.ctx.locked.load(Ordering::SeqCst) {
                continue; // locked down: connections are closed unanswered
            }
            if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                active.fetch_sub(1, Ordering::SeqCst);
                continue;
            }
            let (api, config, active) = (api.clone(), config.clone(), active.clone());
            std::thread::spawn(move || {
                serve(&api, config, tcp);
                active.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    Ok((id.cert_pem, addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, target: &str, body: &str) -> http::Request {
        let raw = format!(
            "{method} {target} HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        http::read_request(&mut BufReader::new(raw.as_bytes()), &http::LIMITS).unwrap()
    }

    /// The real thing over TLS: curl verifies the certificate against the PEM the heartbeat
    /// would carry (name included), as Ironic's client does.
    #[test]
    fn tls_round_trip_with_curl() {
        let api = Arc::new(Api {
            ctx: Arc::new(Ctx::new("/bin/false".into(), "/nonexistent".into())),
            token: Token::default(),
            commands: Commands::default(),
        });
        api.token.set(Some("tok".into()));
        let (pem, addr) = start(
            "127.0.0.1:0".parse().unwrap(),
            &["127.0.0.1".to_string()],
            api,
        )
        .unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
        let dir = std::env::temp_dir().join(format!("ironbox-api-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, &pem).unwrap();
        let curl = |q: &str, data: Option<&str>| {
            let mut c = std::process::Command::new("curl");
            c.args(["-sS", "--max-time", "20", "--cacert"])
                .arg(&ca)
                .args(["-w", "\n%{http_code}"])
                .arg(format!("https://{addr}/v1/commands/{q}"));
            if let Some(d) = data {
                c.args(["-H", "Content-Type: application/json", "--data", d]);
            }
            let out = c.output().expect("curl must be installed to run this test");
            assert!(
                out.status.success(),
                "curl: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            let (body, code) = text.rsplit_once('\n').unwrap();
            (code.to_string(), body.to_string())
        };
        assert_eq!(curl("", None).0, "401");
        assert_eq!(curl("?agent_token=nope", None).0, "401");
        let (code, body) = curl(
            "?wait=true&agent_token=tok",
            Some(r#"{"name": "deploy.get_deploy_steps", "params": {"node": {}, "ports": []}}"#),
        );
        assert_eq!(code, "200", "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["command_status"], "SUCCEEDED");
        assert_eq!(
            v["command_result"]["deploy_steps"][crate::agent::ext::MANAGER_NAME][2]["step"],
            "write_image"
        );
        let (code, body) = curl("?agent_token=tok", None);
        assert_eq!(code, "200");
        assert!(body.contains("get_deploy_steps"));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn routes_and_token() {
        let api = Api {
            ctx: Arc::new(Ctx::new("/bin/false".into(), "/nonexistent".into())),
            token: Token::default(),
            commands: Commands::default(),
        };
        assert_eq!(
            api.handle(&req("GET", "/v1/status?agent_token=t", "")).0,
            401
        );
        api.token.set(Some("t".into()));
        assert_eq!(api.handle(&req("GET", "/v1/status", "")).0, 401);
        assert_eq!(
            api.handle(&req("GET", "/v1/commands/?agent_token=x", "")).0,
            401
        );
        let a = api.handle(&req("GET", "/v1/status?agent_token=t", ""));
        assert_eq!(a.0, 200);
        assert!(a.1["started_at"].as_f64().is_some());
        let body = r#"{"name": "clean.get_clean_steps", "params": {"node": {}, "ports": []}}"#;
        let a = api.handle(&req("POST", "/v1/commands/?wait=true&agent_token=t", body));
        assert_eq!(a.0, 200);
        assert_eq!(a.1["command_status"], "SUCCEEDED");
        let id = a.1["id"].as_str().unwrap().to_string();
        let a = api.handle(&req("GET", &format!("/v1/commands/{id}?agent_token=t"), ""));
        assert_eq!(a.1["command_name"], "get_clean_steps");
        let a = api.handle(&req("GET", "/commands/?agent_token=t", ""));
        assert_eq!(a.1["commands"].as_array().unwrap().len(), 1);
        let a = api.handle(&req(
            "POST",
            "/v1/commands/?agent_token=t",
            r#"{"name": "x.y"}"#,
        ));
        assert_eq!(a.0, 400);
        let a = api.handle(&req(
            "POST",
            "/v1/commands/?agent_token=t",
            r#"{"name": "rescue.finalize_rescue", "params": {}}"#,
        ));
        assert_eq!(a.0, 404);
        assert_eq!(
            a.1["faultstring"],
            "Not found: Extension with id rescue not found."
        );
        assert_eq!(api.handle(&req("GET", "/v1/nope?agent_token=t", "")).0, 404);
        assert_eq!(
            api.handle(&req("DELETE", "/v1/status?agent_token=t", "")).0,
            405
        );
    }
}
