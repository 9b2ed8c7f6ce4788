//! `clean.*`: IPA's clean steps that map onto `ironbox erase` and `ironbox bootloader
//! clean-nvram`, with Ironic's erase knobs (driver_internal_info) and skip_block_devices
//! (properties) from the node Ironic sends with each step.

use super::steps::{ByManager, Step, StepCall, VERSIONS};
use super::{Ctx, Extension, Method, Mode, Outcome, Params, document, params, run};
use crate::agent::ext::CommandError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const EXTENSION: Extension = Extension {
    name: "clean",
    methods: &[
        Method {
            name: "get_clean_steps",
            mode: Mode::Sync,
            run: get_clean_steps,
        },
        Method {
            name: "execute_clean_step",
            mode: Mode::Async,
            run: execute_clean_step,
        },
    ],
};

fn step(name: &'static str, priority: u32) -> Step {
    Step {
        step: name,
        priority,
        interface: "deploy",
        reboot_requested: false,
        abortable: Some(true),
    }
}

/// IPA's generic manager's priorities: metadata first (99), then the full erase (10).
pub fn clean_steps() -> [Step; 4] {
    [
        step("erase_devices", 10),
        step("erase_devices_metadata", 99),
        step("erase_devices_express", 0),
        step("clean_uefi_nvram", 0),
    ]
}

#[derive(Serialize)]
struct CleanSteps {
    clean_steps: ByManager<[Step; 4]>,
    hardware_manager_version: ByManager<&'static str>,
}

#[derive(Serialize)]
struct CleanResult {
    clean_result: Value,
    clean_step: Value,
}

fn get_clean_steps(ctx: &Ctx, p: &Params) -> Outcome {
    ctx.cache_node(p);
    document(&CleanSteps {
        clean_steps: ByManager(clean_steps()),
        hardware_manager_version: VERSIONS,
    })
}

fn skip_args(ctx: &Ctx) -> Vec<String> {
    match ctx.node().properties.skip_block_devices {
        Some(v) => vec!["--skip".into(), Value::Array(v).to_string()],
        None => vec![],
    }
}

/// `ironbox erase` arguments for a step, from Ironic's knobs:
/// agent_erase_devices_passes, agent_erase_devices_zeroize, agent_continue_if_*_erase_failed,
/// agent_enable_{ata,nvme}_secure_erase, disk_erasure_concurrency.
pub fn erase_args(ctx: &Ctx, step: &str) -> Result<Vec<String>, CommandError> {
    let knobs = ctx.node().driver_internal_info;
    let mut a: Vec<String> = vec!["erase".into(), "--all".into()];
    match step {
        "erase_devices_metadata" => a.extend(["--method".into(), "metadata".into()]),
        "erase_devices_express" => {
            // IPA: NVMe format where the drive has it (unless agent_enable_nvme_secure_erase is
            // false), else metadata; a failed format always falls back to metadata there. Not
            // `--fallback` with metadata: after metadata it would mean auto's overwrite.
            if knobs.agent_enable_nvme_secure_erase.unwrap_or(true) {
                a.extend(["--method".into(), "express".into(), "--fallback".into()]);
            } else {
                a.extend(["--method".into(), "metadata".into()]);
            }
        }
        _ => {
            let secure = knobs.agent_enable_nvme_secure_erase.unwrap_or(true)
                && knobs.agent_enable_ata_secure_erase.unwrap_or(true);
            a.extend([
                "--method".into(),
                if secure { "auto" } else { "overwrite" }.into(),
            ]);
            if let Some(n) = knobs.agent_erase_devices_passes {
                a.extend(["--passes".into(), n.to_string()]);
            }
            if knobs.agent_erase_devices_zeroize == Some(false) {
                a.push("--no-final-zero".into());
            }
            if knobs.agent_continue_if_secure_erase_failed == Some(true)
                || knobs.agent_continue_if_ata_erase_failed == Some(true)
            {
                a.push("--fallback".into());
            }
        }
    }
    if let Some(n) = knobs.disk_erasure_concurrency {
        a.extend(["--concurrency".into(), n.max(1).to_string()]);
    }
    a.extend(skip_args(ctx));
    Ok(a)
}

/// clean_uefi_nvram's match_patterns: a list of regexes (any of them) or one; anything else
/// means the default.
#[derive(Deserialize)]
#[serde(untagged)]
enum Patterns {
    One(String),
    Any(Vec<Value>),
}

impl Patterns {
    fn regex(self) -> String {
        match self {
            Patterns::One(s) => s,
            Patterns::Any(v) => v
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("|"),
        }
    }
}

#[derive(Deserialize)]
struct CleanNvram {
    #[serde(default, deserialize_with = "params::lenient")]
    match_patterns: Option<Patterns>,
}

/// IPA's clean_uefi_nvram default: entries that name no boot loader we keep.
const NVRAM_DEFAULT: &str = "(?i)(shim|grub|ubuntu|debian|fedora|centos|redhat|rhel|suse|ironbox)";

pub fn run_step(ctx: &Ctx, name: &str, args: &Params) -> Outcome {
    match name {
        "erase_devices" | "erase_devices_metadata" | "erase_devices_express" => {
            run::ironbox(ctx, &erase_args(ctx, name)?, None)
        }
        "clean_uefi_nvram" => {
            let n: CleanNvram = params::parse(args)?;
            let pat = n
                .match_patterns
                .map_or(NVRAM_DEFAULT.to_string(), Patterns::regex);
            run::ironbox(
                ctx,
                &[
                    "bootloader".into(),
                    "clean-nvram".into(),
                    "--match".into(),
                    pat,
                ],
                None,
            )
        }
        other => Err(CommandError::execution(format!(
            "Unknown clean step {other}: ironbox implements {}",
            "erase_devices, erase_devices_metadata, erase_devices_express, clean_uefi_nvram"
        ))),
    }
}

fn execute_clean_step(ctx: &Ctx, p: &Params) -> Outcome {
    ctx.cache_node(p);
    let call = StepCall::parse(p, |c| &c.clean_version)?;
    document(&CleanResult {
        clean_result: run_step(ctx, &call.name, &call.args)?,
        clean_step: call.step,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nvram_patterns() {
        let pat = |v: Value| {
            let n: CleanNvram = params::parse(v.as_object().unwrap()).unwrap();
            n.match_patterns
                .map_or(NVRAM_DEFAULT.to_string(), Patterns::regex)
        };
        assert_eq!(pat(json!({"match_patterns": ["a", 1, "b"]})), "a|b");
        assert_eq!(pat(json!({"match_patterns": "shim"})), "shim");
        assert_eq!(pat(json!({"match_patterns": 5})), NVRAM_DEFAULT);
        assert_eq!(pat(json!({})), NVRAM_DEFAULT);
    }

    #[test]
    fn knobs() {
        let c = Ctx::new("/bin/false".into(), "/nonexistent".into());
        assert_eq!(
            erase_args(&c, "erase_devices_metadata").unwrap(),
            ["erase", "--all", "--method", "metadata"]
        );
        let mut p = Params::new();
        p.insert(
            "node".into(),
            json!({"driver_internal_info": {"agent_erase_devices_passes": 2,
                "agent_erase_devices_zeroize": false, "agent_enable_ata_secure_erase": false,
                "agent_continue_if_secure_erase_failed": "true", "disk_erasure_concurrency": 4},
                "properties": {"skip_block_devices": [{"name": "/dev/sdb"}]}}),
        );
        c.cache_node(&p);
        assert_eq!(
            erase_args(&c, "erase_devices").unwrap().join(" "),
            r#"erase --all --method overwrite --passes 2 --no-final-zero --fallback --concurrency 4 --skip [{"name":"/dev/sdb"}]"#
        );
        // Express keeps the concurrency and skip knobs, and never means auto's overwrite.
        assert_eq!(
            erase_args(&c, "erase_devices_express").unwrap().join(" "),
            r#"erase --all --method express --fallback --concurrency 4 --skip [{"name":"/dev/sdb"}]"#
        );
        p.insert(
            "node".into(),
            json!({"driver_internal_info": {"agent_enable_nvme_secure_erase": false}}),
        );
        c.cache_node(&p);
        assert_eq!(
            erase_args(&c, "erase_devices_express").unwrap(),
            ["erase", "--all", "--method", "metadata"]
        );
        let steps = clean_steps();
        assert_eq!(steps[0].priority, 10);
        assert_eq!(steps[1].step, "erase_devices_metadata");
    }
}
