//! The inspection POST to ipa-inspection-callback-url, once at start as IPA does: IPA's body
//! (`inventory`, top-level `root_disk`, `pci_devices`, `numa_topology`, `boot_interface`,
//! `configuration`, `error`) built from the inventory command's own collector, retried with
//! backoff; the result goes to stderr and `inspection.json`.

use super::api::{Api, Outcome, error_message};
use super::backoff::Backoff;
use super::state::{self, now_iso, write_json};
use crate::report::Result;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::path::Path;
use std::time::Duration;

const GIB: u64 = 1 << 30;
/// Attempts before giving up on a callback that keeps failing (5xx, unreachable).
const ATTEMPTS: u32 = 10;

/// IPA's root disk guess: the smallest disk of at least 4 GiB, ties broken by name (the rule
/// `disk::hints::select` applies without hints, here on the reported disks).
pub fn root_disk(disks: &[Value]) -> Option<Value> {
    disks
        .iter()
        .filter_map(|d| Some((d.get("size")?.as_u64()?, d.get("name")?.as_str()?, d)))
        .filter(|(size, _, _)| *size >= 4 * GIB)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, _, d)| d.clone())
}

/// IPA's body from an inventory (or the error that stopped it).
pub fn body(inventory: std::result::Result<Value, String>) -> Value {
    let mut out = Map::new();
    let mut error = None;
    match inventory {
        Ok(Value::Object(mut inv)) => {
            for key in ["pci_devices", "numa_topology"] {
                if let Some(v) = inv.remove(key) {
                    out.insert(key.to_string(), v);
                }
            }
            // Ironic rejects the whole POST for one null MAC; IPA leaves such interfaces out.
            let ifaces: Vec<Value> = inv
                .get("interfaces")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter(|i| i.get("mac_address").is_some_and(Value::is_string))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            if ifaces.is_empty() {
                inv.remove("interfaces");
                error = Some("no network interface with a MAC address was found".to_string());
            } else {
                inv.insert("interfaces".into(), Value::Array(ifaces));
            }
            let disks = inv
                .get("disks")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            out.insert("root_disk".into(), root_disk(&disks).unwrap_or(Value::Null));
            let pxe = inv
                .get("boot")
                .and_then(|b| b.get("pxe_interface"))
                .cloned()
                .unwrap_or(Value::Null);
            out.insert("boot_interface".into(), pxe);
            out.insert("inventory".into(), Value::Object(inv));
        }
        Ok(_) => error = Some("the inventory is not a JSON object".to_string()),
        Err(e) => error = Some(format!("cannot collect the inventory: {e}")),
    }
    out.insert(
        "configuration".into(),
        json!({
            "collectors": ["default", "pci-devices", "numa-topology"],
            "managers": [{"name": "ironbox", "version": env!("CARGO_PKG_VERSION")}],
        }),
    );
    out.insert("error".into(), error.map_or(Value::Null, Value::String));
    Value::Object(out)
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accepted,
    Rejected,
    Failed,
}

#[derive(Debug, Serialize)]
pub struct Inspection {
    pub url: String,
    pub result: Verdict,
    pub status: Option<u16>,
    pub message: String,
    pub attempts: u32,
    pub error_reported: Option<String>,
    pub time: String,
}

/// Posts `body` (no API version header, as IPA) until Ironic accepts or rejects it.
pub fn post(api: &Api, url: &str, body: &Value, dir: &Path) -> Result<Inspection> {
    let mut backoff = Backoff::new(Duration::from_secs(1), 30.0);
    let mut attempts = 0;
    let error_reported = body
        .get("error")
        .and_then(Value::as_str)
        .map(str::to_string);
    let done = loop {
        crate::interrupt::check()?;
        attempts += 1;
        let o = api.call("POST", url, None, Some(body));
        let (result, status, message) = match &o {
            Outcome::Status(c @ 200..=299, _, _) => (Verdict::Accepted, Some(*c), o.to_string()),
            Outcome::Status(c @ 400..=499, _, text) if ![408, 409, 429].contains(c) => {
                (Verdict::Rejected, Some(*c), error_message(text))
            }
            _ if attempts < ATTEMPTS => {
                let wait = backoff.next();
                state::log(&format!(
                    "inspection: POST {url} failed ({o}); retrying in {:.1} s",
                    wait.as_secs_f64()
                ));
                crate::fetch::http::sleep_interruptible(wait)?;
                continue;
            }
            Outcome::Status(c, _, _) => (Verdict::Failed, Some(*c), o.to_string()),
            Outcome::Failed(e) => (Verdict::Failed, None, e.clone()),
        };
        break Inspection {
            url: url.to_string(),
            result,
            status,
            message,
            attempts,
            error_reported,
            time: now_iso(),
        };
    };
    state::log(&match done.result {
        Verdict::Accepted => format!("inspection data accepted by {url}"),
        Verdict::Rejected => format!(
            "inspection data rejected by {url} (HTTP {}): {}",
            done.status.unwrap_or(0),
            done.message
        ),
        Verdict::Failed => format!(
            "inspection: gave up on {url} after {attempts} attempts: {}",
            done.message
        ),
    });
    write_json(dir, "inspection.json", &done);
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipa_body() {
        let inv = json!({
            "interfaces": [{"name": "a", "mac_address": null}, {"name": "b", "mac_address": "52:54:00:00:00:01"}],
            "disks": [{"name": "/dev/vdb", "size": 8u64 << 30}, {"name": "/dev/vda", "size": 8u64 << 30},
                      {"name": "/dev/vdc", "size": 1u64 << 30}, {"name": "/dev/vdd", "size": 20u64 << 30}],
            "boot": {"pxe_interface": "52:54:00:00:00:01", "current_boot_mode": "bios"},
            "pci_devices": [{"vendor_id": "1af4"}],
            "numa_topology": {"nics": []},
        });
        let b = body(Ok(inv));
        assert_eq!(b["root_disk"]["name"], "/dev/vda");
        assert_eq!(b["inventory"]["interfaces"].as_array().unwrap().len(), 1);
        assert_eq!(b["pci_devices"][0]["vendor_id"], "1af4");
        assert!(b["inventory"].get("pci_devices").is_none());
        assert_eq!(b["boot_interface"], "52:54:00:00:00:01");
        assert!(b["error"].is_null());
        assert_eq!(b["configuration"]["managers"][0]["name"], "ironbox");

        let none = body(Ok(
            json!({"interfaces": [{"mac_address": null}], "disks": []}),
        ));
        assert!(none["error"].as_str().unwrap().contains("MAC"));
        assert!(none["inventory"].get("interfaces").is_none());
        assert!(none["root_disk"].is_null());
        let failed = body(Err("boom".into()));
        assert!(failed["error"].as_str().unwrap().contains("boom"));
    }
}
