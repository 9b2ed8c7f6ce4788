//! What `export` prints: one report type per subcommand, and the transport vocabulary shared
//! with `attach`/`detach`.

use super::{iscsi, nvme};
use schemars::JsonSchema;
use serde::Serialize;

/// The wire protocol of an export or attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    Iscsi,
    NvmeTcp,
}

/// `export iscsi`.
pub type IscsiReport = iscsi::Report;
/// `export nvme-tcp`.
pub type NvmeTcpReport = nvme::Report;

/// `export <subcommand>`: each subcommand's report, untagged (the documents carry no wrapper).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ExportReport {
    Iscsi(iscsi::Report),
    NvmeTcp(nvme::Report),
    List(ListReport),
    Stop(StopReport),
}

/// One export read back from configfs.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Listed {
    Iscsi(iscsi::Export),
    NvmeTcp(nvme::Export),
}

/// `export list`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListReport {
    pub exports: Vec<Listed>,
}

/// `export stop`: the names torn down (none when nothing matched: still a success).
#[derive(Debug, Serialize, JsonSchema)]
pub struct StopReport {
    pub stopped: Vec<String>,
}
