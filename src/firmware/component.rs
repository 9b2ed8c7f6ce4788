//! One firmware component as `firmware list` reports it. Every list source builds these; the
//! fields are the report's contract.

use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Serialize)]
pub struct Component {
    /// Stable id used by `update --component` (`bios`, `bmc`, `nic:eth0`, `disk:nvme0n1`,
    /// `esrt:<guid>`, `cpu-microcode`, or a plug-in's own).
    pub id: String,
    pub kind: String,
    pub name: Option<String>,
    pub version: Option<String>,
    pub vendor: Option<String>,
    pub updatable: bool,
    /// How it can be updated (`capsule`, `nvme`, `plugin`), null when it cannot.
    pub method: Option<String>,
    /// The kernel interface (or plug-in) this was read from.
    pub source: String,
    /// Kind-specific details (release date, bus address, ESRT fields, slot log...).
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

impl Component {
    pub fn new(id: impl Into<String>, kind: &str, source: impl Into<String>) -> Component {
        Component {
            id: id.into(),
            kind: kind.to_string(),
            name: None,
            version: None,
            vendor: None,
            updatable: false,
            method: None,
            source: source.into(),
            details: Map::new(),
        }
    }

    pub fn detail(mut self, key: &str, value: impl Serialize) -> Component {
        self.details.insert(
            key.to_string(),
            serde_json::to_value(value).unwrap_or(Value::Null),
        );
        self
    }

    pub fn updatable_by(mut self, method: &str) -> Component {
        self.updatable = true;
        self.method = Some(method.to_string());
        self
    }
}
