//! `/dev/disk/by-uuid` links for the duration of a grub run. grub-mkconfig writes
//! `root=UUID=…` only when `/dev/disk/by-uuid/<uuid>` exists, else the device name it sees in
//! the ramdisk (`root=/dev/nvme1n1p3`), which need not be the name the booted node gives the
//! disk. A ramdisk without udev has no such links, so the missing ones are made here and
//! removed afterwards (links that were already there are left alone).

use std::path::{Path, PathBuf};

pub const DIR: &str = "/dev/disk/by-uuid";

#[derive(Default)]
pub struct ByUuidLinks {
    made_links: Vec<PathBuf>,
    made_dirs: Vec<PathBuf>,
}

impl ByUuidLinks {
    /// Makes `dir/<uuid>` point at `node` unless something is there already.
    pub fn ensure(&mut self, dir: &Path, uuid: &str, node: &Path) -> std::io::Result<()> {
        let link = dir.join(uuid);
        if link.symlink_metadata().is_ok() {
            return Ok(());
        }
        // the dirs this creates, outermost first, so that cleanup removes them innermost first
        let mut missing: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|d| !d.exists())
            .map(Path::to_path_buf)
            .collect();
        missing.reverse();
        std::fs::create_dir_all(dir)?;
        self.made_dirs.extend(missing);
        std::os::unix::fs::symlink(node, &link)?;
        self.made_links.push(link);
        Ok(())
    }

    /// Removes what `ensure` made. Best effort: a leftover link is harmless.
    pub fn remove_all(&mut self) {
        for l in self.made_links.drain(..) {
            let _ = std::fs::remove_file(l);
        }
        for d in self.made_dirs.drain(..).rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

impl Drop for ByUuidLinks {
    fn drop(&mut self) {
        self.remove_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_missing_links_and_dirs_and_removes_only_those() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("disk/by-uuid");
        let mut l = ByUuidLinks::default();
        l.ensure(&dir, "1234", Path::new("/dev/sda2")).unwrap();
        assert_eq!(
            std::fs::read_link(dir.join("1234")).unwrap(),
            Path::new("/dev/sda2")
        );
        l.ensure(&dir, "1234", Path::new("/dev/other")).unwrap(); // already there: kept
        assert_eq!(
            std::fs::read_link(dir.join("1234")).unwrap(),
            Path::new("/dev/sda2")
        );
        l.remove_all();
        assert!(!t.path().join("disk").exists());
        // an existing link is not touched
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink("/dev/x", dir.join("9")).unwrap();
        let mut l = ByUuidLinks::default();
        l.ensure(&dir, "9", Path::new("/dev/y")).unwrap();
        drop(l);
        assert_eq!(
            std::fs::read_link(dir.join("9")).unwrap(),
            Path::new("/dev/x")
        );
    }
}
