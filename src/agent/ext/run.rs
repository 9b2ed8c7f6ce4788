//! Runs `ironbox <subcommand>` as a child of this binary and reads its one JSON report; a
//! failure becomes a command error carrying ironbox's kind and message (what Ironic shows in
//! last_error), in the same words as the ansible playbooks' failures.

use super::{CommandError, Ctx, Outcome};
use serde_json::Value;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

/// The words of a failed report: `kind: message`.
pub fn error_text(report: &Value) -> Option<String> {
    let e = report.get("error")?;
    let kind = e.get("kind").and_then(Value::as_str).unwrap_or("error");
    let msg = e.get("message").and_then(Value::as_str).unwrap_or("");
    Some(format!("{kind}: {msg}"))
}

pub fn ironbox(ctx: &Ctx, args: &[String], stdin: Option<Vec<u8>>) -> Outcome {
    let sub = args
        .iter()
        .take_while(|a| !a.starts_with('-'))
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    super::super::state::log(&format!("api: ironbox {}", args.join(" ")));
    let mut cmd = Command::new(&ctx.exe);
    // argv[0] names the binary, not a subcommand (multi-call dispatch)
    cmd.arg0("ironbox")
        .args(["--progress", "none"])
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd
        .spawn()
        .map_err(|e| CommandError::execution(format!("cannot run ironbox {sub}: {e}")))?;
    // the input is written from its own thread so a child that answers early cannot deadlock us
    let feeder = match (stdin, child.stdin.take()) {
        (Some(data), Some(mut pipe)) => Some(std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        })),
        _ => None,
    };
    let out = child
        .wait_with_output()
        .map_err(|e| CommandError::execution(format!("ironbox {sub}: {e}")))?;
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let report: Option<Value> = serde_json::from_slice(&out.stdout).ok();
    let code = out.status.code().map_or_else(
        || {
            format!(
                "killed by signal {}",
                std::os::unix::process::ExitStatusExt::signal(&out.status).unwrap_or(0)
            )
        },
        |c| format!("exit {c}"),
    );
    match (out.status.success(), report) {
        (true, Some(r)) => Ok(r),
        (false, Some(r)) => Err(CommandError::execution(format!(
            "ironbox {sub} failed ({code}): {}",
            error_text(&r).unwrap_or_else(|| r.to_string())
        ))),
        (_, None) => Err(CommandError::execution(format!(
            "ironbox {sub} failed ({code}) with no JSON report"
        ))),
    }
}

/// Runs a plain program (sync, poweroff): its exit status only.
pub fn program(argv: &[String]) -> Result<(), CommandError> {
    let Some((prog, rest)) = argv.split_first() else {
        return Ok(());
    };
    let st = Command::new(prog)
        .args(rest)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| CommandError::execution(format!("cannot run {prog}: {e}")))?;
    if st.success() {
        Ok(())
    } else {
        Err(CommandError::execution(format!(
            "{} failed: {st}",
            argv.join(" ")
        )))
    }
}
