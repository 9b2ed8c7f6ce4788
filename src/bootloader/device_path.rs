//! UEFI device paths (UEFI 2.10 §10.3): a list of nodes `type u8, subtype u8, length u16,
//! data`, closed by an End node (0x7f 0xff). Only what a boot entry for a disk needs is typed:
//! the Hard Drive media node (4/1) and the File Path node (4/4); everything else is kept as
//! bytes so that other entries round-trip untouched.

use crate::le;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardDrive {
    pub number: u32,
    pub start_lba: u64,
    pub size_lba: u64,
    /// The GPT partition's unique GUID, in on-disk byte order.
    pub partuuid: [u8; 16],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    HardDrive(HardDrive),
    /// A path on the partition, with backslashes (`\EFI\debian\shimx64.efi`).
    File(String),
    Other {
        kind: u8,
        subtype: u8,
        data: Vec<u8>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DevicePath(pub Vec<Node>);

const MEDIA: u8 = 4;
const HARD_DRIVE: u8 = 1;
const FILE_PATH: u8 = 4;
const END: u8 = 0x7f;
const END_ENTIRE: u8 = 0xff;
const MBR_TYPE_GPT: u8 = 2;
const SIGNATURE_GUID: u8 = 2;

fn push_node(out: &mut Vec<u8>, kind: u8, subtype: u8, data: &[u8]) {
    out.extend_from_slice(&[kind, subtype]);
    out.extend_from_slice(&((4 + data.len()) as u16).to_le_bytes());
    out.extend_from_slice(data);
}

impl DevicePath {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for n in &self.0 {
            match n {
                Node::HardDrive(h) => {
                    let mut d = Vec::with_capacity(38);
                    d.extend_from_slice(&h.number.to_le_bytes());
                    d.extend_from_slice(&h.start_lba.to_le_bytes());
                    d.extend_from_slice(&h.size_lba.to_le_bytes());
                    d.extend_from_slice(&h.partuuid);
                    d.extend_from_slice(&[MBR_TYPE_GPT, SIGNATURE_GUID]);
                    push_node(&mut out, MEDIA, HARD_DRIVE, &d);
                }
                Node::File(p) => {
                    let d: Vec<u8> = p
                        .encode_utf16()
                        .chain([0])
                        .flat_map(|u| u.to_le_bytes())
                        .collect();
                    push_node(&mut out, MEDIA, FILE_PATH, &d);
                }
                Node::Other {
                    kind,
                    subtype,
                    data,
                } => push_node(&mut out, *kind, *subtype, data),
            }
        }
        push_node(&mut out, END, END_ENTIRE, &[]);
        out
    }

    /// Decodes the first device path of a FilePathList; None when a node's length runs past
    /// the buffer or is shorter than a node header, or when no End node closes it.
    pub fn decode(mut b: &[u8]) -> Option<DevicePath> {
        let mut nodes = Vec::new();
        loop {
            let (kind, subtype) = (*b.first()?, *b.get(1)?);
            let len = usize::from(le::u16(b, 2)?);
            if len < 4 {
                return None;
            }
            let data = b.get(4..len)?;
            if kind == END && subtype == END_ENTIRE {
                return Some(DevicePath(nodes));
            }
            nodes.push(match (kind, subtype) {
                (MEDIA, HARD_DRIVE)
                    if data.len() == 38
                        && data[36] == MBR_TYPE_GPT
                        && data[37] == SIGNATURE_GUID =>
                {
                    Node::HardDrive(HardDrive {
                        number: le::u32(data, 0)?,
                        start_lba: le::u64(data, 4)?,
                        size_lba: le::u64(data, 12)?,
                        partuuid: le::bytes(data, 20)?,
                    })
                }
                (MEDIA, FILE_PATH) if data.len() % 2 == 0 => {
                    let units: Vec<u16> = le::u16s(data).take_while(|&u| u != 0).collect();
                    Node::File(String::from_utf16_lossy(&units))
                }
                _ => Node::Other {
                    kind,
                    subtype,
                    data: data.to_vec(),
                },
            });
            b = &b[len..];
        }
    }

    pub fn hard_drive(&self) -> Option<&HardDrive> {
        self.0.iter().find_map(|n| match n {
            Node::HardDrive(h) => Some(h),
            _ => None,
        })
    }

    pub fn file(&self) -> Option<&str> {
        self.0.iter().find_map(|n| match n {
            Node::File(f) => Some(f.as_str()),
            _ => None,
        })
    }
}

/// The text form efibootmgr -v prints, which is what clean-nvram's patterns match against.
impl fmt::Display for DevicePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            match n {
                Node::HardDrive(h) => write!(
                    f,
                    "HD({},GPT,{},{:#x},{:#x})",
                    h.number,
                    crate::disk::guid::to_string(&h.partuuid).to_lowercase(),
                    h.start_lba,
                    h.size_lba
                )?,
                Node::File(p) => write!(f, "File({p})")?,
                Node::Other {
                    kind: 1,
                    subtype: 1,
                    data,
                } if data.len() == 2 => write!(f, "Pci({:#x},{:#x})", data[1], data[0])?,
                Node::Other {
                    kind: 2,
                    subtype: 1,
                    data,
                } if data.len() == 8 && data[..4] == [0xd0, 0x41, 0x03, 0x0a] => {
                    write!(f, "PciRoot({:#x})", le::u32(data, 4).unwrap_or(0))?
                }
                Node::Other {
                    kind,
                    subtype,
                    data,
                } => {
                    write!(f, "Path({kind},{subtype},")?;
                    for b in data {
                        write!(f, "{b:02x}")?;
                    }
                    f.write_str(")")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_lengths_that_lie() {
        assert!(DevicePath::decode(&[4, 4, 2, 0]).is_none());
        assert!(DevicePath::decode(&[4, 4, 200, 0, 0, 0]).is_none());
        assert!(DevicePath::decode(&[4, 4, 6, 0, 0, 0]).is_none()); // no End node
        assert_eq!(
            DevicePath::decode(&[0x7f, 0xff, 4, 0]),
            Some(DevicePath::default())
        );
    }
}
