//! The shared disk model: listing block devices from sysfs, root-device hints, safety checks,
//! partition node naming and partition-table refresh. Every command that takes a disk uses this.

pub mod append_partition;
pub mod device;
pub mod fsid;
pub mod gpt;
pub mod guid;
pub mod hints;
pub mod mbr;
pub mod mbr_entry;
pub mod mounts;
pub mod open;
pub mod partnodes;
pub mod reread;
pub mod safety;
pub mod sector_layout;
pub mod signatures;
pub mod slice;
pub mod table;
pub mod table_check;
pub mod target;
pub mod write_table;

pub use device::{BlockDevice, PartitionInfo, list_disks};
pub use target::{DiskArgs, resolve_target};
