//! The decode stage: sniffs and decodes the served bytes into guest chunks, hashing the decoded
//! image when it differs from the served one (hashing here keeps the writer free for I/O).

use super::piece::{ChannelReader, for_zeros};
use crate::image::format::{self, Chunk, Detected};
use crate::progress::{Phase, Progress};
use crate::report::IronError;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::sync::mpsc::{Receiver, SyncSender};

/// Decoded chunks in flight between decode and the sink.
pub const CHUNK_DEPTH: usize = 6;

pub enum Msg {
    Detected(Detected),
    Chunk(Chunk),
    /// The stream ended; carries the final detection (qcow2_path may have changed) and the
    /// decoded image's sha256 when it had to be computed.
    End(Detected, Option<String>),
}

pub struct DecodeStage {
    pub reader: ChannelReader,
    /// A second handle on a local qcow2 file, read with random access instead of the channel.
    pub seekable: Option<File>,
    pub opts: format::Options,
    pub tx: SyncSender<Msg>,
    pub recycled: Receiver<Vec<u8>>,
    /// Whether the served bytes' own hash is a sha256 (then a plain raw image needs no second).
    pub served_is_sha256: bool,
    pub hash_decoded: bool,
}

impl DecodeStage {
    pub fn run(self) -> Result<(), IronError> {
        let mut stream = match self.seekable {
            Some(f) => {
                drop(self.reader);
                format::open_seekable(Box::new(f), &self.opts)?
            }
            None => format::open_feed(Box::new(self.reader), &self.opts)?,
        };
        let d = stream.detected().clone();
        let mut hasher =
            (self.hash_decoded && !same_as_served(&d, self.served_is_sha256)).then(Sha256::new);
        // Only a transformed image has a decode phase of its own; a plain raw one is its download.
        let progress = (!d.is_plain_raw()).then(|| Progress::new(Phase::Decode, d.virtual_size));
        if self.tx.send(Msg::Detected(d)).is_err() {
            return Ok(());
        }
        loop {
            while let Ok(buf) = self.recycled.try_recv() {
                stream.recycle(buf);
            }
            let Some(chunk) = stream.next_chunk()? else {
                break;
            };
            let len = match &chunk {
                Chunk::Data(d) => d.len() as u64,
                Chunk::Zero(n) => *n,
            };
            if let Some(h) = hasher.as_mut() {
                match &chunk {
                    Chunk::Data(d) => h.update(d),
                    Chunk::Zero(n) => for_zeros(*n, |z| h.update(z)),
                }
            }
            if let Some(p) = &progress {
                p.inc(len);
            }
            if self.tx.send(Msg::Chunk(chunk)).is_err() {
                return Ok(());
            }
        }
        if let Some(p) = &progress {
            p.finish();
        }
        let digest = hasher.map(|h| crate::fetch::checksum::hex(&h.finalize()));
        let _ = self.tx.send(Msg::End(stream.detected().clone(), digest));
        Ok(())
    }
}

/// Raw and uncompressed: the decoded image is the served stream, whose sha256 the hash stage
/// computes anyway when the checksum is a sha256. Hashing it again in the decoder is waste.
pub fn same_as_served(d: &Detected, served_is_sha256: bool) -> bool {
    d.is_plain_raw() && served_is_sha256
}
