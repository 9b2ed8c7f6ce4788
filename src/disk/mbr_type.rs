//! The msdos partition type byte (the `sys` field of an MBR/EBR entry) as one value, so that
//! "is this an extended container?" is answered in one place rather than by comparing strings.
//! Reports show it as `0x%02x` (`"0x83"`), as they always have.

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MbrType(pub u8);

impl MbrType {
    /// An unused entry.
    pub const EMPTY: MbrType = MbrType(0x00);
    /// DOS extended (CHS), what ironbox writes for a container.
    pub const EXTENDED: MbrType = MbrType(0x05);
    /// Linux filesystem data.
    pub const LINUX: MbrType = MbrType(0x83);
    /// The single entry of a GPT's protective MBR.
    pub const PROTECTIVE: MbrType = MbrType(0xee);

    /// An extended container holding logical partitions. Linux's msdos parser treats 0x05 (DOS),
    /// 0x0f (Windows LBA) and 0x85 (Linux extended) alike, so every reader here must too.
    pub fn is_extended(self) -> bool {
        matches!(self.0, 0x05 | 0x0f | 0x85)
    }

    /// The protective (or hybrid) MBR entry of a GPT disk.
    pub fn is_protective(self) -> bool {
        self == MbrType::PROTECTIVE
    }
}

impl fmt::Display for MbrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:02x}", self.0)
    }
}

/// `0x` and one or two hex digits, either case (`0x83`, `0x5`, `0xEE`).
impl FromStr for MbrType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .filter(|h| (1..=2).contains(&h.len()) && h.bytes().all(|c| c.is_ascii_hexdigit()))
            .ok_or_else(|| format!("{s:?} is not an msdos type byte such as \"0x83\""))?;
        u8::from_str_radix(hex, 16)
            .map(MbrType)
            .map_err(|e| format!("{s:?}: {e}"))
    }
}

impl Serialize for MbrType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The schema of the string it serializes to, inlined so that reports' schemas stay as they were.
impl schemars::JsonSchema for MbrType {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        String::schema_name()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_linux_container_type_is_extended_and_nothing_else() {
        for b in [0x05, 0x0f, 0x85] {
            assert!(MbrType(b).is_extended(), "{b:#x}");
        }
        for b in (0..=255u8).filter(|b| ![0x05, 0x0f, 0x85].contains(b)) {
            assert!(!MbrType(b).is_extended(), "{b:#x}");
        }
        assert!(MbrType(0xee).is_protective() && !MbrType(0xef).is_protective());
    }

    #[test]
    fn shown_and_parsed_as_two_lower_case_hex_digits() {
        assert_eq!(MbrType(0x05).to_string(), "0x05");
        assert_eq!(MbrType(0xee).to_string(), "0xee");
        assert_eq!(serde_json::to_value(MbrType(0x0f)).unwrap(), "0x0f");
        for b in 0..=255u8 {
            assert_eq!(MbrType(b).to_string().parse::<MbrType>(), Ok(MbrType(b)));
        }
        assert_eq!("0xEE".parse::<MbrType>(), Ok(MbrType::PROTECTIVE));
        assert_eq!("0x5".parse::<MbrType>(), Ok(MbrType::EXTENDED));
        for bad in ["", "0x", "83", "0x100", "0x+1", "0xg1", " 0x83"] {
            assert!(bad.parse::<MbrType>().is_err(), "{bad:?}");
        }
    }
}
