//! Hostile input end to end through the binary: tables a previous tenant could leave (built here
//! as bytes), the panic hook, and reports that cannot be delivered. Each case asserts the exit
//! code and a JSON document (a crash would print none), and where nothing may change, the disk's
//! bytes.

mod common;
use common::*;
use std::process::{Command, Stdio};

const MIB: u64 = 1 << 20;
/// Sparse; big enough for partition's default layout.
const DISK: u64 = 1 << 30;

fn crc32(data: &[u8]) -> u32 {
    crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(data)
}

/// A GPT with CRC-valid headers (primary and backup) over 512-byte sectors, whose header fields
/// and entries are whatever the hostile case wants: the CRCs are what makes readers trust it.
struct Gpt {
    count: u32,
    esize: u32,
    parts: Vec<(u64, u64)>,
    /// Write only `array_bytes` of the entry array (a huge count has no real array).
    array_bytes: Option<usize>,
}

impl Gpt {
    fn bytes(&self, sectors: u64) -> Vec<(u64, Vec<u8>)> {
        let full = self.count as usize * self.esize as usize;
        let mut array = vec![0u8; self.array_bytes.unwrap_or(full)];
        for (i, (first, last)) in self.parts.iter().enumerate() {
            let e = &mut array[i * self.esize as usize..];
            e[0..16].copy_from_slice(&[0xaf; 16]);
            e[16..32].copy_from_slice(&[i as u8 + 1; 16]);
            e[32..40].copy_from_slice(&first.to_le_bytes());
            e[40..48].copy_from_slice(&last.to_le_bytes());
        }
        let header = |my: u64, alt: u64, entries: u64| {
            let mut h = vec![0u8; 512];
            h[0..8].copy_from_slice(b"EFI PART");
            h[8..12].copy_from_slice(&[0, 0, 1, 0]);
            h[12..16].copy_from_slice(&92u32.to_le_bytes());
            h[24..32].copy_from_slice(&my.to_le_bytes());
            h[32..40].copy_from_slice(&alt.to_le_bytes());
            h[40..48].copy_from_slice(&34u64.to_le_bytes());
            h[48..56].copy_from_slice(&(sectors - 34).to_le_bytes());
            h[56..72].copy_from_slice(&[7; 16]);
            h[72..80].copy_from_slice(&entries.to_le_bytes());
            h[80..84].copy_from_slice(&self.count.to_le_bytes());
            h[84..88].copy_from_slice(&self.esize.to_le_bytes());
            h[88..92].copy_from_slice(&crc32(&array).to_le_bytes());
            let c = crc32(&h[..92]);
            h[16..20].copy_from_slice(&c.to_le_bytes());
            h
        };
        let mut pmbr = vec![0u8; 512];
        pmbr[446 + 4] = 0xee;
        pmbr[446 + 8..446 + 12].copy_from_slice(&1u32.to_le_bytes());
        pmbr[446 + 12..446 + 16].copy_from_slice(&((sectors - 1) as u32).to_le_bytes());
        pmbr[510] = 0x55;
        pmbr[511] = 0xaa;
        let backup_entries = sectors - 33;
        vec![
            (0, pmbr),
            (512, header(1, sectors - 1, 2)),
            (2 * 512, array.clone()),
            ((sectors - 1) * 512, header(sectors - 1, 1, backup_entries)),
            (backup_entries * 512, array),
        ]
    }
}

/// The hostile GPTs the issue found crashing gptman: entry size not 128, a used entry at LBA 0,
/// 2^32-1 entries declared.
fn hostile_gpts() -> Vec<(&'static str, Gpt)> {
    vec![
        (
            "entry size 256",
            Gpt {
                count: 64,
                esize: 256,
                parts: vec![(2048, 4095)],
                array_bytes: None,
            },
        ),
        (
            "used entry at lba 0",
            Gpt {
                count: 128,
                esize: 128,
                parts: vec![(0, 4095)],
                array_bytes: None,
            },
        ),
        (
            "2^32-1 entries",
            Gpt {
                count: u32::MAX,
                esize: 128,
                parts: vec![(2048, 4095)],
                array_bytes: Some(16384),
            },
        ),
    ]
}

fn hostile_disk(g: &Gpt) -> LoopDisk {
    let d = LoopDisk::new(DISK);
    for (off, bytes) in g.bytes(DISK / 512) {
        d.write_at(off, &bytes);
    }
    d
}

/// The run printed one JSON document (Run parses it) and exited without a signal.
fn no_crash(r: &Run, case: &str) {
    assert!(
        (0..=4).contains(&r.code),
        "{case}: exit {} (a crash?)\nstdout: {}\nstderr: {}",
        r.code,
        r.stdout,
        r.stderr
    );
}

#[test]
fn configdrive_read_survives_hostile_gpts_and_changes_nothing() {
    require_root!();
    for (case, g) in hostile_gpts() {
        let d = hostile_disk(&g);
        let before = d.read_at(0, MIB as usize);
        let r = ironbox(&["configdrive", "read", d.dev()]).run();
        no_crash(&r, case);
        assert_ne!(r.code, 0, "{case}: no config drive there: {}", r.stdout);
        assert!(r.json["error"]["kind"].is_string(), "{case}: {}", r.stdout);
        assert_eq!(d.read_at(0, MIB as usize), before, "{case}: disk changed");
    }
}

#[test]
fn erase_metadata_cleans_a_disk_with_a_hostile_gpt() {
    require_root!();
    for (case, g) in hostile_gpts() {
        let d = hostile_disk(&g);
        let r = ironbox(&["erase", "--disk", d.dev(), "--method", "metadata"]).run();
        no_crash(&r, case);
        assert_eq!(r.code, 0, "{case}: {}\n{}", r.stdout, r.stderr);
        assert!(
            d.read_at(512, 8).iter().all(|b| *b == 0),
            "{case}: header left"
        );
        let tail = d.read_at(DISK - 512, 8);
        assert!(tail.iter().all(|b| *b == 0), "{case}: backup left");
    }
}

#[test]
fn partition_wipe_and_keep_survive_hostile_gpts() {
    require_root!();
    for (case, g) in hostile_gpts() {
        for mode in ["--keep=1", "--wipe"] {
            let d = hostile_disk(&g);
            let r = ironbox(&["partition", "--disk", d.dev(), mode, "--table", "gpt"])
                .arg("--root")
                .arg("16MiB")
                .run();
            no_crash(&r, case);
            if mode == "--wipe" {
                assert_eq!(r.code, 0, "{case}: --wipe on garbage\n{}", r.stdout);
            }
        }
    }
}

#[test]
fn image_write_of_an_image_with_a_hostile_gpt_does_not_crash() {
    require_root!();
    for (case, g) in hostile_gpts() {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("img.raw");
        let mut v = vec![0u8; 8 * MIB as usize];
        for (off, bytes) in g.bytes(8 * MIB / 512) {
            v[off as usize..off as usize + bytes.len()].copy_from_slice(&bytes);
        }
        std::fs::write(&img, &v).unwrap();
        let d = LoopDisk::new(32 * MIB);
        let r = ironbox(&["image-write", "--disk", d.dev()]).arg(&img).run();
        no_crash(&r, case);
    }
}

/// configdrive write and image-write --partition read the table to find where to write. A table
/// the bounded reader takes (entries of 256 bytes) is written into where it is safe; one it
/// refuses is `invalid_layout` naming why (not "no partition table"), and the disk's head and
/// tail stay as they were.
#[test]
fn configdrive_write_and_image_write_partition_survive_hostile_gpts() {
    require_root!();
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("md.json");
    std::fs::write(&md, r#"{"meta_data": {"uuid": "hostile-1"}}"#).unwrap();
    let fs = dir.path().join("fs.raw");
    std::fs::write(&fs, vec![0x5a; MIB as usize]).unwrap();
    for (case, g) in hostile_gpts() {
        let d = hostile_disk(&g);
        let (head, tail) = (
            d.read_at(0, MIB as usize),
            d.read_at(DISK - MIB, MIB as usize),
        );
        let unchanged = |what: &str| {
            assert_eq!(
                d.read_at(0, MIB as usize),
                head,
                "{case}: {what}: head changed"
            );
            let now = d.read_at(DISK - MIB, MIB as usize);
            assert_eq!(now, tail, "{case}: {what}: tail changed");
        };
        let cd = ironbox(&["configdrive", "write", "--disk", d.dev(), "--from-json"])
            .arg(&md)
            .run();
        no_crash(&cd, case);
        let e = cd.fails(2, "invalid_layout");
        unchanged("configdrive write");
        let img = ironbox(&["image-write", "--disk", d.dev(), "--partition", "1"])
            .arg(&fs)
            .run();
        no_crash(&img, case);
        if g.esize == 256 {
            // Readable, so the partition is found; gptman cannot rewrite it, so no config-2.
            assert!(
                e["causes"][0].as_str().unwrap().contains("256"),
                "{case}: {e}"
            );
            assert_eq!(img.code, 0, "{case}: {}\n{}", img.stdout, img.stderr);
            assert!(
                d.read_at(2048 * 512, MIB as usize)
                    .iter()
                    .all(|b| *b == 0x5a)
            );
        } else {
            assert!(
                e["message"].as_str().unwrap().contains("cannot be used"),
                "{case}: {e}"
            );
            let e = img.fails(2, "invalid_layout");
            let msg = e["message"].as_str().unwrap();
            assert!(msg.contains("has a GPT that cannot be used"), "{case}: {e}");
            unchanged("image-write --partition");
        }
    }
}

#[test]
fn a_panic_still_prints_an_internal_error_document() {
    let r = ironbox(&["inventory"])
        .env("IRONBOX_SELFTEST_PANIC", "1")
        .run();
    let e = r.fails(1, "internal");
    assert!(e["message"].as_str().unwrap().contains("SELFTEST"), "{e}");
}

fn status_with_stdout(stdout: Stdio) -> i32 {
    Command::new(bin())
        .args(["--progress", "none", "inventory"])
        .stdout(stdout)
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .code()
        .unwrap_or(-1)
}

#[test]
fn a_report_that_cannot_be_delivered_is_exit_1() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    assert_eq!(status_with_stdout(full.into()), 1, "stdout on /dev/full");
    // `>&-`: the shell closes fd 1 before exec.
    let (code, _, _) = sh_status(&format!(
        "{} --progress none inventory >&-",
        bin().display()
    ));
    assert_eq!(code, 1, "stdout closed");
    // A discard on purpose and a reader that leaves early stay successes.
    assert_eq!(status_with_stdout(Stdio::null()), 0, "stdout on /dev/null");
    let mut child = Command::new(bin())
        .args(["--progress", "none", "inventory"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader leaves before the report is written
    assert_eq!(child.wait().unwrap().code(), Some(0), "broken pipe");
}

/// A FIFO named as the image path (and /dev/stdin from a pipe) is read once, never reopened to
/// sniff: reopening lost the first 4 bytes and the disk held the image shifted, exit 0.
#[test]
fn a_fifo_image_path_is_written_unshifted() {
    require_root!();
    let image: Vec<u8> = (0..4 * MIB as u32)
        .map(|i| (i * 7 + i / 4096) as u8)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("image.fifo");
    sh(&format!("mkfifo {}", fifo.display()));
    let d = LoopDisk::new(32 * MIB);
    let (path, data) = (fifo.clone(), image.clone());
    let feeder = std::thread::spawn(move || std::fs::write(path, data));
    let r = ironbox(&["image-write", "--disk", d.dev()])
        .arg(&fifo)
        .run();
    feeder.join().unwrap().unwrap();
    r.ok();
    assert!(
        d.read_at(0, image.len()) == image,
        "fifo: disk differs from the image"
    );

    let d = LoopDisk::new(32 * MIB);
    let r = ironbox(&["image-write", "--disk", d.dev(), "/dev/stdin"])
        .stdin(image.clone())
        .run();
    r.ok();
    assert!(
        d.read_at(0, image.len()) == image,
        "/dev/stdin: disk differs"
    );
}

/// A checksum file that arrives whole but is not UTF-8 is a bad checksum, not a network fault;
/// nothing is written.
#[test]
fn a_non_utf8_checksum_file_is_invalid_checksum() {
    require_root!();
    let server = common::http::HttpServer::start();
    server.route("/img", common::http::Route::new(vec![0x5au8; 1 << 20]));
    server.route(
        "/SUMS",
        common::http::Route::new(vec![0xffu8, 0xfe, b'a', b'\n']),
    );
    let d = LoopDisk::new(32 * MIB);
    ironbox(&["image-write", "--disk", d.dev(), &server.url("/img")])
        .arg("--checksum")
        .arg(server.url("/SUMS"))
        .run()
        .fails(2, "invalid_checksum");
    assert!(
        d.read_at(0, MIB as usize).iter().all(|b| *b == 0),
        "disk written"
    );
}
