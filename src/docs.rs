//! `ironbox generate --out DIR` (hidden): writes completions/ (bash, zsh, fish) and man/ (one
//! page for ironbox and one per subcommand, each with the exit-code table) from the clap
//! definitions. scripts/gen-docs runs it; a test fails when the committed files are stale.

use crate::cli::Cli;
use crate::report::{Context, Key, Kind, Result, exit, schemas};
use clap::CommandFactory;
use clap_complete::Shell;
use schemars::JsonSchema;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Directory that receives completions/ and man/
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
}

/// What `generate` prints: the files it wrote, relative to `--out`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GenerateReport {
    pub written: Vec<PathBuf>,
}

/// Commands with long work, whose `--progress json` lines man/schemas/progress.json describes.
const LONG_COMMANDS: &[&str] = &[
    "image-write",
    "image-cache",
    "configdrive",
    "erase",
    "firmware",
];

/// The REPORT section of a page: which schema files under man/schemas/ describe its output.
fn report_section(page: &str) -> String {
    let command = page.strip_prefix("ironbox-").unwrap_or("");
    let mut files: Vec<String> = schemas::REGISTRY
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| {
            *k == schemas::ERROR
                || (*k == schemas::PROGRESS && LONG_COMMANDS.contains(&command))
                || command.is_empty()
                || *k == command
                || k.strip_prefix(command).is_some_and(|r| r.starts_with(' '))
        })
        .map(schemas::file_name)
        .collect();
    files.sort();
    let mut s = String::from(
        ".SH REPORT\nThe JSON Schema of the report (and of the error document) is printed by \\fB--report-schema\\fR and shipped as:\n",
    );
    if LONG_COMMANDS.contains(&command) {
        s.push_str(
            ".PP\nWith \\fB--progress json\\fR, stderr carries one JSON object a line (\\fBevent\\fR progress, warning or info, each with \\fBversion\\fR; progress lines name their \\fBphase\\fR: download, decode, write, zero, verify, erase, sanitize), described by man/schemas/progress.json.\n",
        );
    }
    for f in files {
        s.push_str(&format!(".TP\n\\fBman/schemas/{f}\\fR\n"));
    }
    s
}

fn exit_status_section() -> String {
    let mut s = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in exit::TABLE {
        s.push_str(&format!(".TP\n\\fB{code}\\fR\n{meaning}\n"));
    }
    s.push_str(".SH OUTPUT\nOne JSON document on stdout, also on failure: {\"error\": {\"kind\": ..., \"message\": ..., \"causes\": [...]}}.\nProgress and warnings go to stderr.\n");
    s.push_str(".SH \"ERROR CONTEXT\"\nBeside kind, message and causes, an error object carries only these keys, each where it helps:\n");
    for k in Key::ALL {
        s.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", k.as_str(), k.doc()));
    }
    s
}

/// Every generated file: (relative path, content).
pub fn generate() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for (shell, file) in [
        (Shell::Bash, "ironbox.bash"),
        (Shell::Zsh, "_ironbox"),
        (Shell::Fish, "ironbox.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "ironbox", &mut buf);
        out.push((Path::new("completions").join(file), buf));
    }
    let root = Cli::command();
    let mut pages = vec![("ironbox".to_string(), root.clone())];
    for sub in root.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("ironbox-{}", sub.get_name());
        let version = root.get_version().unwrap_or("").to_string();
        pages.push((name.clone(), sub.clone().name(name).version(version)));
    }
    for (name, cmd) in pages {
        let mut buf = Vec::new();
        let _ = clap_mangen::Man::new(cmd).render(&mut buf);
        buf.extend_from_slice(exit_status_section().as_bytes());
        buf.extend_from_slice(report_section(&name).as_bytes());
        out.push((Path::new("man").join(format!("{name}.1")), buf));
    }
    for (name, schema) in schemas::REGISTRY {
        let mut text = serde_json::to_string_pretty(&schema().to_value()).unwrap_or_default();
        text.push('\n');
        out.push((
            Path::new("man/schemas").join(schemas::file_name(name)),
            text.into_bytes(),
        ));
    }
    out
}

pub fn run(args: &Args) -> Result<GenerateReport> {
    let mut written = Vec::new();
    for (rel, content) in generate() {
        let path = args.out.join(&rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .ctx(Kind::Io, || format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&path, content)
            .ctx(Kind::Io, || format!("cannot write {}", path.display()))?;
        written.push(rel);
    }
    Ok(GenerateReport { written })
}
