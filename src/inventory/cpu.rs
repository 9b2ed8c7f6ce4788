//! `cpu`: model, frequency, count, architecture, flags and sockets, from /proc/cpuinfo and sysfs
//! topology (what IPA gets from lscpu).

use crate::sys::sysfs;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Cpu {
    pub model_name: Option<String>,
    /// MHz as a string, like lscpu: the maximum frequency when cpufreq knows it, else the
    /// current one.
    pub frequency: Option<String>,
    pub count: u32,
    pub architecture: String,
    pub flags: Vec<String>,
    pub socket_count: u32,
}

pub fn collect() -> Cpu {
    let text = sysfs::read("/proc/cpuinfo").unwrap_or_default();
    parse(&text)
}

/// The first value of `key` in cpuinfo ("key\t: value" lines).
fn field<'a>(text: &'a str, keys: &[&str]) -> Option<&'a str> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        keys.contains(&k.trim()).then(|| v.trim())
    })
}

pub fn parse(text: &str) -> Cpu {
    let count = text
        .lines()
        .filter(|l| {
            l.split_once(':')
                .is_some_and(|(k, _)| k.trim() == "processor")
        })
        .count() as u32;
    let model_name = field(text, &["model name", "Model Name", "cpu model", "cpu"])
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let flags = field(text, &["flags", "Features"])
        .map(|f| f.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let frequency = sysfs::read_u64("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
        .filter(|&khz| khz > 0)
        .map(|khz| format!("{:.4}", khz as f64 / 1000.0))
        .or_else(|| field(text, &["cpu MHz"]).map(str::to_string));
    Cpu {
        model_name,
        frequency,
        count,
        architecture: architecture(),
        flags,
        socket_count: socket_count(text),
    }
}

fn architecture() -> String {
    sysfs::read_nonempty("/proc/sys/kernel/arch")
        .or_else(|| {
            (!sysfs::is_captured())
                .then(crate::sys::uname::machine)
                .flatten()
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

/// Distinct physical packages in sysfs topology; cpuinfo's `physical id` as a fallback; at
/// least one.
fn socket_count(cpuinfo: &str) -> u32 {
    let mut ids = BTreeSet::new();
    for cpu in sysfs::list("/sys/devices/system/cpu") {
        if cpu
            .strip_prefix("cpu")
            .is_some_and(|n| n.parse::<u32>().is_ok())
            && let Some(id) = sysfs::read(format!(
                "/sys/devices/system/cpu/{cpu}/topology/physical_package_id"
            ))
        {
            ids.insert(id);
        }
    }
    if ids.is_empty() {
        for l in cpuinfo.lines() {
            if let Some((k, v)) = l.split_once(':')
                && k.trim() == "physical id"
            {
                ids.insert(v.trim().to_string());
            }
        }
    }
    (ids.len() as u32).max(1)
}
