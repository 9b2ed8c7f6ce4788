//! `deploy.*`: the in-band deploy steps Ironic's `direct` interface runs: write_image (the
//! image and config drive), plus erase_devices_metadata and clean_uefi_nvram as IPA offers them.

use super::steps::{ByManager, Step, StepCall, VERSIONS};
use super::{CommandError, Ctx, Extension, Method, Mode, Outcome, Params, clean, document};
use super::{params, standby};
use serde::Serialize;
use serde_json::Value;

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

fn step(name: &'static str) -> Step {
    // priority 0: Ironic runs them only when asked (write_image is proxied by its own
    // out-of-band step of the same name, priority 80)
    Step {
        step: name,
        priority: 0,
        interface: "deploy",
        reboot_requested: false,
        abortable: None,
    }
}

#[derive(Serialize)]
struct DeploySteps {
    deploy_steps: ByManager<[Step; 3]>,
    hardware_manager_version: ByManager<&'static str>,
}

#[derive(Serialize)]
struct DeployResult {
    deploy_result: Value,
    deploy_step: Value,
}

fn get_deploy_steps(ctx: &Ctx, p: &Params) -> Outcome {
    ctx.cache_node(p);
    document(&DeploySteps {
        deploy_steps: ByManager([
            step("erase_devices_metadata"),
            step("clean_uefi_nvram"),
            step("write_image"),
        ]),
        hardware_manager_version: VERSIONS,
    })
}

fn execute_deploy_step(ctx: &Ctx, p: &Params) -> Outcome {
    ctx.cache_node(p);
    let call = StepCall::parse(p, |c| &c.deploy_version)?;
    let result = match call.name.as_str() {
        "write_image" => {
            let w: standby::WriteImage = params::parse(&call.args)?;
            standby::write_image(ctx, &w.image_info, w.configdrive.as_deref())?
        }
        "erase_devices_metadata" | "clean_uefi_nvram" => {
            clean::run_step(ctx, &call.name, &call.args)?
        }
        other => {
            return Err(CommandError::execution(format!(
                "Unknown deploy step {other}: ironbox implements write_image, \
                 erase_devices_metadata, clean_uefi_nvram"
            )));
        }
    };
    document(&DeployResult {
        deploy_result: result,
        deploy_step: call.step,
    })
}
