//! Creating filesystems on new partitions with the system's mkfs.*/mkswap (what IPA does too):
//! tools are looked up before the disk is opened, so a missing one fails early and clearly.

use crate::partition::layout::format_tool;
use crate::report::{IronError, Key, Kind, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Finds `tool` on PATH or in the sbin directories a minimal ramdisk PATH may lack.
pub fn find_tool(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// The mkfs program for `format`, or an error naming the missing tool.
pub fn require(format: &str, number: u32) -> Result<PathBuf> {
    let tool = format_tool(format);
    find_tool(tool).ok_or_else(|| {
        IronError::new(
            Kind::NotFound,
            format!(
                "{tool} is not installed; it is needed to format partition {number} as {format}"
            ),
        )
        .with(Key::Tool, tool)
    })
}

/// Runs the mkfs program on `node`.
pub fn make(tool: &Path, format: &str, label: Option<&str>, node: &Path) -> Result<()> {
    let mut cmd = Command::new(tool);
    match format {
        "ext2" | "ext3" | "ext4" => {
            cmd.args(["-F", "-q"]);
            if let Some(l) = label {
                cmd.args(["-L", l]);
            }
        }
        "xfs" | "btrfs" => {
            cmd.args(["-f", "-q"]);
            if let Some(l) = label {
                cmd.args(["-L", l]);
            }
        }
        "vfat" | "fat32" => {
            if format == "fat32" {
                cmd.args(["-F", "32"]);
            }
            if let Some(l) = label {
                cmd.args(["-n", l]);
            }
        }
        "swap" => {
            if let Some(l) = label {
                cmd.args(["-L", l]);
            }
        }
        _ => {}
    }
    cmd.arg(node).stdin(Stdio::null());
    let out = cmd.output().map_err(|e| {
        IronError::new(Kind::External, format!("cannot run {}", tool.display())).caused_by(e)
    })?;
    if !out.status.success() {
        return Err(IronError::new(
            Kind::External,
            format!("{} failed on {}", tool.display(), node.display()),
        )
        .with(Key::Device, node.display().to_string())
        .caused_by(
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .take(3)
                .collect::<Vec<_>>()
                .join(" / "),
        ));
    }
    Ok(())
}
