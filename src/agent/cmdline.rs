//! The kernel command line as IPA reads it: `key=value` words, values may be double-quoted
//! (`sshkey="ssh-ed25519 AAAA c"`), the last of a repeated key wins, words without `=` are
//! flags. Then the `ipa-*` parameters the agent honours, with IPA's defaults.

use std::collections::HashMap;
use std::time::Duration;

/// Splits the command line into words the way the kernel does: spaces separate words except
/// inside double quotes, which are removed.
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `key → value` with the last of a repeated key kept (IPA builds a dict); flags map to "".
pub fn parse(line: &str) -> HashMap<String, String> {
    words(line)
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (w, String::new()),
        })
        .collect()
}

/// oslo's bool_from_string, which IPA uses for its boolean parameters.
pub fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "t" | "true" | "on" | "y" | "yes"
    )
}

/// The parameters the agent honours, under IPA's names.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub api_url: Option<String>,
    pub inspection_callback_url: Option<String>,
    /// BOOTIF's MAC, lower case with colons.
    pub boot_mac: Option<String>,
    pub insecure: bool,
    pub advertise_host: Option<String>,
    pub advertise_protocol: String,
    pub global_request_id: Option<String>,
    pub debug: bool,
    pub lookup_timeout: Duration,
    pub lookup_interval: Duration,
    /// Where IPA's API listens (ipa-listen-host, ipa-listen-port) and the port callback_url
    /// names (ipa-advertise-port, default the listen port).
    pub listen_host: String,
    pub listen_port: u16,
    pub advertise_port: u16,
    /// ipa-ignore-bootloader-failure: IPA's default for install_bootloader's
    /// ignore_bootloader_failure (a boot loader failure is then only logged).
    pub ignore_bootloader_failure: bool,
}

/// IPA's defaults: lookup for 600 s, starting 1 s apart.
const LOOKUP_TIMEOUT: f64 = 600.0;
const LOOKUP_INTERVAL: f64 = 1.0;

fn secs(v: Option<&String>, default: f64) -> Duration {
    let s = v
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e7)
        .unwrap_or(default);
    Duration::from_secs_f64(s)
}

/// `01-aa-bb-cc-dd-ee-ff` (PXELINUX's form, hardware type 01) or a bare MAC with `-` or `:`.
pub fn bootif_mac(v: &str) -> Option<String> {
    let v = v.trim().to_ascii_lowercase().replace('-', ":");
    let v = if v.len() == 20 && v.starts_with("01:") {
        &v[3..]
    } else {
        &v[..]
    };
    let ok = v.len() == 17
        && v.split(':')
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| v.to_string())
}

impl Params {
    pub fn from_cmdline(line: &str) -> Params {
        let m = parse(line);
        let nonempty = |k: &str| m.get(k).filter(|v| !v.is_empty()).cloned();
        let listen_port = nonempty("ipa-listen-port")
            .and_then(|p| p.parse().ok())
            .unwrap_or(crate::agent::callback::PORT);
        Params {
            // IPA takes a comma-separated list; the first URL is used here.
            api_url: nonempty("ipa-api-url")
                .and_then(|u| u.split(',').find(|u| !u.is_empty()).map(str::to_string))
                .map(|u| u.trim_end_matches('/').to_string()),
            inspection_callback_url: nonempty("ipa-inspection-callback-url"),
            boot_mac: m.get("BOOTIF").and_then(|v| bootif_mac(v)),
            insecure: m.get("ipa-insecure").is_some_and(|v| truthy(v)),
            advertise_host: nonempty("ipa-advertise-host"),
            advertise_protocol: nonempty("ipa-advertise-protocol")
                .unwrap_or_else(|| "https".to_string()),
            global_request_id: nonempty("ipa-global-request-id"),
            debug: m
                .get("ipa-debug")
                .is_some_and(|v| v.is_empty() || truthy(v)),
            lookup_timeout: secs(m.get("ipa-lookup-timeout"), LOOKUP_TIMEOUT),
            lookup_interval: secs(m.get("ipa-lookup-interval"), LOOKUP_INTERVAL),
            listen_host: nonempty("ipa-listen-host").unwrap_or_else(|| "::".to_string()),
            listen_port,
            advertise_port: nonempty("ipa-advertise-port")
                .and_then(|p| p.parse().ok())
                .unwrap_or(listen_port),
            ignore_bootloader_failure: m
                .get("ipa-ignore-bootloader-failure")
                .is_some_and(|v| truthy(v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_keep_their_spaces() {
        let w = words(r#"ro sshkey="ssh-ed25519 AAAA me@host" ipa-debug=1"#);
        assert_eq!(w, ["ro", "sshkey=ssh-ed25519 AAAA me@host", "ipa-debug=1"]);
        assert_eq!(words(r#"a="" b"#), ["a=", "b"]);
        assert_eq!(words("  \n "), Vec::<String>::new());
        // an unterminated quote runs to the end of the line, as in the kernel
        assert_eq!(words(r#"x="a b"#), ["x=a b"]);
    }

    #[test]
    fn repeated_keys_last_wins_and_flags() {
        let m = parse("ipa-api-url=http://a ipa-api-url=http://b quiet");
        assert_eq!(m["ipa-api-url"], "http://b");
        assert_eq!(m["quiet"], "");
    }

    #[test]
    fn ipa_parameters_with_defaults() {
        let p = Params::from_cmdline(
            "BOOTIF=01-52-54-00-AB-CD-EF ipa-api-url=http://10.0.2.100:6385/ ipa-insecure=1 \
             ipa-global-request-id=req-1 ipa-lookup-timeout=30 ipa-lookup-interval=0.5",
        );
        assert_eq!(p.api_url.as_deref(), Some("http://10.0.2.100:6385"));
        assert_eq!(p.boot_mac.as_deref(), Some("52:54:00:ab:cd:ef"));
        assert!(p.insecure && !p.debug && !p.ignore_bootloader_failure);
        assert!(
            Params::from_cmdline("ipa-ignore-bootloader-failure=True").ignore_bootloader_failure
        );
        assert_eq!(p.global_request_id.as_deref(), Some("req-1"));
        assert_eq!(p.lookup_timeout, Duration::from_secs(30));
        assert_eq!(p.lookup_interval, Duration::from_millis(500));
        assert_eq!(p.advertise_protocol, "https");
        assert_eq!(
            (p.listen_host.as_str(), p.listen_port, p.advertise_port),
            ("::", 9999, 9999)
        );
        let l = Params::from_cmdline("ipa-listen-host=0.0.0.0 ipa-listen-port=9000");
        assert_eq!(
            (l.listen_host.as_str(), l.listen_port, l.advertise_port),
            ("0.0.0.0", 9000, 9000)
        );
        let list = Params::from_cmdline("ipa-api-url=http://a:6385,http://b:6385");
        assert_eq!(list.api_url.as_deref(), Some("http://a:6385"));
        let d = Params::from_cmdline("ipa-lookup-timeout=nan ipa-insecure=0 ipa-debug");
        assert_eq!(d.lookup_timeout, Duration::from_secs(600));
        assert_eq!(d.lookup_interval, Duration::from_secs(1));
        assert!(!d.insecure && d.debug && d.api_url.is_none());
    }

    #[test]
    fn bootif_forms() {
        assert_eq!(
            bootif_mac("52:54:00:12:34:56").as_deref(),
            Some("52:54:00:12:34:56")
        );
        assert_eq!(bootif_mac("01-52-54-00-12"), None);
        assert_eq!(bootif_mac("zz-52-54-00-12-34-56"), None);
    }
}
