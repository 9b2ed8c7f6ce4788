//! The schema hook: every JSON document a test gets from the binary is validated against the
//! schema the binary publishes for that command (`--report-schema`), by an independent validator
//! (python3-jsonschema), so every test is also a schema test. One validator process per test
//! binary, fed one line per document; it exits when the test binary does (its stdin closes).

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

struct Validator {
    /// Never waited for: it ends when its stdin closes, with the test binary.
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

fn validator() -> &'static Mutex<Validator> {
    static V: OnceLock<Mutex<Validator>> = OnceLock::new();
    V.get_or_init(|| {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/common/validate_reports.py"
        );
        let mut child = Command::new("python3")
            .arg(script)
            .arg(super::bin())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start the schema validator (python3, python3-jsonschema): {e}")
            });
        Mutex::new(Validator {
            stdin: child.stdin.take().unwrap(),
            stdout: BufReader::new(child.stdout.take().unwrap()),
            _child: child,
        })
    })
}

/// Panics (fails the test) when `doc`, printed by `ironbox <args>`, does not match the schema of
/// its command (or the error schema). A validator that cannot run fails too, naming why.
pub fn check(args: &[String], doc: &Value) {
    let mut v = validator().lock().unwrap_or_else(|p| p.into_inner());
    let line = json!({"args": args, "doc": doc}).to_string();
    let mut answer = String::new();
    let sent = writeln!(v.stdin, "{line}").and_then(|_| v.stdin.flush());
    let read = sent.and_then(|_| v.stdout.read_line(&mut answer));
    assert!(
        matches!(read, Ok(n) if n > 0),
        "the schema validator died ({read:?}): is python3-jsonschema installed? (scripts/test installs it)"
    );
    let answer = answer.trim();
    assert!(
        answer == "ok" || answer == "skip",
        "report does not match its schema: {}\nargs: {args:?}\ndocument: {doc}",
        answer.trim_start_matches("FAIL ")
    );
}
