//! The only place that talks to the kernel: block ioctls, NVMe admin and ATA pass-through
//! commands, and the sysfs/procfs reader whose
//! root can be redirected to a captured tree for tests.

pub mod aligned;
pub mod ata;
pub mod blk;
pub mod configfs;
pub mod devnode;
pub mod efivars;
pub mod ethtool;
pub mod fsflags;
pub mod holes;
pub mod ipmi;
pub mod iscsi_netlink;
pub mod lldp;
pub mod mount;
pub mod msr;
pub mod netaddr;
pub mod nvme;
pub mod nvme_admin;
pub mod nvme_fabrics;
pub mod signal;
pub mod smbios;
pub mod stdio;
pub mod sysfs;
pub mod uname;
pub mod zeroing;
