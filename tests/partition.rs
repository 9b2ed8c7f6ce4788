//! `ironbox partition` end to end on loop devices (512 and 4096-byte sectors), checked with
//! sgdisk -v, sfdisk --json/--verify/--dump and blkid -p.

mod common;
use common::*;
use serde_json::{Value, json};

const GIB: u64 = 1 << 30;

fn require_partition_tools() {
    require_tools(&[
        "sgdisk",
        "sfdisk",
        "blkid",
        "mkfs.ext4",
        "mkfs.vfat",
        "mkswap",
    ]);
}

macro_rules! setup {
    () => {
        require_root!();
        require_partition_tools();
    };
}

fn sfdisk_json(dev: &str) -> Value {
    serde_json::from_str(&sh(&format!("sfdisk --json {dev}"))).expect("sfdisk --json")
}

fn sfdisk_dump(dev: &str) -> (i32, String) {
    let (code, out, _) = sh_status(&format!("sfdisk --dump {dev}"));
    (code, out)
}

fn sgdisk_ok(dev: &str) {
    let (code, out, err) = sh_status(&format!("sgdisk -v {dev}"));
    assert_eq!(code, 0, "sgdisk -v {dev}: {out}{err}");
    assert!(
        out.contains("No problems found"),
        "sgdisk -v {dev}:\n{out}{err}"
    );
    assert!(
        !out.contains("Warning") && !out.contains("Problem:"),
        "sgdisk -v {dev}:\n{out}"
    );
}

fn sfdisk_verify_ok(dev: &str) {
    let (code, out, err) = sh_status(&format!("sfdisk --verify {dev}"));
    assert_eq!(code, 0, "sfdisk --verify {dev}: {out}{err}");
    assert!(
        out.contains("No errors detected"),
        "sfdisk --verify {dev}:\n{out}{err}"
    );
}

/// blkid's view of a node: key → value from `blkid -p -o export`.
fn blkid(node: &str) -> std::collections::HashMap<String, String> {
    let (_, out, _) = sh_status(&format!("blkid -p -o export {node}"));
    out.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The report's partitions match sfdisk --json: starts, sizes, types, labels, UUIDs, nodes.
fn assert_matches_sfdisk(report: &Value, dev: &str, sector: u64) {
    let sf = sfdisk_json(dev);
    let t = &sf["partitiontable"];
    assert_eq!(t["sectorsize"], json!(sector), "{sf}");
    let label = if report["table"] == "gpt" {
        "gpt"
    } else {
        "dos"
    };
    assert_eq!(t["label"], label);
    let theirs = t["partitions"].as_array().expect("partitions");
    let ours = report["partitions"].as_array().expect("report partitions");
    assert_eq!(theirs.len(), ours.len(), "report {report}\nsfdisk {sf}");
    if label == "gpt" {
        assert_eq!(
            t["id"].as_str().unwrap().to_lowercase(),
            report["disk_guid"].as_str().unwrap()
        );
    } else {
        assert_eq!(
            t["id"].as_str().unwrap(),
            report["disk_identifier"].as_str().unwrap()
        );
    }
    for (o, s) in ours.iter().zip(theirs) {
        let node = o["node"].as_str().expect("node");
        assert_eq!(s["node"].as_str().unwrap(), node);
        assert!(std::path::Path::new(node).exists(), "{node} missing");
        assert_eq!(
            s["start"].as_u64().unwrap() * sector,
            o["start"].as_u64().unwrap(),
            "{o} vs {s}"
        );
        assert_eq!(
            s["size"].as_u64().unwrap() * sector,
            o["size"].as_u64().unwrap(),
            "{o} vs {s}"
        );
        if label == "gpt" {
            assert_eq!(
                s["type"].as_str().unwrap().to_uppercase(),
                o["type_guid"].as_str().unwrap()
            );
            assert_eq!(
                s["uuid"].as_str().unwrap().to_lowercase(),
                o["uuid"].as_str().unwrap()
            );
            assert_eq!(s["name"].as_str(), o["label"].as_str(), "{o} vs {s}");
        } else {
            let byte = o["type_byte"].as_str().unwrap().trim_start_matches("0x");
            assert_eq!(
                s["type"].as_str().unwrap(),
                byte.trim_start_matches('0'),
                "{o} vs {s}"
            );
            assert_eq!(
                s["bootable"].as_bool().unwrap_or(false),
                o["bootable"].as_bool().unwrap()
            );
            // sfdisk --json shows no PARTUUID for dos; blkid does.
            if o["type"] != "extended" {
                assert_eq!(
                    blkid(node).get("PART_ENTRY_UUID").map(String::as_str),
                    o["uuid"].as_str()
                );
            }
        }
    }
}

/// Every partition the report says was formatted carries that filesystem and label for blkid.
fn assert_filesystems(report: &Value) {
    for p in report["partitions"].as_array().unwrap() {
        let Some(fs) = p["fs_type"].as_str() else {
            continue;
        };
        let node = p["node"].as_str().unwrap();
        let b = blkid(node);
        assert_eq!(b.get("TYPE").map(String::as_str), Some(fs), "{node}: {b:?}");
        if let Some(l) = p["fs_label"].as_str() {
            assert_eq!(b.get("LABEL").map(String::as_str), Some(l), "{node}: {b:?}");
        }
        if let Some(u) = p["fs_uuid"].as_str() {
            assert_eq!(
                b.get("UUID").map(|s| s.to_lowercase()),
                Some(u.to_lowercase()),
                "{node}"
            );
        }
    }
}

fn write_layout(disk: &LoopDisk, layout: &Value) -> std::path::PathBuf {
    let path = disk.dir.path().join("layout.json");
    std::fs::write(&path, layout.to_string()).unwrap();
    path
}

#[test]
fn ipa_style_uefi_gpt_on_512_and_4096_byte_sectors() {
    setup!();
    for sector in [512u32, 4096] {
        let disk = LoopDisk::with_sector_size(2 * GIB, sector);
        let r = ironbox(&[
            "partition",
            "--disk",
            disk.dev(),
            "--table",
            "gpt",
            "--boot-mode",
            "uefi",
            "--root",
            "rest",
            "--swap",
            "512MiB",
            "--configdrive",
            "64MiB",
            "--wipe",
        ])
        .run()
        .ok();
        assert_eq!(r["table"], "gpt");
        assert_eq!(r["sector_size"], sector);
        sgdisk_ok(disk.dev());
        assert_matches_sfdisk(&r, disk.dev(), sector as u64);
        assert_filesystems(&r);
        let parts = r["partitions"].as_array().unwrap();
        let labels: Vec<_> = parts.iter().map(|p| p["label"].as_str().unwrap()).collect();
        assert_eq!(labels, ["efi-part", "swap1", "config-2", "root"]);
        assert_eq!(parts[0]["size"], 550u64 << 20);
        assert_eq!(parts[0]["type"], "esp");
        assert_eq!(parts[0]["fs_type"], "vfat");
        assert_eq!(parts[1]["fs_type"], "swap");
        assert_eq!(parts[1]["fs_label"], "swap1");
        assert_eq!(parts[2]["size"], 64u64 << 20);
        let ipa = &r["ipa"];
        assert_eq!(ipa["efi system partition"], parts[0]["node"]);
        assert_eq!(ipa["swap"], parts[1]["node"]);
        assert_eq!(ipa["configdrive"], parts[2]["node"]);
        assert_eq!(ipa["root"], parts[3]["node"]);
        for p in parts {
            assert_eq!(p["start"].as_u64().unwrap() % (1 << 20), 0, "aligned: {p}");
            assert_eq!(p["activity"], "create");
        }
        // Root runs to (within one alignment unit of) the end of the disk.
        let last = &parts[3];
        let end = last["start"].as_u64().unwrap() + last["size"].as_u64().unwrap();
        assert!(
            2 * GIB - end <= (1 << 20) + 33 * sector as u64,
            "root ends at {end}"
        );
    }
}

#[test]
fn ipa_style_bios_gpt_and_bios_msdos() {
    setup!();
    let disk = LoopDisk::new(GIB);
    let r = ironbox(&[
        "partition",
        "--disk",
        disk.dev(),
        "--table",
        "gpt",
        "--boot-mode",
        "bios",
        "--root",
        "rest",
        "--ephemeral",
        "100",
        "--wipe",
    ])
    .run()
    .ok();
    let parts = r["partitions"].as_array().unwrap();
    assert_eq!(parts[0]["type"], "bios-boot");
    assert_eq!(parts[0]["size"], 1u64 << 20);
    assert_eq!(parts[1]["size"], 100u64 << 20, "a bare number is MiB");
    assert_eq!(parts[1]["fs_label"], "ephemeral0");
    assert_eq!(r["ipa"]["BIOS Boot partition"], parts[0]["node"]);
    assert_eq!(r["ipa"]["ephemeral"], parts[1]["node"]);
    sgdisk_ok(disk.dev());
    assert_matches_sfdisk(&r, disk.dev(), 512);
    assert_filesystems(&r);

    let r = ironbox(&[
        "partition",
        "--disk",
        disk.dev(),
        "--boot-mode",
        "bios",
        "--root",
        "rest",
        "--swap",
        "64MiB",
        "--wipe",
    ])
    .run()
    .ok();
    assert_eq!(r["table"], "msdos", "IPA's default for bios");
    let parts = r["partitions"].as_array().unwrap();
    assert_eq!(parts[1]["bootable"], true, "root carries the boot flag");
    sfdisk_verify_ok(disk.dev());
    assert_matches_sfdisk(&r, disk.dev(), 512);
    assert_filesystems(&r);
}

#[test]
fn layout_file_features_on_512_and_4096_byte_sectors() {
    setup!();
    let xfs = have_tool("mkfs.xfs");
    for sector in [512u32, 4096] {
        let disk = LoopDisk::with_sector_size(2 * GIB, sector);
        let mut parts = vec![
            json!({"type": "esp", "size": "100MiB", "label": "EFI system", "format": "vfat", "fs_label": "ESP", "attributes": ["required"]}),
            json!({"type": "root-x86-64", "size": "20%", "max": "300MiB", "label": "root", "format": "ext4", "fs_label": "rootfs",
                   "uuid": "6f4f2f0e-9a61-4b8e-8f6f-1d2c3b4a5e60"}),
            json!({"type": "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "size": 67108864, "label": "swap", "format": "swap", "fs_label": "sw"}),
            json!({"type": "home", "size": "rest", "max": "500MiB", "label": "home", "bootable": true}),
            json!({"type": "var", "size": "32MiB", "label": "at-the-end", "position": "end", "format": "ext4"}),
        ];
        if xfs {
            parts.push(json!({"type": "srv", "size": "320MiB", "label": "srv", "format": "xfs", "fs_label": "srvfs"}));
        }
        let path = write_layout(&disk, &json!({"table": "gpt", "partitions": parts}));
        let r = ironbox(&["partition", "--disk", disk.dev(), "--layout"])
            .arg(&path)
            .run()
            .ok();
        sgdisk_ok(disk.dev());
        assert_matches_sfdisk(&r, disk.dev(), sector as u64);
        assert_filesystems(&r);
        let p = r["partitions"].as_array().unwrap();
        assert_eq!(p[0]["attributes"], 1);
        assert_eq!(p[1]["type"], "root-x86-64");
        assert_eq!(p[1]["size"], 300u64 << 20, "20% of 2 GiB capped by max");
        assert_eq!(p[1]["uuid"], "6f4f2f0e-9a61-4b8e-8f6f-1d2c3b4a5e60");
        assert_eq!(p[2]["type"], "swap");
        assert_eq!(p[3]["size"], 500u64 << 20, "rest capped by max");
        assert_eq!(p[3]["bootable"], true);
        assert_eq!(p[3]["attributes"], 4, "legacy BIOS bootable bit");
        let end = p[4]["start"].as_u64().unwrap() + p[4]["size"].as_u64().unwrap();
        assert!(end > 2 * GIB - (2 << 20), "position end: {end}");
        let sf = sfdisk_json(disk.dev());
        assert!(
            sf["partitiontable"]["partitions"][3]["attrs"]
                .as_str()
                .unwrap_or("")
                .contains("LegacyBIOSBootable"),
            "{sf}"
        );
        if xfs {
            assert_eq!(p[5]["fs_type"], "xfs");
        }
    }
}

#[test]
fn msdos_four_primaries_and_six_through_an_extended_partition() {
    setup!();
    for sector in [512u32, 4096] {
        let disk = LoopDisk::with_sector_size(GIB, sector);
        let four = json!({"table": "msdos", "partitions": [
            {"type": "esp", "size": "64MiB", "format": "vfat", "fs_label": "EFI", "bootable": true},
            {"type": "linux", "size": "128MiB", "format": "ext4", "fs_label": "root"},
            {"type": "swap", "size": "64MiB", "format": "swap"},
            {"type": "0x8e", "size": "rest"}]});
        let path = write_layout(&disk, &four);
        let r = ironbox(&["partition", "--disk", disk.dev(), "--layout"])
            .arg(&path)
            .run()
            .ok();
        assert_eq!(r["partitions"].as_array().unwrap().len(), 4);
        sfdisk_verify_ok(disk.dev());
        assert_matches_sfdisk(&r, disk.dev(), sector as u64);
        assert_filesystems(&r);

        let six = json!({"table": "msdos", "partitions": [
            {"size": "64MiB", "format": "ext4", "fs_label": "one"},
            {"size": "64MiB"},
            {"size": "64MiB", "type": "raid"},
            {"size": "64MiB", "format": "ext4", "fs_label": "five"},
            {"size": "64MiB", "type": "swap", "format": "swap", "fs_label": "six"},
            {"size": "rest", "format": "vfat", "fs_label": "SEVEN"}]});
        let path = write_layout(&disk, &six);
        let r = ironbox(&["partition", "--disk", disk.dev(), "--wipe", "--layout"])
            .arg(&path)
            .run()
            .ok();
        let numbers: Vec<_> = r["partitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["number"].as_u64().unwrap())
            .collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(r["partitions"][3]["type"], "extended");
        sfdisk_verify_ok(disk.dev());
        assert_matches_sfdisk(&r, disk.dev(), sector as u64);
        assert_filesystems(&r);
        assert_eq!(
            blkid(r["partitions"][6]["node"].as_str().unwrap())["LABEL"],
            "SEVEN"
        );
    }
}

#[test]
fn msdos_layout_crossing_2_tib_is_rejected() {
    setup!();
    let disk = LoopDisk::new(3 << 40);
    let path = write_layout(
        &disk,
        &json!({"table": "msdos", "partitions": [{"size": "1TiB"}, {"size": "1.5TiB"}]}),
    );
    let e = ironbox(&["partition", "--disk", disk.dev(), "--layout"])
        .arg(&path)
        .run()
        .fails(2, "invalid_layout");
    assert!(
        e["message"].as_str().unwrap().contains("msdos limit"),
        "{e}"
    );
    assert!(
        disk.read_at(0, 1 << 20).iter().all(|b| *b == 0),
        "disk untouched"
    );
    assert!(
        disk.read_at((3 << 40) - (1 << 20), 1 << 20)
            .iter()
            .all(|b| *b == 0)
    );
    // The same sizes fit a gpt.
    let path = write_layout(
        &disk,
        &json!({"table": "gpt", "partitions": [{"size": "1TiB"}, {"size": "1.5TiB"}]}),
    );
    let r = ironbox(&["partition", "--disk", disk.dev(), "--layout"])
        .arg(&path)
        .run()
        .ok();
    sgdisk_ok(disk.dev());
    assert_matches_sfdisk(&r, disk.dev(), 512);
}

#[test]
fn existing_table_without_wipe_is_refused_and_untouched() {
    setup!();
    let disk = LoopDisk::new(256 << 20);
    sh(&format!(
        "printf 'label: gpt\\n,64M,L\\n,64M,S\\n' | sfdisk -q {}",
        disk.dev()
    ));
    let (_, before) = sfdisk_dump(disk.dev());
    let head = disk.read_at(0, 1 << 20);
    let e = ironbox(&[
        "partition",
        "--disk",
        disk.dev(),
        "--boot-mode",
        "bios",
        "--root",
        "rest",
    ])
    .run()
    .fails(4, "has_signatures");
    assert!(e["message"].as_str().unwrap().contains("--wipe"), "{e}");
    // --keep of only some partitions still needs --wipe.
    ironbox(&[
        "partition",
        "--disk",
        disk.dev(),
        "--table",
        "gpt",
        "--boot-mode",
        "bios",
        "--root",
        "rest",
        "--keep",
        "1",
    ])
    .run()
    .fails(4, "has_signatures");
    let (_, after) = sfdisk_dump(disk.dev());
    assert_eq!(before, after, "sfdisk --dump changed");
    assert_eq!(head, disk.read_at(0, 1 << 20), "first MiB changed");

    // A bare filesystem on the whole disk counts too.
    let bare = LoopDisk::new(64 << 20);
    sh(&format!("mkfs.ext4 -q -F {}", bare.dev()));
    ironbox(&[
        "partition",
        "--disk",
        bare.dev(),
        "--root",
        "rest",
        "--boot-mode",
        "bios",
    ])
    .run()
    .fails(4, "has_signatures");
    assert_eq!(
        blkid(bare.dev()).get("TYPE").map(String::as_str),
        Some("ext4")
    );
}

#[test]
fn mounted_partition_is_refused() {
    setup!();
    let disk = LoopDisk::new(256 << 20);
    let path = write_layout(
        &disk,
        &json!({"table": "gpt", "partitions": [{"size": "rest", "format": "ext4"}]}),
    );
    let r = ironbox(&["partition", "--disk", disk.dev(), "--layout"])
        .arg(&path)
        .run()
        .ok();
    let node = r["partitions"][0]["node"].as_str().unwrap().to_string();
    let mnt = disk.dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    sh(&format!("mount {node} {}", mnt.display()));
    let (_, before) = sfdisk_dump(disk.dev());
    let e = ironbox(&[
        "partition",
        "--disk",
        disk.dev(),
        "--wipe",
        "--root",
        "rest",
    ])
    .run()
    .fails(4, "device_busy");
    assert_eq!(e["rule"], "mounted");
    let (_, after) = sfdisk_dump(disk.dev());
    sh(&format!("umount {}", mnt.display()));
    assert_eq!(before, after);
}

#[test]
fn every_kind_of_invalid_layout_exits_2_and_leaves_the_disk_alone() {
    setup!();
    let disk = LoopDisk::new(256 << 20);
    sh(&format!(
        "printf 'label: gpt\\n,32M,L\\n' | sfdisk -q {}",
        disk.dev()
    ));
    let (_, before) = sfdisk_dump(disk.dev());
    let long = "x".repeat(37);
    let bad: Vec<(String, &str)> = vec![
        ("not json".into(), "not valid"),
        (r#"{"table": "gpt", "partitions": [{"size": "1MiB", "colour": "red"}]}"#.into(), "colour"),
        (r#"{"table": "gpt", "partitions": [{"size": "1MiB"}], "extra": 1}"#.into(), "extra"),
        (r#"{"table": "bsd", "partitions": [{"size": "1MiB"}]}"#.into(), "bsd"),
        (r#"{"table": "gpt", "partitions": []}"#.into(), "no partitions"),
        (r#"{"table": "gpt", "partitions": [{"size": "rest"}, {"size": "rest"}]}"#.into(), "rest"),
        (r#"{"table": "gpt", "partitions": [{"size": "1GiB"}]}"#.into(), "needs at least"),
        (r#"{"table": "gpt", "partitions": [{"size": "100MiB"}, {"size": "100MiB"}, {"size": "100MiB"}]}"#.into(), "needs at least"),
        (r#"{"table": "gpt", "partitions": [{"size": "12 parsecs"}]}"#.into(), "parsecs"),
        (r#"{"table": "gpt", "partitions": [{"size": "150%"}]}"#.into(), "100%"),
        (r#"{"table": "gpt", "partitions": [{"size": "1MiB", "type": "flux-capacitor"}]}"#.into(), "flux-capacitor"),
        (r#"{"table": "gpt", "partitions": [{"size": "1MiB", "type": "0x83"}]}"#.into(), "0x83"),
        (r#"{"table": "msdos", "partitions": [{"size": "1MiB", "type": "bios-boot"}]}"#.into(), "bios-boot"),
        (r#"{"table": "msdos", "partitions": [{"size": "1MiB", "label": "x"}]}"#.into(), "label"),
        (format!(r#"{{"table": "gpt", "partitions": [{{"size": "1MiB", "label": "{long}"}}]}}"#), "36"),
        (r#"{"table": "gpt", "partitions": [{"size": "1MiB", "uuid": "nope"}]}"#.into(), "nope"),
        (r#"{"table": "gpt", "partitions": [{"size": "1MiB", "uuid": "6f4f2f0e-9a61-4b8e-8f6f-1d2c3b4a5e60"}, {"size": "1MiB", "uuid": "6f4f2f0e-9a61-4b8e-8f6f-1d2c3b4a5e60"}]}"#.into(), "twice"),
        (r#"{"table": "gpt", "partitions": [{"size": "10%", "min": "20MiB", "max": "10MiB"}]}"#.into(), "min"),
        (r#"{"table": "gpt", "partitions": [{"size": "1MiB", "max": "10MiB"}]}"#.into(), "fixed size"),
        (r#"{"table": "gpt", "partitions": [{"size": "1MiB", "format": "ntfs"}]}"#.into(), "ntfs"),
        (r#"{"table": "gpt", "partitions": [{"size": "1MiB", "fs_label": "x"}]}"#.into(), "needs a format"),
        (r#"{"table": "gpt", "partitions": [{"size": "8MiB", "format": "vfat", "fs_label": "TWELVE CHARS"}]}"#.into(), "11"),
        (r#"{"table": "gpt", "partitions": [{"size": "100MiB", "format": "xfs"}]}"#.into(), "xfs needs"),
        (r#"{"table": "gpt", "partitions": [{"size": "1MiB", "attributes": [64]}]}"#.into(), "attribute"),
        (r#"{"table": "gpt", "partitions": [{"size": "rest", "position": "end"}]}"#.into(), "rest"),
        (r#"{"table": "msdos", "partitions": [{"size": "1MiB", "attributes": [0]}]}"#.into(), "attributes"),
    ];
    for (doc, needle) in &bad {
        let e = ironbox(&["partition", "--disk", disk.dev(), "--wipe", "--layout", "-"])
            .stdin(doc.as_bytes().to_vec())
            .run()
            .fails(2, "invalid_layout");
        let msg = e["message"].as_str().unwrap();
        assert!(
            msg.contains(needle),
            "{doc}: message {msg:?} lacks {needle:?}"
        );
    }
    // IPA-style flags are checked the same way.
    ironbox(&[
        "partition",
        "--disk",
        disk.dev(),
        "--wipe",
        "--root",
        "rest",
        "--swap",
        "1 furlong",
    ])
    .run()
    .fails(2, "invalid_layout");
    ironbox(&[
        "partition",
        "--disk",
        disk.dev(),
        "--wipe",
        "--root",
        "10GiB",
    ])
    .run()
    .fails(2, "invalid_layout");
    let (_, after) = sfdisk_dump(disk.dev());
    assert_eq!(before, after, "sfdisk --dump changed");
}

#[test]
fn keep_preserves_a_partition_and_its_data() {
    setup!();
    for sector in [512u32, 4096] {
        let disk = LoopDisk::with_sector_size(GIB, sector);
        let first = json!({"table": "gpt", "partitions": [
            {"size": "100MiB", "label": "a"},
            {"size": "200MiB", "label": "data", "format": "ext4", "fs_label": "keepme"},
            {"size": "rest", "label": "c"}]});
        let path = write_layout(&disk, &first);
        let r1 = ironbox(&["partition", "--disk", disk.dev(), "--layout"])
            .arg(&path)
            .run()
            .ok();
        let data_part = r1["partitions"][1].clone();
        // Data beyond the filesystem's first blocks, written through the partition node.
        let payload: Vec<u8> = (0..8u32 << 20)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let offset = data_part["start"].as_u64().unwrap() + (100 << 20);
        disk.write_at(offset, &payload);

        let second = json!({"table": "gpt", "partitions": [
            {"size": "50MiB", "label": "new1", "format": "ext4"},
            {"size": "rest", "label": "new2"},
            {"size": "20MiB", "label": "tail", "position": "end", "format": "swap"}]});
        let path = write_layout(&disk, &second);
        let r2 = ironbox(&[
            "partition",
            "--disk",
            disk.dev(),
            "--keep",
            "data",
            "--wipe",
            "--layout",
        ])
        .arg(&path)
        .run()
        .ok();
        sgdisk_ok(disk.dev());
        assert_matches_sfdisk(&r2, disk.dev(), sector as u64);
        assert_filesystems(&r2);
        let kept = r2["partitions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["activity"] == "keep")
            .unwrap()
            .clone();
        for k in [
            "number",
            "start",
            "size",
            "uuid",
            "label",
            "type_guid",
            "fs_uuid",
        ] {
            assert_eq!(kept[k], data_part[k], "{k} of the kept partition changed");
        }
        assert_eq!(
            disk.read_at(offset, payload.len()),
            payload,
            "kept data changed"
        );
        assert_eq!(blkid(kept["node"].as_str().unwrap())["LABEL"], "keepme");
        assert_eq!(r2["disk_guid"], r1["disk_guid"], "disk GUID kept");

        // Keeping every partition needs no --wipe: add one in free space by number.
        let third = json!({"table": "gpt", "partitions": [{"size": "10MiB", "label": "more"}]});
        let path = write_layout(&disk, &third);
        let mut args = vec!["partition", "--disk", disk.dev()];
        let numbers: Vec<String> = r2["partitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["number"].to_string())
            .collect();
        for n in &numbers {
            args.push("--keep");
            args.push(n);
        }
        let r3 = ironbox(&args).arg("--layout").arg(&path).run().ok();
        assert_eq!(
            r3["partitions"].as_array().unwrap().len(),
            numbers.len() + 1
        );
        sgdisk_ok(disk.dev());
        assert_matches_sfdisk(&r3, disk.dev(), sector as u64);
        assert_eq!(disk.read_at(offset, payload.len()), payload);

        ironbox(&[
            "partition",
            "--disk",
            disk.dev(),
            "--keep",
            "nosuch",
            "--wipe",
            "--root",
            "rest",
        ])
        .run()
        .fails(2, "invalid_input");
    }
}

#[test]
fn dry_run_writes_nothing_and_reports_the_plan() {
    setup!();
    let disk = LoopDisk::new(GIB);
    let r = ironbox(&[
        "partition",
        "--disk",
        disk.dev(),
        "--dry-run",
        "--boot-mode",
        "uefi",
        "--root",
        "rest",
        "--swap",
        "128MiB",
    ])
    .run()
    .ok();
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["partitions"].as_array().unwrap().len(), 3);
    assert_eq!(r["partitions"][1]["fs_type"], "swap");
    assert!(
        disk.read_at(0, 2 << 20).iter().all(|b| *b == 0),
        "nothing written"
    );
    assert_ne!(sfdisk_dump(disk.dev()).0, 0, "still no table");
}

#[test]
fn schema_is_printed_and_describes_the_layout() {
    let r = ironbox(&["partition", "--schema"]).run().ok();
    assert_eq!(r["type"], "object");
    assert_eq!(r["additionalProperties"], false);
    assert!(r["$defs"]["partition"]["properties"]["size"].is_object());
    ironbox(&["partition", "--root", "rest"])
        .run()
        .fails(2, "usage");
}

/// The shipped schema, checked by an independent validator (python3-jsonschema), accepts the
/// layouts the tests use and rejects an unknown key and a bad size.
#[test]
fn schema_agrees_with_python_jsonschema() {
    let py = "/usr/bin/python3";
    assert_eq!(
        sh_status(&format!("{py} -c 'import jsonschema'")).0,
        0,
        "python3-jsonschema is missing (scripts/test installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.json");
    std::fs::write(&schema, ironbox(&["partition", "--schema"]).run().stdout).unwrap();
    let check = |doc: &Value| {
        let f = dir.path().join("doc.json");
        std::fs::write(&f, doc.to_string()).unwrap();
        sh_status(&format!(
            "{py} -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' {} {}",
            schema.display(),
            f.display()
        ))
        .0 == 0
    };
    let good = json!({"table": "gpt", "partitions": [
        {"type": "esp", "size": "550MiB", "label": "efi", "format": "vfat", "fs_label": "EFI", "attributes": ["required", 2]},
        {"type": "root-x86-64", "size": "rest", "max": "100GiB", "uuid": "6f4f2f0e-9a61-4b8e-8f6f-1d2c3b4a5e60"},
        {"size": "5%", "position": "end", "bootable": true},
        {"size": 1048576}, {"size": "10 GB"}]});
    assert!(check(&good));
    assert!(check(
        &json!({"table": "msdos", "partitions": [{"type": "0x83", "size": "1TiB"}]})
    ));
    assert!(!check(
        &json!({"table": "gpt", "partitions": [{"size": "1MiB", "colour": "red"}]})
    ));
    assert!(!check(
        &json!({"table": "gpt", "partitions": [{"size": "12 parsecs"}]})
    ));
    assert!(!check(
        &json!({"table": "zfs", "partitions": [{"size": 1}]})
    ));
}

#[test]
fn a_missing_mkfs_tool_fails_before_the_disk_is_written() {
    setup!();
    let disk = LoopDisk::new(256 << 20);
    // Deterministic whether or not btrfs-progs is installed: in a private mount namespace, every
    // directory ironbox searches that holds mkfs.btrfs is covered by an empty tmpfs.
    let hide = r#"for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin; do
        [ -e "$d/mkfs.btrfs" ] && { mount -t tmpfs none "$d" || exit 99; }
    done
    command -v mkfs.btrfs && exit 98
    exec "$@""#;
    let mut child = std::process::Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", hide, "sh"])
        .arg(bin())
        .args(["partition", "--disk", disk.dev(), "--layout", "-"])
        .env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("unshare (util-linux) runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"table": "gpt", "partitions": [{"size": "rest", "format": "btrfs"}]}"#)
        .unwrap();
    let e = Run::from_output(child.wait_with_output().unwrap()).fails(1, "not_found");
    assert!(e["message"].as_str().unwrap().contains("mkfs.btrfs"), "{e}");
    assert!(
        disk.read_at(0, 1 << 20).iter().all(|b| *b == 0),
        "disk untouched"
    );
}

/// Every input-file error names the file: an empty layout is not just "EOF".
#[test]
fn an_unparsable_layout_file_is_named_in_the_error() {
    let err = ironbox(&["partition", "--disk", "/dev/null", "--layout", "/dev/null"])
        .run()
        .fails(2, "invalid_layout");
    assert!(
        err["message"].as_str().unwrap().contains("/dev/null"),
        "{err}"
    );
    assert_eq!(err["path"], "/dev/null");
    let err = ironbox(&[
        "partition",
        "--disk",
        "/dev/null",
        "--layout",
        "/nonexistent.json",
    ])
    .run()
    .fails(2, "invalid_input");
    assert_eq!(err["path"], "/nonexistent.json");
}
