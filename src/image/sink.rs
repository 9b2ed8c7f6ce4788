//! The block sink: large aligned writes, zero runs turned into BLKZEROOUT (or skipped, or
//! written), and the hold-back that keeps a failed or tampered write from leaving a disk that
//! looks valid: the first MiB of the image and its last MiB (where a backup GPT sits) reach the
//! disk only in `finish`, after the caller verified the checksum. Before the first byte of any
//! attempt lands, the target's old first and last MiB are zeroed and fsync'd, once per sink
//! (mirrors and restarts share it), so that from then on, whatever stops the process (an error,
//! SIGKILL, power loss), the disk never shows its old table over new data.

use crate::disk::open::open_for_write;
use crate::image::format::{Chunk, is_all_zero};
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::aligned::{self, AlignedBuf};
use crate::sys::zeroing;
use std::collections::VecDeque;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Bytes held back at each end of the image until the checksum matched.
pub const HOLD: u64 = 1 << 20;
/// Zero detection granularity (absolute offsets, so runs stay aligned).
const ZERO_BLOCK: u64 = 64 << 10;
/// Size of one write.
const WRITE_SIZE: usize = 4 << 20;
/// O_DIRECT alignment (covers 512- and 4096-byte logical sectors).
const ALIGN: u64 = aligned::ALIGN as u64;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Sparse {
    /// Zero runs become BLKZEROOUT (write-zeroes, or hole punching on loop devices)
    Auto,
    /// Zero runs are written as zeros
    Write,
    /// Zero runs are skipped: the operator asserts the target already reads back zeros
    Skip,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub written: u64,
    pub zeroed: u64,
    pub skipped: u64,
}

enum Op {
    Data(Vec<u8>),
    Zero(u64),
}

impl Op {
    fn len(&self) -> u64 {
        match self {
            Op::Data(d) => d.len() as u64,
            Op::Zero(n) => *n,
        }
    }
}

pub struct Sink {
    path: PathBuf,
    file: File,
    direct: Option<File>,
    capacity: u64,
    sparse: Sparse,
    zeroout_ok: bool,
    /// fallocate(PUNCH_HOLE) works on this device (else BLKZEROOUT).
    punch_ok: bool,
    /// Image offset of the next byte pushed.
    pos: u64,
    head: Vec<u8>,
    delay: VecDeque<(u64, Op)>,
    delay_len: u64,
    buf: AlignedBuf,
    buf_off: u64,
    zero_run: Option<(u64, u64)>,
    /// Whether anything reached the disk (decides if a failure must wipe the table areas).
    /// Survives `reset`: a later mirror failing early does not undo what an earlier one wrote.
    pub touched: bool,
    /// The target's old first and last MiB were zeroed (done once, before the first write).
    ends_cleared: bool,
    pub stats: Stats,
    /// Data buffers written out, for the decoder to reuse.
    pub spent: Vec<Vec<u8>>,
}

/// Which write path the sink uses: O_DIRECT unless `IRONBOX_IO=buffered` (see README: measured
/// faster on loop devices and real disks, and it keeps the page cache out of the ramdisk's RAM).
pub fn use_direct() -> bool {
    std::env::var("IRONBOX_IO").map_or(true, |v| v != "buffered")
}

impl Sink {
    pub fn open(path: &Path, exclusive: bool, capacity: u64, sparse: Sparse) -> Result<Sink> {
        let file = open_for_write(path, exclusive)?;
        // A second descriptor with O_DIRECT for the aligned bulk of the data. The exclusive claim
        // is held by `file`, so this one opens without O_EXCL.
        let direct = if use_direct() {
            aligned::open_direct_write(path).ok()
        } else {
            None
        };
        Ok(Sink {
            path: path.to_path_buf(),
            file,
            direct,
            capacity,
            sparse,
            zeroout_ok: true,
            punch_ok: true,
            pos: 0,
            head: Vec::new(),
            delay: VecDeque::new(),
            delay_len: 0,
            buf: AlignedBuf::new(WRITE_SIZE, aligned::ALIGN),
            buf_off: 0,
            zero_run: None,
            touched: false,
            ends_cleared: false,
            stats: Stats::default(),
            spent: Vec::new(),
        })
    }

    pub fn io_mode(&self) -> crate::image::report::IoMode {
        use crate::image::report::IoMode;
        if self.direct.is_some() {
            IoMode::Direct
        } else {
            IoMode::Buffered
        }
    }

    /// Forgets everything pushed (a source restarted from byte zero). What reached the disk is
    /// not forgotten: `touched` stays set, so a failure of the next attempt still wipes.
    pub fn reset(&mut self) {
        self.pos = 0;
        self.head.clear();
        self.delay.clear();
        self.delay_len = 0;
        self.buf.clear();
        self.zero_run = None;
        self.stats = Stats::default();
    }

    fn too_large(&self, end: u64) -> IronError {
        IronError::new(
            Kind::ImageTooLarge,
            format!(
                "the image is larger than {} ({} bytes): it reached {end} bytes",
                self.path.display(),
                self.capacity
            ),
        )
        .with(Key::Device, self.path.display().to_string())
        .with(Key::Capacity, self.capacity)
    }

    /// Accepts the next chunk of the decoded image.
    pub fn push(&mut self, chunk: Chunk) -> Result<()> {
        let len = match &chunk {
            Chunk::Data(d) => d.len() as u64,
            Chunk::Zero(n) => *n,
        };
        if len == 0 {
            return Ok(());
        }
        let end = self.pos + len;
        if end > self.capacity {
            return Err(self.too_large(end));
        }
        let mut op = match chunk {
            Chunk::Data(d) => Op::Data(d),
            Chunk::Zero(n) => Op::Zero(n),
        };
        let mut off = self.pos;
        self.pos = end;
        // The head: bytes below HOLD are kept in memory.
        if off < HOLD {
            let take = (HOLD - off).min(op.len());
            let need = (off + take) as usize;
            if self.head.len() < need {
                self.head.resize(need, 0);
            }
            match &mut op {
                Op::Data(d) => {
                    self.head[off as usize..need].copy_from_slice(&d[..take as usize]);
                    if take as usize == d.len() {
                        self.spent.push(std::mem::take(d));
                        return Ok(());
                    }
                    d.drain(..take as usize);
                }
                Op::Zero(n) => {
                    if take == *n {
                        return Ok(());
                    }
                    *n -= take;
                }
            }
            off += take;
        }
        // The tail: a delay line of at least HOLD bytes.
        self.delay_len += op.len();
        self.delay.push_back((off, op));
        while let Some((_, front)) = self.delay.front() {
            if self.delay_len - front.len() < HOLD {
                break;
            }
            let (o, op) = self.delay.pop_front().expect("front exists");
            self.delay_len -= op.len();
            self.emit(o, op)?;
        }
        Ok(())
    }

    fn emit(&mut self, off: u64, op: Op) -> Result<()> {
        match op {
            Op::Zero(n) => self.zeros(off, n),
            Op::Data(d) => {
                let mut at = 0usize;
                while at < d.len() {
                    let abs = off + at as u64;
                    let block_end = ((abs / ZERO_BLOCK) + 1) * ZERO_BLOCK;
                    let n = ((block_end - abs) as usize).min(d.len() - at);
                    let piece = &d[at..at + n];
                    if self.sparse != Sparse::Write && is_all_zero(piece) {
                        self.zeros(abs, n as u64)?;
                    } else {
                        self.data(abs, piece)?;
                    }
                    at += n;
                }
                if self.spent.len() < 4 {
                    self.spent.push(d);
                }
                Ok(())
            }
        }
    }

    fn zeros(&mut self, off: u64, n: u64) -> Result<()> {
        if self.sparse == Sparse::Write {
            let mut left = n;
            let mut at = off;
            while left > 0 {
                if !self.buf.is_empty() && self.buf_off + self.buf.len() as u64 != at {
                    self.flush_buf()?;
                }
                if self.buf.is_empty() {
                    self.buf_off = at;
                }
                let k = (self.buf.room() as u64).min(left) as usize;
                self.buf.extend_zeros(k);
                left -= k as u64;
                at += k as u64;
                if self.buf.room() == 0 {
                    self.flush_buf()?;
                }
            }
            return Ok(());
        }
        match &mut self.zero_run {
            Some((_, e)) if *e == off => *e += n,
            _ => {
                self.flush_zero_run()?;
                self.zero_run = Some((off, off + n));
            }
        }
        Ok(())
    }

    fn data(&mut self, off: u64, piece: &[u8]) -> Result<()> {
        self.flush_zero_run()?;
        if !self.buf.is_empty() && self.buf_off + self.buf.len() as u64 != off {
            self.flush_buf()?;
        }
        let mut rest = piece;
        let mut at = off;
        while !rest.is_empty() {
            if self.buf.is_empty() {
                self.buf_off = at;
            }
            let k = self.buf.room().min(rest.len());
            self.buf.extend(&rest[..k]);
            rest = &rest[k..];
            at += k as u64;
            if self.buf.room() == 0 {
                self.flush_buf()?;
            }
        }
        Ok(())
    }

    fn io_err(&self, what: &str, off: u64, e: std::io::Error) -> IronError {
        IronError::new(
            Kind::Io,
            format!("cannot {what} {} at byte {off}", self.path.display()),
        )
        .with(Key::Device, self.path.display().to_string())
        .caused_by(e)
    }

    fn flush_buf(&mut self) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.clear_old_ends()?;
        let off = self.buf_off;
        let data = self.buf.as_slice();
        let aligned = if self.direct.is_some() && off.is_multiple_of(ALIGN) {
            data.len() as u64 / ALIGN * ALIGN
        } else {
            0
        } as usize;
        if aligned > 0 {
            let d = self.direct.as_ref().expect("direct fd");
            if let Err(e) = d.write_all_at(&data[..aligned], off) {
                return Err(self.io_err("write", off, e));
            }
        }
        if aligned < data.len()
            && let Err(e) = self
                .file
                .write_all_at(&data[aligned..], off + aligned as u64)
        {
            return Err(self.io_err("write", off + aligned as u64, e));
        }
        self.touched = true;
        self.stats.written += data.len() as u64;
        self.buf.clear();
        Ok(())
    }

    fn flush_zero_run(&mut self) -> Result<()> {
        let Some((s, e)) = self.zero_run.take() else {
            return Ok(());
        };
        if self.sparse == Sparse::Skip {
            self.stats.skipped += e - s;
            return Ok(());
        }
        self.clear_old_ends()?;
        self.zero_range(s, e, true)
    }

    /// Zeroes [s, e): BLKZEROOUT for the aligned middle when the device takes it, writes for
    /// the rest. Counted as zeroed or written when `count`.
    fn zero_range(&mut self, s: u64, e: u64, count: bool) -> Result<()> {
        let a = s.div_ceil(ALIGN) * ALIGN;
        let b = e / ALIGN * ALIGN;
        let mut written = Vec::new();
        if self.zeroout_ok && a < b {
            match zeroing::zero_range(&self.file, a, b - a, self.punch_ok) {
                Ok(method) => {
                    self.punch_ok = method == zeroing::Method::PunchHole;
                    self.touched = true;
                    if count {
                        self.stats.zeroed += b - a;
                    }
                    written.push((s, a));
                    written.push((b, e));
                }
                Err(err) => {
                    crate::progress::warn(&format!(
                        "zeroing a range of {} failed ({err}); writing zeros instead",
                        self.path.display()
                    ));
                    self.zeroout_ok = false;
                    written.push((s, e));
                }
            }
        } else {
            written.push((s, e));
        }
        let zeros = vec![0u8; (WRITE_SIZE as u64).min(e - s) as usize];
        for (mut x, y) in written {
            while x < y {
                let n = ((y - x) as usize).min(zeros.len());
                if let Err(err) = self.file.write_all_at(&zeros[..n], x) {
                    return Err(self.io_err("write zeros to", x, err));
                }
                self.touched = true;
                if count {
                    self.stats.written += n as u64;
                }
                x += n as u64;
            }
        }
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        if let Some(d) = &self.direct {
            d.sync_all().map_err(|e| self.io_err("flush", 0, e))?;
        }
        self.file.sync_all().map_err(|e| self.io_err("flush", 0, e))
    }

    /// Writes everything held back (call only after the checksum matched), then fsyncs. The
    /// head goes last, so the disk looks like the image only once all of it is there.
    pub fn finish(&mut self) -> Result<()> {
        self.clear_old_ends()?;
        while let Some((o, op)) = self.delay.pop_front() {
            self.delay_len -= op.len();
            self.emit(o, op)?;
        }
        self.flush_zero_run()?;
        self.flush_buf()?;
        self.clear_past_image()?;
        self.sync()?;
        if !self.head.is_empty() {
            let head = std::mem::take(&mut self.head);
            let zero_head = self.sparse != Sparse::Write && is_all_zero(&head);
            if zero_head && self.sparse == Sparse::Skip {
                self.stats.skipped += head.len() as u64;
            } else {
                self.file
                    .write_all_at(&head, 0)
                    .map_err(|e| self.io_err("write", 0, e))?;
                self.stats.written += head.len() as u64;
            }
            self.touched = true;
            self.sync()?;
        }
        Ok(())
    }

    /// A target that held another layout keeps its backup GPT (and md 1.0 or ZFS labels) in
    /// its last MiB, past the end of a smaller image, where tools would still find that stale
    /// table. Clear what of that MiB the image did not cover (IPA wipes the disk's metadata
    /// before writing for the same reason), before the head makes the target look valid.
    fn clear_past_image(&mut self) -> Result<()> {
        let from = self.pos.max(self.capacity.saturating_sub(HOLD));
        if from < self.capacity {
            self.zero_range(from, self.capacity, false)?;
        }
        Ok(())
    }

    /// Before the first byte lands: zero the target's old first and last MiB and fsync, so a
    /// process stopped at any later point (SIGKILL included) leaves no old table over new data.
    fn clear_old_ends(&mut self) -> Result<()> {
        if self.ends_cleared {
            return Ok(());
        }
        self.ends_cleared = true;
        self.zero_ends()
    }

    /// After a failure: zero the first and last MiB (partition tables, backup GPT, superblocks)
    /// so the target no longer looks bootable.
    pub fn wipe_tables(&mut self) -> Result<()> {
        self.delay.clear();
        self.buf.clear();
        self.zero_run = None;
        self.head.clear();
        self.zero_ends()
    }

    fn zero_ends(&mut self) -> Result<()> {
        self.touched = true;
        let first = HOLD.min(self.capacity);
        self.zero_range(0, first, false)?;
        if self.capacity > first {
            let s = self.capacity.saturating_sub(HOLD).max(first);
            self.zero_range(s, self.capacity, false)?;
        }
        self.sync()
    }

    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> Vec<u8> {
        // 3 MiB + 1000 bytes: data, a zero run, data, an unaligned tail.
        let mut v: Vec<u8> = (0..(3 << 20) + 1000).map(|i| (i % 251) as u8 + 1).collect();
        v[(1 << 20) + 4096..(2 << 20) + 8192].fill(0);
        v
    }

    fn run(sparse: Sparse, chunk: usize) -> (Vec<u8>, Stats, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("target");
        std::fs::write(&path, vec![0xeeu8; 4 << 20]).unwrap();
        let img = image();
        let mut sink = Sink::open(&path, false, 4 << 20, sparse).unwrap();
        for piece in img.chunks(chunk) {
            sink.push(Chunk::Data(piece.to_vec())).unwrap();
        }
        sink.push(Chunk::Zero(4096)).unwrap();
        let before = std::fs::read(&path).unwrap();
        sink.finish().unwrap();
        let stats = sink.stats;
        (before, stats, std::fs::read(&path).unwrap())
    }

    #[test]
    fn holds_back_both_ends_until_finish() {
        let img = image();
        for chunk in [1000, 64 << 10, 3 << 20] {
            let (before, stats, after) = run(Sparse::Write, chunk);
            // The old head is cleared before the first write (untouched when nothing was
            // written yet); the new one is held.
            let head = &before[..HOLD as usize];
            assert!(
                head.iter().all(|b| *b == 0) || head.iter().all(|b| *b == 0xee),
                "old head cleared, new head held"
            );
            let end = img.len() + 4096;
            assert!(
                before[end - HOLD as usize..img.len()] != img[end - HOLD as usize..],
                "tail held"
            );
            // Once anything was written, the target's old last MiB was cleared too.
            if head[0] == 0 {
                assert!(before[3 << 20..].iter().all(|b| *b == 0));
            }
            assert_eq!(&after[..img.len()], &img[..]);
            assert!(after[img.len()..end].iter().all(|b| *b == 0));
            // What lay past the image in the target's last MiB (a stale backup GPT) is gone.
            assert!(after[end..].iter().all(|b| *b == 0), "stale tail cleared");
            assert_eq!(stats.written, end as u64);
        }
    }

    #[test]
    fn zero_runs_are_skipped_or_zeroed() {
        let img = image();
        let (_, stats, after) = run(Sparse::Skip, 1 << 20);
        assert!(stats.skipped > 0);
        // Skipped ranges keep whatever was there.
        assert_eq!(after[(1 << 20) + 200_000], 0xee);
        let (_, stats, after) = run(Sparse::Auto, 1 << 20);
        assert_eq!(&after[..img.len()], &img[..]);
        assert_eq!(stats.skipped, 0);
    }

    #[test]
    fn too_large_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t");
        std::fs::write(&path, vec![0u8; 1 << 20]).unwrap();
        let mut sink = Sink::open(&path, false, 1 << 20, Sparse::Auto).unwrap();
        sink.push(Chunk::Zero(1 << 20)).unwrap();
        let e = sink.push(Chunk::Data(vec![1])).unwrap_err();
        assert_eq!(e.kind, Kind::ImageTooLarge);
    }
}
