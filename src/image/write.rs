//! The image-write flow: resolve checksum, target and cache; check safety; stream each mirror
//! through the pipeline into the sink; verify; release the held-back ends; fix up the GPT,
//! re-read the table and report. Any failure after writing began wipes the table areas.

use crate::disk::reread::{self, PartSpan};
use crate::disk::table::{self, TableInfo};
use crate::disk::{
    BlockDevice, fsid, open, partnodes, resolve_target, safety, sector_layout, table_check,
};
use crate::fetch::checksum::{self, Expected, Spec};
use crate::fetch::http::{Counters, Http};
use crate::fetch::http_client;
use crate::image::cache::Cache;
use crate::image::format::{self, ForceFormat, RangeOpener};
use crate::image::pipeline::{self, Failure, Input, Outcome, Sniffed};
use crate::image::sink::Sink;
use crate::image::source::{self, Source};
use crate::image::{FormatArg, WriteArgs};
use crate::progress;
use crate::report::{IronError, Kind, Result};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Turns `--checksum` into an expected digest, fetching a checksum file when it is a URL.
pub fn resolve_checksum(spec: &str, first: &Source, http: &Http) -> Result<Expected> {
    match checksum::parse_spec(spec)? {
        Spec::Digest(e) => Ok(e),
        Spec::Url(url) => {
            let text = http.fetch_text(&url)?;
            checksum::parse_checksum_file(&text, &first.file_name(), &url)
        }
    }
}

/// Where the image goes: the whole disk or one of its partitions.
struct Dest {
    disk: BlockDevice,
    path: PathBuf,
    capacity: u64,
    partition: Option<u32>,
    /// With --partition: how the kernel's node compared with the table (before any fix-up).
    node: Option<NodeState>,
}

fn find_partition(disk: &BlockDevice, want: &str, dry_run: bool) -> Result<Dest> {
    let mut f = open::open_for_read(&disk.path)?;
    let table = table::read_table(&mut f, disk.logical_sector_size)?.ok_or_else(|| {
        IronError::new(
            Kind::NotFound,
            format!("{} has no partition table", disk.path.display()),
        )
        .with("device", disk.path.display().to_string())
    })?;
    let entry = table
        .partitions
        .iter()
        .find(|e| want.parse::<u32>().ok() == Some(e.number))
        .or_else(|| {
            table
                .partitions
                .iter()
                .find(|e| e.label.as_deref() == Some(want))
        })
        .ok_or_else(|| {
            IronError::new(
                Kind::NotFound,
                format!("{} has no partition '{want}'", disk.path.display()),
            )
            .with("device", disk.path.display().to_string())
            .with("partition", want)
        })?;
    let span = spans(&table)
        .into_iter()
        .find(|s| s.number == entry.number)
        .expect("the entry is in the table");
    let mut state = node_state(&disk.name, span);
    // A dry run reports what the kernel shows and changes nothing (no BLKRRPART, no BLKPG).
    if state != NodeState::Current && !dry_run {
        reread::refresh(&f, &disk.name, &spans(&table))?;
        state = node_state(&disk.name, span);
        if state != NodeState::Current {
            return Err(stale_node(disk, span));
        }
    }
    let node = partnodes::partition_node(&disk.name, entry.number);
    Ok(Dest {
        disk: disk.clone(),
        path: node.unwrap_or_else(|| disk.path.clone()),
        capacity: entry.size,
        partition: Some(entry.number),
        node: Some(state),
    })
}

/// How the kernel's partition node compares with the table just read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
enum NodeState {
    /// The node exists with the table's start and size.
    Current,
    /// The node exists but starts or ends elsewhere (a table written by dd, a refused re-read).
    Stale,
    Missing,
}

fn node_state(disk: &str, want: PartSpan) -> NodeState {
    let have = partnodes::kernel_partitions(disk);
    match have.iter().find(|(n, _, _)| *n == want.number) {
        Some(&(_, s, z)) if s == want.start && z == want.size => {
            if partnodes::partition_node(disk, want.number).is_some() {
                NodeState::Current
            } else {
                NodeState::Missing
            }
        }
        Some(_) => NodeState::Stale,
        None => NodeState::Missing,
    }
}

fn stale_node(disk: &BlockDevice, want: PartSpan) -> IronError {
    let have = partnodes::kernel_partitions(&disk.name)
        .into_iter()
        .find(|(n, _, _)| *n == want.number);
    IronError::new(
        Kind::DeviceBusy,
        format!(
            "the kernel's partition {} of {} does not match the table (start {} size {} bytes) \
             and could not be updated; nothing was written",
            want.number,
            disk.path.display(),
            want.start,
            want.size
        ),
    )
    .with("device", disk.path.display().to_string())
    .with("rule", "stale_partition_node")
    .with("partition", want.number)
    .with("kernel_start", have.map(|h| h.1))
    .with("kernel_size", have.map(|h| h.2))
    .with("table_start", want.start)
    .with("table_size", want.size)
}

fn spans(t: &TableInfo) -> Vec<PartSpan> {
    t.partitions
        .iter()
        .map(|e| {
            // The kernel represents an MBR extended partition as a 2-sector (1 KiB) stub.
            let size = if matches!(e.type_byte.as_deref(), Some("0x05" | "0x0f" | "0x85")) {
                1024.min(e.size)
            } else {
                e.size
            };
            PartSpan {
                number: e.number,
                start: e.start,
                size,
            }
        })
        .collect()
}

fn size_check(s: &Sniffed, length: Option<u64>, dest: &Dest) -> Result<()> {
    let size = if s.format == "qcow2" {
        s.virtual_size
    } else if s.compression == "none" {
        length
    } else {
        None
    };
    match size {
        Some(n) if n > dest.capacity => Err(IronError::new(
            Kind::ImageTooLarge,
            format!(
                "the image ({n} bytes) is larger than {} ({} bytes); nothing was written",
                dest.path.display(),
                dest.capacity
            ),
        )
        .with("image_size", n)
        .with("capacity", dest.capacity)
        .with("device", dest.path.display().to_string())),
        _ => Ok(()),
    }
}

fn force_format(f: FormatArg) -> ForceFormat {
    match f {
        FormatArg::Auto => ForceFormat::Auto,
        FormatArg::Raw => ForceFormat::Raw,
        FormatArg::Qcow2 => ForceFormat::Qcow2,
    }
}

/// Failures that belong to one mirror's copy, after which the next mirror is worth a try: the
/// network, a missing file, and a copy that is corrupt, truncated or empty (a bad upload).
fn is_source_error(e: &IronError) -> bool {
    matches!(
        e.kind,
        Kind::Network | Kind::HttpStatus | Kind::NotFound | Kind::Io | Kind::CorruptImage
    )
}

pub fn run(args: &WriteArgs) -> Result<Value> {
    let started = Instant::now();
    let counters = Arc::new(Counters::default());
    let http = http_client(&args.http, counters.clone())?;
    let mut sources: Vec<Source> = args.sources.iter().map(|s| Source::parse(s)).collect();
    if sources.iter().filter(|s| **s == Source::Stdin).count() > 0 && sources.len() > 1 {
        return Err(IronError::usage(
            "`-` (stdin) cannot be one of several mirrors",
        ));
    }
    let expected = match &args.checksum {
        Some(spec) => Some(resolve_checksum(spec, &sources[0], &http)?),
        None => None,
    };

    // Target and safety: nothing is opened for writing before these pass.
    let target = resolve_target(&args.disk)?;
    let disk = target.device.clone();
    let overridden = safety::check(&disk, args.force)?;
    let dest = match &args.partition {
        Some(p) => find_partition(&disk, p, args.dry_run)?,
        None => Dest {
            path: disk.path.clone(),
            capacity: disk.size,
            disk: disk.clone(),
            partition: None,
            node: None,
        },
    };

    // The cache: a verified hit replaces every source; a miss is filled in the same pass.
    let cache = match &args.cache_dir {
        Some(d) => Some(Cache::open(d)?),
        None => None,
    };
    let key = expected.as_ref().map(Expected::key);
    let mut cache_state = "off";
    if let (Some(c), Some(k)) = (&cache, &key) {
        if let Some(p) = c.lookup(k) {
            cache_state = "hit";
            sources = vec![Source::File(p)];
        } else {
            cache_state = "miss";
        }
    } else if cache.is_some() {
        progress::warn("--cache-dir without --checksum: the image cannot be cached");
    }

    if args.dry_run {
        return Ok(dry_run_plan(
            args,
            &dest,
            &sources,
            &expected,
            cache_state,
            &http,
            &overridden,
        ));
    }

    let mut sink = Sink::open(&dest.path, !args.force, dest.capacity, args.sparse)?;
    let plan = Plan {
        args,
        dest: &dest,
        sources: &sources,
        expected: &expected,
        cache: &cache,
        key: &key,
        http: &http,
    };
    let written = write_verify_fixup(&plan, &mut sink);
    // One rule for every failure path (mirrors, restarts, verify, post-write steps, and the
    // refusals other checks add later): once anything reached the target, a failure leaves its
    // first and last MiB zeroed. (The old ends were already cleared before the first byte.)
    let done = match written {
        Ok(x) => x,
        Err(e) => {
            if sink.touched && !args.preserve_on_error {
                progress::warn(&format!(
                    "write failed: zeroing the partition-table areas of {}",
                    dest.path.display()
                ));
                if let Err(w) = sink.wipe_tables() {
                    progress::warn(&format!("could not zero the table areas: {w}"));
                }
            }
            return Err(e);
        }
    };
    if done.stored {
        cache_state = "stored";
    }
    let written_sha256 = done.outcome.decoded_sha256.clone();

    let secs = started.elapsed().as_secs_f64();
    let checksum = match &expected {
        Some(e) => json!({
            "algorithm": e.algo.name(), "expected": e.hex,
            "actual": done.outcome.served.digest, "verified": true,
        }),
        None => json!({"algorithm": null, "expected": null, "actual": null, "verified": false}),
    };
    let mut report = json!({
        "target": dest.path,
        "disk": dest.disk.path,
        "partition": dest.partition,
        "sources_tried": done.tried,
        "format": done.outcome.sniffed.format,
        "compression": done.outcome.sniffed.compression,
        "bytes_downloaded": done.outcome.served.bytes,
        "image_size": done.outcome.image_size,
        "bytes_written": done.stats.written,
        "bytes_zeroed": done.stats.zeroed,
        "bytes_skipped": done.stats.skipped,
        "checksum": checksum,
        "written_sha256": written_sha256,
        "resumes": counters.resumes.load(Ordering::Relaxed),
        "retries": counters.retries.load(Ordering::Relaxed),
        "cache": cache_state,
        "qcow2_path": done.outcome.sniffed.qcow2_path,
        "io": done.io_mode,
        "sparse": args.sparse,
        "duration_s": secs,
        "rate_bytes_per_s": (done.outcome.image_size as f64 / secs.max(1e-9)) as u64,
        "partitions": done.partitions,
        "root_uuid": done.root_uuid,
    });
    if args.verify {
        report["verify"] = done.verify;
    }
    if !overridden.is_empty() {
        report["overridden"] = json!(overridden);
    }
    if args.disk.explain {
        report["selection"] = json!(target.selection);
    }
    Ok(report)
}

/// What one write works from: the arguments, the target and the resolved sources.
#[derive(Clone, Copy)]
struct Plan<'a> {
    args: &'a WriteArgs,
    dest: &'a Dest,
    sources: &'a [Source],
    expected: &'a Option<Expected>,
    cache: &'a Option<Cache>,
    key: &'a Option<String>,
    http: &'a Http,
}

/// What a successful write leaves for the report.
struct Finished {
    outcome: Outcome,
    tried: Vec<Value>,
    stored: bool,
    stats: crate::image::sink::Stats,
    io_mode: &'static str,
    verify: Value,
    partitions: Value,
    root_uuid: Value,
}

/// Everything that may write to the target: the passes, `--verify`, the GPT fix-up and re-read.
/// The caller wipes on any error.
fn write_verify_fixup(plan: &Plan, sink: &mut Sink) -> Result<Finished> {
    let Plan { args, dest, .. } = *plan;
    let (outcome, tried, stored) =
        write_sources(plan, sink).map_err(|(e, tried)| e.with("sources_tried", tried))?;
    let stats = sink.stats;
    let io_mode = sink.io_mode();
    let written_sha256 = outcome.decoded_sha256.clone();

    // Read back before the GPT fix-up changes the headers.
    let mut verify = Value::Null;
    if args.verify {
        let readback = read_back(&dest.path, outcome.image_size)
            .map_err(|e| e.with("sources_tried", &tried))?;
        // --verify conflicts with --no-written-sha256: the decoded image was hashed.
        let ok = written_sha256.as_deref() == Some(readback.as_str());
        verify = json!({"read_back_sha256": readback, "matches": ok});
        if !ok {
            return Err(IronError::new(
                Kind::VerificationFailed,
                format!(
                    "read-back of {} does not match the image",
                    dest.path.display()
                ),
            )
            .with("expected", &written_sha256)
            .with("actual", &readback)
            .with("sources_tried", &tried));
        }
    }

    // After the image: GPT fix-up, table re-read, partitions and root_uuid.
    let mut partitions = Value::Null;
    let mut root_uuid = Value::Null;
    let file = sink.file();
    if dest.partition.is_none() {
        let sector = dest.disk.logical_sector_size;
        // The image's own table must fit the disk before anything acts on it (the caller wipes).
        if let Some(t) = table::read_image_table(file, sector)? {
            table_check::validate(&t, dest.capacity)?;
        } else if let Some(why) = table::refused_mbr(file, sector) {
            return Err(IronError::new(
                Kind::CorruptImage,
                format!("the image's msdos partition table is invalid: {why}"),
            )
            .with("disk_size", dest.capacity));
        }
        let moved = table::relocate_backup_gpt(file, sector)?;
        if moved {
            progress::info("moved the backup GPT to the end of the disk");
        }
        if let Some(t) = table::read_image_table(file, sector)? {
            reread::refresh(file, &dest.disk.name, &spans(&t))?;
            partitions = json!(table::describe(file, &dest.disk.name, &t));
            root_uuid = json!(t.disk_id);
        }
    } else {
        let _ = file.seek(SeekFrom::Start(0));
        root_uuid = json!(fsid::identify(file).and_then(|i| i.uuid));
    }

    Ok(Finished {
        outcome,
        tried,
        stored,
        stats,
        io_mode,
        verify,
        partitions,
        root_uuid,
    })
}

type Written = (Outcome, Vec<Value>, bool);

/// Tries each mirror in order (restarting one from zero when it cannot resume) until one pass
/// succeeds and verifies. Returns the outcome, the sources tried and whether the cache was filled.
fn write_sources(
    plan: &Plan,
    sink: &mut Sink,
) -> std::result::Result<Written, (IronError, Vec<Value>)> {
    let Plan {
        args,
        dest,
        sources,
        expected,
        cache,
        key,
        http,
    } = *plan;
    let mut tried: Vec<Value> = Vec::new();
    let mut last: Option<IronError> = None;
    let filling = cache.is_some()
        && key.is_some()
        && !matches!(sources.first(), Some(Source::File(p)) if cache.as_ref().is_some_and(|c| p.starts_with(&c.dir)));
    for (i, src) in sources.iter().enumerate() {
        let mut restarts = 0u32;
        loop {
            sink.reset();
            let label = src.display();
            let attempt =
                (|| -> std::result::Result<(Outcome, Option<(PathBuf, File)>), Failure> {
                    let opened = source::open(src, http)?;
                    let tmp = match (filling, cache, key) {
                        (true, Some(c), Some(k)) => Some(c.temp(k)?),
                        _ => None,
                    };
                    let tee = match &tmp {
                        Some((_, f)) => {
                            Some(f.try_clone().map_err(|e| IronError::io("cache file", e))?)
                        }
                        None => None,
                    };
                    let ranged = match src {
                        Source::Http(url) if opened.reader.takes_ranges() => {
                            Some(range_opener(http, url))
                        }
                        _ => None,
                    };
                    let input = Input {
                        reader: opened.reader,
                        length: opened.length,
                        algo: expected.as_ref().map(|e| e.algo),
                        tee,
                        format: format::Options {
                            force: force_format(args.format),
                            spill_dir: args.cache_dir.clone(),
                            chunk_size: pipeline::CHUNK_SIZE,
                            ranged,
                        },
                        label: label.clone(),
                        seekable: local_qcow2(src),
                        hash_decoded: !args.no_written_sha256,
                    };
                    let mut check = |s: &Sniffed, len: Option<u64>| size_check(s, len, dest);
                    // A whole-disk image made for another sector size is refused from its
                    // head, before any byte of it reaches the disk.
                    let device = dest.path.display().to_string();
                    let disk_sector = dest.disk.logical_sector_size;
                    let mut head =
                        |h: &[u8]| sector_layout::check_image_head(h, disk_sector, &device);
                    let checks = pipeline::Checks {
                        sniffed: &mut check,
                        head_len: if dest.partition.is_none() {
                            sector_layout::HEAD_NEEDED
                        } else {
                            0
                        },
                        head: &mut head,
                    };
                    let out = pipeline::run(input, sink, checks)?;
                    // An empty body (a misconfigured server, a truncated upload) must not pass
                    // for a written disk: the old contents would still be there, bootable.
                    if out.image_size == 0 {
                        return Err(IronError::new(
                            Kind::CorruptImage,
                            format!("the image from {label} is empty: it decoded to 0 bytes"),
                        )
                        .with("source", label.clone())
                        .into());
                    }
                    Ok((out, tmp))
                })();
            match attempt {
                Ok((outcome, tmp)) => {
                    if let Some(e) = expected {
                        let actual = outcome.served.digest.clone().unwrap_or_default();
                        if actual != e.hex {
                            if let Some((p, _)) = &tmp {
                                let _ = std::fs::remove_file(p);
                            }
                            if matches!(src, Source::File(p) if cache.as_ref().is_some_and(|c| p.starts_with(&c.dir)))
                                && let (Some(c), Some(k)) = (cache, key)
                            {
                                let _ = c.evict(k);
                            }
                            tried.push(json!({"source": label, "ok": false, "error": {"kind": "checksum_mismatch"}}));
                            return Err((
                                IronError::new(
                                    Kind::ChecksumMismatch,
                                    format!(
                                        "{label} does not match its {} checksum",
                                        e.algo.name()
                                    ),
                                )
                                .with("algorithm", e.algo.name())
                                .with("expected", &e.hex)
                                .with("actual", &actual),
                                tried,
                            ));
                        }
                    }
                    tried.push(json!({"source": label, "ok": true}));
                    if let Err(err) = sink.finish() {
                        return Err((err, tried));
                    }
                    let mut stored = false;
                    if let (Some((p, f)), Some(c), Some(k)) = (tmp, cache, key) {
                        match c.commit(&p, f, k, &label) {
                            Ok(_) => stored = true,
                            Err(e) => progress::warn(&format!("could not fill the cache: {e}")),
                        }
                    }
                    return Ok((outcome, tried, stored));
                }
                Err(f) => {
                    if let (Some(c), Some(k)) = (cache, key) {
                        let _ = std::fs::remove_file(
                            c.dir.join(format!(".partial-{k}-{}", std::process::id())),
                        );
                    }
                    if f.restart && src.replayable() && restarts < args.http.retries {
                        restarts += 1;
                        http.count_retry();
                        progress::warn(&format!("{}; restarting from byte zero", f.error));
                        continue;
                    }
                    tried.push(
                        json!({"source": label, "ok": false, "error": f.error.to_json()["error"]}),
                    );
                    let more = i + 1 < sources.len();
                    if more && (f.restart || is_source_error(&f.error)) {
                        progress::warn(&format!("{}; trying the next mirror", f.error));
                        last = Some(f.error);
                        break;
                    }
                    return Err((f.error, tried));
                }
            }
        }
    }
    Err((
        last.unwrap_or_else(|| IronError::new(Kind::Internal, "no source")),
        tried,
    ))
}

/// A second connection to `url` for the qcow2 decoder's Range requests, opened on first need.
fn range_opener(http: &Http, url: &str) -> RangeOpener {
    let (http, url) = (http.clone(), url.to_string());
    RangeOpener(std::sync::Arc::new(move || {
        let reader = http.open(&url)?;
        Ok(Box::new(reader) as Box<dyn format::ReadSeek + Send>)
    }))
}

/// A second handle on a local file that starts with the qcow2 magic. Only a regular file or a
/// block device: opening a FIFO or pipe (`/dev/stdin`, `<(curl …)`, `mkfifo`) again would read
/// bytes the stream needs (the image landed 4 bytes short). Such a qcow2 is decoded as a stream.
fn local_qcow2(src: &Source) -> Option<File> {
    use std::os::unix::fs::FileTypeExt;
    let Source::File(p) = src else { return None };
    let t = std::fs::metadata(p).ok()?.file_type();
    if !(t.is_file() || t.is_block_device()) {
        return None;
    }
    let mut f = File::open(p).ok()?;
    let mut magic = [0u8; 4];
    f.read_exact(&mut magic).ok()?;
    if &magic != b"QFI\xfb" {
        return None;
    }
    f.seek(SeekFrom::Start(0)).ok()?;
    Some(f)
}

fn read_back(path: &std::path::Path, len: u64) -> Result<String> {
    let mut f = open::open_for_read(path)?;
    let _ = crate::sys::blk::flush_buffers(&f);
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 4 << 20];
    let mut left = len;
    let p = progress::Progress::new("verify", Some(len));
    while left > 0 {
        crate::interrupt::check()?;
        let n = left.min(buf.len() as u64) as usize;
        f.read_exact(&mut buf[..n])
            .map_err(|e| IronError::io(format!("cannot read back {}", path.display()), e))?;
        h.update(&buf[..n]);
        left -= n as u64;
        p.inc(n as u64);
    }
    Ok(checksum::hex(&h.finalize()))
}

fn dry_run_plan(
    args: &WriteArgs,
    dest: &Dest,
    sources: &[Source],
    expected: &Option<Expected>,
    cache_state: &str,
    http: &Http,
    overridden: &[safety::Refusal],
) -> Value {
    // Probe the first source for reachability and size; nothing is downloaded beyond headers.
    let probe = match sources.first() {
        Some(s @ Source::Http(_)) | Some(s @ Source::File(_)) => match source::open(s, http) {
            Ok(o) => json!({"source": s.display(), "reachable": true, "length": o.length}),
            Err(e) => {
                json!({"source": s.display(), "reachable": false, "error": e.to_json()["error"]})
            }
        },
        _ => Value::Null,
    };
    json!({
        "dry_run": true,
        "target": dest.path,
        "disk": dest.disk.path,
        "partition": dest.partition,
        "partition_node": dest.node,
        "capacity": dest.capacity,
        "logical_sector_size": dest.disk.logical_sector_size,
        "sources": sources.iter().map(Source::display).collect::<Vec<_>>(),
        "probe": probe,
        "checksum": expected.as_ref().map(|e| json!({"algorithm": e.algo.name(), "expected": e.hex})),
        "format": format!("{:?}", args.format).to_lowercase(),
        "sparse": args.sparse,
        "cache": cache_state,
        "verify": args.verify,
        "overridden": overridden,
        "would_write": true,
    })
}
