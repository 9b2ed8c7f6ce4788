//! `ironbox firmware` end to end: the live machine's list, and captured sysroots (see
//! tests/fixtures/firmware/make.sh) for ESRT, capsule delivery (checked byte for byte),
//! capsule-on-disk with OsIndications, plug-ins, settings and virtualization.

mod common;
use common::http::{HttpServer, Route};
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const SYS_GUID: &str = "5d8cf3c1-7b1f-4cf0-9b1b-1e2c4a9d0001";
const DEV_GUID: &str = "5d8cf3c1-7b1f-4cf0-9b1b-1e2c4a9d0002";
const EFIVAR: &str = "sys/firmware/efi/efivars/OsIndications-8be4df61-93ca-11d2-aa0d-00e098032b8c";

/// A private copy of a fixture sysroot (tests write into it).
struct Root {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn sysroot(name: &str) -> Root {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    sh(&format!(
        "cp -a {}/firmware/{name} {}",
        fixtures().display(),
        path.display()
    ));
    Root { _dir: dir, path }
}

impl Drop for Root {
    fn drop(&mut self) {
        // A failed test may leave the efivar immutable, which would stop the temp dir's cleanup.
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(self.path.join(EFIVAR))
            .stderr(std::process::Stdio::null())
            .status();
    }
}

impl Root {
    fn run(&self, args: &[&str]) -> Run {
        ironbox(args).env("IRONBOX_SYSROOT", &self.path).run()
    }
    fn file(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path.join(rel)).unwrap()
    }
}

/// EFI_GUID bytes: the first three fields little-endian.
fn guid_bytes(s: &str) -> Vec<u8> {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    let mut b: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).unwrap())
        .collect();
    b[0..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    b
}

/// An EFI capsule: 28-byte header (GUID, header size, flags, image size) and a payload.
fn capsule(guid: &str, payload_len: usize) -> Vec<u8> {
    let mut v = guid_bytes(guid);
    v.extend_from_slice(&28u32.to_le_bytes());
    v.extend_from_slice(&0x0001_0000u32.to_le_bytes()); // persist across reset
    v.extend_from_slice(&((28 + payload_len) as u32).to_le_bytes());
    v.extend((0..payload_len).map(|i| (i * 7 + 3) as u8));
    v
}

/// Writes `data` to a temp file and returns (dir, path, "sha256:<hex>" computed by sha256sum).
fn image(data: &[u8]) -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("fw.cap");
    std::fs::write(&p, data).unwrap();
    let sum = sh(&format!("sha256sum {}", p.display()));
    let hex = sum.split_whitespace().next().unwrap().to_string();
    (dir, p, format!("sha256:{hex}"))
}

fn find<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no component {id} in {list}"))
}

// ---- the live machine -----------------------------------------------------------------------

#[test]
fn list_on_this_machine_is_truthful() {
    let list = ironbox(&["firmware", "list"]).run().ok();
    let bios = find(&list, "bios");
    // The BIOS entry is there; its fields are what DMI says, or null when there is no DMI.
    let dmi = Path::new("/sys/class/dmi/id/bios_version");
    let want = std::fs::read_to_string(dmi)
        .ok()
        .map(|s| s.trim().to_string());
    assert_eq!(bios["version"].as_str().map(str::to_string), want, "{bios}");
    if have_tool("dmidecode") && want.is_some() {
        let d = sh("dmidecode -s bios-version");
        assert_eq!(bios["version"], d.trim());
    }
    // Every NIC with a device is listed with what `ethtool -i` says.
    for entry in std::fs::read_dir("/sys/class/net").unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !Path::new(&format!("/sys/class/net/{name}/device")).exists() {
            continue;
        }
        let nic = find(&list, &format!("nic:{name}"));
        if have_tool("ethtool") {
            let out = sh(&format!("ethtool -i {name}"));
            let field = |k: &str| {
                out.lines()
                    .find_map(|l| l.strip_prefix(&format!("{k}: ")))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            assert_eq!(nic["driver"].as_str().map(str::to_string), field("driver"));
            assert_eq!(
                nic["bus_info"].as_str().map(str::to_string),
                field("bus-info")
            );
            assert_eq!(
                nic["version"].as_str().map(str::to_string),
                field("firmware-version")
            );
        }
    }
    // No IPMI device → no invented BMC entry.
    if !Path::new("/dev/ipmi0").exists() {
        assert!(
            list["components"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["id"] != "bmc")
        );
    }
}

// ---- list and status on captured trees ------------------------------------------------------

#[test]
fn list_reads_esrt_dmi_nics_and_disks() {
    let root = sysroot("dell");
    let list = root.run(&["firmware", "list"]).ok();
    let bios = find(&list, "bios");
    assert_eq!(bios["version"], "2.19.1");
    assert_eq!(bios["vendor"], "Dell Inc.");
    assert_eq!(bios["release_date"], "08/14/2023");
    assert_eq!(bios["updatable"], true);
    assert_eq!(bios["esrt"], format!("esrt:{SYS_GUID}"));
    let names: Vec<&str> = list["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "esrt")
        .map(|c| c["last_attempt_status_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "success",
            "error_unsuccessful",
            "error_insufficient_resources",
            "error_incorrect_version",
            "error_invalid_format",
            "error_auth_error",
            "error_power_event_ac",
            "error_power_event_battery",
            "error_unsatisfied_dependencies",
            "error_unsuccessful_vendor_range_0x1002",
        ]
    );
    let sys = find(&list, &format!("esrt:{SYS_GUID}"));
    assert_eq!(sys["fw_type_name"], "system_firmware");
    assert_eq!(sys["fw_version"], 16912641);
    assert_eq!(sys["method"], "capsule");
    let nic = find(&list, "nic:eno1");
    assert_eq!(nic["driver"], "ice");
    assert_eq!(nic["bus_info"], "0000:3b:00.0");
    assert_eq!(nic["version"], Value::Null);
    let nvme = find(&list, "disk:nvme0n1");
    assert_eq!(nvme["version"], "GDC5302Q");
    assert_eq!(nvme["method"], "nvme");
    assert_eq!(find(&list, "disk:sda")["version"], "D3MU");
    assert_eq!(find(&list, "cpu-microcode")["version"], "0xd0003a5");
    assert!(
        list["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("no BMC"))
    );
}

#[test]
fn status_reports_last_attempts() {
    let root = sysroot("dell");
    let st = root.run(&["firmware", "status"]).ok();
    let comps = st["components"].as_array().unwrap();
    let sys = comps
        .iter()
        .find(|c| c["id"] == format!("esrt:{SYS_GUID}"))
        .unwrap();
    assert_eq!(sys["result"], "success");
    assert_eq!(sys["running_last_attempt"], true);
    let dev = comps
        .iter()
        .find(|c| c["id"] == format!("esrt:{DEV_GUID}"))
        .unwrap();
    assert_eq!(dev["result"], "failed");
    assert_eq!(dev["last_attempt_status_name"], "error_unsuccessful");
    assert_eq!(st["capsule_on_disk_pending"], false);
    let one = root
        .run(&["firmware", "status", "--component", "bios"])
        .ok();
    assert_eq!(one["components"].as_array().unwrap().len(), 1);
    root.run(&["firmware", "status", "--component", "esrt:nope"])
        .fails(1, "not_found");
}

// ---- update: capsule --------------------------------------------------------------------------

#[test]
fn capsule_reaches_the_loader_byte_for_byte() {
    let root = sysroot("dell");
    let cap = capsule(DEV_GUID, 5000);
    let (_d, img, sum) = image(&cap);
    let id = format!("esrt:{DEV_GUID}");
    let args = [
        "firmware",
        "update",
        "--component",
        &id,
        "--image",
        img.to_str().unwrap(),
        "--checksum",
        &sum,
        "--method",
        "capsule",
    ];
    let r = root.run(&args).ok();
    assert_eq!(r["status"], "staged");
    assert_eq!(r["pending_reboot"], true);
    assert_eq!(r["capsule"]["guid"], DEV_GUID);
    assert_eq!(r["image"]["size"], cap.len());
    assert_eq!(root.file("dev/efi_capsule_loader"), cap);
}

#[test]
fn bios_goes_to_the_system_firmware_entry_and_dry_run_writes_nothing() {
    let root = sysroot("dell");
    let cap = capsule(SYS_GUID, 100);
    let (_d, img, sum) = image(&cap);
    let r = root
        .run(&[
            "firmware",
            "update",
            "--component",
            "bios",
            "--image",
            img.to_str().unwrap(),
            "--checksum",
            &sum,
            "--dry-run",
        ])
        .ok();
    assert_eq!(r["method"], "capsule");
    assert_eq!(r["status"], "planned");
    assert_eq!(r["fw_class"], SYS_GUID);
    assert_eq!(r["pending_reboot"], false);
    assert!(root.file("dev/efi_capsule_loader").is_empty());
}

#[test]
fn wrong_guid_truncated_capsule_and_bad_checksums_are_refused() {
    let root = sysroot("dell");
    let id = format!("esrt:{DEV_GUID}");
    let upd = |img: &Path, sum: &str| {
        root.run(&[
            "firmware",
            "update",
            "--component",
            &id,
            "--image",
            img.to_str().unwrap(),
            "--checksum",
            sum,
            "--method",
            "capsule",
        ])
    };
    // A capsule for another device: refused for safety.
    let (_d1, img, sum) = image(&capsule(SYS_GUID, 64));
    let e = upd(&img, &sum).fails(4, "unsafe_image");
    assert_eq!(e["expected"], DEV_GUID);
    // Truncated: the header promises more bytes than the file has.
    let mut cut = capsule(DEV_GUID, 4096);
    cut.truncate(2000);
    let (_d2, img, sum) = image(&cut);
    let e = upd(&img, &sum).fails(1, "corrupt_image");
    assert!(e["message"].as_str().unwrap().contains("truncated"), "{e}");
    // Checksum mismatch (exit 3) and a malformed checksum (exit 2).
    let (_d3, img, _) = image(&capsule(DEV_GUID, 64));
    let e = upd(&img, &format!("sha256:{}", "0".repeat(64))).fails(3, "checksum_mismatch");
    assert_eq!(e["expected"], "0".repeat(64));
    upd(&img, "sha256:1234").fails(2, "invalid_checksum");
    upd(&img, "crc32:deadbeef").fails(2, "invalid_checksum");
    // Nothing reached the loader.
    assert!(root.file("dev/efi_capsule_loader").is_empty());
}

#[test]
fn versions_gate_the_update() {
    let root = sysroot("dell");
    let id = format!("esrt:{DEV_GUID}"); // fw_version 100, lowest supported 50
    let (_d, img, sum) = image(&capsule(DEV_GUID, 64));
    let img = img.to_str().unwrap();
    let base = [
        "firmware",
        "update",
        "--component",
        &id,
        "--image",
        img,
        "--checksum",
        &sum,
    ];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        root.run(&a)
    };
    let r = with(&["--version", "100"]).ok();
    assert_eq!(r["status"], "up_to_date");
    assert_eq!(r["applied"], false);
    let e = with(&["--version", "49"]).fails(4, "unsafe_image");
    assert_eq!(e["rule"], "downgrade");
    assert!(root.file("dev/efi_capsule_loader").is_empty());
    with(&["--version", "abc"]).fails(2, "invalid_input");
    let r = with(&["--version", "49", "--allow-downgrade"]).ok();
    assert_eq!(r["status"], "staged");
    assert_eq!(root.file("dev/efi_capsule_loader").len(), 92);
}

#[test]
fn missing_loader_says_what_is_needed() {
    let root = sysroot("dell");
    std::fs::remove_file(root.path.join("dev/efi_capsule_loader")).unwrap();
    let (_d, img, sum) = image(&capsule(DEV_GUID, 64));
    let id = format!("esrt:{DEV_GUID}");
    let e = root
        .run(&[
            "firmware",
            "update",
            "--component",
            &id,
            "--image",
            img.to_str().unwrap(),
            "--checksum",
            &sum,
        ])
        .fails(1, "unsupported");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("CONFIG_EFI_CAPSULE_LOADER"),
        "{e}"
    );
    root.run(&[
        "firmware",
        "update",
        "--component",
        "esrt:00000000-0000-0000-0000-000000000000",
        "--image",
        img.to_str().unwrap(),
        "--checksum",
        &sum,
    ])
    .fails(1, "not_found");
}

// ---- update: capsule-on-disk ------------------------------------------------------------------

#[test]
fn capsule_on_disk_writes_the_esp_and_os_indications() {
    let root = sysroot("dell");
    let esp = tempfile::tempdir().unwrap();
    let cap = capsule(DEV_GUID, 3000);
    let (_d, img, sum) = image(&cap);
    let id = format!("esrt:{DEV_GUID}");
    // efivarfs creates variables immutable; the update must clear that for its write.
    let immutable = have_tool("chattr")
        && sh_status(&format!("chattr +i {}", root.path.join(EFIVAR).display())).0 == 0;
    let r = root
        .run(&[
            "firmware",
            "update",
            "--component",
            &id,
            "--image",
            img.to_str().unwrap(),
            "--checksum",
            &sum,
            "--method",
            "capsule-on-disk",
            "--esp",
            esp.path().to_str().unwrap(),
        ])
        .ok();
    assert_eq!(r["pending_reboot"], true);
    assert_eq!(r["os_indications"], "0x5");
    let placed = esp
        .path()
        .join(format!("EFI/UpdateCapsule/ironbox-{DEV_GUID}.cap"));
    assert_eq!(std::fs::read(&placed).unwrap(), cap);
    // Attributes NV|BS|RT, then the old bit 0x1 kept and 0x4 added.
    assert_eq!(root.file(EFIVAR), [7, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0]);
    if immutable {
        let attrs = sh(&format!("lsattr {}", root.path.join(EFIVAR).display()));
        assert!(
            !attrs.split_whitespace().next().unwrap().contains('i'),
            "{attrs}"
        );
    }
    let st = root.run(&["firmware", "status"]).ok();
    assert_eq!(st["capsule_on_disk_pending"], true);
    // Without --esp it is a usage error; without support in firmware it is unsupported.
    root.run(&[
        "firmware",
        "update",
        "--component",
        &id,
        "--image",
        img.to_str().unwrap(),
        "--checksum",
        &sum,
        "--method",
        "capsule-on-disk",
    ])
    .fails(2, "usage");
    std::fs::write(
        root.path.join(
            "sys/firmware/efi/efivars/OsIndicationsSupported-8be4df61-93ca-11d2-aa0d-00e098032b8c",
        ),
        [6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
    )
    .unwrap();
    root.run(&[
        "firmware",
        "update",
        "--component",
        &id,
        "--image",
        img.to_str().unwrap(),
        "--checksum",
        &sum,
        "--method",
        "capsule-on-disk",
        "--esp",
        esp.path().to_str().unwrap(),
    ])
    .fails(1, "unsupported");
}

// ---- update: http source ----------------------------------------------------------------------

#[test]
fn images_come_over_http_with_retries_and_are_verified() {
    let root = sysroot("dell");
    let cap = capsule(DEV_GUID, 777);
    let (_d, _img, sum) = image(&cap);
    let srv = HttpServer::start();
    let mut route = Route::new(cap.clone());
    route.fail_first = vec![503];
    srv.route("/fw.cap", route);
    let id = format!("esrt:{DEV_GUID}");
    let r = root
        .run(&[
            "firmware",
            "update",
            "--component",
            &id,
            "--image",
            &srv.url("/fw.cap"),
            "--checksum",
            &sum,
        ])
        .ok();
    assert_eq!(r["status"], "staged");
    assert_eq!(srv.requests("/fw.cap").len(), 2);
    assert_eq!(r["image"]["retries"], 1, "the retry is reported");
    assert_eq!(root.file("dev/efi_capsule_loader"), cap);
    // A server announcing more than 256 MiB is refused before the body is read.
    let mut big = Route::new(vec![0u8; 16]);
    big.no_length = true;
    big.headers = vec![("Content-Length".into(), "300000000".into())];
    srv.route("/big.cap", big);
    root.run(&[
        "firmware",
        "update",
        "--component",
        &id,
        "--image",
        &srv.url("/big.cap"),
        "--checksum",
        &sum,
    ])
    .fails(2, "image_too_large");
    let e = root
        .run(&[
            "firmware",
            "update",
            "--component",
            &id,
            "--image",
            &srv.url("/missing"),
            "--checksum",
            &sum,
        ])
        .fails(1, "http_status");
    assert_eq!(e["status"], 404);
}

/// An update image behind an internal CA: refused without --ca-cert with a hint and nothing
/// handed to the loader, staged with --ca-cert or --insecure; --header reaches the server.
#[test]
fn https_images_with_a_private_ca_insecure_and_headers() {
    require_tools(&["openssl"]);
    let cap = capsule(DEV_GUID, 4321);
    let (_d, _img, sum) = image(&cap);
    let www = tempfile::tempdir().unwrap();
    let pki = tempfile::tempdir().unwrap();
    std::fs::write(www.path().join("fw.cap"), &cap).unwrap();
    let server = common::tls::TlsServer::start(www.path(), pki.path(), false);
    let url = server.url("/fw.cap");
    let id = format!("esrt:{DEV_GUID}");
    let update_from = |root: &Root, url: &str, extra: &[&str]| {
        let mut args = vec![
            "firmware",
            "update",
            "--component",
            &id,
            "--image",
            url,
            "--checksum",
            &sum,
        ];
        args.extend_from_slice(extra);
        root.run(&args)
    };
    let update = |root: &Root, extra: &[&str]| update_from(root, &url, extra);

    let root = sysroot("dell");
    let loader_before = root.file("dev/efi_capsule_loader");
    let e = update(&root, &[]).fails(1, "network");
    let hint = e["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains("--ca-cert") && hint.contains("--insecure"),
        "{e}"
    );
    assert!(e.get("attempts").is_none(), "not retried: {e}");
    assert_eq!(
        root.file("dev/efi_capsule_loader"),
        loader_before,
        "nothing applied"
    );

    let ca = server.ca.to_str().unwrap();
    let r = update(&root, &["--ca-cert", ca]).ok();
    assert_eq!(r["status"], "staged", "{r}");
    assert_eq!(r["image"]["verified"], true, "{r}");
    assert_eq!(root.file("dev/efi_capsule_loader"), cap);

    let root = sysroot("dell");
    let r = update(&root, &["--insecure"]).ok();
    assert_eq!(r["status"], "staged", "{r}");
    assert_eq!(root.file("dev/efi_capsule_loader"), cap);

    // A --ca-cert that is missing names the file; nothing is fetched or applied.
    let root = sysroot("dell");
    let e = update(&root, &["--ca-cert", "/nonexistent/ca.pem"]).fails(2, "invalid_input");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/ca.pem"),
        "{e}"
    );
    assert_eq!(root.file("dev/efi_capsule_loader"), loader_before);

    // --header goes with the request.
    let plain = HttpServer::start();
    plain.route("/fw.cap", Route::new(cap.clone()));
    let header = ["--header", "Authorization: Bearer t0ken", "--dry-run"];
    let r = update_from(&root, &plain.url("/fw.cap"), &header).ok();
    assert_eq!(r["status"], "planned", "{r}");
    let reqs = plain.requests("/fw.cap");
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].headers.get("authorization").map(String::as_str),
        Some("Bearer t0ken")
    );
}

// ---- update: plug-ins -------------------------------------------------------------------------

/// A plug-in that records each request (and a copy of the image it was given) in `dir`.
fn plugin(dir: &Path) {
    let script = format!(
        r#"#!/bin/sh
req=$(cat)
n=$(ls {d}/req-* 2>/dev/null | wc -l)
printf '%s' "$req" > {d}/req-$n.json
case "$req" in
  *'"action":"list"'*) echo '{{"components":[{{"id":"acme:raid0","kind":"raid-controller","name":"ACME RAID","version":"7.1","vendor":"ACME"}}]}}' ;;
  *'"version":"bad"'*) echo '{{"error":"flash failed"}}'; exit 5 ;;
  *'"action":"update"'*)
     img=$(printf '%s' "$req" | sed 's/.*"image":"\([^"]*\)".*/\1/')
     cp "$img" {d}/image-copy
     echo '{{"status":"applied","pending_reboot":true,"version":"7.2"}}' ;;
  *'"action":"virtualization"'*) echo '{{"status":"changed","pending_reboot":true}}' ;;
  *'"action":"status"'*) echo '{{"components":[{{"id":"acme:raid0","result":"success"}}]}}' ;;
  *) echo '{{"error":"unknown action"}}'; exit 3 ;;
esac
"#,
        d = dir.display()
    );
    let p = dir.join("ironbox-firmware-acme");
    std::fs::write(&p, script).unwrap();
    sh(&format!("chmod +x {}", p.display()));
}

#[test]
fn plugins_list_and_update_their_components() {
    let root = sysroot("lenovo");
    let dir = tempfile::tempdir().unwrap();
    plugin(dir.path());
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap()
    );
    let run = |args: &[&str]| {
        ironbox(args)
            .env("IRONBOX_SYSROOT", &root.path)
            .env("PATH", &path)
            .run()
    };
    let list = run(&["firmware", "list"]).ok();
    let c = find(&list, "acme:raid0");
    assert_eq!(c["version"], "7.1");
    assert_eq!(c["method"], "plugin");
    assert_eq!(c["source"], "plugin:acme");
    assert_eq!(list["plugins"][0]["name"], "acme");

    let data = b"ACME firmware blob".repeat(50);
    let (_d, img, sum) = image(&data);
    let r = run(&[
        "firmware",
        "update",
        "--component",
        "acme:raid0",
        "--image",
        img.to_str().unwrap(),
        "--checksum",
        &sum,
        "--version",
        "7.2",
    ])
    .ok();
    assert_eq!(r["method"], "plugin");
    assert_eq!(r["status"], "applied");
    assert_eq!(r["pending_reboot"], true);
    assert_eq!(std::fs::read(dir.path().join("image-copy")).unwrap(), data);
    let reqs: Vec<Value> = (0..10)
        .filter_map(|i| std::fs::read(dir.path().join(format!("req-{i}.json"))).ok())
        .map(|b| serde_json::from_slice(&b).unwrap())
        .collect();
    let upd = reqs
        .iter()
        .find(|r| r["action"] == "update")
        .expect("update request");
    assert_eq!(upd["component"], "acme:raid0");
    assert_eq!(upd["version"], "7.2");
    assert_eq!(upd["dry_run"], false);
    // The temp image is removed once the plug-in is done.
    assert!(!Path::new(upd["image"].as_str().unwrap()).exists());
    // Already at the version: the plug-in is not asked to update.
    let r = run(&[
        "firmware",
        "update",
        "--component",
        "acme:raid0",
        "--image",
        img.to_str().unwrap(),
        "--checksum",
        &sum,
        "--version",
        "7.1",
    ])
    .ok();
    assert_eq!(r["status"], "up_to_date");
    let st = run(&["firmware", "status"]).ok();
    assert_eq!(
        st["plugins"][0]["answer"]["components"][0]["result"],
        "success"
    );
    // A plug-in that fails: its error is passed on, exit 1.
    let e = run(&[
        "firmware",
        "update",
        "--component",
        "acme:raid0",
        "--image",
        img.to_str().unwrap(),
        "--checksum",
        &sum,
        "--version",
        "bad",
    ])
    .fails(1, "external");
    assert!(
        e["message"].as_str().unwrap().contains("flash failed"),
        "{e}"
    );
    // No known BIOS setting on this machine for virtualization? Ask the plug-in.
    std::fs::remove_dir_all(root.path.join("sys/class/firmware-attributes")).unwrap();
    let r = run(&["firmware", "virtualization", "--disable"]).ok();
    assert_eq!(r["change"]["plugin"], "acme");
    assert_eq!(r["pending_reboot"], true);
    run(&[
        "firmware",
        "update",
        "--component",
        "acme:nothing",
        "--image",
        img.to_str().unwrap(),
        "--checksum",
        &sum,
    ])
    .fails(1, "not_found");
}

// ---- update: nvme -----------------------------------------------------------------------------

#[test]
fn nvme_plan_and_non_nvme_disks() {
    let root = sysroot("dell");
    let data = vec![0x5au8; 10_000];
    let (_d, img, sum) = image(&data);
    let r = root
        .run(&[
            "firmware",
            "update",
            "--component",
            "disk:nvme0n1",
            "--image",
            img.to_str().unwrap(),
            "--checksum",
            &sum,
            "--slot",
            "2",
            "--dry-run",
        ])
        .ok();
    assert_eq!(r["method"], "nvme");
    assert_eq!(r["controller"], "/dev/nvme0");
    assert_eq!(r["slot"], 2);
    assert_eq!(r["chunks"], 3);
    assert_eq!(r["current_version"], "GDC5302Q");
    let r = root
        .run(&[
            "firmware",
            "update",
            "--component",
            "disk:nvme0n1",
            "--image",
            img.to_str().unwrap(),
            "--checksum",
            &sum,
            "--version",
            "GDC5302Q",
        ])
        .ok();
    assert_eq!(r["status"], "up_to_date");
    root.run(&[
        "firmware",
        "update",
        "--component",
        "disk:sda",
        "--image",
        img.to_str().unwrap(),
        "--checksum",
        &sum,
    ])
    .fails(1, "not_found");
    root.run(&[
        "firmware",
        "update",
        "--component",
        "disk:nvme0n1",
        "--image",
        img.to_str().unwrap(),
        "--checksum",
        &sum,
        "--slot",
        "9",
    ])
    .fails(2, "usage");
}

// ---- settings ---------------------------------------------------------------------------------

#[test]
fn settings_list_get_and_set_with_validation() {
    let root = sysroot("dell");
    let l = root.run(&["firmware", "settings", "list"]).ok();
    assert_eq!(l["devices"][0]["name"], "dell-wmi-sysman");
    assert_eq!(l["devices"][0]["authentication"][0]["is_enabled"], false);
    assert_eq!(l["settings"].as_array().unwrap().len(), 4);
    let g = root
        .run(&["firmware", "settings", "get", "AcPwrRcvryUserDefTime"])
        .ok();
    assert_eq!(g["type"], "integer");
    assert_eq!(g["max_value"], 240);
    let v = root
        .run(&["firmware", "settings", "get", "Virtualization"])
        .ok();
    assert_eq!(
        v["possible_values"],
        serde_json::json!(["Enabled", "Disabled"])
    );

    let attr = |n: &str| {
        String::from_utf8(root.file(&format!(
            "sys/class/firmware-attributes/dell-wmi-sysman/attributes/{n}/current_value"
        )))
        .unwrap()
    };
    // Invalid names and values: refused with the allowed ones, nothing written (all or nothing).
    let e = root
        .run(&[
            "firmware",
            "settings",
            "set",
            "Virtualization=Enabled",
            "NoSuch=1",
        ])
        .fails(2, "invalid_input");
    assert!(
        e["known"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == "Virtualization")
    );
    let e = root
        .run(&["firmware", "settings", "set", "Virtualization=Maybe"])
        .fails(2, "invalid_input");
    assert_eq!(e["allowed"], serde_json::json!(["Enabled", "Disabled"]));
    let e = root
        .run(&["firmware", "settings", "set", "AcPwrRcvryUserDefTime=35"])
        .fails(2, "invalid_input");
    assert_eq!(e["allowed"]["scalar_increment"], 10);
    root.run(&["firmware", "settings", "set", "AcPwrRcvryUserDefTime=250"])
        .fails(2, "invalid_input");
    root.run(&[
        "firmware",
        "settings",
        "set",
        &format!("Asset={}", "x".repeat(65)),
    ])
    .fails(2, "invalid_input");
    root.run(&["firmware", "settings", "set", "Virtualization"])
        .fails(2, "usage");
    assert_eq!(attr("Virtualization").trim(), "Disabled");

    let r = root
        .run(&[
            "firmware",
            "settings",
            "set",
            "Virtualization=enabled",
            "AcPwrRcvryUserDefTime=40",
            "Asset=rack 7",
        ])
        .ok();
    assert_eq!(r["changes"].as_array().unwrap().len(), 3);
    assert_eq!(attr("Virtualization"), "Enabled");
    assert_eq!(attr("AcPwrRcvryUserDefTime"), "40");
    assert_eq!(attr("Asset"), "rack 7");
    assert_eq!(r["pending_reboot"], false); // the fixture's pending_reboot file says 0
}

#[test]
fn protected_settings_need_the_password_file() {
    let root = sysroot("lenovo");
    let e = root
        .run(&["firmware", "settings", "set", "WakeOnLANTimeout=10"])
        .fails(2, "usage");
    assert!(
        e["message"].as_str().unwrap().contains("--password-file"),
        "{e}"
    );
    let pw = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(pw.path(), "s3cret\n").unwrap();
    root.run(&[
        "firmware",
        "settings",
        "set",
        "WakeOnLANTimeout=10",
        "--password-file",
        pw.path().to_str().unwrap(),
    ])
    .ok();
    let base = "sys/class/firmware-attributes/thinklmi";
    assert_eq!(
        root.file(&format!("{base}/authentication/Admin/current_password")),
        b"s3cret"
    );
    assert_eq!(
        root.file(&format!("{base}/attributes/WakeOnLANTimeout/current_value")),
        b"10"
    );
}

// ---- virtualization ---------------------------------------------------------------------------

/// Writes a sparse msr file with `value` at register `reg`, as /dev/cpu/0/msr reads.
fn msr(root: &Root, reg: u64, value: u64) {
    use std::os::unix::fs::FileExt;
    let dir = root.path.join("dev/cpu/0");
    std::fs::create_dir_all(&dir).unwrap();
    let f = std::fs::File::create(dir.join("msr")).unwrap();
    f.write_all_at(&value.to_le_bytes(), reg).unwrap();
}

#[test]
fn virtualization_reports_and_switches_through_the_vendor_setting() {
    let root = sysroot("lenovo");
    let r = root.run(&["firmware", "virtualization"]).ok();
    assert_eq!(r["cpu"]["technology"], "amd-v");
    assert_eq!(r["cpu"]["cpu_flag"], true);
    assert_eq!(r["firmware"]["enabled"], Value::Null);
    assert!(r["firmware"]["reason"].as_str().unwrap().contains("msr"));
    assert_eq!(r["firmware_setting"]["name"], "VirtualizationTechnology");
    msr(&root, 0xc001_0114, 0x18); // SVMDIS | LOCK
    let r = root.run(&["firmware", "virtualization"]).ok();
    assert_eq!(r["firmware"]["enabled"], false);
    assert_eq!(r["firmware"]["locked"], true);

    let pw = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(pw.path(), "pw").unwrap();
    let r = root
        .run(&[
            "firmware",
            "virtualization",
            "--enable",
            "--password-file",
            pw.path().to_str().unwrap(),
        ])
        .ok();
    assert_eq!(r["change"]["value"], "Enable");
    assert_eq!(r["change"]["status"], "changed");
    let cur =
        "sys/class/firmware-attributes/thinklmi/attributes/VirtualizationTechnology/current_value";
    assert_eq!(root.file(cur), b"Enable");
    let r = root
        .run(&[
            "firmware",
            "virtualization",
            "--enable",
            "--password-file",
            pw.path().to_str().unwrap(),
        ])
        .ok();
    assert_eq!(r["change"]["status"], "already_set");
}

#[test]
fn virtualization_on_intel_with_iommu_and_sriov() {
    let root = sysroot("dell");
    msr(&root, 0x3a, 0x5); // locked, VMX outside SMX on
    let r = root.run(&["firmware", "virtualization"]).ok();
    assert_eq!(r["cpu"]["technology"], "vt-x");
    assert_eq!(r["firmware"]["enabled"], true);
    assert_eq!(r["iommu"]["enabled"], true);
    assert_eq!(r["iommu"]["technology"], "vt-d");
    assert_eq!(r["sriov"][0]["total_vfs"], 64);
    assert_eq!(r["sriov"][0]["net"][0], "eno1");
    let r = root.run(&["firmware", "virtualization", "--disable"]).ok();
    assert_eq!(r["change"]["status"], "already_set");
    let r = root.run(&["firmware", "virtualization", "--enable"]).ok();
    assert_eq!(r["change"]["setting"], "Virtualization");
    assert_eq!(
        root.file(
            "sys/class/firmware-attributes/dell-wmi-sysman/attributes/Virtualization/current_value"
        ),
        b"Enabled"
    );
    // No firmware-attributes at all: unsupported, naming what is needed.
    std::fs::remove_dir_all(root.path.join("sys/class/firmware-attributes")).unwrap();
    let e = root
        .run(&["firmware", "virtualization", "--enable"])
        .fails(1, "unsupported");
    assert!(e["needed"]["known_settings"].as_array().unwrap().len() > 3);
}

// ---- a real kernel: UEFI QEMU guest with an IPMI BMC, NVMe, SMBIOS, a virtio NIC -------------

/// Reports printed by tests/fixtures/firmware/guest.sh, by name, with their exit codes.
fn guest_reports(log: &str) -> std::collections::HashMap<String, (i32, Value)> {
    let log = log.replace('\r', "");
    let mut out = std::collections::HashMap::new();
    let mut rest = log.as_str();
    while let Some(i) = rest.find("=== ") {
        rest = &rest[i + 4..];
        let name = rest.lines().next().unwrap_or("").trim().to_string();
        if name.starts_with("rc=") || name == "end" {
            continue;
        }
        let Some(end) = rest.find("=== rc=") else {
            break;
        };
        let body = &rest[name.len()..end];
        let code: i32 = rest[end + 7..]
            .lines()
            .next()
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or(-1);
        let json = serde_json::from_str(body.trim())
            .unwrap_or_else(|e| panic!("{name}: not json ({e}): {body}"));
        out.insert(name, (code, json));
        rest = &rest[end..];
    }
    out
}

#[test]
fn guest_reads_real_bmc_nvme_and_smbios() {
    require_root!();
    // No opt-out variable: a developer who wants a quick run filters it out by name
    // (`cargo test --test firmware -- --skip guest_`), which cargo counts as filtered.
    require_tools(&["qemu-system-x86_64", "busybox"]);
    require_file(Path::new("/usr/share/OVMF/OVMF_CODE_4M.fd"), "ovmf");
    // The Debian kernel is cached under target/ (fetched once with apt-get download).
    let work = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/firmware-guest");
    let script = fixtures().join("firmware/guest.sh");
    let (code, out, err) = sh_status(&format!(
        "{} {} {} 2>&1",
        script.display(),
        bin().display(),
        work.display()
    ));
    assert!(
        code == 0 || work.join("kernel").exists(),
        "no guest kernel could be fetched (apt-get download linux-image-amd64):\n{out}{err}"
    );
    assert_eq!(code, 0, "guest.sh failed:\n{out}{err}");
    let r = guest_reports(&out);
    // The harness checks only the documents of runs it starts itself: these, from a real
    // kernel (a BMC that answers, an NVMe slot log, ethtool), are checked here.
    for (name, (_, doc)) in &r {
        let command = match name.as_str() {
            "list" | "status" | "virtualization" => name.as_str(),
            _ => "update",
        };
        schema::check(&["firmware".into(), command.into()], doc);
    }
    let (c, list) = &r["list"];
    assert_eq!(*c, 0, "{list}");
    // Every value below was set on the QEMU command line in guest.sh.
    let bios = find(list, "bios");
    assert_eq!(bios["vendor"], "IronVendor");
    assert_eq!(bios["version"], "7.8.9");
    assert_eq!(bios["release_date"], "01/02/2024");
    let bmc = find(list, "bmc");
    assert_eq!(bmc["version"], "3.30");
    assert_eq!(bmc["manufacturer_id"], 674);
    assert_eq!(bmc["vendor"], "Dell");
    assert_eq!(bmc["product_id"], 256);
    let nic = find(list, "nic:eth0");
    assert_eq!(nic["driver"], "virtio_net");
    let nvme = find(list, "disk:nvme0n1");
    assert_eq!(nvme["serial"], "IRONFW01");
    // QEMU's controller: one read-only slot holding "1.0", active — so not updatable.
    assert_eq!(nvme["firmware_slots"]["active_slot"], 1);
    assert_eq!(nvme["firmware_slots"]["slots"][0], "1.0");
    assert_eq!(nvme["slot1_read_only"], true);
    assert_eq!(nvme["updatable"], false);
    let (c, st) = &r["status"];
    assert_eq!(*c, 0);
    assert_eq!(st["components"][0]["firmware_slots"]["active_slot"], 1);
    let (c, virt) = &r["virtualization"];
    assert_eq!(*c, 0);
    assert!(virt["firmware"]["msr_value"].is_string(), "{virt}");
    let (c, e) = &r["nvme-update"];
    assert_eq!(*c, 1);
    assert_eq!(e["error"]["kind"], "unsupported");
    let (c, e) = &r["nvme-plan"];
    assert_eq!(*c, 1, "a dry run checks the slots too: {e}");
}
