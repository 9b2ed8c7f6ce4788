//! The schema registry: command path -> the JSON Schema of the document it prints on success.
//! `ironbox <command> --report-schema` prints one; bare `ironbox --report-schema` prints them all
//! (keyed by command path, plus `error`); scripts/gen-docs writes them to man/schemas/; the test
//! harness validates every document a test gets from the binary against them.
//! One line per command (or subcommand, where its report differs): the longest registered
//! prefix of the command path wins.

use super::ErrorDocument;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value};

type SchemaFn = fn() -> Schema;

/// The schema of what `T` serializes to (the serialize contract: a field skipped when empty is
/// optional, a field with a default is still required), with every object closed.
fn of<T: JsonSchema>() -> Schema {
    let mut schema = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>();
    closed(&mut schema);
    schema
}

/// Closes every object that lists its properties (and says nothing of others): a key the type
/// does not declare is then a schema error, so a stray or renamed key fails the suite's
/// validator instead of reaching a playbook. Maps (`additionalProperties` given) stay open.
fn closed(schema: &mut Schema) {
    let Some(root) = schema.as_object_mut() else {
        return;
    };
    let mut parts = Vec::new();
    flattened_defs(root, &mut parts);
    if let Some(Value::Object(defs)) = root.get_mut("$defs") {
        for (name, def) in defs.iter_mut() {
            if let Value::Object(d) = def {
                close(d, parts.contains(name));
            }
        }
    }
    let defs = root.remove("$defs");
    close(root, false);
    if let Some(defs) = defs {
        root.insert("$defs".into(), defs);
    }
}

/// The definitions that some object takes in as a part (a `$ref` beside its own properties, or
/// as a branch beside them: a flattened enum's variants, a tagged enum's newtype variants):
/// those stay open, and the object closes over them.
fn flattened_defs(obj: &Map<String, Value>, out: &mut Vec<String>) {
    let has_properties = obj.contains_key("properties");
    if has_properties && let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        out.push(r.trim_start_matches("#/$defs/").to_string());
    }
    for (k, v) in obj {
        match v {
            Value::Array(list) if has_properties && COMPOSED.contains(&k.as_str()) => {
                for b in list {
                    if let Some(r) = b.get("$ref").and_then(Value::as_str) {
                        out.push(r.trim_start_matches("#/$defs/").to_string());
                    }
                }
            }
            _ => {}
        }
        match v {
            Value::Object(o) => flattened_defs(o, out),
            Value::Array(list) => list
                .iter()
                .filter_map(Value::as_object)
                .for_each(|o| flattened_defs(o, out)),
            _ => {}
        }
    }
}

/// Schema-valued keywords that hold one subschema, a list or a map of them.
const ONE: &[&str] = &["additionalProperties", "items", "not", "if", "then", "else"];
const MAPS: &[&str] = &["properties", "patternProperties"];
const COMPOSED: &[&str] = &["anyOf", "oneOf", "allOf"];

/// A flattened enum (serde `flatten`) puts its variants beside the struct's own properties as
/// `oneOf`/`anyOf` branches that each hold part of the object: the object is then closed with
/// `unevaluatedProperties` (which sees into the branches) and its branches are left open
/// (`partial`). An object that is a whole alternative is closed with `additionalProperties`.
fn close(obj: &mut Map<String, Value>, partial: bool) {
    // A `$ref` beside properties (an internally tagged enum's newtype variant) composes too.
    let composed = COMPOSED.iter().any(|k| obj.contains_key(*k)) || obj.contains_key("$ref");
    let has_properties = obj.contains_key("properties");
    if has_properties && !partial && !obj.contains_key("additionalProperties") {
        let key = if composed {
            "unevaluatedProperties"
        } else {
            "additionalProperties"
        };
        obj.insert(key.into(), Value::Bool(false));
    }
    let sub = |v: &mut Value, partial: bool| {
        if let Value::Object(o) = v {
            close(o, partial);
        }
    };
    for k in ONE {
        if let Some(v) = obj.get_mut(*k) {
            sub(v, false);
        }
    }
    for k in MAPS {
        if let Some(Value::Object(m)) = obj.get_mut(*k) {
            m.values_mut().for_each(|v| sub(v, false));
        }
    }
    for k in COMPOSED {
        if let Some(Value::Array(list)) = obj.get_mut(*k) {
            // Branches beside the object's own properties are parts of it.
            list.iter_mut()
                .for_each(|v| sub(v, has_properties || partial));
        }
    }
    if let Some(Value::Array(list)) = obj.get_mut("prefixItems") {
        list.iter_mut().for_each(|v| sub(v, false));
    }
}

/// The failure document, shared by every command.
pub const ERROR: &str = "error";

pub const REGISTRY: &[(&str, SchemaFn)] = &[
    (ERROR, of::<ErrorDocument>),
    ("agent", of::<crate::agent::AgentReport>),
    ("inventory", of::<crate::inventory::InventoryReport>),
    ("partition", of::<crate::partition::PartitionReport>),
    ("image-write", of::<crate::image::report::ImageWriteReport>),
    ("image-cache", of::<crate::image::report::ImageCacheReport>),
    (
        "image-cache fetch",
        of::<crate::image::report::CacheFetchReport>,
    ),
    (
        "image-cache list",
        of::<crate::image::report::CacheListReport>,
    ),
    (
        "image-cache evict",
        of::<crate::image::report::CacheEvictReport>,
    ),
    ("image-cache gc", of::<crate::image::report::CacheGcReport>),
    (
        "configdrive",
        of::<crate::configdrive::report::ConfigdriveReport>,
    ),
    (
        "configdrive build",
        of::<crate::configdrive::report::ConfigdriveBuildReport>,
    ),
    (
        "configdrive write",
        of::<crate::configdrive::report::ConfigdriveWriteReport>,
    ),
    (
        "configdrive read",
        of::<crate::configdrive::report::ConfigdriveReadReport>,
    ),
    ("firmware", of::<crate::firmware::FirmwareReport>),
    ("firmware list", of::<crate::firmware::list::ListReport>),
    (
        "firmware update",
        of::<crate::firmware::update::UpdateReport>,
    ),
    (
        "firmware status",
        of::<crate::firmware::status::StatusReport>,
    ),
    (
        "firmware settings",
        of::<crate::firmware::settings::SettingsReport>,
    ),
    (
        "firmware settings list",
        of::<crate::firmware::settings::SettingsListReport>,
    ),
    (
        "firmware settings get",
        of::<crate::firmware::settings::Attribute>,
    ),
    (
        "firmware settings set",
        of::<crate::firmware::settings::SettingsSetReport>,
    ),
    (
        "firmware virtualization",
        of::<crate::firmware::virt::VirtReport>,
    ),
    ("erase", of::<crate::erase::EraseReport>),
    ("bootloader", of::<crate::bootloader::BootloaderReport>),
    ("bootloader uefi", of::<crate::bootloader::uefi::UefiReport>),
    (
        "bootloader clean-nvram",
        of::<crate::bootloader::clean::CleanReport>,
    ),
    ("bootloader grub", of::<crate::bootloader::grub::GrubReport>),
    ("export", of::<crate::export::ExportReport>),
    ("export iscsi", of::<crate::export::IscsiReport>),
    ("export nvme-tcp", of::<crate::export::NvmeTcpReport>),
    ("export list", of::<crate::export::ListReport>),
    ("export stop", of::<crate::export::StopReport>),
    ("attach", of::<crate::attach::AttachReport>),
    ("detach", of::<crate::attach::DetachReport>),
    ("check-disk", of::<crate::check_disk::CheckDiskReport>),
    ("generate", of::<crate::docs::GenerateReport>),
    // Not a command: one line of `--progress json` on stderr (man/schemas/progress.json).
    (PROGRESS, of::<crate::progress::Event>),
];

/// The progress lines' schema, under this name.
pub const PROGRESS: &str = "progress";

/// The registered name for a command path (`["firmware", "update"]` -> `firmware update` if
/// registered, else `firmware`).
pub fn name_for(path: &[String]) -> Option<&'static str> {
    (1..=path.len()).rev().find_map(|n| {
        let key = path[..n].join(" ");
        REGISTRY.iter().find(|(k, _)| *k == key).map(|(k, _)| *k)
    })
}

pub fn schema(name: &str) -> Option<Schema> {
    REGISTRY.iter().find(|(k, _)| *k == name).map(|(_, f)| f())
}

/// Every schema, keyed by registered name.
pub fn all() -> Value {
    let map: Map<String, Value> = REGISTRY
        .iter()
        .map(|(k, f)| (k.to_string(), f().to_value()))
        .collect();
    Value::Object(map)
}

/// The file name under man/schemas/ for a registered name (`firmware update` ->
/// `firmware-update.json`).
pub fn file_name(name: &str) -> String {
    format!("{}.json", name.replace(' ', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_registered_prefix_wins() {
        let p = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(name_for(&p("inventory")), Some("inventory"));
        assert_eq!(name_for(&p("firmware nosuch")), Some("firmware"));
        assert_eq!(name_for(&p("nosuch")), None);
    }

    #[test]
    fn every_schema_builds_and_names_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for (k, f) in REGISTRY {
            assert!(seen.insert(k), "{k} registered twice");
            assert!(f().as_object().is_some(), "{k}");
        }
    }
}
