//! IPA's command extensions as Ironic's agent client calls them (`<extension>.<method>`), each
//! a thin layer that runs ironbox subcommands as child processes of this binary and turns their
//! JSON reports into IPA's command results: a crash or a hang in a disk operation stays in the
//! child, and the agent consumes the same documented reports the ansible playbooks read.

mod clean;
mod deploy;
mod image;
mod log;
mod node;
pub mod params;
mod partition_image;
pub mod run;
mod standby;
mod steps;
mod system;

use serde::Serialize;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

pub type Params = Map<String, Value>;

/// IPA's serialized RESTError: what Ironic puts in last_error is `details`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CommandError {
    #[serde(rename = "type")]
    pub kind: String,
    pub code: u16,
    pub message: String,
    pub details: String,
}

impl CommandError {
    pub fn execution(details: impl Into<String>) -> CommandError {
        CommandError {
            kind: "CommandExecutionError".into(),
            code: 500,
            message: "Command execution failed".into(),
            details: details.into(),
        }
    }
    pub fn invalid_params(details: impl Into<String>) -> CommandError {
        CommandError {
            kind: "InvalidCommandParamsError".into(),
            code: 400,
            message: "Invalid command parameters".into(),
            details: details.into(),
        }
    }
    pub fn version_mismatch(agent: &Value, node: &Value) -> CommandError {
        CommandError {
            kind: "VersionMismatch".into(),
            code: 500,
            message: "Hardware managers version mismatch, reload agent with correct version".into(),
            details: format!("Current versions: {agent}, versions provided by node: {node}"),
        }
    }
}

pub type Outcome = std::result::Result<Value, CommandError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Runs in the request and answers with the result.
    Sync,
    /// Runs in its own thread; the answer says RUNNING and Ironic polls.
    Async,
}

pub struct Method {
    pub name: &'static str,
    pub mode: Mode,
    pub run: fn(&Ctx, &Params) -> Outcome,
}

pub struct Extension {
    pub name: &'static str,
    pub methods: &'static [Method],
}

/// Every extension the agent answers for; anything else is IPA's unknown extension (404).
pub const EXTENSIONS: &[Extension] = &[
    deploy::EXTENSION,
    clean::EXTENSION,
    standby::EXTENSION,
    image::EXTENSION,
    log::EXTENSION,
    system::EXTENSION,
];

/// The one hardware manager this agent has. Ironic stores it from get_*_steps and sends it
/// back with every step: any change in between restarts cleaning (IPA's check_versions).
pub const MANAGER_NAME: &str = "ironbox_hardware_manager";
pub const MANAGER_VERSION: &str = "1.0";

/// A command's typed result as it is kept and answered (keys sorted, as serde_json's map
/// writes them).
pub fn document(result: &impl Serialize) -> Outcome {
    serde_json::to_value(result)
        .map_err(|e| CommandError::execution(format!("cannot encode the result: {e}")))
}

/// What the commands share: how to run ironbox, where the ramdisk's files are, and what earlier
/// commands learned (the node Ironic sent, the disk written, the partition UUIDs).
pub struct Ctx {
    pub exe: PathBuf,
    pub state_dir: PathBuf,
    pub power_off: Vec<String>,
    pub reboot: Vec<String>,
    pub node: Mutex<node::Node>,
    pub disk: Mutex<Option<String>>,
    /// What get_partition_uuids answers (None: nothing written yet).
    pub partition_uuids: Mutex<Option<standby::PartitionUuids>>,
    /// The partition image written by write_image, for install_bootloader.
    pub partition_image: Mutex<Option<partition_image::Written>>,
    /// Ironic's enable_bios_bootloader_install (lookup config).
    pub bios_bootloader_install: AtomicBool,
    /// ipa-ignore-bootloader-failure on the kernel command line.
    pub ignore_bootloader_failure: bool,
    pub locked: AtomicBool,
    pub started_at: f64,
}

impl Ctx {
    pub fn new(exe: PathBuf, state_dir: PathBuf) -> Ctx {
        Ctx {
            exe,
            state_dir,
            power_off: vec!["poweroff".into(), "-f".into()],
            reboot: vec!["reboot".into(), "-f".into()],
            node: Mutex::new(node::Node::default()),
            disk: Mutex::new(None),
            partition_uuids: Mutex::new(None),
            partition_image: Mutex::new(None),
            bios_bootloader_install: AtomicBool::new(false),
            ignore_bootloader_failure: false,
            locked: AtomicBool::new(false),
            started_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0),
        }
    }

    /// Keeps the node of a step call (IPA's cache_node): later commands read its hints and knobs.
    pub fn cache_node(&self, p: &Params) {
        if let (Some(n), Ok(mut c)) = (node::from_params(p), self.node.lock()) {
            *c = n;
        }
    }

    /// The node cached last (empty before any step call).
    pub fn node(&self) -> node::Node {
        self.node.lock().map(|n| n.clone()).unwrap_or_default()
    }

    /// `--disk D` of the disk written earlier, else `--disk auto --hints <root_device>`.
    pub fn disk_args(&self) -> Vec<String> {
        if let Some(d) = self.disk.lock().ok().and_then(|d| d.clone()) {
            return vec!["--disk".into(), d];
        }
        self.root_disk_args()
    }

    /// `--disk auto` with the node's root device hints (IPA's root disk choice).
    pub fn root_disk_args(&self) -> Vec<String> {
        let mut a = vec!["--disk".into(), "auto".into()];
        if let Some(h) = self.node().properties.root_device {
            a.push("--hints".into());
            a.push(h.to_string());
        }
        a
    }
}

pub fn find(ext: &str, method: &str) -> Lookup {
    let Some(e) = EXTENSIONS.iter().find(|e| e.name == ext) else {
        return Lookup::NoExtension;
    };
    match e.methods.iter().find(|m| m.name == method) {
        Some(m) => Lookup::Found(m),
        None => Lookup::NoMethod,
    }
}

pub enum Lookup {
    Found(&'static Method),
    NoExtension,
    NoMethod,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookups() {
        assert!(matches!(find("clean", "get_clean_steps"), Lookup::Found(_)));
        assert!(matches!(find("clean", "nope"), Lookup::NoMethod));
        assert!(matches!(
            find("rescue", "finalize_rescue"),
            Lookup::NoExtension
        ));
    }

    #[test]
    fn disk_arguments() {
        let c = Ctx::new("/bin/false".into(), "/nonexistent".into());
        assert_eq!(c.disk_args(), ["--disk", "auto"]);
        let mut p = Params::new();
        p.insert(
            "node".into(),
            json!({"properties": {"root_device": {"serial": "S1"}}}),
        );
        c.cache_node(&p);
        assert_eq!(
            c.disk_args(),
            ["--disk", "auto", "--hints", r#"{"serial":"S1"}"#]
        );
        *c.disk.lock().unwrap() = Some("/dev/vda".into());
        assert_eq!(c.disk_args(), ["--disk", "/dev/vda"]);
    }
}
