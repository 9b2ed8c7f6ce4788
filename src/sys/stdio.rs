//! Standard streams.

/// Points file descriptor 1 at stderr, so that the one JSON report goes to stderr when stdout
/// has carried binary output (`configdrive build -o -`).
pub fn redirect_stdout_to_stderr() {
    let _ = nix::unistd::dup2_stdout(std::io::stderr());
}
