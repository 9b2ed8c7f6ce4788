//! `GET /v1/lookup?addresses=MAC,MAC`: finds this node in Ironic by its interfaces' MACs
//! (BOOTIF's first), retried as IPA does while the node is not yet waiting (404), locked (409)
//! or the API unreachable, within ipa-lookup-timeout. Keeps the node uuid, heartbeat_timeout and
//! the agent token (handed out once; a second lookup gets "******").

use super::api::{Api, Outcome};
use super::backoff::Backoff;
use super::state::{self, Recorder, State};
use crate::agent::ext::params;
use crate::report::Result;
use serde::Deserialize;
use serde::de::Deserializer;
use serde_json::Value;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Node {
    pub uuid: String,
    pub heartbeat_timeout: f64,
    pub token: Option<String>,
    /// Ironic's [agent]enable_bios_bootloader_install (false when absent, as IPA): whether grub
    /// may be installed into a partition image (run from the image, in a chroot).
    pub bios_bootloader_install: bool,
}

/// IPA's default when the config leaves it out.
const DEFAULT_HEARTBEAT_TIMEOUT: f64 = 300.0;

/// The MACs to look up with: BOOTIF's first, then the others in name order, no duplicates.
pub fn addresses(boot_mac: Option<&str>, macs: &[String]) -> Vec<String> {
    let mut out: Vec<String> = boot_mac.map(str::to_string).into_iter().collect();
    for m in macs {
        let m = m.to_ascii_lowercase();
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

/// Ironic's lookup answer, the parts the agent reads (leniently: a value of another type
/// counts as absent).
#[derive(Deserialize)]
struct Answer {
    #[serde(default, deserialize_with = "params::object_or_default")]
    node: AnswerNode,
    #[serde(default, deserialize_with = "params::object_or_default")]
    config: Config,
}

#[derive(Default, Deserialize)]
struct AnswerNode {
    #[serde(default, deserialize_with = "params::lenient")]
    uuid: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Config {
    #[serde(deserialize_with = "seconds")]
    heartbeat_timeout: Option<f64>,
    #[serde(deserialize_with = "params::lenient")]
    agent_token: Option<String>,
    #[serde(deserialize_with = "params::lenient")]
    agent_token_required: Option<bool>,
    /// Ironic's [agent]enable_bios_bootloader_install.
    #[serde(deserialize_with = "params::lenient")]
    enable_bios_bootloader_install: Option<bool>,
}

/// A number of seconds, or a string holding one.
fn seconds<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<f64>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(v.as_f64().or_else(|| v.as_str()?.parse().ok()))
}

/// Reads a lookup answer; `Err` says what was wrong with it.
pub fn parse(body: &Value) -> std::result::Result<Node, String> {
    let answer = Some(body)
        .filter(|b| b.is_object())
        .and_then(|b| Answer::deserialize(b).ok())
        .ok_or("the answer has no node.uuid")?;
    let uuid = answer
        .node
        .uuid
        .filter(|u| !u.is_empty() && u.len() <= 64 && !u.contains(['/', '?', '#']))
        .ok_or("the answer has no node.uuid")?;
    let config = answer.config;
    let timeout = config
        .heartbeat_timeout
        .filter(|t| t.is_finite() && *t > 0.0 && *t < 1e7)
        .unwrap_or(DEFAULT_HEARTBEAT_TIMEOUT);
    let token = config
        .agent_token
        .filter(|t| !t.is_empty() && *t != "******");
    if token.is_none() && config.agent_token_required == Some(true) {
        return Err("the answer carries no usable agent_token (already handed out?)".into());
    }
    Ok(Node {
        uuid,
        heartbeat_timeout: timeout,
        token,
        bios_bootloader_install: config.enable_bios_bootloader_install == Some(true),
    })
}

/// Looks the node up until it answers or `timeout` passes (`Ok(None)`).
pub fn run(
    api: &mut Api,
    macs: &[String],
    interval: Duration,
    timeout: Duration,
    rec: &mut Recorder,
) -> Result<Option<Node>> {
    let start = Instant::now();
    let mut backoff = Backoff::new(interval.max(Duration::from_millis(100)), 30.0);
    let url = format!("{}/v1/lookup?addresses={}", api.base(), macs.join(","));
    rec.enter(
        State::LookingUp,
        &format!(
            "looking up this node at {} with {}",
            api.base(),
            macs.join(",")
        ),
    );
    let mut last_error = String::new();
    loop {
        crate::interrupt::check()?;
        rec.status.lookups += 1;
        let outcome = match api.version() {
            Ok(v) => api.call("GET", &url, Some(&v), None),
            Err(o) => o,
        };
        let why = match outcome {
            Outcome::Status(200, Some(body), _) => match parse(&body) {
                Ok(node) => return Ok(Some(node)),
                Err(e) => format!("lookup answer unusable: {e}"),
            },
            o @ Outcome::Status(..) => format!("lookup: {o}"),
            o @ Outcome::Failed(_) => {
                api.reset_version();
                format!("lookup: {o}")
            }
        };
        if why != last_error {
            state::log(&format!("{why}; retrying"));
            last_error.clone_from(&why);
        }
        rec.status.last_error = Some(why);
        rec.save();
        if start.elapsed() >= timeout {
            return Ok(None);
        }
        let left = timeout.saturating_sub(start.elapsed());
        crate::fetch::http::sleep_interruptible(backoff.next().min(left))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_answers() {
        let n = parse(
            &json!({"node": {"uuid": "u-1"}, "config": {"heartbeat_timeout": 5,
            "agent_token": "tok", "agent_token_required": true}}),
        )
        .unwrap();
        assert_eq!((n.uuid.as_str(), n.heartbeat_timeout), ("u-1", 5.0));
        assert_eq!(n.token.as_deref(), Some("tok"));
        assert!(
            !n.bios_bootloader_install,
            "IPA's default when the config says nothing"
        );
        let allowed =
            json!({"node": {"uuid": "u"}, "config": {"enable_bios_bootloader_install": true}});
        assert!(parse(&allowed).unwrap().bios_bootloader_install);
        let hidden = json!({"node": {"uuid": "u"}, "config": {"agent_token": "******",
            "agent_token_required": true}});
        assert!(parse(&hidden).is_err());
        assert!(parse(&json!({"node": {"uuid": "../x"}})).is_err());
        assert!(parse(&json!([1])).is_err());
        assert!(parse(&json!({"node": "u"})).is_err());
        assert!(parse(&json!([{"uuid": "u"}])).is_err());
        assert!(parse(&json!({"node": [{"uuid": "u"}]})).is_err());
        let lenient = json!({"node": {"uuid": "u"}, "config": {"heartbeat_timeout": "7.5",
            "agent_token": 5, "agent_token_required": "yes", "enable_bios_bootloader_install": 1}});
        let n = parse(&lenient).unwrap();
        assert_eq!(
            (n.heartbeat_timeout, n.token, n.bios_bootloader_install),
            (7.5, None, false)
        );
        let d =
            parse(&json!({"node": {"uuid": "u"}, "config": {"heartbeat_timeout": -1}})).unwrap();
        assert_eq!(d.heartbeat_timeout, 300.0);
    }

    #[test]
    fn boot_mac_first() {
        let macs = vec![
            "52:54:00:00:00:02".to_string(),
            "52:54:00:00:00:01".to_string(),
        ];
        assert_eq!(
            addresses(Some("52:54:00:00:00:01"), &macs),
            ["52:54:00:00:00:01", "52:54:00:00:00:02"]
        );
    }
}
