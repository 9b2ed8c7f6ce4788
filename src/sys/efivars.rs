//! UEFI variables through efivarfs: each file `<Name>-<vendor GUID>` holds a 4-byte attribute
//! word followed by the variable's data. The directory is a parameter so that tests can point
//! at a plain directory of such files.

use crate::le;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the kernel mounts efivarfs.
pub const DEFAULT_DIR: &str = "/sys/firmware/efi/efivars";

/// EFI_GLOBAL_VARIABLE: the vendor GUID of Boot####, BootOrder, BootCurrent.
pub const GLOBAL_GUID: &str = "8be4df61-93ca-11d2-aa0d-00e098032b8c";

/// NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS: what boot entries are stored with.
pub const NV_BS_RT: u32 = 0x7;

pub struct EfiVars {
    pub dir: PathBuf,
}

impl EfiVars {
    pub fn new(dir: impl Into<PathBuf>) -> EfiVars {
        EfiVars { dir: dir.into() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}-{GLOBAL_GUID}"))
    }

    /// Names (without the GUID suffix) of the global variables present.
    pub fn global_names(&self) -> std::io::Result<Vec<String>> {
        let suffix = format!("-{GLOBAL_GUID}");
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|n| n.strip_suffix(&suffix))
                    .map(str::to_string)
            })
            .collect();
        names.sort();
        Ok(names)
    }

    /// A variable's attributes and data; Ok(None) when it does not exist.
    pub fn read(&self, name: &str) -> std::io::Result<Option<(u32, Vec<u8>)>> {
        match std::fs::read(self.path(name)) {
            Ok(b) if let Some(attributes) = le::u32(&b, 0) => {
                Ok(Some((attributes, b[4..].to_vec())))
            }
            Ok(_) => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{name}: shorter than its attribute word"),
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes a variable in one write(2), as efivarfs requires, clearing the immutable flag of
    /// an existing file first.
    pub fn write(&self, name: &str, attributes: u32, data: &[u8]) -> std::io::Result<()> {
        let path = self.path(name);
        unlock(&path)?;
        let mut buf = attributes.to_le_bytes().to_vec();
        buf.extend_from_slice(data);
        // efivarfs replaces the variable on a write at offset 0; a plain file needs truncating.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(!is_efivarfs(&self.dir))
            .open(&path)?;
        f.write_all(&buf)
    }

    pub fn delete(&self, name: &str) -> std::io::Result<()> {
        let path = self.path(name);
        unlock(&path)?;
        std::fs::remove_file(path)
    }
}

/// Clears the immutable inode flag that efivarfs sets on most variables.
fn unlock(path: &Path) -> std::io::Result<()> {
    match std::fs::File::open(path) {
        Ok(f) => super::fsflags::clear_immutable(&f).map(|_| ()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

const EFIVARFS_MAGIC: libc::__fsword_t = 0xde5e_81e4;

/// Whether `dir` is a mounted efivarfs (and not a test's plain directory).
pub fn is_efivarfs(dir: &Path) -> bool {
    nix::sys::statfs::statfs(dir)
        .is_ok_and(|s| s.filesystem_type() == nix::sys::statfs::FsType(EFIVARFS_MAGIC))
}
