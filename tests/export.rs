//! `ironbox export`: bad input and the safety rules on this host (no configfs, no LIO, no
//! nvmet here: the real iSCSI and NVMe/TCP paths run in a QEMU guest), dry-run plans on loop
//! devices, and configfs missing as a clear failure that configures nothing.

mod common;
use common::*;
use std::path::Path;

const IQN: &str = "iqn.2008-10.org.openstack:test-node";
const NQN: &str = "nqn.2014-08.org.openstack.ironbox:test-node";

/// Invalid names are refused before any disk is resolved (the disk here does not exist).
#[test]
fn invalid_names_exit_2_naming_the_value() {
    let cases: &[(&[&str], &str, &str)] = &[
        (&["export", "iscsi", "--iqn", "IQN.bad"], "iqn", "IQN.bad"),
        (
            &["export", "iscsi", "--iqn", "iqn.2008-13.org.x"],
            "iqn",
            "iqn.2008-13.org.x",
        ),
        (
            &["export", "iscsi", "--allow", "iqn.2008-10.org.x:a b"],
            "allow",
            "iqn.2008-10.org.x:a b",
        ),
        (
            &["export", "iscsi", "--portal", "0.0.0.0"],
            "portal",
            "0.0.0.0",
        ),
        (
            &["export", "nvme-tcp", "--nqn", "nqn.2014-08.org.x"],
            "nqn",
            "nqn.2014-08.org.x",
        ),
        (
            &["export", "nvme-tcp", "--nqn", "nqn.2014-08.org.x:a/b"],
            "nqn",
            "nqn.2014-08.org.x:a/b",
        ),
        (
            &["export", "nvme-tcp", "--allow-host", "host1"],
            "allow_host",
            "host1",
        ),
    ];
    for (args, field, value) in cases {
        let err = ironbox(args)
            .arg("--disk")
            .arg("/dev/ironbox-no-such-disk")
            .run()
            .fails(2, "invalid_input");
        assert_eq!(err["field"], *field, "{args:?}: {err}");
        assert_eq!(err["value"], *value, "{args:?}: {err}");
        assert!(err["message"].as_str().unwrap().contains(value), "{err}");
    }
}

#[test]
fn unknown_disk_is_not_found() {
    for t in ["iscsi", "nvme-tcp"] {
        let err = ironbox(&["export", t, "--disk", "/dev/ironbox-no-such-disk"])
            .run()
            .fails(1, "not_found");
        assert_eq!(err["device"], "/dev/ironbox-no-such-disk", "{err}");
    }
}

/// The running system's disk is refused even with --force (read from sysfs, never opened).
#[test]
fn system_disk_is_refused() {
    require_root!();
    let root = sh("findmnt -n -o SOURCE / | sed 's/[0-9]*$//'");
    let root = root.trim();
    assert!(Path::new(root).exists(), "root disk {root:?}");
    for t in ["iscsi", "nvme-tcp"] {
        let err = ironbox(&["export", t, "--dry-run", "--force", "--disk", root])
            .run()
            .fails(4, "system_disk");
        assert_eq!(err["device"], root, "{err}");
    }
}

#[test]
fn chap_secret_file_problems_are_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    for f in [dir.path().join("absent"), empty] {
        let err = ironbox(&["export", "iscsi", "--disk", "/dev/ironbox-no-such-disk"])
            .arg("--chap-user")
            .arg("u")
            .arg("--chap-secret-file")
            .arg(&f)
            .run()
            .fails(2, "invalid_input");
        assert_eq!(err["field"], "chap_secret_file", "{err}");
    }
}

fn configfs_entries() -> Vec<String> {
    std::fs::read_dir("/sys/kernel/config")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn iscsi_dry_run_plans_and_touches_nothing() {
    require_root!();
    let disk = LoopDisk::new(64 << 20);
    let before = configfs_entries();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "s3cret-value-1\n").unwrap();
    let r = ironbox(&["export", "iscsi", "--dry-run", "--disk", disk.dev()])
        .arg("--iqn")
        .arg(IQN)
        .arg("--portal")
        .arg("127.0.0.1:3261")
        .arg("--read-only")
        .arg("--allow")
        .arg("iqn.1994-05.com.redhat:client")
        .arg("--chap-user")
        .arg("node")
        .arg("--chap-secret-file")
        .arg(&secret)
        .run()
        .ok();
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["transport"], "iscsi");
    assert_eq!(r["iqn"], IQN);
    assert_eq!(r["portal"], "127.0.0.1:3261");
    assert_eq!(r["lun"], 0);
    assert_eq!(r["device"], disk.dev());
    assert_eq!(r["source"]["size"], 64 << 20);
    assert_eq!(r["read_only"], true);
    assert_eq!(r["chap"], "one_way");
    assert_eq!(r["enabled"], false);
    assert_eq!(r["url"], format!("iscsi://127.0.0.1:3261/{IQN}/0"));
    assert_eq!(
        r["connect"],
        format!(
            "iscsiadm -m discovery -t sendtargets -p 127.0.0.1:3261 && iscsiadm -m node -T {IQN} -p 127.0.0.1:3261 --login"
        )
    );
    let paths: Vec<&str> = r["configfs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        paths.contains(
            &format!("/sys/kernel/config/target/iscsi/{IQN}/tpgt_1/np/127.0.0.1:3261").as_str()
        ),
        "{paths:?}"
    );
    assert!(
        !r.to_string().contains("s3cret"),
        "secret in the report: {r}"
    );
    assert_eq!(configfs_entries(), before, "a dry run changed configfs");
}

#[test]
fn nvme_dry_run_defaults() {
    require_root!();
    let disk = LoopDisk::new(64 << 20);
    let r = ironbox(&["export", "nvme-tcp", "--dry-run", "--disk", disk.dev()])
        .arg("--addr")
        .arg("127.0.0.1")
        .arg("--port")
        .arg("4421")
        .run()
        .ok();
    assert_eq!(r["transport"], "nvme_tcp");
    let nqn = r["nqn"].as_str().unwrap();
    assert!(
        nqn.starts_with("nqn.2014-08.org.openstack.ironbox:"),
        "{nqn}"
    );
    assert!(nqn.ends_with(&disk.name()), "{nqn}");
    assert_eq!(r["namespace"], 1);
    assert_eq!(
        r["connect"],
        format!("nvme connect -t tcp -a 127.0.0.1 -s 4421 -n {nqn}")
    );
}

#[test]
fn missing_partition_is_invalid_input() {
    require_root!();
    let disk = LoopDisk::new(64 << 20);
    let err = ironbox(&[
        "export",
        "iscsi",
        "--dry-run",
        "--partition",
        "9",
        "--disk",
        disk.dev(),
    ])
    .run()
    .fails(2, "invalid_input");
    assert_eq!(err["partition"], 9, "{err}");
}

/// This host's kernel has no configfs: exporting fails naming what is missing, configures
/// nothing and leaves the disk free. On a kernel with LIO and nvmet the same test exports for
/// real and checks that `stop` leaves nothing behind.
#[test]
fn without_configfs_export_fails_clearly() {
    require_root!();
    let disk = LoopDisk::new(64 << 20);
    let has_configfs = std::fs::read_to_string("/proc/filesystems")
        .unwrap()
        .contains("configfs");
    for (t, subdir, name) in [("iscsi", "target", IQN), ("nvme-tcp", "nvmet", NQN)] {
        let flag = if t == "iscsi" { "--iqn" } else { "--nqn" };
        let run = ironbox(&["export", t, "--disk", disk.dev(), flag, name]).run();
        if has_configfs && Path::new("/sys/kernel/config").join(subdir).is_dir() {
            let r = run.ok();
            assert_eq!(r["dry_run"], false);
            let list = ironbox(&["export", "list"]).run().ok();
            assert!(list.to_string().contains(name), "{list}");
            let s = ironbox(&["export", "stop", name]).run().ok();
            assert_eq!(s["stopped"][0], name);
            let again = ironbox(&["export", "stop", name]).run().ok();
            assert_eq!(again["stopped"].as_array().unwrap().len(), 0);
            continue;
        }
        let err = run.fails(1, "unsupported");
        let missing = format!("/sys/kernel/config/{subdir}");
        assert_eq!(err["missing"], missing.as_str(), "{err}");
        assert!(err["message"].as_str().unwrap().contains(&missing), "{err}");
        let list = ironbox(&["export", "list"]).run().ok();
        assert_eq!(list["exports"].as_array().unwrap().len(), 0, "{list}");
    }
    // Nothing holds the disk: it can be written at once.
    let check = ironbox(&["check-disk", "--disk", disk.dev()]).run().ok();
    assert_eq!(check["writable"], true);
}

#[test]
fn stop_needs_a_name_or_all() {
    ironbox(&["export", "stop"]).run().fails(2, "usage");
    let r = ironbox(&["export", "stop", "--all"]).run().ok();
    assert_eq!(r["stopped"].as_array().unwrap().len(), 0);
}

#[test]
fn attach_and_detach_check_the_nqn_first() {
    let err = ironbox(&[
        "attach",
        "nvme-tcp",
        "--addr",
        "127.0.0.1",
        "--nqn",
        "nqn.bad",
    ])
    .run()
    .fails(2, "invalid_input");
    assert_eq!(err["field"], "nqn", "{err}");
    let err = ironbox(&["attach", "nvme-tcp", "--addr", "127.0.0.1", "--nqn", NQN])
        .arg("--hostnqn")
        .arg("host 1")
        .run()
        .fails(2, "invalid_input");
    assert_eq!(err["field"], "hostnqn", "{err}");
    let err = ironbox(&["detach", "nvme-tcp", "--nqn", "x"])
        .run()
        .fails(2, "invalid_input");
    assert_eq!(err["value"], "x", "{err}");
    // Nothing attached: detaching is a success that names no controller.
    let r = ironbox(&["detach", "nvme-tcp", "--nqn", NQN]).run().ok();
    assert_eq!(r["controllers"].as_array().unwrap().len(), 0, "{r}");
}

/// This host has no /dev/nvme-fabrics (no nvme_fabrics module): a clear failure naming the NQN.
#[test]
fn attach_without_fabrics_fails_clearly() {
    require_root!();
    if Path::new("/dev/nvme-fabrics").exists() {
        panic!("this host has /dev/nvme-fabrics: scripts/e2e-nbd tests attach there, not here");
    }
    let err = ironbox(&[
        "attach",
        "nvme-tcp",
        "--addr",
        "127.0.0.1",
        "--port",
        "1",
        "--nqn",
        NQN,
    ])
    .run()
    .fails(1, "network");
    assert_eq!(err["nqn"], NQN, "{err}");
}

/// `attach iscsi`: names and the portal are checked before anything runs, each error naming
/// the field and the value; an IPv6 portal parses (it reaches iscsistart, see scripts/e2e-nbd).
#[test]
fn attach_iscsi_checks_names_and_portal_first() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["--portal", "127.0.0.1", "--target", "IQN.bad"],
            "target",
            "IQN.bad",
        ),
        (
            &[
                "--portal",
                "127.0.0.1",
                "--target",
                IQN,
                "--initiator",
                "iqn.x",
            ],
            "initiator",
            "iqn.x",
        ),
        (
            &["--portal", "san.example:3260", "--target", IQN],
            "portal",
            "san.example:3260",
        ),
        (
            &["--portal", "127.0.0.1:70000", "--target", IQN],
            "portal",
            "127.0.0.1:70000",
        ),
    ];
    for (args, field, value) in cases {
        let err = ironbox(&["attach", "iscsi"])
            .args(*args)
            .run()
            .fails(2, "invalid_input");
        assert_eq!(err["field"], *field, "{args:?}: {err}");
        assert_eq!(err["value"], *value, "{args:?}: {err}");
        assert!(err["message"].as_str().unwrap().contains(value), "{err}");
    }
    // A secret file that is missing: invalid input naming the option, never a login attempt.
    let err = ironbox(&["attach", "iscsi", "--portal", "[::1]:3260", "--target", IQN])
        .args([
            "--chap-user",
            "u",
            "--chap-secret-file",
            "/nonexistent/secret",
        ])
        .run()
        .fails(2, "invalid_input");
    assert_eq!(err["field"], "chap-secret-file", "{err}");
    // Mutual CHAP needs the initiator's CHAP too (clap: usage).
    ironbox(&["attach", "iscsi", "--portal", "127.0.0.1", "--target", IQN])
        .args(["--mutual-user", "t", "--mutual-secret-file", "/dev/null"])
        .run()
        .fails(2, "usage");
    // --firmware excludes an explicit target.
    ironbox(&["attach", "iscsi", "--firmware", "--target", IQN])
        .run()
        .fails(2, "usage");
}

/// `detach iscsi`: an invalid IQN is refused; a target with no session is a success naming none.
#[test]
fn detach_iscsi_checks_the_iqn_and_is_idempotent() {
    let err = ironbox(&["detach", "iscsi", "--target", "iqn.nope"])
        .run()
        .fails(2, "invalid_input");
    assert_eq!(err["value"], "iqn.nope", "{err}");
    let r = ironbox(&["detach", "iscsi", "--target", IQN]).run().ok();
    assert_eq!(r["sessions"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(r["transport"], "iscsi", "{r}");
}
