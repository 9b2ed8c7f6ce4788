//! `standby.*`: writing the instance image (IPA's prepare_image, also behind the write_image
//! deploy step) through `ironbox image-write` and `ironbox configdrive write`, the partition
//! UUIDs Ironic asks for afterwards, sync, and the power actions that end the ramdisk.

use super::{CommandError, Ctx, Extension, Method, Mode, Outcome, Params, run};
use serde_json::{Value, json};
use std::time::Duration;

pub const EXTENSION: Extension = Extension {
    name: "standby",
    methods: &[
        Method {
            name: "prepare_image",
            mode: Mode::Async,
            run: prepare_image,
        },
        Method {
            name: "get_partition_uuids",
            mode: Mode::Sync,
            run: get_partition_uuids,
        },
        Method {
            name: "sync",
            mode: Mode::Sync,
            run: sync,
        },
        Method {
            name: "power_off",
            mode: Mode::Async,
            run: power_off,
        },
        Method {
            name: "reboot",
            mode: Mode::Async,
            run: reboot,
        },
        Method {
            name: "run_image",
            mode: Mode::Async,
            run: reboot,
        },
    ],
};

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// `--checksum` from image_info: os_hash_algo + os_hash_value first (Glance's multihash), else
/// `checksum` (algo:hex, bare hex or a checksum-file URL, as ironbox takes them).
pub fn checksum_spec(info: &Value) -> Option<String> {
    match (s(info, "os_hash_algo"), s(info, "os_hash_value")) {
        (Some(a), Some(v)) => Some(format!("{a}:{v}")),
        _ => s(info, "checksum").map(str::to_string),
    }
}

/// A partition image, as IPA tells (`image_type`); Ironic sends the partition sizes (root_mb...)
/// only for those, so an image_info with root_mb and no image_type is one too.
pub fn is_partition_image(info: &Value) -> bool {
    match info.get("image_type").and_then(Value::as_str) {
        Some(t) => t == "partition",
        None => info.get("root_mb").is_some_and(|v| !v.is_null()),
    }
}

/// What `ironbox image-write` takes from image_info besides the disk: format, checksum, URLs.
pub fn image_source_args(info: &Value) -> Result<Vec<String>, CommandError> {
    let urls: Vec<String> = info
        .get("urls")
        .and_then(Value::as_array)
        .map(|u| {
            u.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if urls.is_empty() {
        return Err(CommandError::invalid_params("image_info has no urls"));
    }
    let format = match s(info, "disk_format") {
        Some("qcow2") => "qcow2",
        Some("raw") => "raw",
        _ => "auto",
    };
    let mut a: Vec<String> = vec!["--format".into(), format.into()];
    match checksum_spec(info) {
        Some(c) => a.extend(["--checksum".into(), c]),
        // IPA refuses an image it cannot verify; so does ironbox here
        None => {
            return Err(CommandError::invalid_params(
                "image_info has neither os_hash_algo/os_hash_value nor checksum",
            ));
        }
    }
    a.extend(urls);
    Ok(a)
}

/// `ironbox image-write` arguments for a whole-disk image_info.
pub fn image_write_args(ctx: &Ctx, info: &Value) -> Result<Vec<String>, CommandError> {
    let mut a: Vec<String> = vec!["image-write".into()];
    a.extend(ctx.root_disk_args());
    a.extend(image_source_args(info)?);
    Ok(a)
}

fn prepare_image(ctx: &Ctx, p: &Params) -> Outcome {
    let info = p.get("image_info").cloned().unwrap_or(Value::Null);
    write_image(ctx, &info, p.get("configdrive"))
}

/// `ironbox configdrive write` of Ironic's drive: a URL is fetched by ironbox, anything else
/// (base64 of gzip of an ISO, as Ironic stores it) goes through stdin.
pub fn write_configdrive(ctx: &Ctx, disk: &str, cd: &str) -> Outcome {
    let mut a: Vec<String> = vec![
        "configdrive".into(),
        "write".into(),
        "--disk".into(),
        disk.to_string(),
    ];
    let input = if cd.starts_with("http://") || cd.starts_with("https://") {
        a.push(cd.to_string());
        None
    } else {
        a.push("-".into());
        Some(cd.as_bytes().to_vec())
    };
    run::ironbox(ctx, &a, input)
}

/// The write_image work shared by standby.prepare_image and the deploy step.
pub fn write_image(ctx: &Ctx, info: &Value, configdrive: Option<&Value>) -> Outcome {
    // (IPA: the drive may also come inside image_info, Ironic sends both)
    let cd = configdrive
        .or_else(|| info.get("configdrive"))
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty());
    if let Ok(mut p) = ctx.partition_image.lock() {
        *p = None;
    }
    if is_partition_image(info) {
        return super::partition_image::write(ctx, info, cd);
    }
    let report = run::ironbox(ctx, &image_write_args(ctx, info)?, None)?;
    let Some(disk) = report
        .get("disk")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Err(CommandError::execution(
            "ironbox image-write reported no disk",
        ));
    };
    if let Ok(mut d) = ctx.disk.lock() {
        *d = Some(disk.clone());
    }
    let mut uuids = json!({"root uuid": report.get("root_uuid").cloned().unwrap_or(Value::Null)});
    let mut result = json!({"image_write": report});
    if let Some(cd) = cd {
        let cdr = write_configdrive(ctx, &disk, cd)?;
        uuids["config drive"] = cdr.get("partition").cloned().unwrap_or(Value::Null);
        result["configdrive"] = cdr;
    }
    if let Ok(mut u) = ctx.partition_uuids.lock() {
        *u = uuids;
    }
    let id = s(info, "id").unwrap_or("");
    result["result"] = json!(format!(
        "prepare_image: image ({id}) written to device {disk} "
    ));
    Ok(result)
}

fn get_partition_uuids(ctx: &Ctx, _p: &Params) -> Outcome {
    Ok(ctx
        .partition_uuids
        .lock()
        .map(|u| u.clone())
        .unwrap_or_default())
}

fn sync(_ctx: &Ctx, _p: &Params) -> Outcome {
    nix::unistd::sync();
    Ok(Value::Null)
}

/// Powers off or reboots after a moment, so the answer to this command leaves first.
fn power(ctx: &Ctx, argv: Vec<String>, what: &'static str) -> Outcome {
    nix::unistd::sync();
    super::super::state::log(&format!(
        "api: {what} requested by Ironic: {}",
        argv.join(" ")
    ));
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        if let Err(e) = run::program(&argv) {
            super::super::state::log(&format!("{what}: {}", e.details));
        }
    });
    let _ = ctx;
    Ok(Value::Null)
}

fn power_off(ctx: &Ctx, _p: &Params) -> Outcome {
    power(ctx, ctx.power_off.clone(), "power off")
}

fn reboot(ctx: &Ctx, _p: &Params) -> Outcome {
    power(ctx, ctx.reboot.clone(), "reboot")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_info_to_arguments() {
        let c = Ctx::new("/bin/false".into(), "/nonexistent".into());
        let info = json!({"urls": ["http://h/i.qcow2", "http://m/i.qcow2"], "disk_format": "qcow2",
            "os_hash_algo": "sha256", "os_hash_value": "ab", "checksum": "md5sum", "stream_raw_images": true});
        assert_eq!(
            image_write_args(&c, &info).unwrap().join(" "),
            "image-write --disk auto --format qcow2 --checksum sha256:ab http://h/i.qcow2 http://m/i.qcow2"
        );
        let info = json!({"urls": ["http://h/i"], "checksum": "0123", "disk_format": "iso"});
        assert_eq!(
            image_write_args(&c, &info).unwrap().join(" "),
            "image-write --disk auto --format auto --checksum 0123 http://h/i"
        );
        let none = json!({"urls": ["http://h/i"]});
        assert_eq!(image_write_args(&c, &none).unwrap_err().code, 400);
        assert_eq!(
            image_write_args(&c, &json!({"checksum": "a"}))
                .unwrap_err()
                .code,
            400
        );
        assert!(is_partition_image(&json!({"root_mb": 1024})));
        assert!(!is_partition_image(&json!({"urls": []})));
        assert!(is_partition_image(&json!({"image_type": "partition"})));
        // Ironic sends the partition labels as nulls for whole-disk images
        assert!(!is_partition_image(
            &json!({"image_type": "whole-disk", "root_mb": 1024})
        ));
    }
}
