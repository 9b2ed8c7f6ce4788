//! `firmware update`'s first step: which component the update is for (an ESRT entry, an NVMe
//! controller or a plug-in's component) and which method applies it, from --component,
//! --method and --plugin.

use super::{Method, UpdateArgs, capsule, disk, esrt, plugin};
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::sysfs;

/// What the update targets, once resolved.
pub enum Target {
    Esrt(esrt::Entry),
    Nvme {
        disk: String,
        ctrl: String,
        version: Option<String>,
    },
    Plugin {
        plugin: plugin::Plugin,
        version: Option<String>,
    },
}

impl Target {
    /// The version running now, as the component reports it.
    pub fn current_version(&self) -> Option<String> {
        match self {
            Target::Esrt(e) => Some(e.fw_version.to_string()),
            Target::Nvme { version, .. } | Target::Plugin { version, .. } => version.clone(),
        }
    }
}

fn not_found(id: &str, why: &str) -> IronError {
    IronError::new(Kind::NotFound, format!("component '{id}' {why}")).with(Key::Component, id)
}

fn esrt_entry(id: &str) -> Result<esrt::Entry> {
    if id == "bios" {
        return esrt::system_firmware().ok_or_else(|| {
            not_found(
                id,
                "has no esrt system-firmware entry (capsule updates need uefi with an esrt)",
            )
        });
    }
    let guid = id.strip_prefix("esrt:").unwrap_or(id);
    esrt::find(guid)
        .ok_or_else(|| not_found(id, "is not in the esrt (/sys/firmware/efi/esrt/entries)"))
}

/// The target and method for `a`.
pub fn resolve(a: &UpdateArgs) -> Result<(Target, Method)> {
    let id = a.component.as_str();
    if a.method == Some(Method::Plugin) || a.plugin.is_some() {
        if a.method.is_some_and(|m| m != Method::Plugin) {
            return Err(IronError::usage("--plugin goes with --method plugin"));
        }
        return Ok((plugin_target(id, a.plugin.as_deref())?, Method::Plugin));
    }
    if id == "bios" || id.starts_with("esrt:") {
        let entry = esrt_entry(id)?;
        return Ok((Target::Esrt(entry), capsule_method(a)?));
    }
    if let Some(name) = id.strip_prefix("disk:") {
        return Ok((nvme_target(a, name)?, Method::Nvme));
    }
    if matches!(
        a.method,
        Some(Method::Nvme | Method::Capsule | Method::CapsuleOnDisk)
    ) {
        return Err(not_found(id, "is not an esrt entry or nvme disk"));
    }
    Ok((plugin_target(id, None)?, Method::Plugin))
}

/// The plug-in named by --plugin, or else the one that lists `id`.
fn plugin_target(id: &str, name: Option<&str>) -> Result<Target> {
    let (plugin, version) = match name {
        Some(n) => {
            let plugin = plugin::find(n)?;
            let version = plugin::owner(id)
                .filter(|(o, _)| o.name == n)
                .and_then(|(_, c)| c.version);
            (plugin, version)
        }
        None => {
            let (p, c) = plugin::owner(id)
                .ok_or_else(|| not_found(id, "is not listed by any ironbox-firmware-* plug-in"))?;
            (p, c.version)
        }
    };
    Ok(Target::Plugin { plugin, version })
}

/// Capsule by default; capsule-on-disk when there is no loader but an ESP was given.
fn capsule_method(a: &UpdateArgs) -> Result<Method> {
    match a.method {
        Some(m @ (Method::Capsule | Method::CapsuleOnDisk)) => Ok(m),
        Some(m) => Err(IronError::usage(format!(
            "method {} does not apply to {} (capsule or capsule-on-disk)",
            m.as_str(),
            a.component
        ))),
        None if !capsule::loader_present() && a.esp.is_some() => Ok(Method::CapsuleOnDisk),
        None => Ok(Method::Capsule),
    }
}

fn nvme_target(a: &UpdateArgs, name: &str) -> Result<Target> {
    let id = a.component.as_str();
    if a.method.is_some_and(|m| m != Method::Nvme) {
        return Err(IronError::usage(format!(
            "{id} is updated with --method nvme"
        )));
    }
    let ctrl = disk::nvme_controller(name).ok_or_else(|| {
        not_found(
            id,
            "is not an nvme namespace (only nvme disks take firmware in-band)",
        )
    })?;
    let version = sysfs::read_nonempty(format!("/sys/class/nvme/{ctrl}/firmware_rev"));
    Ok(Target::Nvme {
        disk: name.to_string(),
        ctrl,
        version,
    })
}
