//! `boot`: how this machine booted (UEFI or BIOS), the PXE interface the boot loader named in
//! `BOOTIF=`, and whether UEFI Secure Boot is on.

use crate::sys::sysfs;
use serde::Serialize;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Boot {
    pub current_boot_mode: &'static str,
    /// The raw `BOOTIF=` value (`01-aa-bb-cc-dd-ee-ff`), as IPA reports it.
    pub pxe_interface: Option<String>,
    pub secure_boot: Option<bool>,
}

const SECURE_BOOT_VAR: &str =
    "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

pub fn collect() -> Boot {
    let uefi = sysfs::exists("/sys/firmware/efi");
    let cmdline = sysfs::read("/proc/cmdline").unwrap_or_default();
    Boot {
        current_boot_mode: if uefi { "uefi" } else { "bios" },
        pxe_interface: bootif(&cmdline),
        // efivars: 4 bytes of attributes, then the one-byte value.
        secure_boot: uefi
            .then(|| sysfs::read_bytes(SECURE_BOOT_VAR))
            .flatten()
            .and_then(|v| v.get(4).map(|&b| b == 1)),
    }
}

/// The value of `BOOTIF=` on a kernel command line (the last one wins, as in the kernel).
pub fn bootif(cmdline: &str) -> Option<String> {
    cmdline
        .split_whitespace()
        .take_while(|w| *w != "--")
        .filter_map(|w| w.strip_prefix("BOOTIF="))
        .last()
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    #[test]
    fn bootif() {
        assert_eq!(
            super::bootif("ro BOOTIF=01-aa-bb-cc-dd-ee-ff quiet").as_deref(),
            Some("01-aa-bb-cc-dd-ee-ff")
        );
        assert_eq!(super::bootif("ro quiet -- BOOTIF=x"), None);
        assert_eq!(super::bootif(""), None);
    }
}
