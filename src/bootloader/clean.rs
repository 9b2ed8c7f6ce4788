//! `ironbox bootloader clean-nvram`: IPA's clean_uefi_nvram step. Removes the Boot#### entries
//! whose device path (as efibootmgr -v prints it) or description matches any pattern.

use super::EfivarsArg;
use super::nvram::{self, EntryReport};
use crate::report::{IronError, Kind, Result};
use regex_lite::{Regex, RegexBuilder};
use serde::Serialize;

/// Entries booting from a local disk, and shim or grub loaders wherever they live.
pub const DEFAULT_PATTERNS: &[&str] = &[r"^HD\(", r"shim.*\.efi", r"grub.*\.efi"];

#[derive(clap::Args, Debug, Clone)]
pub struct CleanArgs {
    /// Remove entries whose device path or description matches REGEX (case-insensitive;
    /// repeatable; default: ^HD\( shim.*\.efi grub.*\.efi)
    #[arg(long = "match", value_name = "REGEX")]
    pub patterns: Vec<String>,
    /// Print what would be removed; change nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub efivars: EfivarsArg,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CleanReport {
    pub dry_run: bool,
    pub patterns: Vec<String>,
    pub removed: Vec<EntryReport>,
    pub kept: Vec<EntryReport>,
    pub boot_order_before: Vec<String>,
    pub boot_order: Vec<String>,
}

pub fn compile(patterns: &[String]) -> Result<Vec<Regex>> {
    patterns
        .iter()
        .map(|p| {
            RegexBuilder::new(p)
                .case_insensitive(true)
                .build()
                .map_err(|e| {
                    IronError::new(Kind::InvalidInput, format!("invalid --match pattern {p:?}"))
                        .caused_by(e)
                })
        })
        .collect()
}

pub fn run(a: &CleanArgs) -> Result<CleanReport> {
    let patterns: Vec<String> = if a.patterns.is_empty() {
        DEFAULT_PATTERNS.iter().map(|s| s.to_string()).collect()
    } else {
        a.patterns.clone()
    };
    let res = compile(&patterns)?;
    let vars = nvram::open(&a.efivars.efivars)?;
    let entries = nvram::read_entries(&vars)?;
    let order_before = nvram::read_order(&vars)?;
    let (matched, kept): (Vec<_>, Vec<_>) = entries.iter().partition(|e| {
        e.option.as_ref().is_some_and(|o| {
            let path = o.path.to_string();
            res.iter()
                .any(|r| r.is_match(&path) || r.is_match(&o.description))
        })
    });
    let numbers: Vec<u16> = matched.iter().map(|e| e.number).collect();
    if !a.dry_run {
        nvram::remove(&vars, &numbers)?;
    }
    let report = CleanReport {
        dry_run: a.dry_run,
        patterns,
        removed: matched.iter().map(|e| e.report()).collect(),
        kept: kept.iter().map(|e| e.report()).collect(),
        boot_order: nvram::order_names(&super::boot_order::without(&order_before, &numbers)),
        boot_order_before: nvram::order_names(&order_before),
    };
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_patterns_match_disk_entries_only() {
        let res = compile(
            &DEFAULT_PATTERNS
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let m = |s: &str| res.iter().any(|r| r.is_match(s));
        assert!(m(
            r"HD(1,GPT,0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9,0x800,0x32000)/File(\EFI\debian\shimx64.efi)"
        ));
        assert!(m(
            r"PciRoot(0x0)/Pci(0x1,0x1)/File(\EFI\fedora\SHIMX64.EFI)"
        ));
        assert!(!m("PciRoot(0x0)/Pci(0x2,0x0)/Path(3,11,525400123456)"));
        assert!(!m("UEFI PXEv4 (MAC:525400123456)"));
        assert!(compile(&["(".to_string()]).is_err());
    }
}
