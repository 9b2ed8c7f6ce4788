//! Format sniffing by magic bytes, never by name: what the first bytes of a stream say it is.

use std::io::{self, Read};

/// How many leading bytes `sniff` wants to see.
pub const SNIFF_LEN: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Magic {
    Gzip,
    Zstd,
    Xz,
    Qcow2,
    /// A format we recognise but cannot write (its name, for the error message).
    Unsupported(&'static str),
    Raw,
}

pub fn sniff(head: &[u8]) -> Magic {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(&[0x1f, 0x8b]) {
        Magic::Gzip
    } else if starts(&[0x28, 0xb5, 0x2f, 0xfd])
        // A zstd skippable frame (0x184D2A50..5F, little-endian) may lead a zstd file.
        || (head.len() >= 4 && head[0] & 0xf0 == 0x50 && head[1..4] == [0x2a, 0x4d, 0x18])
    {
        Magic::Zstd
    } else if starts(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Magic::Xz
    } else if starts(b"QFI\xfb") {
        Magic::Qcow2
    } else if starts(b"BZh") && head.len() > 4 && head[3].is_ascii_digit() {
        Magic::Unsupported("bzip2")
    } else if starts(&[0x04, 0x22, 0x4d, 0x18]) {
        Magic::Unsupported("lz4")
    } else if starts(b"KDMV") || starts(b"# Disk DescriptorFile") {
        Magic::Unsupported("vmdk")
    } else if starts(b"vhdxfile") {
        Magic::Unsupported("vhdx")
    } else if starts(b"QED\0") {
        Magic::Unsupported("qed")
    } else if head.len() >= 68 && head[64..68] == [0x7f, 0x10, 0xda, 0xbe] {
        Magic::Unsupported("vdi")
    } else {
        Magic::Raw
    }
}

/// The sniffed head followed by the rest of the input.
pub type Replayed<R> = io::Chain<io::Cursor<Vec<u8>>, R>;

/// Reads up to `SNIFF_LEN` bytes (fewer only at end of input) and hands back a reader that
/// replays them before the rest.
pub fn peek<R: Read>(mut input: R) -> io::Result<(Vec<u8>, Replayed<R>)> {
    let mut head = vec![0u8; SNIFF_LEN];
    let got = super::raw::fill(&mut input, &mut head)?;
    head.truncate(got);
    let replay = io::Cursor::new(head.clone());
    Ok((head, replay.chain(input)))
}

/// Zeros known ahead only once the replayed head is used up.
impl<R: super::ZeroFeed> super::ZeroFeed for Replayed<R> {
    fn zeros_ahead(&mut self) -> io::Result<u64> {
        let (head, rest) = self.get_mut();
        if head.position() < head.get_ref().len() as u64 {
            return Ok(0);
        }
        rest.zeros_ahead()
    }
    fn skip_zeros(&mut self, n: u64) {
        self.get_mut().1.skip_zeros(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_magics() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Magic::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Magic::Zstd);
        assert_eq!(sniff(&[0x5e, 0x2a, 0x4d, 0x18]), Magic::Zstd);
        assert_eq!(sniff(b"\xfd7zXZ\0\0"), Magic::Xz);
        assert_eq!(sniff(b"QFI\xfb\0\0\0\x03"), Magic::Qcow2);
        assert_eq!(sniff(b"BZh91AY"), Magic::Unsupported("bzip2"));
        assert_eq!(sniff(b"KDMV\x01"), Magic::Unsupported("vmdk"));
        assert_eq!(sniff(b""), Magic::Raw);
        assert_eq!(sniff(&[0u8; 512]), Magic::Raw);
        // A name or extension never matters, only bytes: text that merely mentions gzip is raw.
        assert_eq!(sniff(b"image.qcow2.gz"), Magic::Raw);
    }

    #[test]
    fn peek_replays_the_head() {
        let data: Vec<u8> = (0..2000u32).map(|i| i as u8).collect();
        let (head, mut rest) = peek(&data[..]).unwrap();
        assert_eq!(head, &data[..SNIFF_LEN]);
        let mut all = Vec::new();
        rest.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
        let (head, _) = peek(&b"abc"[..]).unwrap();
        assert_eq!(head, b"abc");
    }
}
