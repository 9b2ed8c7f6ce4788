//! CHAP secrets for iSCSI, read from files (never from the command line, where `ps` would show
//! them): the target side (`export iscsi`) and the initiator side (`attach iscsi`) read them the
//! same way.

use crate::report::{IronError, Key, Kind, Result};

/// Reads a CHAP secret from a file: one line, no surrounding whitespace; never echoed.
pub fn read_secret(path: &std::path::Path, field: &str) -> Result<String> {
    let s = std::fs::read_to_string(path).map_err(|e| {
        IronError::new(
            Kind::InvalidInput,
            format!("cannot read {field} {}", path.display()),
        )
        .with(Key::Field, field)
        .with(Key::Path, path.display().to_string())
        .caused_by(e)
    })?;
    let s = s.trim_end_matches(['\n', '\r']).to_string();
    if s.is_empty() || s.len() > 255 || s.chars().any(|c| !c.is_ascii_graphic()) {
        return Err(IronError::new(
            Kind::InvalidInput,
            format!(
                "{field} {} must hold one line of 1 to 255 printable characters",
                path.display()
            ),
        )
        .with(Key::Field, field)
        .with(Key::Path, path.display().to_string()));
    }
    Ok(s)
}
