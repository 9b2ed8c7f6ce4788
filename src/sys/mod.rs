//! The only place that talks to the kernel: block ioctls, NVMe admin and ATA pass-through
//! commands, and the sysfs/procfs reader whose
//! root can be redirected to a captured tree for tests.

pub mod ata;
pub mod blk;
pub mod nvme;
pub mod sysfs;
