//! `ironbox agent`: the long-running part of the ramdisk that speaks Ironic's agent protocol
//! under IPA's kernel parameters: the inspection POST once at start, then lookup and heartbeats
//! until poweroff. It never exits on its own while ipa-api-url is set: errors are logged on
//! stderr, recorded in `<state-dir>/agent.json` and retried. Once the node is found, IPA's
//! REST API is served over TLS (server/, commands in ext/) for the `direct` deploy interface.

mod api;
mod backoff;
mod callback;
pub mod cmdline;
pub mod ext;
mod heartbeat;
mod inspection;
mod lookup;
pub mod server;
mod state;
#[cfg(test)]
mod wire_tests;

use crate::report::{IronError, Kind, Result};
use serde::Serialize;
use serde_json::Value;
use state::{Recorder, State};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Read the kernel parameters (ipa-api-url, BOOTIF, ...) from FILE
    #[arg(long, default_value = "/proc/cmdline", value_name = "FILE")]
    pub cmdline: PathBuf,
    /// Where agent.json and inspection.json are kept
    #[arg(long, default_value = "/run/ironbox", value_name = "DIR")]
    pub state_dir: PathBuf,
    /// Also trust the CA certificates in this PEM file (used when it exists)
    #[arg(long, default_value = "/etc/ironbox/ca.pem", value_name = "FILE")]
    pub ca_cert: PathBuf,
    /// Seconds to wait for a route to Ironic (DHCP) before trying anyway
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub network_wait: u64,
    /// Seconds for each HTTP request to connect, answer and send each part of its body
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub request_timeout: u64,
    /// The command the API's standby.power_off runs
    #[arg(long, default_value = "poweroff -f", value_name = "CMD")]
    pub power_off_command: String,
    /// The command the API's standby.reboot and run_image run
    #[arg(long, default_value = "reboot -f", value_name = "CMD")]
    pub reboot_command: String,
}

/// Starts IPA's API for `host` (the certificate names it); None when it cannot listen (the
/// ansible deploy interface still works without it).
fn start_api(
    params: &cmdline::Params,
    host: &str,
    api: &std::sync::Arc<server::Api>,
) -> Option<String> {
    let ip: std::net::IpAddr = match params.listen_host.parse() {
        Ok(ip) => ip,
        Err(_) => {
            state::log(&format!(
                "api: ipa-listen-host {} is not an address",
                params.listen_host
            ));
            return None;
        }
    };
    let mut names = vec![host.to_string()];
    if let Ok(h) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        names.push(h.trim().to_string());
    }
    names.retain(|n| !n.is_empty());
    names.dedup();
    let mut addrs = vec![std::net::SocketAddr::new(ip, params.listen_port)];
    if ip.is_unspecified() && ip.is_ipv6() {
        // no IPv6 in this kernel: IPv4 only
        addrs.push(std::net::SocketAddr::from((
            [0, 0, 0, 0],
            params.listen_port,
        )));
    }
    let mut last = None;
    for a in addrs {
        match server::start(a, &names, api.clone()) {
            Ok((pem, _)) => return Some(pem),
            Err(e) => last = Some(e),
        }
    }
    if let Some(e) = last {
        state::log(&format!("api: not served: {e}"));
    }
    None
}

#[derive(Serialize)]
struct Report {
    inspection: Option<inspection::Inspection>,
}

/// The MACs of the node's interfaces, from the inventory's own collector.
fn macs() -> Vec<String> {
    crate::inventory::interface_macs()
}

/// Waits, bounded, until the kernel has a route to `url`'s host (DHCP done).
fn wait_for_route(url: &str, limit: Duration, rec: &mut Recorder) -> Result<()> {
    let start = Instant::now();
    if callback::source_address(url).is_some() {
        return Ok(());
    }
    rec.enter(
        State::WaitingForNetwork,
        &format!("waiting for a route to {url}"),
    );
    while start.elapsed() < limit {
        crate::fetch::http::sleep_interruptible(Duration::from_millis(500))?;
        if callback::source_address(url).is_some() {
            return Ok(());
        }
    }
    state::log(&format!(
        "no route to {url} after {} s; trying anyway",
        limit.as_secs()
    ));
    Ok(())
}

pub fn run(args: &Args) -> Result<Value> {
    let line = std::fs::read_to_string(&args.cmdline).map_err(|e| {
        IronError::io(format!("cannot read {}", args.cmdline.display()), e)
            .with("path", args.cmdline.display().to_string())
    })?;
    let params = cmdline::Params::from_cmdline(&line);
    if params.api_url.is_none() && params.inspection_callback_url.is_none() {
        return Err(IronError::new(
            Kind::InvalidInput,
            format!(
                "{} has neither ipa-api-url nor ipa-inspection-callback-url",
                args.cmdline.display()
            ),
        ));
    }
    let opts = crate::fetch::http::HttpOptions {
        retries: 0,
        timeout: Duration::from_secs(args.request_timeout.max(1)),
        headers: vec![],
        ca_cert: args.ca_cert.exists().then(|| args.ca_cert.clone()),
        insecure: params.insecure,
    };
    let agent = crate::fetch::http::build_agent(&opts)?;
    let mut rec = Recorder::new(args.state_dir.clone(), params.api_url.clone());
    state::log(&format!(
        "starting (ironbox {}{})",
        heartbeat::AGENT_VERSION,
        if params.debug { ", debug" } else { "" }
    ));
    let wait = Duration::from_secs(args.network_wait);
    let mut report = Report { inspection: None };
    if let Some(url) = &params.inspection_callback_url {
        wait_for_route(url, wait, &mut rec)?;
        rec.enter(
            State::Inspecting,
            &format!("inspection: collecting the inventory for {url}"),
        );
        let inv =
            crate::report::document(crate::inventory::run(&crate::inventory::Args::default()))
                .map_err(|e| e.to_string());
        let body = inspection::body(inv);
        if let Some(e) = body.get("error").and_then(Value::as_str) {
            state::log(&format!("inspection: reporting an error: {e}"));
        }
        let api = api::Api::new(agent.clone(), url, params.global_request_id.clone());
        report.inspection = Some(inspection::post(&api, url, &body, rec.dir())?);
    }
    let Some(api_url) = params.api_url.clone() else {
        return serde_json::to_value(&report)
            .map_err(|e| IronError::new(Kind::Internal, e.to_string()));
    };
    wait_for_route(&api_url, wait, &mut rec)?;
    let mut api = api::Api::new(agent, &api_url, params.global_request_id.clone());
    let mut ctx = ext::Ctx::new("/proc/self/exe".into(), args.state_dir.clone());
    ctx.power_off = args
        .power_off_command
        .split_whitespace()
        .map(str::to_string)
        .collect();
    ctx.reboot = args
        .reboot_command
        .split_whitespace()
        .map(str::to_string)
        .collect();
    ctx.ignore_bootloader_failure = params.ignore_bootloader_failure;
    let ipa = std::sync::Arc::new(server::Api {
        ctx: std::sync::Arc::new(ctx),
        token: server::token::Token::default(),
        commands: server::commands::Commands::default(),
    });
    let mut verify_ca: Option<Option<String>> = None;
    loop {
        let addresses = lookup::addresses(params.boot_mac.as_deref(), &macs());
        let node = lookup::run(
            &mut api,
            &addresses,
            params.lookup_interval,
            params.lookup_timeout,
            &mut rec,
        )?;
        let Some(node) = node else {
            state::log(&format!(
                "lookup gave no node within {} s; starting over",
                params.lookup_timeout.as_secs()
            ));
            continue;
        };
        let host = params
            .advertise_host
            .clone()
            .or_else(|| callback::source_address(&api_url).map(|ip| ip.to_string()));
        let Some(host) = host else {
            state::log("no address to advertise (no route to Ironic); looking up again");
            crate::fetch::http::sleep_interruptible(Duration::from_secs(5))?;
            continue;
        };
        let callback_url = callback::url(&params.advertise_protocol, &host, params.advertise_port);
        ipa.token.set(node.token.clone());
        ipa.ctx
            .bios_bootloader_install
            .store(node.bios_bootloader_install, Ordering::Relaxed);
        let ca = verify_ca.get_or_insert_with(|| start_api(&params, &host, &ipa));
        state::log(&format!(
            "found node {} (heartbeat_timeout {} s, {})",
            node.uuid,
            node.heartbeat_timeout,
            if node.token.is_some() {
                "agent token received"
            } else {
                "no agent token"
            }
        ));
        rec.status.node_uuid = Some(node.uuid.clone());
        rec.status.heartbeat_timeout = Some(node.heartbeat_timeout);
        rec.status.callback_url = Some(callback_url.clone());
        heartbeat::run(&mut api, &node, &callback_url, ca.as_deref(), &mut rec)?;
    }
}
