//! Test images that no tool makes, built byte by byte.

use std::path::{Path, PathBuf};

/// A folder of test images built once per test binary.
pub struct Images {
    pub dir: PathBuf,
}

impl Images {
    pub fn p(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
    pub fn bytes(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(name)).unwrap()
    }
}

/// Writes a qcow2 v3 with 64 KiB clusters whose data clusters come first and whose L1 and L2
/// tables sit at the end of the file (what a converter writing metadata last would make).
/// Returns (image, the raw guest bytes).
pub fn metadata_last(dir: &Path) -> (PathBuf, PathBuf) {
    const CS: u64 = 65536;
    let size: u64 = 400 * CS + 512; // beyond the 16 MiB window of recently skipped bytes
    let clusters = size.div_ceil(CS);
    let mut guest = vec![0u8; size as usize];
    let mut file = vec![0u8; CS as usize]; // cluster 0: header
    let mut l2 = vec![0u64; (CS / 8) as usize];
    // Map guest clusters in reverse order: host order is the opposite of guest order.
    for c in (0..clusters).rev() {
        if c % 3 == 1 {
            continue; // unallocated
        }
        let host = file.len() as u64;
        let n = (size - c * CS).min(CS) as usize;
        let fill: Vec<u8> = (0..CS).map(|i| ((i * 31 + c * 7) % 253) as u8).collect();
        guest[(c * CS) as usize..(c * CS) as usize + n].copy_from_slice(&fill[..n]);
        file.extend_from_slice(&fill);
        l2[c as usize] = host | (1 << 63);
    }
    let l1_off = file.len() as u64;
    file.extend_from_slice(&vec![0u8; CS as usize]);
    let l2_off = file.len() as u64;
    for e in &l2 {
        file.extend_from_slice(&e.to_be_bytes());
    }
    file[l1_off as usize..l1_off as usize + 8].copy_from_slice(&(l2_off | (1 << 63)).to_be_bytes());
    // A refcount table and block (16-bit refcounts), so that qemu-img opens the image too.
    let rt_off = file.len() as u64;
    let rb_off = rt_off + CS;
    let total = rb_off / CS + 1;
    file.extend_from_slice(&vec![0u8; 2 * CS as usize]);
    file[rt_off as usize..rt_off as usize + 8].copy_from_slice(&rb_off.to_be_bytes());
    for k in 0..total as usize {
        file[rb_off as usize + 2 * k + 1] = 1;
    }
    let h = &mut file[..CS as usize];
    h[0..4].copy_from_slice(b"QFI\xfb");
    h[4..8].copy_from_slice(&3u32.to_be_bytes());
    h[20..24].copy_from_slice(&16u32.to_be_bytes());
    h[24..32].copy_from_slice(&size.to_be_bytes());
    h[36..40].copy_from_slice(&1u32.to_be_bytes());
    h[40..48].copy_from_slice(&l1_off.to_be_bytes());
    h[48..56].copy_from_slice(&rt_off.to_be_bytes());
    h[56..60].copy_from_slice(&1u32.to_be_bytes());
    h[96..100].copy_from_slice(&4u32.to_be_bytes());
    h[100..104].copy_from_slice(&112u32.to_be_bytes());
    let img = dir.join("late.qcow2");
    let raw = dir.join("late.raw");
    std::fs::write(&img, &file).unwrap();
    std::fs::write(&raw, &guest).unwrap();
    (img, raw)
}
