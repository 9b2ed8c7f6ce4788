//! The erase methods, their NIST SP 800-88 class, and what a correctly erased device reads back;
//! and what the operator may ask for (`Requested`): a method, or a policy (`auto`, `express`)
//! that the plan resolves per device into methods. Only a `Method` reaches the executor.

use clap::ValueEnum;
use serde::Serialize;
use std::sync::OnceLock;

/// `--method`: a policy resolved per device by the plan, or one method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    Auto,
    Express,
    Method(Method),
}

impl Requested {
    pub fn name(self) -> &'static str {
        match self {
            Requested::Auto => "auto",
            Requested::Express => "express",
            Requested::Method(m) => m.name(),
        }
    }
}

/// The policies first, then every method with its own help (from `Method`'s doc comments).
impl ValueEnum for Requested {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: OnceLock<Vec<Requested>> = OnceLock::new();
        ALL.get_or_init(|| {
            [Requested::Auto, Requested::Express]
                .into_iter()
                .chain(
                    Method::value_variants()
                        .iter()
                        .map(|m| Requested::Method(*m)),
                )
                .collect()
        })
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        use clap::builder::PossibleValue;
        match self {
            Requested::Auto => Some(PossibleValue::new("auto").help(
                "The strongest method the device supports (NVMe/ATA sanitize or secure erase), else overwrite",
            )),
            Requested::Express => Some(PossibleValue::new("express").help(
                "Time-optimised, IPA's erase_devices_express: NVMe Format NVM (crypto erase, else user-data erase) where the namespace supports it, else metadata; never an overwrite",
            )),
            Requested::Method(m) => m.to_possible_value(),
        }
    }
}

impl std::fmt::Display for Requested {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Remove every signature, partition table and the first/last MiB of each partition
    Metadata,
    /// BLKZEROOUT: the device zeroes every block
    Zeroout,
    /// BLKDISCARD over the whole device
    Discard,
    /// BLKSECDISCARD over the whole device
    SecureDiscard,
    /// Pseudo-random passes and a final zero pass with direct writes
    Overwrite,
    /// NVMe Format NVM, secure erase setting 1 (user data erase)
    NvmeFormat,
    /// NVMe Format NVM, secure erase setting 2 (cryptographic erase)
    NvmeCryptoFormat,
    /// NVMe Sanitize, block erase
    NvmeSanitizeBlock,
    /// NVMe Sanitize, crypto erase
    NvmeSanitizeCrypto,
    /// NVMe Sanitize, overwrite
    NvmeSanitizeOverwrite,
    /// ATA SECURITY ERASE UNIT (normal)
    AtaSecureErase,
    /// ATA SECURITY ERASE UNIT (enhanced)
    AtaEnhancedSecureErase,
    /// ATA SANITIZE, block erase
    AtaSanitizeBlock,
    /// ATA SANITIZE, crypto scramble
    AtaSanitizeCrypto,
}

/// What verification expects to read after the method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// Every block reads as zeroes.
    Zeroes,
    /// Every sampled block differs from what it held before (crypto and discard methods, whose
    /// result the drive may define as anything but the old data).
    Changed,
    /// The last pseudo-random pass (overwrite with --no-final-zero).
    Pattern,
    /// The wiped metadata regions read zeroes and no signature is found.
    NoSignatures,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Metadata => "metadata",
            Method::Zeroout => "zeroout",
            Method::Discard => "discard",
            Method::SecureDiscard => "secure-discard",
            Method::Overwrite => "overwrite",
            Method::NvmeFormat => "nvme-format",
            Method::NvmeCryptoFormat => "nvme-crypto-format",
            Method::NvmeSanitizeBlock => "nvme-sanitize-block",
            Method::NvmeSanitizeCrypto => "nvme-sanitize-crypto",
            Method::NvmeSanitizeOverwrite => "nvme-sanitize-overwrite",
            Method::AtaSecureErase => "ata-secure-erase",
            Method::AtaEnhancedSecureErase => "ata-enhanced-secure-erase",
            Method::AtaSanitizeBlock => "ata-sanitize-block",
            Method::AtaSanitizeCrypto => "ata-sanitize-crypto",
        }
    }

    pub fn is_nvme(self) -> bool {
        self.name().starts_with("nvme-")
    }

    pub fn is_ata(self) -> bool {
        self.name().starts_with("ata-")
    }

    /// NIST SP 800-88 Rev. 1 class. `metadata` and plain `discard` sanitize nothing ("none"):
    /// the data stays readable by the drive. Overwrite and zeroing are Clear; firmware erase,
    /// block erase and cryptographic erase are Purge (Tables ); ATA normal secure erase is
    /// Purge on hard disks only, Clear on flash.
    pub fn nist_class(self, rotational: bool) -> &'static str {
        match self {
            Method::Metadata | Method::Discard => "none",
            Method::Zeroout | Method::Overwrite | Method::SecureDiscard => "Clear",
            Method::AtaSecureErase if !rotational => "Clear",
            _ => "Purge",
        }
    }

    pub fn expect(self, final_zero: bool) -> Expect {
        match self {
            Method::Metadata => Expect::NoSignatures,
            Method::Overwrite if !final_zero => Expect::Pattern,
            Method::Zeroout | Method::Overwrite | Method::NvmeSanitizeOverwrite => Expect::Zeroes,
            // NVMe user-data erase and block erases leave "indeterminate" data (zeroes, ones or a
            // vendor pattern), crypto erases leave noise: only "not the old data" is certain.
            _ => Expect::Changed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_cli_values() {
        for m in Method::value_variants() {
            assert_eq!(m.to_possible_value().unwrap().get_name(), m.name());
        }
        for r in Requested::value_variants() {
            assert_eq!(r.to_possible_value().unwrap().get_name(), r.name());
        }
        assert_eq!(
            Requested::from_str("express", false),
            Ok(Requested::Express)
        );
        assert_eq!(
            Requested::from_str("nvme-format", false),
            Ok(Requested::Method(Method::NvmeFormat))
        );
    }

    #[test]
    fn classes() {
        assert_eq!(Method::NvmeSanitizeCrypto.nist_class(false), "Purge");
        assert_eq!(Method::Overwrite.nist_class(true), "Clear");
        assert_eq!(Method::Metadata.nist_class(true), "none");
        assert_eq!(Method::AtaSecureErase.nist_class(true), "Purge");
        assert_eq!(Method::AtaSecureErase.nist_class(false), "Clear");
    }
}
