//! Root-device hints with ironic-python-agent's semantics (ironic-lib `parse_root_device_hints`
//! and `match_root_device_hints`, operators from oslo `specs_matcher`):
//! - hint names: size (GiB, integer), model, vendor, serial, wwn, wwn_with_extension,
//!   wwn_vendor_extension, name, rotational, hctl, by_path, tran;
//! - a string hint without an operator means `s==`, a size without one means `==`;
//! - strings compare lower-cased; `name` and `by_path` get their `/dev/` prefix added;
//! - every hint must match; the first matching disk wins;
//! - without hints: the smallest disk of at least 4 GiB, ties broken by name.

use crate::disk::BlockDevice;
use crate::report::{IronError, Kind, Result};
use serde::Serialize;
use serde_json::Value;

const GIB: u64 = 1 << 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HintType {
    Size,
    Str,
    Bool,
}

const HINT_NAMES: &[(&str, HintType)] = &[
    ("size", HintType::Size),
    ("model", HintType::Str),
    ("vendor", HintType::Str),
    ("serial", HintType::Str),
    ("wwn", HintType::Str),
    ("wwn_with_extension", HintType::Str),
    ("wwn_vendor_extension", HintType::Str),
    ("name", HintType::Str),
    ("rotational", HintType::Bool),
    ("hctl", HintType::Str),
    ("by_path", HintType::Str),
    ("tran", HintType::Str),
];

/// Operators of oslo's specs_matcher, longest first so that `s>=` is not read as `s>`.
const OPERATORS: &[&str] = &[
    "<range-in>",
    "<all-in>",
    "<or>",
    "<in>",
    "s==",
    "s!=",
    "s>=",
    "s<=",
    "s>",
    "s<",
    "==",
    "!=",
    ">=",
    "<=",
    ">",
    "<",
    "=",
];

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    /// `op arg...` as oslo splits it (the `<or>` form keeps all its alternatives).
    Op {
        op: &'static str,
        args: Vec<String>,
    },
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
struct Hint {
    name: &'static str,
    ty: HintType,
    expr: Expr,
    /// The hint as the user wrote it, for `--explain`.
    source: String,
}

/// A parsed, validated set of hints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hints {
    hints: Vec<Hint>,
}

/// Why one hint matched one disk or not (for `--explain`).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HintCheck {
    pub hint: String,
    pub expected: String,
    pub actual: Option<String>,
    pub matched: bool,
}

fn bad(msg: String) -> IronError {
    IronError::new(Kind::InvalidHints, msg)
}

fn parse_bool(name: &str, v: &Value) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => Ok(n.as_f64() != Some(0.0)),
        Value::String(s) => match s.trim().to_lowercase().as_str() {
            "1" | "t" | "true" | "on" | "y" | "yes" => Ok(true),
            "0" | "f" | "false" | "off" | "n" | "no" => Ok(false),
            _ => Err(bad(format!("hint '{name}' needs a boolean, got {s:?}"))),
        },
        other => Err(bad(format!("hint '{name}' needs a boolean, got {other}"))),
    }
}

/// Splits `"op args"`; `<or>` expressions are `<or> a <or> b`, `<range-in>` is `[ 1 10 )`.
fn parse_expr(name: &str, ty: HintType, text: &str) -> Result<Expr> {
    let text = text.trim();
    let Some(op) = OPERATORS.iter().find(|op| text.starts_with(**op)).copied() else {
        // No operator: IPA prefixes `s==` for strings and `==` for sizes.
        let op = if ty == HintType::Size { "==" } else { "s==" };
        if ty == HintType::Size && text.parse::<f64>().is_err() {
            return Err(bad(format!(
                "hint 'size' needs a number of GiB, got {text:?}"
            )));
        }
        return Ok(Expr::Op {
            op,
            args: vec![text.to_string()],
        });
    };
    let rest = text[op.len()..].trim();
    let args: Vec<String> = match op {
        "<or>" => rest.split("<or>").map(|s| s.trim().to_string()).collect(),
        "<all-in>" | "<range-in>" => rest.split_whitespace().map(str::to_string).collect(),
        _ => vec![rest.to_string()],
    };
    if args.is_empty() || args.iter().any(|a| a.is_empty()) {
        return Err(bad(format!(
            "hint '{name}' has operator '{op}' without a value: {text:?}"
        )));
    }
    if op == "<range-in>" {
        let ok = args.len() == 4
            && (args[0] == "[" || args[0] == "(")
            && (args[3] == "]" || args[3] == ")")
            && args[1].parse::<f64>().is_ok()
            && args[2].parse::<f64>().is_ok();
        if !ok {
            return Err(bad(format!(
                "hint '{name}': <range-in> needs '[ MIN MAX ]' with ( or ) for open ends, got {text:?}"
            )));
        }
    }
    if ty == HintType::Size
        && !op.starts_with('s')
        && !matches!(op, "<in>" | "<all-in>" | "<or>" | "<range-in>")
        && args[0].parse::<f64>().is_err()
    {
        return Err(bad(format!(
            "hint 'size' needs a number of GiB, got {:?}",
            args[0]
        )));
    }
    if name == "size" && op == "<or>" && args.iter().any(|a| a.parse::<u64>().is_err()) {
        return Err(bad(format!(
            "hint 'size' needs whole numbers of GiB, got {text:?}"
        )));
    }
    Ok(Expr::Op { op, args })
}

fn lower_arg(name: &str, arg: &str) -> String {
    let a = arg.to_lowercase();
    // IPA accepts `name: sda` for `/dev/sda`, and by_path without its directory.
    match name {
        "name" if !a.starts_with("/dev/") && !matches!(a.as_str(), "[" | "]" | "(" | ")") => {
            format!("/dev/{a}")
        }
        "by_path" if !a.starts_with("/dev/disk/by-path/") => format!("/dev/disk/by-path/{a}"),
        _ => a,
    }
}

impl Hints {
    /// Parses a JSON object of hints; unknown names and ill-typed values are errors naming them.
    pub fn parse(json: &str) -> Result<Hints> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| bad(format!("hints are not valid JSON: {json:?}")).caused_by(e))?;
        Hints::from_value(&value)
    }

    pub fn from_value(value: &Value) -> Result<Hints> {
        let Value::Object(map) = value else {
            return Err(bad(format!("hints must be a JSON object, got {value}")));
        };
        let mut hints = Vec::new();
        for (key, v) in map {
            let Some((name, ty)) = HINT_NAMES.iter().find(|(n, _)| n == key).copied() else {
                let valid: Vec<&str> = HINT_NAMES.iter().map(|(n, _)| *n).collect();
                return Err(bad(format!(
                    "unknown hint '{key}' (valid hints: {})",
                    valid.join(", ")
                )));
            };
            let source = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let expr = match ty {
                HintType::Bool => Expr::Bool(parse_bool(name, v)?),
                HintType::Size => match v {
                    Value::Number(n) => {
                        let gib = n.as_u64().ok_or_else(|| {
                            bad(format!("hint 'size' needs a whole number of GiB, got {n}"))
                        })?;
                        Expr::Op {
                            op: "==",
                            args: vec![gib.to_string()],
                        }
                    }
                    Value::String(s) => parse_expr(name, ty, s)?,
                    other => {
                        return Err(bad(format!(
                            "hint 'size' needs a number of GiB, got {other}"
                        )));
                    }
                },
                HintType::Str => {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        other => {
                            return Err(bad(format!("hint '{name}' needs a string, got {other}")));
                        }
                    };
                    match parse_expr(name, ty, &text)? {
                        Expr::Op { op, args } => Expr::Op {
                            op,
                            args: args.iter().map(|a| lower_arg(name, a)).collect(),
                        },
                        e => e,
                    }
                }
            };
            hints.push(Hint {
                name,
                ty,
                expr,
                source,
            });
        }
        Ok(Hints { hints })
    }

    pub fn is_empty(&self) -> bool {
        self.hints.is_empty()
    }

    /// Checks every hint against one disk.
    pub fn check(&self, dev: &BlockDevice) -> Vec<HintCheck> {
        self.hints
            .iter()
            .map(|h| {
                let actual = device_value(dev, h.name);
                let matched = actual.as_deref().is_some_and(|a| h.matches(a));
                HintCheck {
                    hint: h.name.to_string(),
                    expected: h.source.clone(),
                    actual,
                    matched,
                }
            })
            .collect()
    }

    pub fn matches(&self, dev: &BlockDevice) -> bool {
        self.check(dev).iter().all(|c| c.matched)
    }
}

/// The device's value for a hint, in the form hints compare against (lower-cased strings, size
/// in whole GiB, rotational as "true"/"false").
fn device_value(dev: &BlockDevice, hint: &str) -> Option<String> {
    let s = |v: &Option<String>| v.as_ref().map(|x| x.to_lowercase());
    match hint {
        "size" => Some((dev.size / GIB).to_string()),
        "model" => s(&dev.model),
        "vendor" => s(&dev.vendor),
        "serial" => s(&dev.serial),
        "wwn" => s(&dev.wwn),
        "wwn_with_extension" => s(&dev.wwn_with_extension),
        "wwn_vendor_extension" => s(&dev.wwn_vendor_extension),
        "name" => Some(dev.path.to_string_lossy().to_lowercase()),
        "rotational" => Some(dev.rotational.to_string()),
        "hctl" => s(&dev.hctl),
        "by_path" => s(&dev.by_path),
        "tran" => s(&dev.tran),
        _ => None,
    }
}

fn num(s: &str) -> Option<f64> {
    s.trim().parse().ok()
}

impl Hint {
    fn matches(&self, actual: &str) -> bool {
        match &self.expr {
            Expr::Bool(b) => actual == b.to_string(),
            Expr::Op { op, args } => apply(op, actual, args),
        }
    }
}

/// oslo specs_matcher's operator table.
fn apply(op: &str, value: &str, args: &[String]) -> bool {
    let a0 = args[0].as_str();
    let numeric =
        |f: fn(f64, f64) -> bool| matches!((num(value), num(a0)), (Some(x), Some(y)) if f(x, y));
    match op {
        "=" => numeric(|x, y| x >= y),
        "==" => numeric(|x, y| x == y),
        "!=" => numeric(|x, y| x != y),
        ">=" => numeric(|x, y| x >= y),
        "<=" => numeric(|x, y| x <= y),
        ">" => numeric(|x, y| x > y),
        "<" => numeric(|x, y| x < y),
        "s==" => value == a0,
        "s!=" => value != a0,
        "s>=" => value >= a0,
        "s<=" => value <= a0,
        "s>" => value > a0,
        "s<" => value < a0,
        "<in>" => value.contains(a0),
        "<all-in>" => args.iter().all(|a| value.contains(a.as_str())),
        "<or>" => args.iter().any(|a| a == value),
        "<range-in>" => {
            let (Some(v), Some(lo), Some(hi)) = (num(value), num(&args[1]), num(&args[2])) else {
                return false;
            };
            let lo_ok = if args[0] == "[" { v >= lo } else { v > lo };
            let hi_ok = if args[3] == "]" { v <= hi } else { v < hi };
            lo_ok && hi_ok
        }
        _ => false,
    }
}

/// Per-disk explanation for `--explain`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Candidate {
    pub device: String,
    pub size: u64,
    pub matched: bool,
    pub checks: Vec<HintCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Picks the target among `disks` (already filtered to candidates): the first disk, in name
/// order, matching every hint; without hints the smallest disk of at least 4 GiB.
pub fn select<'a>(
    hints: &Hints,
    disks: &'a [BlockDevice],
) -> (Option<&'a BlockDevice>, Vec<Candidate>) {
    let mut sorted: Vec<&BlockDevice> = disks.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut explain = Vec::new();
    if hints.is_empty() {
        let chosen = sorted
            .iter()
            .filter(|d| d.size >= 4 * GIB)
            .min_by(|a, b| a.size.cmp(&b.size).then_with(|| a.name.cmp(&b.name)))
            .copied();
        for d in &sorted {
            let is = chosen.is_some_and(|c| c.name == d.name);
            let note = if d.size < 4 * GIB {
                "smaller than 4 GiB".to_string()
            } else if is {
                "smallest disk of at least 4 GiB".to_string()
            } else {
                "not the smallest disk of at least 4 GiB".to_string()
            };
            explain.push(Candidate {
                device: d.path.display().to_string(),
                size: d.size,
                matched: is,
                checks: vec![],
                note: Some(note),
            });
        }
        return (chosen, explain);
    }
    let mut chosen = None;
    for d in sorted {
        let checks = hints.check(d);
        let ok = checks.iter().all(|c| c.matched);
        let note = match (ok, chosen.is_some()) {
            (true, true) => Some("matches, but an earlier disk matched first".to_string()),
            _ => None,
        };
        if ok && chosen.is_none() {
            chosen = Some(d);
        }
        explain.push(Candidate {
            device: d.path.display().to_string(),
            size: d.size,
            matched: ok,
            checks,
            note,
        });
    }
    (chosen, explain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn disk(name: &str, gib: u64) -> BlockDevice {
        BlockDevice {
            name: name.into(),
            path: PathBuf::from(format!("/dev/{name}")),
            devno: "8:0".into(),
            size: gib * GIB,
            logical_sector_size: 512,
            physical_sector_size: 512,
            optimal_io_size: 0,
            rotational: false,
            removable: false,
            read_only: false,
            model: Some("Samsung SSD 970".into()),
            vendor: Some("ATA".into()),
            serial: Some("S4EWNX0N123456".into()),
            wwn: Some("0x5002538e40a1b2c3".into()),
            wwn_with_extension: Some("0x5002538e40a1b2c3".into()),
            wwn_vendor_extension: None,
            hctl: Some("1:0:0:0".into()),
            by_path: Some("/dev/disk/by-path/pci-0000:00:1f.2-ata-1".into()),
            tran: Some("sata".into()),
            holders: vec![],
            mountpoints: vec![],
            swap: false,
            partitions: vec![],
        }
    }

    fn m(hints: &str, d: &BlockDevice) -> bool {
        Hints::parse(hints).unwrap().matches(d)
    }

    #[test]
    fn numeric_operators_on_size() {
        let d = disk("sda", 100);
        assert!(m(r#"{"size": 100}"#, &d));
        assert!(m(r#"{"size": "100"}"#, &d));
        assert!(m(r#"{"size": "== 100"}"#, &d));
        assert!(!m(r#"{"size": "== 99"}"#, &d));
        assert!(m(r#"{"size": "!= 99"}"#, &d));
        assert!(m(r#"{"size": ">= 100"}"#, &d));
        assert!(!m(r#"{"size": "> 100"}"#, &d));
        assert!(m(r#"{"size": "> 99"}"#, &d));
        assert!(m(r#"{"size": "<= 100"}"#, &d));
        assert!(!m(r#"{"size": "< 100"}"#, &d));
        assert!(m(r#"{"size": "< 101"}"#, &d));
        assert!(m(r#"{"size": "= 50"}"#, &d), "oslo's '=' means at least");
        assert!(m(r#"{"size": "<or> 10 <or> 100"}"#, &d));
        assert!(!m(r#"{"size": "<or> 10 <or> 20"}"#, &d));
        assert!(m(r#"{"size": "<range-in> [ 100 200 ]"}"#, &d));
        assert!(!m(r#"{"size": "<range-in> ( 100 200 ]"}"#, &d));
        assert!(!m(r#"{"size": "<range-in> [ 10 100 )"}"#, &d));
    }

    #[test]
    fn size_is_whole_gib_rounded_down() {
        let mut d = disk("sda", 0);
        d.size = 100 * GIB - 1;
        assert!(m(r#"{"size": 99}"#, &d));
    }

    #[test]
    fn string_operators_lower_case() {
        let d = disk("sda", 100);
        assert!(m(r#"{"model": "samsung ssd 970"}"#, &d));
        assert!(m(r#"{"model": "SAMSUNG SSD 970"}"#, &d));
        assert!(m(r#"{"model": "s== Samsung SSD 970"}"#, &d));
        assert!(!m(r#"{"model": "s!= Samsung SSD 970"}"#, &d));
        assert!(m(r#"{"serial": "s>= s4"}"#, &d));
        assert!(m(r#"{"serial": "s> s4"}"#, &d));
        assert!(!m(r#"{"serial": "s< s4"}"#, &d));
        assert!(m(r#"{"serial": "s<= s5"}"#, &d));
        assert!(m(r#"{"model": "<in> ssd"}"#, &d));
        assert!(!m(r#"{"model": "<in> nvme"}"#, &d));
        assert!(m(r#"{"model": "<all-in> samsung 970"}"#, &d));
        assert!(!m(r#"{"model": "<all-in> samsung 980"}"#, &d));
        assert!(m(r#"{"vendor": "<or> hitachi <or> ata"}"#, &d));
        assert!(m(r#"{"wwn": "0x5002538E40A1B2C3"}"#, &d));
        assert!(m(r#"{"hctl": "1:0:0:0", "tran": "sata"}"#, &d));
        assert!(
            !m(r#"{"wwn_vendor_extension": "0x1"}"#, &d),
            "absent value never matches"
        );
    }

    #[test]
    fn name_and_by_path_get_prefixes() {
        let d = disk("sda", 100);
        assert!(m(r#"{"name": "sda"}"#, &d));
        assert!(m(r#"{"name": "/dev/sda"}"#, &d));
        assert!(!m(r#"{"name": "sdb"}"#, &d));
        assert!(m(r#"{"by_path": "pci-0000:00:1f.2-ata-1"}"#, &d));
        assert!(m(
            r#"{"by_path": "/dev/disk/by-path/pci-0000:00:1f.2-ata-1"}"#,
            &d
        ));
    }

    #[test]
    fn rotational_booleans() {
        let d = disk("sda", 100);
        assert!(m(r#"{"rotational": false}"#, &d));
        assert!(m(r#"{"rotational": "no"}"#, &d));
        assert!(!m(r#"{"rotational": true}"#, &d));
        assert!(m(r#"{"rotational": 0}"#, &d));
    }

    #[test]
    fn all_hints_must_match() {
        let d = disk("sda", 100);
        assert!(m(r#"{"size": ">= 50", "rotational": false}"#, &d));
        assert!(!m(r#"{"size": ">= 50", "rotational": true}"#, &d));
    }

    #[test]
    fn invalid_hints_name_the_bad_value() {
        for (h, needle) in [
            (r#"{"colour": "red"}"#, "colour"),
            (r#"{"size": "big"}"#, "big"),
            (r#"{"size": -3}"#, "-3"),
            (r#"{"rotational": "maybe"}"#, "maybe"),
            (r#"{"size": "<range-in> 1 2"}"#, "range-in"),
            (r#"["size"]"#, "object"),
            (r#"{"size": "#, "JSON"),
            (r#"{"model": ">="}"#, ">="),
        ] {
            let e = Hints::parse(h).unwrap_err();
            assert_eq!(e.kind, Kind::InvalidHints);
            assert!(e.message.contains(needle), "{h}: {}", e.message);
        }
    }

    #[test]
    fn first_match_wins_in_name_order() {
        let disks = vec![disk("sdc", 200), disk("sdb", 100), disk("sda", 50)];
        let h = Hints::parse(r#"{"size": ">= 100"}"#).unwrap();
        let (chosen, explain) = select(&h, &disks);
        assert_eq!(chosen.unwrap().name, "sdb");
        assert_eq!(explain.len(), 3);
        assert!(explain[2].note.is_some());
    }

    #[test]
    fn no_hints_smallest_of_at_least_4_gib_ties_by_name() {
        let disks = vec![
            disk("sdc", 8),
            disk("sdb", 8),
            disk("sda", 2),
            disk("sdd", 100),
        ];
        let (chosen, _) = select(&Hints::default(), &disks);
        assert_eq!(chosen.unwrap().name, "sdb");
        let tiny = vec![disk("sda", 2)];
        assert!(select(&Hints::default(), &tiny).0.is_none());
    }
}
