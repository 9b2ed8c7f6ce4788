//! `standby.*`: writing the instance image (IPA's prepare_image, also behind the write_image
//! deploy step) through `ironbox image-write` and `ironbox configdrive write`, the partition
//! UUIDs Ironic asks for afterwards, sync, and the power actions that end the ramdisk.

use super::{CommandError, Ctx, Extension, Method, Mode, Outcome, Params, document, params, run};
use serde::de::Deserializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
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

/// Ironic's image_info (prepare_image, the write_image step), the keys ironbox uses.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ImageInfo {
    #[serde(deserialize_with = "params::lenient")]
    pub id: Option<String>,
    #[serde(deserialize_with = "params::strings")]
    pub urls: Vec<String>,
    #[serde(deserialize_with = "params::lenient")]
    pub disk_format: Option<String>,
    #[serde(deserialize_with = "params::lenient")]
    pub os_hash_algo: Option<String>,
    #[serde(deserialize_with = "params::lenient")]
    pub os_hash_value: Option<String>,
    #[serde(deserialize_with = "params::lenient")]
    pub checksum: Option<String>,
    #[serde(deserialize_with = "params::lenient")]
    pub image_type: Option<String>,
    #[serde(deserialize_with = "params::lenient")]
    pub configdrive: Option<String>,
    // partition images only
    #[serde(deserialize_with = "root_mb")]
    pub root_mb: Option<u64>,
    #[serde(deserialize_with = "swap_mb")]
    pub swap_mb: Option<u64>,
    #[serde(deserialize_with = "ephemeral_mb")]
    pub ephemeral_mb: Option<u64>,
    #[serde(deserialize_with = "params::lenient")]
    pub ephemeral_format: Option<String>,
    #[serde(deserialize_with = "params::lenient")]
    pub preserve_ephemeral: Option<bool>,
    #[serde(deserialize_with = "params::lenient")]
    pub disk_label: Option<String>,
    #[serde(deserialize_with = "params::lenient")]
    pub deploy_boot_mode: Option<String>,
}

fn root_mb<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    params::mib(d, "root_mb")
}
fn swap_mb<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    params::mib(d, "swap_mb")
}
fn ephemeral_mb<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    params::mib(d, "ephemeral_mb")
}

/// image_info as a param: not an object (missing, null) reads as an empty one.
pub fn image_info<'de, D: Deserializer<'de>>(d: D) -> Result<ImageInfo, D::Error> {
    match Value::deserialize(d)? {
        v @ Value::Object(_) => serde_json::from_value(v).map_err(serde::de::Error::custom),
        _ => Ok(ImageInfo::default()),
    }
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

impl ImageInfo {
    /// `--checksum`: os_hash_algo + os_hash_value first (Glance's multihash), else `checksum`
    /// (algo:hex, bare hex or a checksum-file URL, as ironbox takes them).
    pub fn checksum_spec(&self) -> Option<String> {
        match (nonempty(&self.os_hash_algo), nonempty(&self.os_hash_value)) {
            (Some(a), Some(v)) => Some(format!("{a}:{v}")),
            _ => nonempty(&self.checksum).map(str::to_string),
        }
    }

    /// A partition image, as IPA tells (`image_type`); Ironic sends the partition sizes
    /// (root_mb...) only for those, so an image_info with root_mb and no image_type is one too.
    pub fn is_partition_image(&self) -> bool {
        match &self.image_type {
            Some(t) => t == "partition",
            None => self.root_mb.is_some(),
        }
    }

    pub fn id(&self) -> &str {
        self.id.as_deref().unwrap_or("")
    }
}

/// prepare_image's params, also the write_image step's args.
#[derive(Deserialize)]
pub struct WriteImage {
    #[serde(default, deserialize_with = "image_info")]
    pub image_info: ImageInfo,
    #[serde(default, deserialize_with = "params::lenient")]
    pub configdrive: Option<String>,
}

/// What get_partition_uuids answers after a write (IPA's keys, spaces included).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PartitionUuids {
    /// image-write's root_uuid: the disk identifier, or the root filesystem's UUID.
    #[serde(rename = "root uuid")]
    pub root: Option<String>,
    /// Partition images only: the new ESP's vfat id, null without one.
    #[serde(
        rename = "efi system partition uuid",
        skip_serializing_if = "Option::is_none"
    )]
    pub esp: Option<Option<String>>,
    /// Partition images only: IPA's role → node map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partitions: Option<Map<String, Value>>,
    /// When a drive was written: configdrive's partition (null when it reported none).
    #[serde(rename = "config drive", skip_serializing_if = "Option::is_none")]
    pub config_drive: Option<Value>,
}

/// The result of a write: the reports of the commands run, and IPA's message.
#[derive(Serialize)]
pub struct Prepared {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<Value>,
    pub image_write: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configdrive: Option<Value>,
    pub result: String,
}

/// What `ironbox image-write` takes from image_info besides the disk: format, checksum, URLs.
pub fn image_source_args(info: &ImageInfo) -> Result<Vec<String>, CommandError> {
    if info.urls.is_empty() {
        return Err(CommandError::invalid_params("image_info has no urls"));
    }
    let format = match nonempty(&info.disk_format) {
        Some("qcow2") => "qcow2",
        Some("raw") => "raw",
        _ => "auto",
    };
    let mut a: Vec<String> = vec!["--format".into(), format.into()];
    match info.checksum_spec() {
        Some(c) => a.extend(["--checksum".into(), c]),
        // IPA refuses an image it cannot verify; so does ironbox here
        None => {
            return Err(CommandError::invalid_params(
                "image_info has neither os_hash_algo/os_hash_value nor checksum",
            ));
        }
    }
    a.extend(info.urls.iter().cloned());
    Ok(a)
}

/// `ironbox image-write` arguments for a whole-disk image_info.
pub fn image_write_args(ctx: &Ctx, info: &ImageInfo) -> Result<Vec<String>, CommandError> {
    let mut a: Vec<String> = vec!["image-write".into()];
    a.extend(ctx.root_disk_args());
    a.extend(image_source_args(info)?);
    Ok(a)
}

fn prepare_image(ctx: &Ctx, p: &Params) -> Outcome {
    let w: WriteImage = params::parse(p)?;
    write_image(ctx, &w.image_info, w.configdrive.as_deref())
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
pub fn write_image(ctx: &Ctx, info: &ImageInfo, configdrive: Option<&str>) -> Outcome {
    // (IPA: the drive may also come inside image_info, Ironic sends both)
    let cd = configdrive
        .filter(|c| !c.is_empty())
        .or_else(|| nonempty(&info.configdrive));
    if let Ok(mut p) = ctx.partition_image.lock() {
        *p = None;
    }
    if info.is_partition_image() {
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
    let mut uuids = PartitionUuids {
        root: report
            .get("root_uuid")
            .and_then(Value::as_str)
            .map(str::to_string),
        ..PartitionUuids::default()
    };
    let configdrive = match cd {
        Some(cd) => {
            let cdr = write_configdrive(ctx, &disk, cd)?;
            uuids.config_drive = Some(cdr.get("partition").cloned().unwrap_or(Value::Null));
            Some(cdr)
        }
        None => None,
    };
    if let Ok(mut u) = ctx.partition_uuids.lock() {
        *u = Some(uuids);
    }
    document(&Prepared {
        partition: None,
        image_write: report,
        configdrive,
        result: format!(
            "prepare_image: image ({}) written to device {disk} ",
            info.id()
        ),
    })
}

/// Before any write: no UUIDs to tell.
#[derive(Serialize)]
struct Nothing {}

fn get_partition_uuids(ctx: &Ctx, _p: &Params) -> Outcome {
    match ctx.partition_uuids.lock().ok().and_then(|u| u.clone()) {
        Some(u) => document(&u),
        None => document(&Nothing {}),
    }
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
    use serde_json::json;

    fn parse_info(v: Value) -> ImageInfo {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn image_info_to_arguments() {
        let c = Ctx::new("/bin/false".into(), "/nonexistent".into());
        let info = parse_info(
            json!({"urls": ["http://h/i.qcow2", 7, "http://m/i.qcow2"], "disk_format": "qcow2",
            "os_hash_algo": "sha256", "os_hash_value": "ab", "checksum": "md5sum", "stream_raw_images": true}),
        );
        assert_eq!(
            image_write_args(&c, &info).unwrap().join(" "),
            "image-write --disk auto --format qcow2 --checksum sha256:ab http://h/i.qcow2 http://m/i.qcow2"
        );
        let info =
            parse_info(json!({"urls": ["http://h/i"], "checksum": "0123", "disk_format": "iso"}));
        assert_eq!(
            image_write_args(&c, &info).unwrap().join(" "),
            "image-write --disk auto --format auto --checksum 0123 http://h/i"
        );
        let none = parse_info(json!({"urls": ["http://h/i"]}));
        assert_eq!(image_write_args(&c, &none).unwrap_err().code, 400);
        assert_eq!(
            image_write_args(&c, &parse_info(json!({"checksum": "a"})))
                .unwrap_err()
                .code,
            400
        );
        let part = |v| parse_info(v).is_partition_image();
        assert!(part(json!({"root_mb": 1024})));
        assert!(!part(json!({"urls": [], "root_mb": null})));
        assert!(part(json!({"image_type": "partition"})));
        assert!(!part(json!({"image_type": "whole-disk", "root_mb": 1024})));
        // not an object: an empty image_info, refused for its missing urls
        let w: WriteImage =
            params::parse(&Params::from_iter([("image_info".into(), json!("x"))])).unwrap();
        assert!(w.image_info.urls.is_empty());
    }
}
