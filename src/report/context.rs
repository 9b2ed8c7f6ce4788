//! The context vocabulary: every key an error document may carry beside `kind`, `message` and
//! `causes`, from one list, so a key means the same thing in every command (`needed_bytes`
//! everywhere, never `needed` in one place), the error schema names each one, and the man page
//! documents them (scripts/gen-docs).

use schemars::JsonSchema;
use serde::Serialize;

/// Declares `Key` from one list: the enum, its wire names, `ALL` and each key's meaning.
macro_rules! keys {
    ($($variant:ident = $name:literal: $doc:literal,)*) => {
        /// One context key of the error document.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
        pub enum Key {
            $(#[doc = $doc] #[serde(rename = $name)] $variant,)*
        }

        impl Key {
            pub const ALL: &'static [Key] = &[$(Key::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Key::$variant => $name,)* }
            }

            /// What the key's value is, for the schema and the man page.
            pub fn doc(self) -> &'static str {
                match self { $(Key::$variant => $doc,)* }
            }
        }
    };
}

keys! {
    Actual = "actual": "What was found instead of `expected` (a digest, a value, bytes read back).",
    Algorithm = "algorithm": "The checksum algorithm (`sha256`, `sha512`, `md5`, ...).",
    Allowed = "allowed": "The values that would have been accepted.",
    Attempts = "attempts": "How many attempts were made before giving up.",
    BackingFile = "backing_file": "The backing file a qcow2 image names (refused).",
    Candidates = "candidates": "What was considered and why each was not taken.",
    Capacity = "capacity": "Bytes the target (disk or partition) can hold.",
    Certificate = "certificate": "The erase certificate, as far as the erase got.",
    Checksum = "checksum": "The checksum argument as given.",
    Command = "command": "The subcommand or external command concerned.",
    Component = "component": "The firmware component id.",
    Controller = "controller": "The NVMe controller (e.g. `nvme1`).",
    DataFile = "data_file": "The external data file a qcow2 image names (refused).",
    Deadline = "deadline": "The overall time limit that ran out, in seconds.",
    Device = "device": "The block device (or device node) the error is about.",
    DiskSectorSize = "disk_sector_size": "The target disk's logical sector size, in bytes.",
    DiskSize = "disk_size": "The whole disk's size, in bytes.",
    Efivars = "efivars": "The efivarfs directory used.",
    Expected = "expected": "What was required (a digest, a value, a size).",
    Field = "field": "The name of the field or argument whose value is wrong.",
    Files = "files": "The files concerned (e.g. boot loaders found).",
    FilesBytes = "files_bytes": "Bytes of file data a config drive would hold.",
    Hint = "hint": "What to do about it, in the operator's terms.",
    Holder = "holder": "What holds the device (a mount, a holder device, a process).",
    ImageSectorSize = "image_sector_size": "The sector size an image's partition table assumes.",
    ImageSize = "image_size": "The image's (decoded) size, in bytes.",
    IbftTargets = "ibft_targets": "The iSCSI targets the firmware's iBFT lists.",
    Initiator = "initiator": "The iSCSI initiator name.",
    Iqn = "iqn": "The iSCSI target name.",
    KernelSize = "kernel_size": "The size of the partition as the kernel sees it, in bytes.",
    KernelStart = "kernel_start": "The start of the partition as the kernel sees it, in bytes.",
    CacheKey = "key": "The image cache key.",
    Known = "known": "The names that are known (firmware settings, components).",
    Limit = "limit": "The limit exceeded, in bytes.",
    Listen = "listen": "The address and port to listen on.",
    LowestSupportedFwVersion = "lowest_supported_fw_version": "The lowest firmware version the device accepts (ESRT).",
    Lun = "lun": "The iSCSI LUN.",
    Missing = "missing": "What was looked for and not found (a path, a file).",
    Modules = "modules": "The kernel modules needed.",
    Needed = "needed": "What the operation would need (drivers, settings), as an object.",
    NeededBytes = "needed_bytes": "Bytes needed.",
    Nqn = "nqn": "The NVMe qualified name.",
    NvmeStatus = "nvme_status": "The NVMe command's status code.",
    Output = "output": "The output file that could not be written.",
    Partition = "partition": "The partition (number, label or node).",
    PartitionStart = "partition_start": "The partition's first byte on the disk.",
    Path = "path": "The input file or directory concerned.",
    Plugin = "plugin": "The firmware plugin.",
    Portal = "portal": "The iSCSI portal (address:port).",
    PossibleValues = "possible_values": "The values a firmware setting takes.",
    Redirects = "redirects": "The redirect chain followed, in order.",
    Refusals = "refusals": "Every safety rule that refused, not only the first.",
    Rule = "rule": "The safety or validity rule that refused.",
    Session = "session": "The iSCSI session.",
    Setting = "setting": "The firmware setting name.",
    Signatures = "signatures": "The signatures (filesystems, tables) found on the device.",
    Source = "source": "The image source (URL or path) as given.",
    SourceFormat = "source_format": "The layers an input was decoded through (e.g. `base64+gzip`).",
    SourcesTried = "sources_tried": "Every source (mirror) tried, with how each failed.",
    Status = "status": "The HTTP status code.",
    Stderr = "stderr": "The end of an external tool's stderr.",
    Sysroot = "sysroot": "The --sysroot given.",
    TableSize = "table_size": "The partition's size in its table, in bytes.",
    TableStart = "table_start": "The partition's start in its table, in bytes.",
    Target = "target": "The iSCSI or NVMe target concerned.",
    TemporaryPassword = "temporary_password": "The ATA password set before a failed security erase (to unlock the disk).",
    Tool = "tool": "The external tool that failed or is missing.",
    Url = "url": "The URL concerned.",
    Usable = "usable": "Bytes available.",
    UserDataBytes = "user_data_bytes": "Bytes of user_data given.",
    Value = "value": "The bad value, as given.",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for k in Key::ALL {
            let n = k.as_str();
            assert!(seen.insert(n), "{n} twice");
            assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{n}");
            assert!(k.doc().ends_with('.'), "{n}: {}", k.doc());
            assert_eq!(serde_json::to_value(k).unwrap(), n);
        }
    }
}
