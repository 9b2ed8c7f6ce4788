//! Network interfaces' firmware through ethtool driver info (`ethtool -i`). Only interfaces
//! backed by a device (not lo, bridges, ifb) have firmware.

use super::component::Component;
use crate::sys::{ethtool, sysfs};

pub fn components() -> Vec<Component> {
    sysfs::list("/sys/class/net")
        .into_iter()
        .filter(|n| sysfs::exists(format!("/sys/class/net/{n}/device")))
        .map(|n| read(&n))
        .collect()
}

fn read(ifname: &str) -> Component {
    let base = format!("/sys/class/net/{ifname}/device");
    let mut c = Component::new(
        format!("nic:{ifname}"),
        "nic",
        "SIOCETHTOOL ETHTOOL_GDRVINFO",
    );
    c.name = Some(ifname.to_string());
    // The vendor as a PCI id when the device is on PCI (names need pci.ids, which a ramdisk
    // rarely carries).
    c.vendor = sysfs::read_nonempty(format!("{base}/vendor"));
    let sysfs_driver = sysfs::link_target(format!("{base}/driver"))
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    let sysfs_bus = sysfs::canonical(&base)
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    if sysfs::is_captured() {
        c.source = format!("/sys/class/net/{ifname}/device");
        return c
            .detail("driver", sysfs_driver)
            .detail("bus_info", sysfs_bus);
    }
    match ethtool::drvinfo(ifname) {
        Ok(info) => {
            c.version = info.firmware_version.clone();
            c.detail("driver", info.driver.or(sysfs_driver))
                .detail("driver_version", info.driver_version)
                .detail("expansion_rom_version", info.expansion_rom_version)
                .detail("bus_info", info.bus_info.or(sysfs_bus))
        }
        Err(e) => c
            .detail("driver", sysfs_driver)
            .detail("bus_info", sysfs_bus)
            .detail("error", format!("ethtool driver info: {e}")),
    }
}
