//! The only place that talks to the kernel: block ioctls, NVMe admin and ATA pass-through
//! commands, and the sysfs/procfs reader whose
//! root can be redirected to a captured tree for tests.
//! The one module where `unsafe` is allowed (the crate denies it): every block is an ioctl or
//! a raw-buffer call with a SAFETY comment that says why it is sound.
#![allow(unsafe_code)]

pub(crate) mod aligned;
pub(crate) mod ata;
pub(crate) mod blk;
pub(crate) mod configfs;
pub(crate) mod devnode;
pub(crate) mod efivars;
pub(crate) mod ethtool;
pub(crate) mod fsflags;
pub(crate) mod holes;
pub(crate) mod ipmi;
pub(crate) mod iscsi_netlink;
pub(crate) mod lldp;
pub(crate) mod mount;
pub(crate) mod msr;
pub(crate) mod netaddr;
pub(crate) mod nvme;
pub(crate) mod nvme_admin;
pub(crate) mod nvme_fabrics;
pub(crate) mod signal;
pub(crate) mod smbios;
pub mod stdio;
pub(crate) mod sysfs;
pub(crate) mod uname;
pub(crate) mod zeroing;
