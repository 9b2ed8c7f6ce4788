//! Undo for a partly applied configfs configuration: every item created is recorded, and on
//! failure removed again in reverse order, so a failed export leaves nothing behind.

use crate::report::Result;
use crate::sys::configfs;
use std::path::{Path, PathBuf};

#[derive(Default)]
pub struct Rollback {
    created: Vec<PathBuf>,
    /// Cleared once the whole configuration is in place.
    armed: bool,
}

impl Rollback {
    pub fn new() -> Self {
        Rollback {
            created: Vec::new(),
            armed: true,
        }
    }

    pub fn mkdir(&mut self, p: &Path) -> Result<()> {
        configfs::mkdir(p)?;
        self.created.push(p.to_path_buf());
        Ok(())
    }

    pub fn symlink(&mut self, target: &Path, link: &Path) -> Result<()> {
        configfs::symlink(target, link)?;
        self.created.push(link.to_path_buf());
        Ok(())
    }

    /// Records an item some step made that must go before the items made earlier (an enable).
    pub fn before_undo(&mut self, f: PathBuf) {
        self.created.push(f);
    }

    pub fn commit(mut self) {
        self.armed = false;
    }
}

impl Drop for Rollback {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        for p in self.created.iter().rev() {
            // An `enable` attribute is switched off; directories and links are removed.
            if p.file_name().is_some_and(|n| n == "enable") {
                let _ = configfs::write(p, "0");
            } else {
                let _ = configfs::remove(p);
            }
        }
    }
}
