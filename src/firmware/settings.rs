//! `firmware settings`: BIOS settings through the kernel's firmware-attributes class
//! (dell-wmi-sysman, think-lmi, hp-bioscfg): /sys/class/firmware-attributes/<dev>/attributes/
//! <name>/{type, current_value, possible_values, min_value, ...}. Values are validated against
//! what the attribute declares before anything is written; a wrong name or value is refused
//! with the allowed ones listed.

use crate::report::{Context, IronError, Key, Kind, Result};
use crate::sys::sysfs;
use schemars::JsonSchema;
use serde::Serialize;
use std::path::PathBuf;

pub const CLASS: &str = "/sys/class/firmware-attributes";

#[derive(clap::Args, Debug, Clone)]
pub struct SettingsArgs {
    #[command(subcommand)]
    pub action: SettingsAction,
    /// File holding the BIOS admin password (when the firmware requires one to change settings)
    #[arg(long, value_name = "FILE", global = true)]
    pub password_file: Option<PathBuf>,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum SettingsAction {
    /// Every setting with its type, value and allowed values
    List,
    /// One setting
    Get {
        /// Setting name (or DEVICE/NAME when two drivers share it)
        name: String,
    },
    /// Change settings (validated first, all or nothing); applied at the next reboot
    Set {
        /// NAME=VALUE pairs
        #[arg(required = true, value_name = "NAME=VALUE")]
        pairs: Vec<String>,
    },
}

/// One setting as the firmware-attributes class declares it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Attribute {
    pub device: String,
    pub name: String,
    #[serde(rename = "type")]
    pub typ: AttributeType,
    pub display_name: Option<String>,
    pub current_value: Option<String>,
    pub default_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible_values: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scalar_increment: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
}

impl Attribute {
    fn dir(&self) -> String {
        format!("{CLASS}/{}/attributes/{}", self.device, self.name)
    }
}

/// The attribute types of the kernel's firmware-attributes ABI; a driver's other types are
/// listed as it names them (and cannot be set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AttributeType {
    Enumeration,
    Integer,
    #[serde(rename = "string")]
    Text,
    OrderedList,
    #[serde(untagged)]
    Other(String),
}

impl AttributeType {
    fn parse(s: &str) -> AttributeType {
        match s {
            "enumeration" => AttributeType::Enumeration,
            "integer" => AttributeType::Integer,
            "string" => AttributeType::Text,
            "ordered-list" => AttributeType::OrderedList,
            other => AttributeType::Other(other.to_string()),
        }
    }
}

/// One authentication role of a device (`Admin`, `System`, ...).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AuthRole {
    pub name: String,
    pub is_enabled: Option<bool>,
    /// `bios-admin`, `power-on`, ... as the driver says.
    pub role: Option<String>,
    pub mechanism: Option<String>,
}

/// One firmware-attributes device (one vendor driver).
#[derive(Debug, Serialize, JsonSchema)]
pub struct SettingsDevice {
    pub name: String,
    pub authentication: Vec<AuthRole>,
    /// Changes wait for a reboot (null: the driver does not say).
    pub pending_reboot: Option<bool>,
}

/// What `firmware settings list` prints.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SettingsListReport {
    pub devices: Vec<SettingsDevice>,
    pub settings: Vec<Attribute>,
}

/// One setting written.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SettingChange {
    pub device: String,
    pub name: String,
    pub previous_value: Option<String>,
    pub requested_value: String,
    /// Read back after the write.
    pub current_value: Option<String>,
}

/// What `firmware settings set` prints.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SettingsSetReport {
    pub changes: Vec<SettingChange>,
    pub pending_reboot: bool,
}

/// `firmware settings <action>`: each action's report, untagged.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum SettingsReport {
    List(SettingsListReport),
    /// `get`: the one setting.
    Get(Attribute),
    Set(SettingsSetReport),
}

/// The bounds an integer value must keep (the `allowed` of a refusal).
#[derive(Debug, Serialize)]
struct IntegerBounds {
    min_value: i64,
    max_value: i64,
    scalar_increment: i64,
}

/// The lengths a string value must keep (the `allowed` of a refusal).
#[derive(Debug, Serialize)]
struct LengthBounds {
    min_length: u64,
    max_length: u64,
}

pub fn devices() -> Vec<String> {
    sysfs::list(CLASS)
}

pub fn attributes() -> Vec<Attribute> {
    let mut out = Vec::new();
    for dev in devices() {
        let base = format!("{CLASS}/{dev}/attributes");
        for name in sysfs::list(&base) {
            let dir = format!("{base}/{name}");
            // pending_reboot, reset_bios, save_settings... are files next to the attribute dirs.
            let Some(typ) = sysfs::read_nonempty(format!("{dir}/type")) else {
                continue;
            };
            let f = |n: &str| sysfs::read(format!("{dir}/{n}"));
            let int = |n: &str| f(n).and_then(|v| v.parse::<i64>().ok());
            let possible = f("possible_values").map(|v| {
                v.split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            });
            out.push(Attribute {
                device: dev.clone(),
                name,
                typ: AttributeType::parse(&typ),
                display_name: f("display_name").filter(|s| !s.is_empty()),
                current_value: f("current_value"),
                default_value: f("default_value"),
                possible_values: possible,
                min_value: int("min_value"),
                max_value: int("max_value"),
                scalar_increment: int("scalar_increment"),
                min_length: f("min_length").and_then(|v| v.parse().ok()),
                max_length: f("max_length").and_then(|v| v.parse().ok()),
            });
        }
    }
    out
}

/// Authentication roles of one device (`Admin`, `System`, ...): enabled or not.
pub fn authentication(dev: &str) -> Vec<AuthRole> {
    let base = format!("{CLASS}/{dev}/authentication");
    sysfs::list(&base)
        .into_iter()
        .map(|r| {
            let f = |n: &str| sysfs::read_nonempty(format!("{base}/{r}/{n}"));
            AuthRole {
                is_enabled: f("is_enabled").map(|v| v == "1"),
                role: f("role"),
                mechanism: f("mechanism"),
                name: r,
            }
        })
        .collect()
}

pub fn pending_reboot(dev: &str) -> Option<bool> {
    sysfs::read_nonempty(format!("{CLASS}/{dev}/attributes/pending_reboot")).map(|v| v == "1")
}

fn no_class() -> IronError {
    IronError::new(
        Kind::Unsupported,
        format!(
            "no firmware settings: {CLASS} is empty (needs a vendor driver: dell-wmi-sysman, think-lmi or hp-bioscfg)"
        ),
    )
}

/// Finds NAME or DEVICE/NAME; exact match first, then case-insensitive.
pub fn find<'a>(all: &'a [Attribute], name: &str) -> Result<&'a Attribute> {
    let (dev, n) = match name.split_once('/') {
        Some((d, n)) => (Some(d), n),
        None => (None, name),
    };
    let in_dev = |a: &&Attribute| dev.is_none_or(|d| a.device == d);
    let exact: Vec<_> = all.iter().filter(in_dev).filter(|a| a.name == n).collect();
    let hits = if exact.is_empty() {
        all.iter()
            .filter(in_dev)
            .filter(|a| a.name.eq_ignore_ascii_case(n))
            .collect()
    } else {
        exact
    };
    match hits.as_slice() {
        [one] => Ok(one),
        [] => Err(
            IronError::invalid(format!("unknown firmware setting '{name}'"))
                .with(Key::Setting, name)
                .with(
                    Key::Known,
                    all.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
                ),
        ),
        many => Err(IronError::invalid(format!(
            "setting '{name}' exists on several devices; name it as DEVICE/NAME"
        ))
        .with(
            Key::Candidates,
            many.iter()
                .map(|a| format!("{}/{}", a.device, a.name))
                .collect::<Vec<_>>(),
        )),
    }
}

/// Checks `value` against the attribute's declared type and bounds. Returns the value to
/// write (enumeration values take the attribute's own spelling).
pub fn validate(a: &Attribute, value: &str) -> Result<String> {
    let refuse = |why: String| {
        IronError::invalid(format!("invalid value '{value}' for {}: {why}", a.name))
            .with(Key::Setting, &a.name)
            .with(Key::Value, value)
    };
    match &a.typ {
        AttributeType::Enumeration => {
            let allowed = a.possible_values.clone().unwrap_or_default();
            allowed
                .iter()
                .find(|p| *p == value)
                .or_else(|| allowed.iter().find(|p| p.eq_ignore_ascii_case(value)))
                .cloned()
                .ok_or_else(|| {
                    refuse(format!("allowed: {}", allowed.join(", "))).with(Key::Allowed, &allowed)
                })
        }
        AttributeType::Integer => {
            let n: i64 = value
                .trim()
                .parse()
                .map_err(|_| refuse("not an integer".into()))?;
            let (min, max) = (
                a.min_value.unwrap_or(i64::MIN),
                a.max_value.unwrap_or(i64::MAX),
            );
            let step = a.scalar_increment.filter(|s| *s > 0).unwrap_or(1);
            let base = a.min_value.unwrap_or(0);
            if n < min || n > max || (n - base).rem_euclid(step) != 0 {
                let allowed = IntegerBounds {
                    min_value: min,
                    max_value: max,
                    scalar_increment: step,
                };
                return Err(refuse(format!("allowed: {min}..={max} in steps of {step}"))
                    .with(Key::Allowed, allowed));
            }
            Ok(n.to_string())
        }
        AttributeType::Text => {
            let len = value.chars().count() as u64;
            let (min, max) = (a.min_length.unwrap_or(0), a.max_length.unwrap_or(u64::MAX));
            if len < min || len > max {
                let allowed = LengthBounds {
                    min_length: min,
                    max_length: max,
                };
                return Err(refuse(format!("length {len} outside {min}..={max}"))
                    .with(Key::Allowed, allowed));
            }
            Ok(value.to_string())
        }
        AttributeType::OrderedList => {
            let allowed = a.possible_values.clone().unwrap_or_default();
            for item in value.split([',', ';']) {
                if !allowed.iter().any(|p| p == item) {
                    return Err(
                        refuse(format!("'{item}' is not one of {}", allowed.join(", ")))
                            .with(Key::Allowed, &allowed),
                    );
                }
            }
            Ok(value.to_string())
        }
        AttributeType::Other(other) => {
            Err(refuse(format!("type '{other}' cannot be set by ironbox")))
        }
    }
}

fn read_password(file: &PathBuf) -> Result<String> {
    let s = std::fs::read_to_string(file).ctx(Kind::NotFound, || {
        format!("cannot read password file {}", file.display())
    })?;
    Ok(s.trim_end_matches(['\n', '\r']).to_string())
}

/// The role dirs that demand a password before a change, the BIOS administrator's first
/// (`role` = bios-admin, or named Admin / Setup Password), since that is the one that unlocks
/// settings; a power-on password alone does not.
fn enabled_auth(dev: &str) -> Vec<String> {
    let mut roles: Vec<(u8, String)> = authentication(dev)
        .into_iter()
        .filter(|a| a.is_enabled == Some(true))
        .filter_map(|a| {
            let role = a.role.as_deref();
            let name = a.name;
            let admin = role == Some("bios-admin")
                || name.eq_ignore_ascii_case("admin")
                || name.eq_ignore_ascii_case("setup password");
            let power_on =
                role == Some("power-on") || name.to_ascii_lowercase().starts_with("power-on");
            (!power_on || admin).then_some((u8::from(!admin), name))
        })
        .collect();
    roles.sort();
    roles.into_iter().map(|(_, n)| n).collect()
}

fn write_attr(rel: &str, value: &str) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(sysfs::is_captured())
        .open(sysfs::path(rel))
        .ctx(Kind::Io, || format!("cannot open {rel}"))?;
    f.write_all(value.as_bytes()).ctx(Kind::External, || {
        format!("firmware refused {rel} = '{value}'")
    })
}

pub fn run(a: &SettingsArgs) -> Result<SettingsReport> {
    if devices().is_empty() {
        return Err(no_class());
    }
    let all = attributes();
    Ok(match &a.action {
        SettingsAction::List => SettingsReport::List(SettingsListReport {
            devices: devices().into_iter().map(device).collect(),
            settings: all,
        }),
        SettingsAction::Get { name } => SettingsReport::Get(find(&all, name)?.clone()),
        SettingsAction::Set { pairs } => {
            SettingsReport::Set(set(&all, pairs, a.password_file.as_ref())?)
        }
    })
}

fn device(name: String) -> SettingsDevice {
    SettingsDevice {
        authentication: authentication(&name),
        pending_reboot: pending_reboot(&name),
        name,
    }
}

/// Validates every NAME=VALUE pair first (all or nothing), then writes them.
fn set(
    all: &[Attribute],
    pairs: &[String],
    password_file: Option<&PathBuf>,
) -> Result<SettingsSetReport> {
    let mut plan = Vec::new();
    for p in pairs {
        let (n, v) = p
            .split_once('=')
            .ok_or_else(|| IronError::usage(format!("'{p}' is not NAME=VALUE")))?;
        let attr = find(all, n.trim())?;
        let value = validate(attr, v)?;
        plan.push((attr.clone(), value));
    }
    let changes = apply(&plan, password_file)?;
    let mut devs: Vec<&str> = plan.iter().map(|(a, _)| a.device.as_str()).collect();
    devs.dedup();
    let pending_reboot = devs.iter().any(|d| pending_reboot(d).unwrap_or(true));
    Ok(SettingsSetReport {
        changes,
        pending_reboot,
    })
}

pub fn apply(
    plan: &[(Attribute, String)],
    password_file: Option<&PathBuf>,
) -> Result<Vec<SettingChange>> {
    let password = password_file.map(read_password).transpose()?;
    let mut out = Vec::new();
    let mut authed: Vec<String> = Vec::new();
    for (attr, value) in plan {
        let roles = enabled_auth(&attr.device);
        if !roles.is_empty() && !authed.contains(&attr.device) {
            let Some(pw) = &password else {
                return Err(IronError::usage(format!(
                    "firmware settings on {} are password protected ({}): give --password-file",
                    attr.device,
                    roles.join(", ")
                )));
            };
            let role = &roles[0];
            write_attr(
                &format!(
                    "{CLASS}/{}/authentication/{role}/current_password",
                    attr.device
                ),
                pw,
            )?;
            authed.push(attr.device.clone());
        }
        let previous = attr.current_value.clone();
        write_attr(&format!("{}/current_value", attr.dir()), value)?;
        let now = sysfs::read(format!("{}/current_value", attr.dir()));
        out.push(SettingChange {
            device: attr.device.clone(),
            name: attr.name.clone(),
            previous_value: previous,
            requested_value: value.clone(),
            current_value: now,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(typ: &str) -> Attribute {
        Attribute {
            device: "dell-wmi-sysman".into(),
            name: "X".into(),
            typ: AttributeType::parse(typ),
            display_name: None,
            current_value: None,
            default_value: None,
            possible_values: Some(vec!["Enabled".into(), "Disabled".into()]),
            min_value: Some(0),
            max_value: Some(100),
            scalar_increment: Some(5),
            min_length: Some(1),
            max_length: Some(4),
        }
    }

    #[test]
    fn values_are_checked_against_their_declaration() {
        assert_eq!(
            validate(&attr("enumeration"), "enabled").unwrap(),
            "Enabled"
        );
        assert!(validate(&attr("enumeration"), "On").is_err());
        assert_eq!(validate(&attr("integer"), "35").unwrap(), "35");
        assert!(validate(&attr("integer"), "36").is_err());
        assert!(validate(&attr("integer"), "105").is_err());
        assert!(validate(&attr("integer"), "x").is_err());
        assert!(validate(&attr("string"), "abcd").is_ok());
        assert!(validate(&attr("string"), "abcde").is_err());
        assert!(validate(&attr("string"), "").is_err());
    }
}
