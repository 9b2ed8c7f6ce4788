//! The agent's documents on the wire, byte for byte: what Ironic gets from the API server
//! (faults, versions, status, command results of every extension) and the inspection body.
//! Ironic parses JSON, but these pin that a change of types changes no byte; serde_json here
//! has no preserve_order, so keys go out sorted.

use super::ext::{self, Ctx, Lookup, Params};
use super::server::{self, commands::Commands, http, token::Token};
use serde_json::{Value, json};
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// A stand-in for the ironbox binary: the report each subcommand would print.
const FAKE_IRONBOX: &str = r#"#!/bin/sh
case "$*" in
  *image-write*--partition*) echo '{"disk":"/dev/vda","root_uuid":"fs-uuid"}' ;;
  *image-write*) echo '{"disk":"/dev/vda","root_uuid":"disk-id"}' ;;
  *"configdrive write"*) echo '{"partition":{"node":"/dev/vda2","number":2}}' ;;
  *"bootloader uefi"*) echo '{"entries":[]}'; exit 1 ;;
  *bootloader*) echo '{"installed":true}' ;;
  *partition*) echo '{"disk":"/dev/vda","partitions":[{"number":1,"node":"/dev/vda1","fs_uuid":"AB12-CD34"},{"number":2,"node":"/dev/vda2"},{"number":3,"node":"/dev/vda3"}],"ipa":{"efi system partition":"/dev/vda1","configdrive":"/dev/vda2","root":"/dev/vda3"}}' ;;
  *erase*) echo '{"erased":[]}' ;;
  *) echo '{"error":{"kind":"usage","message":"unexpected"}}'; exit 2 ;;
esac
"#;

fn fake_ironbox() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("ironbox-wire-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("ironbox");
        std::fs::write(&p, FAKE_IRONBOX).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    })
    .clone()
}

fn ctx() -> Ctx {
    let mut c = Ctx::new(fake_ironbox(), "/nonexistent".into());
    c.started_at = 1700000000.5;
    c
}

fn params(v: Value) -> Params {
    v.as_object().cloned().unwrap()
}

/// Runs `<ext>.<method>` directly, as the command registry does.
fn call(c: &Ctx, name: &str, p: Value) -> ext::Outcome {
    let (e, m) = name.split_once('.').unwrap();
    let Lookup::Found(m) = ext::find(e, m) else {
        panic!("no {name}")
    };
    (m.run)(c, &params(p))
}

fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

#[track_caller]
fn pin(v: &Value, expected: &str) {
    assert_eq!(text(v), expected);
}

fn api(c: Ctx) -> server::Api {
    let api = server::Api {
        ctx: Arc::new(c),
        token: Token::default(),
        commands: Commands::default(),
    };
    api.token.set(Some("t".into()));
    api
}

/// What the server writes for a request: the status and the body's bytes (ids made stable).
fn answer(api: &server::Api, method: &str, target: &str, body: &str) -> (u16, String) {
    let raw = format!(
        "{method} {target} HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let req = http::read_request(&mut BufReader::new(raw.as_bytes()), &http::LIMITS).unwrap();
    let server::Answer(status, mut v) = api.handle(&req);
    if v.get("id").is_some() {
        v["id"] = json!("ID");
    }
    if let Some(Value::Array(l)) = v.get_mut("commands") {
        for e in l {
            e["id"] = json!("ID");
        }
    }
    (status, serde_json::to_string(&v).unwrap())
}

#[test]
fn server_documents() {
    let api = api(ctx());
    assert_eq!(
        answer(&api, "GET", "/v1/status", ""),
        (
            401,
            r#"{"faultcode":"Client","faultstring":"401 Unauthorized: Token invalid."}"#.into()
        )
    );
    assert_eq!(
        answer(&api, "GET", "/?agent_token=t", ""),
        (
            200,
            r#"{"default_version":{"id":"v1"},"name":"OpenStack Ironic Python Agent API (ironbox)","versions":[{"id":"v1"}]}"#.into()
        )
    );
    let v = crate::agent::heartbeat::AGENT_VERSION;
    assert_eq!(
        answer(&api, "GET", "/v1/status?agent_token=t", ""),
        (
            200,
            format!(r#"{{"started_at":1700000000.5,"version":"{v}"}}"#)
        )
    );
    assert_eq!(
        answer(&api, "GET", "/v1/commands/?agent_token=t", ""),
        (200, r#"{"commands":[]}"#.into())
    );
    assert_eq!(
        answer(&api, "GET", "/v1/commands/nope?agent_token=t", ""),
        (
            404,
            r#"{"faultcode":"Client","faultstring":"Not found: Command not found."}"#.into()
        )
    );
    assert_eq!(
        answer(&api, "PUT", "/v1/status?agent_token=t", ""),
        (
            405,
            r#"{"faultcode":"Client","faultstring":"405 Method Not Allowed"}"#.into()
        )
    );
    assert_eq!(
        answer(&api, "POST", "/v1/commands?agent_token=t", "{}").1,
        r#"{"faultcode":"Client","faultstring":"400 Bad Request: Missing or invalid name or params"}"#
    );
    let steps = r#"{"name": "clean.get_clean_steps", "params": {"node": {}}}"#;
    assert_eq!(
        answer(&api, "POST", "/v1/commands/?wait=true&agent_token=t", steps),
        (
            200,
            r#"{"command_error":null,"command_name":"get_clean_steps","command_result":{"clean_steps":{"ironbox_hardware_manager":[{"abortable":true,"interface":"deploy","priority":10,"reboot_requested":false,"step":"erase_devices"},{"abortable":true,"interface":"deploy","priority":99,"reboot_requested":false,"step":"erase_devices_metadata"},{"abortable":true,"interface":"deploy","priority":0,"reboot_requested":false,"step":"erase_devices_express"},{"abortable":true,"interface":"deploy","priority":0,"reboot_requested":false,"step":"clean_uefi_nvram"}]},"hardware_manager_version":{"ironbox_hardware_manager":"1.0"}},"command_status":"SUCCEEDED","id":"ID"}"#.into()
        )
    );
    assert_eq!(
        answer(&api, "GET", "/v1/commands?agent_token=t", "").1,
        r#"{"commands":[{"command_error":null,"command_name":"get_clean_steps","command_result":{"clean_steps":{"ironbox_hardware_manager":[{"abortable":true,"interface":"deploy","priority":10,"reboot_requested":false,"step":"erase_devices"},{"abortable":true,"interface":"deploy","priority":99,"reboot_requested":false,"step":"erase_devices_metadata"},{"abortable":true,"interface":"deploy","priority":0,"reboot_requested":false,"step":"erase_devices_express"},{"abortable":true,"interface":"deploy","priority":0,"reboot_requested":false,"step":"clean_uefi_nvram"}]},"hardware_manager_version":{"ironbox_hardware_manager":"1.0"}},"command_status":"SUCCEEDED","id":"ID"}]}"#
    );
    let bad = r#"{"name": "clean.execute_clean_step", "params": {"step": {"step": "burnin_cpu", "priority": 1}}}"#;
    assert_eq!(
        answer(&api, "POST", "/v1/commands/?wait=true&agent_token=t", bad).1,
        r#"{"command_error":{"code":500,"details":"Unknown clean step burnin_cpu: ironbox implements erase_devices, erase_devices_metadata, erase_devices_express, clean_uefi_nvram","message":"Command execution failed","type":"CommandExecutionError"},"command_name":"execute_clean_step","command_result":null,"command_status":"FAILED","id":"ID"}"#
    );
    let old = r#"{"name": "clean.execute_clean_step", "params": {"step": {"step": "erase_devices"}, "clean_version": {"generic_hardware_manager": "1.1"}}}"#;
    assert_eq!(
        answer(&api, "POST", "/v1/commands/?wait=true&agent_token=t", old).1,
        r#"{"command_error":{"code":500,"details":"Current versions: {\"ironbox_hardware_manager\":\"1.0\"}, versions provided by node: {\"generic_hardware_manager\":\"1.1\"}","message":"Hardware managers version mismatch, reload agent with correct version","type":"VersionMismatch"},"command_name":"execute_clean_step","command_result":null,"command_status":"CLEAN_VERSION_MISMATCH","id":"ID"}"#
    );
    let sync = r#"{"name": "standby.sync", "params": {}}"#;
    assert_eq!(
        answer(&api, "POST", "/v1/commands/?agent_token=t", sync).1,
        r#"{"command_error":null,"command_name":"sync","command_result":null,"command_status":"SUCCEEDED","id":"ID"}"#
    );
}

#[test]
fn step_documents() {
    let c = ctx();
    pin(
        &call(&c, "deploy.get_deploy_steps", json!({"node": {}})).unwrap(),
        r#"{"deploy_steps":{"ironbox_hardware_manager":[{"interface":"deploy","priority":0,"reboot_requested":false,"step":"erase_devices_metadata"},{"interface":"deploy","priority":0,"reboot_requested":false,"step":"clean_uefi_nvram"},{"interface":"deploy","priority":0,"reboot_requested":false,"step":"write_image"}]},"hardware_manager_version":{"ironbox_hardware_manager":"1.0"}}"#,
    );
    pin(
        &call(
            &c,
            "clean.execute_clean_step",
            json!({"step": {"step": "erase_devices_metadata", "priority": 99, "interface": "deploy"}}),
        )
        .unwrap(),
        r#"{"clean_result":{"erased":[]},"clean_step":{"interface":"deploy","priority":99,"step":"erase_devices_metadata"}}"#,
    );
    pin(
        &call(
            &c,
            "deploy.execute_deploy_step",
            json!({"step": {"step": "clean_uefi_nvram", "args": {"match_patterns": ["a", "b"]}}}),
        )
        .unwrap(),
        r#"{"deploy_result":{"installed":true},"deploy_step":{"args":{"match_patterns":["a","b"]},"step":"clean_uefi_nvram"}}"#,
    );
    let e = call(
        &c,
        "deploy.execute_deploy_step",
        json!({"step": {"args": {}}}),
    )
    .unwrap_err();
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        r#"{"type":"InvalidCommandParamsError","code":400,"message":"Invalid command parameters","details":"Malformed step, no \"step\" key: {\"args\":{}}"}"#
    );
}

const INFO: &str =
    r#""urls": ["http://h/i.raw"], "os_hash_algo": "sha256", "os_hash_value": "ab", "id": "img-1""#;

#[test]
fn whole_disk_documents() {
    let c = ctx();
    pin(
        &call(&c, "standby.get_partition_uuids", json!({})).unwrap(),
        "{}",
    );
    let p: Value = serde_json::from_str(&format!(
        r#"{{"image_info": {{{INFO}}}, "configdrive": "http://h/cd"}}"#
    ))
    .unwrap();
    pin(
        &call(&c, "standby.prepare_image", p).unwrap(),
        r#"{"configdrive":{"partition":{"node":"/dev/vda2","number":2}},"image_write":{"disk":"/dev/vda","root_uuid":"disk-id"},"result":"prepare_image: image (img-1) written to device /dev/vda "}"#,
    );
    pin(
        &call(&c, "standby.get_partition_uuids", json!({})).unwrap(),
        r#"{"config drive":{"node":"/dev/vda2","number":2},"root uuid":"disk-id"}"#,
    );
    let p: Value = serde_json::from_str(&format!(
        r#"{{"step": {{"step": "write_image", "args": {{"image_info": {{{INFO}}}}}}}}}"#
    ))
    .unwrap();
    pin(
        &call(&c, "deploy.execute_deploy_step", p).unwrap(),
        r#"{"deploy_result":{"image_write":{"disk":"/dev/vda","root_uuid":"disk-id"},"result":"prepare_image: image (img-1) written to device /dev/vda "},"deploy_step":{"args":{"image_info":{"id":"img-1","os_hash_algo":"sha256","os_hash_value":"ab","urls":["http://h/i.raw"]}},"step":"write_image"}}"#,
    );
    pin(
        &call(&c, "standby.get_partition_uuids", json!({})).unwrap(),
        r#"{"root uuid":"disk-id"}"#,
    );
    pin(
        &call(
            &c,
            "image.install_bootloader",
            json!({"target_boot_mode": "bios"}),
        )
        .unwrap(),
        r#"{"result":"whole-disk image in BIOS mode: its own boot loader is used"}"#,
    );
    pin(
        &call(
            &c,
            "image.install_bootloader",
            json!({"target_boot_mode": "uefi"}),
        )
        .unwrap(),
        r#"{"skipped":"ironbox bootloader uefi failed (exit 1): {\"entries\":[]}"}"#,
    );
    for m in ["system.lockdown", "standby.sync"] {
        pin(&call(&c, m, json!({})).unwrap(), "null");
    }
    let logs = call(&c, "log.collect_system_logs", json!({})).unwrap();
    let keys: Vec<&String> = logs.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["system_logs"]);
    assert!(logs["system_logs"].is_string());
}

#[test]
fn partition_image_documents() {
    let c = ctx();
    let p: Value = serde_json::from_str(&format!(
        r#"{{"image_info": {{{INFO}, "image_type": "partition", "root_mb": 1024, "deploy_boot_mode": "uefi"}}, "configdrive": "http://h/cd"}}"#
    ))
    .unwrap();
    pin(
        &call(&c, "standby.prepare_image", p).unwrap(),
        r#"{"configdrive":{"partition":{"node":"/dev/vda2","number":2}},"image_write":{"disk":"/dev/vda","root_uuid":"fs-uuid"},"partition":{"disk":"/dev/vda","ipa":{"configdrive":"/dev/vda2","efi system partition":"/dev/vda1","root":"/dev/vda3"},"partitions":[{"fs_uuid":"AB12-CD34","node":"/dev/vda1","number":1},{"node":"/dev/vda2","number":2},{"node":"/dev/vda3","number":3}]},"result":"prepare_image: image (img-1) written to device /dev/vda root_uuid=fs-uuid efi_system_partition_uuid=AB12-CD34"}"#,
    );
    pin(
        &call(&c, "standby.get_partition_uuids", json!({})).unwrap(),
        r#"{"config drive":{"node":"/dev/vda2","number":2},"efi system partition uuid":"AB12-CD34","partitions":{"configdrive":"/dev/vda2","efi system partition":"/dev/vda1","root":"/dev/vda3"},"root uuid":"fs-uuid"}"#,
    );
    let boot = json!({"root_uuid": "fs-uuid", "efi_system_part_uuid": "AB12-CD34",
        "target_boot_mode": "uefi"});
    let e = call(&c, "image.install_bootloader", boot.clone()).unwrap_err();
    assert!(e.details.contains("disabled by Ironic"), "{}", e.details);
    c.bios_bootloader_install
        .store(true, std::sync::atomic::Ordering::Relaxed);
    pin(
        &call(&c, "image.install_bootloader", boot).unwrap(),
        r#"{"bootloader":{"installed":true}}"#,
    );
}

/// A refused param is the command's FAILED result with IPA's 400 error naming it and the value.
#[test]
fn refused_params() {
    let c = ctx();
    let details = |name: &str, p: Value| {
        let e = call(&c, name, p).unwrap_err();
        assert_eq!(
            (e.kind.as_str(), e.code),
            ("InvalidCommandParamsError", 400)
        );
        e.details
    };
    assert_eq!(
        details(
            "standby.prepare_image",
            json!({"image_info": {"image_type": "partition", "ephemeral_mb": 1.5}})
        ),
        "image_info ephemeral_mb must be a whole number of MiB, got 1.5"
    );
    assert_eq!(
        details(
            "deploy.execute_deploy_step",
            json!({"step": {"step": "write_image", "args": {"image_info": {"root_mb": [1]}}}})
        ),
        "image_info root_mb must be a whole number of MiB, got [1]"
    );
    assert_eq!(
        details("standby.prepare_image", json!({"image_info": null})),
        "image_info has no urls"
    );
    // parsed once for the whole command: refused on the whole-disk path too
    assert_eq!(
        details(
            "image.install_bootloader",
            json!({"target_boot_mode": "bios", "ignore_bootloader_failure": "yes"})
        ),
        r#"ignore_bootloader_failure must be true or false, got "yes""#
    );
    let api = api(ctx());
    let body =
        r#"{"name": "standby.prepare_image", "params": {"image_info": {"root_mb": "lots"}}}"#;
    assert_eq!(
        answer(&api, "POST", "/v1/commands/?wait=true&agent_token=t", body).1,
        r#"{"command_error":{"code":400,"details":"image_info root_mb must be a whole number of MiB, got \"lots\"","message":"Invalid command parameters","type":"InvalidCommandParamsError"},"command_name":"prepare_image","command_result":null,"command_status":"FAILED","id":"ID"}"#
    );
    let bad = r#"{"name": "standby.sync", "params": []}"#;
    assert_eq!(
        answer(&api, "POST", "/v1/commands/?agent_token=t", bad),
        (
            400,
            r#"{"faultcode":"Client","faultstring":"400 Bad Request: Missing or invalid name or params"}"#.into()
        )
    );
}

#[test]
fn inspection_body() {
    let inv = json!({
        "interfaces": [{"name": "a", "mac_address": null}, {"name": "b", "mac_address": "52:54:00:00:00:01"}],
        "disks": [{"name": "/dev/vda", "size": 8u64 << 30}],
        "boot": {"pxe_interface": "52:54:00:00:00:01", "current_boot_mode": "bios"},
        "pci_devices": [{"vendor_id": "1af4"}],
        "numa_topology": {"nics": []},
    });
    let v = crate::agent::heartbeat::AGENT_VERSION;
    let conf = format!(
        r#""configuration":{{"collectors":["default","pci-devices","numa-topology"],"managers":[{{"name":"ironbox","version":"{v}"}}]}}"#
    );
    // as api::call sends it: through a Value
    let body = |i| {
        serde_json::to_value(super::inspection::body(i))
            .unwrap()
            .to_string()
    };
    assert_eq!(
        body(Ok(inv)),
        format!(
            r#"{{"boot_interface":"52:54:00:00:00:01",{conf},"error":null,"inventory":{{"boot":{{"current_boot_mode":"bios","pxe_interface":"52:54:00:00:00:01"}},"disks":[{{"name":"/dev/vda","size":8589934592}}],"interfaces":[{{"mac_address":"52:54:00:00:00:01","name":"b"}}]}},"numa_topology":{{"nics":[]}},"pci_devices":[{{"vendor_id":"1af4"}}],"root_disk":{{"name":"/dev/vda","size":8589934592}}}}"#
        )
    );
    assert_eq!(
        body(Ok(json!({"interfaces": [], "disks": []}))),
        format!(
            r#"{{"boot_interface":null,{conf},"error":"no network interface with a MAC address was found","inventory":{{"disks":[]}},"root_disk":null}}"#
        )
    );
    assert_eq!(
        body(Ok(json!([1]))),
        format!(r#"{{{conf},"error":"the inventory is not a JSON object"}}"#)
    );
    assert_eq!(
        body(Err("boom".into())),
        format!(r#"{{{conf},"error":"cannot collect the inventory: boom"}}"#)
    );
}
