//! `ironbox erase` end to end on loop disks: each method on disks carrying a known pattern and
//! GPT/MBR, ext4, xfs, swap, LVM and md signatures made with the real tools, checked afterwards
//! with wipefs (on the disk and, through `losetup --offset --sizelimit`, on every former
//! partition range), cmp against /dev/zero and the report's own full verification.
//!
//! md: this kernel has no md driver, so `mdadm --create` cannot run; the tests write an md 0.90
//! superblock (magic, version 0.90, set uuid) where mdadm puts it, which libblkid and wipefs
//! recognise as `linux_raid_member`. LVM labels are written by the real `pvcreate`.

mod common;
use common::*;
use serde_json::Value;

const MIB: u64 = 1 << 20;
const PATTERN: &[u8; 16] = b"IRONBOX-PATTERN!";

fn fill_pattern(d: &LoopDisk) {
    use std::io::Write;
    let chunk: Vec<u8> = PATTERN.iter().copied().cycle().take(4 << 20).collect();
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(&d.path)
        .unwrap();
    let mut left = d.size;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        f.write_all(&chunk[..n]).unwrap();
        left -= n as u64;
    }
    f.sync_all().unwrap();
}

/// An md 0.90 superblock at the end of [start, start+size) of the disk, as mdadm lays it out.
fn write_md090(d: &LoopDisk, start: u64, size: u64) {
    let mut sb = vec![0u8; 4096];
    sb[0..4].copy_from_slice(&0xa92b_4efcu32.to_le_bytes());
    sb[4..8].copy_from_slice(&0u32.to_le_bytes());
    sb[8..12].copy_from_slice(&90u32.to_le_bytes());
    sb[20..24].copy_from_slice(&0x1122_3344u32.to_le_bytes());
    d.write_at(start + (size & !65535) - 65536, &sb);
}

/// (start, size) in bytes of each partition, from sfdisk (a tool we did not write).
fn partition_ranges(d: &LoopDisk) -> Vec<(u64, u64)> {
    let out = sh(&format!("sfdisk --json {}", d.dev()));
    let v: Value = serde_json::from_str(&out).unwrap();
    let sector = v["partitiontable"]["sectorsize"].as_u64().unwrap_or(512);
    v["partitiontable"]["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !matches!(p["type"].as_str(), Some("5") | Some("f") | Some("85")))
        .map(|p| {
            (
                p["start"].as_u64().unwrap() * sector,
                p["size"].as_u64().unwrap() * sector,
            )
        })
        .collect()
}

fn part(d: &LoopDisk, n: u32) -> String {
    format!("{}p{n}", d.dev())
}

/// A disk with a known pattern, a partition table and every kind of signature. `gpt` or `dos`.
fn loaded_disk(table: &str, sector: u32) -> (LoopDisk, Vec<(u64, u64)>) {
    let d = LoopDisk::with_sector_size(448 * MIB, sector);
    fill_pattern(&d);
    if table == "gpt" {
        sh(&format!(
            "sgdisk -n1:0:+32M -n2:0:+300M -n3:0:+16M -n4:0:+16M -n5:0:+16M {} >/dev/null",
            d.dev()
        ));
    } else {
        sh(&format!(
            "printf 'size=32M\\nsize=300M\\ntype=5\\nsize=16M\\nsize=16M\\nsize=16M\\n' | sfdisk -q {}",
            d.dev()
        ));
    }
    sh(&format!("partx -a {} 2>/dev/null || true", d.dev()));
    // gpt: 1 ext4, 2 xfs, 3 swap, 4 LVM, 5 md; dos: 1 ext4, 2 xfs, 5 swap, 6 LVM, 7 md.
    let (swap, lvm) = if table == "gpt" { (3, 4) } else { (5, 6) };
    sh(&format!("mkfs.ext4 -q -F -E nodiscard {}", part(&d, 1)));
    sh(&format!("mkfs.xfs -q -f -K {}", part(&d, 2)));
    sh(&format!("mkswap {} >/dev/null", part(&d, swap)));
    sh(&format!(
        "pvcreate -qq -ff -y {} 2>/dev/null </dev/null",
        part(&d, lvm)
    ));
    let ranges = partition_ranges(&d);
    let (md_start, md_size) = *ranges.last().unwrap();
    write_md090(&d, md_start, md_size);
    // Preconditions, through wipefs: every signature is there before the erase.
    let mut seen = sh(&format!("wipefs -n {}", d.dev()));
    for (start, size) in &ranges {
        seen += &wipefs_range(&d, *start, *size);
    }
    for sig in [
        table,
        "ext4",
        "xfs",
        "swap",
        "LVM2_member",
        "linux_raid_member",
    ] {
        assert!(seen.contains(sig), "{sig} missing before erase:\n{seen}");
    }
    (d, ranges)
}

/// wipefs -n over a byte range of the disk's backing file, through a loop device of its own.
fn wipefs_range(d: &LoopDisk, start: u64, size: u64) -> String {
    let dev = sh(&format!(
        "losetup -f --show -r --offset {start} --sizelimit {size} {}",
        d.file.display()
    ));
    let dev = dev.trim();
    let (_, out, _) = sh_status(&format!("wipefs -n {dev}"));
    sh(&format!("losetup -d {dev}"));
    out
}

/// Runs `tool DEV` on a loop device over a byte range of the disk's file: (exit code, output).
fn with_range(d: &LoopDisk, start: u64, size: u64, tool: &str) -> (i32, String) {
    let dev = sh(&format!(
        "losetup -f --show -r --offset {start} --sizelimit {size} {}",
        d.file.display()
    ));
    let dev = dev.trim();
    let (code, out, err) = sh_status(&format!("{tool} {dev} </dev/null"));
    sh(&format!("losetup -d {dev}"));
    (code, out + &err)
}

fn assert_clean(d: &LoopDisk, ranges: &[(u64, u64)]) {
    let out = sh(&format!("wipefs -n {}", d.dev()));
    assert!(out.trim().is_empty(), "signatures left on the disk:\n{out}");
    for (start, size) in ranges {
        let out = wipefs_range(d, *start, *size);
        assert!(
            out.trim().is_empty(),
            "signatures left in the former partition at {start}:\n{out}"
        );
    }
    // The kernel no longer lists partitions of the disk.
    let parts = sh(&format!(
        "ls /sys/class/block/{0} | grep -c ^{0}p || true",
        d.name()
    ));
    assert_eq!(parts.trim(), "0", "kernel partitions left on {}", d.dev());
}

fn reads_zero(d: &LoopDisk) -> bool {
    sh_status(&format!("cmp -s -n {} {} /dev/zero", d.size, d.dev())).0 == 0
}

fn erase(d: &LoopDisk, method: &str, extra: &[&str]) -> Value {
    ironbox(&[
        "erase",
        "--disk",
        d.dev(),
        "--method",
        method,
        "--verify",
        "full",
    ])
    .arg_list(extra)
    .run()
    .ok()
}

trait ArgList {
    fn arg_list(self, a: &[&str]) -> Self;
}
impl ArgList for Ironbox {
    fn arg_list(mut self, a: &[&str]) -> Self {
        for x in a {
            self = self.arg(x);
        }
        self
    }
}

fn check_record(r: &Value, d: &LoopDisk, method: &str) -> Value {
    assert_eq!(r["ok"], true, "{r}");
    let dev = r["devices"][0].clone();
    assert_eq!(dev["device"], d.dev());
    assert_eq!(dev["method"], method);
    assert_eq!(dev["result"], "erased", "{dev}");
    assert_eq!(dev["size"], d.size);
    assert_eq!(dev["verification"]["mode"], "full");
    assert_eq!(dev["verification"]["ok"], true, "{dev}");
    assert!(dev["verification"]["blocks_checked"].as_u64().unwrap() > 0);
    for k in ["started_at", "finished_at"] {
        assert!(r[k].as_str().unwrap().ends_with('Z'), "{k}: {r}");
    }
    dev
}

fn require_erase_tools() {
    require_tools(&[
        "sgdisk", "sfdisk", "partx", "wipefs", "mkfs.xfs", "mkswap", "pvcreate", "cmp",
    ]);
}

#[test]
fn metadata_removes_every_signature_from_gpt_and_mbr_disks() {
    require_root!();
    require_erase_tools();
    for (table, sector) in [("gpt", 512), ("dos", 512), ("gpt", 4096)] {
        let (d, ranges) = loaded_disk(table, sector);
        let r = erase(&d, "metadata", &[]);
        let dev = check_record(&r, &d, "metadata");
        assert_eq!(dev["nist_class"], "none");
        let kinds: Vec<&str> = dev["details"]["signatures_removed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["kind"].as_str().unwrap())
            .collect();
        for k in ["ext4", "xfs", "swap", "LVM2_member", "linux_raid_member"] {
            assert!(kinds.contains(&k), "{table}/{sector}: {k} not in {kinds:?}");
        }
        assert_clean(&d, &ranges);
        // No backup superblock is left for xfs_repair or e2fsck to rebuild from.
        let (xs, xz) = ranges[1];
        let (code, out) = with_range(&d, xs, xz, "xfs_repair -n");
        assert_ne!(
            code, 0,
            "xfs_repair found a superblock after the wipe:\n{out}"
        );
        let (es, ez) = ranges[0];
        let (code, out) = with_range(&d, es, ez, "e2fsck -n");
        assert_ne!(code, 0, "e2fsck found a superblock after the wipe:\n{out}");
        // Only metadata went: the pattern is still in the middle of the xfs partition (away from its log and
        // allocation-group headers, which are wiped too).
        let (xstart, xsize) = ranges[1];
        let mid = d.read_at(xstart + xsize / 8 * 3 + 64 * 1024, 16);
        assert_eq!(&mid[..], PATTERN, "{table}/{sector}");
        assert!(dev["bytes_written"].as_u64().unwrap() < 64 * MIB);
    }
}

#[test]
fn zeroout_discard_and_overwrite_leave_nothing() {
    require_root!();
    require_erase_tools();
    for (method, class) in [
        ("zeroout", "Clear"),
        ("discard", "none"),
        ("overwrite", "Clear"),
    ] {
        let (d, ranges) = loaded_disk("gpt", 512);
        let r = erase(&d, method, &[]);
        let dev = check_record(&r, &d, method);
        assert_eq!(dev["nist_class"], class);
        assert_clean(&d, &ranges);
        assert!(
            reads_zero(&d),
            "{method}: disk does not read back as zeroes"
        );
        match method {
            "zeroout" => assert_eq!(dev["details"]["zeroes_guaranteed"], true),
            "discard" => {
                assert!(dev["details"]["zeroes_guaranteed"].is_boolean());
                assert_eq!(dev["verification"]["expected"], "changed");
            }
            _ => {
                assert_eq!(dev["passes"], 2);
                assert_eq!(dev["bytes_written"], 2 * d.size);
            }
        }
    }
}

#[test]
fn passes_2_writes_three_passes_and_no_final_zero_leaves_the_pattern() {
    require_root!();
    let d = LoopDisk::new(64 * MIB);
    fill_pattern(&d);
    let r = erase(&d, "overwrite", &["--passes", "2"]);
    let dev = check_record(&r, &d, "overwrite");
    assert_eq!(dev["passes"], 3);
    assert_eq!(dev["bytes_written"], 3 * d.size);
    let kinds: Vec<&str> = dev["details"]["pass_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pattern"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["random", "random", "zero"]);
    assert!(reads_zero(&d));

    let r = erase(&d, "overwrite", &["--no-final-zero"]);
    let dev = check_record(&r, &d, "overwrite");
    assert_eq!(dev["passes"], 1);
    assert_eq!(dev["verification"]["expected"], "pattern");
    assert!(!reads_zero(&d));
    // The random data does not repeat: two 4 KiB blocks far apart differ, and neither is the
    // old pattern.
    let a = d.read_at(0, 4096);
    let b = d.read_at(32 * MIB, 4096);
    assert_ne!(a, b);
    assert!(!a.windows(16).any(|w| w == PATTERN));

    // --passes 0 leaves only the zero pass; with --no-final-zero there is nothing to write.
    let r = erase(&d, "overwrite", &["--passes", "0"]);
    assert_eq!(check_record(&r, &d, "overwrite")["passes"], 1);
    assert!(reads_zero(&d));
    ironbox(&["erase", "--disk", d.dev(), "--method", "overwrite"])
        .arg_list(&["--passes", "0", "--no-final-zero"])
        .run()
        .fails(2, "usage");
}

#[test]
fn several_disks_in_parallel_with_one_mounted_refused() {
    require_root!();
    let disks: Vec<LoopDisk> = (0..3).map(|_| LoopDisk::new(64 * MIB)).collect();
    for d in &disks {
        fill_pattern(d);
    }
    let busy = &disks[1];
    sh(&format!("mkfs.ext4 -q -F {}", busy.dev()));
    let mnt = busy.dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    sh(&format!("mount {} {}", busy.dev(), mnt.display()));
    std::fs::write(mnt.join("keep"), b"still here").unwrap();
    let r = ironbox(&[
        "erase",
        "--method",
        "zeroout",
        "--concurrency",
        "2",
        "--disk",
    ])
    .arg_list(&[disks[0].dev(), busy.dev(), disks[2].dev()])
    .run();
    let err = r.fails(4, "device_busy");
    let cert = &err["certificate"];
    assert_eq!(cert["ok"], false);
    let devs = cert["devices"].as_array().unwrap();
    assert_eq!(devs.len(), 3);
    assert_eq!(devs[1]["device"], busy.dev());
    assert_eq!(devs[1]["result"], "refused");
    assert_eq!(devs[1]["error"]["rule"], "mounted");
    for i in [0, 2] {
        assert_eq!(devs[i]["result"], "erased", "{}", devs[i]);
        assert_eq!(devs[i]["verification"]["ok"], true);
        assert!(reads_zero(&disks[i]));
    }
    assert_eq!(
        std::fs::read(mnt.join("keep")).unwrap(),
        b"still here",
        "the mounted disk was touched"
    );
    sh(&format!("umount {}", mnt.display()));
}

#[test]
fn skip_hints_leave_matching_disks_untouched() {
    require_root!();
    let a = LoopDisk::new(32 * MIB);
    let b = LoopDisk::new(32 * MIB);
    fill_pattern(&a);
    fill_pattern(&b);
    let skip = format!(
        r#"[{{"name": "{}"}}, {{"serial": "no-such-serial"}}]"#,
        b.name()
    );
    let r = ironbox(&["erase", "--method", "zeroout", "--skip", &skip, "--disk"])
        .arg_list(&[a.dev(), b.dev()])
        .run()
        .ok();
    assert_eq!(r["devices"][0]["result"], "erased");
    assert_eq!(r["devices"][1]["result"], "skipped");
    assert!(
        r["devices"][1]["reason"]
            .as_str()
            .unwrap()
            .contains("--skip")
    );
    assert!(reads_zero(&a));
    assert_eq!(&b.read_at(16 * MIB, 16)[..], PATTERN);
    // Bad hints are exit 2.
    ironbox(&["erase", "--disk", a.dev(), "--skip", r#"{"colour": "red"}"#])
        .run()
        .fails(2, "invalid_hints");
}

#[test]
fn all_dry_run_refuses_the_machines_own_disk_and_writes_nothing() {
    require_root!();
    let src = sh("findmnt -no SOURCE /").trim().to_string();
    let pk = sh(&format!("lsblk -no PKNAME {src} 2>/dev/null | head -1"))
        .trim()
        .to_string();
    let root_disk = if pk.is_empty() {
        src.clone()
    } else {
        format!("/dev/{pk}")
    };
    // strace, when present, proves no device node is opened for writing.
    let traced = have_tool("strace");
    let log = tempfile::NamedTempFile::new().unwrap();
    let r = if traced {
        let out = std::process::Command::new("strace")
            .args(["-f", "-e", "trace=open,openat", "-o"])
            .arg(log.path())
            .arg(bin())
            .args(["--progress", "none", "erase", "--all", "--dry-run"])
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        )
    } else {
        let run = ironbox(&["erase", "--all", "--dry-run"]).run();
        (run.code, run.json)
    };
    let doc = &r.1;
    let devices = if doc["error"].is_object() {
        assert_eq!(r.0, 4, "{doc}");
        doc["error"]["certificate"]["devices"].clone()
    } else {
        doc["devices"].clone()
    };
    let devices = devices.as_array().unwrap();
    if root_disk.starts_with("/dev/") {
        let own = devices
            .iter()
            .find(|d| d["device"] == root_disk.as_str())
            .unwrap_or_else(|| panic!("{root_disk} not listed: {doc}"));
        assert_eq!(own["result"], "refused");
        assert_eq!(own["error"]["rule"], "system_disk");
    }
    for d in devices {
        assert_ne!(d["result"], "erased");
        assert!(!d["device"].as_str().unwrap().contains("loop"), "{d}");
    }
    if traced {
        let text = std::fs::read_to_string(log.path()).unwrap();
        for line in text.lines().filter(|l| l.contains("\"/dev/")) {
            assert!(
                !line.contains("O_WRONLY") && !line.contains("O_RDWR"),
                "a device was opened for writing in a dry run: {line}"
            );
        }
    }
}

#[test]
fn dry_run_plans_without_writing() {
    require_root!();
    let d = LoopDisk::new(64 * MIB);
    fill_pattern(&d);
    let before = sh(&format!("sha256sum < {}", d.dev()));
    let r = ironbox(&["erase", "--dry-run", "--disk", d.dev()])
        .run()
        .ok();
    let dev = &r["devices"][0];
    assert_eq!(r["dry_run"], true);
    assert_eq!(dev["result"], "planned");
    assert_eq!(dev["method"], "overwrite");
    assert_eq!(dev["nist_class"], "Clear");
    assert!(dev["estimated_duration_s"].as_f64().is_some(), "{dev}");
    assert!(!dev["why"].as_array().unwrap().is_empty());
    assert_eq!(sh(&format!("sha256sum < {}", d.dev())), before);
}

#[test]
fn auto_on_a_loop_disk_overwrites_and_verifies_a_sample() {
    require_root!();
    let d = LoopDisk::new(64 * MIB);
    fill_pattern(&d);
    let r = ironbox(&["erase", "--disk", d.dev(), "--method", "auto"])
        .run()
        .ok();
    let dev = &r["devices"][0];
    assert_eq!(dev["method"], "overwrite");
    assert_eq!(dev["result"], "erased");
    assert_eq!(dev["verification"]["mode"], "sample");
    assert!(dev["verification"]["blocks_checked"].as_u64().unwrap() >= 1024);
    assert!(reads_zero(&d));
}

/// A pattern-filled disk with a GPT and an ext4 in its one 32 MiB partition; (disk, partition range).
fn gpt_ext4_disk(size: u64) -> (LoopDisk, (u64, u64)) {
    let d = LoopDisk::new(size);
    fill_pattern(&d);
    sh(&format!("sgdisk -n1:0:+32M {} >/dev/null", d.dev()));
    sh(&format!("partx -a {} 2>/dev/null || true", d.dev()));
    sh(&format!("mkfs.ext4 -q -F -E nodiscard {}", part(&d, 1)));
    let range = partition_ranges(&d)[0];
    let seen = sh(&format!("wipefs -n {}", d.dev())) + &wipefs_range(&d, range.0, range.1);
    assert!(seen.contains("gpt") && seen.contains("ext4"), "{seen}");
    (d, range)
}

#[test]
fn express_on_a_loop_disk_removes_the_metadata_and_leaves_the_data() {
    require_root!();
    require_tools(&["sgdisk", "sfdisk", "partx", "wipefs", "blkid"]);
    let (d, (start, size)) = gpt_ext4_disk(96 * MIB);
    // A marker between the partition's end and the disk's last MiB, away from the btrfs copy
    // at 64 MiB: no metadata lives there, so only a whole-disk erase would touch it.
    let marker_at = 48 * MIB;
    assert!(marker_at > start + size + MIB && marker_at + MIB < d.size);
    d.write_at(marker_at, b"IRONBOX-EXPRESS!");
    let r = erase(&d, "express", &["--fallback"]);
    assert_eq!(r["method_requested"], "express");
    let dev = check_record(&r, &d, "metadata");
    assert_eq!(dev["nist_class"], "none");
    let why = dev["why"].to_string();
    assert!(
        why.contains("no fast hardware erase: metadata only"),
        "{why}"
    );
    assert!(dev["fallback_from"].is_null(), "{dev}");
    assert_clean(&d, &[(start, size)]);
    let (code, out) = with_range(&d, start, size, "blkid -p");
    assert_ne!(
        code, 0,
        "blkid still finds a filesystem in the former partition:\n{out}"
    );
    // Metadata only: a few MiB written, in seconds, and the data outside it is still there.
    assert!(dev["bytes_written"].as_u64().unwrap() < 16 * MIB, "{dev}");
    assert!(dev["duration_s"].as_f64().unwrap() < 30.0, "{dev}");
    assert_eq!(&d.read_at(marker_at, 16)[..], b"IRONBOX-EXPRESS!");
    assert_eq!(&d.read_at(start + size / 2, 16)[..], PATTERN);
}

#[test]
fn express_dry_run_shows_the_chain_and_writes_nothing() {
    require_root!();
    require_tools(&["sgdisk", "sfdisk", "partx", "wipefs"]);
    let (d, _) = gpt_ext4_disk(64 * MIB);
    let before = sh(&format!("sha256sum < {}", d.dev()));
    for extra in [&[][..], &["--fallback"][..]] {
        let r = ironbox(&[
            "erase",
            "--dry-run",
            "--method",
            "express",
            "--disk",
            d.dev(),
        ])
        .arg_list(extra)
        .run()
        .ok();
        let dev = &r["devices"][0];
        assert_eq!(r["method_requested"], "express");
        assert_eq!(dev["result"], "planned");
        assert_eq!(dev["method"], "metadata");
        assert_eq!(dev["nist_class"], "none");
        assert_eq!(
            dev["details"]["methods_in_order"],
            serde_json::json!(["metadata"])
        );
        assert_eq!(dev["why"][0], "express chose metadata");
        assert_eq!(dev["estimated_duration_s"], 1.0);
    }
    assert_eq!(sh(&format!("sha256sum < {}", d.dev())), before);
}

#[test]
fn firmware_methods_fail_on_a_loop_disk_and_fall_back_when_asked() {
    require_root!();
    let d = LoopDisk::new(32 * MIB);
    fill_pattern(&d);
    let e = ironbox(&["erase", "--disk", d.dev(), "--method", "nvme-format"])
        .run()
        .fails(1, "unsupported");
    let rec = &e["certificate"]["devices"][0];
    assert_eq!(rec["result"], "failed");
    assert_eq!(&d.read_at(0, 16)[..], PATTERN, "nothing may be written");
    ironbox(&["erase", "--disk", d.dev(), "--method", "ata-secure-erase"])
        .run()
        .fails(1, "unsupported");
    // secure-discard: loop devices answer EOPNOTSUPP.
    ironbox(&["erase", "--disk", d.dev(), "--method", "secure-discard"])
        .run()
        .fails(1, "unsupported");
    let r = ironbox(&[
        "erase",
        "--disk",
        d.dev(),
        "--method",
        "nvme-sanitize-crypto",
    ])
    .arg("--fallback")
    .run()
    .ok();
    let rec = &r["devices"][0];
    assert_eq!(rec["result"], "erased");
    assert_eq!(rec["method"], "overwrite");
    assert_eq!(rec["fallback_from"], "nvme-sanitize-crypto");
    assert_eq!(rec["attempts"][0]["error"]["kind"], "unsupported");
    assert!(reads_zero(&d));
}

#[test]
fn bad_targets_and_flags_are_named() {
    let e = ironbox(&["erase", "--disk", "/dev/no-such-disk"])
        .run()
        .fails(1, "not_found");
    assert_eq!(e["device"], "/dev/no-such-disk");
    ironbox(&["erase"]).run().fails(2, "usage");
    ironbox(&["erase", "--all", "--disk", "/dev/x"])
        .run()
        .fails(2, "usage");
    ironbox(&["erase", "--all", "--method", "shred"])
        .run()
        .fails(2, "usage");
    ironbox(&["erase", "--all", "--concurrency", "0"])
        .run()
        .fails(2, "usage");
}

#[test]
fn a_partition_is_not_a_disk() {
    require_root!();
    require_tools(&["sgdisk", "partx"]);
    let d = LoopDisk::new(32 * MIB);
    sh(&format!("sgdisk -n1:0:+8M {} >/dev/null", d.dev()));
    sh(&format!("partx -a {} 2>/dev/null || true", d.dev()));
    let e = ironbox(&["erase", "--disk", &part(&d, 1)])
        .run()
        .fails(2, "invalid_input");
    assert!(e["message"].as_str().unwrap().contains("whole disk"));
}
