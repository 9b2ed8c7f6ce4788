//! Reading the qcow2 file by host offset, from whatever the source allows:
//! - a forward-only stream ("sequential"): offsets must grow; skipped bytes stay in a bounded
//!   window in memory and, when they fall out of it, are discarded or, when a spill directory
//!   was given, written to a spill file at the same offsets so that a later need for them is
//!   served from disk ("spill"), never from RAM. The spill file is anonymous (O_TMPFILE or
//!   unlinked at once), created only when needed, and grows at most to the image's size;
//! - a seekable source: small forward gaps are read through, anything else seeks; the first
//!   backward seek turns the path into "random_access";
//! - a forward-only stream with a second, seekable road to the same bytes (HTTP Range requests
//!   on the image's URL) and no spill directory: bytes the stream has passed are fetched again
//!   by range, in order and over one connection as long as they follow each other
//!   ("random_access"). The image is then downloaded up to twice, but never held in RAM.
//!
//! A short tail of the bytes last read is kept because compressed clusters are stored with
//! sector-rounded sizes, so the next cluster may start a few bytes before the last read ended.
//! And the most recent skipped bytes (up to `SKIPPED_KEEP`) are kept too: `qemu-img convert -c`
//! packs compressed clusters into the unused end of a host cluster allocated earlier, so a
//! later guest cluster can live in bytes the stream skipped a while ago (at most one cluster
//! per gap in practice). Memory stays bounded; what falls out of that window comes from the
//! spill file or a seek.

use crate::image::format::errors::{read_error, source_error};
use crate::image::format::{Qcow2Path, RangeOpener, ReadSeek, raw::fill};
use crate::report::{Context, IronError, Kind, Result};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::Path;

const TAIL: usize = 4096;
/// How many of the most recently skipped bytes stay in memory.
const SKIPPED_KEEP: usize = 16 << 20;
/// Forward gaps up to this size are read through on a seekable source (cheaper than a seek on
/// an HTTP Range reader, no worse on a file).
const READ_THROUGH: u64 = 1 << 20;

enum Input {
    Stream(Box<dyn Read + Send>),
    Seekable {
        inner: Box<dyn ReadSeek + Send>,
        base: u64,
        /// Host length of the image, when the source could say: an offset at or past it is
        /// a corrupt table, never a seek (which fails as `io` past the filesystem's maximum).
        len: Option<u64>,
    },
}

struct Spill {
    dir: std::path::PathBuf,
    /// Created on first use, so that images that never skip bytes touch nothing on disk.
    file: Option<File>,
    /// Host ranges written to the spill file, sorted, merged.
    ranges: Vec<(u64, u64)>,
}

pub struct Host {
    input: Input,
    what: &'static str,
    /// Host offset of the next byte the input yields.
    pos: u64,
    /// The last bytes read, ending at `pos`.
    tail: Vec<u8>,
    spill: Option<Spill>,
    /// Recently skipped pieces (host offset, bytes), in increasing offset order.
    skipped: std::collections::VecDeque<(u64, Vec<u8>)>,
    skipped_bytes: usize,
    scratch: Vec<u8>,
    path: Qcow2Path,
    ranged: Option<Ranged>,
}

/// The second road to a stream's bytes, opened on the first miss.
struct Ranged {
    open: RangeOpener,
    reader: Option<Box<dyn ReadSeek + Send>>,
    /// Host offset the reader is at.
    pos: u64,
}

impl Ranged {
    fn read_exact_at(&mut self, off: u64, buf: &mut [u8]) -> Result<()> {
        let len = buf.len();
        let fail = |e: io::Error| {
            IronError::new(
                Kind::Network,
                format!("fetching {len} bytes at {off} of the qcow2 image by Range request failed"),
            )
            .caused_by(e)
        };
        if self.reader.is_none() {
            self.reader = Some((self.open.0)()?);
            self.pos = 0;
        }
        let reader = self.reader.as_mut().expect("just opened");
        // Clusters usually come back in order: read small gaps through rather than ask again.
        if off >= self.pos && off - self.pos <= READ_THROUGH {
            io::copy(&mut (&mut *reader).take(off - self.pos), &mut io::sink()).map_err(fail)?;
        } else {
            reader.seek(SeekFrom::Start(off)).map_err(fail)?;
        }
        self.pos = off;
        reader.read_exact(buf).map_err(|e| {
            self.reader = None;
            fail(e)
        })?;
        self.pos = off + buf.len() as u64;
        Ok(())
    }
}

impl Host {
    /// A forward-only stream positioned at host offset 0.
    pub fn stream(
        input: Box<dyn Read + Send>,
        what: &'static str,
        spill_dir: Option<&Path>,
    ) -> Result<Self> {
        let spill = spill_dir.map(|dir| Spill {
            dir: dir.to_path_buf(),
            file: None,
            ranges: Vec::new(),
        });
        Ok(Host::new(Input::Stream(input), what, spill))
    }

    /// A seekable source whose host offset 0 is at `base`, currently positioned at `base`.
    pub fn seekable(mut inner: Box<dyn ReadSeek + Send>, base: u64) -> Self {
        let len = inner
            .seek(SeekFrom::End(0))
            .ok()
            .and_then(|end| end.checked_sub(base));
        let back = inner.seek(SeekFrom::Start(base));
        // If the source cannot seek back, the first read says so.
        let len = len.filter(|_| back.is_ok());
        Host::new(Input::Seekable { inner, base, len }, "qcow2 image", None)
    }

    /// The end of a seekable image, when known.
    fn end(&self) -> Option<u64> {
        match self.input {
            Input::Seekable { len, .. } => len,
            Input::Stream(_) => None,
        }
    }

    fn new(input: Input, what: &'static str, spill: Option<Spill>) -> Self {
        Host {
            input,
            what,
            pos: 0,
            tail: Vec::with_capacity(TAIL),
            spill,
            skipped: Default::default(),
            skipped_bytes: 0,
            scratch: Vec::new(),
            path: Qcow2Path::Sequential,
            ranged: None,
        }
    }

    /// Gives a stream a second, seekable road to its bytes, used when no spill file holds them.
    pub fn set_ranged(&mut self, open: RangeOpener) {
        self.ranged = Some(Ranged {
            open,
            reader: None,
            pos: 0,
        });
    }

    pub fn can_range(&self) -> bool {
        self.ranged.is_some()
    }

    /// How the bytes have been obtained so far.
    pub fn path(&self) -> Qcow2Path {
        self.path
    }

    pub fn is_seekable(&self) -> bool {
        matches!(self.input, Input::Seekable { .. })
    }

    pub fn can_spill(&self) -> bool {
        self.spill.is_some()
    }

    /// Reads exactly `buf.len()` bytes at host offset `off`.
    pub fn read_exact_at(&mut self, off: u64, buf: &mut [u8]) -> Result<()> {
        let got = self.read_at_most(off, buf)?;
        if got < buf.len() {
            return Err(IronError::new(
                Kind::CorruptImage,
                format!(
                    "qcow2 image is truncated: {} bytes needed at host offset {off}, the image ends at {}",
                    buf.len(),
                    off + got as u64
                ),
            ));
        }
        Ok(())
    }

    /// Reads up to `buf.len()` bytes at `off`; fewer only at the end of the image.
    pub fn read_at_most(&mut self, off: u64, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() || self.end().is_some_and(|end| off >= end) {
            return Ok(0);
        }
        let mut done = 0;
        if off < self.pos {
            let tail_start = self.pos - self.tail.len() as u64;
            if off >= tail_start {
                let from = (off - tail_start) as usize;
                let n = (self.tail.len() - from).min(buf.len());
                buf[..n].copy_from_slice(&self.tail[from..from + n]);
                done = n;
            } else {
                return self.read_behind(off, buf);
            }
        }
        if done == buf.len() {
            return Ok(done);
        }
        let off = off + done as u64;
        self.advance_to(off)?;
        let got = self.read_input(&mut buf[done..])?;
        self.remember(&buf[done..done + got]);
        Ok(done + got)
    }

    /// Reads a compressed cluster: like `read_at_most`, and the last sector read is also kept
    /// with the skipped bytes, because its end was not compressed data of this cluster and the
    /// next compressed cluster may be packed there even after the stream has moved on.
    pub fn read_compressed(&mut self, off: u64, buf: &mut [u8]) -> Result<usize> {
        let fresh_from = self.pos.max(off);
        let got = self.read_at_most(off, buf)?;
        let end = off + got as u64;
        if end > fresh_from && end == self.pos {
            let keep = (end - fresh_from).min(512) as usize;
            self.keep_skipped(end - keep as u64, &buf[got - keep..got])?;
        }
        Ok(got)
    }

    /// Bytes the stream has already passed: from the spill file, or by seeking back.
    fn read_behind(&mut self, off: u64, buf: &mut [u8]) -> Result<usize> {
        if self.copy_skipped(off, buf) {
            return Ok(buf.len());
        }
        if let Input::Seekable { .. } = self.input {
            self.seek_to(off)?;
            self.path = Qcow2Path::RandomAccess;
            let got = self.read_input(buf)?;
            self.remember(&buf[..got]);
            return Ok(got);
        }
        let end = off + buf.len() as u64;
        if let Some(spill) = &self.spill
            && let Some(file) = &spill.file
            && covers(&spill.ranges, off, end)
        {
            file.read_exact_at(buf, off).ctx(Kind::Io, || {
                format!(
                    "reading {} bytes at {off} from the qcow2 spill file failed",
                    buf.len()
                )
            })?;
            self.path = Qcow2Path::Spill;
            return Ok(buf.len());
        }
        if let Some(ranged) = &mut self.ranged {
            let end = self.pos.min(end);
            let n = (end - off) as usize;
            ranged.read_exact_at(off, &mut buf[..n])?;
            self.path = Qcow2Path::RandomAccess;
            if n == buf.len() {
                return Ok(n);
            }
            // The rest lies ahead of the stream: read on from it.
            let rest = self.read_at_most(end, &mut buf[n..])?;
            return Ok(n + rest);
        }
        Err(IronError::new(
            Kind::UnsupportedFormat,
            format!(
                "qcow2 image is not in streaming order: host offset {off} is needed after the stream passed it (at {}); give a seekable source, a spill directory (--cache-dir) or a server that takes Range requests",
                self.pos
            ),
        ))
    }

    /// Copies `buf` from the recently skipped pieces when they hold all of it.
    fn copy_skipped(&self, off: u64, buf: &mut [u8]) -> bool {
        let end = off + buf.len() as u64;
        let mut covered = off; // everything before this is copied
        // Pieces are in increasing offset order on a stream (a seek back may break that; then
        // this finds less and the caller seeks, which is still correct).
        let first = self
            .skipped
            .partition_point(|(start, bytes)| start + bytes.len() as u64 <= off);
        for (start, bytes) in self.skipped.range(first..) {
            let piece_end = start + bytes.len() as u64;
            if piece_end <= covered {
                continue;
            }
            if *start > covered {
                return false;
            }
            let upto = piece_end.min(end);
            buf[(covered - off) as usize..(upto - off) as usize]
                .copy_from_slice(&bytes[(covered - start) as usize..(upto - start) as usize]);
            covered = upto;
            if covered == end {
                return true;
            }
        }
        false
    }

    /// Keeps skipped bytes in the window; what falls out of it goes to the spill file, when
    /// there is one (so images that only skip a little never touch the disk).
    fn keep_skipped(&mut self, at: u64, bytes: &[u8]) -> Result<()> {
        self.skipped.push_back((at, bytes.to_vec()));
        self.skipped_bytes += bytes.len();
        while self.skipped_bytes > SKIPPED_KEEP {
            let (start, old) = self.skipped.pop_front().expect("non-empty");
            self.skipped_bytes -= old.len();
            if let Some(spill) = &mut self.spill {
                if spill.file.is_none() {
                    spill.file = Some(spill_file(&spill.dir)?);
                }
                let file = spill.file.as_ref().expect("just created");
                file.write_all_at(&old, start).ctx(Kind::Io, || {
                    format!(
                        "writing the qcow2 spill file at {start} failed (is the spill directory full?)"
                    )
                })?;
                add_range(&mut spill.ranges, start, start + old.len() as u64);
            }
        }
        Ok(())
    }

    /// Moves the input forward to `off`, reading through (and spilling) or seeking.
    fn advance_to(&mut self, off: u64) -> Result<()> {
        if off == self.pos {
            return Ok(());
        }
        debug_assert!(off > self.pos);
        if self.is_seekable() && off - self.pos > READ_THROUGH {
            return self.seek_to(off);
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.resize(256 << 10, 0);
        let result = (|| {
            while self.pos < off {
                crate::interrupt::check()?;
                let want = ((off - self.pos) as usize).min(scratch.len());
                let at = self.pos;
                let got = self.read_input(&mut scratch[..want])?;
                if got == 0 {
                    return Err(IronError::new(
                        Kind::CorruptImage,
                        format!(
                            "qcow2 image is truncated: host offset {off} is past its end ({at})"
                        ),
                    ));
                }
                self.keep_skipped(at, &scratch[..got])?;
                self.remember(&scratch[..got]);
            }
            Ok(())
        })();
        self.scratch = scratch;
        result
    }

    fn seek_to(&mut self, off: u64) -> Result<()> {
        if let Some(end) = self.end().filter(|end| off > *end) {
            return Err(IronError::new(
                Kind::CorruptImage,
                format!("qcow2 image is truncated: host offset {off} is past its end ({end})"),
            ));
        }
        if let Input::Seekable { inner, base, .. } = &mut self.input {
            inner
                .seek(SeekFrom::Start(*base + off))
                .map_err(|e| source_error(&e))?;
            self.pos = off;
            self.tail.clear();
        }
        Ok(())
    }

    /// Reads from the input at `pos` until `buf` is full or the input ends.
    fn read_input(&mut self, buf: &mut [u8]) -> Result<usize> {
        let got = match &mut self.input {
            Input::Stream(r) => fill(r, buf),
            Input::Seekable { inner, .. } => fill(inner, buf),
        }
        .map_err(|e: io::Error| read_error(e, self.what))?;
        self.pos += got as u64;
        Ok(got)
    }

    /// Keeps the last `TAIL` bytes read (which end at `pos`).
    fn remember(&mut self, bytes: &[u8]) {
        if bytes.len() >= TAIL {
            self.tail.clear();
            self.tail.extend_from_slice(&bytes[bytes.len() - TAIL..]);
        } else {
            let keep = (TAIL - bytes.len()).min(self.tail.len());
            self.tail.drain(..self.tail.len() - keep);
            self.tail.extend_from_slice(bytes);
        }
    }
}

/// Appends [start, end) to sorted, disjoint ranges (written in increasing order).
fn add_range(ranges: &mut Vec<(u64, u64)>, start: u64, end: u64) {
    if let Some(last) = ranges.last_mut()
        && last.1 >= start
    {
        last.1 = last.1.max(end);
        return;
    }
    ranges.push((start, end));
}

/// Whether one of the sorted ranges holds all of [start, end).
fn covers(ranges: &[(u64, u64)], start: u64, end: u64) -> bool {
    let i = ranges.partition_point(|&(s, _)| s <= start);
    i > 0 && ranges[i - 1].1 >= end
}

/// An anonymous file in `dir`: unlinked at once, so nothing is left behind whatever happens.
fn spill_file(dir: &Path) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_TMPFILE)
        .open(dir)
        .or_else(|_| {
            // Filesystems without O_TMPFILE: create a unique name and unlink it.
            let name = dir.join(format!(".ironbox-qcow2-spill-{}", std::process::id()));
            let f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&name)?;
            std::fs::remove_file(&name)?;
            Ok::<File, io::Error>(f)
        })
        .ctx(Kind::Io, || {
            format!("cannot create a spill file in '{}'", dir.display())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn forward_reads_skip_and_use_the_tail() {
        let d = data(100_000);
        let mut h =
            Host::stream(Box::new(io::Cursor::new(d.clone())), "qcow2 image", None).unwrap();
        let mut b = vec![0u8; 1000];
        h.read_exact_at(5000, &mut b).unwrap();
        assert_eq!(b, &d[5000..6000]);
        // Overlapping the end of the last read (compressed clusters do this).
        h.read_exact_at(5800, &mut b).unwrap();
        assert_eq!(b, &d[5800..6800]);
        // Skipped bytes stay available (a bounded window); consumed ones only in the tail.
        h.read_exact_at(1000, &mut b).unwrap();
        assert_eq!(b, &d[1000..2000]);
        // Short at the end only with read_at_most.
        assert_eq!(h.read_at_most(99_500, &mut b).unwrap(), 500);
        let e = h.read_exact_at(5000, &mut b).unwrap_err();
        assert_eq!(e.kind, Kind::UnsupportedFormat);
        assert_eq!(h.path(), Qcow2Path::Sequential);
    }

    #[test]
    fn spill_serves_skipped_bytes() {
        let d = data(20 << 20);
        let dir = std::env::temp_dir();
        let mut h = Host::stream(
            Box::new(io::Cursor::new(d.clone())),
            "qcow2 image",
            Some(&dir),
        )
        .unwrap();
        let mut b = vec![0u8; 1000];
        h.read_exact_at(18 << 20, &mut b).unwrap();
        h.read_exact_at(1234, &mut b).unwrap();
        assert_eq!(b, &d[1234..2234]);
        assert_eq!(h.path(), Qcow2Path::Spill);
    }

    #[test]
    fn range_requests_serve_passed_bytes() {
        let d = data(20 << 20);
        let mut h =
            Host::stream(Box::new(io::Cursor::new(d.clone())), "qcow2 image", None).unwrap();
        let opened = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (d2, count) = (d.clone(), opened.clone());
        h.set_ranged(RangeOpener(std::sync::Arc::new(move || {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Box::new(io::Cursor::new(d2.clone())) as Box<dyn ReadSeek + Send>)
        })));
        let mut b = vec![0u8; 1000];
        h.read_exact_at(18 << 20, &mut b).unwrap();
        assert_eq!(h.path(), Qcow2Path::Sequential);
        // Passed and out of the in-memory window: by range, in order, on one connection.
        for off in [1234u64, 5000, 300_000] {
            h.read_exact_at(off, &mut b).unwrap();
            assert_eq!(b, &d[off as usize..off as usize + 1000]);
        }
        assert_eq!(h.path(), Qcow2Path::RandomAccess);
        // Straddling the stream's position: the passed part by range, the rest from the stream.
        let mut big = vec![0u8; 8000];
        let at = (18 << 20) + 1000 - 5000;
        h.read_exact_at(at, &mut big[..]).unwrap();
        assert_eq!(big, &d[at as usize..at as usize + 8000]);
        assert_eq!(opened.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn seekable_goes_back() {
        let d = data(3 << 20);
        let mut h = Host::seekable(Box::new(io::Cursor::new(d.clone())), 0);
        let mut b = vec![0u8; 1000];
        h.read_exact_at(2 << 20, &mut b).unwrap();
        assert_eq!(h.path(), Qcow2Path::Sequential);
        h.read_exact_at(10, &mut b).unwrap();
        assert_eq!(b, &d[10..1010]);
        assert_eq!(h.path(), Qcow2Path::RandomAccess);
        let e = h.read_exact_at((3 << 20) - 10, &mut b).unwrap_err();
        assert_eq!(e.kind, Kind::CorruptImage);
    }
}
