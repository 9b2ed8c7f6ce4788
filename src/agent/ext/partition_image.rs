//! Partition images in write_image (IPA's `_write_partition_image`/`work_on_disk`): the
//! layout from Ironic's root_mb/swap_mb/ephemeral_mb/ephemeral_format, deploy_boot_mode and
//! disk_label through `ironbox partition`'s IPA-style flags, the image into the root partition,
//! then the config drive. The same three commands the ansible playbook runs.

use super::standby::{ImageInfo, PartitionUuids, Prepared};
use super::{CommandError, Ctx, Outcome, document, run, standby};
use serde_json::Value;

/// What install_bootloader needs from the write: partition numbers and their UUIDs.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub disk: String,
    pub root: u32,
    pub root_uuid: Option<String>,
    pub esp: Option<u32>,
    pub esp_uuid: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootMode {
    Bios,
    Uefi,
}

impl BootMode {
    pub fn parse(key: &str, v: &str) -> Result<BootMode, CommandError> {
        match v.to_ascii_lowercase().as_str() {
            "bios" => Ok(BootMode::Bios),
            "uefi" => Ok(BootMode::Uefi),
            _ => Err(CommandError::invalid_params(format!(
                "{key} {v:?} is neither bios nor uefi"
            ))),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            BootMode::Bios => "bios",
            BootMode::Uefi => "uefi",
        }
    }
}

/// IPA's config drive partition size (MAX_CONFIG_DRIVE_SIZE_MB): a drive never needs more.
const CONFIGDRIVE_MB: u64 = 64;

/// The boot mode: Ironic's deploy_boot_mode, else the node's boot_mode capability, else the
/// firmware the ramdisk booted in (IPA's get_node_boot_mode order).
pub fn boot_mode(
    ctx: &Ctx,
    info: &ImageInfo,
    firmware: BootMode,
) -> Result<BootMode, CommandError> {
    if let Some(m) = &info.deploy_boot_mode {
        return BootMode::parse("image_info deploy_boot_mode", m);
    }
    let caps = ctx
        .node()
        .properties
        .capabilities
        .map(|c| capability(&c, "boot_mode"));
    match caps.flatten() {
        Some(m) => BootMode::parse("the node's boot_mode capability", &m),
        None => Ok(firmware),
    }
}

/// One key of Ironic's capabilities: a `k:v,k:v` string or a JSON object.
fn capability(caps: &Value, key: &str) -> Option<String> {
    match caps {
        Value::Object(m) => m.get(key).and_then(Value::as_str).map(str::to_string),
        Value::String(s) => s.split(',').find_map(|kv| {
            let (k, v) = kv.split_once(':')?;
            (k.trim() == key).then(|| v.trim().to_string())
        }),
        _ => None,
    }
}

/// `ironbox partition` arguments for a partition image. UEFI forces gpt, as IPA does; the
/// config drive gets its partition here only on gpt, where `configdrive write` finds it by
/// name (on msdos it appends its own, past root).
pub fn partition_args(
    ctx: &Ctx,
    info: &ImageInfo,
    mode: BootMode,
    configdrive: bool,
) -> Result<Vec<String>, CommandError> {
    let root = info.root_mb.unwrap_or(0);
    if root == 0 {
        return Err(CommandError::invalid_params(
            "image_info root_mb is missing or 0: a partition image needs a root partition size",
        ));
    }
    if info.preserve_ephemeral == Some(true) {
        return Err(CommandError::invalid_params(
            "image_info preserve_ephemeral is true: keeping the ephemeral partition across a \
             rebuild is not implemented by ironbox's direct deploy",
        ));
    }
    let table = match (mode, info.disk_label.as_deref()) {
        (BootMode::Uefi, _) | (BootMode::Bios, Some("gpt")) => "gpt",
        (BootMode::Bios, None | Some("msdos")) => "msdos",
        (BootMode::Bios, Some(l)) => {
            return Err(CommandError::invalid_params(format!(
                "image_info disk_label {l:?} is neither gpt nor msdos"
            )));
        }
    };
    let mut a: Vec<String> = vec!["partition".into()];
    a.extend(ctx.root_disk_args());
    a.extend(["--wipe".into(), "--table".into(), table.into()]);
    a.extend(["--boot-mode".into(), mode.as_str().into()]);
    let ephemeral = info.ephemeral_mb.unwrap_or(0);
    if ephemeral > 0 {
        a.extend(["--ephemeral".into(), ephemeral.to_string()]);
        if let Some(f) = &info.ephemeral_format {
            a.extend(["--ephemeral-format".into(), f.to_string()]);
        }
    }
    let swap = info.swap_mb.unwrap_or(0);
    if swap > 0 {
        a.extend(["--swap".into(), swap.to_string()]);
    }
    if configdrive && table == "gpt" {
        a.extend(["--configdrive".into(), CONFIGDRIVE_MB.to_string()]);
    }
    a.extend(["--root".into(), root.to_string()]);
    Ok(a)
}

/// The number and filesystem UUID of the partition `ironbox partition` made for `role`.
fn by_role(report: &Value, role: &str) -> Option<(u32, Option<String>)> {
    let node = report.pointer(&format!("/ipa/{role}"))?.as_str()?;
    let e = report
        .get("partitions")?
        .as_array()?
        .iter()
        .find(|e| e.get("node").and_then(Value::as_str) == Some(node))?;
    let number = u32::try_from(e.get("number")?.as_u64()?).ok()?;
    let uuid = e.get("fs_uuid").and_then(Value::as_str).map(str::to_string);
    Some((number, uuid))
}

/// IPA's partition UUIDs: 'root uuid' (the image's filesystem), 'efi system partition uuid'
/// (the new ESP's vfat id) and 'partitions', the role → node map.
pub fn uuids(part: &Value, write: &Value) -> Result<(Written, PartitionUuids), CommandError> {
    let missing = |what: &str| {
        CommandError::execution(format!("ironbox partition reported no {what}: {part}"))
    };
    let disk = part
        .get("disk")
        .and_then(Value::as_str)
        .ok_or_else(|| missing("disk"))?;
    let (root, _) = by_role(part, "root").ok_or_else(|| missing("root partition"))?;
    let esp = by_role(part, "efi system partition");
    let root_uuid = write
        .get("root_uuid")
        .and_then(Value::as_str)
        .map(str::to_string);
    let w = Written {
        disk: disk.to_string(),
        root,
        root_uuid: root_uuid.clone(),
        esp: esp.as_ref().map(|e| e.0),
        esp_uuid: esp.and_then(|e| e.1),
    };
    let v = PartitionUuids {
        root: root_uuid,
        esp: Some(w.esp_uuid.clone()),
        partitions: Some(
            part.get("ipa")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        ),
        config_drive: None,
    };
    Ok((w, v))
}

fn firmware() -> BootMode {
    if std::path::Path::new("/sys/firmware/efi").is_dir() {
        BootMode::Uefi
    } else {
        BootMode::Bios
    }
}

/// IPA's message, UUIDs included.
fn message(id: &str, w: &Written, mode: BootMode) -> String {
    let (disk, root_uuid) = (&w.disk, w.root_uuid.as_deref().unwrap_or_default());
    match (&w.esp_uuid, mode) {
        (Some(e), BootMode::Uefi) => format!(
            "prepare_image: image ({id}) written to device {disk} root_uuid={root_uuid} \
             efi_system_partition_uuid={e}"
        ),
        _ => format!("prepare_image: image ({id}) written to device {disk} root_uuid={root_uuid}"),
    }
}

/// partition → image-write into root → config drive; records what install_bootloader needs.
pub fn write(ctx: &Ctx, info: &ImageInfo, configdrive: Option<&str>) -> Outcome {
    let mode = boot_mode(ctx, info, firmware())?;
    let pargs = partition_args(ctx, info, mode, configdrive.is_some())?;
    // checked before the disk is touched: a bad image_info changes nothing
    let source = standby::image_source_args(info)?;
    let part = run::ironbox(ctx, &pargs, None)?;
    let disk = part
        .get("disk")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let (root, _) = by_role(&part, "root").ok_or_else(|| {
        CommandError::execution(format!(
            "ironbox partition reported no root partition: {part}"
        ))
    })?;
    let mut wa: Vec<String> = vec!["image-write".into(), "--disk".into(), disk.clone()];
    wa.extend(["--partition".into(), root.to_string()]);
    wa.extend(source);
    let report = run::ironbox(ctx, &wa, None)?;
    let (written, mut uuids) = uuids(&part, &report)?;
    let cdr = match configdrive {
        Some(cd) => Some(standby::write_configdrive(ctx, &disk, cd)?),
        None => None,
    };
    if let Some(cdr) = &cdr {
        uuids.config_drive = Some(cdr.get("partition").cloned().unwrap_or(Value::Null));
        if let Some(p) = &mut uuids.partitions {
            p.entry("configdrive").or_insert_with(|| {
                cdr.pointer("/partition/node")
                    .cloned()
                    .unwrap_or(Value::Null)
            });
        }
    }
    if let Ok(mut d) = ctx.disk.lock() {
        *d = Some(disk.clone());
    }
    let result = message(info.id(), &written, mode);
    if let Ok(mut u) = ctx.partition_uuids.lock() {
        *u = Some(uuids);
    }
    if let Ok(mut p) = ctx.partition_image.lock() {
        *p = Some(written);
    }
    document(&Prepared {
        partition: Some(part),
        image_write: report,
        configdrive: cdr,
        result,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Ctx {
        Ctx::new("/bin/false".into(), "/nonexistent".into())
    }

    /// image_info parsed as a command's params are (a refused value is the 400).
    fn info(v: Value) -> Result<ImageInfo, CommandError> {
        serde_json::from_value(v).map_err(|e| CommandError::invalid_params(e.to_string()))
    }

    fn args(v: Value, mode: BootMode, cd: bool) -> Result<String, CommandError> {
        partition_args(&ctx(), &info(v)?, mode, cd).map(|a| a.join(" "))
    }

    #[test]
    fn sizes_modes_and_labels() {
        let info = json!({"root_mb": 1024, "swap_mb": 512, "ephemeral_mb": 2048,
            "ephemeral_format": "xfs", "disk_label": "msdos"});
        assert_eq!(
            args(info.clone(), BootMode::Uefi, true).unwrap(),
            "partition --disk auto --wipe --table gpt --boot-mode uefi --ephemeral 2048 \
             --ephemeral-format xfs --swap 512 --configdrive 64 --root 1024"
        );
        assert_eq!(
            args(info, BootMode::Bios, true).unwrap(),
            "partition --disk auto --wipe --table msdos --boot-mode bios --ephemeral 2048 \
             --ephemeral-format xfs --swap 512 --root 1024"
        );
        let info =
            json!({"root_mb": "4096", "swap_mb": 0, "ephemeral_mb": null, "disk_label": "gpt"});
        assert_eq!(
            args(info, BootMode::Bios, false).unwrap(),
            "partition --disk auto --wipe --table gpt --boot-mode bios --root 4096"
        );
    }

    #[test]
    fn bad_params_name_the_value() {
        let e = args(json!({}), BootMode::Bios, false).unwrap_err();
        assert_eq!(e.code, 400);
        assert!(e.details.contains("root_mb"), "{}", e.details);
        let e = args(json!({"root_mb": "lots"}), BootMode::Bios, false).unwrap_err();
        assert!(
            e.details
                .contains(r#"root_mb must be a whole number of MiB, got "lots""#)
        );
        let e = args(json!({"root_mb": 10, "swap_mb": -1}), BootMode::Bios, false).unwrap_err();
        assert!(
            e.details
                .contains("swap_mb must be a whole number of MiB, got -1")
        );
        let e = args(
            json!({"root_mb": 10, "disk_label": "dos"}),
            BootMode::Bios,
            false,
        )
        .unwrap_err();
        assert!(e.details.contains(r#"disk_label "dos""#), "{}", e.details);
        let e = args(
            json!({"root_mb": 10, "preserve_ephemeral": true}),
            BootMode::Bios,
            false,
        )
        .unwrap_err();
        assert!(e.details.contains("preserve_ephemeral"));
        let c = ctx();
        let efi = info(json!({"deploy_boot_mode": "efi"})).unwrap();
        let e = boot_mode(&c, &efi, BootMode::Bios).unwrap_err();
        assert!(
            e.details.contains(r#"deploy_boot_mode "efi""#),
            "{}",
            e.details
        );
    }

    #[test]
    fn boot_mode_order() {
        let c = ctx();
        let uefi = info(json!({"deploy_boot_mode": "UEFI"})).unwrap();
        assert_eq!(
            boot_mode(&c, &uefi, BootMode::Bios).unwrap(),
            BootMode::Uefi
        );
        assert_eq!(
            boot_mode(&c, &ImageInfo::default(), BootMode::Bios).unwrap(),
            BootMode::Bios
        );
        let mut p = super::super::Params::new();
        p.insert(
            "node".into(),
            json!({"properties": {"capabilities": "disk_label:gpt,boot_mode:uefi"}}),
        );
        c.cache_node(&p);
        assert_eq!(
            boot_mode(&c, &ImageInfo::default(), BootMode::Bios).unwrap(),
            BootMode::Uefi
        );
    }

    #[test]
    fn result_shape_is_ipas() {
        let part = json!({"disk": "/dev/vda", "partitions": [
            {"number": 1, "node": "/dev/vda1", "fs_uuid": "AB12-CD34"},
            {"number": 2, "node": "/dev/vda2", "fs_uuid": null},
            {"number": 3, "node": "/dev/vda3", "fs_uuid": null}],
            "ipa": {"efi system partition": "/dev/vda1", "configdrive": "/dev/vda2", "root": "/dev/vda3"}});
        let write = json!({"disk": "/dev/vda", "root_uuid": "0f0e-root"});
        let (w, v) = uuids(&part, &write).unwrap();
        assert_eq!(
            w,
            Written {
                disk: "/dev/vda".into(),
                root: 3,
                root_uuid: Some("0f0e-root".into()),
                esp: Some(1),
                esp_uuid: Some("AB12-CD34".into()),
            }
        );
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            json!({"root uuid": "0f0e-root", "efi system partition uuid": "AB12-CD34",
                "partitions": part["ipa"]})
        );
        let bios = json!({"disk": "/dev/vda", "partitions": [{"number": 1, "node": "/dev/vda1"}],
            "ipa": {"root": "/dev/vda1"}});
        let (w, v) = uuids(&bios, &write).unwrap();
        assert_eq!((w.root, w.esp), (1, None));
        assert_eq!(
            serde_json::to_value(&v).unwrap()["efi system partition uuid"],
            Value::Null
        );
        assert!(uuids(&json!({"disk": "/dev/vda"}), &write).is_err());
    }
}
