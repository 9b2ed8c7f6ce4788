//! Target and host names, validated before anything touches configfs: iSCSI names per RFC 3720
//! section 3.2.6 (`iqn.YYYY-MM.reversed.domain[:anything]`, `eui.` + 16 hex digits, `naa.` + 16
//! or 32 hex digits; lower-case ASCII letters, digits, `-`, `.`, `:`; at most 223 bytes) and
//! NVMe Qualified Names per NVMe Base 2.0 section 4.5 (`nqn.YYYY-MM.reversed.domain:anything`
//! or `nqn.2014-08.org.nvmexpress:uuid:<uuid>`; at most 223 bytes).

use crate::report::{IronError, Key, Kind, Result};
use schemars::JsonSchema;
use serde::Serialize;
use std::fmt;

const MAX_NAME: usize = 223;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Iqn(String);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Nqn(String);

fn invalid(field: &str, value: &str, why: &str) -> IronError {
    IronError::new(
        Kind::InvalidInput,
        format!("invalid {field} {value:?}: {why}"),
    )
    .with(Key::Field, field)
    .with(Key::Value, value)
}

/// `YYYY-MM.` then a non-empty domain: the shared head of IQNs and NQNs.
fn dated(rest: &str) -> bool {
    let b = rest.as_bytes();
    b.len() > 8
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && matches!(
            &rest[5..7],
            "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12"
        )
        && b[7] == b'.'
        && b[8].is_ascii_alphanumeric()
}

impl Iqn {
    pub fn parse(field: &str, s: &str) -> Result<Iqn> {
        if s.len() > MAX_NAME {
            return Err(invalid(field, s, "longer than 223 bytes"));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "-.:".contains(*c)))
        {
            return Err(invalid(
                field,
                s,
                &format!("{c:?} is not allowed (lower-case letters, digits, '-', '.', ':')"),
            ));
        }
        let hex = |h: &str, lens: &[usize]| {
            lens.contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit())
        };
        let ok = if let Some(rest) = s.strip_prefix("iqn.") {
            dated(rest)
        } else if let Some(h) = s.strip_prefix("eui.") {
            hex(h, &[16])
        } else if let Some(h) = s.strip_prefix("naa.") {
            hex(h, &[16, 32])
        } else {
            false
        };
        if !ok {
            return Err(invalid(
                field,
                s,
                "not iqn.YYYY-MM.reversed.domain[:name], eui.<16 hex> or naa.<16|32 hex> (RFC 3720)",
            ));
        }
        Ok(Iqn(s.to_string()))
    }
}

impl Nqn {
    pub fn parse(field: &str, s: &str) -> Result<Nqn> {
        if s.len() > MAX_NAME {
            return Err(invalid(field, s, "longer than 223 bytes"));
        }
        // configfs makes a directory of it: no '/', no whitespace or control characters.
        if let Some(c) = s.chars().find(|c| !c.is_ascii_graphic() || *c == '/') {
            return Err(invalid(field, s, &format!("{c:?} is not allowed")));
        }
        let ok = s.strip_prefix("nqn.").is_some_and(|rest| {
            dated(rest)
                && rest
                    .split_once(':')
                    .is_some_and(|(_, tail)| !tail.is_empty())
        });
        if !ok {
            return Err(invalid(
                field,
                s,
                "not nqn.YYYY-MM.reversed.domain:name (NVMe Base specification 4.5)",
            ));
        }
        Ok(Nqn(s.to_string()))
    }
}

impl fmt::Display for Iqn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Nqn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lower-case letters, digits and '-' only: a host or disk name made safe for a default name.
pub fn label(s: &str) -> String {
    let l: String = s
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    l.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iqns() {
        for ok in [
            "iqn.2008-10.org.openstack:node-1",
            "iqn.2003-01.org.linux-iscsi.host.x8664:sn.abc",
            "iqn.1994-05.com.redhat",
            "eui.02004567a425678d",
            "naa.52004567ba64678d",
            "naa.62004567ba64678d0123456789abcdef",
        ] {
            assert!(Iqn::parse("iqn", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "iqn",
            "iqn.08-10.org.openstack",
            "iqn.2008-13.org.x",
            "iqn.2008-10.",
            "IQN.2008-10.org.x",
            "iqn.2008-10.org.x:Upper",
            "iqn.2008-10.org.x:a b",
            "iqn.2008-10.org.x:a/b",
            "eui.0200",
            "naa.xyz4567ba64678d",
        ] {
            let e = Iqn::parse("iqn", bad).unwrap_err();
            assert_eq!(e.kind, Kind::InvalidInput, "{bad}");
        }
        assert!(Iqn::parse("iqn", &format!("iqn.2008-10.org.x:{}", "a".repeat(220))).is_err());
    }

    #[test]
    fn nqns() {
        for ok in [
            "nqn.2014-08.org.nvmexpress:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
            "nqn.2026-12.org.openstack.ironbox:node-1-nvme0n1",
        ] {
            assert!(Nqn::parse("nqn", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "nqn.2014-08.org.nvmexpress",
            "nqn.2014-08.org.x:",
            "nqn.2014-08.org.x:a/b",
            "nqn.2014-08.org.x:a b",
            "iqn.2014-08.org.x:a",
        ] {
            assert!(Nqn::parse("nqn", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn labels() {
        assert_eq!(label("Node_7.example"), "node-7-example");
    }
}
