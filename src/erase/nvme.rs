//! NVMe erase procedures over an [`NvmeTransport`]: Format NVM with a secure erase setting per
//! namespace, and Sanitize with progress polled from the Sanitize Status log.

use crate::erase::method::Method;
use crate::interrupt;
use crate::progress::Progress;
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::nvme::{self, ControllerInfo, NamespaceInfo, NvmeTransport, SanitizeState};
use serde::Serialize;
use std::time::{Duration, Instant};

/// What the drive told us, for the plan and the certificate.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NvmeCaps {
    pub nsid: u32,
    pub controller: ControllerInfo,
    pub namespace: NamespaceInfo,
    pub sanitize_status: Option<nvme::SanitizeStatus>,
    /// Other namespaces of the same controller present in sysfs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub siblings: Vec<String>,
}

pub fn probe(t: &mut dyn NvmeTransport, nsid: u32) -> std::io::Result<NvmeCaps> {
    let controller = nvme::read_controller(t)?;
    let namespace = nvme::read_namespace(t, nsid)?;
    let sanitize_status = if controller.sanicap & 7 != 0 {
        nvme::read_sanitize_status(t).ok()
    } else {
        None
    };
    Ok(NvmeCaps {
        nsid,
        controller,
        namespace,
        sanitize_status,
        siblings: vec![],
    })
}

/// Whether the drive says it can do `m`, and the capability bit that says so.
pub fn supports(c: &NvmeCaps, m: Method) -> (bool, &'static str) {
    let ctrl = &c.controller;
    match m {
        Method::NvmeSanitizeCrypto => (ctrl.sanitize_crypto(), "SANICAP.CES"),
        Method::NvmeSanitizeBlock => (ctrl.sanitize_block(), "SANICAP.BES"),
        Method::NvmeSanitizeOverwrite => (ctrl.sanitize_overwrite(), "SANICAP.OWS"),
        Method::NvmeCryptoFormat => (ctrl.crypto_format_supported(), "OACS.FORMAT+FNA.CRYPTO"),
        Method::NvmeFormat => (ctrl.format_supported(), "OACS.FORMAT"),
        _ => (false, "not an nvme method"),
    }
}

/// The drive's own time estimate for a sanitize action, in seconds.
pub fn estimate_s(c: &NvmeCaps, m: Method) -> Option<u32> {
    let s = c.sanitize_status.as_ref()?;
    match m {
        Method::NvmeSanitizeCrypto => s.estimate_crypto_erase_s,
        Method::NvmeSanitizeBlock => s.estimate_block_erase_s,
        Method::NvmeSanitizeOverwrite => s.estimate_overwrite_s,
        _ => None,
    }
}

fn unsupported(m: Method, device: &str, bit: &str) -> IronError {
    IronError::new(
        Kind::Unsupported,
        format!("{device} does not support {} ({bit} is clear)", m.name()),
    )
    .with(Key::Device, device)
}

fn io_err(what: &str, device: &str, e: std::io::Error) -> IronError {
    IronError::new(Kind::Io, format!("{what} failed on {device}"))
        .with(Key::Device, device)
        .caused_by(e)
}

/// Whether `m` acts on every namespace of the controller: Sanitize always does, a format does
/// when FNA says so.
pub fn controller_wide(c: &NvmeCaps, m: Method) -> bool {
    match m {
        Method::NvmeSanitizeBlock | Method::NvmeSanitizeCrypto | Method::NvmeSanitizeOverwrite => {
            true
        }
        Method::NvmeFormat | Method::NvmeCryptoFormat => {
            c.controller.format_applies_to_all() || c.controller.secure_erase_applies_to_all()
        }
        _ => false,
    }
}

/// The other namespaces of the controller that `name` (`nvme0n1`) belongs to, from sysfs.
pub fn sibling_namespaces(name: &str) -> Vec<String> {
    let Some(ctrl_end) = name.get(4..).and_then(|r| r.find('n')).map(|i| i + 4) else {
        return vec![];
    };
    let prefix = &name[..=ctrl_end];
    crate::sys::sysfs::list("/sys/class/block")
        .into_iter()
        .filter(|n| n.starts_with(prefix) && n != name && !n[prefix.len()..].contains('p'))
        .collect()
}

/// Runs an NVMe method to completion. `poll` is the interval between Sanitize Status reads.
pub fn run(
    t: &mut dyn NvmeTransport,
    caps: &NvmeCaps,
    m: Method,
    device: &str,
    progress: &Progress,
    poll: Duration,
) -> Result<()> {
    let (ok, bit) = supports(caps, m);
    if !ok {
        return Err(unsupported(m, device, bit));
    }
    match m {
        Method::NvmeFormat | Method::NvmeCryptoFormat => {
            format(t, caps, m, device)?;
            progress.inc(1);
            Ok(())
        }
        Method::NvmeSanitizeBlock | Method::NvmeSanitizeCrypto | Method::NvmeSanitizeOverwrite => {
            let action = match m {
                Method::NvmeSanitizeBlock => nvme::SanitizeAction::BlockErase,
                Method::NvmeSanitizeCrypto => nvme::SanitizeAction::CryptoErase,
                _ => nvme::SanitizeAction::Overwrite,
            };
            nvme::run(t, &nvme::sanitize(action), &mut [])
                .map_err(|e| io_err(m.name(), device, e))?;
            wait_for_sanitize(t, device, progress, poll)
        }
        _ => Err(unsupported(m, device, "not an nvme method")),
    }
}

/// FORMAT NVM with user-data or crypto secure erase, keeping the namespace's LBA format.
fn format(t: &mut dyn NvmeTransport, caps: &NvmeCaps, m: Method, device: &str) -> Result<()> {
    let ses = if m == Method::NvmeCryptoFormat {
        nvme::SecureErase::Crypto
    } else {
        nvme::SecureErase::UserData
    };
    // A format applies to every namespace when FNA says so: then NSID must be all-FFh.
    let nsid = if caps.controller.format_applies_to_all()
        || caps.controller.secure_erase_applies_to_all()
    {
        nvme::NSID_ALL
    } else {
        caps.nsid
    };
    let cmd = nvme::format_nvm(
        nsid,
        caps.namespace.lbaf,
        caps.namespace.mset,
        ses,
        3_600_000,
    );
    nvme::run(t, &cmd, &mut []).map_err(|e| io_err(m.name(), device, e))?;
    Ok(())
}

/// Polls the sanitize status log until the sanitize ends, at most a week.
fn wait_for_sanitize(
    t: &mut dyn NvmeTransport,
    device: &str,
    progress: &Progress,
    poll: Duration,
) -> Result<()> {
    let started = Instant::now();
    loop {
        std::thread::sleep(poll);
        let st = nvme::read_sanitize_status(t).map_err(|e| io_err("sanitize status", device, e))?;
        match st.state {
            SanitizeState::InProgress => {
                progress.set((st.fraction() * 1000.0) as u64);
                // The sanitize continues in the drive whatever we do; an interrupt
                // only stops our waiting.
                interrupt::check()?;
                if started.elapsed() > Duration::from_secs(7 * 24 * 3600) {
                    return Err(IronError::new(
                        Kind::Io,
                        format!("sanitize on {device} still running after a week"),
                    ));
                }
            }
            SanitizeState::Completed | SanitizeState::CompletedNoDeallocate => {
                progress.set(1000);
                return Ok(());
            }
            SanitizeState::Failed => {
                return Err(IronError::new(
                    Kind::Io,
                    format!("sanitize failed on {device} (sanitize status log)"),
                )
                .with(Key::Device, device));
            }
            other => {
                return Err(IronError::new(
                    Kind::Io,
                    format!("sanitize on {device} ended in state {other:?}"),
                )
                .with(Key::Device, device));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Against the fixtures of tests/fixtures/erase (see make-fixtures.py there for their source).
    use super::*;
    use crate::erase::plan;
    use crate::sys::nvme::{AdminCmd, Completion};
    use std::collections::VecDeque;

    const QEMU: &[u8] = include_bytes!("../../tests/fixtures/erase/nvme-id-ctrl-qemu.bin");
    const DC: &[u8] = include_bytes!("../../tests/fixtures/erase/nvme-id-ctrl-sanitize.bin");
    const NS: &[u8] = include_bytes!("../../tests/fixtures/erase/nvme-id-ns-4k.bin");
    const RUNNING: &[u8] = include_bytes!("../../tests/fixtures/erase/nvme-sanitize-running.bin");
    const DONE: &[u8] = include_bytes!("../../tests/fixtures/erase/nvme-sanitize-done.bin");

    /// A drive that answers from fixtures and records every command.
    struct Fake {
        ctrl: &'static [u8],
        logs: VecDeque<&'static [u8]>,
        fail_opcode: Option<(u8, u16)>,
        sent: Vec<AdminCmd>,
    }

    impl Fake {
        fn new(ctrl: &'static [u8], logs: &[&'static [u8]]) -> Fake {
            Fake {
                ctrl,
                logs: logs.iter().copied().collect(),
                fail_opcode: None,
                sent: vec![],
            }
        }
    }

    impl NvmeTransport for Fake {
        fn admin(&mut self, cmd: &AdminCmd, data: &mut [u8]) -> std::io::Result<Completion> {
            self.sent.push(*cmd);
            if let Some((op, status)) = self.fail_opcode
                && op == cmd.opcode
            {
                return Ok(Completion { status, result: 0 });
            }
            let src: &[u8] = match (cmd.opcode, cmd.cdw10 & 0xff) {
                (nvme::OPC_IDENTIFY, 1) => self.ctrl,
                (nvme::OPC_IDENTIFY, 0) => NS,
                (nvme::OPC_GET_LOG_PAGE, 0x81) => {
                    if self.logs.len() > 1 {
                        self.logs.pop_front().unwrap()
                    } else {
                        self.logs[0]
                    }
                }
                _ => &[],
            };
            let n = src.len().min(data.len());
            data[..n].copy_from_slice(&src[..n]);
            Ok(Completion {
                status: 0,
                result: 0,
            })
        }
    }

    fn caps_of(n: NvmeCaps) -> plan::Caps {
        plan::Caps {
            nvme: Some(n),
            ata: None,
            block: crate::erase::blockops::caps("none"),
            notes: vec![],
        }
    }

    const QEMU_CAPTURED: &[u8] = include_bytes!("../../tests/fixtures/erase/qemu-nvme-id-ctrl.bin");
    const QEMU_NS: &[u8] = include_bytes!("../../tests/fixtures/erase/qemu-nvme-id-ns.bin");

    #[test]
    fn parses_identify_captured_from_qemu() {
        let c = nvme::parse_identify_controller(QEMU_CAPTURED).unwrap();
        assert_eq!(c.vid, 0x1b36);
        assert_eq!(c.serial, "ironbox-nvme0");
        assert_eq!(c.model, "QEMU NVMe Ctrl");
        assert_eq!(c.firmware, "7.2.22");
        assert_eq!(
            (c.oacs, c.fna, c.sanicap, c.namespaces),
            (0x010a, 0, 0, 256)
        );
        let ns = nvme::parse_identify_namespace(QEMU_NS).unwrap();
        // 64 MiB image, 512-byte LBA format 0.
        assert_eq!((ns.nsze, ns.lbaf, ns.block_size), (131_072, 0, 512));
        let caps = caps_of(NvmeCaps {
            nsid: 1,
            controller: c,
            namespace: ns,
            sanitize_status: None,
            siblings: vec![],
        });
        let chain = plan::auto_chain(&caps);
        assert_eq!(chain.methods, [Method::NvmeFormat, Method::Overwrite]);
        assert!(
            chain
                .why
                .iter()
                .any(|w| w.contains("nvme-sanitize-crypto not supported"))
        );
        // QEMU answers the Sanitize Status log with DNR + invalid field.
        assert!(nvme::status_text(0x4002).contains("invalid field"));
    }

    #[test]
    fn parses_fixtures() {
        let c = nvme::parse_identify_controller(DC).unwrap();
        assert_eq!(c.model, "FIXTURE NVMe DC 1.92TB");
        assert!(c.sanitize_crypto() && c.sanitize_block() && !c.sanitize_overwrite());
        assert!(c.crypto_format_supported());
        let q = nvme::parse_identify_controller(QEMU).unwrap();
        assert_eq!(q.vid, 0x1b36);
        assert!(q.format_supported() && !q.crypto_format_supported() && q.sanicap == 0);
        let ns = nvme::parse_identify_namespace(NS).unwrap();
        assert_eq!((ns.lbaf, ns.block_size, ns.mset), (1, 4096, false));
        assert_eq!(ns.nsze, 2 * 1024 * 1024);
        let s = nvme::parse_sanitize_status(RUNNING).unwrap();
        assert_eq!(s.state, SanitizeState::InProgress);
        assert_eq!(s.fraction(), 0.5);
        assert_eq!(
            (
                s.estimate_block_erase_s,
                s.estimate_crypto_erase_s,
                s.estimate_overwrite_s
            ),
            (Some(120), Some(10), None)
        );
        let d = nvme::parse_sanitize_status(DONE).unwrap();
        assert!(d.state == SanitizeState::Completed && d.global_data_erased);
    }

    #[test]
    fn auto_prefers_sanitize_crypto_then_block_then_formats() {
        let mut t = Fake::new(DC, &[DONE]);
        let caps = caps_of(probe(&mut t, 1).unwrap());
        let chain = plan::auto_chain(&caps);
        assert_eq!(
            chain.methods,
            [
                Method::NvmeSanitizeCrypto,
                Method::NvmeSanitizeBlock,
                Method::NvmeCryptoFormat,
                Method::NvmeFormat,
                Method::Overwrite
            ]
        );
        assert!(
            chain.why[1].contains("SANICAP=0x00000003"),
            "{:?}",
            chain.why
        );
        // The estimate comes from the drive's own Sanitize Status log.
        let (est, basis) = plan::estimate(Method::NvmeSanitizeCrypto, &caps, 1 << 40, 1, None);
        assert_eq!(est, Some(10.0));
        assert!(basis.contains("drive"));
        // QEMU's controller: format with user-data erase only.
        let mut q = Fake::new(QEMU, &[DONE]);
        let caps = caps_of(probe(&mut q, 1).unwrap());
        assert_eq!(
            plan::auto_chain(&caps).methods,
            [Method::NvmeFormat, Method::Overwrite]
        );
        // No sanitize capability: the log page is not even read.
        assert!(q.sent.iter().all(|c| c.opcode != nvme::OPC_GET_LOG_PAGE));
    }

    #[test]
    fn other_namespaces_keep_controller_wide_methods_out_of_auto() {
        let mut t = Fake::new(DC, &[DONE]);
        let mut n = probe(&mut t, 1).unwrap();
        n.siblings = vec!["nvme0n2".into()];
        assert!(controller_wide(&n, Method::NvmeSanitizeCrypto));
        assert!(!controller_wide(&n, Method::NvmeCryptoFormat));
        let chain = plan::auto_chain(&caps_of(n));
        assert_eq!(
            chain.methods,
            [
                Method::NvmeCryptoFormat,
                Method::NvmeFormat,
                Method::Overwrite
            ]
        );
    }

    #[test]
    fn sanitize_polls_the_log_until_done() {
        let mut t = Fake::new(DC, &[RUNNING, RUNNING, DONE]);
        let caps = probe(&mut t, 1).unwrap();
        t.sent.clear();
        let p = Progress::new(crate::progress::Phase::Sanitize, Some(1000));
        run(
            &mut t,
            &caps,
            Method::NvmeSanitizeCrypto,
            "/dev/nvme0n1",
            &p,
            Duration::ZERO,
        )
        .unwrap();
        assert_eq!(t.sent[0].opcode, nvme::OPC_SANITIZE);
        assert_eq!(t.sent[0].cdw10, 4);
        let polls = t
            .sent
            .iter()
            .filter(|c| c.opcode == nvme::OPC_GET_LOG_PAGE)
            .count();
        assert_eq!(polls, 2);
    }

    #[test]
    fn a_failed_sanitize_is_an_error() {
        let failed: &'static [u8] = Box::leak(Box::new({
            let mut b = [0u8; 512];
            b[2] = 3;
            b
        }));
        let mut t = Fake::new(DC, &[DONE]);
        let caps = probe(&mut t, 1).unwrap();
        t.logs = [failed].into_iter().collect();
        let p = Progress::new(crate::progress::Phase::Sanitize, Some(1000));
        let e = run(
            &mut t,
            &caps,
            Method::NvmeSanitizeBlock,
            "/dev/nvme0n1",
            &p,
            Duration::ZERO,
        )
        .unwrap_err();
        assert!(e.message.contains("sanitize failed"), "{e}");
    }

    #[test]
    fn format_keeps_the_lba_format_and_names_refusals() {
        let mut t = Fake::new(QEMU, &[DONE]);
        let caps = probe(&mut t, 1).unwrap();
        let p = Progress::new(crate::progress::Phase::Sanitize, Some(1));
        t.sent.clear();
        run(
            &mut t,
            &caps,
            Method::NvmeFormat,
            "/dev/nvme0n1",
            &p,
            Duration::ZERO,
        )
        .unwrap();
        let f = t.sent[0];
        assert_eq!(
            (f.opcode, f.nsid, f.cdw10),
            (nvme::OPC_FORMAT_NVM, 1, 0x201)
        );
        // Crypto format is not offered by this controller: refused before any command is sent.
        t.sent.clear();
        let e = run(
            &mut t,
            &caps,
            Method::NvmeCryptoFormat,
            "/dev/nvme0n1",
            &p,
            Duration::ZERO,
        )
        .unwrap_err();
        assert_eq!(e.kind, Kind::Unsupported);
        assert!(e.message.contains("FNA"), "{e}");
        assert!(t.sent.is_empty());
        // The drive rejecting the command names the NVMe status.
        t.fail_opcode = Some((nvme::OPC_FORMAT_NVM, 0x10a));
        let e = run(
            &mut t,
            &caps,
            Method::NvmeFormat,
            "/dev/nvme0n1",
            &p,
            Duration::ZERO,
        )
        .unwrap_err();
        assert!(e.to_string().contains("invalid format"), "{e}");
    }
}
