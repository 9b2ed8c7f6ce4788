//! The output contract (DESIGN.md §3): one JSON document on stdout, a stable error object, and
//! the exit-code table. Everything a command returns flows through here.

mod context;
mod error_doc;
pub mod schemas;

pub use context::Key;
pub use error_doc::{ErrorDocument, ErrorObject};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;
use std::io::Write;

/// What every subcommand's `run` returns: a JSON report, or an error that becomes one.
pub type Result<T = Value> = std::result::Result<T, IronError>;

/// Declares `Kind` from one list: the enum, its serde names, `ALL` and `as_str` cannot drift.
macro_rules! kinds {
    ($($(#[$meta:meta])* $variant:ident = $name:literal,)*) => {
        /// Stable error kinds. The snake_case names are part of the public contract (README, man
        /// pages): never rename one, only add.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
        pub enum Kind {
            $($(#[$meta])* #[serde(rename = $name)] $variant,)*
        }

        impl Kind {
            /// Every kind, in declaration order (generated, never kept by hand).
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Kind::$variant => $name,)*
                }
            }
        }
    };
}

kinds! {
    // exit 2: bad usage or invalid input
    Usage = "usage",
    InvalidInput = "invalid_input",
    InvalidHints = "invalid_hints",
    InvalidLayout = "invalid_layout",
    InvalidChecksum = "invalid_checksum",
    ImageTooLarge = "image_too_large",
    ConfigdriveTooLarge = "configdrive_too_large",
    UnsupportedFormat = "unsupported_format",
    SectorSizeMismatch = "sector_size_mismatch",
    // exit 3: verification failed
    ChecksumMismatch = "checksum_mismatch",
    VerificationFailed = "verification_failed",
    // exit 4: refused for safety
    DeviceBusy = "device_busy",
    DeviceReadOnly = "device_read_only",
    SystemDisk = "system_disk",
    ProtectedFilesystem = "protected_filesystem",
    /// A safety probe could not read what it checks: a refusal, never a pass.
    SafetyProbeFailed = "safety_probe_failed",
    HasSignatures = "has_signatures",
    NoSpace = "no_space",
    UnsafeImage = "unsafe_image",
    // exit 1: the operation failed
    NotFound = "not_found",
    NotABlockDevice = "not_a_block_device",
    NoMatchingDisk = "no_matching_disk",
    Io = "io",
    HttpStatus = "http_status",
    Network = "network",
    CorruptImage = "corrupt_image",
    Unsupported = "unsupported",
    Frozen = "frozen",
    External = "external",
    Internal = "internal",
    // exit 130
    Interrupted = "interrupted",
}

impl Kind {
    /// The exit-code table of DESIGN.md §3.
    pub fn exit_code(self) -> i32 {
        use Kind::*;
        match self {
            Usage | InvalidInput | InvalidHints | InvalidLayout | InvalidChecksum
            | ImageTooLarge | ConfigdriveTooLarge | UnsupportedFormat | SectorSizeMismatch => {
                exit::USAGE
            }
            ChecksumMismatch | VerificationFailed => exit::VERIFY,
            DeviceBusy | DeviceReadOnly | SystemDisk | ProtectedFilesystem | SafetyProbeFailed
            | HasSignatures | NoSpace | UnsafeImage => exit::REFUSED,
            Interrupted => exit::INTERRUPTED,
            _ => exit::FAILED,
        }
    }
}

/// Exit codes, as documented in the README and the man pages.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILED: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const VERIFY: i32 = 3;
    pub const REFUSED: i32 = 4;
    pub const INTERRUPTED: i32 = 130;

    pub const TABLE: &[(i32, &str)] = &[
        (OK, "success"),
        (FAILED, "the operation failed"),
        (
            USAGE,
            "bad usage or invalid input (flags, layout, hints, checksum syntax, image too large)",
        ),
        (
            VERIFY,
            "verification failed (checksum or read-back mismatch, erase not verified)",
        ),
        (
            REFUSED,
            "refused for safety (busy, mounted, read-only, system or protected device, no space)",
        ),
        (INTERRUPTED, "interrupted (SIGINT or SIGTERM)"),
    ];
}

/// An error that knows its stable kind, a lower-case message naming the bad value, the chain of
/// causes, and context fields (`device`, `url`, `expected`, `actual`, ...) for the report.
#[derive(Debug, Clone)]
pub struct IronError {
    pub kind: Kind,
    pub message: String,
    pub causes: Vec<String>,
    pub context: Map<String, Value>,
}

impl IronError {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        IronError {
            kind,
            message: message.into(),
            causes: Vec::new(),
            context: Map::new(),
        }
    }

    /// Adds a context field to the error object (`device`, `url`, `rule`, `holder`, ...).
    pub fn with(mut self, key: Key, value: impl serde::Serialize) -> Self {
        self.context.insert(
            key.as_str().to_string(),
            serde_json::to_value(value).unwrap_or(Value::Null),
        );
        self
    }

    /// Appends an underlying cause (shown in `causes`, outermost first).
    pub fn caused_by(mut self, cause: impl fmt::Display) -> Self {
        self.causes.push(cause.to_string());
        self
    }

    pub fn exit_code(&self) -> i32 {
        self.kind.exit_code()
    }

    /// The typed error document (what stdout carries on failure).
    pub fn document(&self) -> ErrorDocument {
        ErrorDocument::from(self)
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.document()).unwrap_or(Value::Null)
    }

    pub fn usage(message: impl Into<String>) -> Self {
        IronError::new(Kind::Usage, message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        IronError::new(Kind::InvalidInput, message)
    }
    pub fn io(message: impl Into<String>, err: impl fmt::Display) -> Self {
        IronError::new(Kind::Io, message).caused_by(err)
    }
}

impl fmt::Display for IronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        for c in &self.causes {
            write!(f, ": {c}")?;
        }
        Ok(())
    }
}

impl std::error::Error for IronError {}

/// `result.ctx(Kind::Io, || format!("cannot open {path}"))` turns any error into an IronError
/// whose message names what we were doing and whose cause is the original error.
pub trait Context<T> {
    fn ctx(self, kind: Kind, message: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: fmt::Display> Context<T> for std::result::Result<T, E> {
    fn ctx(self, kind: Kind, message: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| IronError::new(kind, message()).caused_by(e))
    }
}

/// Serializes a command's typed report once, at the edge (lib::run): everything before this
/// point is typed.
pub fn document<R: Serialize>(report: Result<R>) -> Result<Value> {
    report.and_then(|r| {
        serde_json::to_value(r)
            .map_err(|e| IronError::new(Kind::Internal, "cannot serialize the report").caused_by(e))
    })
}

/// Writes the one JSON document to stdout; returns whether it was delivered. A broken pipe
/// (`| head`, a reader that left on purpose) counts as delivered; a closed or full stdout does
/// not, and the caller turns that into a failure.
pub fn print_document(doc: &Value, pretty: bool) -> bool {
    let text = if pretty {
        serde_json::to_string_pretty(doc)
    } else {
        serde_json::to_string(doc)
    }
    .unwrap_or_else(|_| "{}".to_string());
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    match writeln!(lock, "{text}").and_then(|_| lock.flush()) {
        Ok(()) => true,
        Err(e) => e.kind() == std::io::ErrorKind::BrokenPipe,
    }
}

/// The exit code once the report's delivery is known: an undelivered success is a failure.
pub fn delivered_code(code: i32, delivered: bool) -> i32 {
    if delivered || code != exit::OK {
        code
    } else {
        exit::FAILED
    }
}

/// Any panic left (release builds abort on panic) still ends with the one JSON document: an
/// `internal` error, exit 1. The hook runs before the abort.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_string());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let err = IronError::new(Kind::Internal, format!("internal error: {what}{at}"));
        eprintln!("ironbox: internal error: {what}{at}");
        print_document(&err.to_json(), false);
        std::process::exit(exit::FAILED);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for k in Kind::ALL {
            let s = k.as_str();
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{s}");
            assert!(seen.insert(s), "duplicate kind {s}");
        }
    }

    #[test]
    fn serde_names_are_the_contract_names() {
        for k in Kind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }

    #[test]
    fn context_keys_are_not_the_fixed_fields() {
        for k in Key::ALL {
            assert!(
                !["kind", "message", "causes"].contains(&k.as_str()),
                "{k:?}"
            );
        }
    }

    #[test]
    fn error_object_carries_context() {
        let e = IronError::new(Kind::DeviceBusy, "/dev/loop3 is mounted")
            .with(Key::Device, "/dev/loop3")
            .caused_by("mounted on /mnt");
        let v = e.to_json();
        assert_eq!(v["error"]["kind"], "device_busy");
        assert_eq!(v["error"]["device"], "/dev/loop3");
        assert_eq!(v["error"]["causes"][0], "mounted on /mnt");
        assert_eq!(e.exit_code(), 4);
    }
}
