//! The BMC's firmware through IPMI Get Device ID over the kernel's IPMI device. Absent device
//! means no BMC (or ipmi_si/ipmi_devintf not loaded): the caller reports why, never a guess.

use super::component::Component;
use crate::sys::{ipmi, sysfs};
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

/// The `bmc` component, or Err(reason) when there is no IPMI device to ask.
pub fn read() -> Result<Component, String> {
    let Some(dev) = ipmi::DEVICES.iter().find(|d| sysfs::exists(d)) else {
        return Err(
            "no BMC: no /dev/ipmi0 (absent, or ipmi_si and ipmi_devintf not loaded)".into(),
        );
    };
    let mut c = Component::new("bmc", "bmc", format!("{dev} (IPMI Get Device ID)"));
    c.name = Some("baseboard management controller".into());
    if sysfs::is_captured() {
        // A captured tree has no driver behind the node to answer.
        return Ok(c.detail("error", "captured tree: the BMC cannot be asked"));
    }
    let answer = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(sysfs::path(dev))
        .map_err(|e| e.to_string())
        .and_then(|f| {
            ipmi::request(&f, 0x06, 0x01, &[], Duration::from_secs(2)).map_err(|e| e.to_string())
        })
        .and_then(|r| decode(&r));
    Ok(match answer {
        Ok(id) => {
            c.version = Some(id.firmware_version.clone());
            c.vendor = ipmi::manufacturer_name(id.manufacturer_id).map(str::to_string);
            c.detail("manufacturer_id", id.manufacturer_id)
                .detail("product_id", id.product_id)
                .detail("device_id", id.device_id)
                .detail("device_revision", id.device_revision)
                .detail("ipmi_version", id.ipmi_version)
        }
        Err(e) => c.detail("error", format!("get device id: {e}")),
    })
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
