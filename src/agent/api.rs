//! Requests to Ironic: JSON in and out, the headers IPA sends (`X-OpenStack-Ironic-API-Version`,
//! `X-OpenStack-Request-ID`), bounded bodies, and the API version negotiated as IPA does:
//! min(the server's default_version from `GET /`, 1.62).

use serde_json::Value;
use std::fmt;
use ureq::Agent;

/// The highest API version IPA asks for (agent tokens).
pub const MAX_VERSION: (u32, u32) = (1, 62);
/// Heartbeats may carry agent_verify_ca (IPA's automatic TLS) from this version on; IPA sends
/// them with min(server, 1.68).
pub const VERIFY_CA_VERSION: (u32, u32) = (1, 68);
/// Heartbeats with callback_url, agent_version and the lookup endpoint need at least this.
pub const MIN_VERSION: (u32, u32) = (1, 36);
/// Ironic's answers are small; a larger body is hostile or broken.
const BODY_LIMIT: u64 = 1 << 20;

/// What a request came to: an HTTP status with the body (JSON when it parsed), or no answer.
#[derive(Debug)]
pub enum Outcome {
    Status(u16, Option<Value>, String),
    Failed(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Status(code, _, text) => {
                write!(f, "HTTP {code}")?;
                let msg = error_message(text);
                if !msg.is_empty() {
                    write!(f, ": {msg}")?;
                }
                Ok(())
            }
            Outcome::Failed(e) => write!(f, "{e}"),
        }
    }
}

/// Ironic's error text: `{"error_message": "{\"faultstring\": ...}"}` unwrapped, else the body
/// cut short.
pub fn error_message(body: &str) -> String {
    let v: Option<Value> = serde_json::from_str(body).ok();
    let inner = v
        .as_ref()
        .and_then(|v| v.get("error_message"))
        .and_then(Value::as_str);
    if let Some(inner) = inner {
        let fault = serde_json::from_str::<Value>(inner).ok().and_then(|f| {
            f.get("faultstring")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        return fault.unwrap_or_else(|| inner.to_string());
    }
    body.trim().chars().take(200).collect()
}

pub struct Api {
    agent: Agent,
    base: String,
    request_id: Option<String>,
    version: Option<(u32, u32)>,
    server: Option<(u32, u32)>,
}

fn parse_version(v: &str) -> Option<(u32, u32)> {
    let (a, b) = v.trim().split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

impl Api {
    pub fn new(agent: Agent, base: &str, request_id: Option<String>) -> Api {
        Api {
            agent,
            base: base.trim_end_matches('/').to_string(),
            request_id,
            version: None,
            server: None,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The version header value, negotiated once per successful `GET /`.
    pub fn version(&mut self) -> std::result::Result<String, Outcome> {
        if self.version.is_none() {
            let root = format!("{}/", self.base);
            let v = match self.call("GET", &root, None, None) {
                Outcome::Status(200, Some(body), _) => body
                    .pointer("/default_version/version")
                    .and_then(Value::as_str)
                    .and_then(parse_version),
                other => return Err(other),
            };
            let Some(server) = v else {
                return Err(Outcome::Failed(format!(
                    "{root} did not give a default_version"
                )));
            };
            self.version = Some(server.min(MAX_VERSION));
            self.server = Some(server);
        }
        let (a, b) = self.version.unwrap_or(MIN_VERSION);
        Ok(format!("{a}.{b}"))
    }

    /// The version for heartbeats: up to 1.68, so agent_verify_ca is accepted.
    pub fn heartbeat_version(&mut self) -> std::result::Result<(String, bool), Outcome> {
        self.version()?;
        let (a, b) = self.server.unwrap_or(MIN_VERSION).min(VERIFY_CA_VERSION);
        Ok((format!("{a}.{b}"), (a, b) >= VERIFY_CA_VERSION))
    }

    /// Forgets the negotiated version (the API may have been upgraded while it was down).
    pub fn reset_version(&mut self) {
        self.version = None;
        self.server = None;
    }

    /// One request, no retries: the callers own their retry policy.
    pub fn call(
        &self,
        method: &str,
        url: &str,
        version: Option<&str>,
        body: Option<&Value>,
    ) -> Outcome {
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(url)
            .header("Accept", "application/json");
        if let Some(v) = version {
            req = req.header("X-OpenStack-Ironic-API-Version", v);
        }
        if let Some(id) = &self.request_id {
            req = req.header("X-OpenStack-Request-ID", id.as_str());
        }
        let result = match body {
            Some(b) => {
                let req = req.header("Content-Type", "application/json");
                match req.body(b.to_string()) {
                    Ok(r) => self.agent.run(r),
                    Err(e) => return Outcome::Failed(format!("bad request for {url}: {e}")),
                }
            }
            None => match req.body(()) {
                Ok(r) => self.agent.run(r),
                Err(e) => return Outcome::Failed(format!("bad request for {url}: {e}")),
            },
        };
        match result {
            Ok(resp) => {
                let code = resp.status().as_u16();
                match resp
                    .into_body()
                    .with_config()
                    .limit(BODY_LIMIT)
                    .read_to_string()
                {
                    Ok(text) => Outcome::Status(code, serde_json::from_str(&text).ok(), text),
                    Err(e) => Outcome::Failed(format!("{url}: HTTP {code} with a bad body: {e}")),
                }
            }
            Err(e) => Outcome::Failed(format!("{url}: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_messages() {
        assert_eq!(parse_version("1.115"), Some((1, 115)));
        assert_eq!(parse_version("1"), None);
        assert!((1, 115).min(MAX_VERSION) == (1, 62));
        let body =
            r#"{"error_message": "{\"faultstring\": \"Node not found\", \"debuginfo\": null}"}"#;
        assert_eq!(error_message(body), "Node not found");
        assert_eq!(error_message("<html>oops</html>"), "<html>oops</html>");
    }
}
