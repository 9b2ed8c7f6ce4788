//! `system.lockdown`: after it the agent answers no more requests (Ironic then powers the node
//! off out of band or leaves it to the instance), as IPA's lockdown stops its API.

use super::{Ctx, Extension, Method, Mode, Outcome, Params};
use serde_json::Value;
use std::sync::atomic::Ordering;

pub const EXTENSION: Extension = Extension {
    name: "system",
    methods: &[Method {
        name: "lockdown",
        mode: Mode::Sync,
        run: lockdown,
    }],
};

fn lockdown(ctx: &Ctx, _p: &Params) -> Outcome {
    nix::unistd::sync();
    ctx.locked.store(true, Ordering::SeqCst);
    crate::agent::state::log("api: locked down by Ironic; no further requests are served");
    Ok(Value::Null)
}
