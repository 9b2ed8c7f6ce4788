//! What an on-disk signature is: the blkid type names that `signatures::probe` finds, as one
//! enum, so "is this a partition table?" and "is this owned by another cluster?" are asked of a
//! value, not of a string spelled in five files.

use schemars::JsonSchema;
use serde::Serialize;

/// Declares `SignatureKind` from one list: the enum and its blkid names cannot drift.
macro_rules! signature_kinds {
    ($($variant:ident = $name:literal,)*) => {
        /// A blkid-style signature type (`gpt`, `dos`, `ext4`, `xfs`, `swap`, `vfat`, ...).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
        pub enum SignatureKind {
            $(#[serde(rename = $name)] $variant,)*
        }

        impl SignatureKind {
            #[cfg(test)]
            pub const ALL: &'static [SignatureKind] = &[$(SignatureKind::$variant,)*];

            /// blkid's name, as printed in reports.
            pub fn as_str(self) -> &'static str {
                match self { $(SignatureKind::$variant => $name,)* }
            }
        }
    };
}

signature_kinds! {
    Gpt = "gpt",
    GptBackup = "gpt_backup",
    Dos = "dos",
    Pmbr = "PMBR",
    Xfs = "xfs",
    Ext4 = "ext4",
    Btrfs = "btrfs",
    Luks = "luks",
    Iso9660 = "iso9660",
    Swap = "swap",
    Vfat = "vfat",
    Ntfs = "ntfs",
    LinuxRaidMember = "linux_raid_member",
    Lvm2Member = "LVM2_member",
    Bcache = "bcache",
    ZfsMember = "zfs_member",
    Gfs2 = "gfs2",
    Gpfs = "gpfs",
    Vmfs = "vmfs",
}

impl SignatureKind {
    /// A partition table (either GPT header, an MBR or a protective MBR), not a filesystem.
    pub fn is_table(self) -> bool {
        use SignatureKind::*;
        matches!(self, Gpt | GptBackup | Dos | Pmbr)
    }

    /// Owned by another cluster or hypervisor: refused unless `--force` (IPA's
    /// special-filesystem check).
    pub fn is_protected(self) -> bool {
        use SignatureKind::*;
        matches!(self, Gpfs | Vmfs | Gfs2)
    }
}

impl std::fmt::Display for SignatureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_as_blkid_names() {
        let mut seen = std::collections::HashSet::new();
        for k in SignatureKind::ALL {
            assert!(seen.insert(k.as_str()), "{k} twice");
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(SignatureKind::Lvm2Member.to_string(), "LVM2_member");
    }
}
