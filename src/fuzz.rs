//! Entry points for the fuzz targets in tests/fuzz/: one function per parser of untrusted
//! input, each taking raw bytes. A facade, so the fuzz crate needs no internal module to be
//! public. Each must return (Ok or Err, never a panic) in bounded time and memory for any
//! input; results are dropped. Not an API.

use crate::image::format::{self, Chunk, ForceFormat, Options};
use std::io::Cursor;

/// Guest bytes of a decoded image looked at before giving up (zero runs count by length too,
/// but cost nothing): enough for every table of a small image, short enough for a fuzz run.
const IMAGE_BUDGET: u64 = 64 << 20;

fn opts() -> Options {
    Options {
        force: ForceFormat::Auto,
        spill_dir: None,
        chunk_size: 1 << 20,
        ranged: None,
    }
}

fn drain(stream: crate::report::Result<Box<dyn format::ImageStream>>) {
    let Ok(mut s) = stream else { return };
    let mut data = 0u64;
    for _ in 0..4096 {
        match s.next_chunk() {
            Ok(Some(Chunk::Data(b))) => {
                data += b.len() as u64;
                s.recycle(b);
                if data > IMAGE_BUDGET {
                    return;
                }
            }
            Ok(Some(Chunk::Zero(_))) => {}
            Ok(None) | Err(_) => return,
        }
    }
}

/// The image pipeline's front: sniff, then the gzip/zstd/xz framing and qcow2 over a stream.
pub fn image_stream(data: &[u8]) {
    drain(format::open(Box::new(Cursor::new(data.to_vec())), &opts()));
}

/// A qcow2 (or raw) on a seekable source: header, L1/L2 tables, compressed clusters.
pub fn qcow2_seekable(data: &[u8]) {
    drain(format::open_seekable(
        Box::new(Cursor::new(data.to_vec())),
        &opts(),
    ));
}

/// GPT (strict and salvaging), MBR/EBR and the gptman/mbrman gate, at both sector sizes.
pub fn partition_tables(data: &[u8]) {
    use crate::disk::{gpt, mbr, signatures};
    for ss in [512u32, 4096] {
        let _ = gpt::read(&mut Cursor::new(data), ss);
        let _ = gpt::for_rewrite(&mut Cursor::new(data), ss);
        let _ = gpt::has_primary(&mut Cursor::new(data), ss);
        let len = data.len() as u64;
        let _ = gpt::salvage(&mut Cursor::new(data), 1, u64::from(ss), len);
        let last = (len / u64::from(ss)).saturating_sub(1);
        let _ = gpt::salvage(&mut Cursor::new(data), last, u64::from(ss), len);
        let _ = mbr::read(&mut Cursor::new(data), ss);
        let _ = mbr::for_rewrite(&mut Cursor::new(data), ss);
        let _ = signatures::probe(&mut Cursor::new(data), len, ss);
    }
}

/// The config drive readers (ISO 9660 and FAT), as `configdrive read` walks them.
pub fn configdrive_image(data: &[u8]) {
    use crate::configdrive::{decode::Fs, read_image};
    let _ = read_image(data, Fs::Iso9660, 1 << 20);
    let _ = read_image(data, Fs::Vfat, 1 << 20);
    let _ = crate::configdrive::fat_read::volume_label(&mut Cursor::new(data), 0);
}

/// `configdrive write --from-json`: Ironic's dict, with the size limit.
pub fn configdrive_json(data: &[u8]) {
    let _ = crate::configdrive::build::tree_from_json_bytes(data.to_vec(), 1 << 20, "fuzz");
}

/// The config drive input decoder (base64, gzip layers) and its sniffing.
pub fn configdrive_decode(data: &[u8]) {
    let _ =
        crate::configdrive::decode::decode(Box::new(Cursor::new(data.to_vec())), 1 << 20, "fuzz");
    let _ = crate::configdrive::decode::sniff(data);
}

/// A checksum file (the first line names the image) and checksum specs.
pub fn checksum_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (name, body) = text.split_once('\n').unwrap_or(("disk.img", text));
    let _ = crate::fetch::checksum::parse_checksum_file(body, name, "http://fuzz/x.sha256");
    let _ = crate::fetch::checksum::parse_spec(name);
}

/// A partition layout document and a root-device hints object.
pub fn layout_and_hints(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = crate::partition::layout::parse(text);
    let _ = crate::disk::hints::Hints::parse(text);
}

/// A UEFI capsule header, and an SMBIOS table (the first 32 bytes taken as the entry point),
/// with the queries inventory makes of it.
pub fn capsule_and_smbios(data: &[u8]) {
    let _ = crate::firmware::capsule::parse(data);
    let (entry, table) = data.split_at(data.len().min(32));
    let s = crate::sys::smbios::Smbios::parse(entry, table);
    let _ = s.bios();
    let _ = s.system_uuid();
    let _ = s.installed_memory_mb();
    for st in s.of_type(17) {
        let _ = crate::sys::smbios::memory_device_mb(st);
    }
}
