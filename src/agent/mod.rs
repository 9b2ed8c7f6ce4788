//! `ironbox agent`: the long-running part of the ramdisk that speaks Ironic's agent protocol
//! under IPA's kernel parameters: the inspection POST once at start, then lookup and heartbeats
//! until poweroff or system.lockdown. It never exits on its own while ipa-api-url is set: errors are logged on
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

use crate::report::{IronError, Key, Kind, Result};
use schemars::JsonSchema;
use serde::Serialize;
use state::{Recorder, State};
use std::path::PathBuf;
use std::sync::Arc;
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

/// What `ironbox agent` prints when it ends: with no ipa-api-url, after the inspection POST
/// (otherwise it serves until a signal, which is an `interrupted` error document).
#[derive(Serialize, JsonSchema)]
pub struct AgentReport {
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

/// The kernel parameters from `--cmdline`; at least one of Ironic's URLs must be there.
fn read_params(args: &Args) -> Result<cmdline::Params> {
    let line = std::fs::read_to_string(&args.cmdline).map_err(|e| {
        IronError::io(format!("cannot read {}", args.cmdline.display()), e)
            .with(Key::Path, args.cmdline.display().to_string())
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
    Ok(params)
}

fn http_agent(args: &Args, params: &cmdline::Params) -> Result<ureq::Agent> {
    let opts = crate::fetch::http::HttpOptions {
        retries: 0,
        timeout: Duration::from_secs(args.request_timeout.max(1)),
        headers: vec![],
        ca_cert: args.ca_cert.exists().then(|| args.ca_cert.clone()),
        insecure: params.insecure,
    };
    crate::fetch::http::build_agent(&opts)
}

/// The inspection POST: the inventory, collected here, to `url`.
fn inspect(
    agent: &ureq::Agent,
    params: &cmdline::Params,
    url: &str,
    wait: Duration,
    rec: &mut Recorder,
) -> Result<inspection::Inspection> {
    wait_for_route(url, wait, rec)?;
    rec.enter(
        State::Inspecting,
        &format!("inspection: collecting the inventory for {url}"),
    );
    let inv = crate::report::document(crate::inventory::run(&crate::inventory::Args::default()))
        .map_err(|e| e.to_string());
    let body = inspection::body(inv);
    if let Some(e) = &body.error {
        state::log(&format!("inspection: reporting an error: {e}"));
    }
    let api = api::Api::new(agent.clone(), url, params.global_request_id.clone());
    inspection::post(&api, url, &body, rec.dir())
}

/// What IPA's API commands share: this binary, the power commands, the kernel's knobs.
fn command_context(args: &Args, params: &cmdline::Params) -> ext::Ctx {
    let mut ctx = ext::Ctx::new("/proc/self/exe".into(), args.state_dir.clone());
    let argv = |cmd: &str| cmd.split_whitespace().map(str::to_string).collect();
    ctx.power_off = argv(&args.power_off_command);
    ctx.reboot = argv(&args.reboot_command);
    ctx.ignore_bootloader_failure = params.ignore_bootloader_failure;
    ctx
}

pub fn run(args: &Args) -> Result<AgentReport> {
    let params = read_params(args)?;
    let agent = http_agent(args, &params)?;
    let mut rec = Recorder::new(args.state_dir.clone(), params.api_url.clone());
    state::log(&format!(
        "starting (ironbox {}{})",
        heartbeat::AGENT_VERSION,
        if params.debug { ", debug" } else { "" }
    ));
    let wait = Duration::from_secs(args.network_wait);
    let mut report = AgentReport { inspection: None };
    if let Some(url) = &params.inspection_callback_url {
        report.inspection = Some(inspect(&agent, &params, url, wait, &mut rec)?);
    }
    let Some(api_url) = params.api_url.clone() else {
        return Ok(report);
    };
    wait_for_route(&api_url, wait, &mut rec)?;
    let api = api::Api::new(agent, &api_url, params.global_request_id.clone());
    let ipa = Arc::new(server::Api {
        ctx: Arc::new(command_context(args, &params)),
        token: server::token::Token::default(),
        commands: server::commands::Commands::default(),
    });
    Agent {
        params: &params,
        api,
        api_url: &api_url,
        ipa,
        verify_ca: None,
    }
    .serve(&mut rec)
}

/// The agent once Ironic's API is reachable: lookup → serve IPA's API → heartbeat, again
/// after each refusal, until system.lockdown or a signal.
struct Agent<'a> {
    params: &'a cmdline::Params,
    api: api::Api,
    api_url: &'a str,
    ipa: Arc<server::Api>,
    /// The API's certificate once started (None inside: it could not listen).
    verify_ca: Option<Option<String>>,
}

impl Agent<'_> {
    fn serve(mut self, rec: &mut Recorder) -> Result<AgentReport> {
        loop {
            if self.ipa.ctx.locked.load(Ordering::SeqCst) {
                heartbeat::locked_down(rec);
                return stay_locked_down();
            }
            let Some(node) = self.lookup(rec)? else {
                continue;
            };
            let Some(host) = self.advertised_host()? else {
                continue;
            };
            let p = self.params;
            let callback_url = callback::url(&p.advertise_protocol, &host, p.advertise_port);
            self.adopt(&node, &host);
            found(&node, &callback_url, rec);
            let ca = self.verify_ca.clone().flatten();
            let locked = &self.ipa.ctx.locked;
            let ended = heartbeat::run(
                &mut self.api,
                &node,
                &callback_url,
                ca.as_deref(),
                locked,
                rec,
            )?;
            if ended == heartbeat::Ended::LockedDown {
                return stay_locked_down();
            }
        }
    }

    /// One lookup within ipa-lookup-timeout; None: start over.
    fn lookup(&mut self, rec: &mut Recorder) -> Result<Option<lookup::Node>> {
        let p = self.params;
        let addresses = lookup::addresses(p.boot_mac.as_deref(), &macs());
        let node = lookup::run(
            &mut self.api,
            &addresses,
            p.lookup_interval,
            p.lookup_timeout,
            rec,
        )?;
        if node.is_none() {
            state::log(&format!(
                "lookup gave no node within {} s; starting over",
                p.lookup_timeout.as_secs()
            ));
        }
        Ok(node)
    }

    /// ipa-advertise-host, else our source address towards Ironic; None (after a pause): no
    /// route, look up again.
    fn advertised_host(&self) -> Result<Option<String>> {
        let host = self
            .params
            .advertise_host
            .clone()
            .or_else(|| callback::source_address(self.api_url).map(|ip| ip.to_string()));
        if host.is_none() {
            state::log("no address to advertise (no route to Ironic); looking up again");
            crate::fetch::http::sleep_interruptible(Duration::from_secs(5))?;
        }
        Ok(host)
    }

    /// Takes the node's token and knobs into the API, started on first use for `host`.
    fn adopt(&mut self, node: &lookup::Node, host: &str) {
        self.ipa.token.set(node.token.clone());
        self.ipa
            .ctx
            .bios_bootloader_install
            .store(node.bios_bootloader_install, Ordering::Relaxed);
        if self.verify_ca.is_none() {
            self.verify_ca = Some(start_api(self.params, host, &self.ipa));
        }
    }
}

/// Logs and records the node found.
fn found(node: &lookup::Node, callback_url: &str, rec: &mut Recorder) {
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
    rec.status.callback_url = Some(callback_url.to_string());
}

/// After system.lockdown: nothing more to send or answer until SIGTERM (exit 130).
fn stay_locked_down() -> Result<AgentReport> {
    loop {
        crate::fetch::http::sleep_interruptible(Duration::from_secs(3600))?;
    }
}
