//! `ironbox firmware` (not implemented yet).

use crate::report::{IronError, Result};
use serde_json::Value;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}

pub fn run(_args: &Args) -> Result<Value> {
    Err(IronError::not_implemented("firmware"))
}
