//! IPA's automatic TLS: a self-signed certificate made at start for the advertised address,
//! whose PEM the heartbeat hands to Ironic as `agent_verify_ca` (Ironic then verifies exactly
//! this certificate, names included: the address must be in its subjectAltName).

use crate::report::{IronError, Kind, Result};
use std::sync::Arc;

pub struct Identity {
    pub cert_pem: String,
    pub config: Arc<rustls::ServerConfig>,
}

fn tls_err(what: &str, e: impl std::fmt::Display) -> IronError {
    IronError::new(Kind::Internal, format!("{what}: {e}"))
}

/// A fresh key pair and certificate naming `hosts` (IP literals become IP SANs).
pub fn generate(hosts: &[String]) -> Result<Identity> {
    let ck = rcgen::generate_simple_self_signed(hosts.to_vec())
        .map_err(|e| tls_err("cannot make the agent's certificate", e))?;
    let cert_pem = ck.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err("TLS versions", e))?
        .with_no_client_auth()
        .with_single_cert(vec![ck.cert.der().clone()], key)
        .map_err(|e| tls_err("TLS server configuration", e))?;
    Ok(Identity {
        cert_pem,
        config: Arc::new(config),
    })
}
