//! One firmware component as `firmware list` reports it. Every list source builds these; the
//! fields are the report's contract.

use super::{Method, bios, bmc, disk, esrt, microcode, nic, plugin};
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Component {
    /// Stable id used by `update --component` (`bios`, `bmc`, `nic:eth0`, `disk:nvme0n1`,
    /// `esrt:<guid>`, `cpu-microcode`, or a plug-in's own).
    pub id: String,
    pub kind: ComponentKind,
    pub name: Option<String>,
    pub version: Option<String>,
    pub vendor: Option<String>,
    pub updatable: bool,
    /// How it can be updated (`capsule`, `nvme`, `plugin`), null when it cannot.
    pub method: Option<Method>,
    /// The kernel interface (or plug-in) this was read from.
    pub source: String,
    /// Kind-specific details (release date, bus address, ESRT fields, slot log...).
    #[serde(flatten)]
    pub details: Details,
}

/// What a component is; a plug-in may name kinds of its own (`raid-controller`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentKind {
    Bios,
    Bmc,
    Nic,
    Disk,
    Esrt,
    CpuMicrocode,
    Plugin,
    /// A plug-in's own kind, as it spelled it.
    #[serde(untagged)]
    Other(String),
}

/// The fields only one source knows, side by side with the common ones in the document.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Details {
    Bios(bios::BiosDetails),
    Bmc(bmc::BmcDetails),
    Nic(nic::NicDetails),
    Nvme(disk::NvmeDetails),
    Scsi(disk::ScsiDetails),
    Esrt(esrt::Entry),
    Microcode(microcode::MicrocodeDetails),
    Plugin(plugin::PluginDetails),
}

impl Component {
    pub fn new(
        id: impl Into<String>,
        kind: ComponentKind,
        source: impl Into<String>,
        details: Details,
    ) -> Component {
        Component {
            id: id.into(),
            kind,
            name: None,
            version: None,
            vendor: None,
            updatable: false,
            method: None,
            source: source.into(),
            details,
        }
    }

    pub fn updatable_by(mut self, method: Method) -> Component {
        self.updatable = true;
        self.method = Some(method);
        self
    }
}
