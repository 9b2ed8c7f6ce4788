//! Progress and warnings on stderr (never stdout): indicatif bars on a terminal, a plain line
//! at least every 2 s otherwise, JSON lines with `--progress json` (at most one a second per
//! phase, and a final one), nothing with `none` or `-q`.
//!
//! Every JSON line is an `Event` carrying `"version"`; its schema is `ironbox --progress-schema`
//! style output of `event_schema()` (man/schemas/progress.json).

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use schemars::JsonSchema;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The version of the progress line format; bumped when a key changes meaning.
pub const EVENT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    Auto,
    Bar,
    Plain,
    Json,
    None,
}

/// What a long command is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Reading the source (bytes as served).
    Download,
    /// Decompressing or decoding a qcow2 (decoded bytes).
    Decode,
    /// Writing the decoded image (or a config drive) to the target.
    Write,
    /// Zeroing a range of the target.
    Zero,
    /// Reading back what was written.
    Verify,
    /// Erasing by writing or discarding (`pass` of `passes` for overwrites).
    Erase,
    /// A device's own sanitize or secure erase, as the device reports it (done/total = 1000).
    Sanitize,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Download => "download",
            Phase::Decode => "decode",
            Phase::Write => "write",
            Phase::Zero => "zero",
            Phase::Verify => "verify",
            Phase::Erase => "erase",
            Phase::Sanitize => "sanitize",
        }
    }
}

/// One line of `--progress json`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Progress {
        version: u32,
        phase: Phase,
        /// Units done (bytes, or thousandths for `sanitize`).
        done: u64,
        /// Units in all; null when unknown (a stream without a length).
        total: Option<u64>,
        /// Units per second since the phase began.
        rate: u64,
        /// Whether this is the phase's last event.
        #[serde(rename = "final")]
        last: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        device: Option<String>,
        /// How (erase: `overwrite`, `metadata`, `blkdiscard`, ...; firmware: the slot).
        #[serde(skip_serializing_if = "Option::is_none")]
        method: Option<String>,
        /// 1-based pass number of a multi-pass erase.
        #[serde(skip_serializing_if = "Option::is_none")]
        pass: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        passes: Option<u32>,
    },
    Warning {
        version: u32,
        message: String,
    },
    Info {
        version: u32,
        message: String,
    },
}

/// The JSON Schema of one progress line.
pub fn event_schema() -> schemars::Schema {
    schemars::schema_for!(Event)
}

static MODE: OnceLock<ProgressMode> = OnceLock::new();
static BARS: OnceLock<MultiProgress> = OnceLock::new();

/// Fixes the mode for the process (called once by main). `auto` resolves here.
pub fn init(mode: ProgressMode, quiet: bool) {
    let resolved = match (mode, quiet) {
        (_, true) => ProgressMode::None,
        (ProgressMode::Auto, _) if std::io::stderr().is_terminal() => ProgressMode::Bar,
        (ProgressMode::Auto, _) => ProgressMode::Plain,
        (m, _) => m,
    };
    let _ = MODE.set(resolved);
}

pub fn mode() -> ProgressMode {
    *MODE.get().unwrap_or(&ProgressMode::None)
}

/// A warning for the human (or, in json mode, a `{"event":"warning"}` line).
pub fn warn(message: &str) {
    match mode() {
        ProgressMode::Json => emit_json(&Event::Warning {
            version: EVENT_VERSION,
            message: message.to_string(),
        }),
        ProgressMode::None => {}
        _ => eprintln!("ironbox: warning: {message}"),
    }
}

/// An informational line shown in plain and bar modes (e.g. "re-reading partition table").
pub fn info(message: &str) {
    match mode() {
        ProgressMode::Json => emit_json(&Event::Info {
            version: EVENT_VERSION,
            message: message.to_string(),
        }),
        ProgressMode::Plain | ProgressMode::Bar => eprintln!("ironbox: {message}"),
        _ => {}
    }
}

fn emit_json(event: &Event) {
    let Ok(line) = serde_json::to_string(event) else {
        return;
    };
    let stderr = std::io::stderr();
    let mut lock = stderr.lock();
    let _ = writeln!(lock, "{line}");
}

struct State {
    done: u64,
    total: Option<u64>,
    last_emit: Instant,
    started: Instant,
    finished: bool,
}

/// What a phase is about, beyond its name.
#[derive(Clone, Default)]
struct Subject {
    device: Option<String>,
    method: Option<String>,
    pass: Option<(u32, u32)>,
}

/// A handle on one phase's progress. Cheap to clone and safe to share between the threads of
/// a pipeline.
#[derive(Clone)]
pub struct Progress {
    phase: Phase,
    subject: Subject,
    bar: Option<ProgressBar>,
    state: Arc<Mutex<State>>,
}

impl Progress {
    pub fn new(phase: Phase, total: Option<u64>) -> Progress {
        let bar = (mode() == ProgressMode::Bar).then(|| {
            let bar = match total {
                Some(t) => ProgressBar::new(t),
                None => ProgressBar::new_spinner(),
            };
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_prefix(phase.as_str());
            BARS.get_or_init(MultiProgress::new).add(bar)
        });
        let now = Instant::now();
        Progress {
            phase,
            subject: Subject::default(),
            bar,
            state: Arc::new(Mutex::new(State {
                done: 0,
                total,
                last_emit: now,
                started: now,
                finished: false,
            })),
        }
    }

    /// The device this phase works on (`sdb`).
    pub fn device(mut self, device: &str) -> Progress {
        self.subject.device = Some(device.to_string());
        self.relabel();
        self
    }

    /// How the phase works (`overwrite`, `metadata`, a firmware method).
    pub fn method(mut self, method: &str) -> Progress {
        self.subject.method = Some(method.to_string());
        self.relabel();
        self
    }

    /// Pass `n` of `of` (1-based).
    pub fn pass(mut self, n: u32, of: u32) -> Progress {
        self.subject.pass = Some((n, of));
        self.relabel();
        self
    }

    /// "erase overwrite sdb pass 2/3": the bar's prefix and the plain line's head.
    fn label(&self) -> String {
        let mut s = self.phase.as_str().to_string();
        for part in [&self.subject.method, &self.subject.device]
            .into_iter()
            .flatten()
        {
            s.push(' ');
            s.push_str(part);
        }
        if let Some((n, of)) = self.subject.pass {
            s.push_str(&format!(" pass {n}/{of}"));
        }
        s
    }

    fn relabel(&self) {
        if let Some(b) = &self.bar {
            b.set_prefix(self.label());
        }
    }

    pub fn set_total(&self, total: u64) {
        if let Some(b) = &self.bar {
            b.set_length(total);
        }
        if let Ok(mut s) = self.state.lock() {
            s.total = Some(total);
        }
    }

    pub fn inc(&self, n: u64) {
        let done = match self.state.lock() {
            Ok(mut s) => {
                s.done += n;
                s.done
            }
            Err(_) => return,
        };
        self.set(done);
    }

    pub fn set(&self, done: u64) {
        if let Some(b) = &self.bar {
            b.set_position(done);
            return;
        }
        let interval = match mode() {
            ProgressMode::Plain => Duration::from_secs(2),
            ProgressMode::Json => Duration::from_secs(1),
            _ => return,
        };
        let Ok(mut s) = self.state.lock() else { return };
        s.done = done;
        if s.last_emit.elapsed() >= interval {
            s.last_emit = Instant::now();
            self.emit(&s, false);
        }
    }

    fn event(&self, s: &State, last: bool) -> Event {
        let secs = s.started.elapsed().as_secs_f64().max(1e-6);
        Event::Progress {
            version: EVENT_VERSION,
            phase: self.phase,
            done: s.done,
            total: s.total,
            rate: (s.done as f64 / secs) as u64,
            last,
            device: self.subject.device.clone(),
            method: self.subject.method.clone(),
            pass: self.subject.pass.map(|p| p.0),
            passes: self.subject.pass.map(|p| p.1),
        }
    }

    fn emit(&self, s: &State, last: bool) {
        match mode() {
            ProgressMode::Json => emit_json(&self.event(s, last)),
            ProgressMode::Plain => eprintln!("ironbox: {}", self.plain_line(s, last)),
            _ => {}
        }
    }

    fn plain_line(&self, s: &State, last: bool) -> String {
        let secs = s.started.elapsed().as_secs_f64().max(1e-6);
        let rate = (s.done as f64 / secs) as u64;
        let pct = s
            .total
            .filter(|t| *t > 0)
            .map(|t| format!(" ({:.0}%)", s.done as f64 * 100.0 / t as f64));
        let amount = if self.phase == Phase::Sanitize {
            format!("{:.1}%", s.done as f64 / 10.0)
        } else {
            format!(
                "{} MiB{} at {} MiB/s",
                s.done >> 20,
                pct.unwrap_or_default(),
                rate >> 20
            )
        };
        let end = if last {
            format!(", done in {secs:.1} s")
        } else {
            String::new()
        };
        format!("{}: {amount}{end}", self.label())
    }

    /// Ends the phase: plain and json modes always print a final line, so a short phase is
    /// seen too and machines see where it ended. Only the first call counts.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
            return;
        }
        if let Ok(mut s) = self.state.lock()
            && !s.finished
        {
            s.finished = true;
            self.emit(&s, true);
        }
    }
}

/// A reader that reports what passes through it as one phase, with a final event at the end.
pub struct Counted<R> {
    inner: R,
    progress: Progress,
}

impl<R> Counted<R> {
    pub fn new(inner: R, progress: Progress) -> Counted<R> {
        Counted { inner, progress }
    }
}

impl<R: std::io::Read> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.progress.finish();
        } else {
            self.progress.inc(n as u64);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_reads_count_and_finish_once() {
        use std::io::Read;
        let p = Progress::new(Phase::Download, Some(3));
        let mut r = Counted::new(&b"abc"[..], p.clone());
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        let s = p.state.lock().unwrap();
        assert_eq!((s.done, s.finished), (3, true));
    }

    #[test]
    fn events_carry_version_and_phase_names() {
        let p = Progress::new(Phase::Erase, Some(100))
            .method("overwrite")
            .device("sdb")
            .pass(2, 3);
        let s = p.state.lock().unwrap();
        let v = serde_json::to_value(p.event(&s, true)).unwrap();
        assert_eq!(v["event"], "progress");
        assert_eq!(v["version"], EVENT_VERSION);
        assert_eq!(v["phase"], "erase");
        assert_eq!(
            (v["pass"].as_u64(), v["passes"].as_u64()),
            (Some(2), Some(3))
        );
        assert_eq!(v["final"], true);
        assert_eq!(p.label(), "erase overwrite sdb pass 2/3");
        let w = serde_json::to_value(Event::Warning {
            version: EVENT_VERSION,
            message: "m".into(),
        })
        .unwrap();
        assert_eq!(
            (w["event"].as_str(), w["version"].as_u64()),
            (Some("warning"), Some(1))
        );
    }

    #[test]
    fn plain_lines_say_phase_amount_and_end() {
        let p = Progress::new(Phase::Write, Some(4 << 20));
        let mut s = p.state.lock().unwrap();
        s.done = 2 << 20;
        assert!(
            p.plain_line(&s, false)
                .starts_with("write: 2 MiB (50%) at ")
        );
        assert!(p.plain_line(&s, true).contains(", done in "));
        drop(s);
        let z = Progress::new(Phase::Sanitize, Some(1000)).device("nvme0n1");
        let mut s = z.state.lock().unwrap();
        s.done = 425;
        assert_eq!(z.plain_line(&s, false), "sanitize nvme0n1: 42.5%");
    }
}
