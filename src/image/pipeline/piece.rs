//! What travels from the fetch stage through the hash stage to the decoder, and the `Read`
//! adapter the decoder reads it through.

use crate::image::format;
use std::io::{self, Read};
use std::sync::mpsc::{Receiver, Sender};

/// One piece of the served stream.
pub enum Piece {
    Data(Vec<u8>),
    /// A run of zeros the source knew of without reading it (a hole in a local file).
    Zeros(u64),
    /// The stream ended: every byte before this was delivered.
    Eof,
    /// The stage before failed; its own error is the one to report.
    Failed,
}

/// Marker: the reader stopped because the stage before it failed (its error is the real one).
#[derive(Debug)]
pub struct UpstreamFailed;
impl std::fmt::Display for UpstreamFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the source failed")
    }
}
impl std::error::Error for UpstreamFailed {}

/// Reads the pieces of a channel as one byte stream, handing each spent buffer back for reuse.
/// Runs of zeros read as zeros, or are passed on unread through `ZeroFeed`.
pub struct ChannelReader {
    rx: Receiver<Piece>,
    back: Sender<Vec<u8>>,
    cur: Vec<u8>,
    at: usize,
    zeros: u64,
    ended: bool,
}

impl ChannelReader {
    pub fn new(rx: Receiver<Piece>, back: Sender<Vec<u8>>) -> ChannelReader {
        ChannelReader {
            rx,
            back,
            cur: Vec::new(),
            at: 0,
            zeros: 0,
            ended: false,
        }
    }

    /// Once the current buffer is used up: returns it for reuse and takes the next piece.
    /// Ok(false) at the end of the stream. A channel closed without `Eof` is a failure.
    fn next_piece(&mut self) -> io::Result<bool> {
        if self.ended {
            return Ok(false);
        }
        let done = std::mem::take(&mut self.cur);
        if done.capacity() > 0 {
            let _ = self.back.send(done);
        }
        self.at = 0;
        match self.rx.recv() {
            Ok(Piece::Data(buf)) => self.cur = buf,
            Ok(Piece::Zeros(n)) => self.zeros = n,
            Ok(Piece::Eof) => {
                self.ended = true;
                return Ok(false);
            }
            Ok(Piece::Failed) | Err(_) => return Err(io::Error::other(UpstreamFailed)),
        }
        Ok(true)
    }
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.zeros == 0 && self.at >= self.cur.len() {
            if !self.next_piece()? {
                return Ok(0);
            }
        }
        if self.zeros > 0 {
            let n = (out.len() as u64).min(self.zeros) as usize;
            out[..n].fill(0);
            self.zeros -= n as u64;
            return Ok(n);
        }
        let n = out.len().min(self.cur.len() - self.at);
        out[..n].copy_from_slice(&self.cur[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Holes of a local sparse file reach a raw image's decoder as runs of zeros it passes on as
/// `Chunk::Zero`, never as buffers of zeros (qcow2 and compressed streams read them as zeros).
impl format::ZeroFeed for ChannelReader {
    fn zeros_ahead(&mut self) -> io::Result<u64> {
        if self.zeros > 0 || self.at < self.cur.len() {
            return Ok(self.zeros);
        }
        // The current buffer is used up: see what comes next.
        self.next_piece()?;
        Ok(self.zeros)
    }

    fn skip_zeros(&mut self, n: u64) {
        self.zeros -= n.min(self.zeros);
    }
}

/// Calls `f` on slices of zeros that add up to `n` bytes (hashing a run of zeros).
pub fn for_zeros(n: u64, mut f: impl FnMut(&[u8])) {
    static ZEROS: [u8; 64 << 10] = [0; 64 << 10];
    let mut left = n;
    while left > 0 {
        let k = left.min(ZEROS.len() as u64) as usize;
        f(&ZEROS[..k]);
        left -= k as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::format::ZeroFeed;
    use std::sync::mpsc::{channel, sync_channel};

    fn reader(pieces: Vec<Piece>) -> (ChannelReader, Receiver<Vec<u8>>) {
        let (tx, rx) = sync_channel(pieces.len() + 1);
        for p in pieces {
            tx.send(p).unwrap();
        }
        let (back, spent) = channel();
        (ChannelReader::new(rx, back), spent)
    }

    #[test]
    fn reads_data_and_zeros_in_order_and_recycles() {
        let (mut r, spent) = reader(vec![
            Piece::Data(vec![1, 2, 3]),
            Piece::Zeros(4),
            Piece::Data(vec![5]),
            Piece::Eof,
        ]);
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, [1, 2, 3, 0, 0, 0, 0, 5]);
        assert_eq!(spent.try_iter().count(), 2);
        assert_eq!(r.read(&mut [0u8; 4]).unwrap(), 0, "stays at the end");
    }

    #[test]
    fn zeros_pass_unread() {
        let (mut r, _) = reader(vec![
            Piece::Zeros(1 << 40),
            Piece::Data(vec![7]),
            Piece::Eof,
        ]);
        assert_eq!(r.zeros_ahead().unwrap(), 1 << 40);
        r.skip_zeros(1 << 40);
        let mut b = [0u8; 2];
        assert_eq!(r.read(&mut b).unwrap(), 1);
        assert_eq!(b[0], 7);
    }

    #[test]
    fn a_failed_or_vanished_upstream_is_an_error_not_an_end() {
        let (mut r, _) = reader(vec![Piece::Data(vec![1]), Piece::Failed]);
        let mut all = Vec::new();
        let e = r.read_to_end(&mut all).unwrap_err();
        assert!(e.get_ref().unwrap().is::<UpstreamFailed>());
        // The sender gone without Eof: the stream was cut, not finished.
        let (tx, rx) = sync_channel::<Piece>(1);
        tx.send(Piece::Data(vec![1])).unwrap();
        drop(tx);
        let (back, _) = channel();
        let mut r = ChannelReader::new(rx, back);
        assert!(r.read_to_end(&mut Vec::new()).is_err());
    }
}
