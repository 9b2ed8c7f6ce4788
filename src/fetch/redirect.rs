//! Redirects, followed by us rather than by ureq, for two reasons: the operator's `--header`s
//! (an `X-Auth-Token`, not only `Authorization`) must reach the origin only, as curl does,
//! unless `--location-trusted` says otherwise; and a loop or a redirect to a scheme we do not
//! fetch is a fault of the server's configuration that no retry will cure, so it fails at once.

use ureq::http::Uri;

/// Hops followed before giving up (curl's default is 50, browsers about 20).
pub const MAX_HOPS: usize = 20;

/// Scheme, host and port: where a credential given for a URL may go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// The origin of an absolute http(s) URL; None for anything else.
    pub fn of(url: &str) -> Option<Origin> {
        let uri: Uri = url.parse().ok()?;
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let default = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        Some(Origin {
            host: uri.host()?.to_ascii_lowercase(),
            port: uri.port_u16().unwrap_or(default),
            scheme,
        })
    }
}

/// Whether an HTTP status is a redirect with a Location to follow (304 is not).
pub fn is_redirect(code: u16) -> bool {
    matches!(code, 301 | 302 | 303 | 307 | 308)
}

/// The absolute URL a `Location` value names, relative to `base` (RFC 9110 10.2.2 allows
/// relative references). Err names what is wrong with it.
pub fn resolve(base: &str, location: &str) -> Result<String, String> {
    let location = location.trim();
    if location.is_empty() {
        return Err("an empty Location".to_string());
    }
    let absolute = if let Some((scheme, _)) = location.split_once("://")
        && !scheme.contains(['/', '?', '#'])
    {
        location.to_string()
    } else {
        let uri: Uri = base.parse().map_err(|_| format!("a bad base URL {base}"))?;
        let (scheme, auth) = match (uri.scheme_str(), uri.authority()) {
            (Some(s), Some(a)) => (s, a.as_str()),
            _ => return Err(format!("a bad base URL {base}")),
        };
        if let Some(rest) = location.strip_prefix("//") {
            format!("{scheme}://{rest}")
        } else if location.starts_with('/') {
            format!("{scheme}://{auth}{location}")
        } else {
            // Relative to the base's directory.
            let path = uri.path();
            let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
            let dir = if dir.is_empty() { "/" } else { dir };
            format!("{scheme}://{auth}{dir}{location}")
        }
    };
    if Origin::of(&absolute).is_none() {
        return Err(format!(
            "a Location ({absolute}) that is not an http or https URL"
        ));
    }
    Ok(absolute)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_differ_by_scheme_host_and_port() {
        let a = Origin::of("http://Example.com/a").unwrap();
        assert_eq!(Some(a.clone()), Origin::of("http://example.com:80/b"));
        assert_ne!(Some(a.clone()), Origin::of("https://example.com/a"));
        assert_ne!(Some(a.clone()), Origin::of("http://example.com:8080/a"));
        assert_ne!(Some(a), Origin::of("http://example.org/a"));
        assert_eq!(Origin::of("file:///etc/passwd"), None);
        assert_eq!(Origin::of("not a url"), None);
    }

    #[test]
    fn locations_resolve_against_the_base() {
        let base = "http://h:81/dir/img.qcow2?x=1";
        let r = |l| resolve(base, l);
        assert_eq!(r("http://o/x").unwrap(), "http://o/x");
        assert_eq!(r("//o:9/x").unwrap(), "http://o:9/x");
        assert_eq!(r("/x").unwrap(), "http://h:81/x");
        assert_eq!(r("y.img").unwrap(), "http://h:81/dir/y.img");
        assert!(r("file:///etc/shadow").unwrap_err().contains("not an http"));
        assert!(r("gopher://h/").is_err());
        assert!(r("").is_err());
    }

    #[test]
    fn only_real_redirects_are_followed() {
        for c in [301, 302, 303, 307, 308] {
            assert!(is_redirect(c));
        }
        for c in [200, 206, 300, 304, 305, 404] {
            assert!(!is_redirect(c));
        }
    }
}
