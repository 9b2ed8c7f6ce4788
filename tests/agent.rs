//! `ironbox agent` against a fake Ironic on 127.0.0.1 written here (threads, std only): lookup
//! retried through 404s, heartbeats with IPA's JSON and headers, a refused heartbeat leading to
//! a new lookup, the API down and back, hostile answers, and the inspection POST's body.

mod common;

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: String,
}

impl Req {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// The fake answers with `handler(request, how many earlier requests had this path prefix)`.
type Handler = Box<dyn FnMut(&Req, usize) -> (u16, String) + Send>;

struct FakeIronic {
    port: u16,
    log: Arc<Mutex<Vec<Req>>>,
    down: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

fn read_request(s: &mut TcpStream) -> Option<Req> {
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut r = BufReader::new(s.try_clone().ok()?);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Req {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// The route prefix a request counts under.
fn route(path: &str) -> &str {
    for p in ["/v1/lookup", "/v1/heartbeat", "/v1/continue_inspection"] {
        if path.starts_with(p) {
            return p;
        }
    }
    path
}

impl FakeIronic {
    fn start(mut handler: Handler) -> FakeIronic {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::<Req>::new()));
        let down = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (l2, d2, s2) = (log.clone(), down.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut listener = Some(listener);
            while !s2.load(Ordering::SeqCst) {
                if d2.load(Ordering::SeqCst) {
                    // Down: no listener at all, so connections are refused.
                    listener = None;
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                let l = listener.get_or_insert_with(|| {
                    let l = TcpListener::bind(("127.0.0.1", port)).expect("rebind the port");
                    l.set_nonblocking(true).unwrap();
                    l
                });
                l.set_nonblocking(true).unwrap();
                let Ok((mut s, _)) = l.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                s.set_nonblocking(false).unwrap();
                let Some(req) = read_request(&mut s) else {
                    continue;
                };
                let n = l2
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|r| route(&r.path) == route(&req.path))
                    .count();
                let (code, body) = handler(&req, n);
                l2.lock().unwrap().push(req);
                let head = format!(
                    "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(head.as_bytes());
                let _ = s.write_all(body.as_bytes());
            }
        });
        FakeIronic {
            port,
            log,
            down,
            stop,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self, prefix: &str) -> Vec<Req> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| route(&r.path) == prefix)
            .cloned()
            .collect()
    }

    /// Waits (bounded, generously) until `n` requests under `prefix` arrived.
    fn wait_for(&self, prefix: &str, n: usize, agent: &mut Agent) -> Vec<Req> {
        let end = Instant::now() + Duration::from_secs(90);
        loop {
            let got = self.requests(prefix);
            if got.len() >= n {
                return got;
            }
            if let Ok(Some(st)) = agent.child.try_wait() {
                panic!("agent exited ({st}) early:\n{}", agent.stderr());
            }
            assert!(
                Instant::now() < end,
                "only {} of {n} {prefix} requests; agent stderr:\n{}",
                got.len(),
                agent.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for FakeIronic {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Ironic's `GET /` answer: version negotiation as IPA does it takes min(1.115, 1.62).
fn root() -> (u16, String) {
    (
        200,
        json!({"default_version": {"id": "v1", "version": "1.115", "min_version": "1.1"}})
            .to_string(),
    )
}

fn lookup_ok(token: &str) -> (u16, String) {
    (
        200,
        json!({"node": {"uuid": "1be26c0b-03f2-4d2e-ae87-c02d7f33c123"},
               "config": {"heartbeat_timeout": 2, "agent_token": token,
                          "agent_token_required": true}})
        .to_string(),
    )
}

/// A fake Ironic that finds the node (token tok-1) and accepts every heartbeat.
fn accepting_ironic() -> FakeIronic {
    FakeIronic::start(Box::new(|req, _| match route(&req.path) {
        "/" => root(),
        "/v1/lookup" => lookup_ok("tok-1"),
        "/v1/heartbeat" => (202, String::new()),
        _ => (500, String::new()),
    }))
}

struct Agent {
    child: Child,
    dir: tempfile::TempDir,
}

impl Agent {
    fn start(cmdline: &str, env: &[(&str, &Path)]) -> Agent {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cmdline"), cmdline).unwrap();
        let stderr = std::fs::File::create(dir.path().join("stderr")).unwrap();
        let mut cmd = Command::new(common::bin());
        cmd.args(["--progress", "none", "agent", "--network-wait", "1"])
            .arg("--cmdline")
            .arg(dir.path().join("cmdline"))
            .arg("--state-dir")
            .arg(dir.path().join("state"))
            .stdout(Stdio::piped())
            .stderr(stderr)
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        Agent {
            child: cmd.spawn().unwrap(),
            dir,
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr")).unwrap_or_default()
    }

    fn state(&self, name: &str) -> PathBuf {
        self.dir.path().join("state").join(name)
    }

    /// Waits for the agent to end by itself (inspection only); its exit code, JSON report,
    /// stderr and inspection.json.
    fn finish(mut self) -> (i32, Value, String, Value) {
        let end = Instant::now() + Duration::from_secs(90);
        let status = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break st;
            }
            assert!(
                Instant::now() < end,
                "agent did not finish:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut out = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        let saved = std::fs::read_to_string(self.state("inspection.json")).unwrap_or_default();
        let saved = serde_json::from_str(&saved).unwrap_or(Value::Null);
        (status.code().unwrap_or(-1), json, self.stderr(), saved)
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const UUID: &str = "1be26c0b-03f2-4d2e-ae87-c02d7f33c123";

#[test]
fn lookup_retried_through_404_then_heartbeats() {
    let fake = FakeIronic::start(Box::new(|req, n| match route(&req.path) {
        "/" => root(),
        "/v1/lookup" if n < 2 => (
            404,
            r#"{"error_message": "{\"faultstring\": \"Node not found\"}"}"#.into(),
        ),
        "/v1/lookup" => lookup_ok("tok-1"),
        "/v1/heartbeat" => (202, String::new()),
        _ => (500, String::new()),
    }));
    let mut agent = Agent::start(
        &format!(
            "ro BOOTIF=01-52-54-00-AA-BB-CC ipa-api-url={}/ ipa-lookup-interval=0.1 \
             ipa-global-request-id=req-7e2 sshkey=\"ssh-ed25519 AAAA x@y\"\n",
            fake.url()
        ),
        &[],
    );
    let beats = fake.wait_for("/v1/heartbeat", 2, &mut agent);
    let lookups = fake.requests("/v1/lookup");
    assert_eq!(lookups.len(), 3, "two 404s then 200");
    for l in &lookups {
        assert_eq!(l.method, "GET");
        assert!(
            l.path.starts_with("/v1/lookup?addresses=52:54:00:aa:bb:cc"),
            "BOOTIF's MAC first: {}",
            l.path
        );
        assert_eq!(l.headers["x-openstack-ironic-api-version"], "1.62");
        assert_eq!(l.headers["x-openstack-request-id"], "req-7e2");
    }
    let hb = &beats[0];
    assert_eq!(hb.method, "POST");
    assert_eq!(hb.path, format!("/v1/heartbeat/{UUID}"));
    // heartbeats go up to 1.68, where Ironic accepts agent_verify_ca (IPA's automatic TLS)
    assert_eq!(hb.headers["x-openstack-ironic-api-version"], "1.68");
    assert_eq!(hb.headers["content-type"], "application/json");
    let body = hb.json();
    assert_eq!(body["callback_url"], "https://127.0.0.1:9999");
    assert_eq!(body["agent_token"], "tok-1");
    assert!(body["agent_version"].is_string());
    // the API's certificate (absent only when another test's agent holds port 9999)
    let ca = &body["agent_verify_ca"];
    assert!(
        ca.is_null()
            || ca
                .as_str()
                .is_some_and(|c| c.starts_with("-----BEGIN CERTIFICATE-----")),
        "{ca}"
    );
    // The status file says where the agent is, and never holds the token.
    let end = Instant::now() + Duration::from_secs(30);
    let status = loop {
        let text = std::fs::read_to_string(agent.state("agent.json")).unwrap_or_default();
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if v["heartbeats"].as_u64().unwrap_or(0) >= 2 {
            assert!(!text.contains("tok-1"), "token in agent.json: {text}");
            break v;
        }
        assert!(Instant::now() < end, "agent.json: {text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status["state"], "heartbeating");
    assert_eq!(status["node_uuid"], UUID);
    assert_eq!(status["lookups"], 3);
    let log = agent.stderr();
    assert!(log.contains("Node not found"), "{log}");
    assert!(log.contains("heartbeating for node"), "{log}");
}

#[test]
fn refused_heartbeat_looks_up_again() {
    let fake = FakeIronic::start(Box::new(|req, n| {
        match route(&req.path) {
        "/" => root(),
        "/v1/lookup" if n == 0 => lookup_ok("tok-1"),
        "/v1/lookup" => lookup_ok("tok-2"),
        // The token was wiped by a power action: Ironic refuses it.
        "/v1/heartbeat" if n == 0 => (401, r#"{"error_message": "{\"faultstring\": \"Invalid or missing agent token received.\"}"}"#.into()),
        "/v1/heartbeat" => (202, String::new()),
        _ => (500, String::new()),
    }
    }));
    let mut agent = Agent::start(
        &format!(
            "ipa-api-url={} ipa-lookup-interval=0.1 ipa-advertise-host=127.0.0.2",
            fake.url()
        ),
        &[],
    );
    let beats = fake.wait_for("/v1/heartbeat", 2, &mut agent);
    assert_eq!(fake.requests("/v1/lookup").len(), 2);
    assert_eq!(beats[0].json()["agent_token"], "tok-1");
    assert_eq!(beats[1].json()["agent_token"], "tok-2");
    assert_eq!(beats[1].json()["callback_url"], "https://127.0.0.2:9999");
    assert!(
        agent.stderr().contains("looking up again"),
        "{}",
        agent.stderr()
    );
}

#[test]
fn api_down_then_back_recovers() {
    let fake = accepting_ironic();
    let mut agent = Agent::start(
        &format!("ipa-api-url={} ipa-lookup-interval=0.1", fake.url()),
        &[],
    );
    fake.wait_for("/v1/heartbeat", 1, &mut agent);
    fake.down.store(true, Ordering::SeqCst);
    // Long enough for several refused connections (heartbeat backoff starts at 1 s).
    std::thread::sleep(Duration::from_secs(4));
    let before = fake.requests("/v1/heartbeat").len();
    fake.down.store(false, Ordering::SeqCst);
    fake.wait_for("/v1/heartbeat", before + 2, &mut agent);
    let log = agent.stderr();
    assert!(log.contains("heartbeat failed"), "{log}");
    assert!(
        agent.child.try_wait().unwrap().is_none(),
        "the agent must stay up"
    );
}

#[test]
fn hostile_answers_are_logged_and_retried() {
    let fake = FakeIronic::start(Box::new(|req, n| {
        match route(&req.path) {
        "/" if n == 0 => (200, "<html>not json</html>".into()),
        "/" => root(),
        // 2 MiB: over the agent's body limit.
        "/v1/lookup" if n == 0 => (200, format!("{{\"x\": \"{}\"}}", "a".repeat(2 << 20))),
        "/v1/lookup" if n == 1 => (200, "{\"node\": ".into()),
        "/v1/lookup" if n == 2 => (
            200,
            json!({"node": {"uuid": UUID}, "config": {"agent_token": "******", "agent_token_required": true}}).to_string(),
        ),
        "/v1/lookup" => lookup_ok("tok-9"),
        "/v1/heartbeat" => (202, String::new()),
        _ => (500, String::new()),
    }
    }));
    let mut agent = Agent::start(
        &format!("ipa-api-url={} ipa-lookup-interval=0.1", fake.url()),
        &[],
    );
    let beats = fake.wait_for("/v1/heartbeat", 1, &mut agent);
    assert_eq!(beats[0].json()["agent_token"], "tok-9");
    let log = agent.stderr();
    assert!(!log.contains("panicked"), "{log}");
    assert!(log.contains("not json"), "{log}");
    assert!(log.contains("larger than"), "{log}");
    assert!(log.contains("agent_token"), "{log}");
}

#[test]
fn inspection_posts_ipa_body() {
    let fake = FakeIronic::start(Box::new(|req, n| match route(&req.path) {
        "/v1/continue_inspection" if n == 0 => (503, String::new()),
        "/v1/continue_inspection" => (202, json!({"uuid": UUID}).to_string()),
        _ => (500, String::new()),
    }));
    let agent = Agent::start(
        &format!(
            "ipa-inspection-callback-url={}/v1/continue_inspection",
            fake.url()
        ),
        &[],
    );
    let (code, report, log, saved) = agent.finish();
    assert_eq!(code, 0, "{report}\n{log}");
    assert_eq!(report["inspection"]["result"], "accepted");
    assert_eq!(saved["result"], "accepted");
    assert_eq!(report["inspection"]["attempts"], 2);
    let posts = fake.requests("/v1/continue_inspection");
    let body = posts[1].json();
    assert!(
        !posts[1]
            .headers
            .contains_key("x-openstack-ironic-api-version")
    );
    for key in [
        "inventory",
        "root_disk",
        "pci_devices",
        "numa_topology",
        "boot_interface",
    ] {
        assert!(body.get(key).is_some(), "{key} missing: {body}");
    }
    assert!(body["configuration"]["collectors"].is_array());
    for i in body["inventory"]["interfaces"]
        .as_array()
        .into_iter()
        .flatten()
    {
        assert!(i["mac_address"].is_string(), "null MAC sent: {i}");
    }
    assert!(body["inventory"].get("pci_devices").is_none());
}

#[test]
fn inspection_reports_inventory_error_and_rejection() {
    let fake = FakeIronic::start(Box::new(|req, _| match route(&req.path) {
        "/v1/continue_inspection" => (
            400,
            r#"{"error_message": "{\"faultstring\": \"Ramdisk reported error: no inventory\"}"}"#
                .into(),
        ),
        _ => (500, String::new()),
    }));
    let empty = tempfile::tempdir().unwrap();
    let agent = Agent::start(
        &format!(
            "ipa-inspection-callback-url={}/v1/continue_inspection",
            fake.url()
        ),
        &[("IRONBOX_SYSROOT", empty.path())],
    );
    let (code, report, log, saved) = agent.finish();
    assert_eq!(code, 0, "{report}\n{log}");
    assert_eq!(report["inspection"]["result"], "rejected");
    assert_eq!(saved["status"], 400);
    assert_eq!(
        report["inspection"]["message"],
        "Ramdisk reported error: no inventory"
    );
    let posts = fake.requests("/v1/continue_inspection");
    assert_eq!(posts.len(), 1, "a 400 is not retried");
    let body = posts[0].json();
    assert!(
        body["error"].as_str().unwrap().contains("sysroot"),
        "{body}"
    );
    assert!(log.contains("rejected"), "{log}");
}

#[test]
fn no_ironic_parameters_is_invalid_input() {
    let agent = Agent::start("ro quiet", &[]);
    let (code, report, _, _) = agent.finish();
    assert_eq!(code, 2);
    assert_eq!(report["error"]["kind"], "invalid_input");
}

/// A DNS responder on 127.0.0.1 (UDP): `ironic.test` A → 127.0.0.1, no AAAA, NXDOMAIN for
/// anything else. Returns its port and the names asked.
fn dns_responder() -> (u16, Arc<Mutex<Vec<String>>>) {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sock.local_addr().unwrap().port();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let a2 = asked.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok((n, peer)) = sock.recv_from(&mut buf) {
            let q = &buf[..n];
            // The question name, label by label (the agent never compresses its query).
            let (mut i, mut labels) = (12, Vec::new());
            while i < n && q[i] != 0 {
                let l = q[i] as usize;
                labels.push(String::from_utf8_lossy(&q[i + 1..i + 1 + l]).into_owned());
                i += 1 + l;
            }
            let name = labels.join(".");
            let qtype = u16::from_be_bytes([q[i + 1], q[i + 2]]);
            a2.lock().unwrap().push(format!("{name}/{qtype}"));
            let mut m = q[..i + 5].to_vec();
            let known = name == "ironic.test";
            m[2] = 0x81;
            m[3] = if known { 0x80 } else { 0x83 };
            if known && qtype == 1 {
                m[7] = 1;
                m.extend_from_slice(&[0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 127, 0, 0, 1]);
            }
            let _ = sock.send_to(&m, peer);
        }
    });
    (port, asked)
}

#[test]
fn api_host_name_resolved_through_resolv_conf_and_hosts() {
    let fake = accepting_ironic();
    let (dns_port, asked) = dns_responder();
    let files = tempfile::tempdir().unwrap();
    let resolv = files.path().join("resolv.conf");
    std::fs::write(
        &resolv,
        format!("search nowhere.invalid\nnameserver 127.0.0.1:{dns_port}\noptions timeout:2\n"),
    )
    .unwrap();
    let hosts = files.path().join("hosts");
    std::fs::write(&hosts, "127.0.0.1 localhost\n127.0.0.1 ironic-by-hosts\n").unwrap();
    // Through DNS.
    let mut agent = Agent::start(
        &format!(
            "ipa-api-url=http://ironic.test:{} ipa-lookup-interval=0.1",
            fake.port
        ),
        &[("IRONBOX_RESOLV_CONF", &resolv), ("IRONBOX_HOSTS", &hosts)],
    );
    let beats = fake.wait_for("/v1/heartbeat", 1, &mut agent);
    assert_eq!(beats[0].json()["callback_url"], "https://127.0.0.1:9999");
    let names = asked.lock().unwrap().clone();
    assert!(names.contains(&"ironic.test/1".to_string()), "{names:?}");
    drop(agent);
    // Through the hosts file: no query at all.
    let before = asked.lock().unwrap().len();
    let mut agent = Agent::start(
        &format!(
            "ipa-api-url=http://ironic-by-hosts:{} ipa-lookup-interval=0.1",
            fake.port
        ),
        &[("IRONBOX_RESOLV_CONF", &resolv), ("IRONBOX_HOSTS", &hosts)],
    );
    fake.wait_for("/v1/heartbeat", 2, &mut agent);
    assert_eq!(asked.lock().unwrap().len(), before, "hosts answered first");
    drop(agent);
    // An unknown name: NXDOMAIN is logged and retried, never a crash.
    let mut agent = Agent::start(
        &format!(
            "ipa-api-url=http://nosuch.test:{} ipa-lookup-interval=0.1",
            fake.port
        ),
        &[("IRONBOX_RESOLV_CONF", &resolv), ("IRONBOX_HOSTS", &hosts)],
    );
    let end = Instant::now() + Duration::from_secs(60);
    while !agent.stderr().contains("cannot resolve nosuch.test") {
        assert!(Instant::now() < end, "{}", agent.stderr());
        assert!(
            agent.child.try_wait().unwrap().is_none(),
            "{}",
            agent.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// system.lockdown through the agent's API (TLS, token): the answer, then no heartbeat and no
/// answer to any request, and agent.json says `locked_down`.
#[test]
fn lockdown_stops_heartbeats_and_the_api() {
    let fake = accepting_ironic();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut agent = Agent::start(
        &format!(
            "ipa-api-url={} ipa-lookup-interval=0.1 ipa-listen-host=127.0.0.1 \
             ipa-listen-port={port}",
            fake.url()
        ),
        &[],
    );
    fake.wait_for("/v1/heartbeat", 2, &mut agent);
    let lockdown = |token: &str| {
        Command::new("curl")
            .args(["-sk", "--max-time", "10", "-w", "\n%{http_code}"])
            .args(["-H", "Content-Type: application/json"])
            .args(["--data", r#"{"name": "system.lockdown", "params": {}}"#])
            .arg(format!(
                "https://127.0.0.1:{port}/v1/commands/?wait=true&agent_token={token}"
            ))
            .output()
            .expect("curl must be installed to run this test")
    };
    let out = lockdown("tok-1");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.ends_with("\n200"), "{text}\n{}", agent.stderr());
    assert!(text.contains(r#""command_status":"SUCCEEDED""#), "{text}");
    // at most a heartbeat already on its way when the lockdown came
    let after = fake.requests("/v1/heartbeat").len();
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(agent.state("agent.json")).unwrap_or_default();
        if text.contains(r#""state": "locked_down""#) {
            break;
        }
        assert!(Instant::now() < end, "agent.json: {text}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // heartbeat_timeout 2: beats were 0.6-1.2 s apart
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        fake.requests("/v1/heartbeat").len() <= after + 1,
        "heartbeats went on after lockdown:\n{}",
        agent.stderr()
    );
    assert!(
        agent.child.try_wait().unwrap().is_none(),
        "the agent stays up"
    );
    let again = lockdown("tok-1");
    assert!(!again.status.success(), "answered after lockdown");
    assert!(agent.stderr().contains("locked down by Ironic"));
}
