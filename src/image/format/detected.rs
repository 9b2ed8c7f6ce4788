//! What the format layer found in the served bytes, as typed values: the report's `format`,
//! `compression` and `qcow2_path` keys are these enums' snake_case names.

use serde::Serialize;

/// The image format once compression is undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImageFormat {
    Raw,
    Qcow2,
}

/// The compression around the image (undone in the same pass).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    Xz,
}

/// How a qcow2's bytes were obtained: one forward pass (`sequential`), a seekable source sought
/// back (`random_access`), or bytes brought back from the spill file (`spill`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Qcow2Path {
    Sequential,
    RandomAccess,
    Spill,
}

/// What `open` found. `qcow2_path` can change while streaming: it starts as `Sequential` and
/// becomes `RandomAccess` or `Spill` when the image turns out not to be in streaming order.
/// Read it for the report after the stream ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub format: ImageFormat,
    pub compression: Compression,
    /// The qcow2 header's size; None for raw streams.
    pub virtual_size: Option<u64>,
    /// None for raw.
    pub qcow2_path: Option<Qcow2Path>,
}

impl Detected {
    pub fn raw(compression: Compression) -> Detected {
        Detected {
            format: ImageFormat::Raw,
            compression,
            virtual_size: None,
            qcow2_path: None,
        }
    }

    /// Raw and uncompressed: the decoded image is the served byte stream itself.
    pub fn is_plain_raw(&self) -> bool {
        self.format == ImageFormat::Raw && self.compression == Compression::None
    }

    /// The decoded size known before decoding: a qcow2's virtual size, or the served length of
    /// an uncompressed raw image.
    pub fn size_hint(&self, served_length: Option<u64>) -> Option<u64> {
        match (self.format, self.compression) {
            (ImageFormat::Qcow2, _) => self.virtual_size,
            (ImageFormat::Raw, Compression::None) => served_length,
            (ImageFormat::Raw, _) => None,
        }
    }
}

impl ImageFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageFormat::Raw => "raw",
            ImageFormat::Qcow2 => "qcow2",
        }
    }
}

impl Compression {
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Xz => "xz",
        }
    }

    /// How error messages name the decoded stream ("gzip stream").
    pub fn stream_name(self) -> &'static str {
        match self {
            Compression::None => "image",
            Compression::Gzip => "gzip stream",
            Compression::Zstd => "zstd stream",
            Compression::Xz => "xz stream",
        }
    }
}

impl Qcow2Path {
    pub fn as_str(self) -> &'static str {
        match self {
            Qcow2Path::Sequential => "sequential",
            Qcow2Path::RandomAccess => "random_access",
            Qcow2Path::Spill => "spill",
        }
    }
}

/// `--format`: sniff (auto), or force raw or qcow2. One type from the command line down to the
/// format layer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, schemars::JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum ForceFormat {
    /// Sniff from magic bytes
    #[default]
    Auto,
    /// Write the (decompressed) bytes as they are
    Raw,
    /// Require qcow2
    Qcow2,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_report_values() {
        for c in [
            Compression::None,
            Compression::Gzip,
            Compression::Zstd,
            Compression::Xz,
        ] {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        for p in [
            Qcow2Path::Sequential,
            Qcow2Path::RandomAccess,
            Qcow2Path::Spill,
        ] {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        for f in [ImageFormat::Raw, ImageFormat::Qcow2] {
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
        assert_eq!(serde_json::to_value(ForceFormat::Qcow2).unwrap(), "qcow2");
    }

    #[test]
    fn size_hint_follows_format() {
        let mut d = Detected::raw(Compression::None);
        assert_eq!(d.size_hint(Some(5)), Some(5));
        d.compression = Compression::Gzip;
        assert_eq!(d.size_hint(Some(5)), None);
        d.format = ImageFormat::Qcow2;
        d.virtual_size = Some(9);
        assert_eq!(d.size_hint(Some(5)), Some(9));
    }
}
