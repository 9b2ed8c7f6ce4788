//! Extensions: `ironbox X` runs `ironbox-X` from PATH when X is not a built-in command (as git
//! and cargo do) so vendors can ship their own tools. The binary itself, reached through a
//! multi-call link, is never run this way.

use crate::report::{IronError, Key, Kind, Result};
use serde_json::Value;
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

fn is_executable(p: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Finds `ironbox-<name>` on PATH, skipping links back to ourselves.
pub fn find(name: &str) -> Option<PathBuf> {
    let me = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::canonicalize(p).ok());
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(format!("ironbox-{name}")))
        .find(|cand| is_executable(cand) && std::fs::canonicalize(cand).ok() != me)
}

pub fn run(argv: Vec<OsString>) -> Result<Value> {
    let name = argv
        .first()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let valid = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !name.is_empty();
    let Some(exe) = valid.then(|| find(&name)).flatten() else {
        return Err(IronError::usage(format!(
            "unknown command '{name}' (no built-in command and no ironbox-{name} on PATH)"
        ))
        .with(Key::Command, &name));
    };
    // exec only returns on failure.
    let err = std::process::Command::new(&exe).args(&argv[1..]).exec();
    Err(IronError::new(Kind::External, format!("cannot run {}", exe.display())).caused_by(err))
}
