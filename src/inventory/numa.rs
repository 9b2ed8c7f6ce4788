//! `numa_topology`: memory, CPUs and NICs per NUMA node, in the shape of IPA's `numa-topology`
//! inspection collector. Empty lists on machines without NUMA nodes in sysfs.

use crate::sys::sysfs;
use serde::Serialize;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Numa {
    pub ram: Vec<Ram>,
    pub cpus: Vec<Cpu>,
    pub nics: Vec<Nic>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Ram {
    pub numa_node: u32,
    pub size_kb: u64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Cpu {
    pub cpu: u32,
    pub numa_node: u32,
    pub thread_siblings: Vec<u32>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Nic {
    pub name: String,
    pub numa_node: u32,
}

const NODES: &str = "/sys/devices/system/node";

/// A kernel CPU list (`0-3,8,10-11`).
pub fn parse_cpu_list(s: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for part in s.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
                    out.extend(a..=b);
                }
            }
            None => out.extend(part.parse::<u32>().ok()),
        }
    }
    out
}

pub fn collect() -> Numa {
    let mut ram = Vec::new();
    let mut cpus = Vec::new();
    let nodes: Vec<u32> = sysfs::list(NODES)
        .iter()
        .filter_map(|n| n.strip_prefix("node")?.parse().ok())
        .collect();
    for node in &nodes {
        let meminfo = sysfs::read(format!("{NODES}/node{node}/meminfo")).unwrap_or_default();
        let size_kb = meminfo
            .lines()
            .find(|l| l.contains("MemTotal:"))
            .and_then(|l| l.split_whitespace().rev().nth(1)?.parse().ok())
            .unwrap_or(0);
        ram.push(Ram {
            numa_node: *node,
            size_kb,
        });
        let list = sysfs::read(format!("{NODES}/node{node}/cpulist")).unwrap_or_default();
        for cpu in parse_cpu_list(&list) {
            let base = format!("/sys/devices/system/cpu/cpu{cpu}/topology");
            let siblings = sysfs::read(format!("{base}/thread_siblings_list"))
                .map(|s| parse_cpu_list(&s))
                .unwrap_or_default();
            let core = sysfs::read_u64(format!("{base}/core_id")).unwrap_or(cpu as u64) as u32;
            // One entry per physical core, its hardware threads in thread_siblings (as IPA).
            if cpus
                .iter()
                .any(|c: &Cpu| c.numa_node == *node && c.cpu == core)
            {
                continue;
            }
            cpus.push(Cpu {
                cpu: core,
                numa_node: *node,
                thread_siblings: siblings,
            });
        }
    }
    let mut nics = Vec::new();
    if !nodes.is_empty() {
        for name in super::interfaces::names() {
            let node = sysfs::read(format!("/sys/class/net/{name}/device/numa_node"))
                .and_then(|s| s.parse::<i64>().ok());
            if let Some(n) = node.filter(|&n| n >= 0) {
                nics.push(Nic {
                    name,
                    numa_node: n as u32,
                });
            }
        }
    }
    Numa { ram, cpus, nics }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cpu_lists() {
        assert_eq!(
            super::parse_cpu_list("0-3,8,10-11\n"),
            vec![0, 1, 2, 3, 8, 10, 11]
        );
        assert!(super::parse_cpu_list("").is_empty());
    }
}
