//! ATA erase procedures over an [`AtaTransport`]: the Security feature set (a temporary user
//! password, ERASE PREPARE + ERASE UNIT, and on any failure unlock + disable so the drive is
//! never left locked) and SANITIZE with status polling. A frozen drive is reported as `frozen`
//! with the standard remedy.

use crate::erase::method::Method;
use crate::interrupt;
use crate::progress::Progress;
use crate::report::{IronError, Key, Kind, Result};
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
    IronError::new(kind, msg).with(Key::Device, device)
}

pub fn run(
    t: &mut dyn AtaTransport,
    id: &IdentifyInfo,
    m: Method,
    device: &str,
    progress: &Progress,
    poll: Duration,
) -> Result<()> {
    check_runnable(id, m, device)?;
    match m {
        Method::AtaSecureErase | Method::AtaEnhancedSecureErase => {
            security_erase(t, id, m == Method::AtaEnhancedSecureErase, device)?;
            progress.inc(1);
            Ok(())
        }
        Method::AtaSanitizeCrypto | Method::AtaSanitizeBlock => {
            sanitize(t, m, device, progress, poll)
        }
        _ => unreachable!(),
    }
}

/// The drive supports the method and its security state lets it run now.
fn check_runnable(id: &IdentifyInfo, m: Method, device: &str) -> Result<()> {
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
            e = e.with(Key::Hint, FROZEN_HINT);
        }
        return Err(e);
    }
    Ok(())
}

/// SANITIZE (crypto scramble or block erase), then poll its status until it ends.
fn sanitize(
    t: &mut dyn AtaTransport,
    m: Method,
    device: &str,
    progress: &Progress,
    poll: Duration,
) -> Result<()> {
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
                .with(Key::Hint, FROZEN_HINT);
        }
        return Err(e);
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
    let timeout_ms = erase_unit_timeout_ms(id, enhanced);
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
                .with(
                    Key::TemporaryPassword,
                    String::from_utf8_lossy(TEMP_PASSWORD),
                );
        }
        return Err(error);
    }
    if let Some(Err(c)) = cleanup {
        return Err(err(
            Kind::Io,
            format!("{device} was erased but its temporary password could not be removed"),
            device,
        )
        .with(
            Key::TemporaryPassword,
            String::from_utf8_lossy(TEMP_PASSWORD),
        )
        .caused_by(c));
    }
    Ok(())
}

/// Twice the drive's estimate, at least an hour; u32 ms caps at ~49 days.
fn erase_unit_timeout_ms(id: &IdentifyInfo, enhanced: bool) -> u32 {
    let estimate = if enhanced {
        id.enhanced_erase_time_s
    } else {
        id.erase_time_s
    };
    estimate
        .map(|s| (s as u64 * 2000).max(3_600_000))
        .unwrap_or(12 * 3_600_000)
        .min(u32::MAX as u64) as u32
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

#[cfg(test)]
mod tests {
    //! Against the fixtures of tests/fixtures/erase (see make-fixtures.py there for their source).
    use super::*;
    use crate::sys::ata::{AtaCmd, AtaResult};

    const SSD: &[u8] = include_bytes!("../../tests/fixtures/erase/ata-identify-ssd-frozen.bin");
    const HDD: &[u8] = include_bytes!("../../tests/fixtures/erase/ata-identify-hdd.bin");

    /// A drive answering from an IDENTIFY fixture; tracks its security state like a real one.
    struct Fake {
        identify: Vec<u8>,
        enabled: bool,
        fail_command: Option<u8>,
        sanitize_polls: u32,
        sent: Vec<(u8, Vec<u8>)>,
    }

    impl Fake {
        fn new(identify: &[u8]) -> Fake {
            Fake {
                identify: identify.to_vec(),
                enabled: false,
                fail_command: None,
                sanitize_polls: 0,
                sent: vec![],
            }
        }
    }

    impl AtaTransport for Fake {
        fn command(&mut self, cmd: &AtaCmd, data: &mut [u8]) -> std::io::Result<AtaResult> {
            self.sent.push((cmd.command, data.to_vec()));
            let ok = AtaResult {
                status: 0x50,
                ..Default::default()
            };
            if self.fail_command == Some(cmd.command) {
                return Ok(AtaResult {
                    status: 0x51,
                    error: 0x04,
                    ..Default::default()
                });
            }
            match cmd.command {
                ata::CMD_IDENTIFY => {
                    let mut id = self.identify.clone();
                    if self.enabled {
                        id[256] |= 0x02; // word 128 bit 1
                        id[511] = id[511].wrapping_sub(0x02);
                    }
                    data[..512].copy_from_slice(&id);
                }
                ata::CMD_SECURITY_SET_PASSWORD => self.enabled = true,
                ata::CMD_SECURITY_ERASE_UNIT | ata::CMD_SECURITY_DISABLE_PASSWORD => {
                    self.enabled = false
                }
                ata::CMD_SANITIZE if cmd.features == ata::SANITIZE_STATUS_EXT => {
                    self.sanitize_polls += 1;
                    let count = if self.sanitize_polls < 3 {
                        0x4000
                    } else {
                        0x8000
                    };
                    return Ok(AtaResult {
                        count,
                        lba: 0x8000,
                        ..ok
                    });
                }
                _ => {}
            }
            Ok(ok)
        }
    }

    fn identify(t: &mut Fake) -> IdentifyInfo {
        ata::read_identify(t).unwrap()
    }

    const QEMU: &[u8] = include_bytes!("../../tests/fixtures/erase/qemu-ata-identify.bin");

    #[test]
    fn parses_identify_captured_from_qemu() {
        let q = ata::parse_identify(QEMU).unwrap();
        assert_eq!(q.model, "QEMU HARDDISK");
        assert_eq!(q.serial, "IRONBOX-ATA0");
        assert_eq!(q.sectors, 131_072);
        assert!(q.checksum_ok);
        // QEMU's ATA disk has neither the security feature set nor sanitize: auto overwrites.
        assert!(!q.security_supported && !q.sanitize_supported);
        let caps = crate::erase::plan::Caps {
            nvme: None,
            ata: Some(q),
            block: crate::erase::blockops::caps("none"),
            notes: vec![],
        };
        let chain = crate::erase::plan::auto_chain(&caps);
        assert_eq!(chain.methods, [Method::Overwrite]);
        assert!(
            chain
                .why
                .iter()
                .any(|w| w.contains("ata-secure-erase not supported"))
        );
    }

    #[test]
    fn parses_fixtures() {
        let s = ata::parse_identify(SSD).unwrap();
        assert_eq!(s.model, "FIXTURE SATA SSD 240GB");
        assert_eq!(s.serial, "FX2401000001");
        assert_eq!(s.sectors, 468_862_128);
        assert!(s.checksum_ok);
        assert!(s.security_supported && s.security_frozen && s.enhanced_erase_supported);
        assert!(s.sanitize_crypto && s.sanitize_block && !s.sanitize_overwrite);
        assert_eq!(s.erase_time_s, Some(240));
        let h = ata::parse_identify(HDD).unwrap();
        assert!(!h.security_frozen && !h.sanitize_supported);
        assert_eq!(
            (h.erase_time_s, h.enhanced_erase_time_s),
            (Some(96 * 120), Some(97 * 120))
        );
    }

    #[test]
    fn frozen_security_is_reported_with_the_remedy_and_sanitize_chosen() {
        let mut t = Fake::new(SSD);
        let id = identify(&mut t);
        let caps = crate::erase::plan::Caps {
            nvme: None,
            ata: Some(id.clone()),
            block: crate::erase::blockops::caps("none"),
            notes: vec![],
        };
        let chain = crate::erase::plan::auto_chain(&caps);
        assert_eq!(
            chain.methods,
            [
                Method::AtaSanitizeCrypto,
                Method::AtaSanitizeBlock,
                Method::Overwrite
            ]
        );
        assert!(
            chain
                .why
                .iter()
                .any(|w| w.contains("frozen") && w.contains("suspend"))
        );
        t.sent.clear();
        let p = Progress::new(crate::progress::Phase::Sanitize, Some(1));
        let e = run(
            &mut t,
            &id,
            Method::AtaSecureErase,
            "/dev/sda",
            &p,
            Duration::ZERO,
        )
        .unwrap_err();
        assert_eq!(e.kind, Kind::Frozen);
        assert!(e.context["hint"].as_str().unwrap().contains("suspend"));
        assert!(t.sent.is_empty(), "nothing may be sent to a frozen drive");
    }

    #[test]
    fn enhanced_secure_erase_sets_a_password_and_leaves_none() {
        let mut t = Fake::new(HDD);
        let id = identify(&mut t);
        t.sent.clear();
        let p = Progress::new(crate::progress::Phase::Sanitize, Some(1));
        run(
            &mut t,
            &id,
            Method::AtaEnhancedSecureErase,
            "/dev/sda",
            &p,
            Duration::ZERO,
        )
        .unwrap();
        let cmds: Vec<u8> = t.sent.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            cmds,
            [
                ata::CMD_SECURITY_SET_PASSWORD,
                ata::CMD_SECURITY_ERASE_PREPARE,
                ata::CMD_SECURITY_ERASE_UNIT,
                ata::CMD_IDENTIFY
            ]
        );
        // ERASE UNIT carried the enhanced bit and the temporary password.
        let unit = &t.sent[2].1;
        assert_eq!(unit[0], 0x02);
        assert_eq!(&unit[2..2 + TEMP_PASSWORD.len()], TEMP_PASSWORD);
        assert!(!t.enabled);
    }

    #[test]
    fn a_failed_erase_unlocks_and_disables_the_password() {
        let mut t = Fake::new(HDD);
        let id = identify(&mut t);
        t.fail_command = Some(ata::CMD_SECURITY_ERASE_UNIT);
        t.sent.clear();
        let p = Progress::new(crate::progress::Phase::Sanitize, Some(1));
        let e = run(
            &mut t,
            &id,
            Method::AtaSecureErase,
            "/dev/sda",
            &p,
            Duration::ZERO,
        )
        .unwrap_err();
        assert!(e.to_string().contains("aborted"), "{e}");
        let cmds: Vec<u8> = t.sent.iter().map(|(c, _)| *c).collect();
        assert!(cmds.ends_with(&[
            ata::CMD_IDENTIFY,
            ata::CMD_SECURITY_UNLOCK,
            ata::CMD_SECURITY_DISABLE_PASSWORD
        ]));
        assert!(!t.enabled, "the drive was left with a password");
    }

    #[test]
    fn sanitize_polls_status_until_complete() {
        let mut t = Fake::new(SSD);
        let id = identify(&mut t);
        t.sent.clear();
        let p = Progress::new(crate::progress::Phase::Sanitize, Some(1000));
        run(
            &mut t,
            &id,
            Method::AtaSanitizeCrypto,
            "/dev/sda",
            &p,
            Duration::ZERO,
        )
        .unwrap();
        assert_eq!(t.sanitize_polls, 3);
        assert_eq!(t.sent[0].0, ata::CMD_SANITIZE);
    }
}
