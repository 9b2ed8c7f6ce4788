//! The only place that talks to the kernel: block ioctls, and the sysfs/procfs reader whose
//! root can be redirected to a captured tree for tests.

pub mod aligned;
pub mod blk;
pub mod sysfs;
pub mod zeroing;
