//! The binary's contract (DESIGN.md §2–4): version, multi-call, the error object and exit codes,
//! root-device hints over real loop disks, and the safety refusals.

mod common;
use common::*;
use serde_json::Value;

#[test]
fn version_and_help_print_text_and_exit_0() {
    let out = std::process::Command::new(bin())
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ironbox "));
    let out = std::process::Command::new(bin())
        .args(["help", "erase"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"));
}

#[test]
fn bad_flag_is_usage_error_with_json_and_exit_2() {
    let err = ironbox(&["--no-such-flag"]).run().fails(2, "usage");
    assert!(
        err["message"].as_str().unwrap().contains("--no-such-flag"),
        "{err}"
    );
}

#[test]
fn unknown_command_names_it() {
    let err = ironbox(&["frobnicate"]).run().fails(2, "usage");
    assert!(err["message"].as_str().unwrap().contains("frobnicate"));
}

#[test]
fn bare_ironbox_is_a_json_usage_error_with_help_on_stderr() {
    let run = ironbox(&[]).run();
    assert!(run.stderr.contains("Usage"), "{}", run.stderr);
    let err = run.fails(2, "usage");
    assert!(
        err["message"].as_str().unwrap().contains("command"),
        "{err}"
    );
}

#[test]
fn report_schema_prints_the_schema_without_running_anything() {
    // image-write needs --device and a source: the schema is printed all the same.
    let schema = ironbox(&["image-write", "--report-schema"]).run().ok();
    assert!(schema.is_object(), "{schema}");
    let all = ironbox(&["--report-schema"]).run().ok();
    for name in ["error", "inventory", "partition", "erase", "generate"] {
        assert!(all[name].is_object(), "no schema for {name}: {all}");
    }
    assert_eq!(
        all["generate"],
        ironbox(&["generate", "--report-schema"]).run().ok()
    );
    assert_eq!(
        all["error"]["properties"]["error"]["$ref"],
        "#/$defs/ErrorObject"
    );
}

/// The hook itself: a document that breaks its schema fails the test that got it, and one that
/// matches passes.
#[test]
fn the_schema_hook_accepts_matching_documents() {
    let args = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    schema::check(
        &args("--progress none generate --out x"),
        &serde_json::json!({"written": ["a"]}),
    );
    let err =
        serde_json::json!({"error": {"kind": "io", "message": "m", "causes": [], "path": "/x"}});
    schema::check(&args("inventory"), &err);
}

#[test]
#[should_panic(expected = "report does not match its schema")]
fn the_schema_hook_rejects_a_wrong_report() {
    let args = ["generate".to_string()];
    schema::check(&args, &serde_json::json!({"written": 5}));
}

#[test]
#[should_panic(expected = "report does not match its schema")]
fn the_schema_hook_rejects_an_unknown_error_kind() {
    let err = serde_json::json!({"error": {"kind": "oops", "message": "m", "causes": []}});
    schema::check(&["inventory".to_string()], &err);
}

#[test]
fn pretty_indents_and_compact_does_not() {
    let compact = ironbox(&["check-disk", "--disk", "/nonexistent"]).run();
    assert_eq!(compact.stdout.trim().lines().count(), 1);
    let pretty = ironbox(&["check-disk", "--disk", "/nonexistent", "--pretty"]).run();
    assert!(pretty.stdout.trim().lines().count() > 1);
    assert_eq!(pretty.json, compact.json);
}

#[test]
fn not_a_block_device_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("plain");
    std::fs::write(&f, b"x").unwrap();
    let err = ironbox(&["check-disk", "--disk"])
        .arg(&f)
        .run()
        .fails(1, "not_a_block_device");
    assert_eq!(err["device"], f.to_str().unwrap());
}

#[test]
fn multicall_through_links() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["check-disk-not-a-command", "ironbox-erase", "erase"] {
        std::os::unix::fs::symlink(bin(), dir.path().join(name)).unwrap();
    }
    // `erase` and `ironbox-erase` run the erase command: erase without arguments is a usage error
    // that names erase's own required flag, not the top-level usage.
    for name in ["erase", "ironbox-erase"] {
        let out = std::process::Command::new(dir.path().join(name))
            .arg("--help")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage: ironbox erase"), "{name}: {text}");
    }
}

#[test]
fn extension_commands_run_from_path_but_never_ourselves() {
    let dir = tempfile::tempdir().unwrap();
    let ext = dir.path().join("ironbox-hello");
    std::fs::write(&ext, "#!/bin/sh\necho '{\"hello\": \"'\"$1\"'\"}'\n").unwrap();
    sh(&format!("chmod +x {}", ext.display()));
    // A link back to the binary itself must not be exec'd as an extension.
    std::os::unix::fs::symlink(bin(), dir.path().join("ironbox-loop")).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap()
    );
    let out = std::process::Command::new(bin())
        .args(["hello", "world"])
        .env("PATH", &path)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["hello"], "world");
    let r = ironbox(&["loop"]).env("PATH", &path).run();
    r.fails(2, "usage");
}

fn gib(n: u64) -> u64 {
    n << 30
}

#[test]
fn hints_choose_among_explicit_loop_candidates() {
    require_root!();
    let small = LoopDisk::new(gib(2));
    let mid = LoopDisk::new(gib(5));
    let big = LoopDisk::new(gib(10));
    let cands = format!("{},{},{}", big.dev(), small.dev(), mid.dev());
    // No hints: the smallest disk of at least 4 GiB.
    let r = ironbox(&["check-disk", "--disk", "auto", "--candidates", &cands])
        .run()
        .ok();
    assert_eq!(r["device"], mid.dev());
    // A size hint.
    let r = ironbox(&[
        "check-disk",
        "--disk",
        "auto",
        "--candidates",
        &cands,
        "--hints",
        r#"{"size": ">= 8"}"#,
        "--explain",
    ])
    .run()
    .ok();
    assert_eq!(r["device"], big.dev());
    assert_eq!(r["selection"].as_array().unwrap().len(), 3);
    // A name hint, without /dev/.
    let r = ironbox(&[
        "check-disk",
        "--disk",
        "auto",
        "--candidates",
        &cands,
        "--hints",
    ])
    .arg(format!(r#"{{"name": "{}"}}"#, small.name()))
    .run()
    .ok();
    assert_eq!(r["device"], small.dev());
    // Nothing matches.
    let e = ironbox(&[
        "check-disk",
        "--disk",
        "auto",
        "--candidates",
        &cands,
        "--hints",
        r#"{"size": "> 100"}"#,
    ])
    .run()
    .fails(1, "no_matching_disk");
    assert_eq!(e["candidates"].as_array().unwrap().len(), 3);
    // Bad hints are exit 2, naming the hint.
    let e = ironbox(&[
        "check-disk",
        "--disk",
        "auto",
        "--candidates",
        &cands,
        "--hints",
        r#"{"colour": "red"}"#,
    ])
    .run()
    .fails(2, "invalid_hints");
    assert!(e["message"].as_str().unwrap().contains("colour"));
}

#[test]
fn auto_never_picks_loop_devices_without_explicit_candidates() {
    require_root!();
    let d = LoopDisk::new(gib(5));
    let r = ironbox(&["check-disk", "--disk", "auto", "--hints"])
        .arg(format!(r#"{{"name": "{}"}}"#, d.name()))
        .run();
    assert_ne!(r.json["device"], d.dev());
}

#[test]
fn a_disk_with_a_mounted_partition_is_refused_with_exit_4() {
    require_root!();
    require_tools(&["sgdisk", "partx"]);
    let d = LoopDisk::new(64 << 20);
    sh(&format!("sgdisk -n 1:2048:+32M {}", d.dev()));
    sh(&format!("partx -a {} 2>/dev/null || true", d.dev()));
    let part = format!("{}p1", d.dev());
    sh(&format!("mkfs.ext4 -q {part}"));
    let mnt = d.dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    sh(&format!("mount {part} {}", mnt.display()));
    let e = ironbox(&["check-disk", "--disk", d.dev()])
        .run()
        .fails(4, "device_busy");
    assert_eq!(e["rule"], "mounted");
    assert!(e["holder"].as_str().unwrap().contains(&part), "{e}");
    // --force overrides the busy rule.
    let r = ironbox(&["check-disk", "--force", "--disk", d.dev()])
        .run()
        .ok();
    assert_eq!(r["overridden"][0]["rule"], "mounted");
    sh(&format!("umount {}", mnt.display()));
    ironbox(&["check-disk", "--disk", d.dev()]).run().ok();
}

#[test]
fn a_disk_in_use_as_swap_is_refused() {
    require_root!();
    let d = LoopDisk::new(64 << 20);
    sh(&format!(
        "mkswap {} >/dev/null && swapon {}",
        d.dev(),
        d.dev()
    ));
    let r = ironbox(&["check-disk", "--disk", d.dev()]).run();
    sh(&format!("swapoff {}", d.dev()));
    let e = r.fails(4, "device_busy");
    assert_eq!(e["rule"], "swap");
}

#[test]
fn the_machines_own_root_disk_is_refused_even_with_force() {
    require_root!();
    // Find the disk holding / with tools we did not write; check-disk never opens it.
    let src = sh("findmnt -no SOURCE /").trim().to_string();
    assert!(
        src.starts_with("/dev/"),
        "/ is not on a block device ({src}): run on a machine (or VM) booted from a disk"
    );
    let pk = sh(&format!("lsblk -no PKNAME {src} | head -1"))
        .trim()
        .to_string();
    let disk = if pk.is_empty() {
        src
    } else {
        format!("/dev/{pk}")
    };
    let e = ironbox(&["check-disk", "--disk", &disk])
        .run()
        .fails(4, "system_disk");
    assert_eq!(e["rule"], "system_disk");
    let e = ironbox(&["check-disk", "--force", "--disk", &disk])
        .run()
        .fails(4, "system_disk");
    assert_eq!(e["rule"], "system_disk");
}

/// Regression: a missing required argument's name was dropped from the JSON message.
#[test]
fn missing_argument_is_named_in_the_message() {
    let err = ironbox(&["partition"]).run().fails(2, "usage");
    assert!(err["message"].as_str().unwrap().contains("--disk"), "{err}");
}
