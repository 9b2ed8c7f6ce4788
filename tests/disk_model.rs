//! The shared disk model against tables and filesystems made by tools we did not write.

mod common;
use common::*;
use ironbox::disk::table;
use ironbox::disk::table_kind::TableKind;

#[test]
fn reads_a_gpt_made_by_sgdisk_and_moves_its_backup_to_the_end() {
    require_tools(&["sgdisk"]);
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("d.img");
    sh(&format!(
        "truncate -s 64M {0} && sgdisk -n 1:2048:+16M -t 1:ef00 -c 1:efi-part -n 2:0:0 -t 2:8300 -c 2:root {0}",
        img.display()
    ));
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&img)
        .unwrap();
    let t = table::read_table(&mut f, 512).unwrap().unwrap();
    assert_eq!(t.table, TableKind::Gpt);
    assert_eq!(t.partitions.len(), 2);
    assert_eq!(t.partitions[0].start, 2048 * 512);
    assert_eq!(t.partitions[0].size, 16 << 20);
    assert_eq!(
        t.partitions[0].type_guid.as_deref(),
        Some("C12A7328-F81F-11D2-BA4B-00A0C93EC93B")
    );
    assert_eq!(t.partitions[1].label.as_deref(), Some("root"));
    let sfdisk: serde_json::Value =
        serde_json::from_str(&sh(&format!("sfdisk --json {}", img.display()))).unwrap();
    assert_eq!(
        sfdisk["partitiontable"]["partitions"][0]["uuid"]
            .as_str()
            .unwrap()
            .to_lowercase(),
        t.partitions[0].uuid.clone().unwrap()
    );
    // Grow the "disk" and move the backup GPT, then sgdisk must find no problems.
    drop(f);
    sh(&format!("truncate -s 128M {}", img.display()));
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&img)
        .unwrap();
    assert!(table::relocate_backup_gpt(&mut f, 512).unwrap());
    assert!(!table::relocate_backup_gpt(&mut f, 512).unwrap());
    let v = sh(&format!("sgdisk -v {}", img.display()));
    assert!(v.contains("No problems found"), "{v}");
}

#[test]
fn reads_an_mbr_with_logical_partitions_and_filesystem_identity() {
    require_tools(&["sfdisk"]);
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("d.img");
    sh(&format!(
        "truncate -s 64M {0} && printf 'label: dos\\nlabel-id: 0x12345678\\n,8M,83\\n,8M,83\\n,,5\\n,8M,83\\n,8M,82\\n' | sfdisk -q {0}",
        img.display()
    ));
    // A filesystem inside partition 1, written through an offset.
    let fsimg = dir.path().join("fs.img");
    sh(&format!(
        "truncate -s 8M {0} && mkfs.ext4 -q -L rootfs -U 0e7c3b6a-3f0e-4c31-9d8f-5a1f2b3c4d5e {0}",
        fsimg.display()
    ));
    sh(&format!(
        "dd if={} of={} bs=1M seek=1 conv=notrunc status=none",
        fsimg.display(),
        img.display()
    ));
    let mut f = std::fs::File::open(&img).unwrap();
    let t = table::read_table(&mut f, 512).unwrap().unwrap();
    assert_eq!(t.table, TableKind::Msdos);
    assert_eq!(t.disk_id, "0x12345678");
    let numbers: Vec<u32> = t.partitions.iter().map(|p| p.number).collect();
    assert_eq!(numbers, vec![1, 2, 3, 5, 6]);
    let d = table::describe(&mut f, "nonexistent-disk", &t);
    assert_eq!(d[0].fs_type.as_deref(), Some("ext4"));
    assert_eq!(
        d[0].fs_uuid.as_deref(),
        Some("0e7c3b6a-3f0e-4c31-9d8f-5a1f2b3c4d5e")
    );
    assert_eq!(d[0].fs_label.as_deref(), Some("rootfs"));
    assert_eq!(d[0].entry.uuid.as_deref(), Some("12345678-01"));
}
