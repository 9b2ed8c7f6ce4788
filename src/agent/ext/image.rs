//! `image.install_bootloader`. A partition image gets the image's own grub through `ironbox
//! bootloader grub` (BIOS, or UEFI onto the ESP write_image made, with its boot entry), when
//! Ironic allows it. A whole-disk image brings its own loaders: under UEFI they get boot entries
//! through `ironbox bootloader uefi`; as IPA, a disk whose ESP has none to register is left as it
//! is (the result says why); BIOS whole-disk images need nothing.

use super::partition_image::{BootMode, Written};
use super::{CommandError, Ctx, Extension, Method, Mode, Outcome, Params, document, params, run};
use serde::de::Deserializer;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::atomic::Ordering;

pub const EXTENSION: Extension = Extension {
    name: "image",
    methods: &[Method {
        name: "install_bootloader",
        mode: Mode::Async,
        run: install_bootloader,
    }],
};

/// install_bootloader's params, the keys ironbox uses.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InstallBootloader {
    #[serde(deserialize_with = "params::lenient")]
    root_uuid: Option<String>,
    #[serde(deserialize_with = "params::lenient")]
    efi_system_part_uuid: Option<String>,
    #[serde(deserialize_with = "params::lenient")]
    prep_boot_part_uuid: Option<String>,
    #[serde(deserialize_with = "params::lenient")]
    target_boot_mode: Option<String>,
    /// IPA's ignore_bootloader_failure (None: ipa-ignore-bootloader-failure decides).
    #[serde(deserialize_with = "true_or_false")]
    ignore_bootloader_failure: Option<bool>,
}

fn true_or_false<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        v => Err(serde::de::Error::custom(format!(
            "ignore_bootloader_failure must be true or false, got {v}"
        ))),
    }
}

/// What install_bootloader did: the bootloader command's report, why nothing was installed
/// (a failure ignored as IPA does), or why nothing was needed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
enum Installed {
    Bootloader(Value),
    Skipped(String),
    Result(&'static str),
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|u| !u.is_empty())
}

impl InstallBootloader {
    /// The param when given, else ipa-ignore-bootloader-failure.
    fn ignore_failure(&self, ctx: &Ctx) -> bool {
        self.ignore_bootloader_failure
            .unwrap_or(ctx.ignore_bootloader_failure)
    }
}

/// `ironbox bootloader grub` for the partition image write_image made: root_uuid must be
/// its root (the UUID reported then), efi_system_part_uuid its ESP.
pub fn grub_args(w: &Written, p: &InstallBootloader) -> Result<Vec<String>, CommandError> {
    let mode = match p.target_boot_mode.as_deref() {
        None => BootMode::Bios, // IPA's default
        Some(m) => BootMode::parse("target_boot_mode", m)?,
    };
    if let Some(u) = nonempty(&p.prep_boot_part_uuid) {
        return Err(CommandError::invalid_params(format!(
            "prep_boot_part_uuid {u:?}: PReP boot partitions (ppc64) are not supported by ironbox"
        )));
    }
    let root = nonempty(&p.root_uuid).unwrap_or_default();
    if w.root_uuid.as_deref() != Some(root) {
        return Err(CommandError::invalid_params(format!(
            "root_uuid {root:?} is not the root filesystem of the partition image written to {} \
             ({})",
            w.disk,
            w.root_uuid.as_deref().unwrap_or("no UUID reported")
        )));
    }
    let mut a: Vec<String> = vec!["bootloader".into(), "grub".into()];
    a.extend(["--disk".into(), w.disk.clone()]);
    a.extend(["--root".into(), w.root.to_string()]);
    if mode == BootMode::Uefi
        && let Some(esp) = nonempty(&p.efi_system_part_uuid)
    {
        match (w.esp, &w.esp_uuid) {
            (Some(n), Some(u)) if u == esp => a.extend(["--esp".into(), n.to_string()]),
            _ => {
                return Err(CommandError::invalid_params(format!(
                    "efi_system_part_uuid {esp:?} is not the ESP made on {} ({})",
                    w.disk,
                    w.esp_uuid.as_deref().unwrap_or("none was made")
                )));
            }
        }
    }
    a.extend(["--mode".into(), mode.as_str().into()]);
    Ok(a)
}

/// Grub from the partition image, run in a chroot: only when Ironic allows it
/// ([agent]enable_bios_bootloader_install, as IPA), a failure ignored only as IPA would.
fn partition_bootloader(ctx: &Ctx, w: &Written, p: &InstallBootloader) -> Outcome {
    let args = grub_args(w, p)?;
    let outcome = if ctx.bios_bootloader_install.load(Ordering::Relaxed) {
        run::ironbox(ctx, &args, None).map(Installed::Bootloader)
    } else {
        Err(CommandError::execution(
            "installing grub into a partition image is disabled by Ironic \
             ([agent]enable_bios_bootloader_install is false), as IPA does since the \
             CVE-2026-43003 mitigation",
        ))
    };
    match outcome {
        Err(e) if p.ignore_failure(ctx) => {
            crate::agent::state::log(&format!(
                "install_bootloader: failure ignored (ignore_bootloader_failure): {}",
                e.details
            ));
            document(&Installed::Skipped(e.details))
        }
        o => document(&o?),
    }
}

fn install_bootloader(ctx: &Ctx, p: &Params) -> Outcome {
    let p: InstallBootloader = params::parse(p)?;
    let written = ctx.partition_image.lock().ok().and_then(|w| w.clone());
    let root_given = nonempty(&p.root_uuid).is_some_and(|u| u != "0x00000000");
    if let (Some(w), true) = (&written, root_given) {
        return partition_bootloader(ctx, w, &p);
    }
    if p.target_boot_mode.as_deref().unwrap_or("bios") != "uefi" {
        return document(&Installed::Result(
            "whole-disk image in BIOS mode: its own boot loader is used",
        ));
    }
    let mut a: Vec<String> = vec!["bootloader".into(), "uefi".into()];
    a.extend(ctx.disk_args());
    match run::ironbox(ctx, &a, None) {
        Ok(r) => document(&Installed::Bootloader(r)),
        Err(e) => {
            crate::agent::state::log(&format!(
                "install_bootloader: no UEFI entries made for the whole-disk image: {}",
                e.details
            ));
            document(&Installed::Skipped(e.details))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written() -> Written {
        Written {
            disk: "/dev/nvme0n1".into(),
            root: 3,
            root_uuid: Some("r-uuid".into()),
            esp: Some(1),
            esp_uuid: Some("AB12-CD34".into()),
        }
    }

    use serde_json::json;

    /// The params as install_bootloader parses them (a refused value is the 400).
    fn params(v: Value) -> Result<InstallBootloader, CommandError> {
        params::parse(v.as_object().unwrap())
    }

    #[test]
    fn ironic_params_to_grub_arguments() {
        let p = params(
            json!({"root_uuid": "r-uuid", "efi_system_part_uuid": "AB12-CD34",
            "prep_boot_part_uuid": null, "target_boot_mode": "uefi"}),
        );
        assert_eq!(
            grub_args(&written(), &p.unwrap()).unwrap().join(" "),
            "bootloader grub --disk /dev/nvme0n1 --root 3 --esp 1 --mode uefi"
        );
        let p = params(json!({"root_uuid": "r-uuid", "efi_system_part_uuid": null}));
        assert_eq!(
            grub_args(&written(), &p.unwrap()).unwrap().join(" "),
            "bootloader grub --disk /dev/nvme0n1 --root 3 --mode bios"
        );
    }

    #[test]
    fn bad_params_name_the_value() {
        let bad = |v: Value| grub_args(&written(), &params(v).unwrap()).unwrap_err();
        let e = bad(json!({"root_uuid": "other"}));
        assert_eq!(e.code, 400);
        assert!(e.details.contains(r#"root_uuid "other""#), "{}", e.details);
        let e = bad(json!({"root_uuid": "r-uuid", "target_boot_mode": "legacy"}));
        assert!(
            e.details.contains(r#"target_boot_mode "legacy""#),
            "{}",
            e.details
        );
        let e = bad(json!({"root_uuid": "r-uuid", "target_boot_mode": "uefi",
            "efi_system_part_uuid": "FFFF-0000"}));
        assert!(e.details.contains(r#"efi_system_part_uuid "FFFF-0000""#));
        let e = bad(json!({"root_uuid": "r-uuid", "prep_boot_part_uuid": "p"}));
        assert!(e.details.contains("prep_boot_part_uuid"));
    }

    #[test]
    fn disabled_by_ironic_fails_unless_ignored() {
        let c = Ctx::new("/bin/false".into(), "/nonexistent".into());
        let p = params(json!({"root_uuid": "r-uuid"})).unwrap();
        let e = partition_bootloader(&c, &written(), &p).unwrap_err();
        assert_eq!(e.kind, "CommandExecutionError");
        assert!(e.details.contains("enable_bios_bootloader_install"));
        let p = params(json!({"root_uuid": "r-uuid", "ignore_bootloader_failure": true})).unwrap();
        let r = partition_bootloader(&c, &written(), &p).unwrap();
        assert!(
            r["skipped"]
                .as_str()
                .unwrap()
                .contains("disabled by Ironic")
        );
        let e =
            params(json!({"root_uuid": "r-uuid", "ignore_bootloader_failure": "yes"})).unwrap_err();
        assert_eq!(e.code, 400);
        assert_eq!(
            e.details,
            r#"ignore_bootloader_failure must be true or false, got "yes""#
        );
        // allowed: ironbox bootloader grub runs (here /bin/false: no JSON report)
        c.bios_bootloader_install.store(true, Ordering::Relaxed);
        let p = params(json!({"root_uuid": "r-uuid"})).unwrap();
        let e = partition_bootloader(&c, &written(), &p).unwrap_err();
        assert!(
            e.details.contains("ironbox bootloader grub failed"),
            "{}",
            e.details
        );
    }
}
