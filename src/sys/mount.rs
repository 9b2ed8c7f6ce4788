//! mount(2)/umount(2) through nix, and a guard that unmounts what it mounted, in reverse
//! order, whatever happens after (errors, panics unwinding).

use nix::mount::{MntFlags, MsFlags};
use std::path::{Path, PathBuf};

#[derive(Default)]
pub struct Mounts {
    stack: Vec<PathBuf>,
}

impl Mounts {
    /// Mounts block device `dev` (filesystem `fstype`) on `target`.
    pub fn device(&mut self, dev: &Path, target: &Path, fstype: &str) -> std::io::Result<()> {
        nix::mount::mount(
            Some(dev),
            target,
            Some(fstype),
            MsFlags::empty(),
            None::<&str>,
        )?;
        self.stack.push(target.to_path_buf());
        Ok(())
    }

    /// Bind-mounts `src` on `target`.
    pub fn bind(&mut self, src: &Path, target: &Path) -> std::io::Result<()> {
        nix::mount::mount(
            Some(src),
            target,
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )?;
        self.stack.push(target.to_path_buf());
        Ok(())
    }

    pub fn mounted(&self) -> &[PathBuf] {
        &self.stack
    }

    /// Unmounts everything, newest first; a busy mount is detached lazily rather than left.
    /// Returns the mount points that could not be unmounted at all.
    pub fn unmount_all(&mut self) -> Vec<(PathBuf, std::io::Error)> {
        let mut failed = Vec::new();
        while let Some(p) = self.stack.pop() {
            if let Err(e) = nix::mount::umount2(&p, MntFlags::empty())
                .or_else(|_| nix::mount::umount2(&p, MntFlags::MNT_DETACH))
            {
                failed.push((p, e.into()));
            }
        }
        failed
    }
}

impl Drop for Mounts {
    fn drop(&mut self) {
        for (p, e) in self.unmount_all() {
            eprintln!("ironbox: warning: cannot unmount {}: {e}", p.display());
        }
    }
}
