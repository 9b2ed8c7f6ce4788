//! `deploy.*`: the in-band deploy steps Ironic's `direct` interface runs: write_image (the
//! image and config drive), plus erase_devices_metadata and clean_uefi_nvram as IPA offers them.

use super::{CommandError, Ctx, Extension, Method, Mode, Outcome, Params, check_version, clean};
use super::{standby, step_and_args};
use serde_json::{Value, json};

pub const EXTENSION: Extension = Extension {
    name: "deploy",
    methods: &[
        Method {
            name: "get_deploy_steps",
            mode: Mode::Sync,
            run: get_deploy_steps,
        },
        Method {
            name: "execute_deploy_step",
            mode: Mode::Async,
            run: execute_deploy_step,
        },
    ],
};

fn step(name: &str) -> Value {
    // priority 0: Ironic runs them only when asked (write_image is proxied by its own
    // out-of-band step of the same name, priority 80)
    json!({"step": name, "priority": 0, "interface": "deploy", "reboot_requested": false})
}

fn get_deploy_steps(ctx: &Ctx, p: &Params) -> Outcome {
    ctx.cache_node(p);
    Ok(json!({
        "deploy_steps": { super::MANAGER_NAME: [
            step("erase_devices_metadata"), step("clean_uefi_nvram"), step("write_image")] },
        "hardware_manager_version": super::manager_version(),
    }))
}

fn execute_deploy_step(ctx: &Ctx, p: &Params) -> Outcome {
    ctx.cache_node(p);
    check_version(p, "deploy_version")?;
    let (step, name, args) = step_and_args(p)?;
    let result = match name.as_str() {
        "write_image" => {
            let info = args.get("image_info").cloned().unwrap_or(Value::Null);
            let cd = args
                .get("configdrive")
                .filter(|c| !c.is_null())
                .or_else(|| info.get("configdrive"))
                .cloned();
            standby::write_image(ctx, &info, cd.as_ref())?
        }
        "erase_devices_metadata" | "clean_uefi_nvram" => clean::run_step(ctx, &name, &args)?,
        other => {
            return Err(CommandError::execution(format!(
                "Unknown deploy step {other}: ironbox implements write_image, \
                 erase_devices_metadata, clean_uefi_nvram"
            )));
        }
    };
    Ok(json!({"deploy_result": result, "deploy_step": step}))
}
