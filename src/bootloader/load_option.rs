//! EFI_LOAD_OPTION (UEFI 2.10 §3.1.3), the content of a Boot#### variable: Attributes u32,
//! FilePathListLength u16, Description (UCS-2, NUL-terminated), FilePathList (device path
//! nodes), OptionalData (the rest).

use super::device_path::DevicePath;
use crate::le;

/// LOAD_OPTION_ACTIVE: the firmware may boot the entry.
pub const ACTIVE: u32 = 0x1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOption {
    pub attributes: u32,
    pub description: String,
    pub path: DevicePath,
    pub optional_data: Vec<u8>,
}

impl LoadOption {
    pub fn encode(&self) -> Vec<u8> {
        let path = self.path.encode();
        let mut out = Vec::with_capacity(6 + path.len() + 2 * self.description.len() + 2);
        out.extend_from_slice(&self.attributes.to_le_bytes());
        out.extend_from_slice(&(path.len() as u16).to_le_bytes());
        for u in self.description.encode_utf16().chain([0]) {
            out.extend_from_slice(&u.to_le_bytes());
        }
        out.extend_from_slice(&path);
        out.extend_from_slice(&self.optional_data);
        out
    }

    /// Decodes a load option; None when it is malformed (firmware and other tools write
    /// garbage sometimes: such entries are reported, never trusted).
    pub fn decode(b: &[u8]) -> Option<LoadOption> {
        let attributes = le::u32(b, 0)?;
        let path_len = usize::from(le::u16(b, 4)?);
        let mut units = Vec::new();
        let mut i = 6;
        loop {
            let u = le::u16(b, i)?;
            i += 2;
            if u == 0 {
                break;
            }
            units.push(u);
        }
        let path = DevicePath::decode(b.get(i..i + path_len)?)?;
        Some(LoadOption {
            attributes,
            description: String::from_utf16_lossy(&units),
            path,
            optional_data: b[i + path_len..].to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootloader::device_path::{HardDrive, Node};

    /// Boot0004 as `efibootmgr -c -d /dev/sda -p 1 -L debian -l '\EFI\debian\shimx64.efi'`
    /// writes it for an ESP at LBA 2048 of 204800 sectors with PARTUUID
    /// 0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9 (assembled byte by byte from the spec's layout,
    /// which is what efibootmgr's libefivar emits: HD node 42 bytes, File node, End node, no
    /// optional data).
    fn efibootmgr_bytes() -> Vec<u8> {
        let mut b = vec![0x01, 0, 0, 0]; // LOAD_OPTION_ACTIVE
        let file: Vec<u8> = r"\EFI\debian\shimx64.efi"
            .encode_utf16()
            .chain([0])
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let path_len = 42 + 4 + file.len() + 4;
        b.extend_from_slice(&(path_len as u16).to_le_bytes());
        b.extend_from_slice(&[b'd', 0, b'e', 0, b'b', 0, b'i', 0, b'a', 0, b'n', 0, 0, 0]);
        // HD(1,GPT,0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9,0x800,0x32000)
        b.extend_from_slice(&[0x04, 0x01, 42, 0]);
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&2048u64.to_le_bytes());
        b.extend_from_slice(&204800u64.to_le_bytes());
        b.extend_from_slice(&[
            0x3d, 0x2c, 0x1b, 0x0a, 0x5f, 0x4e, 0x71, 0x60, 0x82, 0x93, 0xa4, 0xb5, 0xc6, 0xd7,
            0xe8, 0xf9,
        ]);
        b.extend_from_slice(&[0x02, 0x02]); // GPT, GUID signature
        b.extend_from_slice(&[0x04, 0x04]);
        b.extend_from_slice(&((4 + file.len()) as u16).to_le_bytes());
        b.extend_from_slice(&file);
        b.extend_from_slice(&[0x7f, 0xff, 0x04, 0x00]);
        b
    }

    fn expected() -> LoadOption {
        LoadOption {
            attributes: ACTIVE,
            description: "debian".into(),
            path: DevicePath(vec![
                Node::HardDrive(HardDrive {
                    number: 1,
                    start_lba: 2048,
                    size_lba: 204800,
                    partuuid: crate::disk::guid::parse("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9")
                        .unwrap(),
                }),
                Node::File(r"\EFI\debian\shimx64.efi".into()),
            ]),
            optional_data: vec![],
        }
    }

    #[test]
    fn decodes_what_efibootmgr_writes() {
        assert_eq!(LoadOption::decode(&efibootmgr_bytes()).unwrap(), expected());
    }

    #[test]
    fn encodes_the_same_bytes() {
        assert_eq!(expected().encode(), efibootmgr_bytes());
    }

    #[test]
    fn round_trips_optional_data_and_unknown_nodes() {
        let mut o = expected();
        o.optional_data = b"RC".to_vec();
        o.path.0.insert(
            0,
            Node::Other {
                kind: 1,
                subtype: 1,
                data: vec![0, 0x1f],
            },
        );
        assert_eq!(LoadOption::decode(&o.encode()).unwrap(), o);
        assert_eq!(
            o.path.to_string(),
            r"Pci(0x1f,0x0)/HD(1,GPT,0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9,0x800,0x32000)/File(\EFI\debian\shimx64.efi)"
        );
    }

    #[test]
    fn refuses_truncated_options() {
        let b = efibootmgr_bytes();
        for cut in [0, 3, 5, 9, 20, b.len() - 1] {
            assert!(LoadOption::decode(&b[..cut]).is_none(), "cut at {cut}");
        }
    }
}
