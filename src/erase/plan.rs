//! Per-device planning, read-only: which methods the device supports (the capability bits read
//! from NVMe Identify, ATA IDENTIFY and sysfs), the order to try them in, why, and how long the
//! erase should take.

use crate::disk::BlockDevice;
use crate::erase::ata as ata_erase;
use crate::erase::blockops::{self, BlockCaps};
use crate::erase::method::Method;
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

/// What `auto` would pick, strongest first, ending with `overwrite`.
pub fn auto_chain(caps: &Caps) -> Chain {
    let mut methods = Vec::new();
    let mut why = Vec::new();
    if let Some(n) = &caps.nvme {
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
        for m in NVME_ORDER {
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
    }
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
    if let Some(first) = methods.first() {
        why.insert(0, format!("auto chose {}", first.name()));
    }
    Chain { methods, why }
}

/// The methods to try for the requested one: `auto` and its fallbacks, or the named method and,
/// with `--fallback`, what `auto` would try after it.
pub fn chain(requested: Method, caps: &Caps, fallback: bool) -> Chain {
    let auto = auto_chain(caps);
    if requested == Method::Auto {
        let methods = if fallback {
            auto.methods
        } else {
            auto.methods[..1].to_vec()
        };
        return Chain {
            methods,
            why: auto.why,
        };
    }
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
