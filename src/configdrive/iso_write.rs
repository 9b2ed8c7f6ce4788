//! ISO 9660 with Rock Ridge and Joliet, volume id `config-2`, as `mkisofs -R -J -V config-2`
//! makes it. hadris-iso does the writing (MACHINE-NOTES: its images pass xorriso and Linux).

use super::tree::{Dir, Tree};
use crate::report::{IronError, Kind, Result};
use hadris_iso::read::PathSeparator;
use hadris_iso::write::options::{CreationFeatures, IsoFormatOptions};
use hadris_iso::write::{File as IsoFile, InputFiles, IsoImageWriter};
use std::io::Cursor;
use std::sync::Arc;

pub const VOLUME_ID: &str = "config-2";

/// Builds the image in memory (a config drive is at most tens of MiB, usually a few KiB).
pub fn build(tree: &Tree) -> Result<Vec<u8>> {
    let input = InputFiles {
        path_separator: PathSeparator::ForwardSlash,
        files: nest(tree),
    };
    let options = IsoFormatOptions {
        volume_name: VOLUME_ID.to_string(),
        system_id: None,
        volume_set_id: None,
        publisher_id: None,
        preparer_id: None,
        application_id: Some("ironbox".to_string()),
        sector_size: 2048,
        path_separator: PathSeparator::ForwardSlash,
        features: CreationFeatures::extensions(),
        strict_charset: false,
    };
    // The writer seeks within its target; a Cursor grows as needed. Room for the descriptors
    // and directories up front keeps it from reallocating much.
    let mut buf = Cursor::new(Vec::with_capacity(tree.total_bytes() as usize + (1 << 20)));
    IsoImageWriter::create(&mut buf, input, options).map_err(|e| {
        IronError::new(Kind::Internal, "cannot build the ISO 9660 image").caused_by(e)
    })?;
    let mut img = buf.into_inner();
    // Trim to the volume space size the primary descriptor declares.
    if img.len() >= 0x8000 + 88 {
        let blocks = u32::from_le_bytes(img[0x8000 + 80..0x8000 + 84].try_into().unwrap()) as usize;
        if blocks * 2048 <= img.len() && blocks > 16 {
            img.truncate(blocks * 2048);
        } else if blocks * 2048 > img.len() {
            img.resize(blocks * 2048, 0);
        }
    }
    Ok(img)
}

fn nest(tree: &Tree) -> Vec<IsoFile> {
    fn convert(d: Dir) -> Vec<IsoFile> {
        let mut out = Vec::new();
        for (name, sub) in d.dirs {
            out.push(IsoFile::Directory {
                name: Arc::new(name),
                children: convert(sub),
            });
        }
        for (name, contents) in d.files {
            out.push(IsoFile::File {
                name: Arc::new(name),
                contents,
            });
        }
        out
    }
    convert(tree.nested())
}
