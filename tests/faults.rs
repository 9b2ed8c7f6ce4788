//! Faults end to end through the binary on loop disks: whatever fails after the first byte of
//! an image reached the target (a later mirror, a restart, `--verify`, SIGKILL), the disk must
//! not look like it holds a valid table. Checked with blkid -p, wipefs -n, sfdisk and the bytes.
mod common;

use common::http::{HttpServer, Route};
use common::images::Images;
use common::{LoopDisk, have_tool, ironbox, is_root, sh, sh_status};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

const MIB: u64 = 1 << 20;
const DISK: u64 = 64 * MIB;
const IMAGE: u64 = 24 * MIB;

/// These tests cannot be skipped green: without root or the tools they fail.
fn require() {
    assert!(is_root(), "tests/faults.rs needs root (loop devices)");
    for t in [
        "sgdisk", "sfdisk", "blkid", "wipefs", "gzip", "losetup", "qemu-img", "partx",
    ] {
        assert!(have_tool(t), "tests/faults.rs needs {t}");
    }
}

/// A 24 MiB GPT image of random data with a zero run at 4..8 MiB, and a gzip of it cut short
/// (decodes most of it, then fails as corrupt).
fn images() -> &'static Images {
    static IMAGES: OnceLock<Images> = OnceLock::new();
    IMAGES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("faults-fixtures");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.display();
        sh(&format!(
            "truncate -s {IMAGE} {d}/disk.img \
             && dd if=/dev/urandom of={d}/disk.img bs=1M seek=1 count=22 conv=notrunc status=none \
             && dd if=/dev/zero of={d}/disk.img bs=1M seek=4 count=4 conv=notrunc status=none \
             && sgdisk -n1:2048:0 -c1:newimage {d}/disk.img >/dev/null \
             && gzip -c {d}/disk.img | head -c -200000 > {d}/truncated.img.gz \
             && qemu-img convert -O qcow2 {d}/disk.img {d}/disk.qcow2"
        ));
        Images { dir }
    })
}

/// A server with one route at `path` serving fixture `name`, adjusted by `tweak`.
fn serve(path: &str, name: &str, tweak: impl FnOnce(&mut Route)) -> HttpServer {
    let server = HttpServer::start();
    let mut r = Route::new(images().bytes(name));
    tweak(&mut r);
    server.route(path, r);
    server
}

/// A disk that holds a valid GPT of its own (the previous tenant's layout).
fn old_disk() -> LoopDisk {
    let disk = LoopDisk::new(DISK);
    sh(&format!(
        "sgdisk -n1:2048:+8M -c1:oldroot -n2:0:+8M -c2:olddata {} >/dev/null",
        disk.dev()
    ));
    assert_eq!(sh_status(&format!("sfdisk --json {}", disk.dev())).0, 0);
    disk
}

/// The first and last MiB are zero and no independent tool finds a table or signature.
fn assert_looks_blank(disk: &LoopDisk) {
    assert!(
        disk.read_at(0, MIB as usize).iter().all(|b| *b == 0),
        "first MiB not zeroed"
    );
    assert!(
        disk.read_at(DISK - MIB, MIB as usize)
            .iter()
            .all(|b| *b == 0),
        "last MiB not zeroed"
    );
    let (code, out, _) = sh_status(&format!("blkid -p {}", disk.dev()));
    assert_eq!(code, 2, "blkid -p found something: {out}");
    let wipefs = sh(&format!("wipefs -n {}", disk.dev()));
    assert!(wipefs.trim().is_empty(), "wipefs -n lists: {wipefs}");
    let (code, out, _) = sh_status(&format!("sfdisk --json {}", disk.dev()));
    assert_ne!(code, 0, "sfdisk still reads a table: {out}");
}

#[test]
fn a_mirror_that_wrote_then_failed_and_a_missing_next_mirror_leave_no_table() {
    require();
    let img = images();
    let server = HttpServer::start();
    server.route("/cut.img.gz", Route::new(img.bytes("truncated.img.gz")));
    let disk = old_disk();
    let e = ironbox(&["image-write", &server.url("/cut.img.gz")])
        .arg(server.url("/missing.img"))
        .args(["--disk", disk.dev()])
        .run()
        .fails(1, "http_status");
    let tried = e["sources_tried"].as_array().unwrap();
    assert_eq!(tried.len(), 2, "{e}");
    assert_eq!(tried[0]["error"]["kind"], "corrupt_image");
    assert_looks_blank(&disk);
}

#[test]
fn a_restart_without_ranges_that_meets_a_404_leaves_no_table() {
    require();
    let server = serve("/gone.img", "disk.img", |r| {
        r.ranges = false;
        r.drop_after = Some(20 * MIB as usize);
        r.faults = 1;
        r.status_after_faults = Some(404);
    });
    let disk = old_disk();
    ironbox(&["image-write", &server.url("/gone.img")])
        .args(["--disk", disk.dev()])
        .run()
        .fails(1, "http_status");
    assert_eq!(server.requests("/gone.img").len(), 2, "dropped, then 404");
    assert_looks_blank(&disk);
}

#[test]
fn a_verify_mismatch_exits_3_and_leaves_no_table() {
    require();
    let img = images();
    let disk = old_disk();
    // The image's zero run (4..8 MiB) is skipped over 0xff: the read-back cannot match.
    disk.write_at(4 * MIB, &vec![0xff; 4 * MIB as usize]);
    let e = ironbox(&["image-write", &img.p("disk.img"), "--disk", disk.dev()])
        .args(["--sparse", "skip", "--verify"])
        .run()
        .fails(3, "verification_failed");
    assert!(e["actual"].is_string() && e["actual"] != e["expected"]);
    assert_looks_blank(&disk);
}

#[test]
fn sigkill_mid_write_leaves_no_valid_old_table() {
    require();
    let img = images();
    let body = img.bytes("disk.img");
    let server = HttpServer::start();
    let mut r = Route::new(body.clone());
    r.stall_after = Some(16 * MIB as usize);
    r.faults = 1;
    server.route("/stall.img", r);
    let disk = old_disk();
    let mut child = std::process::Command::new(common::bin())
        .args([
            "--progress",
            "none",
            "image-write",
            &server.url("/stall.img"),
        ])
        .args(["--disk", disk.dev(), "--timeout", "300"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) until image data is on the disk, then kill without a chance to clean up.
    let probe = (2 * MIB) as usize;
    let mut landed = false;
    for _ in 0..600 {
        if disk.read_at(probe as u64, 4096) == body[probe..probe + 4096] {
            landed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(landed, "the image's data never reached the disk");
    assert_looks_blank(&disk);
}

/// A VMFS disk whose GPT header points its entry array past any device (2^62 LBAs): the probe
/// used to fail on that seek, the error was ignored and the disk passed as writable.
#[test]
fn a_vmfs_disk_behind_a_hostile_gpt_is_refused_not_writable() {
    require();
    let img = images();
    let disk = LoopDisk::new(DISK);
    let mut header = b"EFI PART".to_vec();
    header.resize(92, 0);
    header[72..80].copy_from_slice(&(1u64 << 62).to_le_bytes());
    header[80..84].copy_from_slice(&128u32.to_le_bytes());
    header[84..88].copy_from_slice(&128u32.to_le_bytes());
    disk.write_at(512, &header);
    disk.write_at(MIB, &[0x0d, 0xd0, 0x01, 0xc0]);
    let before = std::fs::read(&disk.file).unwrap();
    let e = ironbox(&["check-disk", "--disk", disk.dev()])
        .run()
        .fails(4, "protected_filesystem");
    assert!(e["holder"].as_str().unwrap().contains("vmfs"), "{e}");
    ironbox(&["image-write", &img.p("disk.img"), "--disk", disk.dev()])
        .run()
        .fails(4, "protected_filesystem");
    assert!(std::fs::read(&disk.file).unwrap() == before, "disk changed");
}

/// Copies the GPT areas (first and last MiB) of a table made by sgdisk on a file of `size`
/// bytes onto the disk with plain writes, as `dd` would: the kernel is not told, so its
/// partition nodes go stale. A file larger than the disk gives a table that reaches past it.
fn dd_table_sized(disk: &LoopDisk, size: u64, sgdisk_args: &str) {
    let t = disk.dir.path().join("table.img");
    sh(&format!(
        "rm -f {t} && truncate -s {size} {t} && sgdisk {sgdisk_args} {t} >/dev/null",
        t = t.display()
    ));
    let bytes = std::fs::read(&t).unwrap();
    disk.write_at(0, &bytes[..MIB as usize]);
    if size == DISK {
        disk.write_at(DISK - MIB, &bytes[(DISK - MIB) as usize..]);
    }
}

fn dd_table(disk: &LoopDisk, sgdisk_args: &str) {
    dd_table_sized(disk, DISK, sgdisk_args)
}

fn sysfs_start(disk: &LoopDisk, n: u32) -> u64 {
    let p = format!("/sys/class/block/{0}/{0}p{n}/start", disk.name());
    std::fs::read_to_string(p).unwrap().trim().parse().unwrap()
}

/// A disk whose kernel view is stale: the kernel has p1 at 1 MiB (filled with 0xaa), the table
/// on disk has p1 "target" at 20 MiB. Returns the disk and a 4 MiB random image.
fn stale_partition_disk() -> (LoopDisk, Vec<u8>) {
    let disk = LoopDisk::new(DISK);
    dd_table(&disk, "-n1:2048:+8M -c1:old -n2:0:+8M -c2:other");
    sh(&format!("partx -a {}", disk.dev()));
    assert_eq!(sysfs_start(&disk, 1), 2048);
    disk.write_at(MIB, &vec![0xaa; 8 * MIB as usize]);
    dd_table(&disk, "-n1:40960:+8M -c1:target");
    let image = sh(&format!(
        "head -c {} /dev/urandom > {d}/part.img && echo {d}/part.img",
        4 * MIB,
        d = disk.dir.path().display()
    ));
    (disk, std::fs::read(image.trim()).unwrap())
}

#[test]
fn a_stale_partition_node_is_fixed_from_the_table_before_writing() {
    require();
    let (disk, image) = stale_partition_disk();
    let part = disk.dir.path().join("part.img");
    let r = ironbox(&["image-write"])
        .arg(&part)
        .args(["--disk", disk.dev(), "--partition", "target"])
        .run()
        .ok();
    assert_eq!(r["partition"], 1);
    // The kernel now agrees with the table, the image is at 20 MiB, and the old p1 is intact.
    assert_eq!(sysfs_start(&disk, 1), 40960);
    assert!(
        disk.read_at(20 * MIB, image.len()) == image,
        "image not at 20 MiB"
    );
    assert!(
        disk.read_at(MIB, 8 * MIB as usize)
            .iter()
            .all(|b| *b == 0xaa),
        "the stale node's range was written"
    );
}

/// Runs the binary under `strace -f -e trace=ioctl`; asserts exit 0 and that no ioctl that
/// changes a disk or the kernel's view of it was issued. Returns the report.
fn dry_run_traced(disk: &LoopDisk, args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let trace = disk.dir.path().join("trace");
    let out = std::process::Command::new("strace")
        .args(["-f", "-e", "trace=ioctl", "-o"])
        .arg(&trace)
        .arg(common::bin())
        .args(["--progress", "none"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["dry_run"], true, "{doc}");
    let trace = std::fs::read_to_string(trace).unwrap();
    for op in [
        "BLKRRPART",
        "BLKPG",
        "BLKZEROOUT",
        "BLKDISCARD",
        "BLKSECDISCARD",
    ] {
        assert!(!trace.contains(op), "a dry run issued {op}:\n{trace}");
    }
    doc
}

#[test]
fn a_partition_dry_run_issues_no_state_changing_ioctl() {
    require();
    assert!(have_tool("strace"), "needs strace");
    let (disk, _) = stale_partition_disk();
    let part = disk.dir.path().join("part.img");
    let args = |extra: &[&str]| {
        let mut v: Vec<std::ffi::OsString> = vec!["image-write".into(), part.clone().into()];
        v.extend(extra.iter().map(|a| a.into()));
        v
    };
    let a = args(&["--disk", disk.dev(), "--partition", "target", "--dry-run"]);
    let a: Vec<&std::ffi::OsStr> = a.iter().map(|x| x.as_os_str()).collect();
    let doc = dry_run_traced(&disk, &a);
    assert_eq!(doc["partition_node"], "stale");
    assert_eq!(sysfs_start(&disk, 1), 2048, "the kernel's view changed");
    // No node at all: a dry run must not create it.
    sh(&format!("partx -d {}", disk.dev()));
    let doc = dry_run_traced(&disk, &a);
    assert_eq!(doc["partition_node"], "missing");
    let p1 = format!("/sys/class/block/{0}/{0}p1", disk.name());
    assert!(!Path::new(&p1).exists(), "a dry run created {p1}");
}

/// `partition --wipe` over a previous tenant's broken GPT: a partition past the end of the disk
/// (its edges used to be zeroed with ENOSPC) and an entry array past the end.
#[test]
fn partition_wipe_repartitions_over_a_table_past_the_end() {
    require();
    let layout = r#"{"table": "gpt", "partitions": [{"size": "rest"}]}"#;
    for bad in ["-n1:2048:+16M -n2:163840:+20M", "-j 200000 -n1:208896:+8M"] {
        let disk = LoopDisk::new(DISK);
        dd_table_sized(&disk, 2 * DISK, bad);
        let r = ironbox(&["partition", "--disk", disk.dev(), "--wipe", "--layout", "-"])
            .stdin(layout)
            .run()
            .ok();
        assert_eq!(r["partitions"].as_array().unwrap().len(), 1, "{bad}: {r}");
        let v = sh(&format!("sgdisk -v {}", disk.dev()));
        assert!(v.contains("No problems found"), "{bad}: sgdisk -v: {v}");
        let j: serde_json::Value =
            serde_json::from_str(&sh(&format!("sfdisk --json {}", disk.dev()))).unwrap();
        assert_eq!(
            j["partitiontable"]["partitions"].as_array().unwrap().len(),
            1
        );
    }
}

/// An msdos table as bytes: (type, start LBA, sectors) per primary entry.
fn mbr(entries: &[(u8, u32, u32)]) -> Vec<u8> {
    let mut m = vec![0u8; 512];
    for (i, &(ty, start, len)) in entries.iter().enumerate() {
        let e = &mut m[446 + i * 16..446 + (i + 1) * 16];
        e[4] = ty;
        e[8..12].copy_from_slice(&start.to_le_bytes());
        e[12..16].copy_from_slice(&len.to_le_bytes());
    }
    m[510] = 0x55;
    m[511] = 0xaa;
    m
}

/// Whole-disk images whose own table cannot exist on the target: the post-write steps used to
/// fail with `io` and leave the image (and its bad table) on the disk.
#[test]
fn an_image_with_an_invalid_table_is_corrupt_and_wiped() {
    require();
    let img = images();
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut body = img.bytes("disk.img");
    // The image's GPT goes (primary and backup): only the msdos table below remains.
    body[512..34 * 512].fill(0);
    let n = body.len();
    body[n - 33 * 512..].fill(0);
    // Overlapping msdos partitions.
    body[..512].copy_from_slice(&mbr(&[(0x83, 2048, 20480), (0x83, 4096, 20480)]));
    cases.push(("overlap", body.clone()));
    // A partition that runs past the end of the 64 MiB disk.
    body[..512].copy_from_slice(&mbr(&[(0x83, 2048, 200_000)]));
    cases.push(("past-end-mbr", body));
    // A GPT made for 128 MiB, cut to 24 MiB: its second partition lies past the disk.
    let t = dir.path().join("gpt-big.img");
    sh(&format!(
        "truncate -s {} {t} && sgdisk -n1:2048:+8M -n2:163840:+20M {t} >/dev/null && truncate -s {IMAGE} {t}",
        2 * DISK,
        t = t.display()
    ));
    cases.push(("past-end-gpt", std::fs::read(&t).unwrap()));
    for (name, bytes) in cases {
        let path = dir.path().join(format!("{name}.img"));
        std::fs::write(&path, &bytes).unwrap();
        let disk = old_disk();
        let e = ironbox(&["image-write"])
            .arg(&path)
            .args(["--disk", disk.dev()])
            .run()
            .fails(1, "corrupt_image");
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .contains("partition table is invalid"),
            "{name}: {e}"
        );
        assert_looks_blank(&disk);
    }
}

/// A server that sends a byte every half second never trips the per-read timeout; the stall
/// rate (less than 64 KiB per --timeout of waiting) does, each resume trickles again, and the
/// write gives up after --retries instead of running for weeks.
#[test]
fn a_trickling_server_is_a_stall_and_the_write_gives_up() {
    require();
    let server = serve("/trickle.img", "disk.img", |r| {
        // Past the image's zero run, so that data reached the disk before the trickle.
        r.trickle_after = Some(20 * MIB as usize);
        r.trickle_ms = 500;
        r.faults = 100;
    });
    let disk = old_disk();
    let run = ironbox(&["image-write", &server.url("/trickle.img")])
        .args(["--disk", disk.dev(), "--timeout", "2", "--retries", "1"])
        .run();
    let e = run.fails(1, "network");
    assert!(
        e["message"].as_str().unwrap().contains("kept failing"),
        "{e}"
    );
    assert_eq!(server.requests("/trickle.img").len(), 2, "one resume");
    assert_looks_blank(&disk);
}

/// A close-delimited body that goes on (zeros) forever after a complete qcow2: without a
/// checksum the write ends once the image is complete; with one, the drain is bounded and the
/// endless body is corrupt.
#[test]
fn an_endless_body_after_a_complete_qcow2_is_not_read_forever() {
    require();
    let img = images();
    let server = serve("/endless.qcow2", "disk.qcow2", |r| {
        r.ranges = false;
        r.no_length = true;
        r.endless_tail = true;
    });
    let disk = old_disk();
    let rep = ironbox(&["image-write", &server.url("/endless.qcow2")])
        .args(["--disk", disk.dev()])
        .run()
        .ok();
    assert_eq!(rep["format"], "qcow2");
    // The middle (the GPT ends are fixed up for the larger disk).
    let want = img.bytes("disk.img");
    let mid = MIB as usize..(IMAGE - MIB) as usize;
    assert!(
        disk.read_at(MIB, mid.len()) == want[mid],
        "the image was not written"
    );
    let sum = sh(&format!("sha256sum {}", img.p("disk.qcow2")))[..64].to_string();
    let e = ironbox(&["image-write", &server.url("/endless.qcow2")])
        .args(["--disk", disk.dev(), "--checksum", &format!("sha256:{sum}")])
        .run()
        .fails(1, "corrupt_image");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("goes on past the end"),
        "{e}"
    );
    assert_looks_blank(&disk);
}

/// Peak RSS in KiB of a run of the binary, from `/usr/bin/time -v`; returns (exit code, JSON).
/// `stdin`: a file to feed the command.
fn run_measured(args: &[&str], stdin: Option<&Path>) -> (i32, serde_json::Value, u64) {
    let input = match stdin {
        Some(p) => std::process::Stdio::from(std::fs::File::open(p).unwrap()),
        None => std::process::Stdio::null(),
    };
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(common::bin())
        .args(["--progress", "none"])
        .args(args)
        .stdin(input)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let rss = err
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no RSS in: {err}"));
    let doc = serde_json::from_slice(&out.stdout).unwrap();
    (out.status.code().unwrap_or(-1), doc, rss)
}

/// Ironic's dict with 70 MiB of user_data: refused before the disk is touched (it used to take
/// 565 MB of RAM and write a 141 MiB partition first), in well under the ramdisk's 256 MiB.
#[test]
fn an_oversized_configdrive_from_json_is_refused_before_writing() {
    require();
    assert!(Path::new("/usr/bin/time").exists(), "needs /usr/bin/time");
    let disk = old_disk();
    let json = disk.dir.path().join("drive.json");
    let mut doc = br#"{"meta_data": {"uuid": "u-1", "hostname": "n1"}, "user_data": ""#.to_vec();
    doc.resize(doc.len() + (70 << 20), b'a');
    doc.extend_from_slice(b"\"}");
    std::fs::write(&json, &doc).unwrap();
    let before = std::fs::read(&disk.file).unwrap();
    let j = json.display().to_string();
    let file_args = [
        "configdrive",
        "write",
        "--disk",
        disk.dev(),
        "--from-json",
        &j,
    ];
    let stdin_args = [
        "configdrive",
        "write",
        "--disk",
        disk.dev(),
        "--from-json",
        "-",
    ];
    for (args, stdin) in [(&file_args, None), (&stdin_args, Some(json.as_path()))] {
        let (code, out, rss) = run_measured(args, stdin);
        assert_eq!(code, 2, "{out}");
        assert_eq!(out["error"]["kind"], "configdrive_too_large", "{out}");
        assert!(rss < 256 << 10, "peak RSS {rss} KiB");
        assert!(
            std::fs::read(&disk.file).unwrap() == before,
            "the disk changed"
        );
    }
}

/// A route that redirects to `location`.
fn redirect(location: &str) -> Route {
    Route {
        redirect: Some(location.to_string()),
        ..Route::new(Vec::new())
    }
}

/// `image-cache fetch` of `url` with a credential header and `extra` flags, into a fresh cache.
fn fetch_with_token(url: &str, extra: &[&str]) -> common::Run {
    let cache = tempfile::tempdir().unwrap();
    let sum = sh(&format!("sha256sum {}", images().p("disk.img")))[..64].to_string();
    ironbox(&["image-cache", "fetch", url, "--checksum"])
        .arg(format!("sha256:{sum}"))
        .args(["--cache-dir", &cache.path().display().to_string()])
        .args(["--header", "X-Auth-Token: s3cret", "--header"])
        .arg("Authorization: Bearer t0ken")
        .args(extra)
        .run()
}

/// The README's Ironic example passes `--header 'X-Auth-Token: ...'`: the image server's
/// redirect to another host (here another port) must not receive it, as curl would not send
/// it; a redirect on the same origin keeps it, and `--location-trusted` sends it on.
#[test]
fn credential_headers_reach_the_origin_only() {
    let _ = images();
    let origin = HttpServer::start();
    let other = serve("/img", "disk.img", |_| {});
    origin.route("/img", redirect(&other.url("/img")));
    origin.route("/same", redirect("/here"));
    origin.route("/here", Route::new(images().bytes("disk.img")));

    fetch_with_token(&origin.url("/img"), &[]).ok();
    let first = &origin.requests("/img")[0].headers;
    assert_eq!(first["x-auth-token"], "s3cret");
    assert_eq!(first["authorization"], "Bearer t0ken");
    let moved = &other.requests("/img")[0].headers;
    assert!(
        !moved.contains_key("x-auth-token") && !moved.contains_key("authorization"),
        "a credential went to another origin: {moved:?}"
    );

    fetch_with_token(&origin.url("/same"), &[]).ok();
    assert_eq!(
        origin.requests("/here")[0].headers["x-auth-token"],
        "s3cret"
    );

    fetch_with_token(&origin.url("/img"), &["--location-trusted"]).ok();
    let trusted = &other.requests("/img")[1].headers;
    assert_eq!(trusted["x-auth-token"], "s3cret", "{trusted:?}");
    assert_eq!(trusted["authorization"], "Bearer t0ken");
}

/// A redirect loop between two servers is the server's configuration, not a transient fault:
/// it fails on the first attempt (it used to be retried with backoff for minutes), names the
/// URL and the loop, and the disk is untouched. A redirect to file:// fails the same way.
#[test]
fn a_redirect_loop_fails_at_once_naming_the_url() {
    require();
    let a = HttpServer::start();
    let b = HttpServer::start();
    a.route("/loop.img", redirect(&b.url("/loop.img")));
    b.route("/loop.img", redirect(&a.url("/loop.img")));
    a.route("/file.img", redirect("file:///etc/passwd"));
    let disk = old_disk();
    let before = std::fs::read(&disk.file).unwrap();
    let url = a.url("/loop.img");
    let e = ironbox(&["image-write", &url, "--disk", disk.dev(), "--retries", "9"])
        .run()
        .fails(1, "http_status");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("redirect loop") && msg.contains(&url), "{e}");
    assert_eq!(e["url"], url.as_str());
    assert_eq!(a.requests("/loop.img").len(), 1, "retried: {e}");
    assert_eq!(b.requests("/loop.img").len(), 1);

    let e = ironbox(&["image-write", &a.url("/file.img"), "--disk", disk.dev()])
        .run()
        .fails(1, "http_status");
    assert!(
        e["message"].as_str().unwrap().contains("not an http"),
        "{e}"
    );
    assert_eq!(a.requests("/file.img").len(), 1, "retried: {e}");
    assert!(std::fs::read(&disk.file).unwrap() == before, "disk changed");
}

/// A server that sends a byte every 500 ms stays far above any per-read timeout and, with
/// `--timeout 60`, inside the stall rule's first window: `--deadline 3` ends it anyway, as a
/// network error that names the deadline, and the disk that had data on it is left blank.
#[test]
fn deadline_stops_a_trickle_that_the_stall_rule_allows() {
    require();
    let server = serve("/slow.img", "disk.img", |r| {
        r.trickle_after = Some(20 * MIB as usize);
        r.trickle_ms = 500;
        r.faults = 100;
    });
    let disk = old_disk();
    let e = ironbox(&[
        "image-write",
        &server.url("/slow.img"),
        "--disk",
        disk.dev(),
    ])
    .args(["--timeout", "60", "--deadline", "3"])
    .run()
    .fails(1, "network");
    assert!(e["message"].as_str().unwrap().contains("--deadline"), "{e}");
    assert_eq!(e["deadline"], 3.0);
    assert_eq!(server.requests("/slow.img").len(), 1, "{e}");
    assert_looks_blank(&disk);
    for bad in ["0", "-1", "nan"] {
        ironbox(&[
            "image-write",
            &server.url("/slow.img"),
            "--disk",
            disk.dev(),
        ])
        .args(["--deadline", bad])
        .run()
        .fails(2, "usage");
    }
}
