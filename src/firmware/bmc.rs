//! The BMC's firmware through IPMI Get Device ID over the kernel's IPMI device. Absent device
//! means no BMC (or ipmi_si/ipmi_devintf not loaded): the caller reports why, never a guess.

use super::component::{Component, ComponentKind, Details};
use crate::sys::{ipmi, sysfs};
use schemars::JsonSchema;
use serde::Serialize;
use std::time::Duration;

/// Decodes a Get Device ID response that still starts with its completion code.
pub fn decode(resp: &[u8]) -> Result<ipmi::DeviceId, String> {
    let cc = *resp.first().ok_or("empty response")?;
    if cc != 0 {
        return Err(format!("completion code {cc:#04x}"));
    }
    ipmi::parse_device_id(&resp[1..])
        .ok_or_else(|| format!("short response ({} bytes)", resp.len()))
}

/// What Get Device ID told, or why the BMC could not be asked.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum BmcDetails {
    Answered {
        manufacturer_id: u32,
        product_id: u16,
        device_id: u8,
        device_revision: u8,
        ipmi_version: String,
    },
    Unanswered {
        error: String,
    },
}

/// The `bmc` component, or Err(reason) when there is no IPMI device to ask.
pub fn read() -> Result<Component, String> {
    let Some(dev) = ipmi::DEVICES.iter().find(|d| sysfs::exists(d)) else {
        return Err(
            "no BMC: no /dev/ipmi0 (absent, or ipmi_si and ipmi_devintf not loaded)".into(),
        );
    };
    let answer = if sysfs::is_captured() {
        // A captured tree has no driver behind the node to answer.
        Err("captured tree: the BMC cannot be asked".to_string())
    } else {
        ask(dev).map_err(|e| format!("get device id: {e}"))
    };
    let (details, version, vendor) = match answer {
        Ok(id) => (
            BmcDetails::Answered {
                manufacturer_id: id.manufacturer_id,
                product_id: id.product_id,
                device_id: id.device_id,
                device_revision: id.device_revision,
                ipmi_version: id.ipmi_version,
            },
            Some(id.firmware_version),
            ipmi::manufacturer_name(id.manufacturer_id).map(str::to_string),
        ),
        Err(error) => (BmcDetails::Unanswered { error }, None, None),
    };
    let source = format!("{dev} (IPMI Get Device ID)");
    let mut c = Component::new("bmc", ComponentKind::Bmc, source, Details::Bmc(details));
    c.name = Some("baseboard management controller".into());
    c.version = version;
    c.vendor = vendor;
    Ok(c)
}

/// Get Device ID through the kernel's IPMI device node.
fn ask(dev: &str) -> Result<ipmi::DeviceId, String> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(sysfs::path(dev))
        .map_err(|e| e.to_string())?;
    let r =
        ipmi::request(&f, 0x06, 0x01, &[], Duration::from_secs(2)).map_err(|e| e.to_string())?;
    decode(&r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_get_device_id() {
        // A Dell iDRAC-like answer: fw 3.30 (BCD 0x30), IPMI 2.0, manufacturer 674.
        let r = [
            0x00, 0x20, 0x81, 0x03, 0x30, 0x02, 0xbf, 0xa2, 0x02, 0x00, 0x00, 0x01, 0, 0, 0, 0,
        ];
        let id = decode(&r).unwrap();
        assert_eq!(id.firmware_version, "3.30");
        assert_eq!(id.ipmi_version, "2.0");
        assert_eq!(id.manufacturer_id, 674);
        assert_eq!(id.product_id, 0x0100);
        assert!(decode(&[0xc1]).is_err());
        assert!(decode(&[0x00, 1, 2]).is_err());
    }
}
