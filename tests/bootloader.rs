//! `ironbox bootloader` end to end: a loop disk holding a GPT whose ESP is made with
//! `mkfs.fat -C` + `mmd`/`mcopy` (no vfat in this kernel), and a plain directory standing in
//! for efivarfs. efibootmgr reads that directory too (libefivar honours EFIVARFS_PATH), so
//! the entries are checked by an independent decoder.

mod common;
use common::*;
use std::path::Path;

const ESP_GUID: &str = "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9";
const GLOBAL: &str = "8be4df61-93ca-11d2-aa0d-00e098032b8c";

fn need_tools() {
    assert!(is_root(), "tests/bootloader.rs needs root for loop devices");
    for t in ["sgdisk", "mkfs.fat", "mmd", "mcopy", "efibootmgr"] {
        assert!(have_tool(t), "{t} is missing (scripts/test installs it)");
    }
}

fn utf16_bom(s: &str) -> Vec<u8> {
    let mut v = vec![0xff, 0xfe];
    v.extend(s.encode_utf16().flat_map(|u| u.to_le_bytes()));
    v
}

/// A 128 MiB disk: partition 1 an ESP (LBA 2048, 64 MiB) holding `files`, partition 2 Linux.
fn disk_with_esp(files: &[(&str, &[u8])], esp_type: &str) -> LoopDisk {
    let disk = LoopDisk::new(128 << 20);
    sh(&format!(
        "sgdisk -n1:2048:+64M -t1:{esp_type} -u1:{ESP_GUID} -n2:0:0 -t2:8300 {} >/dev/null",
        disk.dev()
    ));
    let img = disk.dir.path().join("esp.img");
    sh(&format!(
        "mkfs.fat -F 16 -C {} 65536 >/dev/null",
        img.display()
    ));
    for (path, data) in files {
        let src = disk.dir.path().join("file");
        std::fs::write(&src, data).unwrap();
        let mut dir = String::new();
        for part in Path::new(path).parent().unwrap().iter() {
            dir = format!("{dir}/{}", part.to_str().unwrap());
            let _ = sh_status(&format!("mmd -i {} ::{dir}", img.display()));
        }
        sh(&format!(
            "mcopy -i {} {} ::/{path}",
            img.display(),
            src.display()
        ));
    }
    disk.write_at(2048 * 512, &std::fs::read(&img).unwrap());
    disk
}

fn debian_esp() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("EFI/debian/shimx64.efi", b"MZ shim".to_vec()),
        ("EFI/debian/grubx64.efi", b"MZ grub".to_vec()),
        ("EFI/debian/grub.cfg", b"search.fs_uuid x root".to_vec()),
        (
            "EFI/debian/BOOTX64.CSV",
            utf16_bom("shimx64.efi,debian,,This is the boot entry for debian\n"),
        ),
    ]
}

fn borrow<'a>(v: &'a [(&'a str, Vec<u8>)]) -> Vec<(&'a str, &'a [u8])> {
    v.iter().map(|(p, d)| (*p, d.as_slice())).collect()
}

/// A variable store with one unrelated entry (a network boot, as OVMF makes) first in
/// BootOrder. Boot0000's bytes: attributes ACTIVE, description "UEFI PXEv4", device path
/// PciRoot(0x0)/Pci(0x2,0x0)/End, as the UEFI spec lays them out.
fn efivars_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    // efivarfs attribute word, then the load option: attributes, FilePathListLength, ...
    let mut boot0 = vec![7, 0, 0, 0, 1, 0, 0, 0, 0, 0];
    let mut path = vec![2, 1, 12, 0, 0xd0, 0x41, 0x03, 0x0a, 0, 0, 0, 0];
    path.extend_from_slice(&[1, 1, 6, 0, 0, 2, 0x7f, 0xff, 4, 0]);
    boot0[8..10].copy_from_slice(&(path.len() as u16).to_le_bytes());
    boot0.extend(
        "UEFI PXEv4"
            .encode_utf16()
            .chain([0])
            .flat_map(|u| u.to_le_bytes()),
    );
    boot0.extend(path);
    std::fs::write(d.path().join(format!("Boot0000-{GLOBAL}")), boot0).unwrap();
    std::fs::write(
        d.path().join(format!("BootOrder-{GLOBAL}")),
        [7, 0, 0, 0, 0, 0],
    )
    .unwrap();
    d
}

fn efibootmgr(dir: &Path) -> String {
    sh(&format!("EFIVARFS_PATH={}/ efibootmgr -v", dir.display()))
}

fn boot_vars(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("Boot") && !n.starts_with("BootOrder"))
        .collect();
    v.sort();
    v
}

fn uefi(disk: &LoopDisk, vars: &Path, extra: &[&str]) -> Run {
    ironbox(&["bootloader", "uefi", "--disk", disk.dev()])
        .args(extra)
        .env("IRONBOX_EFIVARS", vars)
        .run()
}

#[test]
fn uefi_entry_for_a_loader_only_under_efi_debian_then_reused_then_cleaned() {
    need_tools();
    let files = debian_esp();
    let disk = disk_with_esp(&borrow(&files), "ef00");
    let vars = efivars_dir();

    let r = uefi(&disk, vars.path(), &[]).ok();
    assert_eq!(r["esp"]["number"], 1);
    assert_eq!(r["esp"]["partuuid"], ESP_GUID);
    assert_eq!(r["loaders"][0]["found_by"], "boot_csv");
    assert_eq!(r["created"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["created"][0]["name"], "Boot0001");
    assert_eq!(r["created"][0]["description"], "debian");
    assert_eq!(r["boot_order"], serde_json::json!(["Boot0001", "Boot0000"]));

    // efibootmgr decodes the same entry, first in BootOrder.
    let out = efibootmgr(vars.path());
    assert!(out.contains("BootOrder: 0001,0000"), "{out}");
    let line = out.lines().find(|l| l.starts_with("Boot0001")).expect(&out);
    assert!(line.starts_with("Boot0001* debian"), "{line}");
    assert!(
        line.contains(&format!(
            "HD(1,GPT,{ESP_GUID},0x800,0x20000)/File(\\EFI\\debian\\shimx64.efi)"
        )),
        "{line}"
    );

    // Again: the entry that points at the same loader is reused, nothing new is written.
    let before = boot_vars(vars.path());
    let r = uefi(&disk, vars.path(), &[]).ok();
    assert_eq!(r["created"], serde_json::json!([]));
    assert_eq!(r["reused"][0]["name"], "Boot0001");
    assert_eq!(boot_vars(vars.path()), before);
    assert!(efibootmgr(vars.path()).contains("BootOrder: 0001,0000"));

    // clean-nvram's default patterns remove the disk entry and keep the network one.
    let r = ironbox(&["bootloader", "clean-nvram"])
        .env("IRONBOX_EFIVARS", vars.path())
        .run()
        .ok();
    assert_eq!(r["removed"][0]["name"], "Boot0001");
    assert_eq!(r["kept"][0]["name"], "Boot0000");
    assert_eq!(boot_vars(vars.path()), [format!("Boot0000-{GLOBAL}")]);
    let out = efibootmgr(vars.path());
    assert!(out.contains("BootOrder: 0000\n"), "{out}");
    assert!(!out.contains("Boot0001"), "{out}");
}

#[test]
fn uefi_dry_run_and_clean_dry_run_write_nothing() {
    need_tools();
    let files = debian_esp();
    let disk = disk_with_esp(&borrow(&files), "ef00");
    let vars = efivars_dir();
    let snapshot = |d: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = snapshot(vars.path());
    let r = uefi(&disk, vars.path(), &["--dry-run"]).ok();
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["created"][0]["name"], "Boot0001");
    assert_eq!(snapshot(vars.path()), before);
    let r = ironbox(&["bootloader", "clean-nvram", "--dry-run", "--match", "PXE"])
        .env("IRONBOX_EFIVARS", vars.path())
        .run()
        .ok();
    assert_eq!(r["removed"][0]["name"], "Boot0000");
    assert_eq!(snapshot(vars.path()), before);
}

#[test]
fn uefi_fallback_loader_replaces_a_same_label_entry_elsewhere() {
    need_tools();
    let disk = disk_with_esp(&[("EFI/BOOT/BOOTX64.EFI", b"MZ")], "ef00");
    let vars = efivars_dir();
    // An entry labelled like ours but for another disk's loader: IPA deletes and recreates.
    let other = disk_with_esp(&[("EFI/BOOT/BOOTX64.EFI", b"MZ")], "ef00");
    sh(&format!(
        "sgdisk -u1:11111111-2222-3333-4444-555555555555 {} >/dev/null",
        other.dev()
    ));
    uefi(&other, vars.path(), &["--label", "node"]).ok();
    let r = uefi(&disk, vars.path(), &["--label", "node"]).ok();
    assert_eq!(r["loaders"][0]["found_by"], "fallback");
    assert_eq!(r["removed"][0]["name"], "Boot0001");
    assert_eq!(r["created"][0]["name"], "Boot0002");
    let out = efibootmgr(vars.path());
    assert!(out.contains("BootOrder: 0002,0000"), "{out}");
    assert!(out.contains(&format!("HD(1,GPT,{ESP_GUID}")), "{out}");
    assert!(!out.contains("11111111-2222"), "{out}");
}

#[test]
fn uefi_refuses_a_disk_without_esp_or_loader_or_gpt() {
    need_tools();
    let vars = efivars_dir();
    // GPT without an ESP.
    let disk = disk_with_esp(&[("EFI/debian/shimx64.efi", b"MZ")], "8300");
    let e = uefi(&disk, vars.path(), &[]).fails(1, "not_found");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("no EFI system partition"),
        "{e}"
    );
    // An ESP without any loader.
    let disk = disk_with_esp(&[("EFI/debian/grub.cfg", b"x")], "ef00");
    let e = uefi(&disk, vars.path(), &[]).fails(1, "not_found");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("holds no boot loader"),
        "{e}"
    );
    // An msdos table.
    let disk = LoopDisk::new(64 << 20);
    sh(&format!(
        "echo 'start=2048, type=ef' | sfdisk -q {}",
        disk.dev()
    ));
    uefi(&disk, vars.path(), &[]).fails(1, "unsupported");
    // Nothing was written by the refusals.
    assert_eq!(boot_vars(vars.path()), [format!("Boot0000-{GLOBAL}")]);
}

#[test]
fn refuses_without_efivars_and_bad_patterns() {
    need_tools();
    let files = debian_esp();
    let disk = disk_with_esp(&borrow(&files), "ef00");
    let missing = Path::new("/nonexistent/efivars");
    let e = uefi(&disk, missing, &[]).fails(1, "unsupported");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("not booted in UEFI mode"),
        "{e}"
    );
    ironbox(&["bootloader", "clean-nvram"])
        .env("IRONBOX_EFIVARS", missing)
        .run()
        .fails(1, "unsupported");
    let vars = efivars_dir();
    ironbox(&["bootloader", "clean-nvram", "--match", "("])
        .env("IRONBOX_EFIVARS", vars.path())
        .run()
        .fails(2, "invalid_input");
}

// --- bootloader grub (partition images). This host's kernel has ext4 but no vfat, so the
// chroot flow is driven in BIOS mode with a stand-in grub (busybox scripts that record their
// arguments and what they could see); UEFI mode needs the VM.

/// A 64 MiB GPT disk: p1 BIOS boot (or Linux when `bios_boot` is false), p2 an ext4 root
/// built from `tree` (relative path, content, executable). Partition nodes made with partx.
fn disk_with_root(tree: &[(&str, &[u8], bool)], bios_boot: bool) -> LoopDisk {
    let disk = LoopDisk::new(64 << 20);
    let t1 = if bios_boot { "ef02" } else { "8300" };
    sh(&format!(
        "sgdisk -n1:2048:+1M -t1:{t1} -n2:4096:0 -t2:8300 {} >/dev/null",
        disk.dev()
    ));
    let root = disk.dir.path().join("root");
    for (path, data, exec) in tree {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        if *exec {
            sh(&format!("chmod 755 {}", p.display()));
        }
    }
    std::fs::create_dir_all(root.join("boot/grub")).unwrap();
    let img = disk.dir.path().join("root.img");
    sh(&format!(
        "mkfs.ext4 -q -F -d {} {} 30M",
        root.display(),
        img.display()
    ));
    disk.write_at(4096 * 512, &std::fs::read(&img).unwrap());
    sh(&format!("partx -a {} 2>/dev/null || true", disk.dev()));
    assert!(
        Path::new(&format!("{}p2", disk.dev())).exists(),
        "partx made no partition nodes"
    );
    disk
}

fn grub_tree(install_exit: u8) -> Vec<(&'static str, Vec<u8>, bool)> {
    let busybox = std::fs::read("/bin/busybox").expect("a static /bin/busybox (busybox-static)");
    let install = format!(
        "#!/bin/sh\necho \"$@\" >/grub-install.args\n\
         [ -c /dev/null ] && [ -e /proc/self/status ] && [ -d /sys/block ] && echo yes >/binds.seen\n\
         exit {install_exit}\n"
    );
    vec![
        ("bin/busybox", busybox.clone(), true),
        ("bin/sh", busybox, true),
        ("usr/sbin/grub-install", install.into_bytes(), true),
        (
            "usr/sbin/grub-mkconfig",
            // records the /dev/disk/by-uuid links it sees: root=UUID= needs the root's
            b"#!/bin/sh\necho \"$@\" >/grub-mkconfig.args\n\
              /bin/busybox ls /dev/disk/by-uuid >/by-uuid.seen 2>&1\n\
              /bin/busybox echo menuentry >\"$2\"\n"
                .to_vec(),
            true,
        ),
    ]
}

fn tree_ref<'a>(t: &'a [(&'static str, Vec<u8>, bool)]) -> Vec<(&'static str, &'a [u8], bool)> {
    t.iter().map(|(p, d, x)| (*p, d.as_slice(), *x)).collect()
}

/// A file of the ext4 root read with debugfs (independent of any mount).
fn ext4_cat(disk: &LoopDisk, path: &str) -> String {
    sh(&format!(
        "debugfs -R 'cat {path}' {}p2 2>/dev/null",
        disk.dev()
    ))
}

fn grub_bios(disk: &LoopDisk, root: &str) -> Run {
    ironbox(&[
        "bootloader",
        "grub",
        "--disk",
        disk.dev(),
        "--root",
        root,
        "--mode",
        "bios",
    ])
    .run()
}

/// The grub tests check that no `ironbox-grub` mount is left anywhere; run them one at a time
/// so that one test's live mounts are not taken for the other's leftovers.
static GRUB_TESTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn no_mounts_left() {
    let m = std::fs::read_to_string("/proc/mounts").unwrap();
    assert!(!m.contains("ironbox-grub"), "mounts left behind:\n{m}");
}

#[test]
fn grub_bios_runs_the_images_grub_in_a_chroot_and_unmounts() {
    let _one_at_a_time = GRUB_TESTS.lock().unwrap_or_else(|e| e.into_inner());
    need_tools();
    let t = grub_tree(0);
    let disk = disk_with_root(&tree_ref(&t), true);
    let r = grub_bios(&disk, "2").ok();
    assert_eq!(r["mode"], "bios");
    assert_eq!(r["root_fs"], "ext4");
    assert_eq!(r["steps"][0]["command"][0], "/usr/sbin/grub-install");
    assert_eq!(r["mounts"].as_array().unwrap().len(), 5, "{r}"); // root + dev proc sys run
    no_mounts_left();
    assert_eq!(
        ext4_cat(&disk, "/grub-install.args").trim(),
        format!("--target=i386-pc {}", disk.dev())
    );
    assert_eq!(ext4_cat(&disk, "/binds.seen").trim(), "yes");
    assert_eq!(
        ext4_cat(&disk, "/grub-mkconfig.args").trim(),
        "-o /boot/grub/grub.cfg"
    );
    assert_eq!(ext4_cat(&disk, "/boot/grub/grub.cfg").trim(), "menuentry");
    // grub-mkconfig saw /dev/disk/by-uuid/<root's UUID> (this machine has no udev, nor has a
    // ramdisk: without the link it writes root=/dev/<the ramdisk's name> into grub.cfg), and
    // the link made for it is gone afterwards
    let uuid = sh(&format!("blkid -p -s UUID -o value {}p2", disk.dev()));
    let uuid = uuid.trim();
    assert!(!uuid.is_empty());
    let seen = ext4_cat(&disk, "/by-uuid.seen");
    assert!(
        seen.lines().any(|l| l.trim() == uuid),
        "grub-mkconfig saw no /dev/disk/by-uuid/{uuid}: {seen}"
    );
    assert!(
        !Path::new("/dev/disk/by-uuid").join(uuid).exists(),
        "the by-uuid link was left behind"
    );
}

#[test]
fn grub_failures_are_clear_and_leave_nothing_mounted() {
    let _one_at_a_time = GRUB_TESTS.lock().unwrap_or_else(|e| e.into_inner());
    need_tools();
    // The image's grub-install fails: its stderr tail is in the error, everything unmounted.
    let t = grub_tree(3);
    let disk = disk_with_root(&tree_ref(&t), true);
    let e = grub_bios(&disk, "2").fails(1, "external");
    assert!(e["message"].as_str().unwrap().contains("exit 3"), "{e}");
    no_mounts_left();
    // No grub in the image.
    let t = vec![("etc/os-release", b"ID=none\n".to_vec(), false)];
    let disk = disk_with_root(&tree_ref(&t), true);
    let e = grub_bios(&disk, "2").fails(1, "not_found");
    assert!(
        e["message"].as_str().unwrap().contains("no grub-install"),
        "{e}"
    );
    no_mounts_left();
    // BIOS on a GPT without a BIOS boot partition: refused before mounting anything.
    let t = grub_tree(0);
    let disk = disk_with_root(&tree_ref(&t), false);
    grub_bios(&disk, "2").fails(2, "invalid_layout");
    // A root that is not a partition of the disk.
    grub_bios(&disk, "7").fails(2, "invalid_input");
    assert!(ext4_cat(&disk, "/grub-install.args").is_empty());
}
