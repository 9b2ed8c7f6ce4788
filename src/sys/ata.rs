//! ATA commands through SG_IO with the SCSI ATA PASS-THROUGH (16) CDB (SAT-4), with no hdparm.
//! Command encoding and response parsing are plain functions over bytes, unit-tested against
//! fixture data; SG_IO is one implementation of [`AtaTransport`].
//!
//! Layouts follow ACS-3/ACS-4: IDENTIFY DEVICE (ECh) words 10-19, 23-26, 27-46, 59, 82, 89, 90,
//! 128; the Security feature set (F1h-F6h); SANITIZE DEVICE (B4h).

use crate::le;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

pub const CMD_IDENTIFY: u8 = 0xec;
pub const CMD_SECURITY_SET_PASSWORD: u8 = 0xf1;
pub const CMD_SECURITY_UNLOCK: u8 = 0xf2;
pub const CMD_SECURITY_ERASE_PREPARE: u8 = 0xf3;
pub const CMD_SECURITY_ERASE_UNIT: u8 = 0xf4;
pub const CMD_SECURITY_DISABLE_PASSWORD: u8 = 0xf6;
pub const CMD_SANITIZE: u8 = 0xb4;

/// SANITIZE DEVICE subcommands (FEATURE field) and their LBA signatures.
pub const SANITIZE_STATUS_EXT: u16 = 0x0000;
pub const SANITIZE_CRYPTO_SCRAMBLE_EXT: u16 = 0x0011;
pub const SANITIZE_BLOCK_ERASE_EXT: u16 = 0x0012;
pub const SIG_CRYPTO: u64 = 0x4372_7970; // "Cryp"
pub const SIG_BLOCK: u64 = 0x426b_4572; // "BkEr"

/// Data phase of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    NonData,
    PioIn,
    PioOut,
}

/// One ATA command in taskfile terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtaCmd {
    pub command: u8,
    pub features: u16,
    pub count: u16,
    pub lba: u64,
    pub device: u8,
    pub protocol: Protocol,
    /// 48-bit (EXT) command.
    pub extend: bool,
    /// Ask for the result registers back (the ATA Return descriptor in the sense data).
    pub check_condition: bool,
    pub timeout_ms: u32,
}

/// The result registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AtaResult {
    pub status: u8,
    pub error: u8,
    pub count: u16,
    pub lba: u64,
}

impl AtaResult {
    /// ERR bit of the status register.
    pub fn failed(&self) -> bool {
        self.status & 0x01 != 0
    }
}

/// Sends ATA commands to one drive. The real one is [`SgIoTransport`]; tests use recorded data.
pub trait AtaTransport {
    fn command(&mut self, cmd: &AtaCmd, data: &mut [u8]) -> io::Result<AtaResult>;
}

// --- encoding ------------------------------------------------------------------------------

/// Builds the 16-byte ATA PASS-THROUGH (16) CDB for `cmd`; data transfers are in 512-byte
/// blocks counted by the COUNT field.
pub fn cdb16(cmd: &AtaCmd) -> [u8; 16] {
    let protocol: u8 = match cmd.protocol {
        Protocol::NonData => 3,
        Protocol::PioIn => 4,
        Protocol::PioOut => 5,
    };
    let mut b = [0u8; 16];
    b[0] = 0x85;
    b[1] = (protocol << 1) | cmd.extend as u8;
    // CK_COND (5), T_DIR (3: from device), BYT_BLOK (2: blocks), T_LENGTH (1:0 = 2: in COUNT).
    let mut b2 = (cmd.check_condition as u8) << 5;
    match cmd.protocol {
        Protocol::NonData => {}
        Protocol::PioIn => b2 |= 0x08 | 0x04 | 0x02,
        Protocol::PioOut => b2 |= 0x04 | 0x02,
    }
    b[2] = b2;
    b[3] = (cmd.features >> 8) as u8;
    b[4] = cmd.features as u8;
    b[5] = (cmd.count >> 8) as u8;
    b[6] = cmd.count as u8;
    b[7] = (cmd.lba >> 24) as u8;
    b[8] = cmd.lba as u8;
    b[9] = (cmd.lba >> 32) as u8;
    b[10] = (cmd.lba >> 8) as u8;
    b[11] = (cmd.lba >> 40) as u8;
    b[12] = (cmd.lba >> 16) as u8;
    b[13] = cmd.device;
    b[14] = cmd.command;
    b
}

fn pio_in(command: u8) -> AtaCmd {
    AtaCmd {
        command,
        features: 0,
        count: 1,
        lba: 0,
        device: 0,
        protocol: Protocol::PioIn,
        extend: false,
        check_condition: false,
        timeout_ms: 15_000,
    }
}

pub fn identify() -> AtaCmd {
    pio_in(CMD_IDENTIFY)
}

/// Which password a security command uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    User,
    Master,
}

/// The 512-byte data block of SET PASSWORD, UNLOCK, DISABLE PASSWORD and ERASE UNIT: word 0
/// holds the identifier (bit 0) and, for ERASE UNIT, the enhanced bit (bit 1); words 1-16 the
/// password, as its bytes in order (what hdparm sends).
pub fn password_block(who: Who, password: &[u8], enhanced: bool) -> [u8; 512] {
    let mut b = [0u8; 512];
    let mut w0: u16 = 0;
    if who == Who::Master {
        w0 |= 1;
    }
    if enhanced {
        w0 |= 2;
    }
    b[0..2].copy_from_slice(&w0.to_le_bytes());
    let n = password.len().min(32);
    b[2..2 + n].copy_from_slice(&password[..n]);
    b
}

pub fn security_pio_out(command: u8, timeout_ms: u32) -> AtaCmd {
    AtaCmd {
        protocol: Protocol::PioOut,
        timeout_ms,
        ..pio_in(command)
    }
}

pub fn security_erase_prepare() -> AtaCmd {
    AtaCmd {
        count: 0,
        protocol: Protocol::NonData,
        ..pio_in(CMD_SECURITY_ERASE_PREPARE)
    }
}

/// SANITIZE DEVICE (48-bit, non-data). For the status subcommand, CK_COND returns the result.
pub fn sanitize(subcommand: u16, signature: u64) -> AtaCmd {
    AtaCmd {
        command: CMD_SANITIZE,
        features: subcommand,
        count: 0,
        lba: signature,
        device: 0x40,
        protocol: Protocol::NonData,
        extend: true,
        check_condition: true,
        timeout_ms: 30_000,
    }
}

pub fn sanitize_status() -> AtaCmd {
    sanitize(SANITIZE_STATUS_EXT, 0)
}

// --- parsing -------------------------------------------------------------------------------

/// ATA strings are byte-swapped within each word.
fn ata_string(words: &[u8]) -> String {
    let mut s = Vec::with_capacity(words.len());
    for pair in words.chunks(2) {
        if pair.len() == 2 {
            s.push(pair[1]);
            s.push(pair[0]);
        }
    }
    String::from_utf8_lossy(&s)
        .trim_matches(|c: char| c == ' ' || c == '\0')
        .to_string()
}

/// IDENTIFY word `n`; one past the data reads as 0 (the feature it would announce is absent).
fn word(b: &[u8], n: usize) -> u16 {
    n.checked_mul(2).and_then(|at| le::u16(b, at)).unwrap_or(0)
}

/// An erase time from word 89/90 in seconds: bit 15 selects the extended format (14:0), else
/// 7:0; units of 2 minutes; 0 means "not given".
fn erase_time(w: u16) -> Option<u32> {
    let units = if w & 0x8000 != 0 {
        w & 0x7fff
    } else {
        w & 0x00ff
    };
    (units != 0).then_some(units as u32 * 120)
}

/// What IDENTIFY DEVICE says about erasing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct IdentifyInfo {
    pub model: String,
    pub serial: String,
    pub firmware: String,
    pub sectors: u64,
    pub security_supported: bool,
    pub security_enabled: bool,
    pub security_locked: bool,
    pub security_frozen: bool,
    pub security_count_expired: bool,
    pub enhanced_erase_supported: bool,
    pub erase_time_s: Option<u32>,
    pub enhanced_erase_time_s: Option<u32>,
    pub sanitize_supported: bool,
    pub sanitize_crypto: bool,
    pub sanitize_overwrite: bool,
    pub sanitize_block: bool,
    /// Word 255's checksum is present and correct (or absent).
    pub checksum_ok: bool,
}

pub fn parse_identify(b: &[u8]) -> io::Result<IdentifyInfo> {
    if b.len() < 512 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("identify data is {} bytes, not 512", b.len()),
        ));
    }
    let w82 = word(b, 82);
    let w128 = word(b, 128);
    let w59 = word(b, 59);
    let lba48 = word(b, 83) & (1 << 10) != 0;
    let sectors = if lba48 {
        (0..4).fold(0u64, |acc, i| acc | (word(b, 100 + i) as u64) << (16 * i))
    } else {
        word(b, 60) as u64 | (word(b, 61) as u64) << 16
    };
    let checksum_ok = b[510] != 0xa5 || b[..512].iter().fold(0u8, |a, x| a.wrapping_add(*x)) == 0;
    let valid = |w: u16| w != 0xffff;
    Ok(IdentifyInfo {
        serial: ata_string(&b[20..40]),
        firmware: ata_string(&b[46..54]),
        model: ata_string(&b[54..94]),
        sectors,
        security_supported: valid(w82) && w82 & 0x2 != 0 && w128 & 1 != 0,
        security_enabled: w128 & 0x2 != 0,
        security_locked: w128 & 0x4 != 0,
        security_frozen: w128 & 0x8 != 0,
        security_count_expired: w128 & 0x10 != 0,
        enhanced_erase_supported: w128 & 0x20 != 0,
        erase_time_s: erase_time(word(b, 89)),
        enhanced_erase_time_s: erase_time(word(b, 90)),
        sanitize_supported: w59 & (1 << 12) != 0,
        sanitize_crypto: w59 & (1 << 12) != 0 && w59 & (1 << 13) != 0,
        sanitize_overwrite: w59 & (1 << 12) != 0 && w59 & (1 << 14) != 0,
        sanitize_block: w59 & (1 << 12) != 0 && w59 & (1 << 15) != 0,
        checksum_ok,
    })
}

/// SANITIZE STATUS EXT output (COUNT and LBA registers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct SanitizeStatus {
    pub completed_ok: bool,
    pub in_progress: bool,
    pub frozen: bool,
    /// Progress as a fraction of 65536 while in progress.
    pub progress: u16,
}

pub fn parse_sanitize_status(r: &AtaResult) -> SanitizeStatus {
    SanitizeStatus {
        completed_ok: r.count & 0x8000 != 0,
        in_progress: r.count & 0x4000 != 0,
        frozen: r.count & 0x2000 != 0,
        progress: r.lba as u16,
    }
}

/// Pulls the result registers out of descriptor-format sense data (the ATA Return descriptor,
/// type 09h) or fixed-format sense (SAT's ATA PASS-THROUGH information, 70h/71h).
pub fn parse_sense(sense: &[u8]) -> Option<AtaResult> {
    let code = *sense.first()? & 0x7f;
    if code == 0x72 || code == 0x73 {
        let total = 8 + *sense.get(7)? as usize;
        let mut at = 8;
        while at + 2 <= total.min(sense.len()) {
            let (ty, len) = (sense[at], sense[at + 1] as usize);
            if ty == 0x09 && at + 14 <= sense.len() {
                let d = &sense[at..at + 14];
                let ext = d[2] & 1 != 0;
                let mut count = d[5] as u16;
                let mut lba = d[7] as u64 | (d[9] as u64) << 8 | (d[11] as u64) << 16;
                if ext {
                    count |= (d[4] as u16) << 8;
                    lba |= (d[6] as u64) << 24 | (d[8] as u64) << 32 | (d[10] as u64) << 40;
                }
                return Some(AtaResult {
                    error: d[3],
                    count,
                    lba,
                    status: d[13],
                });
            }
            at += 2 + len;
        }
        None
    } else if (code == 0x70 || code == 0x71) && sense.len() >= 18 {
        // Fixed format: INFORMATION = error, status, device, count(7:0); CSI = lba(23:0) &c.
        Some(AtaResult {
            error: sense[3],
            status: sense[4],
            count: sense[6] as u16,
            lba: sense[9] as u64 | (sense[10] as u64) << 8 | (sense[11] as u64) << 16,
        })
    } else {
        None
    }
}

// --- the real transport --------------------------------------------------------------------

/// sg_io_hdr_t (scsi/sg.h).
#[repr(C)]
struct SgIoHdr {
    interface_id: libc::c_int,
    dxfer_direction: libc::c_int,
    cmd_len: u8,
    mx_sb_len: u8,
    iovec_count: u16,
    dxfer_len: libc::c_uint,
    dxferp: *mut libc::c_void,
    cmdp: *mut u8,
    sbp: *mut u8,
    timeout: libc::c_uint,
    flags: libc::c_uint,
    pack_id: libc::c_int,
    usr_ptr: *mut libc::c_void,
    status: u8,
    masked_status: u8,
    msg_status: u8,
    sb_len_wr: u8,
    host_status: u16,
    driver_status: u16,
    resid: libc::c_int,
    duration: libc::c_uint,
    info: libc::c_uint,
}

const SG_DXFER_NONE: libc::c_int = -1;
const SG_DXFER_TO_DEV: libc::c_int = -2;
const SG_DXFER_FROM_DEV: libc::c_int = -3;
nix::ioctl_readwrite_bad!(sg_io, 0x2285, SgIoHdr);

/// ATA PASS-THROUGH (16) through SG_IO on a SCSI disk node (`/dev/sda`).
pub struct SgIoTransport<'a> {
    pub file: &'a File,
}

impl AtaTransport for SgIoTransport<'_> {
    fn command(&mut self, cmd: &AtaCmd, data: &mut [u8]) -> io::Result<AtaResult> {
        let mut cdb = cdb16(cmd);
        let mut sense = [0u8; 64];
        let (dir, len) = match cmd.protocol {
            Protocol::NonData => (SG_DXFER_NONE, 0),
            Protocol::PioIn => (SG_DXFER_FROM_DEV, data.len().min(cmd.count as usize * 512)),
            Protocol::PioOut => (SG_DXFER_TO_DEV, data.len().min(cmd.count as usize * 512)),
        };
        let mut hdr = SgIoHdr {
            interface_id: b'S' as libc::c_int,
            dxfer_direction: dir,
            cmd_len: 16,
            mx_sb_len: sense.len() as u8,
            iovec_count: 0,
            dxfer_len: len as libc::c_uint,
            dxferp: if len > 0 {
                data.as_mut_ptr() as *mut libc::c_void
            } else {
                std::ptr::null_mut()
            },
            cmdp: cdb.as_mut_ptr(),
            sbp: sense.as_mut_ptr(),
            timeout: cmd.timeout_ms,
            flags: 0,
            pack_id: 0,
            usr_ptr: std::ptr::null_mut(),
            status: 0,
            masked_status: 0,
            msg_status: 0,
            sb_len_wr: 0,
            host_status: 0,
            driver_status: 0,
            resid: 0,
            duration: 0,
            info: 0,
        };
        // SAFETY: `hdr` has the layout of sg_io_hdr_t; cmdp, sbp and dxferp point at live
        // buffers (`cdb`, `sense`, `data`) of the lengths given, all outliving the call.
        unsafe { sg_io(self.file.as_raw_fd(), &mut hdr) }
            .map_err(|e| io::Error::from_raw_os_error(e as i32))?;
        if hdr.host_status != 0 {
            return Err(io::Error::other(format!(
                "sg_io host status 0x{:x}",
                hdr.host_status
            )));
        }
        let written = (hdr.sb_len_wr as usize).min(sense.len());
        if let Some(r) = parse_sense(&sense[..written]) {
            return Ok(r);
        }
        if hdr.status != 0 {
            return Err(io::Error::other(format!(
                "scsi status 0x{:x} without ata result (not an ata device?)",
                hdr.status
            )));
        }
        Ok(AtaResult {
            status: 0x50, // DRDY | DSC: success without returned registers
            ..Default::default()
        })
    }
}

/// Runs a command and turns the ERR bit into an error naming the command.
pub fn run(t: &mut dyn AtaTransport, cmd: &AtaCmd, data: &mut [u8]) -> io::Result<AtaResult> {
    let r = t.command(cmd, data)?;
    if r.failed() {
        return Err(io::Error::other(format!(
            "ata command 0x{:02x} aborted (status 0x{:02x}, error 0x{:02x})",
            cmd.command, r.status, r.error
        )));
    }
    Ok(r)
}

pub fn read_identify(t: &mut dyn AtaTransport) -> io::Result<IdentifyInfo> {
    let mut buf = vec![0u8; 512];
    run(t, &identify(), &mut buf)?;
    if buf.iter().all(|b| *b == 0) {
        return Err(io::Error::other("identify device returned no data"));
    }
    parse_identify(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identify_cdb_matches_sat() {
        // What hdparm/sg_sat_identify send: protocol 4 (PIO in), T_DIR|BYT_BLOK|T_LENGTH=2.
        assert_eq!(
            cdb16(&identify()),
            [0x85, 0x08, 0x0e, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xec, 0]
        );
    }

    #[test]
    fn sanitize_crypto_cdb_carries_signature_and_ext() {
        let c = cdb16(&sanitize(SANITIZE_CRYPTO_SCRAMBLE_EXT, SIG_CRYPTO));
        assert_eq!(c[0], 0x85);
        assert_eq!(c[1], 0x07); // non-data, extend
        assert_eq!(c[2], 0x20); // ck_cond
        assert_eq!((c[3], c[4]), (0x00, 0x11));
        // "Cryp" = 0x43727970 spread over the LBA bytes (31:24 at 7, 7:0 at 8, 15:8 at 10, 23:16 at 12).
        assert_eq!((c[7], c[8], c[10], c[12]), (0x43, 0x70, 0x79, 0x72));
        assert_eq!(c[14], 0xb4);
    }

    #[test]
    fn password_block_layout() {
        let b = password_block(Who::User, b"ironbox", true);
        assert_eq!(&b[0..2], &[2, 0]);
        assert_eq!(&b[2..9], b"ironbox");
        assert!(b[9..].iter().all(|x| *x == 0));
        let c = cdb16(&security_pio_out(CMD_SECURITY_SET_PASSWORD, 1000));
        assert_eq!(&c[..7], &[0x85, 0x0a, 0x06, 0, 0, 0, 1]);
        assert_eq!(c[14], 0xf1);
    }

    #[test]
    fn parses_descriptor_sense_ata_return() {
        // Descriptor sense with an ATA Return descriptor: count 0x8000 (completed OK), LBA
        // progress 0xffff, status 0x50.
        let mut s = [0u8; 22];
        s[0] = 0x72;
        s[7] = 14;
        s[8] = 0x09;
        s[9] = 0x0c;
        s[10] = 1; // extend
        s[12] = 0x80; // count 15:8
        s[13] = 0x00;
        s[15] = 0xff; // lba 7:0
        s[17] = 0xff; // lba 15:8
        s[21] = 0x50;
        let r = parse_sense(&s).unwrap();
        assert_eq!(r.status, 0x50);
        let st = parse_sanitize_status(&r);
        assert!(st.completed_ok && !st.in_progress && !st.frozen);
        assert_eq!(st.progress, 0xffff);
    }

    #[test]
    fn sg_io_hdr_has_the_kernels_size() {
        assert_eq!(std::mem::size_of::<SgIoHdr>(), 88);
    }
}
