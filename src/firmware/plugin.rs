//! Vendor tools as plug-ins, as IPA's pluggable hardware managers are: an executable
//! `ironbox-firmware-<name>` on PATH gets one JSON request on stdin and answers one JSON
//! document on stdout. Requests: `{"action":"list"}` → `{"components":[{id, kind, name,
//! version, vendor}]}`; `{"action":"update", "component", "image", "version", "dry_run"}` →
//! `{"status", "pending_reboot", ...}`; `{"action":"status", "component"}` → any object.

use super::Method;
use super::component::{Component, ComponentKind, Details};
use crate::report::{Context, IronError, Key, Kind, Result};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const PREFIX: &str = "ironbox-firmware-";

/// A plug-in found on PATH.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Plugin {
    /// The part after `ironbox-firmware-`.
    pub name: String,
    pub path: PathBuf,
}

/// What ironbox asks a plug-in (the protocol above), one JSON object on its stdin.
#[derive(Debug, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Request<'a> {
    List,
    Update {
        component: &'a str,
        image: &'a Path,
        version: Option<&'a str>,
        dry_run: bool,
        allow_downgrade: bool,
    },
    Status {
        component: Option<&'a str>,
    },
    Virtualization {
        enable: bool,
    },
}

/// A plug-in's answer: any JSON object (beyond the few keys the protocol names, it is the
/// vendor's), passed on as it came.
pub type Answer = Map<String, Value>;

/// The details of a component a plug-in listed.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PluginDetails {
    pub plugin: String,
}

/// Every plug-in on PATH; the first of a name wins, as the shell's lookup does.
pub fn discover() -> Vec<Plugin> {
    use std::os::unix::fs::PermissionsExt;
    let mut found: Vec<Plugin> = Vec::new();
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut names: Vec<_> = rd.filter_map(|e| e.ok()).collect();
        names.sort_by_key(|e| e.file_name());
        for e in names {
            let file = e.file_name().to_string_lossy().into_owned();
            let Some(name) = file.strip_prefix(PREFIX) else {
                continue;
            };
            let exec = e
                .metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
            if exec && !name.is_empty() && !found.iter().any(|p| p.name == name) {
                found.push(Plugin {
                    name: name.to_string(),
                    path: e.path(),
                });
            }
        }
    }
    found
}

pub fn find(name: &str) -> Result<Plugin> {
    discover()
        .into_iter()
        .find(|p| p.name == name)
        .ok_or_else(|| {
            IronError::new(
                Kind::NotFound,
                format!("no plug-in '{PREFIX}{name}' on PATH"),
            )
            .with(Key::Plugin, name)
        })
}

/// Runs one plug-in with `request` and returns its answer. A plug-in that exits non-zero or
/// answers something other than a JSON object fails the call, with its `error` if it gave one.
pub fn call(p: &Plugin, request: &Request, timeout: Duration) -> Result<Answer> {
    let mut child = Command::new(&p.path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .ctx(Kind::External, || {
            format!("cannot run plug-in {}", p.path.display())
        })?;
    let body = serde_json::to_vec(request).unwrap_or_default();
    let (writer, reader) = converse(&mut child, body);
    let status = wait(&mut child, &p.name, timeout)?;
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    answer_of(&p.name, status, &out)
}

/// Feeds the request and collects stdout on threads of their own, so that neither pipe can
/// fill up and stall the plug-in while we wait for it.
fn converse(child: &mut Child, body: Vec<u8>) -> (JoinHandle<()>, JoinHandle<Vec<u8>>) {
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            let _ = s.write_all(&body);
        }
    });
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut out);
        }
        out
    });
    (writer, reader)
}

/// Waits for the plug-in's exit, killing it past `timeout` (and on an interrupt).
fn wait(child: &mut Child, name: &str, timeout: Duration) -> Result<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(st) = child
            .try_wait()
            .ctx(Kind::External, || format!("plug-in {name}"))?
        {
            return Ok(st);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(IronError::new(
                Kind::External,
                format!(
                    "plug-in {name} did not answer within {}s",
                    timeout.as_secs()
                ),
            )
            .with(Key::Plugin, name));
        }
        crate::interrupt::check()?;
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The answer of a plug-in that exited with `status` and printed `out`.
fn answer_of(name: &str, status: ExitStatus, out: &[u8]) -> Result<Answer> {
    let answer: Option<Answer> = serde_json::from_slice(out).ok();
    if !status.success() {
        let msg = answer
            .as_ref()
            .and_then(|a| a.get("error"))
            .map(|e| match e {
                Value::String(s) => s.clone(),
                other => other
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            })
            .unwrap_or_default();
        let msg = if msg.is_empty() {
            String::new()
        } else {
            format!(": {msg}")
        };
        return Err(IronError::new(
            Kind::External,
            format!("plug-in {name} failed ({status}){msg}"),
        )
        .with(Key::Plugin, name));
    }
    answer.ok_or_else(|| {
        IronError::new(
            Kind::External,
            format!("plug-in {name} did not answer a json object"),
        )
        .with(Key::Plugin, name)
        .with(
            Key::Output,
            String::from_utf8_lossy(out)
                .chars()
                .take(200)
                .collect::<String>(),
        )
    })
}

/// The components one plug-in lists.
fn listed(p: &Plugin) -> Result<Vec<Component>> {
    let answer = call(p, &Request::List, Duration::from_secs(30))?;
    let items = answer.get("components").and_then(Value::as_array);
    Ok(items
        .into_iter()
        .flatten()
        .filter_map(|item| from_plugin(&p.name, item))
        .collect())
}

/// Components every plug-in reports, and the plug-ins that failed to answer.
pub fn components() -> (Vec<Component>, Vec<String>) {
    let mut comps = Vec::new();
    let mut errors = Vec::new();
    for p in discover() {
        match listed(&p) {
            Ok(list) => comps.extend(list),
            Err(e) => errors.push(e.to_string()),
        }
    }
    (comps, errors)
}

fn from_plugin(plugin: &str, v: &Value) -> Option<Component> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let kind = s("kind").map_or(ComponentKind::Plugin, ComponentKind::Other);
    let details = Details::Plugin(PluginDetails {
        plugin: plugin.to_string(),
    });
    let mut c = Component::new(s("id")?, kind, format!("plugin:{plugin}"), details);
    c.name = s("name");
    c.version = s("version");
    c.vendor = s("vendor");
    if v.get("updatable").and_then(Value::as_bool).unwrap_or(true) {
        c = c.updatable_by(Method::Plugin);
    }
    Some(c)
}

/// The plug-in that lists `component`, if any.
pub fn owner(component: &str) -> Option<(Plugin, Component)> {
    discover().into_iter().find_map(|p| {
        let c = listed(&p).ok()?.into_iter().find(|c| c.id == component)?;
        Some((p, c))
    })
}
