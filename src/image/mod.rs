//! `ironbox image-write` (stream an image from URLs, a file or stdin to a disk in one verified
//! pass) and `ironbox image-cache` (the local content-addressed image cache).

pub(crate) mod cache;
mod cache_cmd;
pub mod format;
pub(crate) mod pipeline;
pub(crate) mod report;
pub(crate) mod sink;
pub(crate) mod source;
mod write;

use crate::disk::DiskArgs;
use crate::fetch::HttpArgs;
use crate::report::Result;
use format::ForceFormat;
use serde_json::Value;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct WriteArgs {
    /// Image sources: http(s) URLs, a local path, or `-` for stdin; several are mirrors tried in order
    #[arg(value_name = "SOURCE", required = true, num_args = 1..)]
    pub sources: Vec<String>,
    #[command(flatten)]
    pub disk: DiskArgs,
    /// Write a partition image into this partition (number or GPT label) of --disk
    #[arg(long, value_name = "N|LABEL")]
    pub partition: Option<String>,
    /// Expected checksum: ALGO:HEX (md5, sha1, sha256, sha384, sha512), bare hex, or a checksum-file URL
    #[arg(long, value_name = "SPEC")]
    pub checksum: Option<String>,
    /// Image format
    #[arg(long, value_enum, default_value_t = ForceFormat::Auto)]
    pub format: ForceFormat,
    /// Zero runs: BLKZEROOUT (auto), written as zeros (write), or skipped (skip)
    #[arg(long, value_enum, default_value_t = sink::Sparse::Auto)]
    pub sparse: sink::Sparse,
    /// Read back what was written and compare its sha256 with the decoded image's
    #[arg(long)]
    pub verify: bool,
    /// Do not hash the decoded image (written_sha256 is then null). Hashing reads every zero
    /// of a sparse image at about 2 GB/s; without it the time follows the data only
    #[arg(long, conflicts_with = "verify")]
    pub no_written_sha256: bool,
    /// Image cache: read a verified hit without downloading, fill it on a miss
    #[arg(long, value_name = "DIR", env = "IRONBOX_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    #[command(flatten)]
    pub http: HttpArgs,
    /// Validate everything and print the plan; open nothing for writing
    #[arg(long)]
    pub dry_run: bool,
    /// Override the busy rules (mounted, swap, holders, protected filesystems)
    #[arg(long)]
    pub force: bool,
    /// On failure, keep what was written instead of zeroing the first and last MiB (the old ones are cleared before the first byte all the same)
    #[arg(long)]
    pub preserve_on_error: bool,
}

#[derive(clap::Args, Debug, Clone)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub action: cache_cmd::Action,
}

pub fn run_write(args: &WriteArgs) -> Result<Value> {
    crate::report::document(write::run(args))
}

pub fn run_cache(args: &CacheArgs) -> Result<Value> {
    crate::report::document(cache_cmd::run(args))
}
