//! Ironic's command params into typed structs, parsed once per command. Unknown keys are
//! ignored (Ironic sends many); a value of the wrong type counts as absent where the agent has
//! always read it leniently; a value that must be refused is IPA's 400
//! (InvalidCommandParamsError) naming the param and the value.

use super::{CommandError, Params};
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::Value;

/// `T` from a command's params; a refused value's message is the 400's details.
pub fn parse<T: DeserializeOwned>(p: &Params) -> Result<T, CommandError> {
    serde_json::from_value(Value::Object(p.clone()))
        .map_err(|e| CommandError::invalid_params(e.to_string()))
}

/// A value of the expected type, else absent (the agent's `as_str()`/`as_bool()` reading).
pub fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// An object read as `T`, else absent (not a list: serde would take one for a struct).
pub fn object<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    Ok(match Value::deserialize(d)? {
        v @ Value::Object(_) => serde_json::from_value(v).ok(),
        _ => None,
    })
}

/// An object read as `T`, else `T`'s default.
pub fn object_or_default<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(object(d)?.unwrap_or_default())
}

/// The strings of a list (other entries dropped; not a list: none).
pub fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v: Option<Vec<Value>> = lenient(d)?;
    Ok(v.unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect())
}

/// A MiB count from image_info (`key` names it in the refusal): Ironic sends integers; numeric
/// strings are taken too; null is absent.
pub fn mib<'de, D: Deserializer<'de>>(d: D, key: &str) -> Result<Option<u64>, D::Error> {
    let v = Value::deserialize(d)?;
    let n = match &v {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    n.map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "image_info {key} must be a whole number of MiB, got {v}"
        ))
    })
}
