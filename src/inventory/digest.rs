//! `inventory_digest`: sha256 of the stable hardware facts, so "did the hardware change since
//! the last inspection?" is one string compare. Leaves out what changes without a hardware
//! change: kernel names (sda/sdb, eth0/eno1 change with enumeration order and naming policy),
//! addresses, carrier, link speed, current CPU frequency, host name, boot facts, BMC network
//! settings, firmware versions.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

fn pick(v: &Value, keys: &[&str]) -> Value {
    Value::Object(
        keys.iter()
            .map(|k| (k.to_string(), v.get(*k).cloned().unwrap_or(Value::Null)))
            .collect(),
    )
}

/// The picked facts of each element, sorted, so enumeration order (sda/sdb swapping between
/// boots) does not change the digest.
fn each(v: Option<&Value>, keys: &[&str]) -> Value {
    match v.and_then(Value::as_array) {
        Some(a) => {
            let mut items: Vec<Value> = a.iter().map(|x| pick(x, keys)).collect();
            items.sort_by_cached_key(|x| x.to_string());
            Value::Array(items)
        }
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
            "model", "size", "serial", "wwn", "vendor",
            "logical_sectors", "physical_sectors", "rotational", "tran",
        ]),
        "interfaces": each(inv.get("interfaces"), &["mac_address", "vendor", "product"]),
        "system_vendor": inv.get("system_vendor").map(|s| pick(s, &[
            "product_name", "serial_number", "manufacturer", "uuid",
        ])),
        "bmc_mac": inv.get("bmc_mac"),
        "pci_devices": inv.get("pci_devices"),
    })
}

pub fn of(report: &super::InventoryReport) -> String {
    match serde_json::to_value(report) {
        Ok(Value::Object(inv)) => of_map(&inv),
        _ => String::new(),
    }
}

fn of_map(inv: &Map<String, Value>) -> String {
    let canonical = serde_json::to_vec(&facts(inv)).unwrap_or_default();
    let d = Sha256::digest(&canonical);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(disks: Value) -> Map<String, Value> {
        json!({"disks": disks, "hostname": "a"})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn names_and_order_do_not_matter_identity_does() {
        let a = json!({"name": "/dev/sda", "serial": "A", "size": 1});
        let b = json!({"name": "/dev/sdb", "serial": "B", "size": 2});
        let swapped_a = json!({"name": "/dev/sdb", "serial": "A", "size": 1});
        let swapped_b = json!({"name": "/dev/sda", "serial": "B", "size": 2});
        let d1 = of_map(&inv(json!([a, b])));
        assert_eq!(d1, of_map(&inv(json!([swapped_b, swapped_a]))));
        let replaced = json!({"name": "/dev/sdb", "serial": "C", "size": 2});
        assert_ne!(d1, of_map(&inv(json!([a, replaced]))));
    }
}
