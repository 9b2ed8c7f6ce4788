//! Getting bytes over the network and checking them, shared by image-write, configdrive and
//! firmware: the HTTP(S) client (system CA store plus `--ca-cert`, retries with backoff, Range
//! resume) and checksum specs as Ironic passes them (`ALGO:HEX`, bare hex, checksum-file URL).

pub mod args;
pub mod checksum;
pub mod dns;
pub mod http;
pub mod redirect;

pub use args::{HttpArgs, http_client};
