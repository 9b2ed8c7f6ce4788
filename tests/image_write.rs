//! `ironbox image-write` and `ironbox image-cache` end to end on loop devices, with images built
//! here by real tools (mkfs.ext4 -d, sgdisk, qemu-img, gzip, zstd, xz) and results checked by
//! tools we did not write (cmp, e2fsck -fn through `losetup --offset`, sgdisk -v).
mod common;

use common::http::{HttpServer, Route};
use common::images::Images;
use common::{LoopDisk, ironbox, require_tools, sh, sh_status};
use std::path::Path;
use std::sync::OnceLock;

const MIB: u64 = 1 << 20;
/// The ext4 partition: 1 MiB .. 17 MiB of the disk image.
const PART_START: u64 = MIB;
const PART_SIZE: u64 = 16 * MIB;
const IMAGE_SIZE: u64 = 20 * MIB;

/// Fails the test (panics) naming any missing tool; returns true so that the
/// `if !tools() { return; }` call sites never skip.
fn tools() -> bool {
    require_tools(&[
        "mkfs.ext4",
        "e2fsck",
        "sgdisk",
        "qemu-img",
        "gzip",
        "zstd",
        "xz",
        "losetup",
    ]);
    true
}

/// Builds (once per test binary) a GPT disk image holding an ext4 filesystem made from a
/// directory tree, plus its compressed, qcow2 and broken variants.
fn images() -> &'static Images {
    static IMAGES: OnceLock<Images> = OnceLock::new();
    IMAGES.get_or_init(|| {
        // Under target/tmp, rebuilt on each run, so runs leave nothing behind in /tmp.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("image-write-fixtures");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tree/etc")).unwrap();
        let d = dir.display();
        std::fs::write(dir.join("tree/etc/hostname"), "node-1\n").unwrap();
        std::fs::write(dir.join("tree/README"), "ironbox ".repeat(50_000)).unwrap();
        sh(&format!("head -c 3000000 /dev/urandom > {d}/tree/random.bin"));
        sh(&format!(
            "truncate -s {PART_SIZE} {d}/fs.img && mkfs.ext4 -q -F -d {d}/tree {d}/fs.img"
        ));
        sh(&format!(
            "truncate -s {IMAGE_SIZE} {d}/disk.img && sgdisk -n1:2048:+16M -c1:rootfs {d}/disk.img >/dev/null \
             && dd if={d}/fs.img of={d}/disk.img bs=1M seek=1 conv=notrunc status=none"
        ));
        sh(&format!(
            "cd {d} && gzip -kc disk.img > disk.img.gz && zstd -q --long=27 disk.img -o disk.img.zst \
             && xz -kc disk.img > disk.img.xz && qemu-img convert -O qcow2 disk.img disk.qcow2 \
             && qemu-img convert -c -O qcow2 disk.img disk-c.qcow2 \
             && zstd -q disk.qcow2 -o disk.qcow2.zst \
             && head -c -1000 disk.img.gz > truncated.img.gz \
             && cat disk.img.gz > garbage.img.gz && echo trailing-garbage >> garbage.img.gz \
             && qemu-img create -q -f qcow2 -b disk.img -F raw backed.qcow2"
        ));
        Images { dir }
    })
}

fn sha256(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn sha256_file(path: &str) -> String {
    sh(&format!("sha256sum {path}"))[..64].to_string()
}

/// The written disk holds the image's filesystem intact and a valid GPT.
fn check_written(disk: &LoopDisk, img: &Images) {
    let want = img.bytes("disk.img");
    let got = disk.read_at(PART_START, PART_SIZE as usize);
    assert!(
        got == want[PART_START as usize..(PART_START + PART_SIZE) as usize],
        "partition contents differ"
    );
    let v = sh(&format!("sgdisk -v {}", disk.dev()));
    assert!(v.contains("No problems found"), "sgdisk -v: {v}");
    fsck_at(disk, PART_START, PART_SIZE);
}

fn fsck_at(disk: &LoopDisk, offset: u64, size: u64) {
    let lo = sh(&format!(
        "losetup -f --show -r --offset {offset} --sizelimit {size} {}",
        disk.dev()
    ));
    let lo = lo.trim();
    let (code, out, err) = sh_status(&format!("e2fsck -fn {lo}"));
    sh(&format!("losetup -d {lo}"));
    assert_eq!(code, 0, "e2fsck -fn failed: {out}{err}");
}

fn write(src: &str, disk: &LoopDisk) -> common::Ironbox {
    ironbox(&["image-write", src, "--disk", disk.dev()])
}

#[test]
fn every_format_over_http_writes_a_valid_disk() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let server = HttpServer::start();
    for (name, format, compression) in [
        ("disk.img", "raw", "none"),
        ("disk.img.gz", "raw", "gzip"),
        ("disk.img.zst", "raw", "zstd"),
        ("disk.img.xz", "raw", "xz"),
        ("disk.qcow2", "qcow2", "none"),
        ("disk-c.qcow2", "qcow2", "none"),
        ("disk.qcow2.zst", "qcow2", "zstd"),
    ] {
        let path = format!("/{name}");
        server.route(&path, Route::new(img.bytes(name)));
        let disk = LoopDisk::new(64 * MIB);
        let sum = sha256_file(&img.p(name));
        let r = write(&server.url(&path), &disk)
            .arg("--checksum")
            .arg(format!("sha256:{sum}"))
            .arg("--verify")
            .run()
            .ok();
        assert_eq!(r["format"], format, "{name}: {r}");
        assert_eq!(r["compression"], compression, "{name}");
        assert_eq!(r["image_size"], IMAGE_SIZE, "{name}");
        assert_eq!(r["checksum"]["verified"], true);
        assert_eq!(r["checksum"]["actual"], sum.as_str());
        assert_eq!(r["bytes_downloaded"], img.bytes(name).len() as u64);
        assert_eq!(
            r["written_sha256"],
            sha256(&img.bytes("disk.img")),
            "{name}"
        );
        assert_eq!(r["verify"]["matches"], true);
        assert_eq!(r["cache"], "off");
        if format == "qcow2" {
            assert!(r["qcow2_path"].is_string(), "{name}: {r}");
        }
        // The backup GPT was moved to the end of the 64 MiB disk; the partition is reported.
        let parts = r["partitions"].as_array().unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0]["label"], "rootfs");
        assert_eq!(parts[0]["fs_type"], "ext4");
        assert_eq!(parts[0]["start"], PART_START);
        assert!(r["root_uuid"].is_string());
        check_written(&disk, img);
    }
}

#[test]
fn file_and_stdin_sources() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let disk = LoopDisk::new(64 * MIB);
    let r = write(&img.p("disk.img.xz"), &disk).run().ok();
    assert_eq!(r["compression"], "xz");
    assert_eq!(r["checksum"]["verified"], false);
    check_written(&disk, img);

    let disk = LoopDisk::new(64 * MIB);
    let r = write("-", &disk)
        .arg("--checksum")
        .arg(sha256_file(&img.p("disk-c.qcow2")))
        .stdin(img.bytes("disk-c.qcow2"))
        .run()
        .ok();
    assert_eq!(r["format"], "qcow2");
    assert_eq!(r["sources_tried"][0]["source"], "-");
    check_written(&disk, img);
}

#[test]
fn checksum_forms() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let name = "disk.img.gz";
    let f = img.p(name);
    let md5 = sh(&format!("md5sum {f}"))[..32].to_string();
    let sha1 = sh(&format!("sha1sum {f}"))[..40].to_string();
    let sha384 = sh(&format!("sha384sum {f}"))[..96].to_string();
    let sha512 = sh(&format!("sha512sum {f}"))[..128].to_string();
    let sha256 = sha256_file(&f);
    let server = HttpServer::start();
    server.route("/images/disk.img.gz", Route::new(img.bytes(name)));
    server.route(
        "/images/SHA256SUMS",
        Route::new(format!(
            "# sums\n{}  other.img\n{sha256} *disk.img.gz\n",
            "0".repeat(64)
        )),
    );
    server.route(
        "/images/BSD",
        Route::new(format!("SHA512 (disk.img.gz) = {sha512}\n")),
    );
    server.route("/images/bare", Route::new(format!("{md5}\n")));
    let url = server.url("/images/disk.img.gz");
    for (spec, algo) in [
        (md5.clone(), "md5"),
        (sha512.clone(), "sha512"),
        (format!("sha1:{sha1}"), "sha1"),
        (format!("SHA384:{sha384}"), "sha384"),
        (server.url("/images/SHA256SUMS"), "sha256"),
        (server.url("/images/BSD"), "sha512"),
        (server.url("/images/bare"), "md5"),
    ] {
        let disk = LoopDisk::new(64 * MIB);
        let r = write(&url, &disk).arg("--checksum").arg(&spec).run().ok();
        assert_eq!(r["checksum"]["algorithm"], algo, "{spec}");
        assert_eq!(r["checksum"]["verified"], true);
    }
    // Bad syntax is a usage error before anything happens.
    let disk = LoopDisk::new(64 * MIB);
    write(&url, &disk)
        .args_checksum("sha256:xyz")
        .run()
        .fails(2, "invalid_checksum");
    write(&url, &disk)
        .args_checksum(&"a".repeat(40))
        .run()
        .fails(2, "invalid_checksum");
}

trait ChecksumArg {
    fn args_checksum(self, spec: &str) -> Self;
}
impl ChecksumArg for common::Ironbox {
    fn args_checksum(self, spec: &str) -> Self {
        self.arg("--checksum").arg(spec)
    }
}

#[test]
fn wrong_checksum_zeroes_the_table_areas() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    // The disk already holds a valid image: after a failed write it must not look valid.
    let disk = LoopDisk::new(64 * MIB);
    write(&img.p("disk.img"), &disk).run().ok();
    assert!(disk.read_at(512, 8).starts_with(b"EFI PART"));
    let e = write(&img.p("disk.img.zst"), &disk)
        .args_checksum(&format!("sha256:{}", "0".repeat(64)))
        .run()
        .fails(3, "checksum_mismatch");
    assert_eq!(e["expected"], "0".repeat(64));
    assert_eq!(e["actual"], sha256_file(&img.p("disk.img.zst")));
    assert!(disk.read_at(0, MIB as usize).iter().all(|b| *b == 0));
    assert!(
        disk.read_at(64 * MIB - MIB, MIB as usize)
            .iter()
            .all(|b| *b == 0)
    );
    // --preserve-on-error keeps what was written, but the old head was still cleared before
    // the first byte landed (the sink's invariant), and the new head never released.
    let disk = LoopDisk::new(64 * MIB);
    write(&img.p("disk.img"), &disk).run().ok();
    write(&img.p("disk.img"), &disk)
        .args_checksum(&"0".repeat(64))
        .arg("--preserve-on-error")
        .run()
        .fails(3, "checksum_mismatch");
    assert!(disk.read_at(0, MIB as usize).iter().all(|b| *b == 0));
    let want = img.bytes("disk.img");
    assert!(disk.read_at(2 * MIB, 4096) == want[2 * MIB as usize..2 * MIB as usize + 4096]);
}

#[test]
fn dropped_connections_resume_or_restart() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let body = img.bytes("disk.img.zst");
    let sum = sha256(&body);
    let server = HttpServer::start();
    // With Range support: resumed where it broke.
    let mut r = Route::new(body.clone());
    r.drop_after = Some(body.len() / 3);
    r.faults = 2;
    server.route("/ranged", r);
    // Without: restarted from zero (hasher, decoder and sink too).
    let mut r = Route::new(body.clone());
    r.ranges = false;
    r.drop_after = Some(body.len() / 2);
    r.faults = 1;
    server.route("/plain", r);
    let disk = LoopDisk::new(64 * MIB);
    let rep = write(&server.url("/ranged"), &disk)
        .args_checksum(&sum)
        .run()
        .ok();
    assert_eq!(rep["resumes"], 2, "{rep}");
    assert_eq!(rep["bytes_downloaded"], body.len() as u64);
    let reqs = server.requests("/ranged");
    assert!(
        reqs[1]
            .headers
            .get("range")
            .is_some_and(|v| v.starts_with("bytes="))
    );
    check_written(&disk, img);

    let disk = LoopDisk::new(64 * MIB);
    let rep = write(&server.url("/plain"), &disk)
        .args_checksum(&sum)
        .run()
        .ok();
    assert_eq!(rep["resumes"], 0);
    assert!(rep["retries"].as_u64().unwrap() >= 1, "{rep}");
    assert_eq!(rep["checksum"]["verified"], true);
    assert!(
        server
            .requests("/plain")
            .iter()
            .all(|r| !r.headers.contains_key("range"))
    );
    check_written(&disk, img);
}

/// A server whose first response of `/stall` stops half way through `body` (later ones do not).
fn stalling_server(body: &[u8]) -> HttpServer {
    let server = HttpServer::start();
    let mut r = Route::new(body.to_vec());
    r.stall_after = Some(body.len() / 2);
    r.faults = 1;
    server.route("/stall", r);
    server
}

#[test]
fn a_stall_is_resumed_after_the_timeout() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let body = img.bytes("disk.img.gz");
    let server = stalling_server(&body);
    let disk = LoopDisk::new(64 * MIB);
    let rep = write(&server.url("/stall"), &disk)
        .args_checksum(&sha256(&body))
        .arg("--timeout")
        .arg("1")
        .run()
        .ok();
    assert_eq!(rep["resumes"], 1);
    check_written(&disk, img);
}

#[test]
fn server_errors_are_retried_and_client_errors_are_not() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let server = HttpServer::start();
    let mut r = Route::new(img.bytes("disk.img"));
    r.fail_first = vec![500, 503];
    server.route("/flaky", r);
    let disk = LoopDisk::new(64 * MIB);
    let rep = write(&server.url("/flaky"), &disk).run().ok();
    assert_eq!(rep["retries"], 2);
    check_written(&disk, img);

    let disk = LoopDisk::new(64 * MIB);
    disk.write_at(0, b"untouched");
    let e = write(&server.url("/missing"), &disk)
        .run()
        .fails(1, "http_status");
    assert_eq!(e["status"], 404);
    assert_eq!(server.requests("/missing").len(), 1, "a 404 is not retried");
    assert!(disk.read_at(0, 9) == b"untouched");

    // Mirrors: the first fails, the second serves.
    let disk = LoopDisk::new(64 * MIB);
    let rep = ironbox(&["image-write", &server.url("/gone"), &server.url("/flaky")])
        .arg("--disk")
        .arg(disk.dev())
        .run()
        .ok();
    assert_eq!(rep["sources_tried"].as_array().unwrap().len(), 2);
    assert_eq!(rep["sources_tried"][0]["ok"], false);
    check_written(&disk, img);
}

#[test]
fn broken_and_unsafe_images_fail() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    for (name, kind) in [
        ("truncated.img.gz", "corrupt_image"),
        ("garbage.img.gz", "corrupt_image"),
    ] {
        let disk = LoopDisk::new(64 * MIB);
        let r = write(&img.p(name), &disk).run();
        assert_ne!(r.code, 0, "{name}: {}", r.stdout);
        assert_eq!(r.json["error"]["kind"], kind, "{name}: {}", r.stdout);
        // Never a disk that looks valid.
        assert!(disk.read_at(0, MIB as usize).iter().all(|b| *b == 0));
    }
    // A qcow2 with a backing file is refused before anything is written.
    let disk = LoopDisk::new(64 * MIB);
    disk.write_at(0, b"untouched");
    let r = write(&img.p("backed.qcow2"), &disk).run();
    assert_eq!(r.code, 4, "{}", r.stdout);
    assert_eq!(r.json["error"]["kind"], "unsafe_image");
    assert!(disk.read_at(0, 9) == b"untouched");
}

#[test]
fn an_image_bigger_than_the_disk_is_refused() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let server = HttpServer::start();
    server.route("/disk.img", Route::new(img.bytes("disk.img")));
    for src in [server.url("/disk.img"), img.p("disk.qcow2")] {
        let disk = LoopDisk::new(16 * MIB);
        disk.write_at(0, b"untouched");
        let e = write(&src, &disk).run().fails(2, "image_too_large");
        assert_eq!(e["image_size"], IMAGE_SIZE);
        assert!(disk.read_at(0, 9) == b"untouched", "nothing written");
    }
    // A compressed stream only shows its size while it streams: stopped, tables wiped.
    let disk = LoopDisk::new(16 * MIB);
    disk.write_at(0, b"untouched");
    write(&img.p("disk.img.zst"), &disk)
        .run()
        .fails(2, "image_too_large");
    assert!(disk.read_at(0, MIB as usize).iter().all(|b| *b == 0));
}

/// `dir`/4k.img and 4k.img.zst: a GPT made for 4096-byte sectors (by sgdisk on a 4Kn loop
/// device) holding the ext4 filesystem at 1 MiB.
fn gpt_4k_image(dir: &Path) {
    let img = images();
    let d = dir.display();
    sh(&format!("truncate -s {IMAGE_SIZE} {d}/4k.img"));
    {
        let lo = sh(&format!("losetup -f --show --sector-size 4096 {d}/4k.img"));
        let lo = lo.trim();
        sh(&format!(
            "sgdisk -n1:256:+16M -c1:rootfs {lo} >/dev/null; losetup -d {lo}"
        ));
    }
    sh(&format!(
        "dd if={} of={d}/4k.img bs=1M seek=1 conv=notrunc status=none && zstd -q {d}/4k.img",
        img.p("fs.img")
    ));
}

#[test]
fn a_4096_byte_sector_disk() {
    require_root!();
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    gpt_4k_image(dir.path());
    let disk = LoopDisk::with_sector_size(64 * MIB, 4096);
    let r = write(&format!("{d}/4k.img.zst"), &disk).run().ok();
    assert_eq!(r["partitions"][0]["start"], MIB);
    assert_eq!(r["partitions"][0]["fs_type"], "ext4");
    let v = sh(&format!("sgdisk -v {}", disk.dev()));
    assert!(v.contains("No problems found"), "{v}");
    fsck_at(&disk, MIB, PART_SIZE);
}

#[test]
fn partition_images_go_into_their_partition() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let disk = LoopDisk::new(64 * MIB);
    sh(&format!(
        "sgdisk -n1:2048:+8M -c1:esp -n2:0:+20M -c2:root {} >/dev/null",
        disk.dev()
    ));
    sh(&format!(
        "zstd -qf {} -o {}/fs.img.zst",
        img.p("fs.img"),
        img.dir.display()
    ));
    let r = write(&img.p("fs.img.zst"), &disk)
        .arg("--partition")
        .arg("root")
        .run()
        .ok();
    assert_eq!(r["partition"], 2);
    let uuid = sh(&format!("blkid -p -s UUID -o value {}", img.p("fs.img")));
    assert_eq!(r["root_uuid"], uuid.trim());
    fsck_at(&disk, 9 * MIB, 20 * MIB);
    // It must fit.
    write(&img.p("fs.img"), &disk)
        .arg("--partition")
        .arg("1")
        .run()
        .fails(2, "image_too_large");
}

#[test]
fn cache_hit_miss_and_eviction() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let body = img.bytes("disk.qcow2.zst");
    let sum = sha256(&body);
    let key = format!("sha256-{sum}");
    let server = HttpServer::start();
    server.route("/c.qcow2.zst", Route::new(body.clone()));
    let cache = tempfile::tempdir().unwrap();
    let cdir = cache.path().to_str().unwrap();
    let url = server.url("/c.qcow2.zst");

    let disk = LoopDisk::new(64 * MIB);
    let r = write(&url, &disk)
        .args_checksum(&sum)
        .arg("--cache-dir")
        .arg(cdir)
        .run()
        .ok();
    assert_eq!(r["cache"], "stored");
    assert_eq!(std::fs::read(cache.path().join(&key)).unwrap(), body);
    assert_eq!(server.requests("/c.qcow2.zst").len(), 1);

    let disk = LoopDisk::new(64 * MIB);
    let r = write(&url, &disk)
        .args_checksum(&sum)
        .arg("--cache-dir")
        .arg(cdir)
        .run()
        .ok();
    assert_eq!(r["cache"], "hit");
    assert_eq!(
        server.requests("/c.qcow2.zst").len(),
        1,
        "a hit downloads nothing"
    );
    check_written(&disk, img);

    let l = ironbox(&["image-cache", "list", "--cache-dir", cdir])
        .run()
        .ok();
    assert_eq!(l["entries"][0]["key"], key.as_str());
    assert_eq!(l["entries"][0]["size"], body.len() as u64);
    ironbox(&["image-cache", "evict", &key, "--cache-dir", cdir])
        .run()
        .ok();
    assert!(!cache.path().join(&key).exists());
    ironbox(&["image-cache", "evict", &key, "--cache-dir", cdir])
        .run()
        .fails(1, "not_found");

    // fetch pre-fills; a wrong checksum stores nothing; gc evicts down to the limit.
    let f = ironbox(&[
        "image-cache",
        "fetch",
        &url,
        "--checksum",
        &sum,
        "--cache-dir",
        cdir,
    ])
    .run()
    .ok();
    assert_eq!(f["cache"], "stored");
    let f = ironbox(&[
        "image-cache",
        "fetch",
        &url,
        "--checksum",
        &sum,
        "--cache-dir",
        cdir,
    ])
    .run()
    .ok();
    assert_eq!(f["cache"], "hit");
    server.route("/other", Route::new(img.bytes("disk.img.gz")));
    ironbox(&[
        "image-cache",
        "fetch",
        &server.url("/other"),
        "--checksum",
        &"1".repeat(64),
        "--cache-dir",
        cdir,
    ])
    .run()
    .fails(3, "checksum_mismatch");
    let l = ironbox(&["image-cache", "list", "--cache-dir", cdir])
        .run()
        .ok();
    assert_eq!(l["entries"].as_array().unwrap().len(), 1);
    let g = ironbox(&["image-cache", "gc", "--max", "1K", "--cache-dir", cdir])
        .run()
        .ok();
    assert_eq!(g["evicted"][0]["key"], key.as_str());
    assert_eq!(g["total_bytes"], 0);
}

#[test]
fn dry_run_opens_nothing_for_writing() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let server = HttpServer::start();
    server.route("/disk.img", Route::new(img.bytes("disk.img")));
    let disk = LoopDisk::new(64 * MIB);
    disk.write_at(0, b"untouched");
    let r = write(&server.url("/disk.img"), &disk)
        .arg("--dry-run")
        .args_checksum(&sha256(&img.bytes("disk.img")))
        .run()
        .ok();
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["capacity"], 64 * MIB);
    assert_eq!(r["probe"]["length"], IMAGE_SIZE);
    assert!(disk.read_at(0, 9) == b"untouched");
}

#[test]
fn the_machines_own_disk_is_refused() {
    if !Path::new("/dev/vda").exists() {
        return;
    }
    let r = ironbox(&[
        "image-write",
        "/nonexistent.img",
        "--disk",
        "/dev/vda",
        "--dry-run",
    ])
    .run();
    assert_eq!(r.code, 4, "{}", r.stdout);
}

#[test]
fn ctrl_c_stops_and_wipes_the_table_areas() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let body = img.bytes("disk.img");
    let server = stalling_server(&body);
    let disk = LoopDisk::new(64 * MIB);
    write(&img.p("disk.img"), &disk).run().ok();
    let child = std::process::Command::new(common::bin())
        .args(["--progress", "none", "image-write", &server.url("/stall")])
        .args(["--disk", disk.dev(), "--timeout", "60"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the stall (the request arrived and half the body went out), then Ctrl-C.
    for _ in 0..100 {
        if !server.requests("/stall").is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(1500));
    sh(&format!("kill -INT {}", child.id()));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["kind"], "interrupted");
    assert!(disk.read_at(0, MIB as usize).iter().all(|b| *b == 0));
}

/// A qcow2 whose metadata follows its data: streaming alone cannot convert it.
#[test]
fn qcow2_with_metadata_last_takes_random_access_or_spill() {
    require_root!();
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (img, raw) = common::images::metadata_last(dir.path());
    let want = std::fs::read(&raw).unwrap();
    // A local file: random access.
    let disk = LoopDisk::new(64 * MIB);
    let r = write(img.to_str().unwrap(), &disk).run().ok();
    assert_eq!(r["qcow2_path"], "random_access", "{r}");
    assert!(disk.read_at(0, want.len()) == want);
    // Over HTTP with --cache-dir: a bounded spill file there, never RAM.
    let server = HttpServer::start();
    server.route("/late.qcow2", Route::new(std::fs::read(&img).unwrap()));
    let cache = tempfile::tempdir().unwrap();
    let disk = LoopDisk::new(64 * MIB);
    let r = write(&server.url("/late.qcow2"), &disk)
        .arg("--cache-dir")
        .arg(cache.path())
        .run()
        .ok();
    assert_eq!(r["qcow2_path"], "spill", "{r}");
    assert!(disk.read_at(0, want.len()) == want);
    // Over HTTP without a spill directory: the passed bytes again, by Range requests.
    let disk = LoopDisk::new(64 * MIB);
    let before = server.requests("/late.qcow2").len();
    let r = write(&server.url("/late.qcow2"), &disk).run().ok();
    assert_eq!(r["qcow2_path"], "random_access", "{r}");
    assert!(disk.read_at(0, want.len()) == want);
    let asked = server.requests("/late.qcow2");
    assert!(
        asked[before..].iter().any(|q| q
            .headers
            .get("range")
            .is_some_and(|v| v.starts_with("bytes="))),
        "no Range request was made"
    );
    // A server without Range support and no spill directory: refused, naming the way out, and
    // the target left not looking like a disk.
    let mut route = Route::new(std::fs::read(&img).unwrap());
    route.ranges = false;
    server.route("/late-noranges.qcow2", route);
    let disk = LoopDisk::new(64 * MIB);
    let e = write(&server.url("/late-noranges.qcow2"), &disk)
        .run()
        .fails(2, "unsupported_format");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("Range") && msg.contains("--cache-dir"),
        "{msg}"
    );
}

/// A server that answers the qcow2 reader's Range request with the wrong bytes (206, but from
/// byte 0) is the network's fault, not a corrupt image: `network`, naming the offset and the
/// URL, and the target is left not looking like a disk.
#[test]
fn a_range_answered_from_the_wrong_offset_is_a_network_error() {
    require_root!();
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (img, _) = common::images::metadata_last(dir.path());
    let server = HttpServer::start();
    let mut route = Route::new(std::fs::read(&img).unwrap());
    route.range_from_zero = true;
    server.route("/skewed.qcow2", route);
    let disk = LoopDisk::new(64 * MIB);
    disk.write_at(0, &[0xaa; 4096]);
    let e = write(&server.url("/skewed.qcow2"), &disk)
        .run()
        .fails(1, "network");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("by Range request"), "{msg}");
    let causes = e["causes"].to_string();
    assert!(
        causes.contains("/skewed.qcow2") && causes.contains("did not resume at byte"),
        "{e}"
    );
    assert!(
        disk.read_at(0, 4096).iter().all(|b| *b == 0),
        "head not cleared"
    );
}

/// Regression: a disk that held a GPT, given a smaller image with no GPT of its own (here a bare
/// ext4 filesystem), kept the old backup header in its last sector; the fix-up after the write
/// then rebuilt a primary GPT from it *into the image* (LBA 1..33), corrupting it. Now the old
/// table's leftovers past the image are cleared and only an image's own GPT is ever fixed up.
#[test]
fn a_stale_backup_gpt_past_a_smaller_image_is_cleared_not_revived() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let disk = LoopDisk::new(40 * MIB);
    sh(&format!("sgdisk -o -n1:2048:+8M {} >/dev/null", disk.dev()));
    let out = write(&img.p("fs.img"), &disk).run().ok();
    assert_eq!(out["partitions"], serde_json::Value::Null, "{out}");
    assert_eq!(out["root_uuid"], serde_json::Value::Null, "{out}");
    let want = img.bytes("fs.img");
    assert!(
        disk.read_at(0, want.len()) == want,
        "the image was changed after it was written"
    );
    // No tool finds a partition table any more: not wipefs, not sgdisk, not the last sector.
    let sigs = sh(&format!("wipefs -n {}", disk.dev()));
    assert!(!sigs.contains("gpt") && !sigs.contains("PMBR"), "{sigs}");
    assert!(disk.read_at(40 * MIB - 512, 512).iter().all(|b| *b == 0));
    fsck_at(&disk, 0, PART_SIZE);
}

/// A sparse local file is read around its holes: the holes still count as served bytes (the
/// checksum covers them), reach the disk as zeros, and stay holes in the cache copy.
#[test]
fn a_sparse_local_image_skips_its_holes_and_still_verifies() {
    require_root!();
    if !tools() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("sparse.img");
    let s = src.display();
    sh(&format!(
        "truncate -s 48M {s} && head -c 3M /dev/urandom | dd of={s} bs=1M seek=20 conv=notrunc status=none \
         && printf 'tail' | dd of={s} bs=1 seek=$((48 * 1048576 - 4)) conv=notrunc status=none"
    ));
    let sum = sha256_file(&s.to_string());
    let cache = tempfile::tempdir().unwrap();
    let disk = LoopDisk::new(64 * MIB);
    disk.write_at(30 * MIB, &[0xee; 4096]);
    let r = write(&s.to_string(), &disk)
        .args_checksum(&sum)
        .arg("--cache-dir")
        .arg(cache.path())
        .run()
        .ok();
    assert_eq!(r["checksum"]["verified"], true, "{r}");
    assert_eq!(r["bytes_downloaded"], 48 * MIB);
    assert_eq!(r["written_sha256"], sum);
    assert_eq!(r["cache"], "stored");
    let want = std::fs::read(&src).unwrap();
    assert!(
        disk.read_at(0, want.len()) == want,
        "disk differs from the image"
    );
    let cached = cache.path().join(format!("sha256-{sum}"));
    assert_eq!(sha256_file(&cached.display().to_string()), sum);
    // The cache copy is sparse too (where the file system keeps holes).
    // Without the decoded image's hash: same disk, written_sha256 null; not with --verify.
    let disk = LoopDisk::new(64 * MIB);
    let r = write(&s.to_string(), &disk)
        .arg("--no-written-sha256")
        .run()
        .ok();
    assert_eq!(r["written_sha256"], serde_json::Value::Null, "{r}");
    assert!(
        disk.read_at(0, want.len()) == want,
        "disk differs from the image"
    );
    write(&s.to_string(), &disk)
        .arg("--no-written-sha256")
        .arg("--verify")
        .run()
        .fails(2, "usage");
    let blocks = sh(&format!("stat -c %b {}", cached.display()));
    let src_blocks = sh(&format!("stat -c %b {s}"));
    if src_blocks.trim().parse::<u64>().unwrap() < 20_000 {
        assert!(blocks.trim().parse::<u64>().unwrap() < 20_000, "{blocks}");
    }
}

/// HTTPS: the system store alone does not trust a private CA (refused at once, no retries, the
/// message says what to do); `--ca-cert` adds it; `--insecure` opts out. A self-signed server
/// certificate made with CA:TRUE is refused even as `--ca-cert` (rustls will not take a CA as
/// an end entity), and the message says so.
#[test]
fn https_with_a_private_ca_and_insecure() {
    require_root!();
    if !tools() {
        return;
    }
    require_tools(&["openssl"]);
    let root = tempfile::tempdir().unwrap();
    let pki = tempfile::tempdir().unwrap();
    let body: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(root.path().join("img.raw"), &body).unwrap();
    let sum = sha256(&body);
    let server = common::tls::TlsServer::start(root.path(), pki.path(), false);
    let url = server.url("/img.raw");

    let disk = LoopDisk::new(8 * MIB);
    let e = write(&url, &disk).run().fails(1, "network");
    let text = e.to_string();
    assert!(
        text.contains("--ca-cert") && text.contains("--insecure"),
        "{e}"
    );
    // Refused at the first attempt: a certificate does not get better on a retry.
    assert!(!text.contains("attempts"), "{e}");
    assert!(
        disk.read_at(0, 4096).iter().all(|b| *b == 0),
        "nothing written"
    );

    let r = write(&url, &disk)
        .args_checksum(&sum)
        .arg("--ca-cert")
        .arg(&server.ca)
        .run()
        .ok();
    assert_eq!(r["checksum"]["verified"], true, "{r}");
    assert!(disk.read_at(0, body.len()) == body);

    let disk = LoopDisk::new(8 * MIB);
    let r = write(&url, &disk)
        .args_checksum(&sum)
        .arg("--insecure")
        .run()
        .ok();
    assert_eq!(r["checksum"]["verified"], true, "{r}");

    drop(server);
    let pki = tempfile::tempdir().unwrap();
    let server = common::tls::TlsServer::start(root.path(), pki.path(), true);
    let disk = LoopDisk::new(8 * MIB);
    let e = write(&server.url("/img.raw"), &disk)
        .arg("--ca-cert")
        .arg(&server.ca)
        .run()
        .fails(1, "network");
    assert!(e.to_string().contains("CA:TRUE"), "{e}");
}

/// Ironic's image_request_authorization arrives as `--header`, and the ramdisk's proxy as the
/// usual environment variables: the request is tunnelled through the proxy (CONNECT, which is
/// how ureq uses an HTTP proxy for every URL) and carries the header; `no_proxy` bypasses the
/// proxy. A header without a colon is a usage error naming it.
#[test]
fn auth_headers_and_a_proxy_from_the_environment() {
    require_root!();
    if !tools() {
        return;
    }
    let body: Vec<u8> = (0..2_000_000u32).map(|i| (i % 241) as u8).collect();
    let origin = HttpServer::start();
    origin.route("/img.raw", Route::new(body.clone()));
    let proxy = common::proxy::ConnectProxy::start(origin.port);
    // A host that does not resolve: only the proxy can reach it.
    let target = "http://images.invalid/img.raw";
    let disk = LoopDisk::new(8 * MIB);
    let r = write(target, &disk)
        .arg("--header")
        .arg("Authorization: Bearer s3cret")
        .args_checksum(&sha256(&body))
        .env("http_proxy", proxy.url())
        .env("no_proxy", "")
        .run()
        .ok();
    assert_eq!(r["checksum"]["verified"], true, "{r}");
    assert!(disk.read_at(0, body.len()) == body);
    assert_eq!(proxy.targets(), ["images.invalid:80"]);
    let seen = origin.requests("/img.raw");
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].headers.get("authorization").map(String::as_str),
        Some("Bearer s3cret")
    );
    // no_proxy: straight to images.invalid, which does not resolve.
    let disk = LoopDisk::new(8 * MIB);
    write(target, &disk)
        .arg("--retries")
        .arg("0")
        .env("http_proxy", proxy.url())
        .env("no_proxy", "images.invalid")
        .run()
        .fails(1, "network");
    assert_eq!(proxy.targets().len(), 1, "no_proxy was not honoured");
    let e = write(target, &disk)
        .arg("--header")
        .arg("Authorization Bearer")
        .run()
        .fails(2, "usage");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("'Authorization Bearer'"),
        "{e}"
    );
}

/// Regression: an empty image (a 200 with no body, an empty file) was reported as written, with
/// the disk's old contents left in place, still bootable. Now it fails, the next mirror is
/// tried, and a directory given as the source is named as such.
#[test]
fn an_empty_image_is_a_failure_not_a_written_disk() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let server = HttpServer::start();
    server.route("/empty.img", Route::new(Vec::new()));
    server.route("/disk.img", Route::new(img.bytes("disk.img")));
    let disk = LoopDisk::new(32 * MIB);
    disk.write_at(0, b"old contents");
    let e = write(&server.url("/empty.img"), &disk)
        .run()
        .fails(1, "corrupt_image");
    assert!(e["message"].as_str().unwrap().contains("empty"), "{e}");
    assert!(disk.read_at(0, 12) == b"old contents", "nothing written");
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.img");
    std::fs::write(&empty, b"").unwrap();
    write(empty.to_str().unwrap(), &disk)
        .run()
        .fails(1, "corrupt_image");
    // A mirror that serves nothing is passed over for the next one.
    let r = ironbox(&["image-write"])
        .arg(server.url("/empty.img"))
        .arg(server.url("/disk.img"))
        .arg("--disk")
        .arg(disk.dev())
        .run()
        .ok();
    assert_eq!(r["sources_tried"][0]["ok"], false, "{r}");
    check_written(&disk, img);
    let e = write(dir.path().to_str().unwrap(), &disk)
        .run()
        .fails(2, "invalid_input");
    assert!(
        e["message"].as_str().unwrap().contains("is a directory"),
        "{e}"
    );
}

/// After a refused write, nothing on `disk` looks like a partition table or filesystem.
fn assert_no_valid_table(disk: &LoopDisk) {
    let (_, w, _) = sh_status(&format!("wipefs -n {}", disk.dev()));
    assert!(w.trim().is_empty(), "wipefs -n finds: {w}");
    let (code, b, _) = sh_status(&format!("blkid -p {}", disk.dev()));
    assert_ne!(code, 0, "blkid -p finds: {b}");
    let (_, v, e) = sh_status(&format!("sgdisk -v {}", disk.dev()));
    // sgdisk says this when it finds no table at all (and then "No problems" of its own).
    assert!(v.contains("Creating new GPT entries"), "sgdisk -v: {v}{e}");
}

#[test]
fn a_512_byte_sector_image_on_a_4k_disk_is_refused_before_writing() {
    require_root!();
    assert!(tools(), "image-write test tools missing");
    let img = images();
    // A small disk (where the kernel's BLKPG failed) and a large sparse one (where it
    // "succeeded" with the protective entry as partition 1), raw and qcow2.
    for (size, name) in [(4u64 << 30, "disk.img"), (20 << 30, "disk.qcow2")] {
        let disk = LoopDisk::with_sector_size(size, 4096);
        let e = write(&img.p(name), &disk)
            .run()
            .fails(2, "sector_size_mismatch");
        let msg = e["message"].as_str().unwrap();
        assert!(
            msg.contains("512-byte sectors") && msg.contains("4096-byte logical sectors"),
            "{e}"
        );
        assert!(msg.contains("4Kn image") && msg.contains("512e"), "{e}");
        assert_eq!(
            (
                e["image_sector_size"].as_u64(),
                e["disk_sector_size"].as_u64()
            ),
            (Some(512), Some(4096))
        );
        assert_no_valid_table(&disk);
        assert!(
            disk.read_at(0, 1 << 20).iter().all(|b| *b == 0),
            "{name}: bytes were written"
        );
    }
}

#[test]
fn a_4kn_image_on_a_512_byte_disk_is_refused_and_an_old_table_is_left_alone() {
    require_root!();
    assert!(tools(), "image-write test tools missing");
    let dir = tempfile::tempdir().unwrap();
    gpt_4k_image(dir.path());
    let src = dir.path().join("4k.img.zst").display().to_string();
    let disk = LoopDisk::new(64 * MIB);
    let e = write(&src, &disk).run().fails(2, "sector_size_mismatch");
    assert!(
        e["message"].as_str().unwrap().contains("4096-byte sectors"),
        "{e}"
    );
    assert_no_valid_table(&disk);
    // Refused from the image's head: a disk that held a table before still holds it, as after
    // any other refusal before writing.
    sh(&format!(
        "sgdisk -o -n 1:2048:+8M {} >/dev/null",
        disk.dev()
    ));
    let before = disk.read_at(0, 1 << 20);
    write(&src, &disk).run().fails(2, "sector_size_mismatch");
    assert!(disk.read_at(0, 1 << 20) == before, "the disk was written");
}

/// Runs `ironbox --progress MODE image-write ...` and returns the run with its stderr lines.
fn write_with_progress(mode: &str, src: &str, disk: &LoopDisk, extra: &[&str]) -> common::Run {
    let mut args: Vec<String> = ["--progress", mode, "image-write", src, "--disk", disk.dev()]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = std::process::Command::new(common::bin())
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    common::Run::from_output_of(&args, out)
}

/// `--progress json`: every stderr line is an event that validates against the published
/// progress schema (man/schemas/progress.json) and carries `version`; a compressed image with
/// --verify shows its download, decode, write and verify phases, each ending in a final event
/// (the write's at the image's size).
#[test]
fn progress_json_names_every_phase_and_validates() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let disk = LoopDisk::new(64 * MIB);
    let run = write_with_progress("json", &img.p("disk.img.xz"), &disk, &["--verify"]);
    let stderr = run.stderr.clone();
    let r = run.ok();
    let mut finals = std::collections::BTreeMap::new();
    for line in stderr.lines() {
        let ev: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}\nstderr:\n{stderr}"));
        common::schema::check(&["progress".to_string()], &ev);
        assert_eq!(ev["version"], 1, "{line}");
        if ev["event"] == "progress" && ev["final"] == true {
            finals.insert(ev["phase"].as_str().unwrap().to_string(), ev.clone());
        }
    }
    let phases: Vec<&str> = finals.keys().map(String::as_str).collect();
    assert_eq!(
        phases,
        ["decode", "download", "verify", "write"],
        "{stderr}"
    );
    assert_eq!(finals["write"]["done"], r["image_size"], "{stderr}");
    assert_eq!(
        finals["download"]["done"], r["bytes_downloaded"],
        "{stderr}"
    );
    check_written(&disk, img);
}

/// `--progress plain`: a short write still says what it did, one final line per phase.
#[test]
fn progress_plain_prints_a_final_line_per_phase() {
    require_root!();
    if !tools() {
        return;
    }
    let img = images();
    let disk = LoopDisk::new(64 * MIB);
    let run = write_with_progress("plain", &img.p("disk.img"), &disk, &[]);
    let stderr = run.stderr.clone();
    run.ok();
    for phase in ["download", "write"] {
        assert!(
            stderr.lines().any(
                |l| l.starts_with(&format!("ironbox: {phase}: 20 MiB (100%)"))
                    && l.contains(", done in ")
            ),
            "no final {phase} line:\n{stderr}"
        );
    }
}

/// A tmux server on its own socket, killed (with what runs in it) and its socket removed when
/// dropped.
struct Tmux(String);

impl Tmux {
    fn cmd(&self, args: &[&str]) -> (i32, String, String) {
        let mut line = format!("tmux -L {}", self.0);
        for a in args {
            line.push_str(&format!(" '{a}'"));
        }
        sh_status(&line)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
        // tmux leaves its socket file behind: remove it too.
        let _ = sh_status(&format!(
            "rm -f \"${{TMUX_TMPDIR:-/tmp}}/tmux-$(id -u)/{}\"",
            self.0
        ));
    }
}

/// `--progress bar` under a real terminal (tmux): while the source stalls half way, the pane
/// shows the download bar with its phase name and byte counts.
#[test]
fn progress_bar_draws_under_a_terminal() {
    require_root!();
    require_tools(&["tmux"]);
    if !tools() {
        return;
    }
    let img = images();
    let body = img.bytes("disk.img");
    let server = stalling_server(&body);
    let disk = LoopDisk::new(64 * MIB);
    let tmux = Tmux(format!("ironbox-test-{}", std::process::id()));
    let command = format!(
        "{} --progress bar image-write {} --disk {} --timeout 60; sleep 60",
        common::bin().display(),
        server.url("/stall"),
        disk.dev()
    );
    let (code, _, err) = tmux.cmd(&["new-session", "-d", "-x", "150", "-y", "20", &command]);
    assert_eq!(code, 0, "tmux new-session failed: {err}");
    let mut pane = String::new();
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        pane = tmux.cmd(&["capture-pane", "-p"]).1;
        if pane.contains("download [") && pane.contains("MiB/") {
            break;
        }
    }
    assert!(
        pane.contains("download [") && pane.contains("MiB/"),
        "no download bar in the pane:\n{pane}"
    );
    // Typing into the terminal (a key an operator might press) does not disturb the bar.
    tmux.cmd(&["send-keys", "x"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pane = tmux.cmd(&["capture-pane", "-p"]).1;
    assert!(pane.contains("download ["), "bar gone after a key:\n{pane}");
    drop(tmux);
}
