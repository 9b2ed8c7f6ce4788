//! The shared disk model: listing block devices from sysfs, root-device hints, safety checks,
//! partition node naming and partition-table refresh. Every command that takes a disk uses this.

pub(crate) mod align;
pub(crate) mod append_partition;
pub(crate) mod device;
pub(crate) mod fsid;
pub(crate) mod gpt;
pub(crate) mod guid;
pub(crate) mod hints;
pub(crate) mod mbr;
pub(crate) mod mbr_entry;
pub mod mbr_type;
pub(crate) mod mounts;
pub(crate) mod open;
pub(crate) mod partnodes;
pub(crate) mod reread;
pub(crate) mod safety;
pub(crate) mod sector_layout;
pub(crate) mod signature_kind;
pub(crate) mod signatures;
pub(crate) mod slice;
pub mod table;
pub(crate) mod table_check;
pub mod table_kind;
pub(crate) mod target;
pub(crate) mod write_table;

pub use device::{BlockDevice, PartitionInfo, list_disks};
pub use target::{DiskArgs, resolve_target};
