//! ironbox: bare-metal provisioning toolbox. The binary is a thin shell over this library so
//! that tests and benchmarks reach the same code.

mod agent;
mod attach;
mod bootloader;
mod chap;
mod check_disk;
pub mod cli;
mod clock;
mod configdrive;
pub mod disk;
mod docs;
mod erase;
mod export;
mod extension;
mod fetch;
mod firmware;
#[doc(hidden)]
pub mod fuzz;
pub mod image;
mod interrupt;
mod inventory;
mod le;
mod partition;
pub mod progress;
pub mod report;
pub mod sys;

use cli::{Cli, Command};
use report::Result;
use serde_json::Value;

/// Runs a parsed command line and returns its report. Data flows one way:
/// main → cli → `<command>::run` → report.
pub fn run(cli: Cli) -> Result<Value> {
    progress::init(cli.global.progress, cli.global.quiet);
    if let Some(root) = &cli.global.sysroot {
        sys::sysfs::set_root(root.clone());
    }
    interrupt::install();
    match cli.command {
        Command::Agent(a) => report::document(agent::run(&a)),
        Command::Inventory(a) => report::document(inventory::run(&a)),
        // --schema prints the layout document's schema, not a report.
        Command::Partition(a) if a.schema => partition::layout_schema(),
        Command::Partition(a) => report::document(partition::run(&a)),
        Command::ImageWrite(a) => image::run_write(&a),
        Command::ImageCache(a) => image::run_cache(&a),
        Command::Configdrive(a) => configdrive::run(&a),
        Command::Firmware(a) => report::document(firmware::run(&a)),
        Command::Erase(a) => report::document(erase::run(&a)),
        Command::Bootloader(a) => report::document(bootloader::run(&a)),
        Command::Export(a) => report::document(export::run(&a)),
        Command::Attach(a) => report::document(attach::run_attach(&a)),
        Command::Detach(a) => report::document(attach::run_detach(&a)),
        Command::CheckDisk(a) => report::document(check_disk::run(&a)),
        Command::Generate(a) => report::document(docs::run(&a)),
        Command::External(argv) => extension::run(argv),
    }
}
