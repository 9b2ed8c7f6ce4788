//! The error document every failing command prints: `{"error": {"kind", "message", "causes",
//! ...context}}`. One type, so the error contract has a schema like every report.

use super::{IronError, Key, Kind};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

/// What stdout carries when a command fails (any command, any exit code but 0).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorDocument {
    pub error: ErrorObject,
}

/// The stable error object: a kind from the exit-code table, a lower-case message naming the bad
/// value, the chain of causes (outermost first), and context fields (ironbox(1) ERROR CONTEXT).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ErrorObject {
    pub kind: Kind,
    pub message: String,
    pub causes: Vec<String>,
    /// Context fields (`device`, `path`, `url`, `expected`, `actual`, ...), flattened into the
    /// object beside `kind`: only keys of the vocabulary (context.rs).
    #[serde(flatten)]
    #[schemars(with = "ContextSchema")]
    pub context: Map<String, Value>,
}

/// The schema of the context fields: every key of the vocabulary, optional, any value, each
/// with its meaning; nothing else.
struct ContextSchema;

impl JsonSchema for ContextSchema {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ErrorContext".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let properties: Map<String, Value> = Key::ALL
            .iter()
            .map(|k| {
                let doc = Map::from_iter([("description".into(), k.doc().into())]);
                (k.as_str().to_string(), Value::Object(doc))
            })
            .collect();
        schemars::json_schema!({
            "type": "object",
            "properties": properties,
            "additionalProperties": false,
        })
    }
}

impl From<&IronError> for ErrorDocument {
    fn from(e: &IronError) -> Self {
        // Context never overrides the three fixed fields.
        let mut context = e.context.clone();
        for fixed in ["kind", "message", "causes"] {
            context.remove(fixed);
        }
        ErrorDocument {
            error: ErrorObject {
                kind: e.kind,
                message: e.message.clone(),
                causes: e.causes.clone(),
                context,
            },
        }
    }
}
