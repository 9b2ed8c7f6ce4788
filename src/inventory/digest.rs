//! `inventory_digest`: sha256 of the stable hardware facts, so "did the hardware change since
//! the last inspection?" is one string compare. Leaves out what changes without a hardware
//! change: addresses, carrier, link speed, current CPU frequency, host name, boot facts, BMC
//! network settings, firmware versions.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

fn pick(v: &Value, keys: &[&str]) -> Value {
    Value::Object(
        keys.iter()
            .map(|k| (k.to_string(), v.get(*k).cloned().unwrap_or(Value::Null)))
            .collect(),
    )
}

fn each(v: Option<&Value>, keys: &[&str]) -> Value {
    match v.and_then(Value::as_array) {
        Some(a) => Value::Array(a.iter().map(|x| pick(x, keys)).collect()),
        None => Value::Null,
    }
}

/// The facts hashed, as one canonical JSON value (serde_json keeps object keys sorted).
pub fn facts(inv: &Map<String, Value>) -> Value {
    let cpu = inv.get("cpu").map(|c| {
        pick(
            c,
            &[
                "model_name",
                "count",
                "architecture",
                "flags",
                "socket_count",
            ],
        )
    });
    json!({
        "cpu": cpu,
        "memory_physical_mb": inv.get("memory").and_then(|m| m.get("physical_mb")),
        "disks": each(inv.get("disks"), &[
            "name", "model", "size", "serial", "wwn", "vendor",
            "logical_sectors", "physical_sectors", "rotational", "tran",
        ]),
        "interfaces": each(inv.get("interfaces"), &["name", "mac_address", "vendor", "product"]),
        "system_vendor": inv.get("system_vendor").map(|s| pick(s, &[
            "product_name", "serial_number", "manufacturer", "uuid",
        ])),
        "bmc_mac": inv.get("bmc_mac"),
        "pci_devices": inv.get("pci_devices"),
    })
}

pub fn of(inv: &Map<String, Value>) -> String {
    let canonical = serde_json::to_vec(&facts(inv)).unwrap_or_default();
    let d = Sha256::digest(&canonical);
    d.iter().map(|b| format!("{b:02x}")).collect()
}
