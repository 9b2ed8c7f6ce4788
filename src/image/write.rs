//! The image-write flow, in the README's order: resolve (checksum, target, cache) → plan (dry
//! run stops here) → check (safety, before anything opens for writing) → act (each mirror
//! through the pipeline into the sink, `--verify`, release the held-back ends, fix up the GPT,
//! re-read the table) → report. Any failure after writing began wipes the table areas.

use crate::disk::mbr_type::MbrType;
use crate::disk::reread::{self, PartSpan};
use crate::disk::table::{self, TableInfo};
use crate::disk::{
    BlockDevice, fsid, open, partnodes, resolve_target, safety, sector_layout, table_check,
};
use crate::fetch::checksum::{self, Expected, Spec};
use crate::fetch::http::{Counters, Http};
use crate::fetch::http_client;
use crate::image::WriteArgs;
use crate::image::cache::{Cache, Partial};
use crate::image::format::{self, Detected, RangeOpener};
use crate::image::pipeline::{self, Failure, Input, Outcome};
use crate::image::report::{
    CacheState, ChecksumReport, DryRunReport, ImageWriteReport, PlannedChecksum, Probe,
    SourceTried, VerifyReport, WriteReport,
};
use crate::image::sink::{Sink, Stats};
use crate::image::source::{self, Source};
use crate::progress::{self, Phase};
use crate::report::{IronError, Key, Kind, Result};
use serde_json::Value;
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
    let shown = disk.path.display().to_string();
    let table = table::require_table(&mut f, disk.logical_sector_size, &shown)?;
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
            .with(Key::Device, disk.path.display().to_string())
            .with(Key::Partition, want)
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
    .with(Key::Device, disk.path.display().to_string())
    .with(Key::Rule, "stale_partition_node")
    .with(Key::Partition, want.number)
    .with(Key::KernelStart, have.map(|h| h.1))
    .with(Key::KernelSize, have.map(|h| h.2))
    .with(Key::TableStart, want.start)
    .with(Key::TableSize, want.size)
}

fn spans(t: &TableInfo) -> Vec<PartSpan> {
    t.partitions
        .iter()
        .map(|e| {
            // The kernel represents an MBR extended partition as a 2-sector (1 KiB) stub.
            let size = if e.type_byte.is_some_and(MbrType::is_extended) {
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

fn size_check(d: &Detected, length: Option<u64>, dest: &Dest) -> Result<()> {
    match d.size_hint(length) {
        Some(n) if n > dest.capacity => Err(IronError::new(
            Kind::ImageTooLarge,
            format!(
                "the image ({n} bytes) is larger than {} ({} bytes); nothing was written",
                dest.path.display(),
                dest.capacity
            ),
        )
        .with(Key::ImageSize, n)
        .with(Key::Capacity, dest.capacity)
        .with(Key::Device, dest.path.display().to_string())),
        _ => Ok(()),
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

/// Everything resolved before anything is opened for writing.
struct Job {
    sources: Vec<Source>,
    expected: Option<Expected>,
    dest: Dest,
    /// Safety refusals that --force overrode.
    overridden: Vec<safety::Refusal>,
    selection: Option<Value>,
    cache: Option<Cache>,
    /// The cache key (from --checksum).
    key: Option<String>,
    cache_state: CacheState,
}

impl Job {
    /// Whether this write fills the cache (a miss, with a key to file it under).
    fn fills_cache(&self) -> bool {
        self.cache_state == CacheState::Miss
    }

    fn is_cached_copy(&self, src: &Source) -> bool {
        matches!(src, Source::File(p) if self.cache.as_ref().is_some_and(|c| p.starts_with(&c.dir)))
    }
}

/// Resolve: the sources, the checksum, the target (with the safety rules) and the cache.
fn resolve(args: &WriteArgs, http: &Http) -> Result<Job> {
    let sources: Vec<Source> = args.sources.iter().map(|s| Source::parse(s)).collect();
    if sources.contains(&Source::Stdin) && sources.len() > 1 {
        return Err(IronError::usage(
            "`-` (stdin) cannot be one of several mirrors",
        ));
    }
    let expected = match &args.checksum {
        Some(spec) => Some(resolve_checksum(spec, &sources[0], http)?),
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
    let selection = args
        .disk
        .explain
        .then(|| serde_json::to_value(&target.selection).unwrap_or(Value::Null));
    let mut job = Job {
        sources,
        key: expected.as_ref().map(Expected::key),
        expected,
        dest,
        overridden,
        selection,
        cache: None,
        cache_state: CacheState::Off,
    };
    resolve_cache(args, &mut job)?;
    Ok(job)
}

/// The cache: a verified hit replaces every source; a miss is filled in the same pass.
fn resolve_cache(args: &WriteArgs, job: &mut Job) -> Result<()> {
    let Some(dir) = &args.cache_dir else {
        return Ok(());
    };
    let cache = Cache::open(dir)?;
    match &job.key {
        Some(k) => match cache.lookup(k) {
            Some(p) => {
                job.cache_state = CacheState::Hit;
                job.sources = vec![Source::File(p)];
            }
            None => job.cache_state = CacheState::Miss,
        },
        None => progress::warn("--cache-dir without --checksum: the image cannot be cached"),
    }
    job.cache = Some(cache);
    Ok(())
}

pub fn run(args: &WriteArgs) -> Result<ImageWriteReport> {
    let started = Instant::now();
    let counters = Arc::new(Counters::default());
    let http = http_client(&args.http, counters.clone())?;
    let job = resolve(args, &http)?;
    if args.dry_run {
        return Ok(ImageWriteReport::DryRun(Box::new(dry_run_plan(
            args, &job, &http,
        ))));
    }
    let done = act(args, &job, &http)?;
    Ok(ImageWriteReport::Written(Box::new(report(
        args, job, done, &counters, started,
    ))))
}

/// Act: opens the target and writes it. One rule for every failure path (mirrors, restarts,
/// verify, post-write steps, and the refusals other checks add later): once anything reached
/// the target, a failure leaves its first and last MiB zeroed. (The old ends were already
/// cleared before the first byte.)
fn act(args: &WriteArgs, job: &Job, http: &Http) -> Result<Finished> {
    let dest = &job.dest;
    let mut sink = Sink::open(&dest.path, !args.force, dest.capacity, args.sparse)?;
    let written = write_verify_fixup(args, job, http, &mut sink);
    if written.is_err() && sink.touched && !args.preserve_on_error {
        progress::warn(&format!(
            "write failed: zeroing the partition-table areas of {}",
            dest.path.display()
        ));
        if let Err(w) = sink.wipe_tables() {
            progress::warn(&format!("could not zero the table areas: {w}"));
        }
    }
    written
}

/// Report: the typed document, from the job and what the write left.
fn report(
    args: &WriteArgs,
    job: Job,
    done: Finished,
    counters: &Counters,
    started: Instant,
) -> WriteReport {
    let secs = started.elapsed().as_secs_f64();
    let checksum = match (&job.expected, done.outcome.served.digest.clone()) {
        (Some(e), Some(actual)) => ChecksumReport::verified(e, actual),
        _ => ChecksumReport::none(),
    };
    let Outcome {
        detected,
        served,
        image_size,
        decoded_sha256,
    } = done.outcome;
    WriteReport {
        target: job.dest.path,
        disk: job.dest.disk.path,
        partition: job.dest.partition,
        sources_tried: done.tried,
        format: detected.format,
        compression: detected.compression,
        bytes_downloaded: served.bytes,
        image_size,
        bytes_written: done.stats.written,
        bytes_zeroed: done.stats.zeroed,
        bytes_skipped: done.stats.skipped,
        checksum,
        written_sha256: decoded_sha256,
        resumes: counters.resumes.load(Ordering::Relaxed),
        retries: counters.retries.load(Ordering::Relaxed),
        cache: if done.stored {
            CacheState::Stored
        } else {
            job.cache_state
        },
        qcow2_path: detected.qcow2_path,
        io: done.io_mode,
        sparse: args.sparse,
        duration_s: secs,
        rate_bytes_per_s: (image_size as f64 / secs.max(1e-9)) as u64,
        partitions: done.partitions,
        root_uuid: done.root_uuid,
        verify: done.verify,
        overridden: (!job.overridden.is_empty())
            .then(|| serde_json::to_value(&job.overridden).unwrap_or(Value::Null)),
        selection: job.selection,
    }
}

/// What a successful write leaves for the report.
struct Finished {
    outcome: Outcome,
    tried: Vec<SourceTried>,
    stored: bool,
    stats: Stats,
    io_mode: crate::image::report::IoMode,
    verify: Option<VerifyReport>,
    partitions: Option<Value>,
    root_uuid: Option<String>,
}

/// Everything that may write to the target: the passes, `--verify`, the GPT fix-up and re-read.
/// The caller wipes on any error.
fn write_verify_fixup(
    args: &WriteArgs,
    job: &Job,
    http: &Http,
    sink: &mut Sink,
) -> Result<Finished> {
    let mut mirrors = Mirrors {
        args,
        job,
        http,
        tried: Vec::new(),
    };
    let written = mirrors.write(sink);
    let tried = mirrors.tried;
    let (outcome, stored) = written.map_err(|e| e.with(Key::SourcesTried, &tried))?;
    // Read back before the GPT fix-up changes the headers.
    let verify = if args.verify {
        Some(verify(&job.dest, &outcome).map_err(|e| e.with(Key::SourcesTried, &tried))?)
    } else {
        None
    };
    let stats = sink.stats;
    let io_mode = sink.io_mode();
    let (partitions, root_uuid) = fix_up(&job.dest, sink.file())?;
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

/// `--verify`: the target read back must hash to the decoded image's sha256.
fn verify(dest: &Dest, outcome: &Outcome) -> Result<VerifyReport> {
    let readback = read_back(&dest.path, outcome.image_size)?;
    // --verify conflicts with --no-written-sha256: the decoded image was hashed.
    let written = outcome.decoded_sha256.as_deref();
    if written != Some(readback.as_str()) {
        return Err(IronError::new(
            Kind::VerificationFailed,
            format!(
                "read-back of {} does not match the image",
                dest.path.display()
            ),
        )
        .with(Key::Expected, written)
        .with(Key::Actual, &readback));
    }
    Ok(VerifyReport {
        read_back_sha256: readback,
        matches: true,
    })
}

/// After the image: GPT fix-up, table re-read; the partitions and root_uuid for the report.
fn fix_up(dest: &Dest, file: &mut File) -> Result<(Option<Value>, Option<String>)> {
    if dest.partition.is_some() {
        let _ = file.seek(SeekFrom::Start(0));
        return Ok((None, fsid::identify(file).and_then(|i| i.uuid)));
    }
    let sector = dest.disk.logical_sector_size;
    // The image's own table must fit the disk before anything acts on it (the caller wipes).
    if let Some(t) = table::read_image_table(file, sector)? {
        table_check::validate(&t, dest.capacity)?;
    } else if let Some(why) = table::refused_mbr(file, sector) {
        return Err(IronError::new(
            Kind::CorruptImage,
            format!("the image's msdos partition table is invalid: {why}"),
        )
        .with(Key::DiskSize, dest.capacity));
    }
    if table::relocate_backup_gpt(file, sector)? {
        progress::info("moved the backup GPT to the end of the disk");
    }
    let Some(t) = table::read_image_table(file, sector)? else {
        return Ok((None, None));
    };
    reread::refresh(file, &dest.disk.name, &spans(&t))?;
    let parts = table::describe(file, &dest.disk.name, &t);
    Ok((serde_json::to_value(parts).ok(), Some(t.disk_id)))
}

/// One verified pass's result, before it is accepted.
struct Pass {
    outcome: Outcome,
    /// The cache entry being filled in the same pass.
    partial: Option<Partial>,
}

/// Tries each mirror in order (restarting one from zero when it cannot resume) until one pass
/// succeeds and verifies, recording every attempt.
struct Mirrors<'a> {
    args: &'a WriteArgs,
    job: &'a Job,
    http: &'a Http,
    tried: Vec<SourceTried>,
}

impl Mirrors<'_> {
    /// The accepted pass's outcome, and whether the cache was filled.
    fn write(&mut self, sink: &mut Sink) -> Result<(Outcome, bool)> {
        let sources = &self.job.sources;
        let mut last: Option<IronError> = None;
        for (i, src) in sources.iter().enumerate() {
            let http = self.http;
            let res = pipeline::restarting(
                src,
                self.args.http.retries,
                || http.count_retry(),
                || self.pass(src, sink),
            );
            let f = match res {
                Ok(pass) => return self.accept(src, pass, sink),
                Err(f) => f,
            };
            self.tried
                .push(SourceTried::failed(src.display(), &f.error));
            if i + 1 < sources.len() && (f.restart || is_source_error(&f.error)) {
                progress::warn(&format!("{}; trying the next mirror", f.error));
                last = Some(f.error);
                continue;
            }
            return Err(f.error);
        }
        Err(last.unwrap_or_else(|| IronError::new(Kind::Internal, "no source")))
    }

    /// One pass of one source through the pipeline into the sink.
    fn pass(&self, src: &Source, sink: &mut Sink) -> std::result::Result<Pass, Failure> {
        let (args, job, dest) = (self.args, self.job, &self.job.dest);
        sink.reset();
        let label = src.display();
        let opened = source::open(src, self.http)?;
        let partial = match (&job.cache, &job.key) {
            (Some(c), Some(k)) if job.fills_cache() => Some(c.temp(k)?),
            _ => None,
        };
        let ranged = match src {
            Source::Http(url) if opened.reader.takes_ranges() => Some(range_opener(self.http, url)),
            _ => None,
        };
        let input = Input {
            reader: opened.reader,
            length: opened.length,
            algo: job.expected.as_ref().map(|e| e.algo),
            tee: partial.as_ref().map(Partial::writer).transpose()?,
            format: format::Options {
                force: args.format,
                spill_dir: args.cache_dir.clone(),
                chunk_size: pipeline::CHUNK_SIZE,
                ranged,
            },
            label: label.clone(),
            seekable: local_qcow2(src),
            hash_decoded: !args.no_written_sha256,
        };
        let mut check = |d: &Detected, len: Option<u64>| size_check(d, len, dest);
        // A whole-disk image made for another sector size is refused from its head, before any
        // byte of it reaches the disk.
        let device = dest.path.display().to_string();
        let disk_sector = dest.disk.logical_sector_size;
        let mut head = |h: &[u8]| sector_layout::check_image_head(h, disk_sector, &device);
        let checks = pipeline::Checks {
            detected: &mut check,
            head_len: if dest.partition.is_none() {
                sector_layout::HEAD_NEEDED
            } else {
                0
            },
            head: &mut head,
        };
        let outcome = pipeline::run(input, sink, checks)?;
        // An empty body (a misconfigured server, a truncated upload) must not pass for a
        // written disk: the old contents would still be there, bootable.
        if outcome.image_size == 0 {
            return Err(IronError::new(
                Kind::CorruptImage,
                format!("the image from {label} is empty: it decoded to 0 bytes"),
            )
            .with(Key::Source, label)
            .into());
        }
        Ok(Pass { outcome, partial })
    }

    /// Checks the served bytes' checksum, releases the held-back ends and fills the cache.
    fn accept(&mut self, src: &Source, pass: Pass, sink: &mut Sink) -> Result<(Outcome, bool)> {
        let job = self.job;
        let label = src.display();
        if let Some(e) = &job.expected {
            let actual = pass.outcome.served.digest.clone().unwrap_or_default();
            if actual != e.hex {
                // A bad cache entry goes, so the next write downloads again.
                if job.is_cached_copy(src)
                    && let (Some(c), Some(k)) = (&job.cache, &job.key)
                {
                    let _ = c.evict(k);
                }
                let err = IronError::new(
                    Kind::ChecksumMismatch,
                    format!("{label} does not match its {} checksum", e.algo.name()),
                )
                .with(Key::Algorithm, e.algo.name())
                .with(Key::Expected, &e.hex)
                .with(Key::Actual, &actual);
                self.tried.push(SourceTried::failed(label, &err));
                return Err(err);
            }
        }
        self.tried.push(SourceTried::ok(label.clone()));
        sink.finish()?;
        let stored = match (pass.partial, &job.cache, &job.key) {
            (Some(p), Some(c), Some(k)) => match c.commit(p, k, &label) {
                Ok(_) => true,
                Err(e) => {
                    progress::warn(&format!("could not fill the cache: {e}"));
                    false
                }
            },
            _ => false,
        };
        Ok((pass.outcome, stored))
    }
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
    let p = progress::Progress::new(Phase::Verify, Some(len));
    while left > 0 {
        crate::interrupt::check()?;
        let n = left.min(buf.len() as u64) as usize;
        f.read_exact(&mut buf[..n])
            .map_err(|e| IronError::io(format!("cannot read back {}", path.display()), e))?;
        h.update(&buf[..n]);
        left -= n as u64;
        p.inc(n as u64);
    }
    p.finish();
    Ok(checksum::hex(&h.finalize()))
}

/// Plan: what a write would do; nothing is opened for writing. The first source is probed for
/// reachability and size; nothing is downloaded beyond headers.
fn dry_run_plan(args: &WriteArgs, job: &Job, http: &Http) -> DryRunReport {
    let probe = match job.sources.first() {
        Some(s @ Source::Http(_)) | Some(s @ Source::File(_)) => {
            Some(match source::open(s, http) {
                Ok(o) => Probe {
                    source: s.display(),
                    reachable: true,
                    length: Some(o.length),
                    error: None,
                },
                Err(e) => Probe {
                    source: s.display(),
                    reachable: false,
                    length: None,
                    error: Some(e.to_json()["error"].clone()),
                },
            })
        }
        _ => None,
    };
    let dest = &job.dest;
    DryRunReport {
        dry_run: true,
        target: dest.path.clone(),
        disk: dest.disk.path.clone(),
        partition: dest.partition,
        partition_node: dest
            .node
            .map(|n| serde_json::to_value(n).unwrap_or(Value::Null)),
        capacity: dest.capacity,
        logical_sector_size: dest.disk.logical_sector_size,
        sources: job.sources.iter().map(Source::display).collect(),
        probe,
        checksum: job.expected.as_ref().map(|e| PlannedChecksum {
            algorithm: e.algo.name(),
            expected: e.hex.clone(),
        }),
        format: args.format,
        sparse: args.sparse,
        cache: job.cache_state,
        verify: args.verify,
        overridden: serde_json::to_value(&job.overridden).unwrap_or(Value::Null),
        would_write: true,
    }
}
