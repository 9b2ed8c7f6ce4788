//! A thin main: pick the command from argv[0] or argv[1], parse, run, print the one JSON
//! document, exit with the documented code.

use clap::Parser;
use ironbox::cli::{Cli, MULTICALL_COMMANDS, report_schema_request};
use ironbox::report::Key;
use ironbox::report::{
    IronError, delivered_code, exit, install_panic_hook, print_document, schemas,
};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::Path;

/// Multi-call: run as `inventory` or `ironbox-inventory`, the binary acts as `ironbox inventory`.
fn dispatch_argv0(mut args: Vec<OsString>) -> Vec<OsString> {
    let name = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let command = name.strip_prefix("ironbox-").unwrap_or(&name);
    if name != "ironbox" && MULTICALL_COMMANDS.contains(&command) {
        args[0] = OsString::from("ironbox");
        args.insert(1, OsString::from(command));
    }
    args
}

/// `--report-schema`: the schema of the named command's report (every schema for bare
/// `ironbox --report-schema`), without running anything.
fn print_report_schema(path: &[String], pretty: bool) -> i32 {
    let doc = if path.is_empty() {
        schemas::all()
    } else {
        match schemas::name_for(path).and_then(schemas::schema) {
            Some(s) => s.to_value(),
            None => {
                let what = path.join(" ");
                let err = IronError::usage(format!("'{what}' has no report schema"))
                    .with(Key::Command, &what);
                print_document(&err.to_json(), pretty);
                return exit::USAGE;
            }
        }
    };
    delivered_code(exit::OK, print_document(&doc, pretty))
}

fn main() {
    install_panic_hook();
    // Lets tests prove the hook works in the real binary (release aborts on panic).
    if std::env::var_os("IRONBOX_SELFTEST_PANIC").is_some() {
        panic!("IRONBOX_SELFTEST_PANIC is set");
    }
    if ironbox::sys::stdio::stdout_was_closed() {
        // Nothing may run whose report cannot be delivered.
        eprintln!("ironbox: stdout is closed: no report can be delivered");
        std::process::exit(exit::FAILED);
    }
    let args = dispatch_argv0(std::env::args_os().collect());
    let pretty_flag = args.iter().any(|a| a == "--pretty");
    let pretty = pretty_flag || std::io::stdout().is_terminal();

    if let Some(path) = report_schema_request(&args) {
        std::process::exit(print_report_schema(&path, pretty));
    }

    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind as K;
            match e.kind() {
                K::DisplayHelp | K::DisplayVersion => {
                    let _ = e.print();
                    std::process::exit(exit::OK);
                }
                K::DisplayHelpOnMissingArgumentOrSubcommand => {
                    // Bare `ironbox` (or a command missing its subcommand): help for humans on
                    // stderr, the usage error object for machines on stdout.
                    eprint!("{}", e.render());
                    let err = IronError::usage("a command is required (see --help)");
                    print_document(&err.to_json(), pretty);
                    std::process::exit(exit::USAGE);
                }
                _ => {
                    // Humans get clap's text on stderr; machines get the error object on stdout.
                    let _ = e.print();
                    let text = e.to_string();
                    // clap's text up to its usage block, on one line, so that the message names
                    // the missing or bad argument.
                    let message = text
                        .lines()
                        .take_while(|l| {
                            !l.starts_with("Usage:") && !l.starts_with("For more information")
                        })
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ");
                    let message = message.trim_start_matches("error: ");
                    let err = IronError::usage(if message.is_empty() {
                        "invalid usage"
                    } else {
                        message
                    });
                    print_document(&err.to_json(), pretty);
                    std::process::exit(exit::USAGE);
                }
            }
        }
    };

    let code = match ironbox::run(cli) {
        Ok(report) => delivered_code(exit::OK, print_document(&report, pretty)),
        Err(err) => {
            let delivered = print_document(&err.to_json(), pretty);
            if !matches!(
                ironbox::progress::mode(),
                ironbox::progress::ProgressMode::None | ironbox::progress::ProgressMode::Json
            ) {
                eprintln!("ironbox: error: {err}");
            }
            delivered_code(err.exit_code(), delivered)
        }
    };
    std::process::exit(code);
}
