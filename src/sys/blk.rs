//! Safe wrappers around the block-device ioctls (linux/fs.h, linux/blkpg.h).
//!
//! Every `unsafe` block below is one ioctl on a file descriptor borrowed from a live `File`, with
//! an argument whose type and size match the kernel's definition of that request; the kernel
//! reads or writes only that argument. That is why each is sound.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

// Request numbers. Several are defined with _IO in the kernel headers even though they take a
// pointer, so the *_bad variants with explicit numbers are used for those.
const BLK: u8 = 0x12;
nix::ioctl_read!(blkgetsize64, BLK, 114, u64);
nix::ioctl_read_bad!(blksszget, nix::request_code_none!(BLK, 104), libc::c_int);
nix::ioctl_none_bad!(blkrrpart, nix::request_code_none!(BLK, 95));
nix::ioctl_write_ptr_bad!(blkpg, nix::request_code_none!(BLK, 105), BlkpgIoctlArg);
nix::ioctl_none_bad!(blkflsbuf, nix::request_code_none!(BLK, 97));
nix::ioctl_write_ptr_bad!(blkdiscard, nix::request_code_none!(BLK, 119), [u64; 2]);
nix::ioctl_write_ptr_bad!(blksecdiscard, nix::request_code_none!(BLK, 125), [u64; 2]);
nix::ioctl_write_ptr_bad!(blkzeroout, nix::request_code_none!(BLK, 127), [u64; 2]);

/// struct blkpg_ioctl_arg
#[repr(C)]
struct BlkpgIoctlArg {
    op: libc::c_int,
    flags: libc::c_int,
    datalen: libc::c_int,
    data: *mut libc::c_void,
}

/// struct blkpg_partition
#[repr(C)]
struct BlkpgPartition {
    start: i64,
    length: i64,
    pno: libc::c_int,
    devname: [u8; 64],
    volname: [u8; 64],
}

const BLKPG_ADD_PARTITION: libc::c_int = 1;
const BLKPG_DEL_PARTITION: libc::c_int = 2;

fn errno(e: nix::Error) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

/// Size of the device in bytes.
pub fn size_bytes(f: &File) -> io::Result<u64> {
    let mut v: u64 = 0;
    // SAFETY: see module comment; BLKGETSIZE64 writes one u64.
    unsafe { blkgetsize64(f.as_raw_fd(), &mut v) }.map_err(errno)?;
    Ok(v)
}

/// Logical sector size (512 or 4096).
pub fn logical_sector_size(f: &File) -> io::Result<u32> {
    let mut v: libc::c_int = 0;
    // SAFETY: see module comment; BLKSSZGET writes one int.
    unsafe { blksszget(f.as_raw_fd(), &mut v) }.map_err(errno)?;
    Ok(v as u32)
}

/// Asks the kernel to re-read the partition table (EBUSY when a partition is in use).
pub fn reread_partitions(f: &File) -> io::Result<()> {
    // SAFETY: see module comment; BLKRRPART takes no argument.
    unsafe { blkrrpart(f.as_raw_fd()) }.map_err(errno)?;
    Ok(())
}

/// Drops the buffer cache of the device.
pub fn flush_buffers(f: &File) -> io::Result<()> {
    // SAFETY: see module comment; BLKFLSBUF takes no argument.
    unsafe { blkflsbuf(f.as_raw_fd()) }.map_err(errno)?;
    Ok(())
}

fn blkpg_op(f: &File, op: libc::c_int, number: u32, start: u64, length: u64) -> io::Result<()> {
    let mut part = BlkpgPartition {
        start: start as i64,
        length: length as i64,
        pno: number as libc::c_int,
        devname: [0; 64],
        volname: [0; 64],
    };
    let arg = BlkpgIoctlArg {
        op,
        flags: 0,
        datalen: std::mem::size_of::<BlkpgPartition>() as libc::c_int,
        data: &mut part as *mut BlkpgPartition as *mut libc::c_void,
    };
    // SAFETY: see module comment; `arg.data` points at `part`, which outlives the call and has
    // the layout of struct blkpg_partition, and `datalen` is its size.
    unsafe { blkpg(f.as_raw_fd(), &arg) }.map_err(errno)?;
    Ok(())
}

/// Tells the kernel about one partition (what `partx -a` does); start and length in bytes.
pub fn add_partition(f: &File, number: u32, start: u64, length: u64) -> io::Result<()> {
    blkpg_op(f, BLKPG_ADD_PARTITION, number, start, length)
}

/// Removes the kernel's partition `number` (not the on-disk entry).
pub fn delete_partition(f: &File, number: u32) -> io::Result<()> {
    blkpg_op(f, BLKPG_DEL_PARTITION, number, 0, 0)
}

/// BLKDISCARD over [start, start+len).
pub fn discard(f: &File, start: u64, len: u64) -> io::Result<()> {
    let range = [start, len];
    // SAFETY: see module comment; the kernel reads two u64s.
    unsafe { blkdiscard(f.as_raw_fd(), &range) }.map_err(errno)?;
    Ok(())
}

/// BLKSECDISCARD over [start, start+len) (EOPNOTSUPP on most devices).
pub fn secure_discard(f: &File, start: u64, len: u64) -> io::Result<()> {
    let range = [start, len];
    // SAFETY: see module comment; the kernel reads two u64s.
    unsafe { blksecdiscard(f.as_raw_fd(), &range) }.map_err(errno)?;
    Ok(())
}

/// BLKZEROOUT over [start, start+len): the device zeroes the range (write-zeroes or writes).
pub fn zeroout(f: &File, start: u64, len: u64) -> io::Result<()> {
    let range = [start, len];
    // SAFETY: see module comment; the kernel reads two u64s.
    unsafe { blkzeroout(f.as_raw_fd(), &range) }.map_err(errno)?;
    Ok(())
}
