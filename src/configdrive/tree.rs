//! The config drive's content as a plain list of files, independent of the filesystem that
//! carries it: built from Ironic's JSON dict or a directory, read back from an ISO or FAT image.

use crate::report::{IronError, Key, Kind, Result};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Paths are relative, '/'-separated, without a leading slash (`openstack/latest/meta_data.json`).
/// Directories are implied by the paths of the files in them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    pub files: BTreeMap<String, Vec<u8>>,
}

/// The files nested by directory, as filesystem writers lay them out.
#[derive(Debug, Default)]
pub struct Dir {
    pub dirs: BTreeMap<String, Dir>,
    pub files: BTreeMap<String, Vec<u8>>,
}

/// The versions openstacksdk's `populate_directory` writes; cloud-init reads `latest`.
pub const VERSIONS: &[&str] = &["2012-08-10", "latest"];

impl Tree {
    pub fn paths(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }

    /// The files as a directory hierarchy (what the FAT and ISO writers walk).
    pub fn nested(&self) -> Dir {
        let mut root = Dir::default();
        for (path, data) in &self.files {
            let parts: Vec<&str> = path.split('/').collect();
            let mut d = &mut root;
            for p in &parts[..parts.len() - 1] {
                d = d.dirs.entry(p.to_string()).or_default();
            }
            d.files
                .insert(parts[parts.len() - 1].to_string(), data.clone());
        }
        root
    }

    pub fn total_bytes(&self) -> u64 {
        self.files.values().map(|v| v.len() as u64).sum()
    }

    /// Every directory implied by the files, parents first (`openstack`, `openstack/latest`, ...).
    #[cfg(test)]
    pub fn dirs(&self) -> Vec<String> {
        let mut dirs = std::collections::BTreeSet::new();
        for p in self.files.keys() {
            let mut acc = String::new();
            let parts: Vec<&str> = p.split('/').collect();
            for part in &parts[..parts.len() - 1] {
                if !acc.is_empty() {
                    acc.push('/');
                }
                acc.push_str(part);
                dirs.insert(acc.clone());
            }
        }
        dirs.into_iter().collect()
    }

    /// Ironic's dict: `{"meta_data": {...}, "user_data": "..." | {...}, "network_data": {...},
    /// "vendor_data": {...}}`, laid out as openstacksdk's `populate_directory` does.
    pub fn from_ironic_json(doc: &Value) -> Result<Tree> {
        let obj = doc.as_object().ok_or_else(|| {
            IronError::invalid("the config drive JSON must be an object with a \"meta_data\" key")
        })?;
        for k in obj.keys() {
            if !["meta_data", "user_data", "network_data", "vendor_data"].contains(&k.as_str()) {
                return Err(IronError::invalid(format!(
                    "unknown key {k:?} in the config drive JSON (expected meta_data, user_data, network_data, vendor_data)"
                )));
            }
        }
        let meta = obj
            .get("meta_data")
            .ok_or_else(|| IronError::invalid("the config drive JSON has no \"meta_data\""))?;
        let user = match obj.get("user_data") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s.as_bytes().to_vec()),
            // Ironic serialises a dict or list user_data as JSON.
            Some(v) => Some(serde_json::to_vec(v).expect("json")),
        };
        let json_of = |key: &str| -> Option<Vec<u8>> {
            match obj.get(key) {
                None | Some(Value::Null) => None,
                Some(Value::Object(m)) if m.is_empty() => None,
                Some(v) => Some(serde_json::to_vec(v).expect("json")),
            }
        };
        Tree::from_parts(
            serde_json::to_vec(meta).expect("json"),
            user,
            json_of("network_data"),
            json_of("vendor_data"),
        )
    }

    /// The four documents, each written under every version directory.
    pub fn from_parts(
        meta: Vec<u8>,
        user: Option<Vec<u8>>,
        network: Option<Vec<u8>>,
        vendor: Option<Vec<u8>>,
    ) -> Result<Tree> {
        let mut t = Tree::default();
        for v in VERSIONS {
            let dir = format!("openstack/{v}");
            t.files
                .insert(format!("{dir}/meta_data.json"), meta.clone());
            if let Some(u) = &user {
                t.files.insert(format!("{dir}/user_data"), u.clone());
            }
            if let Some(n) = &network {
                t.files
                    .insert(format!("{dir}/network_data.json"), n.clone());
            }
            if let Some(x) = &vendor {
                t.files
                    .insert(format!("{dir}/vendor_data2.json"), x.clone());
            }
        }
        Ok(t)
    }

    /// A directory holding the tree as it should appear on the drive (`openstack/latest/...`).
    pub fn from_dir(dir: &Path) -> Result<Tree> {
        fn walk(root: &Path, dir: &Path, t: &mut Tree) -> Result<()> {
            let rd = std::fs::read_dir(dir).map_err(|e| {
                IronError::new(
                    Kind::NotFound,
                    format!("cannot read directory {}", dir.display()),
                )
                .caused_by(e)
            })?;
            let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let p = e.path();
                let ft = e.file_type().map_err(|e| IronError::io("cannot stat", e))?;
                if ft.is_dir() {
                    walk(root, &p, t)?;
                } else {
                    let data = std::fs::read(&p)
                        .map_err(|e| IronError::io(format!("cannot read {}", p.display()), e))?;
                    let rel = p.strip_prefix(root).expect("under root");
                    t.files
                        .insert(rel.to_string_lossy().replace('\\', "/"), data);
                }
            }
            Ok(())
        }
        let mut t = Tree::default();
        walk(dir, dir, &mut t)?;
        if t.files.is_empty() {
            return Err(IronError::invalid(format!(
                "{} holds no files",
                dir.display()
            )));
        }
        Ok(t)
    }

    /// The file cloud-init reads first: `openstack/latest/meta_data.json`, else the newest
    /// dated version that has one.
    pub fn meta_data_path(&self) -> Option<String> {
        let latest = "openstack/latest/meta_data.json";
        if self.files.contains_key(latest) {
            return Some(latest.to_string());
        }
        self.files
            .keys()
            .filter(|p| p.starts_with("openstack/") && p.ends_with("/meta_data.json"))
            .max()
            .cloned()
    }

    /// What cloud-init needs to accept the drive: a meta_data.json that is a JSON object with a
    /// `uuid`. Anything else is invalid input (exit 2) before a disk is touched.
    pub fn validate(&self) -> Result<()> {
        let path = self.meta_data_path().ok_or_else(|| {
            IronError::invalid("the config drive has no openstack/latest/meta_data.json")
        })?;
        let md: Value = serde_json::from_slice(&self.files[&path])
            .map_err(|e| IronError::invalid(format!("{path} is not valid JSON")).caused_by(e))?;
        match md.get("uuid") {
            Some(Value::String(s)) if !s.is_empty() => Ok(()),
            _ => Err(IronError::invalid(format!(
                "{path} has no \"uuid\" (cloud-init requires one)"
            ))
            .with(Key::Path, &path)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ironic_dict_layout() {
        let t = Tree::from_ironic_json(&json!({
            "meta_data": {"uuid": "u1", "hostname": "h"},
            "user_data": {"a": 1},
            "network_data": {"links": []},
        }))
        .unwrap();
        assert_eq!(
            t.paths(),
            vec![
                "openstack/2012-08-10/meta_data.json",
                "openstack/2012-08-10/network_data.json",
                "openstack/2012-08-10/user_data",
                "openstack/latest/meta_data.json",
                "openstack/latest/network_data.json",
                "openstack/latest/user_data",
            ]
        );
        assert_eq!(t.files["openstack/latest/user_data"], br#"{"a":1}"#);
        assert_eq!(
            t.dirs(),
            vec!["openstack", "openstack/2012-08-10", "openstack/latest"]
        );
        t.validate().unwrap();
    }

    #[test]
    fn missing_uuid_is_invalid() {
        let t = Tree::from_ironic_json(&json!({"meta_data": {"name": "x"}})).unwrap();
        let e = t.validate().unwrap_err();
        assert_eq!(e.kind, Kind::InvalidInput);
        assert!(e.message.contains("uuid"));
    }
}
