//! `clean.*`: IPA's clean steps that map onto `ironbox erase` and `ironbox bootloader
//! clean-nvram`, with Ironic's erase knobs (driver_internal_info) and skip_block_devices
//! (properties) from the node Ironic sends with each step.

use super::{Ctx, Extension, Method, Mode, Outcome, Params, check_version, run, step_and_args};
use crate::agent::ext::CommandError;
use serde_json::{Value, json};

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

fn step(name: &str, priority: u32) -> Value {
    json!({"step": name, "priority": priority, "interface": "deploy",
           "reboot_requested": false, "abortable": true})
}

/// IPA's generic manager's priorities: metadata first (99), then the full erase (10).
pub fn clean_steps() -> Value {
    json!([
        step("erase_devices", 10),
        step("erase_devices_metadata", 99),
        step("erase_devices_express", 0),
        step("clean_uefi_nvram", 0),
    ])
}

fn get_clean_steps(ctx: &Ctx, p: &Params) -> Outcome {
    ctx.cache_node(p);
    Ok(json!({
        "clean_steps": { super::MANAGER_NAME: clean_steps() },
        "hardware_manager_version": super::manager_version(),
    }))
}

fn flag(ctx: &Ctx, key: &str) -> Option<bool> {
    match ctx.node_value(&format!("/driver_internal_info/{key}"))? {
        Value::Bool(b) => Some(b),
        Value::String(s) => Some(crate::agent::cmdline::truthy(&s)),
        _ => None,
    }
}

fn skip_args(ctx: &Ctx) -> Vec<String> {
    match ctx.node_value("/properties/skip_block_devices") {
        Some(v @ Value::Array(_)) => vec!["--skip".into(), v.to_string()],
        _ => vec![],
    }
}

/// `ironbox erase` arguments for a step, from Ironic's knobs:
/// agent_erase_devices_passes, agent_erase_devices_zeroize, agent_continue_if_*_erase_failed,
/// agent_enable_{ata,nvme}_secure_erase, disk_erasure_concurrency.
pub fn erase_args(ctx: &Ctx, step: &str) -> Result<Vec<String>, CommandError> {
    let mut a: Vec<String> = vec!["erase".into(), "--all".into()];
    match step {
        "erase_devices_metadata" => a.extend(["--method".into(), "metadata".into()]),
        "erase_devices_express" => {
            // IPA: NVMe format where the drive has it (unless agent_enable_nvme_secure_erase is
            // false), else metadata; a failed format always falls back to metadata there. Not
            // `--fallback` with metadata: after metadata it would mean auto's overwrite.
            if flag(ctx, "agent_enable_nvme_secure_erase").unwrap_or(true) {
                a.extend(["--method".into(), "express".into(), "--fallback".into()]);
            } else {
                a.extend(["--method".into(), "metadata".into()]);
            }
        }
        _ => {
            let secure = flag(ctx, "agent_enable_nvme_secure_erase").unwrap_or(true)
                && flag(ctx, "agent_enable_ata_secure_erase").unwrap_or(true);
            a.extend([
                "--method".into(),
                if secure { "auto" } else { "overwrite" }.into(),
            ]);
            if let Some(n) = ctx
                .node_value("/driver_internal_info/agent_erase_devices_passes")
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            {
                a.extend(["--passes".into(), n.to_string()]);
            }
            if flag(ctx, "agent_erase_devices_zeroize") == Some(false) {
                a.push("--no-final-zero".into());
            }
            if flag(ctx, "agent_continue_if_secure_erase_failed") == Some(true)
                || flag(ctx, "agent_continue_if_ata_erase_failed") == Some(true)
            {
                a.push("--fallback".into());
            }
        }
    }
    if let Some(n) = ctx
        .node_value("/driver_internal_info/disk_erasure_concurrency")
        .and_then(|v| v.as_u64())
    {
        a.extend(["--concurrency".into(), n.max(1).to_string()]);
    }
    a.extend(skip_args(ctx));
    Ok(a)
}

/// IPA's clean_uefi_nvram default: entries that name no boot loader we keep.
const NVRAM_DEFAULT: &str = "(?i)(shim|grub|ubuntu|debian|fedora|centos|redhat|rhel|suse|ironbox)";

pub fn run_step(ctx: &Ctx, name: &str, args: &Params) -> Outcome {
    match name {
        "erase_devices" | "erase_devices_metadata" | "erase_devices_express" => {
            run::ironbox(ctx, &erase_args(ctx, name)?, None)
        }
        "clean_uefi_nvram" => {
            let pat = match args.get("match_patterns") {
                Some(Value::Array(v)) => v
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("|"),
                Some(Value::String(s)) => s.clone(),
                _ => NVRAM_DEFAULT.to_string(),
            };
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
    check_version(p, "clean_version")?;
    let (step, name, args) = step_and_args(p)?;
    let result = run_step(ctx, &name, &args)?;
    Ok(json!({"clean_result": result, "clean_step": step}))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(steps[0]["priority"], 10);
        assert_eq!(steps[1]["step"], "erase_devices_metadata");
    }
}
