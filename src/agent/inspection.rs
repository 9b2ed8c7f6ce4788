//! The inspection POST to ipa-inspection-callback-url, once at start as IPA does: IPA's body
//! (`inventory`, top-level `root_disk`, `pci_devices`, `numa_topology`, `boot_interface`,
//! `configuration`, `error`) built from the inventory command's own collector, retried with
//! backoff; the result goes to stderr and `inspection.json`.

use super::api::{Api, Outcome, error_message};
use super::backoff::Backoff;
use super::state::{self, now_iso, write_json};
use crate::report::Result;
use serde::Serialize;
use serde_json::{Map, Value};
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

/// IPA's inspection body. Ironic reads `inventory` and the top-level keys beside it.
#[derive(Debug, Serialize)]
pub struct Body {
    /// Absent when the inventory could not be collected.
    #[serde(flatten)]
    collected: Option<Collected>,
    configuration: Configuration,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Collected {
    inventory: Map<String, Value>,
    /// Null when no disk is large enough.
    root_disk: Option<Value>,
    boot_interface: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pci_devices: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    numa_topology: Option<Value>,
}

/// Which collectors and managers made the body (IPA's `configuration`).
#[derive(Debug, Serialize)]
struct Configuration {
    collectors: [&'static str; 3],
    managers: [Manager; 1],
}

#[derive(Debug, Serialize)]
struct Manager {
    name: &'static str,
    version: &'static str,
}

/// The inventory's parts where Ironic wants them, or why there is nothing to send.
fn collect(mut inv: Map<String, Value>) -> (Collected, Option<String>) {
    let pci_devices = inv.remove("pci_devices");
    let numa_topology = inv.remove("numa_topology");
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
    let mut error = None;
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
    let boot_interface = inv
        .get("boot")
        .and_then(|b| b.get("pxe_interface"))
        .cloned()
        .unwrap_or(Value::Null);
    let collected = Collected {
        root_disk: root_disk(&disks),
        boot_interface,
        inventory: inv,
        pci_devices,
        numa_topology,
    };
    (collected, error)
}

/// IPA's body from an inventory (or the error that stopped it).
pub fn body(inventory: std::result::Result<Value, String>) -> Body {
    let (collected, error) = match inventory {
        Ok(Value::Object(inv)) => {
            let (c, e) = collect(inv);
            (Some(c), e)
        }
        Ok(_) => (None, Some("the inventory is not a JSON object".to_string())),
        Err(e) => (None, Some(format!("cannot collect the inventory: {e}"))),
    };
    Body {
        collected,
        configuration: Configuration {
            collectors: ["default", "pci-devices", "numa-topology"],
            managers: [Manager {
                name: "ironbox",
                version: env!("CARGO_PKG_VERSION"),
            }],
        },
        error,
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accepted,
    Rejected,
    Failed,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
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
pub fn post(api: &Api, url: &str, body: &Body, dir: &Path) -> Result<Inspection> {
    let mut backoff = Backoff::new(Duration::from_secs(1), 30.0);
    let mut attempts = 0;
    let error_reported = body.error.clone();
    // as a Value: keys go out sorted, as they always have
    let body = serde_json::to_value(body).unwrap_or_default();
    let done = loop {
        crate::interrupt::check()?;
        attempts += 1;
        let o = api.call("POST", url, None, Some(&body));
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

    use serde_json::json;

    fn body(inventory: std::result::Result<Value, String>) -> Value {
        serde_json::to_value(super::body(inventory)).unwrap()
    }

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
