//! Vendor tools as plug-ins, as IPA's pluggable hardware managers are: an executable
//! `ironbox-firmware-<name>` on PATH gets one JSON request on stdin and answers one JSON
//! document on stdout. Requests: `{"action":"list"}` → `{"components":[{id, kind, name,
//! version, vendor}]}`; `{"action":"update", "component", "image", "version", "dry_run"}` →
//! `{"status", "pending_reboot", ...}`; `{"action":"status", "component"}` → any object.

use super::component::Component;
use crate::report::{Context, IronError, Kind, Result};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const PREFIX: &str = "ironbox-firmware-";

/// (name, path) of every plug-in on PATH; the first of a name wins, as the shell's lookup does.
pub fn discover() -> Vec<(String, PathBuf)> {
    use std::os::unix::fs::PermissionsExt;
    let mut found: Vec<(String, PathBuf)> = Vec::new();
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
            if exec && !name.is_empty() && !found.iter().any(|(n, _)| n == name) {
                found.push((name.to_string(), e.path()));
            }
        }
    }
    found
}

pub fn find(name: &str) -> Result<PathBuf> {
    discover()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, p)| p)
        .ok_or_else(|| {
            IronError::new(
                Kind::NotFound,
                format!("no plug-in '{PREFIX}{name}' on PATH"),
            )
            .with("plugin", name)
        })
}

/// Runs one plug-in with `request` and returns its answer. A plug-in that exits non-zero or
/// answers something other than a JSON object fails the call, with its `error` if it gave one.
pub fn call(name: &str, path: &PathBuf, request: &Value, timeout: Duration) -> Result<Value> {
    let mut child = Command::new(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .ctx(Kind::External, || {
            format!("cannot run plug-in {}", path.display())
        })?;
    let body = serde_json::to_vec(request).unwrap_or_default();
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
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(st) = child
            .try_wait()
            .ctx(Kind::External, || format!("plug-in {name}"))?
        {
            break st;
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
            .with("plugin", name));
        }
        crate::interrupt::check()?;
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    let answer: Option<Value> = serde_json::from_slice(&out).ok().filter(Value::is_object);
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
        return Err(IronError::new(
            Kind::External,
            format!(
                "plug-in {name} failed ({status}){}",
                if msg.is_empty() {
                    String::new()
                } else {
                    format!(": {msg}")
                }
            ),
        )
        .with("plugin", name));
    }
    answer.ok_or_else(|| {
        IronError::new(
            Kind::External,
            format!("plug-in {name} did not answer a json object"),
        )
        .with("plugin", name)
        .with(
            "output",
            String::from_utf8_lossy(&out)
                .chars()
                .take(200)
                .collect::<String>(),
        )
    })
}

/// Components every plug-in reports, and the plug-ins that failed to answer.
pub fn components() -> (Vec<Component>, Vec<String>) {
    let mut comps = Vec::new();
    let mut errors = Vec::new();
    for (name, path) in discover() {
        match call(
            &name,
            &path,
            &json!({"action": "list"}),
            Duration::from_secs(30),
        ) {
            Ok(answer) => {
                let list = answer["components"].as_array().cloned().unwrap_or_default();
                for item in list {
                    if let Some(c) = from_plugin(&name, &item) {
                        comps.push(c);
                    }
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    (comps, errors)
}

fn from_plugin(plugin: &str, v: &Value) -> Option<Component> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let mut c = Component::new(s("id")?, "plugin", format!("plugin:{plugin}"));
    c.kind = s("kind").unwrap_or_else(|| "plugin".into());
    c.name = s("name");
    c.version = s("version");
    c.vendor = s("vendor");
    if v.get("updatable").and_then(Value::as_bool).unwrap_or(true) {
        c = c.updatable_by("plugin");
    }
    Some(c.detail("plugin", plugin))
}

/// The plug-in that lists `component`, if any.
pub fn owner(component: &str) -> Option<(String, PathBuf, Component)> {
    for (name, path) in discover() {
        let Ok(answer) = call(
            &name,
            &path,
            &json!({"action": "list"}),
            Duration::from_secs(30),
        ) else {
            continue;
        };
        for item in answer["components"].as_array().cloned().unwrap_or_default() {
            if let Some(c) = from_plugin(&name, &item)
                && c.id == component
            {
                return Some((name, path, c));
            }
        }
    }
    None
}
