//! Reading sysfs, procfs and /dev through one root, so that tests and `--sysroot DIR` can point
//! every reader at a captured tree. Nothing here fails a command on odd content: values are
//! trimmed and decoded lossily.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static ROOT: OnceLock<PathBuf> = OnceLock::new();

thread_local! {
    /// A per-thread root for unit tests, so fixture trees do not leak between test threads.
    static THREAD_ROOT: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
}

/// Runs `f` with every reader on this thread pointed at `root` (unit tests on fixture trees).
#[cfg(test)]
pub fn with_root<T>(root: &Path, f: impl FnOnce() -> T) -> T {
    THREAD_ROOT.with(|r| *r.borrow_mut() = Some(root.to_path_buf()));
    let out = f();
    THREAD_ROOT.with(|r| *r.borrow_mut() = None);
    out
}

/// Points every reader at `root` (a captured tree) instead of `/`. Called once by main.
pub fn set_root(root: PathBuf) {
    let _ = ROOT.set(root);
}

/// The root all system paths are read under (`/` on a live machine).
pub fn root() -> PathBuf {
    if let Some(r) = THREAD_ROOT.with(|r| r.borrow().clone()) {
        return r;
    }
    ROOT.get().cloned().unwrap_or_else(|| PathBuf::from("/"))
}

/// True when reading a captured tree rather than the live system.
pub fn is_captured() -> bool {
    root() != Path::new("/")
}

/// Maps an absolute system path (`/sys/class/block`) under the root.
pub fn path(abs: impl AsRef<Path>) -> PathBuf {
    let abs = abs.as_ref();
    root().join(abs.strip_prefix("/").unwrap_or(abs))
}

/// Reads a file as lossy UTF-8, trimmed; None when absent or unreadable.
pub fn read(abs: impl AsRef<Path>) -> Option<String> {
    let bytes = std::fs::read(path(abs)).ok()?;
    Some(String::from_utf8_lossy(&bytes).trim().to_string())
}

/// Reads a file and returns it only when non-empty after trimming.
pub fn read_nonempty(abs: impl AsRef<Path>) -> Option<String> {
    read(abs).filter(|s| !s.is_empty())
}

pub fn read_u64(abs: impl AsRef<Path>) -> Option<u64> {
    read(abs)?.parse().ok()
}

pub fn read_bytes(abs: impl AsRef<Path>) -> Option<Vec<u8>> {
    std::fs::read(path(abs)).ok()
}

/// Entry names of a directory, sorted; empty when absent. Dot-files are skipped: sysfs has
/// none, and captured fixture trees keep empty directories alive in git with `.keep` files.
pub fn list(abs: impl AsRef<Path>) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(path(abs))
        .map(|it| {
            it.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The target of a symlink (relative targets are kept as they are), lossily as a string.
pub fn link_target(abs: impl AsRef<Path>) -> Option<PathBuf> {
    std::fs::read_link(path(abs)).ok()
}

/// The canonical path of `abs` inside the root, expressed again as an absolute system path.
/// Works for captured trees whose links are relative (as sysfs links are).
pub fn canonical(abs: impl AsRef<Path>) -> Option<PathBuf> {
    let real = std::fs::canonicalize(path(abs)).ok()?;
    let root = std::fs::canonicalize(root()).ok()?;
    let rel = real.strip_prefix(&root).ok()?;
    Some(Path::new("/").join(rel))
}

pub fn exists(abs: impl AsRef<Path>) -> bool {
    path(abs).exists()
}
