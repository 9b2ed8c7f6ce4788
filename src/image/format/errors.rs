//! Telling source failures (network, file) from a corrupt image: decoders see both as
//! `io::Error`, so bytes from the source pass through `SourceReader`, which tags its errors.

use crate::report::{IronError, Kind};
use std::io::{self, Read};

/// An error the source itself returned (kept whole so an `IronError` inside survives).
#[derive(Debug)]
pub struct SourceError(pub io::Error);

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SourceError {}

/// Wraps the raw source so its errors are recognisable after any decoder.
pub struct SourceReader<R>(pub R);

impl<R: Read> Read for SourceReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(tag)
    }
}

impl<R: io::Seek> io::Seek for SourceReader<R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.0.seek(pos).map_err(tag)
    }
}

impl<R: super::ZeroFeed> super::ZeroFeed for SourceReader<R> {
    fn zeros_ahead(&mut self) -> io::Result<u64> {
        self.0.zeros_ahead().map_err(tag)
    }
    fn skip_zeros(&mut self, n: u64) {
        self.0.skip_zeros(n)
    }
}

fn tag(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::Interrupted {
        return e; // retried by the reader loops
    }
    io::Error::new(e.kind(), SourceError(e))
}

/// Maps an error met while reading the source (through `what`: "gzip stream", "qcow2 image",
/// "image") to the report: the source's own error stays what it was (an `IronError` carried in
/// an `io::Error` comes back unchanged), anything the decoder raised is a corrupt image.
pub fn read_error(e: io::Error, what: &str) -> IronError {
    if let Some(src) = e.get_ref().and_then(|i| i.downcast_ref::<SourceError>()) {
        return source_error(&src.0);
    }
    if let Some(iron) = e.get_ref().and_then(|i| i.downcast_ref::<IronError>()) {
        return iron.clone();
    }
    if e.kind() == io::ErrorKind::UnexpectedEof {
        return IronError::new(Kind::CorruptImage, format!("{what} is truncated")).caused_by(e);
    }
    IronError::new(Kind::CorruptImage, format!("{what} is corrupt")).caused_by(e)
}

/// A failure of the source itself (not of the image's content).
pub fn source_error(e: &io::Error) -> IronError {
    if let Some(iron) = e.get_ref().and_then(|i| i.downcast_ref::<IronError>()) {
        return iron.clone();
    }
    IronError::new(Kind::Io, "reading the image source failed").caused_by(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other(IronError::new(
                Kind::Network,
                "connection to 'x' dropped",
            )))
        }
    }

    #[test]
    fn source_errors_survive_decoders() {
        let mut dec = flate2::read::MultiGzDecoder::new(SourceReader(Failing));
        let err = dec.read(&mut [0u8; 16]).unwrap_err();
        let iron = read_error(err, "gzip stream");
        assert_eq!(iron.kind, Kind::Network);
        assert_eq!(iron.message, "connection to 'x' dropped");
    }

    #[test]
    fn decoder_errors_are_corrupt_images() {
        let mut dec =
            flate2::read::MultiGzDecoder::new(SourceReader(&b"\x1f\x8b\x08\0garbage"[..]));
        let err = dec.read(&mut [0u8; 16]).unwrap_err();
        assert_eq!(read_error(err, "gzip stream").kind, Kind::CorruptImage);
    }
}
