//! IPA's step protocol, shared by clean.* and deploy.*: steps and versions keyed by hardware
//! manager, the version check Ironic relies on, and a step call's step dict with its args.

use super::{CommandError, MANAGER_NAME, MANAGER_VERSION, Params};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `{"ironbox_hardware_manager": T}`: how IPA keys steps and versions by hardware manager.
#[derive(Debug, Clone)]
pub struct ByManager<T>(pub T);

impl<T: Serialize> Serialize for ByManager<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(MANAGER_NAME, &self.0)?;
        m.end()
    }
}

/// Our hardware manager's version, as get_*_steps report it and steps carry it back.
pub const VERSIONS: ByManager<&str> = ByManager(MANAGER_VERSION);

pub fn manager_version() -> Value {
    serde_json::to_value(VERSIONS).unwrap_or_default()
}

/// One step as get_clean_steps / get_deploy_steps list it.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub step: &'static str,
    pub priority: u32,
    pub interface: &'static str,
    pub reboot_requested: bool,
    /// Clean steps only (IPA's deploy steps have no such key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abortable: Option<bool>,
}

/// What execute_clean_step / execute_deploy_step get besides the node: the step dict (echoed
/// back in the result as Ironic sent it) and the versions Ironic recorded.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepCall {
    pub step: Value,
    pub clean_version: Value,
    pub deploy_version: Value,
}

/// A step call, parsed: the step dict, its name, and the params with its args merged in
/// (IPA: kwargs.update(args)).
pub struct Called {
    pub step: Value,
    pub name: String,
    pub args: Params,
}

/// Refuses a step whose hardware_manager_version differs from ours (null: first call).
pub fn check_version(given: &Value) -> Result<(), CommandError> {
    if given.is_null() || *given == manager_version() {
        return Ok(());
    }
    Err(CommandError::version_mismatch(&manager_version(), given))
}

impl StepCall {
    /// Parses a step call and checks the version under `version` (clean or deploy).
    pub fn parse(p: &Params, version: fn(&StepCall) -> &Value) -> Result<Called, CommandError> {
        let call: StepCall = super::params::parse(p)?;
        check_version(version(&call))?;
        let Some(name) = call.step.get("step").and_then(Value::as_str) else {
            return Err(CommandError::invalid_params(format!(
                "Malformed step, no \"step\" key: {}",
                call.step
            )));
        };
        let mut args = p.clone();
        if let Some(Value::Object(a)) = call.step.get("args") {
            for (k, v) in a {
                args.insert(k.clone(), v.clone());
            }
        }
        Ok(Called {
            name: name.to_string(),
            step: call.step,
            args,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> Params {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn versions_and_steps() {
        fn clean(c: &StepCall) -> &Value {
            &c.clean_version
        }
        let p = params(json!({"step": {"step": "erase_devices", "args": {"passes": 2}}}));
        let c = StepCall::parse(&p, clean).unwrap();
        assert_eq!(c.name, "erase_devices");
        assert_eq!(c.args["passes"], 2);
        let mut p = p;
        p.insert("clean_version".into(), manager_version());
        assert!(StepCall::parse(&p, clean).is_ok());
        p.insert(
            "clean_version".into(),
            json!({"generic_hardware_manager": "1.2"}),
        );
        assert_eq!(
            StepCall::parse(&p, clean).err().unwrap().kind,
            "VersionMismatch"
        );
        // the deploy version is not looked at for a clean step
        assert!(StepCall::parse(&p, |c| &c.deploy_version).is_ok());
        let e = StepCall::parse(&params(json!({"step": {"priority": 1}})), clean)
            .err()
            .unwrap();
        assert_eq!(e.code, 400);
        assert_eq!(
            e.details,
            r#"Malformed step, no "step" key: {"priority":1}"#
        );
        assert_eq!(
            serde_json::to_string(&ByManager([1])).unwrap(),
            r#"{"ironbox_hardware_manager":[1]}"#
        );
    }
}
