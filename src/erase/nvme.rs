//! NVMe erase procedures over an [`NvmeTransport`]: Format NVM with a secure erase setting per
//! namespace, and Sanitize with progress polled from the Sanitize Status log.

use crate::erase::method::Method;
use crate::interrupt;
use crate::progress::Progress;
use crate::report::{IronError, Kind, Result};
use crate::sys::nvme::{self, ControllerInfo, NamespaceInfo, NvmeTransport, SanitizeState};
use serde::Serialize;
use std::time::{Duration, Instant};

/// What the drive told us, for the plan and the certificate.
#[derive(Debug, Clone, Serialize)]
pub struct NvmeCaps {
    pub nsid: u32,
    pub controller: ControllerInfo,
    pub namespace: NamespaceInfo,
    pub sanitize_status: Option<nvme::SanitizeStatus>,
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
    .with("device", device)
}

fn io_err(what: &str, device: &str, e: std::io::Error) -> IronError {
    IronError::new(Kind::Io, format!("{what} failed on {device}"))
        .with("device", device)
        .caused_by(e)
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
            let started = Instant::now();
            loop {
                std::thread::sleep(poll);
                let st = nvme::read_sanitize_status(t)
                    .map_err(|e| io_err("sanitize status", device, e))?;
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
                        .with("device", device));
                    }
                    other => {
                        return Err(IronError::new(
                            Kind::Io,
                            format!("sanitize on {device} ended in state {other:?}"),
                        )
                        .with("device", device));
                    }
                }
            }
        }
        _ => Err(unsupported(m, device, "not an nvme method")),
    }
}
