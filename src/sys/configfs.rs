//! configfs, the kernel's interface to its LIO (iSCSI) and nvmet (NVMe over Fabrics) targets:
//! loading the modules, mounting configfs, and the mkdir/write/symlink/rmdir calls that
//! configure them. Always the live /sys/kernel/config (a captured tree cannot configure
//! anything).

use crate::report::{IronError, Key, Kind, Result};
use std::path::{Path, PathBuf};

pub const ROOT: &str = "/sys/kernel/config";

/// Makes `ROOT/<subdir>` appear: mounts configfs when it is not, loads `modules` (modprobe, so
/// dependencies come along) when the subtree is missing. Fails naming what is missing.
pub fn ensure(subdir: &str, modules: &[&str]) -> Result<PathBuf> {
    let dir = Path::new(ROOT).join(subdir);
    if dir.is_dir() {
        return Ok(dir);
    }
    let mut causes = Vec::new();
    if !is_mounted() {
        if let Err(e) = modprobe("configfs") {
            causes.push(e);
        }
        if let Err(e) = nix::mount::mount(
            Some("configfs"),
            ROOT,
            Some("configfs"),
            nix::mount::MsFlags::empty(),
            None::<&str>,
        ) {
            causes.push(format!("mount -t configfs configfs {ROOT}: {e}"));
        }
    }
    for m in modules {
        if let Err(e) = modprobe(m) {
            causes.push(e);
        }
    }
    if dir.is_dir() {
        return Ok(dir);
    }
    let mut err = IronError::new(
        Kind::Unsupported,
        format!(
            "{} is missing: this kernel has no configfs or no {} (modules {})",
            dir.display(),
            subdir,
            modules.join(", ")
        ),
    )
    .with(Key::Missing, dir.display().to_string())
    .with(Key::Modules, modules);
    for c in causes {
        err = err.caused_by(c);
    }
    Err(err)
}

fn is_mounted() -> bool {
    std::fs::read_to_string("/proc/self/mounts")
        .map(|m| {
            m.lines()
                .any(|l| l.split_whitespace().nth(2) == Some("configfs"))
        })
        .unwrap_or(false)
}

pub fn modprobe(module: &str) -> std::result::Result<(), String> {
    match std::process::Command::new("modprobe")
        .arg("-q")
        .arg(module)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
    {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("modprobe {module}: {s}")),
        Err(e) => Err(format!("modprobe {module}: {e}")),
    }
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> IronError {
    // A listening address taken by someone else: a network failure, not a disk refusal.
    let kind = if e.raw_os_error() == Some(nix::libc::EADDRINUSE) {
        Kind::Network
    } else {
        Kind::Io
    };
    IronError::new(kind, format!("{what} {}: {e}", path.display()))
        .with(Key::Path, path.display().to_string())
}

pub fn mkdir(path: &Path) -> Result<()> {
    std::fs::create_dir(path).map_err(|e| io_error("mkdir", path, e))
}

/// Writes one attribute (configfs takes the whole value in one write).
pub fn write(path: &Path, value: &str) -> Result<()> {
    std::fs::write(path, value).map_err(|e| io_error("write", path, e))
}

pub fn symlink(target: &Path, link: &Path) -> Result<()> {
    std::os::unix::fs::symlink(target, link).map_err(|e| io_error("symlink", link, e))
}

pub fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

/// Entry names of a configfs directory, sorted; empty when absent.
pub fn list(path: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(path)
        .map(|it| {
            it.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Removes a configfs item (a directory the kernel made attributes in: rmdir, never unlink of
/// its files) or a link; absent is fine, so teardown is idempotent.
pub fn remove(path: &Path) -> Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error("stat", path, e)),
    };
    let r = if meta.file_type().is_symlink() {
        std::fs::remove_file(path)
    } else {
        std::fs::remove_dir(path)
    };
    match r {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_error("remove", path, e)),
        _ => Ok(()),
    }
}
