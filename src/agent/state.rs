//! The agent's status file (`agent.json`) and the human log lines: one line on stderr per state
//! change, the file rewritten atomically (temp file + rename) so a reader never sees half of it.
//! The agent token is never written anywhere.

use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    WaitingForNetwork,
    Inspecting,
    LookingUp,
    Heartbeating,
    /// After system.lockdown: no heartbeats, no API, until the node powers off.
    LockedDown,
}

#[derive(Debug, Serialize)]
pub struct Status {
    pub state: State,
    pub api_url: Option<String>,
    pub node_uuid: Option<String>,
    pub callback_url: Option<String>,
    pub heartbeat_timeout: Option<f64>,
    pub last_heartbeat: Option<String>,
    pub last_heartbeat_result: Option<String>,
    pub last_error: Option<String>,
    pub lookups: u64,
    pub heartbeats: u64,
    pub heartbeat_failures: u64,
    pub updated: String,
}

pub struct Recorder {
    dir: PathBuf,
    pub status: Status,
}

/// ISO 8601 UTC, second precision.
pub fn now_iso() -> String {
    crate::clock::now(crate::clock::Precision::Seconds)
}

pub fn log(line: &str) {
    eprintln!("ironbox-agent: {line}");
}

/// Writes `value` as JSON to `dir/name` through a temp file and a rename.
pub fn write_json(dir: &Path, name: &str, value: &impl Serialize) {
    let tmp = dir.join(format!(".{name}.tmp"));
    let data = match serde_json::to_vec_pretty(value) {
        Ok(d) => d,
        Err(e) => return log(&format!("cannot encode {name}: {e}")),
    };
    if let Err(e) = std::fs::write(&tmp, data).and_then(|()| std::fs::rename(&tmp, dir.join(name)))
    {
        log(&format!("cannot write {}: {e}", dir.join(name).display()));
    }
}

impl Recorder {
    pub fn new(dir: PathBuf, api_url: Option<String>) -> Recorder {
        if let Err(e) = std::fs::create_dir_all(&dir) {
            log(&format!("cannot create {}: {e}", dir.display()));
        }
        Recorder {
            dir,
            status: Status {
                state: State::WaitingForNetwork,
                api_url,
                node_uuid: None,
                callback_url: None,
                heartbeat_timeout: None,
                last_heartbeat: None,
                last_heartbeat_result: None,
                last_error: None,
                lookups: 0,
                heartbeats: 0,
                heartbeat_failures: 0,
                updated: now_iso(),
            },
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Moves to `state`, logging `why` when the state changes.
    pub fn enter(&mut self, state: State, why: &str) {
        if self.status.state != state {
            log(why);
        }
        self.status.state = state;
        self.save();
    }

    pub fn save(&mut self) {
        self.status.updated = now_iso();
        write_json(&self.dir, "agent.json", &self.status);
    }
}
