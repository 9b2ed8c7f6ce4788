//! Standard streams.

/// Points file descriptor 1 at stderr, so that the one JSON report goes to stderr when stdout
/// has carried binary output (`configdrive build -o -`).
pub fn redirect_stdout_to_stderr() {
    let _ = nix::unistd::dup2_stdout(std::io::stderr());
}

/// Whether stdout was closed when the program started (`ironbox inventory >&-`). Rust's runtime
/// reopens a closed fd 1 on /dev/null read-write before main, so a report would vanish with
/// exit 0; a shell's `> /dev/null` opens it write-only, which stays a deliberate discard.
pub fn stdout_was_closed() -> bool {
    use nix::fcntl::{FcntlArg, OFlag, fcntl};
    use nix::sys::stat::{SFlag, fstat};
    let out = std::io::stdout();
    let Ok(st) = fstat(&out) else {
        return true;
    };
    let is_null = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFCHR
        && nix::sys::stat::major(st.st_rdev) == 1
        && nix::sys::stat::minor(st.st_rdev) == 3;
    let rdwr = fcntl(&out, FcntlArg::F_GETFL)
        .is_ok_and(|fl| OFlag::from_bits_truncate(fl) & OFlag::O_ACCMODE == OFlag::O_RDWR);
    is_null && rdwr
}
