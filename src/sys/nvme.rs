//! NVMe admin commands through the kernel's passthrough ioctl (NVME_IOCTL_ADMIN_CMD), with no
//! nvme-cli. Command encoding and response parsing are plain functions over bytes so that they
//! are unit-tested against fixture data; the ioctl (sys::nvme_admin, shared with firmware) is one
//! implementation of [`NvmeTransport`].
//!
//! Layouts follow the NVM Express Base Specification 2.0: Identify Controller (CNS 01h),
//! Identify Namespace (CNS 00h), Get Log Page 81h (Sanitize Status), Format NVM (80h) and
//! Sanitize (84h).

use crate::le;
use crate::sys::nvme_admin;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

/// Admin opcodes.
pub const OPC_GET_LOG_PAGE: u8 = 0x02;
pub const OPC_IDENTIFY: u8 = 0x06;
pub const OPC_FORMAT_NVM: u8 = 0x80;
pub const OPC_SANITIZE: u8 = 0x84;

/// Log page identifier of the Sanitize Status log.
pub const LID_SANITIZE_STATUS: u8 = 0x81;
/// "All namespaces" / controller-scope NSID.
pub const NSID_ALL: u32 = 0xffff_ffff;

/// One admin command as the passthrough ioctl takes it; the data buffer is passed separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AdminCmd {
    pub opcode: u8,
    pub nsid: u32,
    pub cdw10: u32,
    pub cdw11: u32,
    pub cdw12: u32,
    pub cdw13: u32,
    pub cdw14: u32,
    pub cdw15: u32,
    /// Bytes the controller returns into the data buffer (0 for no data).
    pub data_len: u32,
    pub timeout_ms: u32,
}

/// What came back: the NVMe status field (0 = success) and completion dword 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    pub status: u16,
    pub result: u32,
}

/// Sends admin commands to one controller. The real one is [`IoctlTransport`]; tests use
/// recorded answers.
pub trait NvmeTransport {
    fn admin(&mut self, cmd: &AdminCmd, data: &mut [u8]) -> io::Result<Completion>;
}

// --- encoding ------------------------------------------------------------------------------

pub fn identify_controller() -> AdminCmd {
    AdminCmd {
        opcode: OPC_IDENTIFY,
        cdw10: 0x01,
        data_len: 4096,
        timeout_ms: 10_000,
        ..Default::default()
    }
}

pub fn identify_namespace(nsid: u32) -> AdminCmd {
    AdminCmd {
        opcode: OPC_IDENTIFY,
        nsid,
        cdw10: 0x00,
        data_len: 4096,
        timeout_ms: 10_000,
        ..Default::default()
    }
}

/// Get Log Page for the Sanitize Status log (512 bytes): NUMDL = dwords - 1 in bits 31:16.
pub fn sanitize_status_log() -> AdminCmd {
    let numd = 512 / 4 - 1;
    AdminCmd {
        opcode: OPC_GET_LOG_PAGE,
        nsid: NSID_ALL,
        cdw10: LID_SANITIZE_STATUS as u32 | (numd << 16),
        data_len: 512,
        timeout_ms: 10_000,
        ..Default::default()
    }
}

/// Secure Erase Settings of Format NVM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecureErase {
    UserData = 1,
    Crypto = 2,
}

/// Format NVM keeping the namespace's current LBA format (FLBAS) and metadata setting, with
/// the given secure erase setting. `lbaf` is the full format index (0..63).
pub fn format_nvm(nsid: u32, lbaf: u8, mset: bool, ses: SecureErase, timeout_ms: u32) -> AdminCmd {
    let cdw10 = (lbaf as u32 & 0x0f)
        | ((mset as u32) << 4)
        | ((ses as u32) << 9)
        | (((lbaf as u32 >> 4) & 0x03) << 12);
    AdminCmd {
        opcode: OPC_FORMAT_NVM,
        nsid,
        cdw10,
        timeout_ms,
        ..Default::default()
    }
}

/// Sanitize actions (SANACT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SanitizeAction {
    BlockErase = 2,
    Overwrite = 3,
    CryptoErase = 4,
}

/// Sanitize: AUSE=0 (a failed sanitize must be restarted, not silently exited), one overwrite
/// pass of zeroes for the overwrite action.
pub fn sanitize(action: SanitizeAction) -> AdminCmd {
    let mut cdw10 = action as u32;
    if action == SanitizeAction::Overwrite {
        cdw10 |= 1 << 4; // OWPASS = 1
    }
    AdminCmd {
        opcode: OPC_SANITIZE,
        nsid: 0,
        cdw10,
        cdw11: 0, // overwrite pattern
        timeout_ms: 60_000,
        ..Default::default()
    }
}

// --- parsing -------------------------------------------------------------------------------

/// A field the device's data is too short to hold: the data is refused, not indexed past.
fn field<T>(v: Option<T>) -> io::Result<T> {
    v.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "NVMe data shorter than its fields",
        )
    })
}
fn ascii(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .trim_matches(|c: char| c == ' ' || c == '\0')
        .to_string()
}

/// The parts of Identify Controller that choose an erase method.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct ControllerInfo {
    pub vid: u16,
    pub serial: String,
    pub model: String,
    pub firmware: String,
    /// Optional Admin Command Support.
    pub oacs: u16,
    /// Format NVM Attributes.
    pub fna: u8,
    /// Sanitize Capabilities.
    pub sanicap: u32,
    pub namespaces: u32,
}

impl ControllerInfo {
    pub fn format_supported(&self) -> bool {
        self.oacs & (1 << 1) != 0
    }
    /// FNA bit 0: a format applies to every namespace.
    pub fn format_applies_to_all(&self) -> bool {
        self.fna & 1 != 0
    }
    /// FNA bit 1: a secure erase applies to every namespace.
    pub fn secure_erase_applies_to_all(&self) -> bool {
        self.fna & 2 != 0
    }
    /// FNA bit 2: cryptographic erase is supported as a format secure erase setting.
    pub fn crypto_format_supported(&self) -> bool {
        self.format_supported() && self.fna & 4 != 0
    }
    pub fn sanitize_crypto(&self) -> bool {
        self.sanicap & 1 != 0
    }
    pub fn sanitize_block(&self) -> bool {
        self.sanicap & 2 != 0
    }
    pub fn sanitize_overwrite(&self) -> bool {
        self.sanicap & 4 != 0
    }
}

pub fn parse_identify_controller(b: &[u8]) -> io::Result<ControllerInfo> {
    if b.len() < 4096 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("identify controller data is {} bytes, not 4096", b.len()),
        ));
    }
    Ok(ControllerInfo {
        vid: field(le::u16(b, 0))?,
        serial: ascii(&b[4..24]),
        model: ascii(&b[24..64]),
        firmware: ascii(&b[64..72]),
        oacs: field(le::u16(b, 256))?,
        sanicap: field(le::u32(b, 328))?,
        namespaces: field(le::u32(b, 516))?,
        fna: b[524],
    })
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct NamespaceInfo {
    /// Namespace size in logical blocks.
    pub nsze: u64,
    /// Index of the LBA format in use (FLBAS bits 3:0 and 6:5).
    pub lbaf: u8,
    /// Metadata transferred at the end of the data LBA (FLBAS bit 4).
    pub mset: bool,
    /// Logical block size in bytes of the format in use.
    pub block_size: u32,
}

pub fn parse_identify_namespace(b: &[u8]) -> io::Result<NamespaceInfo> {
    if b.len() < 4096 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("identify namespace data is {} bytes, not 4096", b.len()),
        ));
    }
    let flbas = b[26];
    let lbaf = (flbas & 0x0f) | (((flbas >> 5) & 0x03) << 4);
    let lbads = b[128 + 4 * lbaf as usize + 2];
    Ok(NamespaceInfo {
        nsze: field(le::u64(b, 0))?,
        lbaf,
        mset: flbas & 0x10 != 0,
        block_size: if (9..=16).contains(&lbads) {
            1 << lbads
        } else {
            0
        },
    })
}

/// Sanitize Status (SSTAT bits 2:0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SanitizeState {
    NeverSanitized,
    Completed,
    InProgress,
    Failed,
    CompletedNoDeallocate,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct SanitizeStatus {
    /// Progress as a fraction of 65536 while in progress.
    pub progress: u16,
    pub state: SanitizeState,
    pub overwrite_passes_done: u8,
    pub global_data_erased: bool,
    /// The controller's own estimates in seconds (None when it gives none: FFFFFFFFh).
    pub estimate_overwrite_s: Option<u32>,
    pub estimate_block_erase_s: Option<u32>,
    pub estimate_crypto_erase_s: Option<u32>,
}

impl SanitizeStatus {
    pub fn fraction(&self) -> f64 {
        self.progress as f64 / 65536.0
    }
}

pub fn parse_sanitize_status(b: &[u8]) -> io::Result<SanitizeStatus> {
    if b.len() < 20 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "sanitize status log shorter than 20 bytes",
        ));
    }
    let sstat = field(le::u16(b, 2))?;
    let est = |at| le::u32(b, at).filter(|v| *v != u32::MAX);
    Ok(SanitizeStatus {
        progress: field(le::u16(b, 0))?,
        state: match sstat & 0x7 {
            0 => SanitizeState::NeverSanitized,
            1 => SanitizeState::Completed,
            2 => SanitizeState::InProgress,
            3 => SanitizeState::Failed,
            4 => SanitizeState::CompletedNoDeallocate,
            _ => SanitizeState::Unknown,
        },
        overwrite_passes_done: ((sstat >> 3) & 0x1f) as u8,
        global_data_erased: sstat & (1 << 8) != 0,
        estimate_overwrite_s: est(8),
        estimate_block_erase_s: est(12),
        estimate_crypto_erase_s: est(16),
    })
}

/// A readable name for common NVMe status codes (SCT in bits 10:8, SC in 7:0).
pub fn status_text(status: u16) -> String {
    let sct = (status >> 8) & 0x7;
    let sc = status & 0xff;
    let name = match (sct, sc) {
        (0, 0x01) => "invalid command opcode",
        (0, 0x02) => "invalid field in command",
        (0, 0x0b) => "invalid namespace or format",
        (0, 0x1d) => "sanitize failed",
        (0, 0x1e) => "sanitize in progress",
        (0, 0x20) => "namespace is write protected",
        (1, 0x0a) => "invalid format",
        (1, 0x15) => "namespace insufficient capacity",
        (1, 0x1a) => "format in progress",
        _ => "error",
    };
    format!("nvme status 0x{status:03x} ({name})")
}

// --- the real transport --------------------------------------------------------------------

nix::ioctl_none!(nvme_ioctl_id, b'N', 0x40);

/// Admin commands through NVME_IOCTL_ADMIN_CMD on a controller (`/dev/nvme0`) or namespace
/// (`/dev/nvme0n1`) node.
pub struct IoctlTransport<'a> {
    pub file: &'a File,
}

impl NvmeTransport for IoctlTransport<'_> {
    fn admin(&mut self, cmd: &AdminCmd, data: &mut [u8]) -> io::Result<Completion> {
        let len = (cmd.data_len as usize).min(data.len());
        let mut raw = nvme_admin::PassthruCmd {
            opcode: cmd.opcode,
            nsid: cmd.nsid,
            cdw10: cmd.cdw10,
            cdw11: cmd.cdw11,
            cdw12: cmd.cdw12,
            cdw13: cmd.cdw13,
            cdw14: cmd.cdw14,
            cdw15: cmd.cdw15,
            timeout_ms: cmd.timeout_ms,
            ..Default::default()
        };
        let buf = (len > 0).then(|| &mut data[..len]);
        let status = nvme_admin::admin_command(self.file, &mut raw, buf)?;
        Ok(Completion {
            status: status as u16,
            result: raw.result,
        })
    }
}

/// The namespace ID of an NVMe namespace block device.
pub fn namespace_id(file: &File) -> io::Result<u32> {
    // SAFETY: NVME_IOCTL_ID takes no argument and returns the NSID; the fd is live.
    let id = unsafe { nvme_ioctl_id(file.as_raw_fd()) }
        .map_err(|e| io::Error::from_raw_os_error(e as i32))?;
    Ok(id as u32)
}

/// Runs one command and turns a non-zero NVMe status into an error.
pub fn run(t: &mut dyn NvmeTransport, cmd: &AdminCmd, data: &mut [u8]) -> io::Result<u32> {
    let c = t.admin(cmd, data)?;
    if c.status != 0 {
        return Err(io::Error::other(status_text(c.status)));
    }
    Ok(c.result)
}

pub fn read_controller(t: &mut dyn NvmeTransport) -> io::Result<ControllerInfo> {
    let mut buf = vec![0u8; 4096];
    run(t, &identify_controller(), &mut buf)?;
    parse_identify_controller(&buf)
}

pub fn read_namespace(t: &mut dyn NvmeTransport, nsid: u32) -> io::Result<NamespaceInfo> {
    let mut buf = vec![0u8; 4096];
    run(t, &identify_namespace(nsid), &mut buf)?;
    parse_identify_namespace(&buf)
}

pub fn read_sanitize_status(t: &mut dyn NvmeTransport) -> io::Result<SanitizeStatus> {
    let mut buf = vec![0u8; 512];
    run(t, &sanitize_status_log(), &mut buf)?;
    parse_sanitize_status(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_commands() {
        let c = identify_controller();
        assert_eq!((c.opcode, c.cdw10, c.data_len), (0x06, 1, 4096));
        let c = identify_namespace(1);
        assert_eq!((c.opcode, c.nsid, c.cdw10), (0x06, 1, 0));
        let c = sanitize_status_log();
        assert_eq!(c.cdw10, 0x007f_0081);
        assert_eq!(c.data_len, 512);
        // LBAF 0, SES 1 (user data) → 0x200; LBAF 1 with MSET, SES 2 (crypto) → 0x411.
        assert_eq!(
            format_nvm(1, 0, false, SecureErase::UserData, 0).cdw10,
            0x200
        );
        assert_eq!(format_nvm(1, 1, true, SecureErase::Crypto, 0).cdw10, 0x411);
        // LBAF 17 puts the upper bits in 13:12.
        assert_eq!(
            format_nvm(1, 17, false, SecureErase::UserData, 0).cdw10,
            0x1201
        );
        assert_eq!(sanitize(SanitizeAction::CryptoErase).cdw10, 4);
        assert_eq!(sanitize(SanitizeAction::BlockErase).cdw10, 2);
        assert_eq!(sanitize(SanitizeAction::Overwrite).cdw10, 0x13);
    }

    #[test]
    fn parses_status_codes() {
        assert!(status_text(0x2).contains("invalid field"));
        assert!(status_text(0x10a).contains("invalid format"));
    }
}
