//! The node Ironic sends with every step call (IPA's cache_node), as far as the commands read
//! it: the root device hints, the disks to skip, the capabilities and the erase knobs. Read
//! leniently, as they always were: a value of another type counts as absent.

use super::{Params, params};
use serde::Deserialize;
use serde::de::Deserializer;
use serde_json::Value;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Node {
    #[serde(deserialize_with = "params::object_or_default")]
    pub properties: Properties,
    #[serde(deserialize_with = "params::object_or_default")]
    pub driver_internal_info: DriverInternalInfo,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Properties {
    /// Root device hints, as `--hints` takes them.
    pub root_device: Option<Value>,
    #[serde(deserialize_with = "params::lenient")]
    pub skip_block_devices: Option<Vec<Value>>,
    /// A `k:v,k:v` string or an object.
    pub capabilities: Option<Value>,
}

/// Ironic's erase knobs (booleans may come as oslo strings, counts as numeric strings).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DriverInternalInfo {
    #[serde(deserialize_with = "flag")]
    pub agent_enable_nvme_secure_erase: Option<bool>,
    #[serde(deserialize_with = "flag")]
    pub agent_enable_ata_secure_erase: Option<bool>,
    #[serde(deserialize_with = "flag")]
    pub agent_erase_devices_zeroize: Option<bool>,
    #[serde(deserialize_with = "flag")]
    pub agent_continue_if_secure_erase_failed: Option<bool>,
    #[serde(deserialize_with = "flag")]
    pub agent_continue_if_ata_erase_failed: Option<bool>,
    #[serde(deserialize_with = "count")]
    pub agent_erase_devices_passes: Option<u64>,
    #[serde(deserialize_with = "params::lenient")]
    pub disk_erasure_concurrency: Option<u64>,
}

/// A boolean, or oslo's bool_from_string of a string.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        Value::String(s) => Some(crate::agent::cmdline::truthy(&s)),
        _ => None,
    })
}

/// A whole number, or a string holding one.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(v.as_u64().or_else(|| v.as_str()?.parse().ok()))
}

/// The `node` of a command's params, when it is an object.
pub fn from_params(p: &Params) -> Option<Node> {
    #[derive(Deserialize)]
    struct WithNode {
        #[serde(default, deserialize_with = "params::object")]
        node: Option<Node>,
    }
    params::parse::<WithNode>(p).ok()?.node
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_reading() {
        let p = |v: Value| from_params(v.as_object().unwrap());
        assert!(p(json!({"node": "x"})).is_none());
        assert!(p(json!({})).is_none());
        let n = p(json!({"node": {"properties": [1], "driver_internal_info": {
            "agent_erase_devices_zeroize": "no", "agent_erase_devices_passes": "3",
            "agent_enable_ata_secure_erase": 1, "disk_erasure_concurrency": "4"}}}))
        .unwrap();
        assert!(n.properties.root_device.is_none());
        let d = n.driver_internal_info;
        assert_eq!(d.agent_erase_devices_zeroize, Some(false));
        assert_eq!(d.agent_erase_devices_passes, Some(3));
        assert_eq!(d.agent_enable_ata_secure_erase, None);
        assert_eq!(d.disk_erasure_concurrency, None);
    }
}
