//! Which logical sector size a whole-disk image was laid out for, read from its own GPT (the
//! "EFI PART" header sits at LBA 1: byte 512 or byte 4096), so that an image made for 512-byte
//! sectors is refused on a 4096-byte-sector disk (and the reverse) before any byte of it is
//! written: there its partitions would be found nowhere, or in the wrong place.

use crate::report::{IronError, Key, Kind, Result};

/// How much of the image's head the check needs: up to the GPT header at 4096.
pub const HEAD_NEEDED: usize = 4096 + 12;

/// A GPT header's signature and revision 1.0.
fn gpt_header_at(head: &[u8], at: usize) -> bool {
    head.get(at..at + 12)
        .is_some_and(|b| &b[..8] == b"EFI PART" && b[8..12] == [0, 0, 1, 0])
}

/// The sector sizes the image's GPT fits (both when it carries a header at both offsets);
/// empty when it has no GPT (MBR-only or partition images say nothing about sector size).
pub fn image_sector_sizes(head: &[u8]) -> Vec<u32> {
    [512u32, 4096]
        .into_iter()
        .filter(|s| gpt_header_at(head, *s as usize))
        .collect()
}

/// Refuses (`sector_size_mismatch`, exit 2) an image whose GPT was made for another logical
/// sector size than the disk's.
pub fn check_image_head(head: &[u8], disk_sector: u32, device: &str) -> Result<()> {
    let sizes = image_sector_sizes(head);
    if sizes.is_empty() || sizes.contains(&disk_sector) {
        return Ok(());
    }
    let image = sizes[0];
    let fits = if image == 512 {
        "a 4Kn image (GPT built for 4096-byte sectors), or a disk with 512-byte logical sectors (512n or 512e)"
    } else {
        "an image built for 512-byte sectors, or a disk with 4096-byte logical sectors (4Kn)"
    };
    Err(IronError::new(
        Kind::SectorSizeMismatch,
        format!(
            "the image's GPT is laid out for {image}-byte sectors (header at byte {image}) but {device} has {disk_sector}-byte logical sectors: firmware and kernel would find no valid partition table; use {fits}"
        ),
    )
    .with(Key::Device, device)
    .with(Key::ImageSectorSize, image)
    .with(Key::DiskSectorSize, disk_sector))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head_with_gpt_at(at: usize) -> Vec<u8> {
        let mut h = vec![0u8; HEAD_NEEDED];
        h[at..at + 8].copy_from_slice(b"EFI PART");
        h[at + 8..at + 12].copy_from_slice(&[0, 0, 1, 0]);
        h
    }

    #[test]
    fn a_512_gpt_on_a_4k_disk_and_the_reverse_are_refused() {
        let e = check_image_head(&head_with_gpt_at(512), 4096, "/dev/x").unwrap_err();
        assert_eq!(e.kind, Kind::SectorSizeMismatch);
        assert!(e.message.contains("512-byte sectors") && e.message.contains("4096-byte logical"));
        let e = check_image_head(&head_with_gpt_at(4096), 512, "/dev/x").unwrap_err();
        assert!(e.message.contains("4096-byte sectors"), "{}", e.message);
    }

    #[test]
    fn matching_missing_or_short_heads_pass() {
        assert!(check_image_head(&head_with_gpt_at(512), 512, "/dev/x").is_ok());
        assert!(check_image_head(&head_with_gpt_at(4096), 4096, "/dev/x").is_ok());
        assert!(check_image_head(&vec![0u8; HEAD_NEEDED], 4096, "/dev/x").is_ok());
        assert!(check_image_head(&[0u8; 100], 4096, "/dev/x").is_ok());
        let mut both = head_with_gpt_at(512);
        both[4096..4108].copy_from_slice(&head_with_gpt_at(4096)[4096..4108]);
        assert!(check_image_head(&both, 4096, "/dev/x").is_ok());
    }
}
