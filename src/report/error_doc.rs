//! The error document every failing command prints: `{"error": {"kind", "message", "causes",
//! ...context}}`. One type, so the error contract has a schema like every report.

use super::{IronError, Kind};
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
/// value, the chain of causes (outermost first), and context fields (README "Error context").
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ErrorObject {
    pub kind: Kind,
    pub message: String,
    pub causes: Vec<String>,
    /// Context fields (`device`, `path`, `url`, `expected`, `actual`, ...), flattened into the
    /// object beside `kind`.
    #[serde(flatten)]
    pub context: Map<String, Value>,
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
