//! Buffers and descriptors for O_DIRECT I/O (the kernel needs buffer, offset and length aligned
//! to the logical block size). The buffer needs no `unsafe`: an over-allocated Vec and the
//! aligned window inside it. Shared by image-write's sink and erase.

use std::fs::File;
use std::path::Path;

/// Alignment that covers 512- and 4096-byte logical sectors.
pub const ALIGN: usize = 4096;

/// A fixed-capacity buffer whose start is aligned; `len` bytes of it are in use.
pub struct AlignedBuf {
    raw: Vec<u8>,
    off: usize,
    cap: usize,
    len: usize,
}

impl AlignedBuf {
    /// An empty buffer of capacity `cap`, aligned to `align`, filled with `extend`.
    pub fn new(cap: usize, align: usize) -> AlignedBuf {
        let raw = vec![0u8; cap + align];
        let off = raw.as_ptr().align_offset(align);
        AlignedBuf {
            raw,
            off,
            cap,
            len: 0,
        }
    }

    /// A buffer of `len` zero bytes aligned to [`ALIGN`], all in use (read into or fill it).
    pub fn zeroed(len: usize) -> AlignedBuf {
        let mut b = AlignedBuf::new(len, ALIGN);
        b.len = len;
        b
    }

    pub fn as_slice(&self) -> &[u8] {
        &self.raw[self.off..self.off + self.len]
    }

    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.raw[self.off..self.off + self.len]
    }

    pub fn extend(&mut self, data: &[u8]) {
        assert!(self.len + data.len() <= self.cap);
        let at = self.off + self.len;
        self.raw[at..at + data.len()].copy_from_slice(data);
        self.len += data.len();
    }

    pub fn extend_zeros(&mut self, n: usize) {
        assert!(self.len + n <= self.cap);
        let at = self.off + self.len;
        self.raw[at..at + n].fill(0);
        self.len += n;
    }

    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn room(&self) -> usize {
        self.cap - self.len
    }
    pub fn clear(&mut self) {
        self.len = 0;
    }
}

/// Opens a device for writing with O_DIRECT and without O_EXCL: a second descriptor beside the
/// one that holds the exclusive claim (see `disk::open`), for aligned bulk writes.
pub fn open_direct_write(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_DIRECT | libc::O_CLOEXEC)
        .open(path)
}

/// Opens a device read-only with O_DIRECT so that verification reads the medium, not the cache.
pub fn open_direct_read(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECT | libc::O_CLOEXEC)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_and_bounded() {
        for len in [4096, 1 << 20, 12288] {
            let mut b = AlignedBuf::zeroed(len);
            assert_eq!(b.as_slice().as_ptr() as usize % ALIGN, 0);
            assert_eq!(b.as_mut_slice().len(), len);
        }
        let mut b = AlignedBuf::new(8192, 4096);
        assert_eq!(b.as_slice().as_ptr() as usize % 4096, 0);
        b.extend(b"abc");
        b.extend_zeros(5);
        assert_eq!(b.as_slice(), b"abc\0\0\0\0\0");
        assert_eq!(b.room(), 8192 - 8);
        b.clear();
        assert!(b.is_empty());
    }
}
