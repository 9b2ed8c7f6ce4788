//! SIGINT/SIGTERM handling. The handler only sets a flag; long-running loops call `check()` at
//! their safe points (between writes), clean up as their command requires, and return the
//! `interrupted` error, which exits 130.

use crate::report::{IronError, Kind, Result};
use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Installs the flag-setting handler for SIGINT and SIGTERM.
pub fn install() {
    crate::sys::signal::on_interrupt(on_signal);
}

pub fn requested() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Returns the `interrupted` error once a signal has arrived.
pub fn check() -> Result<()> {
    if requested() {
        Err(IronError::new(Kind::Interrupted, "interrupted by signal"))
    } else {
        Ok(())
    }
}
