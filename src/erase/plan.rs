//! Per-device planning, read-only: which methods the device supports (the capability bits read
//! from NVMe Identify, ATA IDENTIFY and sysfs), the order to try them in, why, and how long the
//! erase should take.

use crate::disk::BlockDevice;
use crate::erase::ata as ata_erase;
use crate::erase::blockops::{self, BlockCaps};
use crate::erase::method::{Method, Requested};
use crate::erase::nvme::{self as nvme_erase, NvmeCaps};
use crate::sys::{ata, nvme};
use serde::Serialize;
use std::fs::File;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Caps {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nvme: Option<NvmeCaps>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ata: Option<ata::IdentifyInfo>,
    pub block: BlockCaps,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Reads what the device can do. Opens it read-only (never for writing).
pub fn probe(dev: &BlockDevice) -> Caps {
    let mut caps = Caps {
        nvme: None,
        ata: None,
        block: blockops::caps(&dev.name),
        notes: vec![],
    };
    if crate::sys::sysfs::is_captured() {
        caps.notes
            .push("captured sysfs tree: no device commands sent".into());
        return caps;
    }
    let is_nvme = dev.name.starts_with("nvme") || dev.tran.as_deref() == Some("nvme");
    let maybe_ata = dev.name.starts_with("sd")
        && !matches!(
            dev.tran.as_deref(),
            Some("usb") | Some("iscsi") | Some("fc")
        );
    if !is_nvme && !maybe_ata {
        return caps;
    }
    let file = match File::open(&dev.path) {
        Ok(f) => f,
        Err(e) => {
            caps.notes
                .push(format!("cannot open {} to probe: {e}", dev.path.display()));
            return caps;
        }
    };
    if is_nvme {
        let nsid = nvme::namespace_id(&file).unwrap_or(1);
        match nvme_erase::probe(&mut nvme::IoctlTransport { file: &file }, nsid) {
            Ok(mut c) => {
                c.siblings = nvme_erase::sibling_namespaces(&dev.name);
                caps.nvme = Some(c)
            }
            Err(e) => caps.notes.push(format!("nvme identify failed: {e}")),
        }
    } else {
        match ata::read_identify(&mut ata::SgIoTransport { file: &file }) {
            Ok(i) => caps.ata = Some(i),
            Err(e) => caps
                .notes
                .push(format!("not an ata drive (identify device: {e})")),
        }
    }
    caps
}

/// The order of methods to try, and the reasoning shown in the plan.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Chain {
    pub methods: Vec<Method>,
    pub why: Vec<String>,
}

const NVME_ORDER: [Method; 4] = [
    Method::NvmeSanitizeCrypto,
    Method::NvmeSanitizeBlock,
    Method::NvmeCryptoFormat,
    Method::NvmeFormat,
];
const ATA_ORDER: [Method; 4] = [
    Method::AtaSanitizeCrypto,
    Method::AtaSanitizeBlock,
    Method::AtaEnhancedSecureErase,
    Method::AtaSecureErase,
];

/// IPA's `erase_devices_express` (`_nvme_erase`): Format NVM with cryptographic erase where FNA
/// offers it, else with user-data erase. IPA tries no sanitize there and erases no ATA drive in
/// hardware (secure erase may take as long as an overwrite), so neither is "express" here.
const EXPRESS_NVME: [Method; 2] = [Method::NvmeCryptoFormat, Method::NvmeFormat];

/// The methods of `order` the namespace supports, and a line in `why` for each one left out:
/// unsupported, or controller-wide while other namespaces (maybe the running system) share it.
fn nvme_usable(n: &NvmeCaps, order: &[Method], why: &mut Vec<String>) -> Vec<Method> {
    if !n.siblings.is_empty() {
        why.push(format!(
            "other namespaces on the controller ({}): controller-wide sanitize and format are left out",
            n.siblings.join(", ")
        ));
    }
    why.push(format!(
        "nvme: OACS=0x{:04x} FNA=0x{:02x} SANICAP=0x{:08x}",
        n.controller.oacs, n.controller.fna, n.controller.sanicap
    ));
    let mut methods = Vec::new();
    for &m in order {
        let (ok, bit) = nvme_erase::supports(n, m);
        if ok && !n.siblings.is_empty() && nvme_erase::controller_wide(n, m) {
            why.push(format!(
                "{} would also erase the other namespaces",
                m.name()
            ));
        } else if ok {
            methods.push(m);
        } else {
            why.push(format!("{} not supported ({bit} clear)", m.name()));
        }
    }
    methods
}

/// What `auto` would pick, strongest first, ending with `overwrite`.
pub fn auto_chain(caps: &Caps) -> Chain {
    let mut why = Vec::new();
    let mut methods = match &caps.nvme {
        Some(n) => nvme_usable(n, &NVME_ORDER, &mut why),
        None => Vec::new(),
    };
    if let Some(a) = &caps.ata {
        for m in ATA_ORDER {
            let (ok, bit) = ata_erase::supports(a, m);
            if !ok {
                why.push(format!("{} not supported ({bit} clear)", m.name()));
            } else if let Some(b) = ata_erase::blocked(a, m) {
                let hint = if b == "frozen" {
                    format!(": {}", ata_erase::FROZEN_HINT)
                } else {
                    String::new()
                };
                why.push(format!("{} supported but {b}{hint}", m.name()));
            } else {
                methods.push(m);
            }
        }
    }
    if methods.is_empty() {
        why.push("no firmware erase available: overwrite".into());
    }
    methods.push(Method::Overwrite);
    why.insert(0, format!("auto chose {}", methods[0].name()));
    Chain { methods, why }
}

/// What `express` would pick: a fast NVMe format (IPA's order), ending with `metadata`, so that
/// no device ever gets an hours-long overwrite.
pub fn express_chain(caps: &Caps) -> Chain {
    let mut why = Vec::new();
    let mut methods = match &caps.nvme {
        Some(n) => nvme_usable(n, &EXPRESS_NVME, &mut why),
        None => Vec::new(),
    };
    if caps.ata.is_some() {
        why.push("ata: secure erase and sanitize are not express (IPA erases only NVMe in hardware here)".into());
    }
    if methods.is_empty() {
        why.push("no fast hardware erase: metadata only".into());
    }
    methods.push(Method::Metadata);
    why.insert(0, format!("express chose {}", methods[0].name()));
    Chain { methods, why }
}

/// The methods to try for the requested one: `auto` or `express` (its first choice, or with
/// `--fallback` the whole chain), or the named method and, with `--fallback`, what `auto` would
/// try after it.
pub fn chain(requested: Requested, caps: &Caps, fallback: bool) -> Chain {
    let requested = match requested {
        Requested::Method(m) => m,
        policy => {
            let mut c = match policy {
                Requested::Express => express_chain(caps),
                _ => auto_chain(caps),
            };
            if !fallback {
                c.methods.truncate(1);
            }
            return c;
        }
    };
    let auto = auto_chain(caps);
    let mut methods = vec![requested];
    let mut why = vec![format!("{} requested", requested.name())];
    if fallback {
        methods.extend(auto.methods.into_iter().filter(|m| *m != requested));
        why.push(format!(
            "fallback order: {}",
            methods
                .iter()
                .map(|m| m.name())
                .collect::<Vec<_>>()
                .join(" → ")
        ));
    }
    Chain { methods, why }
}

/// Estimated duration in seconds and what it is based on.
pub fn estimate(
    m: Method,
    caps: &Caps,
    size: u64,
    passes: u32,
    throughput: Option<f64>,
) -> (Option<f64>, String) {
    let drive = match m {
        _ if m.is_nvme() => caps
            .nvme
            .as_ref()
            .and_then(|n| nvme_erase::estimate_s(n, m)),
        _ if m.is_ata() => caps.ata.as_ref().and_then(|a| ata_erase::estimate_s(a, m)),
        _ => None,
    };
    if let Some(s) = drive {
        return (Some(s as f64), "the drive's own estimate".into());
    }
    match m {
        Method::Metadata => (Some(1.0), "a few MiB per partition".into()),
        Method::NvmeCryptoFormat | Method::NvmeSanitizeCrypto | Method::AtaSanitizeCrypto => {
            (Some(10.0), "a key change takes seconds".into())
        }
        Method::Discard | Method::SecureDiscard => (
            Some(size as f64 / 20e9),
            "discard runs at device-internal speed".into(),
        ),
        _ => match throughput {
            Some(rate) if rate > 0.0 => {
                let bytes = size as f64
                    * if m == Method::Overwrite {
                        passes as f64
                    } else {
                        1.0
                    };
                (
                    Some(bytes / rate),
                    format!(
                        "size ÷ measured read throughput ({} MiB/s)",
                        (rate / 1048576.0) as u64
                    ),
                )
            }
            _ => (None, "no estimate".into()),
        },
    }
}

/// Sequential O_DIRECT read throughput over up to 256 MiB or half a second (read-only).
pub fn measure_throughput(dev: &BlockDevice) -> Option<f64> {
    use crate::sys::aligned::{AlignedBuf, open_direct_read};
    use std::os::unix::fs::FileExt;
    let f = open_direct_read(&dev.path).ok()?;
    let mut buf = AlignedBuf::zeroed(4 << 20);
    let started = std::time::Instant::now();
    let mut off = 0u64;
    while off + (4 << 20) <= dev.size.min(256 << 20) && started.elapsed().as_secs_f64() < 0.5 {
        f.read_exact_at(buf.as_mut_slice(), off).ok()?;
        off += 4 << 20;
    }
    let secs = started.elapsed().as_secs_f64();
    (off > 0 && secs > 0.0).then(|| off as f64 / secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::nvme::{ControllerInfo, NamespaceInfo};

    const HDD: &[u8] = include_bytes!("../../tests/fixtures/erase/ata-identify-hdd.bin");

    fn caps(nvme: Option<NvmeCaps>, ata: Option<ata::IdentifyInfo>) -> Caps {
        Caps {
            nvme,
            ata,
            block: BlockCaps {
                discard_max_bytes: 1 << 30,
                discard_granularity: 4096,
                discard_zeroes_data: false,
                write_zeroes_max_bytes: 0,
            },
            notes: vec![],
        }
    }

    fn nvme(oacs: u16, fna: u8, sanicap: u32, siblings: &[&str]) -> Caps {
        let controller = ControllerInfo {
            vid: 0x144d,
            serial: "S1".into(),
            model: "TEST NVMe".into(),
            firmware: "1.0".into(),
            oacs,
            fna,
            sanicap,
            namespaces: 1,
        };
        let namespace = NamespaceInfo {
            nsze: 1 << 21,
            lbaf: 0,
            mset: false,
            block_size: 512,
        };
        let n = NvmeCaps {
            nsid: 1,
            controller,
            namespace,
            sanitize_status: None,
            siblings: siblings.iter().map(|s| s.to_string()).collect(),
        };
        caps(Some(n), None)
    }

    fn has(why: &[String], text: &str) -> bool {
        why.iter().any(|w| w.contains(text))
    }

    #[test]
    fn express_on_nvme_with_crypto_format_formats_then_falls_back_to_metadata() {
        // OACS bit 1 (Format NVM), FNA bit 2 (crypto erase), and sanitize crypto + block.
        let c = nvme(0x0002, 0x04, 0x3, &[]);
        let full = chain(Requested::Express, &c, true);
        assert_eq!(
            full.methods,
            [
                Method::NvmeCryptoFormat,
                Method::NvmeFormat,
                Method::Metadata
            ]
        );
        assert_eq!(full.why[0], "express chose nvme-crypto-format");
        // Sanitize is what auto would use, but IPA's express never does.
        assert_eq!(auto_chain(&c).methods[0], Method::NvmeSanitizeCrypto);
        // Without --fallback, as for auto: only the first choice.
        assert_eq!(
            chain(Requested::Express, &c, false).methods,
            [Method::NvmeCryptoFormat]
        );
    }

    #[test]
    fn express_on_nvme_without_crypto_uses_user_data_format() {
        let c = nvme(0x0002, 0, 0, &[]);
        let ch = express_chain(&c);
        assert_eq!(ch.methods, [Method::NvmeFormat, Method::Metadata]);
        assert!(
            has(&ch.why, "nvme-crypto-format not supported"),
            "{:?}",
            ch.why
        );
    }

    #[test]
    fn express_on_nvme_without_format_or_with_a_shared_controller_is_metadata() {
        for c in [
            nvme(0, 0, 0x3, &[]),
            // FNA bit 0: the format would erase nvme0n2 too.
            nvme(0x0002, 0x05, 0, &["nvme0n2"]),
        ] {
            let ch = express_chain(&c);
            assert_eq!(ch.methods, [Method::Metadata], "{:?}", ch.why);
            assert!(has(&ch.why, "no fast hardware erase: metadata only"));
        }
    }

    #[test]
    fn express_on_ata_is_metadata_even_with_secure_erase() {
        let id = ata::parse_identify(HDD).unwrap();
        let c = caps(None, Some(id));
        assert!(
            auto_chain(&c).methods[0].is_ata(),
            "the fixture has secure erase"
        );
        let ch = chain(Requested::Express, &c, true);
        assert_eq!(ch.methods, [Method::Metadata]);
        assert_eq!(ch.why[0], "express chose metadata");
        assert!(has(&ch.why, "not express"), "{:?}", ch.why);
    }

    #[test]
    fn express_on_a_loop_or_virtio_disk_is_metadata_never_overwrite() {
        let c = caps(None, None);
        let ch = chain(Requested::Express, &c, true);
        assert_eq!(ch.methods, [Method::Metadata]);
        assert_eq!(
            ch.why,
            [
                "express chose metadata",
                "no fast hardware erase: metadata only"
            ]
        );
        assert_eq!(
            chain(Requested::Auto, &c, true).methods,
            [Method::Overwrite]
        );
    }
}
