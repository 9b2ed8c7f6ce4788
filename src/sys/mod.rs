//! The only place that talks to the kernel: block ioctls, and the sysfs/procfs reader whose
//! root can be redirected to a captured tree for tests.

pub mod blk;
pub mod ethtool;
pub mod fsflags;
pub mod ipmi;
pub mod msr;
pub mod nvme_admin;
pub mod sysfs;
