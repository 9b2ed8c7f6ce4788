//! `ironbox erase`: pick the strongest method each device supports (or the one asked for), erase
//! devices in parallel, verify, and report an erasure certificate.
//!
//! Flow: select devices (select.rs) → per device, read-only planning (plan.rs) → open it
//! exclusively → run the method chain (metadata.rs, blockops.rs, overwrite.rs, nvme.rs, ata.rs)
//! → re-read the partition table → verify (verify.rs) → one record per device
//! (certificate.rs).

pub mod ata;
pub mod blockops;
pub mod certificate;
pub mod metadata;
pub mod method;
pub mod nvme;
pub mod overwrite;
pub mod pattern;
pub mod plan;
mod report;
pub mod select;
pub mod verify;

use crate::disk::{BlockDevice, open, reread};
use crate::progress::{self, Phase, Progress};
use crate::report::{IronError, Key, Kind, Result};
use certificate::{Attempt, Details, DeviceRecord, Outcome};
use method::{Expect, Method, Requested};
pub use report::{EraseReport, Host};
use select::Selected;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use verify::Mode;

#[derive(clap::Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["disk", "all"])))]
pub struct Args {
    /// Disks to erase: device paths or /dev/disk/by-* links (repeat, or list after one flag)
    #[arg(long, value_name = "DISK", num_args = 1.., conflicts_with = "all")]
    pub disk: Vec<PathBuf>,
    /// Every whole disk, as IPA does: not loop, ram, zram, floppy or optical; read-only disks
    /// and virtual media skipped with a reason; the running system's disk never
    #[arg(long)]
    pub all: bool,
    /// Leave out disks matching any of these root-device hint objects (a JSON object or list),
    /// IPA's skip_block_devices, e.g. '[{"name": "/dev/sdb"}, {"serial": "S1"}]'
    #[arg(long, value_name = "HINTS_JSON")]
    pub skip: Option<String>,
    /// Erase method; `auto` picks the strongest the device supports, else overwrite; `express`
    /// a fast NVMe format where there is one, else metadata
    #[arg(long, value_enum, default_value_t = Requested::Auto)]
    pub method: Requested,
    /// Pseudo-random passes of `overwrite` before its final zero pass (0: only the zero pass)
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub passes: u32,
    /// `overwrite` without the final zero pass (the last random pass stays on the disk)
    #[arg(long)]
    pub no_final_zero: bool,
    /// Read back after erasing: a sample of blocks, every block, or nothing
    #[arg(long, value_enum, default_value_t = Mode::Sample)]
    pub verify: Mode,
    /// When a method fails, try the next one `auto` would (IPA's continue_if_secure_erase_fails)
    #[arg(long)]
    pub fallback: bool,
    /// Devices erased at the same time
    #[arg(long, default_value_t = 4, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: u32,
    /// Print the plan per device (method and why, NIST class, estimated duration); write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Override the busy rules (mounted, swap, holders, protected filesystems); never the
    /// running system's disk or a read-only one
    #[arg(long)]
    pub force: bool,
}

/// How often firmware erases are polled for progress.
const POLL: Duration = Duration::from_secs(2);

pub fn run(args: &Args) -> Result<EraseReport> {
    check_args(args)?;
    let skip = match &args.skip {
        Some(s) => select::parse_skip(s)?,
        None => vec![],
    };
    let started_at = certificate::now();
    let started = Instant::now();
    let selected = select_devices(args, &skip)?;
    let devices = erase_all(&selected, args);
    let ok = devices.iter().all(|d| d.result.is_ok());
    let cert = EraseReport {
        ok,
        dry_run: args.dry_run,
        method_requested: args.method.name(),
        verify: args.verify,
        started_at,
        finished_at: certificate::now(),
        duration_s: started.elapsed().as_secs_f64(),
        host: Host::read(),
        tool: format!("ironbox {}", env!("CARGO_PKG_VERSION")),
        devices,
    };
    if ok {
        return Ok(cert);
    }
    Err(run_error(&cert.devices).with(Key::Certificate, &cert))
}

/// Flag combinations clap cannot refuse by itself.
fn check_args(args: &Args) -> Result<()> {
    if args.passes == 0 && args.no_final_zero && args.method == Requested::Method(Method::Overwrite)
    {
        return Err(IronError::usage(
            "--passes 0 with --no-final-zero leaves overwrite nothing to write",
        ));
    }
    if args.passes > 64 {
        return Err(IronError::usage(format!(
            "--passes {} is more than 64; one pass is enough for modern drives (NIST SP 800-88)",
            args.passes
        )));
    }
    Ok(())
}

/// `--all` or the named disks; a named disk matching `--skip` is skipped rather than refused.
fn select_devices(args: &Args, skip: &[select::SkipRule]) -> Result<Vec<Selected>> {
    if args.all {
        return Ok(select::all(skip, args.force));
    }
    let mut selected = select::named(&args.disk, args.force)?;
    for s in &mut selected {
        if let Some(reason) = select::skip_reason(skip, &s.dev) {
            s.skip = Some(reason);
            s.refusal = None;
        }
    }
    Ok(selected)
}

/// Erases the devices on `--concurrency` workers; the records keep the selection's order.
fn erase_all(selected: &[Selected], args: &Args) -> Vec<DeviceRecord> {
    let next = AtomicUsize::new(0);
    let records: Mutex<Vec<Option<DeviceRecord>>> = Mutex::new(vec![None; selected.len()]);
    let workers = (args.concurrency as usize).min(selected.len()).max(1);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(sel) = selected.get(i) else { break };
                    let rec = erase_one(sel, args);
                    if let Ok(mut r) = records.lock() {
                        r[i] = Some(rec);
                    }
                }
            });
        }
    });
    records
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

/// The run's error when a device was not erased: the most serious outcome decides the exit code
/// (interrupted, then failed, then verification, then refused).
fn run_error(devices: &[DeviceRecord]) -> IronError {
    let kind_of = |d: &DeviceRecord| d.error.as_ref().map_or(Kind::Io, |e| e.kind);
    let bad: Vec<&DeviceRecord> = devices
        .iter()
        .filter(|d| matches!(d.result, Outcome::Failed | Outcome::Refused))
        .collect();
    let rank = |k: Kind| match k.exit_code() {
        130 => 0,
        1 => 1,
        3 => 2,
        4 => 3,
        _ => 4,
    };
    let worst = bad
        .iter()
        .map(|d| kind_of(d))
        .min_by_key(|k| rank(*k))
        .unwrap_or(Kind::Io);
    let names: Vec<String> = bad
        .iter()
        .map(|d| format!("{} ({})", d.device, d.result.as_str()))
        .collect();
    IronError::new(
        worst,
        format!(
            "{} of {} devices not erased: {}",
            bad.len(),
            devices.len(),
            names.join(", ")
        ),
    )
}

fn error_value(e: &IronError) -> crate::report::ErrorObject {
    e.document().error
}

/// Plans, erases and verifies one device; never panics the run, always returns its record.
fn erase_one(sel: &Selected, args: &Args) -> DeviceRecord {
    let dev = &sel.dev;
    let mut rec = DeviceRecord::new(dev);
    if let Some(reason) = &sel.skip {
        rec.result = Outcome::Skipped;
        rec.reason = Some(reason.clone());
        return rec;
    }
    if let Some((r, e)) = &sel.refusal {
        rec.result = Outcome::Refused;
        rec.reason = Some(format!("{}: {}", r.rule, r.holder));
        rec.error = Some(error_value(e));
        return rec;
    }
    rec.overridden = sel.overridden.clone();
    let caps = plan::probe(dev);
    let chain = plan::chain(args.method, &caps, args.fallback);
    rec.why = chain.why.clone();
    let total_passes = |m: Method| {
        if m == Method::Overwrite {
            args.passes + u32::from(!args.no_final_zero)
        } else {
            1
        }
    };
    let first = chain.methods[0];
    rec.method = Some(first.name());
    rec.nist_class = Some(first.nist_class(dev.rotational));
    rec.passes = total_passes(first);
    if args.dry_run {
        record_plan(&mut rec, dev, &chain.methods, caps);
        return rec;
    }
    rec.started_at = Some(certificate::now());
    let started = Instant::now();
    let outcome = erase_with_chain(dev, &chain.methods, &caps, args, &mut rec);
    rec.duration_s = started.elapsed().as_secs_f64();
    rec.finished_at = Some(certificate::now());
    rec.capabilities = Some(caps);
    match outcome {
        Ok(()) => rec.result = Outcome::Erased,
        Err(e) => {
            rec.result = if e.exit_code() == crate::report::exit::REFUSED {
                Outcome::Refused
            } else {
                Outcome::Failed
            };
            rec.error = Some(error_value(&e));
        }
    }
    rec
}

/// `--dry-run`: the first method's estimate and the chain, nothing written.
fn record_plan(rec: &mut DeviceRecord, dev: &BlockDevice, methods: &[Method], caps: plan::Caps) {
    let throughput = plan::measure_throughput(dev);
    let (est, basis) = plan::estimate(methods[0], &caps, dev.size, rec.passes, throughput);
    rec.estimated_duration_s = est;
    rec.estimate_basis = Some(basis);
    rec.capabilities = Some(caps);
    rec.result = Outcome::Planned;
    rec.details = Some(Details {
        methods_in_order: Some(methods.iter().map(|m| m.name()).collect()),
        ..Details::default()
    });
}

/// What a method did, for the record and for verification.
#[derive(Default)]
struct Done {
    bytes_written: u64,
    passes: u32,
    seed: u64,
    regions: Vec<(u64, u64)>,
    ranges: Vec<metadata::Span>,
    details: Details,
}

impl Done {
    fn one_pass() -> Done {
        Done {
            passes: 1,
            ..Default::default()
        }
    }
}

/// The device being erased, held open exclusively for the whole chain.
struct Target<'a> {
    dev: &'a BlockDevice,
    file: &'a File,
    /// The path as the user named it, for messages.
    shown: &'a str,
}

fn erase_with_chain(
    dev: &BlockDevice,
    methods: &[Method],
    caps: &plan::Caps,
    args: &Args,
    rec: &mut DeviceRecord,
) -> Result<()> {
    let shown = dev.path.display().to_string();
    let file = open::open_for_write(&dev.path, !args.force)?;
    let target = Target {
        dev,
        file: &file,
        shown: &shown,
    };
    let baseline = baseline_for(&target, methods, args)?;
    let mut last_err = None;
    for (i, &m) in methods.iter().enumerate() {
        rec.method = Some(m.name());
        rec.nist_class = Some(m.nist_class(dev.rotational));
        if i > 0 {
            rec.fallback_from = Some(methods[i - 1].name());
            progress::warn(&format!(
                "{shown}: {} failed, falling back to {}",
                methods[i - 1].name(),
                m.name()
            ));
        }
        match run_method(m, &target, caps, args) {
            Ok(done) => return reread_and_verify(&target, m, done, baseline.as_ref(), args, rec),
            Err(e) => {
                rec.attempts.push(Attempt {
                    method: m.name(),
                    error: error_value(&e),
                });
                let stop = !args.fallback || e.kind == Kind::Interrupted;
                last_err = Some(e);
                if stop {
                    break;
                }
            }
        }
    }
    Err(last_err.unwrap_or_else(|| IronError::new(Kind::Internal, "no method to try")))
}

/// Methods without a fixed result are checked against what sampled blocks held before.
fn baseline_for(
    target: &Target,
    methods: &[Method],
    args: &Args,
) -> Result<Option<verify::Baseline>> {
    let final_zero = !args.no_final_zero;
    let changes = methods
        .iter()
        .any(|m| m.expect(final_zero) == Expect::Changed);
    if args.verify == Mode::None || !changes {
        return Ok(None);
    }
    let dev = target.dev;
    verify::baseline(&dev.path, dev.size, args.verify, target.shown).map(Some)
}

/// After a method succeeded: record what it did, re-read the partition table, read back.
fn reread_and_verify(
    target: &Target,
    m: Method,
    done: Done,
    baseline: Option<&verify::Baseline>,
    args: &Args,
    rec: &mut DeviceRecord,
) -> Result<()> {
    let (dev, shown) = (target.dev, target.shown);
    rec.bytes_written = done.bytes_written;
    rec.passes = done.passes;
    let mut details = done.details;
    details.partition_table_reread = Some(match reread::refresh(target.file, &dev.name, &[]) {
        Ok(r) => r.method.as_str().to_string(),
        Err(e) => {
            progress::warn(&format!("{shown}: {e}"));
            e.to_string()
        }
    });
    rec.details = Some(details);
    let expect = m.expect(!args.no_final_zero);
    let p = Progress::new(Phase::Verify, Some(dev.size)).device(&dev.name);
    let v = verify::verify(
        &verify::Request {
            path: &dev.path,
            dev: shown,
            size: dev.size,
            sector: dev.logical_sector_size,
            mode: args.verify,
            expect,
            seed: done.seed,
            baseline,
            regions: &done.regions,
            ranges: &done.ranges,
        },
        &p,
    )?;
    p.finish();
    let ok = v.ok;
    rec.verification = Some(v);
    if !ok {
        return Err(IronError::new(
            Kind::VerificationFailed,
            format!("{shown} did not read back as erased by {}", m.name()),
        )
        .with(Key::Device, shown));
    }
    Ok(())
}

fn run_method(m: Method, target: &Target, caps: &plan::Caps, args: &Args) -> Result<Done> {
    match m {
        Method::Metadata => run_metadata(target),
        Method::Zeroout | Method::Discard | Method::SecureDiscard => run_block_op(m, target, caps),
        Method::Overwrite => run_overwrite(target, args),
        _ if m.is_nvme() => run_nvme(m, target, caps),
        _ => run_ata(m, target, caps),
    }
}

fn run_metadata(target: &Target) -> Result<Done> {
    let (file, dev) = (target.file, target.dev);
    let mut out = metadata::plan(file, &dev.name, dev.size, dev.logical_sector_size)?;
    let p = Progress::new(Phase::Erase, None)
        .method("metadata")
        .device(&dev.name);
    metadata::wipe(file, &mut out, target.shown)?;
    p.finish();
    let mut done = Done::one_pass();
    done.bytes_written = out.bytes_written;
    done.details.ranges = Some(out.ranges.clone());
    done.details.signatures_removed = Some(out.signatures_removed);
    done.details.regions_zeroed = Some(out.regions.len());
    done.regions = out.regions;
    done.ranges = out.ranges;
    Ok(done)
}

fn run_block_op(m: Method, target: &Target, caps: &plan::Caps) -> Result<Done> {
    let dev = target.dev;
    // Zeroing is its own phase; a discard erases.
    let phase = if m == Method::Zeroout {
        Phase::Zero
    } else {
        Phase::Erase
    };
    let p = Progress::new(phase, Some(dev.size))
        .method(m.name())
        .device(&dev.name);
    blockops::run(m, target.file, dev.size, target.shown, &p)?;
    p.finish();
    let guaranteed = match m {
        Method::Zeroout => true,
        _ => caps.block.discard_zeroes_data,
    };
    let mut done = Done::one_pass();
    done.details.zeroes_guaranteed = Some(guaranteed);
    if m == Method::Zeroout {
        done.bytes_written = dev.size;
        done.details.offloaded = Some(caps.block.write_zeroes_max_bytes > 0);
    }
    Ok(done)
}

fn run_overwrite(target: &Target, args: &Args) -> Result<Done> {
    let (dev, shown) = (target.dev, target.shown);
    // A second, direct descriptor; the first one holds the exclusive claim.
    let direct = crate::sys::aligned::open_direct_write(&dev.path)
        .map_err(|e| IronError::io(format!("cannot open {shown} for direct writes"), e))?;
    let passes = overwrite::passes(args.passes, !args.no_final_zero);
    let mut done = Done::one_pass();
    let mut list = Vec::new();
    for (i, seed) in passes.iter().enumerate() {
        // The final zero pass is a `zero` phase; random passes erase.
        let phase = if seed.is_none() {
            Phase::Zero
        } else {
            Phase::Erase
        };
        let p = Progress::new(phase, Some(dev.size))
            .method("overwrite")
            .device(&dev.name)
            .pass(i as u32 + 1, passes.len() as u32);
        list.push(overwrite::pass(&direct, dev.size, *seed, shown, &p)?);
        p.finish();
        done.bytes_written += dev.size;
    }
    done.passes = passes.len() as u32;
    done.seed = passes.last().copied().flatten().unwrap_or(0);
    done.details.pass_list = Some(list);
    Ok(done)
}

fn run_nvme(m: Method, target: &Target, caps: &plan::Caps) -> Result<Done> {
    let (dev, shown) = (target.dev, target.shown);
    let Some(n) = &caps.nvme else {
        return Err(IronError::new(
            Kind::Unsupported,
            format!("{shown} is not an nvme namespace ({} needs one)", m.name()),
        )
        .with(Key::Device, shown));
    };
    // Never let a controller-wide erase reach a namespace nobody asked to erase (the
    // running system may live there).
    let siblings = nvme::sibling_namespaces(&dev.name);
    if nvme::controller_wide(n, m) && !siblings.is_empty() {
        return Err(IronError::new(
            Kind::Unsupported,
            format!(
                "{} acts on every namespace of the controller and {} has others: {}",
                m.name(),
                shown,
                siblings.join(", ")
            ),
        )
        .with(Key::Device, shown));
    }
    let p = Progress::new(Phase::Sanitize, Some(1000))
        .method(m.name())
        .device(&dev.name);
    let mut transport = crate::sys::nvme::IoctlTransport { file: target.file };
    nvme::run(&mut transport, n, m, shown, &p, POLL)?;
    p.finish();
    Ok(Done::one_pass())
}

fn run_ata(m: Method, target: &Target, caps: &plan::Caps) -> Result<Done> {
    let (dev, shown) = (target.dev, target.shown);
    let Some(a) = &caps.ata else {
        return Err(IronError::new(
            Kind::Unsupported,
            format!("{shown} is not an ata drive ({} needs one)", m.name()),
        )
        .with(Key::Device, shown));
    };
    let p = Progress::new(Phase::Sanitize, Some(1000))
        .method(m.name())
        .device(&dev.name);
    let mut transport = crate::sys::ata::SgIoTransport { file: target.file };
    ata::run(&mut transport, a, m, shown, &p, POLL)?;
    p.finish();
    Ok(Done::one_pass())
}
