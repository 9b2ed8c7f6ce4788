//! `ironbox configdrive` end to end: images built and disks written by ironbox, checked with
//! blkid, xorriso, mtools, fsck.fat, sgdisk/sfdisk and cloud-init's own config-drive reader.

mod common;
use common::http::{HttpServer, Route};
use common::*;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const UUID: &str = "83679162-1378-4288-a2d4-70e13ec132aa";

/// The tools every config drive test checks with: missing ones fail the test, never skip it.
fn require_cd_tools() {
    require_tools(&[
        "xorriso",
        "blkid",
        "mcopy",
        "sgdisk",
        "sfdisk",
        "fsck.fat",
        "mkfs.vfat",
    ]);
    require_file(
        Path::new("/usr/lib/python3/dist-packages/cloudinit"),
        "Debian's cloud-init package",
    );
}

fn ironic_dict() -> Value {
    json!({
        "meta_data": {"uuid": UUID, "hostname": "node-1", "name": "node-1",
                      "public_keys": {"default": "ssh-ed25519 AAAAC3Nza test"}},
        "user_data": "#cloud-config\nhostname: node-1\n",
        "network_data": {
            "links": [{"id": "eth0", "type": "phy", "ethernet_mac_address": "52:54:00:12:34:56", "mtu": 1500}],
            "networks": [{"id": "net0", "link": "eth0", "type": "ipv4_dhcp", "network_id": "n0"}],
            "services": []
        },
        "vendor_data": {"ironbox": true}
    })
}

fn write_json(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
    p
}

/// A config drive tree on disk, as openstacksdk lays it out, for the reference tools.
fn tree_dir(dir: &Path, meta: &Value) -> PathBuf {
    let root = dir.join("tree");
    for v in ["2012-08-10", "latest"] {
        let d = root.join("openstack").join(v);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("meta_data.json"), meta.to_string()).unwrap();
        std::fs::write(d.join("user_data"), "#cloud-config\nhostname: node-1\n").unwrap();
        std::fs::write(
            d.join("network_data.json"),
            ironic_dict()["network_data"].to_string(),
        )
        .unwrap();
    }
    root
}

/// An ISO made the way Ironic makes it: `mkisofs -R -J -V config-2` (here xorriso's emulation).
fn reference_iso(dir: &Path, meta: &Value) -> PathBuf {
    let t = tree_dir(dir, meta);
    let iso = dir.join("ref.iso");
    sh(&format!(
        "xorriso -as mkisofs -quiet -R -J -V config-2 -o {} {} 2>/dev/null",
        iso.display(),
        t.display()
    ));
    iso
}

/// What Ironic hands the agent: base64 of gzip of the ISO.
fn ironic_payload(iso: &Path) -> String {
    sh(&format!("gzip -c {} | base64 -w 76", iso.display()))
}

fn blkid(dev: &str) -> HashMap<String, String> {
    sh(&format!("blkid -p -o export {dev}"))
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn extract_iso(src: &str, out: &Path) {
    sh(&format!(
        "xorriso -osirrox on -indev stdio:{src} -extract / {} 2>/dev/null",
        out.display()
    ));
}

fn extract_vfat(src: &str, out: &Path) {
    std::fs::create_dir_all(out).unwrap();
    sh(&format!(
        "MTOOLS_SKIP_CHECK=1 mcopy -s -n -i {src} ::/ {}",
        out.display()
    ));
}

/// cloud-init's own reader (Debian's python3, package cloud-init) on an extracted tree.
fn cloud_init_read(dir: &Path) -> Value {
    let out = sh(&format!(
        "/usr/bin/python3 -c 'import json,sys; from cloudinit.sources import DataSourceConfigDrive as d; \
         r = d.read_config_drive(sys.argv[1]); \
         print(json.dumps({{\"metadata\": r[\"metadata\"], \"networkdata\": r.get(\"networkdata\"), \
         \"userdata\": r[\"userdata\"].decode() if isinstance(r[\"userdata\"], bytes) else r[\"userdata\"]}}, default=str))' {}",
        dir.display()
    ));
    serde_json::from_str(out.trim()).unwrap()
}

fn assert_cloud_init_sees_us(dir: &Path) {
    let r = cloud_init_read(dir);
    assert_eq!(r["metadata"]["instance-id"], UUID, "{r}");
    assert_eq!(r["metadata"]["local-hostname"], "node-1", "{r}");
    assert_eq!(r["networkdata"]["links"][0]["mtu"], 1500, "{r}");
    assert_eq!(r["userdata"], "#cloud-config\nhostname: node-1\n", "{r}");
}

/// The partition holds an ISO 9660 labelled config-2 (blkid) from which cloud-init's own reader
/// gets our metadata (extracted with xorriso into `dir`/x).
fn assert_iso_drive_seen_by_cloud_init(node: &str, dir: &Path) {
    let id = blkid(node);
    assert_eq!(
        (id["TYPE"].as_str(), id["LABEL"].as_str()),
        ("iso9660", "config-2")
    );
    let out = dir.join("x");
    extract_iso(node, &out);
    assert_cloud_init_sees_us(&out);
}

fn disk_hash(d: &LoopDisk) -> String {
    let _ = sh(&format!("blockdev --flushbufs {}", d.dev()));
    sh(&format!("sha256sum {}", d.file.display()))
}

/// A whole-disk image with a GPT made by sgdisk, `image` bytes long, written onto a bigger disk
/// (its backup GPT then sits short of the disk's end, as after image-write).
fn gpt_disk(dir: &Path, image: &str, disk: &str, sector: u32) -> LoopDisk {
    let img = dir.join("whole-disk.img");
    if sector == 512 {
        sh(&format!(
            "truncate -s {image} {0} && sgdisk -o -n 1:2048:+20M -t 1:ef00 -n 2:0:+30M -t 2:8300 -c 2:root {0} >/dev/null && truncate -s {disk} {0}",
            img.display()
        ));
        return LoopDisk::from_file(&img, 512);
    }
    sh(&format!("truncate -s {disk} {}", img.display()));
    let d = LoopDisk::from_file(&img, sector);
    sh(&format!(
        "sgdisk -o -n 1:256:+20M -t 1:ef00 -n 2:0:+30M -t 2:8300 {} >/dev/null",
        d.dev()
    ));
    d
}

/// A GPT disk (see gpt_disk) that `configdrive write --from-json` gave a config drive: the
/// disk, the dict's path and the write's report.
fn written_gpt_drive(dir: &Path) -> (LoopDisk, PathBuf, Value) {
    let md = write_json(dir, "md.json", &ironic_dict());
    let disk = gpt_disk(dir, "100M", "300M", 512);
    let r = ironbox(&["configdrive", "write", "--disk", disk.dev(), "--from-json"])
        .arg(&md)
        .run()
        .ok();
    (disk, md, r)
}

/// `configdrive write --dry-run --from-json MD` on `disk`: the plan.
fn dry_run_from_json(disk: &LoopDisk, md: &Path) -> Value {
    ironbox(&[
        "configdrive",
        "write",
        "--disk",
        disk.dev(),
        "--dry-run",
        "--from-json",
    ])
    .arg(md)
    .run()
    .ok()
}

/// sfdisk reads a GPT with `partitions` entries, and the MBR holds the 0xEE entry alone.
fn assert_only_protective_mbr(disk: &LoopDisk, partitions: usize) {
    let t = sfdisk_json(disk.dev());
    assert_eq!(t["partitiontable"]["label"], "gpt", "{t}");
    assert_eq!(
        t["partitiontable"]["partitions"].as_array().unwrap().len(),
        partitions,
        "{t}"
    );
    let mbr = disk.read_at(446, 64);
    assert_eq!(mbr[4], 0xee, "MBR entry 1 is not protective: {mbr:02x?}");
    assert!(
        mbr[16..].iter().all(|b| *b == 0),
        "MBR entries 2-4 used: {mbr:02x?}"
    );
}

fn sfdisk_json(dev: &str) -> Value {
    serde_json::from_str(&sh(&format!("sfdisk --json {dev}"))).unwrap()
}

#[test]
fn build_iso_and_vfat_are_read_by_reference_tools_and_cloud_init() {
    require_cd_tools();
    let dir = tempfile::tempdir().unwrap();
    let md = write_json(dir.path(), "md.json", &ironic_dict());
    let iso = dir.path().join("cd.iso");
    let r = ironbox(&["configdrive", "build", "--from-json"])
        .arg(&md)
        .arg("-o")
        .arg(&iso)
        .run()
        .ok();
    assert_eq!(r["filesystem"], "iso9660");
    let id = blkid(iso.to_str().unwrap());
    assert_eq!(id["TYPE"], "iso9660");
    assert_eq!(id["LABEL"], "config-2");
    let names = sh(&format!(
        "xorriso -indev stdio:{} -find / 2>/dev/null",
        iso.display()
    ));
    for want in [
        "/openstack/latest/meta_data.json",
        "/openstack/latest/network_data.json",
        "/openstack/latest/user_data",
        "/openstack/latest/vendor_data2.json",
        "/openstack/2012-08-10/meta_data.json",
    ] {
        assert!(
            names.contains(&format!("'{want}'")),
            "{want} missing in:\n{names}"
        );
    }
    // Joliet too (Windows' and some readers' view), with the same case.
    let joliet = sh(&format!(
        "xorriso -read_fs norock -indev stdio:{} -find / 2>/dev/null",
        iso.display()
    ));
    assert!(joliet.contains("meta_data.json"), "{joliet}");
    let out = dir.path().join("x-iso");
    extract_iso(iso.to_str().unwrap(), &out);
    assert_cloud_init_sees_us(&out);

    let vfat = dir.path().join("cd.vfat");
    ironbox(&["configdrive", "build", "--fs", "vfat", "--from-json"])
        .arg(&md)
        .arg("-o")
        .arg(&vfat)
        .run()
        .ok();
    sh(&format!("fsck.fat -n {}", vfat.display()));
    let id = blkid(vfat.to_str().unwrap());
    assert_eq!(
        (id["TYPE"].as_str(), id["LABEL"].as_str()),
        ("vfat", "CONFIG-2")
    );
    let listing = sh(&format!(
        "MTOOLS_SKIP_CHECK=1 mdir -/ -b -i {} ::/",
        vfat.display()
    ));
    assert!(
        listing.contains("::/openstack/latest/meta_data.json"),
        "{listing}"
    );
    assert!(
        listing.contains("::/openstack/latest/vendor_data2.json"),
        "{listing}"
    );
    let out = dir.path().join("x-vfat");
    extract_vfat(vfat.to_str().unwrap(), &out);
    assert_cloud_init_sees_us(&out);

    // Separate files, and stdout: the image on stdout, the report on stderr.
    let meta = write_json(dir.path(), "meta.json", &ironic_dict()["meta_data"]);
    let out = std::process::Command::new(bin())
        .args(["--progress", "none", "configdrive", "build", "--meta-data"])
        .arg(&meta)
        .args(["-o", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(&out.stdout[0x8001..0x8006], b"CD001");
    let report: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(report["files"].as_array().unwrap().len(), 2);
}

#[test]
fn build_refuses_meta_data_without_uuid() {
    let dir = tempfile::tempdir().unwrap();
    let md = write_json(
        dir.path(),
        "md.json",
        &json!({"meta_data": {"hostname": "x"}}),
    );
    let e = ironbox(&["configdrive", "build", "--from-json"])
        .arg(&md)
        .arg("-o")
        .arg(dir.path().join("x.iso"))
        .run()
        .fails(2, "invalid_input");
    assert!(e["message"].as_str().unwrap().contains("uuid"), "{e}");
    assert!(!dir.path().join("x.iso").exists());
}

#[test]
fn read_reports_problems() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = ironic_dict();
    d["network_data"]["links"][0]
        .as_object_mut()
        .unwrap()
        .remove("mtu");
    let md = write_json(dir.path(), "md.json", &d);
    let iso = dir.path().join("cd.iso");
    ironbox(&["configdrive", "build", "--from-json"])
        .arg(&md)
        .arg("-o")
        .arg(&iso)
        .run()
        .ok();
    let r = ironbox(&["configdrive", "read"]).arg(&iso).run().ok();
    assert_eq!(r["meta_data"]["uuid"], UUID);
    assert_eq!(r["label"], "config-2");
    assert_eq!(r["network_data"]["links"][0]["id"], "eth0");
    assert_eq!(
        r["problems"],
        json!(["network_data.json: link eth0 has no mtu"]),
        "{r}"
    );
}

#[test]
fn gpt_whole_disk_image_from_json_then_reuse() {
    require_root!();
    require_cd_tools();
    let dir = tempfile::tempdir().unwrap();
    let disk = gpt_disk(dir.path(), "100M", "300M", 512);
    let md = write_json(dir.path(), "md.json", &ironic_dict());

    // Dry run: a plan, nothing written.
    let before = disk_hash(&disk);
    let plan = dry_run_from_json(&disk, &md);
    assert_eq!(plan["plan"]["relocate_backup_gpt"], true, "{plan}");
    assert_eq!(disk_hash(&disk), before);

    let r = ironbox(&["configdrive", "write", "--disk", disk.dev(), "--from-json"])
        .arg(&md)
        .run()
        .ok();
    assert_eq!(r["created"], true, "{r}");
    assert_eq!(r["partition"]["number"], 3);
    assert_eq!(r["partition"]["size"], 64 << 20);
    assert_eq!(r["source_format"], "json");
    assert_eq!(r["rebuilt_as_vfat"], false);
    let node = r["partition"]["node"].as_str().unwrap().to_string();
    // The backup GPT moved to the true end; sgdisk finds nothing wrong.
    let v = sh(&format!("sgdisk -v {}", disk.dev()));
    assert!(v.contains("No problems found"), "{v}");
    let t = sfdisk_json(disk.dev());
    let p3 = &t["partitiontable"]["partitions"][2];
    assert_eq!(p3["name"], "config-2");
    assert_eq!(
        p3["uuid"].as_str().unwrap().to_lowercase(),
        r["partition"]["uuid"].as_str().unwrap()
    );
    assert_iso_drive_seen_by_cloud_init(&node, dir.path());

    // Our reader finds it by label on the disk.
    let rd = ironbox(&["configdrive", "read", disk.dev()]).run().ok();
    assert_eq!(rd["partition"]["number"], 3);
    assert_eq!(rd["problems"], json!([]));

    // Again: the config-2 partition is reused, not duplicated.
    let r2 = ironbox(&["configdrive", "write", "--disk", disk.dev(), "--from-json"])
        .arg(&md)
        .run()
        .ok();
    assert_eq!(r2["created"], false, "{r2}");
    assert_eq!(r2["partition"]["number"], 3);
    assert_eq!(
        sfdisk_json(disk.dev())["partitiontable"]["partitions"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn ironic_base64_gzip_iso_from_url_on_gpt() {
    require_root!();
    require_cd_tools();
    let dir = tempfile::tempdir().unwrap();
    let iso = reference_iso(dir.path(), &ironic_dict()["meta_data"]);
    let payload = ironic_payload(&iso);
    let server = HttpServer::start();
    let mut route = Route::new(payload.into_bytes());
    route.fail_first = vec![503];
    server.route("/cd", route);
    let disk = gpt_disk(dir.path(), "100M", "200M", 512);
    let r = ironbox(&[
        "configdrive",
        "write",
        "--disk",
        disk.dev(),
        &server.url("/cd"),
    ])
    .run()
    .ok();
    assert_eq!(r["source_format"], "base64+gzip+iso9660");
    assert_eq!(r["created"], true);
    assert_eq!(server.requests("/cd").len(), 2, "one retry after the 503");
    assert_eq!(r["retries"], 1, "the retry is reported");
    // A missing URL is not retried and leaves the disk alone.
    let before = disk_hash(&disk);
    let e = ironbox(&[
        "configdrive",
        "write",
        "--disk",
        disk.dev(),
        &server.url("/missing"),
    ])
    .run()
    .fails(1, "http_status");
    assert_eq!(e["status"], 404, "{e}");
    assert_eq!(disk_hash(&disk), before);
    let node = r["partition"]["node"].as_str().unwrap();
    let id = blkid(node);
    assert_eq!(
        (id["TYPE"].as_str(), id["LABEL"].as_str()),
        ("iso9660", "config-2")
    );
    // The bytes on disk are Ironic's ISO, unchanged.
    let written = std::fs::read(&iso).unwrap();
    let start = r["partition"]["start"].as_u64().unwrap();
    assert_eq!(disk.read_at(start, written.len()), written);
    let out = dir.path().join("x");
    extract_iso(node, &out);
    assert_cloud_init_sees_us(&out);
}

/// A config drive behind an internal CA (a Swift temp URL, say): refused without --ca-cert with
/// a hint and the disk untouched, written with --ca-cert or --insecure; --header reaches the
/// server; a bad --ca-cert or --header is bad usage before anything is fetched.
#[test]
fn https_url_with_a_private_ca_insecure_and_headers() {
    require_root!();
    require_cd_tools();
    require_tools(&["openssl"]);
    let dir = tempfile::tempdir().unwrap();
    let www = tempfile::tempdir().unwrap();
    let pki = tempfile::tempdir().unwrap();
    let iso = reference_iso(dir.path(), &ironic_dict()["meta_data"]);
    let payload = ironic_payload(&iso);
    std::fs::write(www.path().join("cd"), &payload).unwrap();
    let server = common::tls::TlsServer::start(www.path(), pki.path(), false);
    let url = server.url("/cd");
    let write = |disk: &LoopDisk| ironbox(&["configdrive", "write", "--disk", disk.dev(), &url]);

    let disk = gpt_disk(dir.path(), "100M", "200M", 512);
    let before = disk_hash(&disk);
    let e = write(&disk).run().fails(1, "network");
    let hint = e["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains("--ca-cert") && hint.contains("--insecure"),
        "{e}"
    );
    // Refused at the first attempt: a certificate does not get better on a retry.
    assert!(e.get("attempts").is_none(), "{e}");
    assert_eq!(disk_hash(&disk), before, "nothing written");

    let r = write(&disk).arg("--ca-cert").arg(&server.ca).run().ok();
    assert_eq!(r["source_format"], "base64+gzip+iso9660", "{r}");
    assert_eq!(r["created"], true, "{r}");
    let node = r["partition"]["node"].as_str().unwrap();
    assert_iso_drive_seen_by_cloud_init(node, dir.path());

    let dir2 = tempfile::tempdir().unwrap();
    let disk = gpt_disk(dir2.path(), "100M", "200M", 512);
    let r = write(&disk).arg("--insecure").run().ok();
    assert_eq!(r["created"], true, "{r}");
    let written = std::fs::read(&iso).unwrap();
    let start = r["partition"]["start"].as_u64().unwrap();
    assert_eq!(disk.read_at(start, written.len()), written);

    // A --ca-cert that is missing or holds no certificate names the file; nothing is fetched.
    let before = disk_hash(&disk);
    let missing = dir.path().join("no-such-ca.pem");
    let e = write(&disk)
        .arg("--ca-cert")
        .arg(&missing)
        .run()
        .fails(2, "invalid_input");
    assert!(
        e["message"].as_str().unwrap().contains("no-such-ca.pem"),
        "{e}"
    );
    let e = write(&disk)
        .arg("--ca-cert")
        .arg(&iso)
        .run()
        .fails(2, "invalid_input");
    assert!(e["message"].as_str().unwrap().contains("no PEM"), "{e}");
    assert_eq!(disk_hash(&disk), before);

    // --header goes with the request (a dry run fetches and decodes too).
    let plain = HttpServer::start();
    plain.route("/cd", Route::new(payload.into_bytes()));
    let r = ironbox(&["configdrive", "write", "--dry-run", "--disk", disk.dev()])
        .arg(plain.url("/cd"))
        .arg("--header")
        .arg("X-Auth-Token: s3cret")
        .arg("--header")
        .arg("X-Trace:1")
        .run()
        .ok();
    assert_eq!(r["dry_run"], true, "{r}");
    let reqs = plain.requests("/cd");
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].headers.get("x-auth-token").map(String::as_str),
        Some("s3cret")
    );
    assert_eq!(
        reqs[0].headers.get("x-trace").map(String::as_str),
        Some("1")
    );
    let e = ironbox(&["configdrive", "write", "--disk", disk.dev()])
        .arg(plain.url("/cd"))
        .arg("--header")
        .arg("X-Auth-Token")
        .run()
        .fails(2, "usage");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("--header 'X-Auth-Token'"),
        "{e}"
    );
    assert_eq!(
        plain.requests("/cd").len(),
        1,
        "nothing fetched with a bad --header"
    );
    assert_eq!(disk_hash(&disk), before);
}

#[test]
fn raw_iso_on_mbr_takes_a_free_primary_slot() {
    require_root!();
    require_cd_tools();
    let dir = tempfile::tempdir().unwrap();
    let iso = reference_iso(dir.path(), &ironic_dict()["meta_data"]);
    let disk = LoopDisk::new(200 << 20);
    sh(&format!(
        "echo 'label: dos\nstart=2048, size=40M, type=83, bootable' | sfdisk -q {}",
        disk.dev()
    ));
    // The raw ISO on stdin.
    let r = ironbox(&["configdrive", "write", "--disk", disk.dev(), "-"])
        .stdin(std::fs::read(&iso).unwrap())
        .run()
        .ok();
    assert_eq!(r["source_format"], "iso9660");
    assert_eq!(r["partition"]["number"], 2, "{r}");
    let t = sfdisk_json(disk.dev());
    let parts = t["partitiontable"]["partitions"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[1]["start"], 278528); // at the end of the disk, 1 MiB-aligned
    assert_eq!(parts[1]["size"], 131072);
    assert_eq!(parts[1]["type"], "83");
    let id = blkid(r["partition"]["node"].as_str().unwrap());
    assert_eq!(
        (id["TYPE"].as_str(), id["LABEL"].as_str()),
        ("iso9660", "config-2")
    );
    assert_eq!(id["PART_ENTRY_NUMBER"], "2");
}

#[test]
fn mbr_with_four_slots_taken_gets_a_logical_partition() {
    require_root!();
    require_cd_tools();
    let dir = tempfile::tempdir().unwrap();
    let md = write_json(dir.path(), "md.json", &ironic_dict());
    let disk = LoopDisk::new(300 << 20);
    sh(&format!(
        "printf 'label: dos\\nstart=2048, size=20M, type=83\\nsize=20M, type=83\\nsize=20M, type=83\\nsize=200M, type=5\\nsize=20M, type=83\\n' | sfdisk -q {}",
        disk.dev()
    ));
    let r = ironbox(&["configdrive", "write", "--disk", disk.dev(), "--from-json"])
        .arg(&md)
        .run()
        .ok();
    assert_eq!(r["partition"]["number"], 6, "{r}");
    assert_eq!(r["plan"]["logical"], true);
    let t = sfdisk_json(disk.dev());
    let parts = t["partitiontable"]["partitions"].as_array().unwrap();
    assert_eq!(parts.len(), 6, "{t}");
    assert_eq!(parts[5]["size"], 131072);
    let start = parts[5]["start"].as_u64().unwrap();
    assert_eq!(start * 512, r["partition"]["start"].as_u64().unwrap());
    let node = r["partition"]["node"].as_str().unwrap();
    assert_iso_drive_seen_by_cloud_init(node, dir.path());
}

#[test]
fn mbr_without_room_is_refused_and_untouched() {
    require_root!();
    require_cd_tools();
    let dir = tempfile::tempdir().unwrap();
    let md = write_json(dir.path(), "md.json", &ironic_dict());
    let disk = LoopDisk::new(100 << 20);
    sh(&format!(
        "printf 'label: dos\\nstart=2048, size=20M\\nsize=20M\\nsize=20M\\nsize=+\\n' | sfdisk -q {}",
        disk.dev()
    ));
    let before = disk_hash(&disk);
    let e = ironbox(&["configdrive", "write", "--disk", disk.dev(), "--from-json"])
        .arg(&md)
        .run()
        .fails(4, "no_space");
    assert!(e["message"].as_str().unwrap().contains("primary"), "{e}");
    assert_eq!(disk_hash(&disk), before);
}

#[test]
fn existing_config2_partition_is_reused_with_a_vfat_image() {
    require_root!();
    require_cd_tools();
    let dir = tempfile::tempdir().unwrap();
    let tree = tree_dir(dir.path(), &ironic_dict()["meta_data"]);
    let vfat = dir.path().join("in.vfat");
    sh(&format!(
        "mkfs.vfat -n CONFIG-2 -C {0} 8192 >/dev/null && MTOOLS_SKIP_CHECK=1 mcopy -s -i {0} {1}/openstack ::/",
        vfat.display(),
        tree.display()
    ));
    let disk = LoopDisk::new(200 << 20);
    sh(&format!(
        "sgdisk -o -n 1:0:+40M -n 2:0:+16M -c 2:CONFIG-2 -n 3:0:+40M {} >/dev/null",
        disk.dev()
    ));
    let r = ironbox(&["configdrive", "write", "--disk", disk.dev()])
        .arg(&vfat)
        .run()
        .ok();
    assert_eq!(r["created"], false, "{r}");
    assert_eq!(r["partition"]["number"], 2);
    assert_eq!(r["filesystem"], "vfat");
    assert_eq!(r["source_format"], "vfat");
    let node = r["partition"]["node"].as_str().unwrap();
    let id = blkid(node);
    assert_eq!(
        (id["TYPE"].as_str(), id["LABEL"].as_str()),
        ("vfat", "CONFIG-2")
    );
    sh(&format!("fsck.fat -n {node}"));
    let out = dir.path().join("x");
    extract_vfat(node, &out);
    assert_cloud_init_sees_us(&out);
}

#[test]
fn two_config2_partitions_are_an_error() {
    require_root!();
    require_cd_tools();
    let dir = tempfile::tempdir().unwrap();
    let md = write_json(dir.path(), "md.json", &ironic_dict());
    let disk = LoopDisk::new(200 << 20);
    sh(&format!(
        "sgdisk -o -n 1:0:+40M -c 1:config-2 -n 2:0:+40M -c 2:config-2 {} >/dev/null",
        disk.dev()
    ));
    let before = disk_hash(&disk);
    ironbox(&["configdrive", "write", "--disk", disk.dev(), "--from-json"])
        .arg(&md)
        .run()
        .fails(2, "invalid_layout");
    assert_eq!(disk_hash(&disk), before);
}

#[test]
fn four_k_sector_disk_gets_vfat_rebuilt_from_the_iso() {
    require_root!();
    require_cd_tools();
    let dir = tempfile::tempdir().unwrap();
    let iso = reference_iso(dir.path(), &ironic_dict()["meta_data"]);
    let payload = dir.path().join("payload.b64");
    std::fs::write(&payload, ironic_payload(&iso)).unwrap();
    let disk = gpt_disk(dir.path(), "", "256M", 4096);
    let r = ironbox(&["configdrive", "write", "--disk", disk.dev()])
        .arg(&payload)
        .run()
        .ok();
    assert_eq!(r["rebuilt_as_vfat"], true, "{r}");
    assert_eq!(r["filesystem"], "vfat");
    assert_eq!(r["label"], "CONFIG-2");
    assert_eq!(r["source_format"], "base64+gzip+iso9660");
    let node = r["partition"]["node"].as_str().unwrap().to_string();
    let id = blkid(&node);
    assert_eq!(
        (id["TYPE"].as_str(), id["LABEL"].as_str()),
        ("vfat", "CONFIG-2")
    );
    assert_eq!(id["BLOCK_SIZE"], "4096");
    let v = sh(&format!("sgdisk -v {}", disk.dev()));
    assert!(v.contains("No problems found"), "{v}");
    // A GPT partition, never a hybrid MBR: sector 0 keeps its one protective entry.
    assert_only_protective_mbr(&disk, 3);
    let img = dir.path().join("part.img");
    sh(&format!(
        "dd if={node} of={} bs=1M status=none",
        img.display()
    ));
    sh(&format!("fsck.fat -n {}", img.display()));
    let out = dir.path().join("x");
    extract_vfat(img.to_str().unwrap(), &out);
    assert_cloud_init_sees_us(&out);

    // From Ironic's dict on the same disk: vfat again, into the same partition.
    let md = write_json(dir.path(), "md.json", &ironic_dict());
    let r2 = ironbox(&["configdrive", "write", "--disk", disk.dev(), "--from-json"])
        .arg(&md)
        .run()
        .ok();
    assert_eq!(
        (r2["created"].as_bool(), r2["filesystem"].as_str()),
        (Some(false), Some("vfat"))
    );
    // Our reader finds it by label on the 4Kn disk.
    let rd = ironbox(&["configdrive", "read", disk.dev()]).run().ok();
    assert_eq!(
        (rd["filesystem"].as_str(), rd["label"].as_str()),
        (Some("vfat"), Some("CONFIG-2"))
    );
    assert_eq!(rd["meta_data"]["uuid"], UUID);
    // ISO 9660 on purpose is refused there.
    ironbox(&[
        "configdrive",
        "write",
        "--disk",
        disk.dev(),
        "--fs",
        "iso9660",
        "--from-json",
    ])
    .arg(&md)
    .run()
    .fails(2, "usage");
}

#[test]
fn bad_inputs_fail_clearly_and_leave_the_disk_alone() {
    require_root!();
    require_cd_tools();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let iso = reference_iso(d, &ironic_dict()["meta_data"]);
    let good = ironic_payload(&iso);
    std::fs::write(d.join("bad.b64"), format!("{}*%!", &good[..40])).unwrap();
    sh(&format!(
        "gzip -c {} | head -c 300 | base64 -w0 > {}/trunc.b64",
        iso.display(),
        d.display()
    ));
    sh(&format!(
        "head -c 200000 /dev/urandom | gzip -c | base64 > {}/junk.b64",
        d.display()
    ));
    sh(&format!(
        "cp {0} {1}/big.iso && truncate -s 65M {1}/big.iso && gzip -c {1}/big.iso | base64 > {1}/big.b64",
        iso.display(),
        d.display()
    ));
    sh(&format!(
        "head -c 40960 {} > {}/short.iso",
        iso.display(),
        d.display()
    ));
    let noid = tempfile::tempdir().unwrap();
    let noid_iso = reference_iso(noid.path(), &json!({"hostname": "x"}));
    let noid_json = write_json(d, "noid.json", &json!({"meta_data": {"hostname": "x"}}));

    let disk = gpt_disk(d, "60M", "150M", 512);
    let before = disk_hash(&disk);
    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        (
            vec![format!("{}/bad.b64", d.display())],
            "invalid_input",
            "base64",
        ),
        (
            vec![format!("{}/trunc.b64", d.display())],
            "invalid_input",
            "gzip",
        ),
        (
            vec![format!("{}/junk.b64", d.display())],
            "unsupported_format",
            "neither",
        ),
        (
            vec![format!("{}/big.b64", d.display())],
            "configdrive_too_large",
            "larger than",
        ),
        (
            vec![noid_iso.display().to_string()],
            "invalid_input",
            "uuid",
        ),
        (
            vec!["--from-json".into(), noid_json.display().to_string()],
            "invalid_input",
            "uuid",
        ),
    ];
    for (args, kind, words) in cases {
        let mut cmd = ironbox(&["configdrive", "write", "--disk", disk.dev()]);
        for a in &args {
            cmd = cmd.arg(a);
        }
        let e = cmd.run().fails(2, kind);
        assert!(
            e["message"].as_str().unwrap().contains(words),
            "{args:?}: {e}"
        );
        assert_eq!(disk_hash(&disk), before, "{args:?} changed the disk");
    }
    // --max-size raises IPA's limit.
    let r = ironbox(&[
        "configdrive",
        "write",
        "--disk",
        disk.dev(),
        "--max-size",
        "80M",
        "--size",
        "80M",
    ])
    .arg(d.join("big.b64"))
    .run()
    .ok();
    assert_eq!(r["partition"]["size"], 80 << 20);
}

#[test]
fn mbr_first_logical_partition_and_the_2tib_limit() {
    require_root!();
    require_cd_tools();
    let dir = tempfile::tempdir().unwrap();
    let md = write_json(dir.path(), "md.json", &ironic_dict());
    // Three primaries and an empty extended partition: the first logical partition's EBR must
    // sit at the extended partition's start.
    let disk = LoopDisk::new(300 << 20);
    sh(&format!(
        "printf 'label: dos\\nstart=2048, size=20M\\nsize=20M\\nsize=20M\\nsize=+, type=f\\n' | sfdisk -q {}",
        disk.dev()
    ));
    let r = ironbox(&["configdrive", "write", "--disk", disk.dev(), "--from-json"])
        .arg(&md)
        .run()
        .ok();
    assert_eq!(r["partition"]["number"], 5, "{r}");
    let parts = sfdisk_json(disk.dev())["partitiontable"]["partitions"].clone();
    assert_eq!(parts.as_array().unwrap().len(), 5, "{parts}");
    assert_eq!(parts[4]["size"], 131072);
    assert_eq!(
        blkid(r["partition"]["node"].as_str().unwrap())["LABEL"],
        "config-2"
    );

    // A 3 TiB (sparse) disk with MBR: the new partition ends at 2 TiB, the last MBR sector.
    let big = LoopDisk::new(3 << 40);
    sh(&format!(
        "echo 'label: dos\nstart=2048, size=1G, type=83' | sfdisk -q {}",
        big.dev()
    ));
    let r = ironbox(&["configdrive", "write", "--disk", big.dev(), "--from-json"])
        .arg(&md)
        .run()
        .ok();
    assert_eq!(r["partition"]["start"], (1u64 << 41) - (64 << 20), "{r}");
    let parts = sfdisk_json(big.dev())["partitiontable"]["partitions"].clone();
    assert_eq!(parts[1]["start"], (1u64 << 32) - 131072);
}

// ---- Stale signatures in the config-2 partition's byte range (issue 14) ----

/// The tools the stale-signature tests need: missing ones fail the test, never skip it.
fn require_signature_tools() {
    require_cd_tools();
    require_tools(&["wipefs", "mkfs.ext4", "mkfs.xfs", "pvcreate"]);
}

/// An md 1.x superblock (version 1.0 when at the end), with the checksum blkid verifies.
/// mdadm cannot write one here: this kernel has no md driver.
fn md1_superblock(super_sector: u64, data_sectors: u64) -> Vec<u8> {
    let mut sb = vec![0u8; 256 + 2 * 4];
    let put32 =
        |sb: &mut Vec<u8>, at: usize, v: u32| sb[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let put64 =
        |sb: &mut Vec<u8>, at: usize, v: u64| sb[at..at + 8].copy_from_slice(&v.to_le_bytes());
    put32(&mut sb, 0, 0xa92b_4efc); // magic
    put32(&mut sb, 4, 1); // major version
    for (i, b) in sb[16..32].iter_mut().enumerate() {
        *b = i as u8 + 1; // set uuid
    }
    sb[32..38].copy_from_slice(b"host:0");
    put32(&mut sb, 72, 1); // raid1
    put64(&mut sb, 80, data_sectors);
    put32(&mut sb, 92, 2); // raid disks
    put64(&mut sb, 136, data_sectors);
    put64(&mut sb, 144, super_sector);
    put32(&mut sb, 220, 4); // max_dev
    let sum: u64 = sb
        .chunks(4)
        .map(|w| u32::from_le_bytes(w.try_into().unwrap()) as u64)
        .sum();
    put32(&mut sb, 216, ((sum & 0xffff_ffff) + (sum >> 32)) as u32);
    sb
}

/// md 0.90: magic, version 0.90.0, 64 KiB aligned, 64 KiB from the end.
fn md090_superblock() -> Vec<u8> {
    let mut sb = vec![0u8; 4096];
    for (at, v) in [(0usize, 0xa92b_4efcu32), (4, 0), (8, 90), (12, 0)] {
        sb[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    sb
}

/// blkid's verdict on a byte range of the disk, as it would see that partition.
fn blkid_range(d: &LoopDisk, start: u64, size: u64) -> String {
    sh(&format!(
        "blkid -p -o export -O {start} -S {size} {} || true",
        d.file.display()
    ))
}

/// Where `configdrive write` will put config-2 on `disk` (from its dry run).
fn planned_range(disk: &LoopDisk, md: &Path) -> (u64, u64) {
    let plan = dry_run_from_json(disk, md);
    (
        plan["partition"]["start"].as_u64().unwrap(),
        plan["partition"]["size"].as_u64().unwrap(),
    )
}

/// The new partition holds the config-2 ISO alone: blkid -p, wipefs -n and cloud-init agree.
fn assert_only_config2(node: &str, dir: &Path) {
    let w = sh(&format!("wipefs -n -J {node}"));
    let w: Value = serde_json::from_str(if w.trim().is_empty() {
        "{\"signatures\":[]}"
    } else {
        &w
    })
    .unwrap();
    let types: Vec<&str> = w["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["iso9660"], "wipefs -n {node}: {w}");
    assert_iso_drive_seen_by_cloud_init(node, dir);
}

#[test]
fn stale_md_superblocks_at_the_end_of_the_config2_range_are_wiped() {
    require_root!();
    require_signature_tools();
    let dir = tempfile::tempdir().unwrap();
    let md = write_json(dir.path(), "md.json", &ironic_dict());
    for version in ["1.0", "0.90"] {
        let disk = gpt_disk(dir.path(), "100M", "300M", 512);
        let (start, size) = planned_range(&disk, &md);
        // What an earlier RAID layout left: its superblock at the end of that range.
        let (at, sb) = if version == "1.0" {
            let at = (size - 8192) & !4095;
            (at, md1_superblock(at / 512, at / 512))
        } else {
            ((size & !65_535) - 65_536, md090_superblock())
        };
        disk.write_at(start + at, &sb);
        let before = blkid_range(&disk, start, size);
        assert!(
            before.contains("TYPE=linux_raid_member"),
            "{version}: {before}"
        );

        let r = ironbox(&["configdrive", "write", "--disk", disk.dev(), "--from-json"])
            .arg(&md)
            .run()
            .ok();
        assert_eq!(
            (
                r["partition"]["start"].as_u64(),
                r["partition"]["size"].as_u64()
            ),
            (Some(start), Some(size)),
            "{r}"
        );
        let node = r["partition"]["node"].as_str().unwrap().to_string();
        assert_only_config2(&node, dir.path());
        assert!(r["bytes_wiped"].as_u64().unwrap() >= 2 << 20, "{r}");
        assert!(
            disk.read_at(start + at, 4).iter().all(|b| *b == 0),
            "{version}"
        );
        let rd = ironbox(&["configdrive", "read", disk.dev()]).run().ok();
        assert_eq!(rd["problems"], json!([]), "{rd}");
    }
}

#[test]
fn stale_ext4_xfs_and_lvm_in_the_config2_range_are_wiped() {
    require_root!();
    require_signature_tools();
    let dir = tempfile::tempdir().unwrap();
    let md = write_json(dir.path(), "md.json", &ironic_dict());
    for kind in ["ext4", "xfs", "LVM2_member"] {
        let disk = gpt_disk(dir.path(), "100M", "300M", 512);
        let (start, size) = planned_range(&disk, &md);
        // A real filesystem or PV label of exactly that size, made by its own tool.
        let old = dir.path().join(format!("old-{kind}"));
        sh(&format!(
            "rm -f {0} && truncate -s {size} {0}",
            old.display()
        ));
        match kind {
            "ext4" => drop(sh(&format!("mkfs.ext4 -q -F {}", old.display()))),
            // mkfs.xfs wants 300 MB at least: a bigger one's first MiB (its superblock).
            "xfs" => drop(sh(&format!(
                "truncate -s 320M {0} && mkfs.xfs -q -f {0} && truncate -s {size} {0}",
                old.display()
            ))),
            _ => {
                let pv = LoopDisk::new(size);
                sh(&format!(
                    "pvcreate -q -f --devices {0} {0} >/dev/null 2>&1 && dd if={0} of={1} bs=1M count=1 conv=notrunc status=none",
                    pv.dev(),
                    old.display()
                ));
            }
        }
        sh(&format!(
            "dd if={} of={} bs=1M seek={} oflag=seek_bytes conv=notrunc,fsync status=none",
            old.display(),
            disk.dev(),
            start
        ));
        let before = blkid_range(&disk, start, size);
        assert!(before.contains(&format!("TYPE={kind}")), "{kind}: {before}");

        let r = ironbox(&["configdrive", "write", "--disk", disk.dev(), "--from-json"])
            .arg(&md)
            .run()
            .ok();
        let node = r["partition"]["node"].as_str().unwrap().to_string();
        assert_only_config2(&node, dir.path());
    }
}

#[test]
fn read_names_a_signature_beside_the_config_drive() {
    require_root!();
    require_signature_tools();
    let dir = tempfile::tempdir().unwrap();
    let (disk, md, r) = written_gpt_drive(dir.path());
    let (start, size) = (
        r["partition"]["start"].as_u64().unwrap(),
        r["partition"]["size"].as_u64().unwrap(),
    );
    // Something else writes an md 1.0 superblock at the partition's end afterwards.
    let at = (size - 8192) & !4095;
    disk.write_at(start + at, &md1_superblock(at / 512, at / 512));
    assert!(blkid_range(&disk, start, size).contains("linux_raid_member"));
    let e = ironbox(&["configdrive", "read", disk.dev()])
        .run()
        .fails(3, "verification_failed");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("linux_raid_member"), "{e}");
    // Writing again clears it.
    let r = ironbox(&["configdrive", "write", "--disk", disk.dev(), "--from-json"])
        .arg(&md)
        .run()
        .ok();
    assert_only_config2(r["partition"]["node"].as_str().unwrap(), dir.path());
}

/// A disk whose primary GPT is damaged but whose backup is sound (a previous tenant's
/// half-finished repartition) is read through the backup, as sgdisk and the kernel read it.
/// Reading writes nothing: the damage stays.
#[test]
fn read_finds_the_drive_through_the_backup_gpt_and_changes_nothing() {
    require_root!();
    require_cd_tools();
    let dir = tempfile::tempdir().unwrap();
    let (disk, _, w) = written_gpt_drive(dir.path());
    disk.write_at(512, b"NOT A GPT");
    let v = sh(&format!("sgdisk -v {} 2>&1 || true", disk.dev()));
    assert!(
        v.contains("invalid main GPT header, but valid backup"),
        "{v}"
    );
    let before = disk_hash(&disk);
    let r = ironbox(&["configdrive", "read", disk.dev()]).run().ok();
    assert_eq!(r["partition"]["number"], w["partition"]["number"], "{r}");
    assert_eq!(r["partition"]["start"], w["partition"]["start"], "{r}");
    assert_eq!(r["filesystem"], "iso9660", "{r}");
    assert_eq!(r["meta_data"]["uuid"], UUID, "{r}");
    assert_eq!(r["problems"], json!([]), "{r}");
    assert_eq!(
        disk_hash(&disk),
        before,
        "configdrive read changed the disk"
    );
}

/// Regression (issue 15): on that same kind of disk, a partition named config-2 that holds no
/// filesystem is named by its number ("partition 1 of /dev/loopN"); the message used to say
/// "partition Some(1)".
#[test]
fn a_config2_partition_without_a_filesystem_is_named_by_its_number() {
    require_root!();
    require_cd_tools();
    let disk = LoopDisk::new(64 << 20);
    sh(&format!(
        "sgdisk -o -n 1:2048:+16M -c 1:config-2 {} >/dev/null",
        disk.dev()
    ));
    disk.write_at(512, b"NOT A GPT");
    let e = ironbox(&["configdrive", "read", disk.dev()])
        .run()
        .fails(2, "unsupported_format");
    let msg = e["message"].as_str().unwrap();
    let want = format!("partition 1 of {} is named config-2 but holds", disk.dev());
    assert!(msg.starts_with(&want), "{e}");
}

#[test]
fn a_signature_the_wipe_does_not_reach_fails_the_write_with_verification_failed() {
    require_root!();
    require_signature_tools();
    let dir = tempfile::tempdir().unwrap();
    let md = write_json(dir.path(), "md.json", &ironic_dict());
    let disk = gpt_disk(dir.path(), "100M", "300M", 512);
    let (start, _) = planned_range(&disk, &md);
    // A VMFS heartbeat magic 2 MiB in: outside the wiped ends, seen by the post-write probe.
    disk.write_at(start + (2 << 20), &[0x5e, 0xf1, 0xab, 0x2f]);
    let e = ironbox(&["configdrive", "write", "--disk", disk.dev(), "--from-json"])
        .arg(&md)
        .run()
        .fails(3, "verification_failed");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("vmfs at byte 2097152"), "{e}");
    assert!(
        e["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "iso9660"),
        "{e}"
    );
}

#[test]
fn a_gpt_written_for_512_byte_sectors_on_a_4k_disk_is_refused_not_made_hybrid() {
    require_root!();
    require_signature_tools();
    let dir = tempfile::tempdir().unwrap();
    // What a raw copy of a 512-byte-sector GPT image onto a 4Kn disk leaves: a protective MBR
    // and a GPT no 4096-byte reader finds.
    let img = dir.path().join("512.img");
    sh(&format!(
        "truncate -s 100M {0} && sgdisk -o -n 1:2048:+20M -t 1:ef00 -n 2:0:+30M {0} >/dev/null",
        img.display()
    ));
    let disk = LoopDisk::with_sector_size(256 << 20, 4096);
    sh(&format!(
        "dd if={} of={} bs=1M conv=notrunc,fsync status=none",
        img.display(),
        disk.dev()
    ));
    let before = disk_hash(&disk);
    let md = write_json(dir.path(), "md.json", &ironic_dict());
    let e = ironbox(&["configdrive", "write", "--disk", disk.dev(), "--from-json"])
        .arg(&md)
        .run()
        .fails(2, "invalid_layout");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("protective MBR") && msg.contains("4096-byte"),
        "{e}"
    );
    assert_eq!(disk_hash(&disk), before, "the disk was touched");
    // Nor is the 0xEE entry a partition for the reader.
    ironbox(&["configdrive", "read", disk.dev()])
        .run()
        .fails(1, "not_found");
}

/// `configdrive write` from a URL with `--progress json`: a `download` and a `write` phase, each
/// ending in a final event at its full size; every line validates against the progress schema.
#[test]
fn progress_json_for_a_url_config_drive() {
    require_root!();
    require_cd_tools();
    let dir = tempfile::tempdir().unwrap();
    let iso = reference_iso(dir.path(), &ironic_dict()["meta_data"]);
    let payload = ironic_payload(&iso).into_bytes();
    let served = payload.len() as u64;
    let server = HttpServer::start();
    server.route("/cd", Route::new(payload));
    let disk = gpt_disk(dir.path(), "100M", "200M", 512);
    let args: Vec<String> = ["--progress", "json", "configdrive", "write", "--disk"]
        .iter()
        .map(|s| s.to_string())
        .chain([disk.dev().to_string(), server.url("/cd")])
        .collect();
    let out = std::process::Command::new(common::bin())
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let run = common::Run::from_output_of(&args, out);
    let stderr = run.stderr.clone();
    let r = run.ok();
    let finals: HashMap<String, Value> = stderr
        .lines()
        .map(|l| {
            let ev: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            common::schema::check(&["progress".to_string()], &ev);
            assert_eq!(ev["version"], 1, "{l}");
            ev
        })
        .filter(|ev| ev["final"] == true)
        .map(|ev| (ev["phase"].as_str().unwrap().to_string(), ev))
        .collect();
    assert_eq!(finals["download"]["done"], served, "{stderr}");
    assert_eq!(finals["write"]["done"], r["bytes_written"], "{stderr}");
    assert_eq!(finals.len(), 2, "{stderr}");
}
