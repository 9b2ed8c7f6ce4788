//! Holes in sparse files (lseek SEEK_DATA / SEEK_HOLE): a local raw image made with `truncate`
//! or `qemu-img convert -O raw` is mostly holes, and reading them would copy gigabytes of zeros
//! out of the page cache for nothing.

use nix::errno::Errno;
use nix::unistd::{Whence, lseek};
use std::fs::File;
use std::os::fd::AsFd;

/// The data extent at or after `from`: `Some((data_start, hole_start))`, or None when only a
/// hole remains up to the end of the file. A file system without SEEK_DATA support reports the
/// whole file as data (the kernel's generic fallback), which is always correct.
pub fn next_data(file: &File, from: u64) -> std::io::Result<Option<(u64, u64)>> {
    let offset = i64::try_from(from).map_err(std::io::Error::other)?;
    let data = match lseek(file.as_fd(), offset, Whence::SeekData) {
        Ok(d) => d,
        // ENXIO: no data at or after `from`.
        Err(Errno::ENXIO) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let hole = lseek(file.as_fd(), data, Whence::SeekHole)?;
    Ok(Some((data as u64, hole as u64)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileExt;

    #[test]
    fn finds_data_between_holes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sparse");
        let f = File::create(&path).unwrap();
        f.set_len(64 << 20).unwrap();
        f.write_all_at(&[1u8; 4096], 32 << 20).unwrap();
        let f = File::open(&path).unwrap();
        // Some file systems (tmpfs without holes support, overlays) report everything as data:
        // then the answer must still cover the written block.
        let (d, h) = next_data(&f, 0).unwrap().unwrap();
        assert!(d <= 32 << 20 && h >= (32 << 20) + 4096, "{d} {h}");
        if d == 32 << 20 {
            assert_eq!(next_data(&f, h).unwrap(), None);
        }
    }
}
