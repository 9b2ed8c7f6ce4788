//! `ironbox check-disk` (hidden): resolve `--disk` (path or `auto` + hints) and apply the safety
//! rules, opening nothing. Answers "would ironbox write this disk?" for operators and tests.

use crate::disk::{DiskArgs, resolve_target, safety};
use crate::report::Result;

mod report;
pub use report::CheckDiskReport;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(flatten)]
    pub disk: DiskArgs,
    /// Treat the busy rules (mounted, swap, holders, protected filesystems) as overridden
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &Args) -> Result<CheckDiskReport> {
    let target = resolve_target(&args.disk)?;
    let dev = &target.device;
    let refusals = safety::check(dev, args.force)?;
    Ok(CheckDiskReport {
        device: dev.path.clone(),
        size: dev.size,
        logical_sector_size: dev.logical_sector_size,
        writable: true,
        overridden: refusals,
        selection: args.disk.explain.then_some(target.selection),
    })
}
