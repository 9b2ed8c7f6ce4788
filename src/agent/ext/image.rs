//! `image.install_bootloader`: UEFI boot entries for the deployed disk through `ironbox
//! bootloader uefi`. A whole-disk image brings its own loaders: as IPA, a disk whose ESP has
//! none to register is left as it is (the result says why); BIOS whole-disk images need nothing.

use super::{Ctx, Extension, Method, Mode, Outcome, Params, run};
use serde_json::{Value, json};

pub const EXTENSION: Extension = Extension {
    name: "image",
    methods: &[Method {
        name: "install_bootloader",
        mode: Mode::Async,
        run: install_bootloader,
    }],
};

fn install_bootloader(ctx: &Ctx, p: &Params) -> Outcome {
    let mode = p
        .get("target_boot_mode")
        .and_then(Value::as_str)
        .unwrap_or("bios");
    let whole_disk = p.get("root_uuid").is_none_or(Value::is_null)
        || ctx
            .partition_uuids
            .lock()
            .ok()
            .and_then(|u| u.get("root uuid").cloned())
            == p.get("root_uuid").cloned();
    if !whole_disk {
        return Err(super::CommandError::execution(
            "installing a boot loader into a partition image is not implemented by ironbox's \
             direct deploy",
        ));
    }
    if mode != "uefi" {
        return Ok(json!({"result": "whole-disk image in BIOS mode: its own boot loader is used"}));
    }
    let mut a: Vec<String> = vec!["bootloader".into(), "uefi".into()];
    a.extend(ctx.disk_args());
    match run::ironbox(ctx, &a, None) {
        Ok(r) => Ok(json!({"bootloader": r})),
        Err(e) => {
            crate::agent::state::log(&format!(
                "install_bootloader: no UEFI entries made for the whole-disk image: {}",
                e.details
            ));
            Ok(json!({"skipped": e.details}))
        }
    }
}
