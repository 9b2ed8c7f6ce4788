//! `ironbox inventory`: every field against three captured/hand-made machines, the live machine
//! against lsblk and `ip -j link`, loop devices, sections, the digest, and IPA's keys (every
//! document is also checked against the published, closed schema by the harness).

mod common;
use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn fixture(machine: &str) -> PathBuf {
    fixtures().join("inventory").join(machine)
}

fn inventory_of(root: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["inventory"];
    args.extend_from_slice(extra);
    ironbox(&args).arg("--sysroot").arg(root).run().ok()
}

/// Compares key by key so a failure names the field, then the whole document.
fn assert_same(actual: &Value, expected: &Value) {
    if let (Some(a), Some(e)) = (actual.as_object(), expected.as_object()) {
        for (k, ev) in e {
            assert_eq!(a.get(k), Some(ev), "field {k}");
        }
        let extra: Vec<&String> = a.keys().filter(|k| !e.contains_key(*k)).collect();
        assert!(extra.is_empty(), "unexpected keys {extra:?}");
    }
    assert_eq!(actual, expected);
}

fn without_digest(mut v: Value) -> (Value, String) {
    let d = v
        .as_object_mut()
        .unwrap()
        .remove("inventory_digest")
        .expect("inventory_digest");
    let d = d.as_str().unwrap().to_string();
    assert_eq!(d.len(), 64, "{d}");
    assert!(d.chars().all(|c| c.is_ascii_hexdigit()), "{d}");
    (v, d)
}

fn nic(name: &str, mac: &str) -> Value {
    json!({
        "name": name, "mac_address": mac, "ipv4_address": null, "ipv6_address": null,
        "has_carrier": true, "lldp": null, "vendor": null, "product": null, "client_id": null,
        "biosdevname": null, "speed_mbps": null, "pci_address": null, "driver": null,
    })
}

fn merge(mut base: Value, over: Value) -> Value {
    for (k, v) in over.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

#[allow(clippy::too_many_arguments)]
fn extra(
    kernel: &str,
    devno: &str,
    dgran: u64,
    dmax: u64,
    wz: u64,
    fw: Value,
    nqn: Value,
    parts: u32,
) -> Value {
    json!({
        "kernel_name": kernel, "devno": devno, "removable": false, "read_only": false,
        "optimal_io_size": 0, "discard_granularity": dgran, "discard_max_bytes": dmax,
        "write_zeroes_max_bytes": wz, "write_cache": "write back", "firmware_rev": fw,
        "nvme_subsysnqn": nqn, "partitions": parts,
    })
}

#[test]
fn server_fixture_every_field() {
    let (inv, _) = without_digest(inventory_of(&fixture("server"), &[]));
    let expected = json!({
        "cpu": {
            "model_name": "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
            "frequency": "3200.0000",
            "count": 4,
            "architecture": "x86_64",
            "flags": ["fpu", "vme", "de", "pse", "tsc", "msr", "sse", "sse2", "ht", "avx", "avx2", "avx512f"],
            "socket_count": 2,
        },
        "memory": {"total": 131622912u64 * 1024, "physical_mb": 131072},
        "disks": [
            {
                "name": "/dev/nvme0n1", "model": "INTEL SSDPE2KX010T8", "size": 1953525168u64 * 512,
                "rotational": false, "wwn": "eui.01000000000000005cd2e4a1b2c3d401",
                "serial": "PHLJ123400AB1P0FGN", "vendor": null,
                "wwn_with_extension": "eui.01000000000000005cd2e4a1b2c3d401",
                "wwn_vendor_extension": null, "hctl": null,
                "by_path": "/dev/disk/by-path/pci-0000:3b:00.0-nvme-1",
                "logical_sectors": 4096, "physical_sectors": 4096, "tran": "nvme",
                "extra": extra("nvme0n1", "259:0", 4096, 2199023255040, 33550336, json!("VDV10131"),
                    json!("nqn.2014.08.org.nvmexpress:80868086PHLJ123400AB1P0FGN"), 0),
            },
            {
                "name": "/dev/sda", "model": "SAMSUNG MZ7LH960", "size": 1875385008u64 * 512,
                "rotational": false, "wwn": "0x5002538e40a1b2c3", "serial": "S45NNE0M123456",
                "vendor": "ATA", "wwn_with_extension": "0x5002538e40a1b2c3",
                "wwn_vendor_extension": null, "hctl": "0:0:0:0",
                "by_path": "/dev/disk/by-path/pci-0000:00:17.0-ata-1",
                "logical_sectors": 512, "physical_sectors": 4096, "tran": "sata",
                "extra": extra("sda", "8:0", 4096, 2199023255040, 33550336, json!("HXT7"), json!(null), 1),
            },
            {
                "name": "/dev/sdb", "model": "ST4000NM0035-1V4", "size": 7814037168u64 * 512,
                "rotational": true, "wwn": "0x5000c500a1b2c3d4", "serial": "ZC1A2B3C",
                "vendor": "ATA", "wwn_with_extension": "0x5000c500a1b2c3d4",
                "wwn_vendor_extension": null, "hctl": "1:0:0:0",
                "by_path": "/dev/disk/by-path/pci-0000:00:17.0-ata-2",
                "logical_sectors": 512, "physical_sectors": 4096, "tran": "sata",
                "extra": extra("sdb", "8:16", 0, 0, 0, json!("TN03"), json!(null), 0),
            },
        ],
        "interfaces": [
            merge(nic("bond0", "3c:fd:fe:a1:b2:c0"), json!({
                "ipv4_address": "10.20.30.40", "ipv6_address": "2001:db8::10",
                "speed_mbps": 20000, "driver": "bonding",
            })),
            merge(nic("eno1", "3c:fd:fe:a1:b2:c0"), json!({
                "vendor": "0x8086", "product": "0x1563", "speed_mbps": 10000,
                "pci_address": "0000:18:00.0", "driver": "ixgbe",
            })),
            // A bond slave shows the bond's MAC in `address`; the permanent one is reported.
            merge(nic("eno2", "3c:fd:fe:a1:b2:c1"), json!({
                "vendor": "0x8086", "product": "0x1563", "speed_mbps": 10000,
                "pci_address": "0000:18:00.1", "driver": "ixgbe",
            })),
            merge(nic("eno3", "ac:1f:6b:00:11:22"), json!({
                "has_carrier": false, "vendor": "0x8086", "product": "0x15b7",
                "pci_address": "0000:00:1f.6", "driver": "e1000e",
            })),
        ],
        "system_vendor": {
            "product_name": "SYS-1029U-TRT", "serial_number": "S123456X9A01234",
            "manufacturer": "Supermicro",
            "firmware": {"vendor": "American Megatrends Inc.", "version": "3.8a", "build_date": "03/15/2023"},
            "uuid": "11223344-5566-7788-99aa-bbccddeeff00",
        },
        "boot": {"current_boot_mode": "bios", "pxe_interface": "01-3c-fd-fe-a1-b2-c0", "secure_boot": null},
        "bmc_address": null, "bmc_v6address": null, "bmc_mac": null, "bmc_device": null,
        "hostname": "server-01",
        "pci_devices": [
            {"vendor_id": "8086", "product_id": "a182", "class": "010601", "revision": "09", "bus": "0000:00:17.0"},
            {"vendor_id": "8086", "product_id": "15b7", "class": "020000", "revision": "00", "bus": "0000:00:1f.6"},
            {"vendor_id": "8086", "product_id": "1563", "class": "020000", "revision": "01", "bus": "0000:18:00.0"},
            {"vendor_id": "8086", "product_id": "1563", "class": "020000", "revision": "01", "bus": "0000:18:00.1"},
            {"vendor_id": "8086", "product_id": "0a54", "class": "010802", "revision": "00", "bus": "0000:3b:00.0"},
        ],
        "numa_topology": {
            "ram": [{"numa_node": 0, "size_kb": 65811456}, {"numa_node": 1, "size_kb": 65811456}],
            "cpus": [
                {"cpu": 0, "numa_node": 0, "thread_siblings": [0, 1]},
                {"cpu": 0, "numa_node": 1, "thread_siblings": [2, 3]},
            ],
            "nics": [{"name": "eno1", "numa_node": 0}, {"name": "eno2", "numa_node": 0}],
        },
    });
    assert_same(&inv, &expected);
}

#[test]
fn uefi_fixture_every_field() {
    let (inv, _) = without_digest(inventory_of(&fixture("uefi"), &[]));
    let expected = json!({
        "cpu": {
            "model_name": "QEMU Virtual CPU version 2.5+",
            "frequency": "1996.249",
            "count": 2,
            "architecture": "x86_64",
            "flags": ["fpu", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep", "sse", "sse2", "hypervisor"],
            "socket_count": 1,
        },
        // No SMBIOS tables: installed memory is the kernel's total rounded up.
        "memory": {"total": 3990204u64 * 1024, "physical_mb": 4096},
        "disks": [
            {
                "name": "/dev/nvme0n1", "model": "QEMU NVMe Ctrl", "size": 20971520u64 * 512,
                "rotational": false,
                "wwn": "nvme.1b36-6465616462656566-51454d55204e564d65204374726c-00000001",
                "serial": "deadbeef", "vendor": null,
                "wwn_with_extension": "nvme.1b36-6465616462656566-51454d55204e564d65204374726c-00000001",
                "wwn_vendor_extension": null, "hctl": null, "by_path": null,
                "logical_sectors": 512, "physical_sectors": 512, "tran": "nvme",
                "extra": extra("nvme0n1", "259:0", 512, 2199023255040, 33550336, json!("8.0.0"),
                    json!("nqn.2019-08.org.qemu:deadbeef"), 0),
            },
            {
                "name": "/dev/vda", "model": null, "size": 41943040u64 * 512, "rotational": true,
                "wwn": null, "serial": "vol-0001", "vendor": "0x1af4", "wwn_with_extension": null,
                "wwn_vendor_extension": null, "hctl": null, "by_path": null,
                "logical_sectors": 512, "physical_sectors": 512, "tran": null,
                "extra": extra("vda", "254:0", 0, 0, 0, json!(null), json!(null), 2),
            },
        ],
        "interfaces": [
            merge(nic("enp1s0", "52:54:00:12:34:56"), json!({
                "ipv6_address": "fe80::5054:ff:fe12:3456", "vendor": "0x1af4",
                "product": "0x0001", "pci_address": "0000:01:00.0", "driver": "virtio_net",
            })),
            merge(nic("enp1s0.100", "52:54:00:12:34:56"), json!({
                "ipv4_address": "192.168.100.5", "ipv6_address": "fe80::5054:ff:fe12:3456",
                "driver": "8021q",
            })),
        ],
        "system_vendor": {
            "product_name": "Standard PC (Q35 + ICH9, 2009)", "serial_number": "QEMU-SERIAL-7",
            "manufacturer": "QEMU",
            "firmware": {"vendor": "EDK II", "version": "edk2-stable202302-for-qemu", "build_date": "02/06/2023"},
            "uuid": "6a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9",
        },
        "boot": {"current_boot_mode": "uefi", "pxe_interface": null, "secure_boot": true},
        "bmc_address": null, "bmc_v6address": null, "bmc_mac": null, "bmc_device": null,
        "hostname": "uefi-vm",
        "pci_devices": [
            {"vendor_id": "8086", "product_id": "29c0", "class": "060000", "revision": "00", "bus": "0000:00:00.0"},
            {"vendor_id": "1af4", "product_id": "1041", "class": "020000", "revision": "01", "bus": "0000:01:00.0"},
        ],
        "numa_topology": {"ram": [], "cpus": [], "nics": []},
    });
    assert_same(&inv, &expected);
}

#[test]
fn vm_capture_every_field() {
    let root = fixture("vm");
    let (inv, _) = without_digest(inventory_of(&root, &[]));
    let cpuinfo = std::fs::read_to_string(root.join("proc/cpuinfo")).unwrap();
    let flags: Vec<&str> = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap()
        .split(':')
        .nth(1)
        .unwrap()
        .split_whitespace()
        .collect();
    let virtio = |bus: &str, product: &str, class: &str| json!({"vendor_id": "1af4", "product_id": product, "class": class, "revision": "01", "bus": bus});
    let expected = json!({
        "cpu": {
            "model_name": "Intel(R) Xeon(R) Processor", "frequency": "2600.000", "count": 2,
            "architecture": "x86_64", "flags": flags, "socket_count": 1,
        },
        "memory": {"total": 24684084u64 * 1024, "physical_mb": 24576},
        "disks": [{
            "name": "/dev/vda", "model": null, "size": 274877906944u64, "rotational": true,
            "wwn": null, "serial": "overlayblk", "vendor": "0x1af4", "wwn_with_extension": null,
            "wwn_vendor_extension": null, "hctl": null, "by_path": null,
            "logical_sectors": 512, "physical_sectors": 4096, "tran": null,
            "extra": extra("vda", "254:0", 4096, 1073741824, 0, json!(null), json!(null), 0),
        }],
        "interfaces": [merge(nic("eth0", "02:fc:00:00:00:01"), json!({
            "ipv4_address": "192.0.2.2", "ipv6_address": "fd00::2", "vendor": "0x1af4",
            "product": "0x0001", "pci_address": "0000:00:03.0", "driver": "virtio_net",
        }))],
        "system_vendor": {
            "product_name": null, "serial_number": null, "manufacturer": null,
            "firmware": {"vendor": null, "version": null, "build_date": null}, "uuid": null,
        },
        "boot": {"current_boot_mode": "bios", "pxe_interface": null, "secure_boot": null},
        "bmc_address": null, "bmc_v6address": null, "bmc_mac": null, "bmc_device": null,
        "hostname": "vm",
        "pci_devices": [
            {"vendor_id": "8086", "product_id": "0d57", "class": "060000", "revision": "00", "bus": "0000:00:00.0"},
            virtio("0000:00:01.0", "1045", "ffff00"),
            virtio("0000:00:02.0", "1042", "018000"),
            virtio("0000:00:03.0", "1041", "020000"),
            virtio("0000:00:04.0", "1053", "ffff00"),
            virtio("0000:00:05.0", "1044", "ffff00"),
        ],
        "numa_topology": {
            "ram": [{"numa_node": 0, "size_kb": 9922764}],
            "cpus": [
                {"cpu": 0, "numa_node": 0, "thread_siblings": [0]},
                {"cpu": 1, "numa_node": 0, "thread_siblings": [1]},
            ],
            "nics": [],
        },
    });
    assert_same(&inv, &expected);
}

#[test]
fn include_loop_adds_loop_devices_but_never_empty_ones() {
    let inv = inventory_of(&fixture("uefi"), &["--include-loop", "--sections", "disks"]);
    let names: Vec<&str> = inv["disks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["/dev/loop0", "/dev/nvme0n1", "/dev/vda"]);
    assert_eq!(inv["disks"][0]["size"], 131072 * 512);
}

#[test]
fn sections_select_keys_and_bad_section_is_usage_error() {
    let inv = inventory_of(&fixture("server"), &["--sections", "cpu,bmc,hostname"]);
    let mut keys: Vec<&String> = inv.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "bmc_address",
            "bmc_device",
            "bmc_mac",
            "bmc_v6address",
            "cpu",
            "hostname",
            "inventory_digest"
        ]
    );
    for bad in ["-1", "nan", "inf", "601", "x"] {
        ironbox(&["inventory", "--lldp", "--lldp-timeout", bad])
            .run()
            .fails(2, "usage");
    }
    let err = ironbox(&["inventory", "--sections", "cpu,gpus"])
        .run()
        .fails(2, "usage");
    assert!(err["message"].as_str().unwrap().contains("gpus"), "{err}");
}

/// iBFT: every field of a hand-made /sys/firmware/ibft (tests/fixtures/ibft/make.sh), CHAP in
/// use reported without its secret; machines without an iBFT have no `iscsi_boot` key at all.
#[test]
fn iscsi_boot_from_ibft() {
    let root = fixtures().join("ibft").join("server");
    let inv = inventory_of(&root, &["--sections", "boot"]);
    assert_eq!(
        inv["iscsi_boot"],
        json!({
            "initiator_name": "iqn.2026-12.org.example:node-7",
            "nics": [
                {"index": 0, "mac_address": "52:54:00:aa:bb:01", "ip_address": "192.0.2.10",
                 "prefix_length": 24, "gateway": "192.0.2.1", "dhcp_server": "192.0.2.2",
                 "vlan": 0, "boot_selected": true, "origin": 3, "interface": "eno1"},
                {"index": 1, "mac_address": "52:54:00:aa:bb:02", "ip_address": "198.51.100.10",
                 "prefix_length": 26, "gateway": null, "dhcp_server": null,
                 "vlan": 100, "boot_selected": false, "origin": 1, "interface": "eno2"}
            ],
            "targets": [
                {"index": 0, "target_name": "iqn.2003-01.org.linux-iscsi.san:boot",
                 "ip_address": "192.0.2.50", "port": 3260, "lun": 0, "nic_index": 0,
                 "chap": "mutual", "chap_name": "node-7", "boot_selected": true},
                {"index": 1, "target_name": "iqn.2003-01.org.linux-iscsi.san:data",
                 "ip_address": "198.51.100.50", "port": 3261, "lun": 3, "nic_index": 1,
                 "chap": "none", "chap_name": null, "boot_selected": false}
            ]
        })
    );
    let text = inv.to_string();
    assert!(!text.contains("s3cret"), "a CHAP secret leaked: {text}");
    for machine in ["vm", "server", "uefi"] {
        let inv = inventory_of(&fixture(machine), &["--sections", "boot"]);
        assert!(inv.get("iscsi_boot").is_none(), "{machine}: {inv}");
    }
}

#[test]
fn sysroot_without_sys_or_proc_is_invalid_input() {
    let empty = tempfile::tempdir().unwrap();
    let err = ironbox(&["inventory"])
        .arg("--sysroot")
        .arg(empty.path())
        .run()
        .fails(2, "invalid_input");
    assert_eq!(err["sysroot"], empty.path().to_str().unwrap());
    assert!(
        err["message"].as_str().unwrap().contains("neither"),
        "{err}"
    );
}

/// Copies a fixture tree (links as links) so a test can change one fact.
fn copy_tree(src: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    sh(&format!(
        "cp -a {}/. {}",
        src.display(),
        dir.path().display()
    ));
    dir
}

#[test]
fn digest_follows_hardware_not_addresses() {
    let server = fixture("server");
    let (_, d1) = without_digest(inventory_of(&server, &[]));
    let (_, d2) = without_digest(inventory_of(&server, &[]));
    assert_eq!(d1, d2, "stable across runs");

    // A new IP address, a lost carrier and a new host name: same hardware, same digest.
    let t = copy_tree(&server);
    std::fs::write(t.path().join("proc/sys/kernel/hostname"), "renamed\n").unwrap();
    let eno3 = "sys/devices/pci0000:00/0000:00:1f.6/net/eno3";
    std::fs::write(t.path().join(eno3).join("carrier"), "1\n").unwrap();
    let inet6 = t.path().join("proc/net/if_inet6");
    std::fs::write(
        &inet6,
        "20010db8000000000000000000000099 05 40 00 80    bond0\n",
    )
    .unwrap();
    let (inv, d3) = without_digest(inventory_of(t.path(), &[]));
    assert_eq!(inv["hostname"], "renamed");
    assert_eq!(inv["interfaces"][0]["ipv6_address"], "2001:db8::99");
    assert_eq!(d1, d3);

    // A replaced disk: a different digest.
    let serial = "sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/nvme/nvme0/serial";
    std::fs::write(t.path().join(serial), "NEWSERIAL\n").unwrap();
    let (inv, d4) = without_digest(inventory_of(t.path(), &[]));
    assert_eq!(inv["disks"][0]["serial"], "NEWSERIAL");
    assert_ne!(d1, d4);
}

#[test]
fn truncated_smbios_table_degrades_to_nulls() {
    let t = copy_tree(&fixture("server"));
    let dmi = t.path().join("sys/firmware/dmi/tables/DMI");
    let table = std::fs::read(&dmi).unwrap();
    std::fs::write(&dmi, &table[..30]).unwrap();
    let inv = inventory_of(t.path(), &["--sections", "system_vendor,memory"]);
    // The BIOS structure is cut: no system structure, no DIMMs, so dmi/id (absent here) and the
    // rounded total are used.
    assert_eq!(inv["system_vendor"]["manufacturer"], Value::Null);
    assert_eq!(inv["memory"]["physical_mb"], 131072);
}

// ---- the live machine -------------------------------------------------------------------

#[test]
fn live_disks_match_lsblk() {
    let inv = ironbox(&["inventory", "--sections", "disks"]).run().ok();
    let lsblk: Value =
        serde_json::from_str(&sh("lsblk -J -b -d -o NAME,SIZE,ROTA,LOG-SEC,PHY-SEC")).unwrap();
    let disks = inv["disks"].as_array().unwrap();
    assert!(!disks.is_empty(), "this machine has at least one disk");
    for d in disks {
        let name = d["name"].as_str().unwrap().trim_start_matches("/dev/");
        let l = lsblk["blockdevices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .unwrap_or_else(|| panic!("{name} not in lsblk"));
        assert_eq!(d["size"], l["size"], "{name} size");
        assert_eq!(d["rotational"], l["rota"], "{name} rotational");
        assert_eq!(d["logical_sectors"], l["log-sec"], "{name} logical");
        assert_eq!(d["physical_sectors"], l["phy-sec"], "{name} physical");
        assert!(!name.starts_with("loop") && !name.starts_with("zram"));
    }
}

#[test]
fn live_loop_disk_with_4k_sectors_matches_lsblk() {
    require_root!();
    let disk = LoopDisk::with_sector_size(64 << 20, 4096);
    let inv = ironbox(&["inventory", "--sections", "disks", "--include-loop"])
        .run()
        .ok();
    let d = inv["disks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == disk.dev())
        .unwrap_or_else(|| panic!("{} not listed: {inv}", disk.dev()))
        .clone();
    let l: Value = serde_json::from_str(&sh(&format!(
        "lsblk -J -b -d -o NAME,SIZE,ROTA,LOG-SEC,PHY-SEC {}",
        disk.dev()
    )))
    .unwrap();
    let l = &l["blockdevices"][0];
    assert_eq!(d["size"], 64 << 20);
    assert_eq!(d["size"], l["size"]);
    assert_eq!(d["logical_sectors"], 4096);
    assert_eq!(d["logical_sectors"], l["log-sec"]);
    assert_eq!(d["physical_sectors"], l["phy-sec"]);
    assert_eq!(d["rotational"], l["rota"]);
    // Without --include-loop it is not listed.
    let inv = ironbox(&["inventory", "--sections", "disks"]).run().ok();
    assert!(!inv.to_string().contains(&format!("\"{}\"", disk.dev())));
}

#[test]
fn live_interfaces_match_ip_link() {
    let inv = ironbox(&["inventory", "--sections", "interfaces"])
        .run()
        .ok();
    let links: Value = serde_json::from_str(&sh("ip -j link")).unwrap();
    let links = links.as_array().unwrap();
    let ours = inv["interfaces"].as_array().unwrap();
    for i in ours {
        let name = i["name"].as_str().unwrap();
        assert_ne!(name, "lo");
        let l = links
            .iter()
            .find(|l| l["ifname"] == name)
            .unwrap_or_else(|| panic!("{name} not in ip link"));
        // ip shows the permanent address separately when it differs from the current one.
        let mac = l.get("permaddr").unwrap_or(&l["address"]);
        assert_eq!(i["mac_address"], *mac, "{name} mac");
        let up = l["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "LOWER_UP");
        assert_eq!(i["has_carrier"], up, "{name} carrier");
        assert_eq!(i["lldp"], Value::Null);
    }
    // Every physical ethernet device ip knows is reported.
    for l in links {
        let name = l["ifname"].as_str().unwrap();
        if Path::new(&format!("/sys/class/net/{name}/device")).exists() {
            assert!(ours.iter().any(|i| i["name"] == name), "{name} missing");
        }
    }
    // The first IPv4 address matches `ip -j addr`.
    let addrs: Value = serde_json::from_str(&sh("ip -j -4 addr")).unwrap();
    for a in addrs.as_array().unwrap() {
        let Some(i) = ours.iter().find(|i| i["name"] == a["ifname"]) else {
            continue;
        };
        let first = &a["addr_info"][0]["local"];
        assert_eq!(i["ipv4_address"], *first, "{}", a["ifname"]);
    }
}

#[test]
fn live_inventory_is_ipa_shaped() {
    // The harness validates the document against the published (closed) schema.
    let inv = ironbox(&["inventory"]).run().ok();
    assert!(inv["memory"]["total"].as_u64().unwrap() > 0, "{inv}");
    assert!(
        matches!(
            inv["boot"]["current_boot_mode"].as_str(),
            Some("uefi" | "bios")
        ),
        "{inv}"
    );
    let nproc: u64 = sh("nproc --all").trim().parse().unwrap();
    assert_eq!(inv["cpu"]["count"].as_u64(), Some(nproc));
    assert_eq!(inv["hostname"].as_str(), Some(sh("hostname").trim()));
}

/// The digest Ironic compares between inspections: a change in what is hashed (or how) would
/// read as a hardware change on every node, so the three machines' digests are pinned.
#[test]
fn fixture_digests_are_pinned() {
    for (m, want) in [
        (
            "vm",
            "46bdb30d8e3057488ca4b7e7ff26bbf889adc2716751f685d43a70aa9339f6f2",
        ),
        (
            "server",
            "8e2cd0a2f1fc6e90052d9cea134929d479983d831574e4603e1dceec06a0da89",
        ),
        (
            "uefi",
            "c69845230cf0f6818e82e0f6eef37c29763552204082b30fc815a594deec02a2",
        ),
    ] {
        let inv = inventory_of(&fixture(m), &[]);
        assert_eq!(inv["inventory_digest"], want, "{m}");
    }
}

#[test]
fn fixtures_are_ipa_shaped() {
    for m in ["vm", "server", "uefi"] {
        let inv = inventory_of(&fixture(m), &[]);
        assert_has_ipa_keys(&inv, m);
    }
}

#[test]
fn lldp_flag_lists_tlvs_or_nothing_within_its_timeout() {
    require_root!();
    let inv = ironbox(&[
        "inventory",
        "--sections",
        "interfaces",
        "--lldp",
        "--lldp-timeout",
        "0.2",
    ])
    .run()
    .ok();
    // No switch on this machine's links: each interface gets an empty TLV list, not null.
    for i in inv["interfaces"].as_array().unwrap() {
        assert!(i["lldp"].is_array(), "{i}");
    }
}

/// The keys of IPA's inventory (ironic_python_agent.hardware) that Ironic and its inspection
/// hooks read, object by object. The types and the absence of stray keys are the published
/// schema's business (man/schemas/inventory.json: closed objects, checked on every document a
/// test gets); what IPA's consumers need is this list, kept here, outside the code it checks.
const IPA_KEYS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "cpu",
            "memory",
            "disks",
            "interfaces",
            "system_vendor",
            "boot",
            "bmc_address",
            "bmc_v6address",
            "bmc_mac",
            "hostname",
            "pci_devices",
            "numa_topology",
        ],
    ),
    (
        "cpu",
        &[
            "model_name",
            "frequency",
            "count",
            "architecture",
            "flags",
            "socket_count",
        ],
    ),
    ("memory", &["total", "physical_mb"]),
    (
        "disks",
        &[
            "name",
            "model",
            "size",
            "rotational",
            "wwn",
            "serial",
            "vendor",
            "wwn_with_extension",
            "wwn_vendor_extension",
            "hctl",
            "by_path",
            "logical_sectors",
            "physical_sectors",
            "tran",
        ],
    ),
    (
        "interfaces",
        &[
            "name",
            "mac_address",
            "ipv4_address",
            "ipv6_address",
            "has_carrier",
            "lldp",
            "vendor",
            "product",
            "client_id",
            "biosdevname",
            "speed_mbps",
            "pci_address",
            "driver",
        ],
    ),
    (
        "system_vendor",
        &[
            "product_name",
            "serial_number",
            "manufacturer",
            "firmware",
            "uuid",
        ],
    ),
    (
        "system_vendor.firmware",
        &["vendor", "version", "build_date"],
    ),
    (
        "boot",
        &["current_boot_mode", "pxe_interface", "secure_boot"],
    ),
    (
        "pci_devices",
        &["vendor_id", "product_id", "class", "revision", "bus"],
    ),
    ("numa_topology", &["ram", "cpus", "nics"]),
    ("numa_topology.ram", &["numa_node", "size_kb"]),
    (
        "numa_topology.cpus",
        &["cpu", "numa_node", "thread_siblings"],
    ),
    ("numa_topology.nics", &["name", "numa_node"]),
];

/// Every object at `path` in `doc` (a list's elements, each), for IPA_KEYS.
fn objects_at<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut at = vec![doc];
    for step in path.split('.').filter(|s| !s.is_empty()) {
        at = at
            .into_iter()
            .flat_map(|v| match &v[step] {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            })
            .collect();
    }
    at
}

fn assert_has_ipa_keys(inv: &Value, what: &str) {
    for (path, keys) in IPA_KEYS {
        for obj in objects_at(inv, path) {
            for k in *keys {
                assert!(
                    obj.get(k).is_some(),
                    "{what}: IPA's key {path}.{k} is missing\n{obj:#}"
                );
            }
        }
    }
}

/// Follows $ref, a list's items and Option's anyOf [T, null] to an object's schema.
fn object_schema<'a>(defs: &'a Value, mut s: &'a Value) -> Value {
    loop {
        if let Some(r) = s["$ref"].as_str() {
            s = &defs[r.trim_start_matches("#/$defs/")];
        } else if s.get("items").is_some() {
            s = &s["items"];
        } else if let Some(any) = s["anyOf"].as_array() {
            s = any
                .iter()
                .find(|x| x["type"] != "null")
                .unwrap_or(&Value::Null);
        } else {
            return s.clone();
        }
    }
}

/// The published schema names every IPA key too, so a machine without some device (no NUMA
/// NICs, say) cannot hide a key the type lost.
#[test]
fn schema_has_every_ipa_key() {
    let schema = ironbox(&["inventory", "--report-schema"]).run().ok();
    let defs = schema["$defs"].clone();
    for (path, keys) in IPA_KEYS {
        let mut obj = object_schema(&defs, &schema);
        for step in path.split('.').filter(|s| !s.is_empty()) {
            obj = object_schema(&defs, &obj["properties"][step]);
        }
        assert_eq!(
            obj["additionalProperties"], false,
            "{path} is not closed: {obj:#}"
        );
        for k in *keys {
            assert!(
                obj["properties"].get(k).is_some(),
                "schema lacks IPA's key {path}.{k}: {obj:#}"
            );
        }
    }
}

// ---- a real kernel in QEMU: SMBIOS tables, the IPMI device, NVMe, UEFI ---------------------

/// Runs tests/fixtures/inventory/guest.sh and returns the guest's inventory, or None (skip).
fn guest_inventory(mode: &str) -> Value {
    let target = bin()
        .parent()
        .and_then(Path::parent)
        .expect("the binary lives in target/<profile>/")
        .to_path_buf();
    let work = tempfile::tempdir().unwrap();
    let script = fixtures().join("inventory/guest.sh");
    let kernel = std::env::var("IRONBOX_GUEST_KERNEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| target.join("guest/kernel"));
    let out = std::process::Command::new(&script)
        .arg(bin())
        .arg(work.path())
        .arg(mode)
        .env("IRONBOX_GUEST_KERNEL_DIR", &kernel)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    // 77: the guest could not be set up (tool, OVMF or kernel missing): a red test, not a skip.
    assert_ne!(
        out.status.code(),
        Some(77),
        "guest {mode} cannot run: {} (scripts/test installs qemu-system-x86, ovmf, busybox-static)",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = log
        .split("INVENTORY-BEGIN\n")
        .nth(1)
        .and_then(|rest| rest.split("\nINVENTORY-END").next())
        .unwrap_or_else(|| {
            panic!(
                "no inventory in the guest log:\n{log}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    serde_json::from_str(json.trim()).unwrap_or_else(|e| panic!("{e}: {json}"))
}

fn assert_guest_hardware(inv: &Value) {
    // Not printed through the harness: validated against the published schema here.
    common::schema::check(&["inventory".into()], inv);
    assert_has_ipa_keys(inv, "guest");
    // SMBIOS tables written by QEMU from -smbios, parsed by our own parser.
    assert_eq!(
        inv["system_vendor"],
        json!({
            "product_name": "Rocket-9", "serial_number": "SN-4242", "manufacturer": "Acme",
            "firmware": {"vendor": "IronboxBIOS", "version": "9.8.7", "build_date": "01/02/2025"},
            "uuid": "6a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9",
        })
    );
    // Type 17 memory devices sum to -m 512.
    assert_eq!(inv["memory"]["physical_mb"], 512);
    assert_eq!(inv["boot"]["pxe_interface"], "01-52-54-00-12-34-56");
    assert_eq!(inv["hostname"], "inventory-guest");
    assert_eq!(inv["cpu"]["count"], 2);
    // The IPMI ioctls reach the simulated BMC; it has no LAN channel, so no address (and no hang).
    assert_eq!(
        inv["bmc_device"],
        json!({"device_id": 32, "device_revision": 0, "firmware_version": "3.14",
               "ipmi_version": "2.0", "manufacturer_id": 4660, "product_id": 22136})
    );
    assert_eq!(inv["bmc_address"], Value::Null);
    assert_eq!(inv["bmc_mac"], Value::Null);
    let disks = inv["disks"].as_array().unwrap();
    let nvme = disks.iter().find(|d| d["name"] == "/dev/nvme0n1").unwrap();
    assert_eq!(nvme["serial"], "NVSERIAL1");
    assert_eq!(nvme["model"], "QEMU NVMe Ctrl");
    assert_eq!(nvme["size"], 32 << 20);
    assert_eq!(nvme["tran"], "nvme");
    let vda = disks.iter().find(|d| d["name"] == "/dev/vda").unwrap();
    assert_eq!(vda["serial"], "VSERIAL1");
    assert_eq!(vda["size"], 64 << 20);
    let eth0 = &inv["interfaces"][0];
    assert_eq!(eth0["name"], "eth0");
    assert_eq!(eth0["mac_address"], "52:54:00:12:34:56");
    assert_eq!(eth0["ipv4_address"], "10.0.2.15");
    assert_eq!(eth0["driver"], "virtio_net");
    assert_eq!(eth0["has_carrier"], true);
}

#[test]
fn guest_bios_real_kernel_smbios_ipmi_nvme() {
    require_root!();
    let inv = guest_inventory("bios");
    assert_guest_hardware(&inv);
    assert_eq!(
        inv["boot"],
        json!({"current_boot_mode": "bios", "pxe_interface": "01-52-54-00-12-34-56", "secure_boot": null})
    );
}

#[test]
fn guest_uefi_real_firmware() {
    require_root!();
    let inv = guest_inventory("uefi");
    assert_guest_hardware(&inv);
    assert_eq!(inv["boot"]["current_boot_mode"], "uefi");
    // OVMF without Secure Boot keys: the variable is absent (null) or off.
    assert!(
        matches!(inv["boot"]["secure_boot"], Value::Null | Value::Bool(false)),
        "{}",
        inv["boot"]
    );
}
