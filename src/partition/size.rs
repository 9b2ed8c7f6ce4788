//! Layout sizes: integer bytes, `"512MiB"` (binary units) or `"1GB"` (decimal units), `"N%"` of
//! the disk, or `"rest"`.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Size {
    Bytes(u64),
    /// Percent of the whole disk.
    Percent(f64),
    /// Whatever remains (at most one partition).
    Rest,
}

const UNITS: &[(&str, u64)] = &[
    ("b", 1),
    ("k", 1 << 10),
    ("kib", 1 << 10),
    ("m", 1 << 20),
    ("mib", 1 << 20),
    ("g", 1 << 30),
    ("gib", 1 << 30),
    ("t", 1 << 40),
    ("tib", 1 << 40),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("tb", 1_000_000_000_000),
];

/// Parses a byte count with an optional unit (`4096`, `"512MiB"`, `"1.5 GiB"`, `"10GB"`).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let mult = UNITS
        .iter()
        .find(|(u, _)| *u == unit || (unit.is_empty() && *u == "b"))
        .map(|(_, m)| *m)
        .ok_or_else(|| {
            format!("size {text:?} has an unknown unit (use KiB, MiB, GiB, TiB, KB, MB, GB, TB)")
        })?;
    if num.is_empty() {
        return Err(format!("size {text:?} has no number"));
    }
    if let Ok(n) = num.parse::<u64>() {
        return n
            .checked_mul(mult)
            .ok_or_else(|| format!("size {text:?} is too large"));
    }
    let f: f64 = num
        .parse()
        .map_err(|_| format!("size {text:?} is not a number"))?;
    let bytes = f * mult as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(format!("size {text:?} is too large"));
    }
    Ok(bytes.round() as u64)
}

/// Parses a layout `size` value (integer or string).
pub fn parse(v: &Value) -> Result<Size, String> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .map(Size::Bytes)
            .ok_or_else(|| format!("size {n} is not a whole number of bytes")),
        Value::String(s) => {
            let t = s.trim();
            if t.eq_ignore_ascii_case("rest") {
                return Ok(Size::Rest);
            }
            if let Some(p) = t.strip_suffix('%') {
                let f: f64 = p
                    .trim()
                    .parse()
                    .map_err(|_| format!("size {s:?} is not a percentage"))?;
                if !(f > 0.0 && f <= 100.0) {
                    return Err(format!("size {s:?} must be above 0% and at most 100%"));
                }
                return Ok(Size::Percent(f));
            }
            parse_bytes(t).map(Size::Bytes)
        }
        other => Err(format!(
            "size {other} must be bytes, a string with a unit, \"N%\" or \"rest\""
        )),
    }
}

/// Parses `min`/`max` bounds: bytes only.
pub fn parse_bound(v: &Value) -> Result<u64, String> {
    match parse(v)? {
        Size::Bytes(b) => Ok(b),
        _ => Err(format!("bound {v} must be a size in bytes or with a unit")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn units_percent_rest() {
        assert_eq!(parse(&json!(4096)), Ok(Size::Bytes(4096)));
        assert_eq!(parse(&json!("512MiB")), Ok(Size::Bytes(512 << 20)));
        assert_eq!(parse(&json!("1 GiB")), Ok(Size::Bytes(1 << 30)));
        assert_eq!(parse(&json!("1.5GiB")), Ok(Size::Bytes(3 << 29)));
        assert_eq!(parse(&json!("10GB")), Ok(Size::Bytes(10_000_000_000)));
        assert_eq!(parse(&json!("2TB")), Ok(Size::Bytes(2_000_000_000_000)));
        assert_eq!(parse(&json!("3TiB")), Ok(Size::Bytes(3 << 40)));
        assert_eq!(parse(&json!("25%")), Ok(Size::Percent(25.0)));
        assert_eq!(parse(&json!("rest")), Ok(Size::Rest));
        assert!(parse(&json!("0%")).is_err());
        assert!(parse(&json!("101%")).is_err());
        assert!(parse(&json!("12 parsecs")).is_err());
        assert!(parse(&json!("MiB")).is_err());
        assert!(parse(&json!(-1)).is_err());
        assert!(parse(&json!(true)).is_err());
        assert!(parse_bound(&json!("rest")).is_err());
    }
}
