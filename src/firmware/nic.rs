//! Network interfaces' firmware through ethtool driver info (`ethtool -i`). Only interfaces
//! backed by a device (not lo, bridges, ifb) have firmware.

use super::component::{Component, ComponentKind, Details};
use crate::sys::{ethtool, sysfs};
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NicDetails {
    pub driver: Option<String>,
    pub bus_info: Option<String>,
    /// What ethtool said; absent in a captured tree, which has no driver to ask.
    #[serde(flatten)]
    pub ethtool: Option<Drvinfo>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Drvinfo {
    Read {
        driver_version: Option<String>,
        expansion_rom_version: Option<String>,
    },
    Failed {
        error: String,
    },
}

pub fn components() -> Vec<Component> {
    sysfs::list("/sys/class/net")
        .into_iter()
        .filter(|n| sysfs::exists(format!("/sys/class/net/{n}/device")))
        .map(|n| read(&n))
        .collect()
}

fn read(ifname: &str) -> Component {
    let base = format!("/sys/class/net/{ifname}/device");
    let name = |p: std::path::PathBuf| p.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut details = NicDetails {
        driver: sysfs::link_target(format!("{base}/driver")).and_then(name),
        bus_info: sysfs::canonical(&base).and_then(name),
        ethtool: None,
    };
    let mut source = "SIOCETHTOOL ETHTOOL_GDRVINFO".to_string();
    let mut version = None;
    if sysfs::is_captured() {
        source = base.clone();
    } else {
        match ethtool::drvinfo(ifname) {
            Ok(info) => {
                version = info.firmware_version;
                details.driver = info.driver.or(details.driver);
                details.bus_info = info.bus_info.or(details.bus_info);
                details.ethtool = Some(Drvinfo::Read {
                    driver_version: info.driver_version,
                    expansion_rom_version: info.expansion_rom_version,
                });
            }
            Err(e) => {
                details.ethtool = Some(Drvinfo::Failed {
                    error: format!("ethtool driver info: {e}"),
                })
            }
        }
    }
    let mut c = Component::new(
        format!("nic:{ifname}"),
        ComponentKind::Nic,
        source,
        Details::Nic(details),
    );
    c.name = Some(ifname.to_string());
    // The vendor as a PCI id when the device is on PCI (names need pci.ids, which a ramdisk
    // rarely carries).
    c.vendor = sysfs::read_nonempty(format!("{base}/vendor"));
    c.version = version;
    c
}
