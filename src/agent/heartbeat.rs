//! `POST /v1/heartbeat/{uuid}` every 0.3–0.6 × heartbeat_timeout (random in that range, as IPA),
//! with callback_url, agent_token and agent_version. Returns when Ironic refuses the node or the
//! token (404, 401, 403: a power action wiped the token), so the caller looks up again; a locked
//! node (409), 5xx or an unreachable API are retried 5–10 s apart (IPA's error interval:
//! 5 s × uniform(1, 2)), forever, or until system.lockdown.

use super::api::{Api, Outcome};
use super::backoff::Rng;
use super::lookup::Node;
use super::state::{self, Recorder, State, now_iso};
use crate::report::Result;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The version this agent reports (Ironic records it as the node's agent_version).
pub const AGENT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// IPA's jitter range for the interval between heartbeats.
const MIN_JITTER: f64 = 0.3;
const MAX_JITTER: f64 = 0.6;
/// IPA's retry after a failed heartbeat: this many seconds times uniform(1, 2); never more
/// than heartbeat_timeout (short timeouts in labs and tests).
const ERROR_INTERVAL: f64 = 5.0;

#[derive(Serialize)]
struct Body<'a> {
    callback_url: &'a str,
    agent_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_token: Option<&'a str>,
    /// The PEM of the API's self-signed certificate (IPA's automatic TLS): Ironic verifies
    /// the agent with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_verify_ca: Option<&'a str>,
}

/// What to do after a heartbeat answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Continue,
    Retry,
    LookupAgain,
}

pub fn classify(o: &Outcome) -> Next {
    match o {
        Outcome::Status(200 | 202 | 204, ..) => Next::Continue,
        Outcome::Status(401 | 403 | 404, ..) => Next::LookupAgain,
        _ => Next::Retry,
    }
}

/// Consecutive refusals of another kind (400, 406...) after which a fresh lookup is worth more
/// than repeating the same request.
const REFUSALS_BEFORE_LOOKUP: u32 = 5;

/// Why heartbeating ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// Ironic refused the node or the token: look the node up again.
    LookupAgain,
    /// system.lockdown: no more heartbeats, ever.
    LockedDown,
}

/// What the loop remembers between heartbeats.
struct Beats {
    rng: Rng,
    refusals: u32,
    failing: bool,
    error_interval: f64,
}

impl Beats {
    /// A heartbeat accepted: the next one 0.3–0.6 × heartbeat_timeout from now.
    fn accepted(&mut self, node: &Node, callback_url: &str, rec: &mut Recorder) -> Duration {
        rec.status.heartbeats += 1;
        rec.status.last_error = None;
        if self.failing || rec.status.state != State::Heartbeating {
            rec.enter(
                State::Heartbeating,
                &format!(
                    "heartbeating for node {} as {callback_url} (every {:.1}-{:.1} s)",
                    node.uuid,
                    node.heartbeat_timeout * MIN_JITTER,
                    node.heartbeat_timeout * MAX_JITTER
                ),
            );
        }
        self.failing = false;
        self.refusals = 0;
        Duration::from_secs_f64(node.heartbeat_timeout * self.rng.uniform(MIN_JITTER, MAX_JITTER))
    }

    /// A heartbeat that failed: the wait before the next try, or None when refusals of the
    /// same kind call for a new lookup.
    fn failed(&mut self, api: &mut Api, outcome: &Outcome, rec: &mut Recorder) -> Option<Duration> {
        rec.status.heartbeat_failures += 1;
        if matches!(outcome, Outcome::Failed(_)) {
            api.reset_version();
        }
        if matches!(outcome, Outcome::Status(c, ..) if (400..500).contains(c) && *c != 409) {
            self.refusals += 1;
            if self.refusals >= REFUSALS_BEFORE_LOOKUP {
                state::log(&format!(
                    "heartbeat refused {} times ({outcome}); looking up again",
                    self.refusals
                ));
                return None;
            }
        }
        let wait = Duration::from_secs_f64(self.error_interval * self.rng.uniform(1.0, 2.0));
        if !self.failing {
            state::log(&format!(
                "heartbeat failed ({outcome}); retrying every {:.0}-{:.0} s",
                self.error_interval,
                self.error_interval * 2.0
            ));
        }
        self.failing = true;
        rec.status.last_error = Some(format!("heartbeat: {outcome}"));
        Some(wait)
    }
}

/// Records the lockdown: the agent stays up, silent.
pub fn locked_down(rec: &mut Recorder) -> Ended {
    rec.enter(
        State::LockedDown,
        "locked down by Ironic: no more heartbeats or requests",
    );
    Ended::LockedDown
}

/// Sleeps `wait`, cut short by a lockdown.
fn sleep_unless_locked(wait: Duration, locked: &AtomicBool) -> Result<()> {
    let end = Instant::now() + wait;
    while !locked.load(Ordering::SeqCst) {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        crate::fetch::http::sleep_interruptible(left.min(Duration::from_millis(250)))?;
    }
    Ok(())
}

/// Heartbeats for `node` until Ironic refuses it or `locked` (system.lockdown) is set.
pub fn run(
    api: &mut Api,
    node: &Node,
    callback_url: &str,
    verify_ca: Option<&str>,
    locked: &AtomicBool,
    rec: &mut Recorder,
) -> Result<Ended> {
    let url = format!("{}/v1/heartbeat/{}", api.base(), node.uuid);
    let body = |with_ca: bool| {
        serde_json::to_value(Body {
            callback_url,
            agent_version: AGENT_VERSION,
            agent_token: node.token.as_deref(),
            agent_verify_ca: verify_ca.filter(|_| with_ca),
        })
        .unwrap_or_default()
    };
    let mut beats = Beats {
        rng: Rng::new(),
        refusals: 0,
        failing: false,
        error_interval: ERROR_INTERVAL.min(node.heartbeat_timeout),
    };
    loop {
        crate::interrupt::check()?;
        if locked.load(Ordering::SeqCst) {
            return Ok(locked_down(rec));
        }
        let outcome = match api.heartbeat_version() {
            Ok((v, with_ca)) => api.call("POST", &url, Some(&v), Some(&body(with_ca))),
            Err(o) => o,
        };
        rec.status.last_heartbeat = Some(now_iso());
        rec.status.last_heartbeat_result = Some(outcome.to_string());
        let wait = match classify(&outcome) {
            Next::Continue => beats.accepted(node, callback_url, rec),
            Next::LookupAgain => {
                rec.status.heartbeat_failures += 1;
                state::log(&format!("heartbeat refused ({outcome}); looking up again"));
                rec.status.last_error = Some(format!("heartbeat: {outcome}"));
                rec.save();
                return Ok(Ended::LookupAgain);
            }
            Next::Retry => match beats.failed(api, &outcome, rec) {
                Some(wait) => wait,
                None => return Ok(Ended::LookupAgain),
            },
        };
        rec.save();
        sleep_unless_locked(wait, locked)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        let s = |c| Outcome::Status(c, None, String::new());
        assert_eq!(classify(&s(202)), Next::Continue);
        assert_eq!(classify(&s(401)), Next::LookupAgain);
        assert_eq!(classify(&s(404)), Next::LookupAgain);
        assert_eq!(classify(&s(409)), Next::Retry);
        assert_eq!(classify(&s(503)), Next::Retry);
        assert_eq!(classify(&Outcome::Failed("refused".into())), Next::Retry);
    }

    /// After system.lockdown no heartbeat goes out, and agent.json says so.
    #[test]
    fn lockdown_stops_heartbeats() {
        let dir = tempfile::tempdir().unwrap();
        let mut rec = Recorder::new(dir.path().to_path_buf(), None);
        // nothing listens on the discard port: a heartbeat sent would fail, not hang
        let mut api = Api::new(ureq::Agent::new_with_defaults(), "http://127.0.0.1:9", None);
        let node = Node {
            uuid: "u-1".into(),
            heartbeat_timeout: 300.0,
            token: Some("tok".into()),
            bios_bootloader_install: false,
        };
        let locked = AtomicBool::new(true);
        let ended = run(&mut api, &node, "https://h:9999", None, &locked, &mut rec).unwrap();
        assert_eq!(ended, Ended::LockedDown);
        assert_eq!(rec.status.state, State::LockedDown);
        assert_eq!(
            (rec.status.heartbeats, rec.status.heartbeat_failures),
            (0, 0)
        );
        assert!(rec.status.last_heartbeat.is_none(), "no heartbeat was sent");
        let saved = std::fs::read_to_string(dir.path().join("agent.json")).unwrap();
        assert!(saved.contains(r#""state": "locked_down""#), "{saved}");
        // a lockdown during the wait between heartbeats cuts it short
        let t = Instant::now();
        sleep_unless_locked(Duration::from_secs(60), &locked).unwrap();
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    /// The body Ironic gets, byte for byte (keys sorted: serde_json has no preserve_order here).
    #[test]
    fn body_on_the_wire() {
        let text = |token, ca| {
            let b = Body {
                callback_url: "https://10.0.0.2:9999",
                agent_version: AGENT_VERSION,
                agent_token: token,
                agent_verify_ca: ca,
            };
            serde_json::to_value(b).unwrap().to_string()
        };
        assert_eq!(
            text(Some("tok"), Some("PEM")),
            format!(
                r#"{{"agent_token":"tok","agent_verify_ca":"PEM","agent_version":"{AGENT_VERSION}","callback_url":"https://10.0.0.2:9999"}}"#
            )
        );
        assert_eq!(
            text(None, None),
            format!(
                r#"{{"agent_version":"{AGENT_VERSION}","callback_url":"https://10.0.0.2:9999"}}"#
            )
        );
    }
}
