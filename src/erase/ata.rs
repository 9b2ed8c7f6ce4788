//! ATA erase procedures over an [`AtaTransport`]: the Security feature set (a temporary user
//! password, ERASE PREPARE + ERASE UNIT, and on any failure unlock + disable so the drive is
//! never left locked) and SANITIZE with status polling. A frozen drive is reported as `frozen`
//! with the standard remedy.

use crate::erase::method::Method;
use crate::interrupt;
use crate::progress::Progress;
use crate::report::{IronError, Kind, Result};
use crate::sys::ata::{self, AtaTransport, IdentifyInfo, Who};
use std::time::Duration;

/// The temporary password set for the erase (removed by the erase itself or by our cleanup).
pub const TEMP_PASSWORD: &[u8] = b"ironbox-erase";

pub const FROZEN_HINT: &str = "the BIOS froze the drive's security state: suspend and resume the machine (rtcwake -m mem -s 10) or hot-plug the drive, then retry";

pub fn supports(id: &IdentifyInfo, m: Method) -> (bool, &'static str) {
    match m {
        Method::AtaSanitizeCrypto => (id.sanitize_crypto, "word 59 bit 13 (crypto scramble)"),
        Method::AtaSanitizeBlock => (id.sanitize_block, "word 59 bit 15 (block erase)"),
        Method::AtaEnhancedSecureErase => (
            id.security_supported && id.enhanced_erase_supported,
            "word 128 bit 5 (enhanced erase)",
        ),
        Method::AtaSecureErase => (id.security_supported, "word 128 bit 0 (security)"),
        _ => (false, "not an ata method"),
    }
}

/// Why a supported security erase cannot run now, if it cannot.
pub fn blocked(id: &IdentifyInfo, m: Method) -> Option<&'static str> {
    let security = matches!(m, Method::AtaSecureErase | Method::AtaEnhancedSecureErase);
    if !security {
        return None;
    }
    if id.security_frozen {
        Some("frozen")
    } else if id.security_locked {
        Some("locked")
    } else if id.security_enabled {
        Some("security enabled with an unknown password")
    } else if id.security_count_expired {
        Some("password attempt counter expired")
    } else {
        None
    }
}

pub fn estimate_s(id: &IdentifyInfo, m: Method) -> Option<u32> {
    match m {
        Method::AtaSecureErase => id.erase_time_s,
        Method::AtaEnhancedSecureErase => id.enhanced_erase_time_s,
        _ => None,
    }
}

fn err(kind: Kind, msg: String, device: &str) -> IronError {
    IronError::new(kind, msg).with("device", device)
}

pub fn run(
    t: &mut dyn AtaTransport,
    id: &IdentifyInfo,
    m: Method,
    device: &str,
    progress: &Progress,
    poll: Duration,
) -> Result<()> {
    let (ok, bit) = supports(id, m);
    if !ok {
        return Err(err(
            Kind::Unsupported,
            format!("{device} does not support {} ({bit} is clear)", m.name()),
            device,
        ));
    }
    if let Some(why) = blocked(id, m) {
        let kind = if why == "frozen" {
            Kind::Frozen
        } else {
            Kind::DeviceBusy
        };
        let mut e = err(kind, format!("{device} security is {why}"), device);
        if why == "frozen" {
            e = e.with("hint", FROZEN_HINT);
        }
        return Err(e);
    }
    match m {
        Method::AtaSecureErase | Method::AtaEnhancedSecureErase => {
            security_erase(t, id, m == Method::AtaEnhancedSecureErase, device)?;
            progress.inc(1);
            Ok(())
        }
        Method::AtaSanitizeCrypto | Method::AtaSanitizeBlock => {
            let (sub, sig) = if m == Method::AtaSanitizeCrypto {
                (ata::SANITIZE_CRYPTO_SCRAMBLE_EXT, ata::SIG_CRYPTO)
            } else {
                (ata::SANITIZE_BLOCK_ERASE_EXT, ata::SIG_BLOCK)
            };
            ata::run(t, &ata::sanitize(sub, sig), &mut []).map_err(|e| {
                err(Kind::Io, format!("{} failed on {device}", m.name()), device).caused_by(e)
            })?;
            loop {
                std::thread::sleep(poll);
                let r = t.command(&ata::sanitize_status(), &mut []).map_err(|e| {
                    err(
                        Kind::Io,
                        format!("sanitize status failed on {device}"),
                        device,
                    )
                    .caused_by(e)
                })?;
                let st = ata::parse_sanitize_status(&r);
                if st.in_progress {
                    progress.set(st.progress as u64 * 1000 / 65536);
                    interrupt::check()?;
                    continue;
                }
                if st.completed_ok {
                    progress.set(1000);
                    return Ok(());
                }
                let mut e = err(
                    Kind::Io,
                    format!(
                        "sanitize did not complete on {device} (status 0x{:04x})",
                        r.count
                    ),
                    device,
                );
                if st.frozen {
                    e = err(Kind::Frozen, format!("{device} sanitize is frozen"), device)
                        .with("hint", FROZEN_HINT);
                }
                return Err(e);
            }
        }
        _ => unreachable!(),
    }
}

/// SET PASSWORD → ERASE PREPARE → ERASE UNIT; any failure after the password is set unlocks
/// and disables it, so the drive is never left locked.
fn security_erase(
    t: &mut dyn AtaTransport,
    id: &IdentifyInfo,
    enhanced: bool,
    device: &str,
) -> Result<()> {
    let mut block = ata::password_block(Who::User, TEMP_PASSWORD, false);
    ata::run(
        t,
        &ata::security_pio_out(ata::CMD_SECURITY_SET_PASSWORD, 15_000),
        &mut block,
    )
    .map_err(|e| {
        err(
            Kind::Io,
            format!("security set password failed on {device}"),
            device,
        )
        .caused_by(e)
    })?;
    let estimate = if enhanced {
        id.enhanced_erase_time_s
    } else {
        id.erase_time_s
    };
    // Twice the drive's estimate, at least an hour; u32 ms caps at ~49 days.
    let timeout_ms = estimate
        .map(|s| (s as u64 * 2000).max(3_600_000))
        .unwrap_or(12 * 3_600_000)
        .min(u32::MAX as u64) as u32;
    let result = (|| -> std::io::Result<()> {
        ata::run(t, &ata::security_erase_prepare(), &mut [])?;
        let mut block = ata::password_block(Who::User, TEMP_PASSWORD, enhanced);
        ata::run(
            t,
            &ata::security_pio_out(ata::CMD_SECURITY_ERASE_UNIT, timeout_ms),
            &mut block,
        )?;
        Ok(())
    })();
    // A successful erase clears the password; check, and clean up whenever it is still set.
    let still_enabled = ata::read_identify(t).map(|i| i.security_enabled || i.security_locked);
    let cleanup = if result.is_err() || still_enabled.as_ref().map_or(true, |e| *e) {
        Some(unlock_and_disable(t))
    } else {
        None
    };
    if let Err(e) = result {
        let mut error = err(
            Kind::Io,
            format!("security erase unit failed on {device}"),
            device,
        )
        .caused_by(e);
        if let Some(Err(c)) = cleanup {
            error = error
                .caused_by(format!(
                    "and the temporary password could not be removed: {c}"
                ))
                .with("temporary_password", String::from_utf8_lossy(TEMP_PASSWORD));
        }
        return Err(error);
    }
    if let Some(Err(c)) = cleanup {
        return Err(err(
            Kind::Io,
            format!("{device} was erased but its temporary password could not be removed"),
            device,
        )
        .with("temporary_password", String::from_utf8_lossy(TEMP_PASSWORD))
        .caused_by(c));
    }
    Ok(())
}

fn unlock_and_disable(t: &mut dyn AtaTransport) -> std::io::Result<()> {
    let mut block = ata::password_block(Who::User, TEMP_PASSWORD, false);
    // Unlock fails harmlessly when the drive is not locked.
    let _ = ata::run(
        t,
        &ata::security_pio_out(ata::CMD_SECURITY_UNLOCK, 15_000),
        &mut block,
    );
    let mut block = ata::password_block(Who::User, TEMP_PASSWORD, false);
    ata::run(
        t,
        &ata::security_pio_out(ata::CMD_SECURITY_DISABLE_PASSWORD, 15_000),
        &mut block,
    )?;
    Ok(())
}
