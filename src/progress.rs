//! Progress and warnings on stderr (never stdout): indicatif bars on a terminal, a plain line at
//! most every 5 s otherwise, JSON lines with `--progress json`, nothing with `none` or `-q`.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    Auto,
    Bar,
    Plain,
    Json,
    None,
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
        ProgressMode::Json => emit_json(&json!({"event": "warning", "message": message})),
        ProgressMode::None => {}
        _ => eprintln!("ironbox: warning: {message}"),
    }
}

/// An informational line shown in plain and bar modes (e.g. "re-reading partition table").
pub fn info(message: &str) {
    match mode() {
        ProgressMode::Json => emit_json(&json!({"event": "info", "message": message})),
        ProgressMode::Plain | ProgressMode::Bar => eprintln!("ironbox: {message}"),
        _ => {}
    }
}

fn emit_json(value: &serde_json::Value) {
    let stderr = std::io::stderr();
    let mut lock = stderr.lock();
    let _ = writeln!(lock, "{value}");
}

struct State {
    done: u64,
    total: Option<u64>,
    last_emit: Instant,
    started: Instant,
}

/// A handle on one phase's progress (`write`, `download`, `erase:/dev/sdb`, ...). Cheap to
/// clone and safe to share between the threads of a pipeline.
#[derive(Clone)]
pub struct Progress {
    phase: Arc<str>,
    bar: Option<ProgressBar>,
    state: Arc<Mutex<State>>,
}

impl Progress {
    pub fn new(phase: &str, total: Option<u64>) -> Progress {
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
            bar.set_prefix(phase.to_string());
            BARS.get_or_init(MultiProgress::new).add(bar)
        });
        let now = Instant::now();
        Progress {
            phase: phase.into(),
            bar,
            state: Arc::new(Mutex::new(State {
                done: 0,
                total,
                last_emit: now,
                started: now,
            })),
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
            ProgressMode::Plain => Duration::from_secs(5),
            ProgressMode::Json => Duration::from_secs(1),
            _ => return,
        };
        let Ok(mut s) = self.state.lock() else { return };
        s.done = done;
        if s.last_emit.elapsed() >= interval {
            s.last_emit = Instant::now();
            self.emit(&s);
        }
    }

    fn emit(&self, s: &State) {
        let secs = s.started.elapsed().as_secs_f64().max(1e-6);
        let rate = (s.done as f64 / secs) as u64;
        match mode() {
            ProgressMode::Json => emit_json(&json!({
                "event": "progress", "phase": &*self.phase, "done": s.done, "total": s.total, "rate": rate,
            })),
            ProgressMode::Plain => {
                let pct = s
                    .total
                    .filter(|t| *t > 0)
                    .map(|t| format!(" ({:.0}%)", s.done as f64 * 100.0 / t as f64));
                eprintln!(
                    "ironbox: {}: {} MiB{} at {} MiB/s",
                    self.phase,
                    s.done >> 20,
                    pct.unwrap_or_default(),
                    rate >> 20
                );
            }
            _ => {}
        }
    }

    /// Ends the phase; json mode always emits a final event so machines see 100%.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
            return;
        }
        if let Ok(s) = self.state.lock()
            && mode() == ProgressMode::Json
        {
            self.emit(&s);
        }
    }
}
