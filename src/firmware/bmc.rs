//! The BMC's firmware through IPMI Get Device ID over the kernel's IPMI device. Absent device
//! means no BMC (or ipmi_si/ipmi_devintf not loaded): the caller reports why, never a guess.

use super::component::Component;
use crate::sys::{ipmi, sysfs};
use std::time::Duration;

const DEVICES: &[&str] = &["/dev/ipmi0", "/dev/ipmi/0", "/dev/ipmidev/0"];

/// IPMI Get Device ID response (completion code first), decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceId {
    pub device_id: u8,
    pub device_revision: u8,
    pub firmware_revision: String,
    pub ipmi_version: String,
    pub manufacturer_id: u32,
    pub product_id: u16,
}

pub fn decode(resp: &[u8]) -> Result<DeviceId, String> {
    let cc = *resp.first().ok_or("empty response")?;
    if cc != 0 {
        return Err(format!("completion code {cc:#04x}"));
    }
    if resp.len() < 12 {
        return Err(format!("short response ({} bytes)", resp.len()));
    }
    Ok(DeviceId {
        device_id: resp[1],
        device_revision: resp[2] & 0x0f,
        // Major is binary (7 bits), minor is BCD: ipmitool prints "%u.%02x".
        firmware_revision: format!("{}.{:02x}", resp[3] & 0x7f, resp[4]),
        ipmi_version: format!("{}.{}", resp[5] & 0x0f, resp[5] >> 4),
        manufacturer_id: u32::from_le_bytes([resp[7], resp[8], resp[9] & 0x0f, 0]),
        product_id: u16::from_le_bytes([resp[10], resp[11]]),
    })
}

/// IANA enterprise numbers of common BMC vendors.
pub fn manufacturer_name(id: u32) -> Option<&'static str> {
    Some(match id {
        2 => "IBM",
        11 => "Hewlett Packard Enterprise",
        343 => "Intel",
        674 => "Dell",
        2011 => "Huawei",
        10876 => "Supermicro",
        19046 => "Lenovo",
        20974 => "American Megatrends",
        40981 => "Fujitsu",
        _ => return None,
    })
}

/// The `bmc` component, or Err(reason) when there is no IPMI device to ask.
pub fn read() -> Result<Component, String> {
    let Some(dev) = DEVICES.iter().find(|d| sysfs::exists(d)) else {
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
            c.version = Some(id.firmware_revision.clone());
            c.vendor = manufacturer_name(id.manufacturer_id).map(str::to_string);
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
        assert_eq!(id.firmware_revision, "3.30");
        assert_eq!(id.ipmi_version, "2.0");
        assert_eq!(id.manufacturer_id, 674);
        assert_eq!(id.product_id, 0x0100);
        assert_eq!(manufacturer_name(674), Some("Dell"));
        assert!(decode(&[0xc1]).is_err());
        assert!(decode(&[0x00, 1, 2]).is_err());
    }
}
