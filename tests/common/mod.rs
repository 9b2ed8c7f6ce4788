//! Shared test harness: loop-device disks, a local HTTP server with failure modes, a runner for
//! the built binary that parses its one JSON document, and the fixtures folder.
#![allow(dead_code)]

pub mod http;
pub mod images;
pub mod proxy;
pub mod schema;
pub mod tls;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ironbox"))
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn is_root() -> bool {
    nix::unistd::Uid::effective().is_root()
}

/// Fails the calling test loudly when not root: a test that cannot run is red, never green.
#[macro_export]
macro_rules! require_root {
    () => {
        $crate::common::require_root(module_path!())
    };
}

/// Panics (fails the test) unless running as root; `what` names the test or module.
pub fn require_root(what: &str) {
    assert!(
        is_root(),
        "{what} needs root (loop devices): run as root (scripts/test does)"
    );
}

/// Whether an external tool is on PATH; for optional cross-checks only. A tool a test needs
/// goes through `require_tools`, which fails instead of skipping.
pub fn have_tool(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Tools from `tools` that are not on PATH.
pub fn missing_tools<'a>(tools: &[&'a str]) -> Vec<&'a str> {
    tools.iter().copied().filter(|t| !have_tool(t)).collect()
}

/// Panics (fails the test) naming every missing tool: a test that cannot run is red.
pub fn require_tools(tools: &[&str]) {
    let missing = missing_tools(tools);
    assert!(
        missing.is_empty(),
        "missing tool(s): {}; scripts/test installs them (scripts/install-packages)",
        missing.join(", ")
    );
}

/// Panics unless `path` exists (a packaged file such as OVMF firmware), naming its package.
pub fn require_file(path: &Path, package: &str) {
    assert!(
        path.exists(),
        "{} is missing: install {package} (scripts/test installs it)",
        path.display()
    );
}

/// Runs a shell command, panicking with its output when it fails.
pub fn sh(cmd: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .expect("spawn sh");
    assert!(
        out.status.success(),
        "command failed: {cmd}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a shell command and returns (exit code, stdout, stderr) without judging it.
pub fn sh_status(cmd: &str) -> (i32, String, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .expect("spawn sh");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A loop device on a sparse file in its own temp dir; detached on drop (also during a panic).
pub struct LoopDisk {
    pub dir: tempfile::TempDir,
    pub file: PathBuf,
    pub path: PathBuf,
    pub size: u64,
}

impl LoopDisk {
    pub fn new(size: u64) -> LoopDisk {
        LoopDisk::with_sector_size(size, 512)
    }

    pub fn with_sector_size(size: u64, sector: u32) -> LoopDisk {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("disk.img");
        std::fs::File::create(&file)
            .and_then(|f| f.set_len(size))
            .expect("sparse file");
        LoopDisk::attach(dir, file, size, sector)
    }

    /// Attaches an existing image file (copied into a temp dir first by the caller if needed).
    pub fn from_file(image: &Path, sector: u32) -> LoopDisk {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("disk.img");
        std::fs::copy(image, &file).expect("copy image");
        let size = std::fs::metadata(&file).unwrap().len();
        LoopDisk::attach(dir, file, size, sector)
    }

    fn attach(dir: tempfile::TempDir, file: PathBuf, size: u64, sector: u32) -> LoopDisk {
        let out = sh(&format!(
            "losetup -fP --show --sector-size {sector} {}",
            file.display()
        ));
        let path = PathBuf::from(out.trim());
        assert!(
            out.trim().starts_with("/dev/loop"),
            "unexpected losetup output {out:?}"
        );
        LoopDisk {
            dir,
            file,
            path,
            size,
        }
    }

    pub fn dev(&self) -> &str {
        self.path.to_str().unwrap()
    }

    /// Kernel name (`loop7`).
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    /// Reads `len` bytes at `offset` straight from the backing file.
    pub fn read_at(&self, offset: u64, len: usize) -> Vec<u8> {
        use std::io::{Read, Seek, SeekFrom};
        let _ = sh(&format!("blockdev --flushbufs {}", self.dev()));
        let mut f = std::fs::File::open(&self.path).unwrap();
        f.seek(SeekFrom::Start(offset)).unwrap();
        let mut buf = vec![0u8; len];
        f.read_exact(&mut buf).unwrap();
        buf
    }

    /// Writes bytes at `offset` through the device.
    pub fn write_at(&self, offset: u64, data: &[u8]) {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .unwrap();
        f.seek(SeekFrom::Start(offset)).unwrap();
        f.write_all(data).unwrap();
        f.sync_all().unwrap();
    }
}

impl Drop for LoopDisk {
    fn drop(&mut self) {
        // Unmount anything a test mounted from this disk, then detach; retry briefly because
        // the kernel may still hold the device for a moment after the last close.
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "grep -o '^{}[^ ]*' /proc/mounts | xargs -r -n1 umount -l",
                self.dev()
            ))
            .status();
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!("swapoff {}* 2>/dev/null", self.dev()))
            .status();
        for _ in 0..20 {
            let ok = Command::new("losetup")
                .arg("-d")
                .arg(&self.path)
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// The result of one run of the binary: exit code, the parsed JSON document, stderr.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub json: Value,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Parses the output of an ironbox run started some other way (under unshare, say). Only an
    /// error document can be schema-checked without the arguments: see `from_output_of`.
    pub fn from_output(out: Output) -> Run {
        Run::from_output_of(&[], out)
    }

    /// Parses the output of `ironbox <args>` and checks the document against its schema.
    pub fn from_output_of(args: &[String], out: Output) -> Run {
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let json = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
            panic!("stdout is not one JSON document ({e}):\n{stdout}\nstderr:\n{stderr}")
        });
        if !args.is_empty() || schema_free_error(&json) {
            schema::check(args, &json);
        }
        Run {
            code: out.status.code().unwrap_or(-1),
            json,
            stdout,
            stderr,
        }
    }

    /// Asserts success and returns the report.
    pub fn ok(self) -> Value {
        assert_eq!(
            self.code, 0,
            "expected success, got {}:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self.json
    }

    /// Asserts the exit code and error kind; returns the error object.
    pub fn fails(self, code: i32, kind: &str) -> Value {
        assert_eq!(
            self.code, code,
            "exit code; stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert_eq!(
            self.json["error"]["kind"], kind,
            "error kind; stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self.json["error"].clone()
    }
}

/// An error document needs no command to be checked.
fn schema_free_error(doc: &Value) -> bool {
    doc.as_object()
        .is_some_and(|o| o.len() == 1 && o.contains_key("error"))
}

/// A fluent runner: `ironbox(&["inventory"]).env("X", "1").stdin(bytes).run()`.
pub struct Ironbox {
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

pub fn ironbox(args: &[&str]) -> Ironbox {
    let mut cmd = Command::new(bin());
    cmd.arg("--progress").arg("none").args(args);
    Ironbox { cmd, stdin: None }
}

impl Ironbox {
    pub fn arg(mut self, a: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.arg(a);
        self
    }
    pub fn args<S: AsRef<std::ffi::OsStr>>(mut self, a: impl IntoIterator<Item = S>) -> Self {
        self.cmd.args(a);
        self
    }
    pub fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.env(k, v);
        self
    }
    pub fn stdin(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(data.into());
        self
    }
    pub fn run(mut self) -> Run {
        use std::io::Write;
        self.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        self.cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = self.cmd.spawn().expect("spawn ironbox");
        if let Some(data) = self.stdin.take() {
            let mut sin = child.stdin.take().unwrap();
            std::thread::spawn(move || {
                let _ = sin.write_all(&data);
            });
        }
        let args: Vec<String> = self
            .cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        Run::from_output_of(&args, child.wait_with_output().expect("wait ironbox"))
    }
}

/// The helpers themselves: a missing tool is a red test that names it, never a silent return.
/// (These run once in every test binary that includes `common`; they only spawn `sh`.)
#[cfg(test)]
mod helper_tests {
    use super::*;

    #[test]
    #[should_panic(
        expected = "missing tool(s): ironbox-no-such-tool-1, ironbox-no-such-tool-2; \
                               scripts/test installs them"
    )]
    fn require_tools_fails_naming_every_missing_tool() {
        require_tools(&["sh", "ironbox-no-such-tool-1", "ironbox-no-such-tool-2"]);
    }

    #[test]
    fn require_tools_passes_when_all_are_present() {
        require_tools(&["sh"]);
        assert_eq!(
            missing_tools(&["sh", "ironbox-no-such-tool"]),
            ["ironbox-no-such-tool"]
        );
    }

    #[test]
    #[should_panic(expected = "/nonexistent/ironbox-firmware.fd is missing: install ovmf")]
    fn require_file_fails_naming_the_package() {
        require_file(Path::new("/nonexistent/ironbox-firmware.fd"), "ovmf");
    }
}
