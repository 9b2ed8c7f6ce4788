//! UEFI capsules: header validation against the ESRT entry they claim to update, delivery to
//! the kernel's capsule loader (/dev/efi_capsule_loader), and capsule-on-disk delivery
//! (\EFI\UpdateCapsule\ on the ESP plus the OsIndications bit).

use super::esrt::Entry;
use crate::le;
use crate::report::{Context, IronError, Key, Kind, Result};
use crate::sys::sysfs;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const LOADER: &str = "/dev/efi_capsule_loader";
pub const HEADER_LEN: usize = 28;
pub const FLAG_PERSIST_ACROSS_RESET: u32 = 0x0001_0000;
pub const FLAG_POPULATE_SYSTEM_TABLE: u32 = 0x0002_0000;
pub const FLAG_INITIATE_RESET: u32 = 0x0004_0000;
/// EFI_FIRMWARE_MANAGEMENT_CAPSULE_ID_GUID: an FMP capsule names its target inside, per payload.
pub const FMP_CAPSULE_GUID: &str = "6dcbd5ed-e82d-4c44-bda1-7194199ad92a";

/// An EFI capsule's header, as the update report shows it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema, PartialEq)]
pub struct Header {
    pub guid: String,
    pub header_size: u32,
    pub flags: u32,
    pub image_size: u32,
    /// For FMP capsules: the UpdateImageTypeId of each payload.
    pub fmp_payloads: Vec<String>,
}

/// An EFI_GUID (little-endian first three fields) as its lower-case text form.
pub fn guid_to_string(b: &[u8; 16]) -> String {
    format!(
        "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_le_bytes([b[4], b[5]]),
        u16::from_le_bytes([b[6], b[7]]),
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    )
}

/// The inverse of `guid_to_string` (tests build capsules with it).
#[cfg(test)]
pub fn guid_to_bytes(s: &str) -> Option<[u8; 16]> {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || s.len() != 36 {
        return None;
    }
    let mut raw = [0u8; 16];
    for (i, b) in raw.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).ok()?;
    }
    raw[0..4].reverse();
    raw[4..6].reverse();
    raw[6..8].reverse();
    Some(raw)
}

fn corrupt(msg: String) -> IronError {
    IronError::new(Kind::CorruptImage, msg)
}

fn u32_at(d: &[u8], off: usize) -> Option<u32> {
    le::u32(d, off)
}

/// Parses and checks the EFI_CAPSULE_HEADER: sizes consistent with the bytes we hold (a
/// truncated or padded download is refused), flags legal.
pub fn parse(data: &[u8]) -> Result<Header> {
    if data.len() < HEADER_LEN {
        return Err(corrupt(format!(
            "capsule is truncated: {} bytes, the header alone is {HEADER_LEN}",
            data.len()
        )));
    }
    let header_size = u32_at(data, 16).unwrap_or(0);
    let flags = u32_at(data, 20).unwrap_or(0);
    let image_size = u32_at(data, 24).unwrap_or(0);
    if (header_size as usize) < HEADER_LEN || header_size > image_size {
        return Err(corrupt(format!(
            "capsule header size {header_size} is outside {HEADER_LEN}..={image_size}"
        )));
    }
    if (image_size as usize) > data.len() {
        return Err(corrupt(format!(
            "capsule is truncated: the header says {image_size} bytes, the image has {}",
            data.len()
        ))
        .with(Key::Expected, image_size)
        .with(Key::Actual, data.len()));
    }
    if (image_size as usize) < data.len() {
        return Err(corrupt(format!(
            "capsule has {} bytes after the {image_size} its header declares",
            data.len() - image_size as usize
        )));
    }
    if flags & (FLAG_POPULATE_SYSTEM_TABLE | FLAG_INITIATE_RESET) != 0
        && flags & FLAG_PERSIST_ACROSS_RESET == 0
    {
        return Err(corrupt(format!(
            "capsule flags {flags:#x}: populate-system-table and initiate-reset need persist-across-reset"
        )));
    }
    let guid = le::bytes::<16>(data, 0)
        .map(|g| guid_to_string(&g))
        .unwrap_or_default();
    let fmp_payloads = if guid == FMP_CAPSULE_GUID {
        fmp_payloads(&data[header_size as usize..])
    } else {
        Vec::new()
    };
    Ok(Header {
        guid,
        header_size,
        flags,
        image_size,
        fmp_payloads,
    })
}

/// EFI_FIRMWARE_MANAGEMENT_CAPSULE_HEADER: version, embedded driver count, payload count, then
/// an offset table; each payload header carries UpdateImageTypeId at offset 4.
fn fmp_payloads(body: &[u8]) -> Vec<String> {
    let (Some(drivers), Some(payloads)) = (le::u16(body, 4), le::u16(body, 6)) else {
        return Vec::new();
    };
    let (drivers, payloads) = (usize::from(drivers), usize::from(payloads));
    (drivers..drivers + payloads)
        .filter_map(|i| {
            // A hostile offset may be anything: checked, never wrapped.
            let off = usize::try_from(le::u64(body, 8 + i * 8)?).ok()?;
            le::bytes::<16>(body, off.checked_add(4)?).map(|g| guid_to_string(&g))
        })
        .collect()
}

/// Refuses a capsule that is not for `entry` (exit 4: applying it could brick another device).
pub fn check_target(h: &Header, entry: &Entry) -> Result<()> {
    let ok = h.guid == entry.fw_class || h.fmp_payloads.contains(&entry.fw_class);
    if ok {
        return Ok(());
    }
    let found = if h.fmp_payloads.is_empty() {
        h.guid.clone()
    } else {
        h.fmp_payloads.join(",")
    };
    Err(IronError::new(
        Kind::UnsafeImage,
        format!(
            "capsule is for {found}, not for the esrt entry {}",
            entry.fw_class
        ),
    )
    .with(Key::Expected, &entry.fw_class)
    .with(Key::Actual, found))
}

/// Flags the kernel's capsule loader passes on (efi_capsule_supported() refuses any other bit,
/// including the GUID-defined low 16).
pub const KERNEL_FLAG_MASK: u32 =
    FLAG_PERSIST_ACROSS_RESET | FLAG_POPULATE_SYSTEM_TABLE | FLAG_INITIATE_RESET;

/// Refuses, before anything is written, a capsule the kernel's loader would reject.
pub fn check_loader_flags(h: &Header) -> Result<()> {
    if h.flags & !KERNEL_FLAG_MASK != 0 {
        return Err(IronError::new(
            Kind::Unsupported,
            format!(
                "capsule flags {:#x} include bits the kernel's capsule loader refuses (it accepts {KERNEL_FLAG_MASK:#x}); use --method capsule-on-disk",
                h.flags
            ),
        ));
    }
    Ok(())
}

/// Hands the capsule to the kernel, which passes it to UpdateCapsule() at the next reboot.
pub fn write_to_loader(data: &[u8]) -> Result<String> {
    let path = sysfs::path(LOADER);
    if !path.exists() {
        return Err(no_loader());
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .ctx(Kind::Io, || format!("cannot open {LOADER}"))?;
    // The loader takes the capsule in any number of writes and submits it once complete.
    f.write_all(data)
        .ctx(Kind::External, || format!("{LOADER} refused the capsule"))?;
    f.flush().ctx(Kind::External, || LOADER.to_string())?;
    drop(f);
    Ok(LOADER.to_string())
}

pub fn loader_present() -> bool {
    sysfs::exists(LOADER)
}

pub fn no_loader() -> IronError {
    IronError::new(
        Kind::Unsupported,
        format!(
            "no {LOADER}: needs a UEFI boot and a kernel with CONFIG_EFI_CAPSULE_LOADER (modprobe capsule-loader); or use --method capsule-on-disk --esp DIR"
        ),
    )
}

/// Finds `name` in `dir` case-insensitively (FAT is), so an existing `\efi\` is reused.
fn child(dir: &Path, name: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .ok()
        .and_then(|rd| {
            rd.filter_map(|e| e.ok())
                .find(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(name))
                .map(|e| e.path())
        })
        .unwrap_or_else(|| dir.join(name))
}

/// Where capsule-on-disk puts the file: `<esp>/EFI/UpdateCapsule/ironbox-<guid>.cap`.
pub fn on_disk_path(esp: &Path, guid: &str) -> PathBuf {
    let efi = child(esp, "EFI");
    let dir = child(&efi, "UpdateCapsule");
    dir.join(format!("ironbox-{guid}.cap"))
}

pub fn write_on_disk(esp: &Path, guid: &str, data: &[u8]) -> Result<PathBuf> {
    if !esp.is_dir() {
        return Err(IronError::new(
            Kind::NotFound,
            format!(
                "esp {} is not a directory (mount the EFI system partition there)",
                esp.display()
            ),
        ));
    }
    let target = on_disk_path(esp, guid);
    let dir = target.parent().unwrap_or(esp).to_path_buf();
    std::fs::create_dir_all(&dir).ctx(Kind::Io, || format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(".ironbox-{guid}.tmp"));
    {
        let mut f = std::fs::File::create(&tmp)
            .ctx(Kind::Io, || format!("cannot create {}", tmp.display()))?;
        f.write_all(data)
            .and_then(|_| f.sync_all())
            .ctx(Kind::Io, || format!("cannot write {}", tmp.display()))?;
    }
    std::fs::rename(&tmp, &target).ctx(Kind::Io, || {
        format!("cannot rename to {}", target.display())
    })?;
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn capsule(guid: &str, flags: u32, payload: &[u8]) -> Vec<u8> {
        let mut v = guid_to_bytes(guid).unwrap().to_vec();
        let total = (HEADER_LEN + payload.len()) as u32;
        v.extend_from_slice(&(HEADER_LEN as u32).to_le_bytes());
        v.extend_from_slice(&flags.to_le_bytes());
        v.extend_from_slice(&total.to_le_bytes());
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn guid_round_trips_in_mixed_endian() {
        let g = "6dcbd5ed-e82d-4c44-bda1-7194199ad92a";
        let b = guid_to_bytes(g).unwrap();
        assert_eq!(b[0], 0xed);
        assert_eq!(b[8], 0xbd);
        assert_eq!(guid_to_string(&b), g);
        assert!(guid_to_bytes("nope").is_none());
    }

    #[test]
    fn headers_are_validated() {
        let g = "12345678-9abc-def0-1234-56789abcdef0";
        let c = capsule(
            g,
            FLAG_PERSIST_ACROSS_RESET | FLAG_INITIATE_RESET,
            &[7; 100],
        );
        let h = parse(&c).unwrap();
        assert_eq!(h.guid, g);
        assert_eq!(h.image_size, 128);
        assert_eq!(parse(&c[..100]).unwrap_err().kind, Kind::CorruptImage);
        assert_eq!(parse(&c[..10]).unwrap_err().kind, Kind::CorruptImage);
        let mut long = c.clone();
        long.push(0);
        assert!(parse(&long).is_err());
        assert!(check_loader_flags(&h).is_ok());
        let vendor_flags = parse(&capsule(g, 0x1, &[0; 4])).unwrap();
        assert_eq!(
            check_loader_flags(&vendor_flags).unwrap_err().kind,
            Kind::Unsupported
        );
        let bad_flags = capsule(g, FLAG_INITIATE_RESET, &[0; 4]);
        assert!(parse(&bad_flags).unwrap_err().message.contains("persist"));
    }

    #[test]
    fn fmp_payload_guids_are_read() {
        let target = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
        // FMP header: version 1, 0 drivers, 1 payload, offset 16 → payload header at 16.
        let mut body = Vec::new();
        body.extend_from_slice(&1u32.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&16u64.to_le_bytes());
        body.extend_from_slice(&2u32.to_le_bytes());
        body.extend_from_slice(&guid_to_bytes(target).unwrap());
        body.extend_from_slice(&[0; 16]);
        let c = capsule(FMP_CAPSULE_GUID, 0, &body);
        assert_eq!(parse(&c).unwrap().fmp_payloads, vec![target.to_string()]);
    }
}
