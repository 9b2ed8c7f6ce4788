//! Where image bytes come from: an http(s) URL, a local file, or `-` for stdin. Several sources
//! on the command line are mirrors tried in order.

mod sparse_file;

use crate::fetch::http;
pub use sparse_file::SparseFile;

use crate::image::format::ZeroFeed;
use crate::report::{IronError, Key, Kind, Result};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Http(String),
    File(PathBuf),
    Stdin,
}

impl Source {
    pub fn parse(s: &str) -> Source {
        if s == "-" {
            Source::Stdin
        } else if s.starts_with("http://") || s.starts_with("https://") {
            Source::Http(s.to_string())
        } else {
            Source::File(PathBuf::from(s.strip_prefix("file://").unwrap_or(s)))
        }
    }

    pub fn display(&self) -> String {
        match self {
            Source::Http(u) => u.clone(),
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "-".to_string(),
        }
    }

    /// The image's file name, which checksum files are matched against.
    pub fn file_name(&self) -> String {
        match self {
            Source::Http(u) => {
                let path = u.split(['?', '#']).next().unwrap_or(u);
                path.rsplit('/').next().unwrap_or("").to_string()
            }
            Source::File(p) => p
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            Source::Stdin => String::new(),
        }
    }

    /// Only stdin cannot be read twice (a restart from zero or a second mirror).
    pub fn replayable(&self) -> bool {
        !matches!(self, Source::Stdin)
    }
}

/// A source's byte stream. Most streams know nothing about their content; a local sparse file
/// knows where its holes are (`ZeroFeed`), and the fetch thread skips them instead of reading
/// zeros, as the raw decoder does further down.
pub trait SourceStream: ZeroFeed {
    /// Whether the same bytes can also be fetched by Range requests (a second, seekable road).
    fn takes_ranges(&self) -> bool {
        false
    }
}

impl ZeroFeed for http::HttpReader {}
impl SourceStream for http::HttpReader {
    fn takes_ranges(&self) -> bool {
        self.seekable()
    }
}
impl ZeroFeed for std::io::Stdin {}
impl SourceStream for std::io::Stdin {}
impl ZeroFeed for std::fs::File {}
impl SourceStream for std::fs::File {}

/// An open source: its byte stream and, when known, its length as served.
pub struct Opened {
    pub reader: Box<dyn SourceStream>,
    pub length: Option<u64>,
}

pub fn open(src: &Source, http: &http::Http) -> Result<Opened> {
    match src {
        Source::Http(url) => {
            let r = http.open(url)?;
            let length = r.length;
            Ok(Opened {
                reader: Box::new(r),
                length,
            })
        }
        Source::File(p) => {
            let f = std::fs::File::open(p).map_err(|e| {
                let kind = if e.kind() == std::io::ErrorKind::NotFound {
                    Kind::NotFound
                } else {
                    Kind::Io
                };
                IronError::new(kind, format!("cannot open image {}", p.display()))
                    .with(Key::Source, p.display().to_string())
                    .caused_by(e)
            })?;
            if f.metadata().is_ok_and(|m| m.is_dir()) {
                return Err(IronError::new(
                    Kind::InvalidInput,
                    format!("image source {} is a directory", p.display()),
                )
                .with(Key::Source, p.display().to_string()));
            }
            let length = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
            let reader: Box<dyn SourceStream> = match length {
                Some(len) => Box::new(SparseFile::new(f, len)),
                None => Box::new(f),
            };
            Ok(Opened { reader, length })
        }
        Source::Stdin => Ok(Opened {
            reader: Box::new(std::io::stdin()),
            length: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            Source::parse("https://h/x/disk.qcow2?sig=1").file_name(),
            "disk.qcow2"
        );
        assert_eq!(Source::parse("-"), Source::Stdin);
        assert_eq!(Source::parse("/tmp/a.img").file_name(), "a.img");
    }
}
