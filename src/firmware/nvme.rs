//! NVMe firmware update: Firmware Image Download (opcode 0x11) in dword-aligned chunks, then
//! Firmware Commit (opcode 0x10) with "replace and activate at next reset"; and the Firmware
//! Slot Information log (log page 0x03). Encoding goes through the `Admin` transport trait so
//! it is tested without a controller; the real transport is the admin passthrough ioctl.

use crate::report::{IronError, Key, Kind, Result};
use crate::sys::nvme_admin::{self, PassthruCmd};

pub const OPC_GET_LOG_PAGE: u8 = 0x02;
pub const OPC_FW_COMMIT: u8 = 0x10;
pub const OPC_FW_DOWNLOAD: u8 = 0x11;
pub const LID_FW_SLOT: u32 = 0x03;
/// Commit action 1: replace the image in the slot and activate it at the next reset.
pub const CA_REPLACE_ACTIVATE_AT_RESET: u32 = 1;
/// Download chunk size when the controller states no granularity (FWUG 0): 4 KiB, a size
/// every controller takes.
pub const DEFAULT_CHUNK: usize = 4096;

/// An admin command as the transport sees it: opcode, nsid, cdw10..15 and the data buffer.
pub trait Admin {
    /// Runs the command; returns the NVMe status (0 = success) and completion dword 0.
    fn admin(&mut self, cmd: &mut PassthruCmd, data: Option<&mut [u8]>) -> std::io::Result<u32>;
}

/// The real transport: the admin passthrough ioctl on /dev/nvmeN.
pub struct Ioctl(pub std::fs::File);

impl Admin for Ioctl {
    fn admin(&mut self, cmd: &mut PassthruCmd, data: Option<&mut [u8]>) -> std::io::Result<u32> {
        nvme_admin::admin_command(&self.0, cmd, data)
    }
}

fn check(op: &str, res: std::io::Result<u32>) -> Result<()> {
    match res {
        Ok(0) => Ok(()),
        Ok(status) => Err(IronError::new(
            Kind::External,
            format!(
                "nvme {op} failed with status {status:#x} ({})",
                status_name(status)
            ),
        )
        .with(Key::NvmeStatus, status)),
        Err(e) => Err(IronError::io(format!("nvme {op}"), e)),
    }
}

/// Names of the command-specific statuses a firmware update can meet (SCT 1).
pub fn status_name(status: u32) -> &'static str {
    match status & 0x7ff {
        0x106 => "invalid firmware slot",
        0x107 => "invalid firmware image",
        0x10b => "firmware activation requires conventional reset",
        0x110 => "firmware activation requires nvm subsystem reset",
        0x111 => "firmware activation requires controller level reset",
        0x112 => "firmware activation requires maximum time violation",
        0x113 => "firmware activation prohibited",
        0x114 => "overlapping range",
        0x002 => "invalid field in command",
        _ => "see the nvme specification",
    }
}

/// The download commands for `image`, in order: (cdw10 = NUMD zero-based dword count,
/// cdw11 = dword offset, byte range).
pub fn download_plan(len: usize, chunk: usize) -> Vec<(u32, u32, std::ops::Range<usize>)> {
    let chunk = chunk.max(4) / 4 * 4;
    (0..len)
        .step_by(chunk)
        .map(|off| {
            let end = (off + chunk).min(len);
            let dwords = (end - off).div_ceil(4) as u32;
            (dwords - 1, (off / 4) as u32, off..end)
        })
        .collect()
}

/// Firmware Commit cdw10: FS (slot, 0 = controller chooses) in bits 2:0, CA in bits 5:3.
pub fn commit_cdw10(slot: u8, action: u32) -> u32 {
    (u32::from(slot) & 0x7) | ((action & 0x7) << 3)
}

/// Downloads `image` and commits it to `slot` for activation at the next reset. Images whose
/// length is not a multiple of 4 are padded with zeros (the download unit is a dword).
pub fn download_and_commit(t: &mut dyn Admin, image: &[u8], slot: u8, chunk: usize) -> Result<u32> {
    let progress =
        crate::progress::Progress::new(crate::progress::Phase::Write, Some(image.len() as u64))
            .method("firmware-download");
    for (numd, ofst, range) in download_plan(image.len(), chunk) {
        crate::interrupt::check()?;
        progress.inc(range.len() as u64);
        let mut buf = image[range].to_vec();
        buf.resize(((numd + 1) * 4) as usize, 0);
        let mut cmd = PassthruCmd {
            opcode: OPC_FW_DOWNLOAD,
            cdw10: numd,
            cdw11: ofst,
            timeout_ms: 60_000,
            ..Default::default()
        };
        check("firmware image download", t.admin(&mut cmd, Some(&mut buf)))?;
    }
    progress.finish();
    let mut cmd = PassthruCmd {
        opcode: OPC_FW_COMMIT,
        cdw10: commit_cdw10(slot, CA_REPLACE_ACTIVATE_AT_RESET),
        timeout_ms: 120_000,
        ..Default::default()
    };
    let res = t.admin(&mut cmd, None);
    // "Requires reset" statuses mean the image was committed and waits for the reset we ask for.
    match res {
        Ok(s) if matches!(s & 0x7ff, 0x10b | 0x110 | 0x111) => Ok(s),
        other => check("firmware commit", other).map(|_| 0),
    }
}

/// Firmware Slot Information (log page 0x03).
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct SlotLog {
    pub active_slot: u8,
    /// Slot activated at the next reset, when one is pending.
    pub next_reset_slot: Option<u8>,
    /// Revisions of slots 1..7 (null when empty).
    pub slots: Vec<Option<String>>,
}

pub fn parse_slot_log(page: &[u8]) -> Option<SlotLog> {
    if page.len() < 64 {
        return None;
    }
    let afi = page[0];
    let next = (afi >> 4) & 0x7;
    let slots = (0..7)
        .map(|i| {
            let b = &page[8 + i * 8..16 + i * 8];
            let s = String::from_utf8_lossy(b)
                .trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .to_string();
            (!s.is_empty()).then_some(s)
        })
        .collect();
    Some(SlotLog {
        active_slot: afi & 0x7,
        next_reset_slot: (next != 0).then_some(next),
        slots,
    })
}

pub fn read_slot_log(t: &mut dyn Admin) -> Result<SlotLog> {
    let mut page = vec![0u8; 512];
    let numd = (page.len() / 4 - 1) as u32;
    let mut cmd = PassthruCmd {
        opcode: OPC_GET_LOG_PAGE,
        nsid: 0xffff_ffff,
        cdw10: LID_FW_SLOT | ((numd & 0xffff) << 16),
        timeout_ms: 5_000,
        ..Default::default()
    };
    check(
        "get log page (firmware slot)",
        t.admin(&mut cmd, Some(&mut page)),
    )?;
    parse_slot_log(&page).ok_or_else(|| IronError::new(Kind::External, "short firmware slot log"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records every command and the bytes it carried.
    #[derive(Default)]
    struct Recorder {
        cmds: Vec<(PassthruCmd, Vec<u8>)>,
        commit_status: u32,
    }

    impl Admin for Recorder {
        fn admin(
            &mut self,
            cmd: &mut PassthruCmd,
            data: Option<&mut [u8]>,
        ) -> std::io::Result<u32> {
            let bytes = data.map(|d| d.to_vec()).unwrap_or_default();
            self.cmds.push((*cmd, bytes));
            Ok(if cmd.opcode == OPC_FW_COMMIT {
                self.commit_status
            } else {
                0
            })
        }
    }

    #[test]
    fn download_is_chunked_in_dwords_then_committed() {
        let image: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        let mut t = Recorder::default();
        download_and_commit(&mut t, &image, 2, 4096).unwrap();
        assert_eq!(t.cmds.len(), 4);
        let (c0, d0) = &t.cmds[0];
        assert_eq!(c0.opcode, 0x11);
        assert_eq!(c0.cdw10, 1023); // 4096 bytes = 1024 dwords, zero-based
        assert_eq!(c0.cdw11, 0);
        assert_eq!(d0[..], image[..4096]);
        let (c1, _) = &t.cmds[1];
        assert_eq!(c1.cdw11, 1024); // offset in dwords
        let (c2, d2) = &t.cmds[2];
        assert_eq!(c2.cdw11, 2048);
        assert_eq!(c2.cdw10, 451); // the 1808-byte tail = 452 dwords
        assert_eq!(d2.len(), 1808);
        assert_eq!(d2[..1808], image[8192..]);
        let (commit, d3) = &t.cmds[3];
        assert_eq!(commit.opcode, 0x10);
        assert_eq!(commit.cdw10, 2 | (1 << 3));
        assert!(d3.is_empty());
    }

    #[test]
    fn commit_reset_statuses_count_as_committed() {
        let mut t = Recorder {
            commit_status: 0x10b,
            ..Default::default()
        };
        assert_eq!(
            download_and_commit(&mut t, &[1, 2, 3, 4], 0, 4096).unwrap(),
            0x10b
        );
        let mut t = Recorder {
            commit_status: 0x107,
            ..Default::default()
        };
        let e = download_and_commit(&mut t, &[1, 2, 3, 4], 0, 4096).unwrap_err();
        assert!(e.message.contains("invalid firmware image"), "{e}");
    }

    #[test]
    fn slot_log_is_decoded() {
        let mut page = vec![0u8; 512];
        page[0] = 0x21; // active slot 1, slot 2 at next reset
        page[8..16].copy_from_slice(b"1.0.0   ");
        page[16..24].copy_from_slice(b"1.1.0   ");
        let log = parse_slot_log(&page).unwrap();
        assert_eq!(log.active_slot, 1);
        assert_eq!(log.next_reset_slot, Some(2));
        assert_eq!(log.slots[0].as_deref(), Some("1.0.0"));
        assert_eq!(log.slots[1].as_deref(), Some("1.1.0"));
        assert_eq!(log.slots[2], None);
        let mut t = Recorder::default();
        let _ = read_slot_log(&mut t);
        let (c, d) = &t.cmds[0];
        assert_eq!(c.opcode, 0x02);
        assert_eq!(c.nsid, 0xffff_ffff);
        assert_eq!(c.cdw10, 0x03 | (127 << 16));
        assert_eq!(d.len(), 512);
    }
}

pub const OPC_IDENTIFY: u8 = 0x06;

/// What a firmware update needs from Identify Controller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FwCaps {
    /// FRMW bits 3:1: number of firmware slots.
    pub slots: u8,
    /// FRMW bit 0: slot 1 is read-only.
    pub slot1_read_only: bool,
    /// Download chunk size honouring FWUG (byte 319, units of 4 KiB; 0 and 0xff: no constraint).
    pub chunk: usize,
}

pub fn parse_identify(id: &[u8]) -> Option<FwCaps> {
    let frmw = *id.get(260)?;
    let fwug = *id.get(319)?;
    Some(FwCaps {
        slots: (frmw >> 1) & 0x7,
        slot1_read_only: frmw & 1 != 0,
        chunk: match fwug {
            0 | 0xff => DEFAULT_CHUNK,
            n => usize::from(n) * 4096,
        },
    })
}

pub fn identify_controller(t: &mut dyn Admin) -> Result<FwCaps> {
    let mut id = vec![0u8; 4096];
    let mut cmd = PassthruCmd {
        opcode: OPC_IDENTIFY,
        cdw10: 1,
        timeout_ms: 5_000,
        ..Default::default()
    };
    check("identify controller", t.admin(&mut cmd, Some(&mut id)))?;
    parse_identify(&id).ok_or_else(|| IronError::new(Kind::External, "short identify data"))
}
