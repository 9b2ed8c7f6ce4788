//! `ironbox image-write` and `ironbox image-cache` (not implemented yet).

pub mod format;

use crate::report::{IronError, Result};
use serde_json::Value;

#[derive(clap::Args, Debug, Clone)]
pub struct WriteArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct CacheArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}

pub fn run_write(_args: &WriteArgs) -> Result<Value> {
    Err(IronError::not_implemented("image-write"))
}

pub fn run_cache(_args: &CacheArgs) -> Result<Value> {
    Err(IronError::not_implemented("image-cache"))
}
