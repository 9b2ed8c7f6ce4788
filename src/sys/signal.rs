//! Signal handlers: SIGINT and SIGTERM only set a flag (see `crate::interrupt`).

use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};

/// Installs `handler` for SIGINT and SIGTERM, restarting interrupted system calls.
/// `handler` must be async-signal-safe (an atomic store, nothing more).
pub fn on_interrupt(handler: extern "C" fn(libc::c_int)) {
    let action = SigAction::new(
        SigHandler::Handler(handler),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for sig in [Signal::SIGINT, Signal::SIGTERM] {
        // SAFETY: replacing a handler is unsound only when the new one does what a signal
        // context forbids; the contract above limits it to an atomic store.
        let _ = unsafe { sigaction(sig, &action) };
    }
}
