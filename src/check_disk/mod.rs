//! `ironbox check-disk` (hidden): resolve `--disk` (path or `auto` + hints) and apply the safety
//! rules, opening nothing. Answers "would ironbox write this disk?" for operators and tests.

use crate::disk::{DiskArgs, resolve_target, safety};
use crate::report::Result;
use serde_json::{Value, json};

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(flatten)]
    pub disk: DiskArgs,
    /// Treat the busy rules (mounted, swap, holders, protected filesystems) as overridden
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &Args) -> Result<Value> {
    let target = resolve_target(&args.disk)?;
    let dev = &target.device;
    let refusals = safety::check(dev, args.force)?;
    let mut report = json!({
        "device": dev.path,
        "size": dev.size,
        "logical_sector_size": dev.logical_sector_size,
        "writable": true,
        "overridden": refusals,
    });
    if args.disk.explain {
        report["selection"] = json!(target.selection);
    }
    Ok(report)
}
