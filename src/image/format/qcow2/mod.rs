//! qcow2 → guest bytes, streaming. The converter walks the guest clusters in order and asks
//! `Host` for the bytes each one maps to: the L1 table once, then each L2 table and the data
//! clusters it maps. `qemu-img convert` writes every L2 table before the clusters it maps and the
//! clusters in guest order, so on such images every read lies ahead of the last one and a
//! forward-only stream suffices ("sequential"). Other layouts take the seekable source back
//! ("random_access") or the spill file ("spill"); see host.rs.
//!
//! Memory: the L1 table (at most 32 MiB, QEMU's own limit; 8 bytes per 512 MiB of guest with
//! 64 KiB clusters), one L2 table (one cluster), one compressed cluster, the output chunk.

mod cluster;
mod header;
mod host;

use super::{Chunk, Compression, Detected, ImageFormat, ImageStream, Options, ReadSeek};
use crate::report::{IronError, Kind, Result};
use cluster::Inflater;
use header::Header;
use host::Host;
use std::io::Read;

const L1_OFFSET_MASK: u64 = 0x00ff_ffff_ffff_fe00;
const L2_OFFSET_MASK: u64 = 0x00ff_ffff_ffff_fe00;
const L2_COMPRESSED: u64 = 1 << 62;
const L2_ZERO: u64 = 1;

/// A qcow2 over a forward-only stream (stdin, HTTP without Range, a decompressed stream).
pub fn open_stream(
    input: Box<dyn Read + Send>,
    compression: Compression,
    opts: &Options,
) -> Result<Box<dyn ImageStream>> {
    let what = match compression {
        Compression::None => "qcow2 image",
        c => c.stream_name(),
    };
    let mut host = Host::stream(input, what, opts.spill_dir.as_deref())?;
    // Range requests fetch the bytes of the image as served: only when nothing was decompressed.
    if compression == Compression::None
        && let Some(open) = &opts.ranged
    {
        host.set_ranged(open.clone());
    }
    Ok(Box::new(Qcow2Stream::open(host, compression, opts)?))
}

/// A qcow2 from a seekable source whose image starts at `base`.
pub fn open_seekable(
    input: Box<dyn ReadSeek + Send>,
    base: u64,
    opts: &Options,
) -> Result<Box<dyn ImageStream>> {
    Ok(Box::new(Qcow2Stream::open(
        Host::seekable(input, base),
        Compression::None,
        opts,
    )?))
}

/// What one guest cluster maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Map {
    Zero,
    Data(u64),
    Compressed { offset: u64, size: u64 },
}

pub struct Qcow2Stream {
    host: Host,
    hdr: Header,
    l1: Vec<u64>,
    /// The loaded L2 table and its L1 index.
    l2: Vec<u64>,
    l2_index: Option<usize>,
    detected: Detected,
    /// Next guest cluster to emit.
    next: u64,
    clusters: u64,
    chunk_size: usize,
    spare: Option<Vec<u8>>,
    inflater: Inflater,
    /// A second inflater for the other core (None on a single-core machine).
    inflater2: Option<Inflater>,
    cbuf: Vec<u8>,
    /// Compressed clusters of the chunk being built, inflated together (on two cores) at the
    /// end of the chunk; their input bytes are concatenated in `cdata`.
    jobs: Vec<Job>,
    cdata: Vec<u8>,
    raw_l2: Vec<u8>,
}

impl Qcow2Stream {
    fn open(mut host: Host, compression: Compression, opts: &Options) -> Result<Self> {
        // The fixed header says the cluster size; the whole first cluster holds the extensions
        // and the backing file name, all vetted before anything is produced.
        let mut fixed = vec![0u8; header::FIXED_LEN];
        let got = host.read_at_most(0, &mut fixed)?;
        fixed.truncate(got);
        let cluster_bits = header::cluster_bits(&fixed)?;
        let mut first = vec![0u8; 1 << cluster_bits];
        let got = host.read_at_most(0, &mut first)?;
        first.truncate(got);
        let hdr = header::parse(&first)?;

        let mut raw_l1 = vec![0u8; hdr.l1_size as usize * 8];
        host.read_exact_at(hdr.l1_table_offset, &mut raw_l1)?;
        let cluster_size = hdr.cluster_size();
        let mut l1 = Vec::with_capacity(hdr.l1_size as usize);
        for (i, e) in raw_l1.chunks_exact(8).enumerate() {
            let off = u64::from_be_bytes(e.try_into().expect("8 bytes")) & L1_OFFSET_MASK;
            if !off.is_multiple_of(cluster_size) {
                return Err(corrupt(format!(
                    "qcow2 l1 entry {i} points at unaligned host offset {off}"
                )));
            }
            l1.push(off);
        }
        check_stream_order(&host, &hdr, &l1)?;

        let clusters = hdr.size.div_ceil(cluster_size);
        let detected = Detected {
            format: ImageFormat::Qcow2,
            compression,
            virtual_size: Some(hdr.size),
            qcow2_path: Some(host.path()),
        };
        let inflater = Inflater::new(hdr.compression, cluster_size as usize)?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let inflater2 = if cores > 1 {
            Some(Inflater::new(hdr.compression, cluster_size as usize)?)
        } else {
            None
        };
        Ok(Qcow2Stream {
            host,
            l1,
            l2: Vec::new(),
            l2_index: None,
            detected,
            next: 0,
            clusters,
            chunk_size: opts.chunk_size.max(cluster_size as usize),
            spare: None,
            inflater,
            inflater2,
            cbuf: Vec::new(),
            jobs: Vec::new(),
            cdata: Vec::new(),
            raw_l2: Vec::new(),
            hdr,
        })
    }

    fn cluster_size(&self) -> u64 {
        self.hdr.cluster_size()
    }

    /// Guest bytes in cluster `c` (the last one may be partial).
    fn bytes_in(&self, c: u64) -> u64 {
        (self.hdr.size - c * self.cluster_size()).min(self.cluster_size())
    }

    /// What guest cluster `c` maps to, loading its L2 table when needed. `Zero` covers
    /// unallocated clusters too: without a backing file they read as zeros.
    fn map(&mut self, c: u64) -> Result<Map> {
        let per_l2 = self.hdr.l2_entries();
        let l1_index = (c / per_l2) as usize;
        let l2_offset = self.l1[l1_index];
        if l2_offset == 0 {
            return Ok(Map::Zero);
        }
        if self.l2_index != Some(l1_index) {
            self.raw_l2.resize(self.cluster_size() as usize, 0);
            let mut raw = std::mem::take(&mut self.raw_l2);
            let r = self.host.read_exact_at(l2_offset, &mut raw);
            self.l2.clear();
            self.l2.extend(
                raw.chunks_exact(8)
                    .map(|e| u64::from_be_bytes(e.try_into().expect("8 bytes"))),
            );
            self.raw_l2 = raw;
            r?;
            self.l2_index = Some(l1_index);
        }
        let entry = self.l2[(c % per_l2) as usize];
        let guest = c * self.cluster_size();
        if entry & L2_COMPRESSED != 0 {
            let shift = 62 - (self.hdr.cluster_bits - 8);
            let offset = entry & ((1u64 << shift) - 1);
            let sectors = ((entry >> shift) & ((1u64 << (self.hdr.cluster_bits - 8)) - 1)) + 1;
            let size = sectors * 512 - (offset & 511);
            return Ok(Map::Compressed { offset, size });
        }
        if self.hdr.version >= 3 && entry & L2_ZERO != 0 {
            return Ok(Map::Zero);
        }
        let offset = entry & L2_OFFSET_MASK;
        if offset == 0 {
            return Ok(Map::Zero);
        }
        if !offset.is_multiple_of(self.cluster_size()) {
            return Err(corrupt(format!(
                "qcow2 l2 entry for guest offset {guest} points at unaligned host offset {offset}"
            )));
        }
        Ok(Map::Data(offset))
    }

    /// Length in guest bytes of the zero run starting at cluster `c` (at least that cluster).
    fn zero_run(&mut self, mut c: u64) -> Result<u64> {
        let per_l2 = self.hdr.l2_entries();
        let mut bytes = 0;
        while c < self.clusters {
            // A whole unallocated L2 range at once.
            if c.is_multiple_of(per_l2) && self.l1[(c / per_l2) as usize] == 0 {
                let n = per_l2.min(self.clusters - c);
                bytes += (c..c + n).map(|k| self.bytes_in(k)).sum::<u64>();
                c += n;
                continue;
            }
            if self.map(c)? != Map::Zero {
                break;
            }
            bytes += self.bytes_in(c);
            c += 1;
        }
        Ok(bytes)
    }

    /// Fills a data chunk starting at cluster `c` (which maps to data) until the chunk is full
    /// or a zero cluster comes; returns the buffer and the number of clusters it covers.
    fn data_run(&mut self, mut c: u64) -> Result<(Vec<u8>, u64)> {
        let cluster_size = self.cluster_size() as usize;
        let mut buf = self.spare.take().unwrap_or_default();
        buf.clear();
        buf.reserve(self.chunk_size);
        let mut taken = 0;
        // A pending contiguous host run of plain data clusters: (host start, buffer start, len).
        let mut run: Option<(u64, usize, usize)> = None;
        while c < self.clusters && buf.len() + cluster_size <= self.chunk_size {
            let map = self.map(c)?;
            let n = self.bytes_in(c) as usize;
            match map {
                Map::Zero => break,
                Map::Data(off) => {
                    let at = buf.len();
                    buf.resize(at + n, 0);
                    run = match run {
                        Some((h, b, l)) if h + l as u64 == off => Some((h, b, l + n)),
                        Some(prev) => {
                            self.flush_run(prev, &mut buf)?;
                            Some((off, at, n))
                        }
                        None => Some((off, at, n)),
                    };
                }
                Map::Compressed { offset, size } => {
                    if let Some(prev) = run.take() {
                        self.flush_run(prev, &mut buf)?;
                    }
                    let at = buf.len();
                    buf.resize(at + cluster_size, 0);
                    if n == cluster_size {
                        self.queue_inflate(c, offset, size, at)?;
                    } else {
                        // The image's last, partial cluster.
                        self.inflate(c, offset, size, &mut buf[at..])?;
                        buf.truncate(at + n);
                    }
                }
            }
            c += 1;
            taken += 1;
        }
        if let Some(prev) = run {
            self.flush_run(prev, &mut buf)?;
        }
        self.run_jobs(&mut buf)?;
        Ok((buf, taken))
    }

    /// Reads a compressed cluster's bytes now (in stream order) and queues its inflation into
    /// `buf[at..at + cluster_size]`.
    fn queue_inflate(&mut self, c: u64, offset: u64, size: u64, at: usize) -> Result<()> {
        let guest = c * self.cluster_size();
        check_compressed_size(guest, size, self.cluster_size())?;
        let start = self.cdata.len();
        self.cdata.resize(start + size as usize, 0);
        let got = self
            .host
            .read_compressed(offset, &mut self.cdata[start..])?;
        self.cdata.truncate(start + got);
        self.jobs.push(Job {
            at,
            input: start..start + got,
            guest,
            offset,
        });
        Ok(())
    }

    /// Inflates the queued compressed clusters, split between two threads when there are
    /// enough of them (decompression is the costly part of a compressed qcow2).
    fn run_jobs(&mut self, buf: &mut [u8]) -> Result<()> {
        let Qcow2Stream {
            jobs,
            cdata,
            inflater,
            inflater2,
            hdr,
            ..
        } = self;
        if jobs.is_empty() {
            return Ok(());
        }
        let cs = hdr.cluster_size() as usize;
        let mut outs: Vec<&mut [u8]> = Vec::with_capacity(jobs.len());
        let (mut rest, mut base) = (&mut buf[..], 0);
        for j in jobs.iter() {
            let (_, tail) = rest.split_at_mut(j.at - base);
            let (out, tail) = tail.split_at_mut(cs);
            outs.push(out);
            rest = tail;
            base = j.at + cs;
        }
        let (jobs_ref, cdata_ref) = (&jobs[..], &cdata[..]);
        let result = match inflater2 {
            Some(second) if jobs_ref.len() >= 8 => {
                let mid = jobs_ref.len() / 2;
                let (o1, o2) = outs.split_at_mut(mid);
                std::thread::scope(|s| {
                    let other = s.spawn(|| inflate_all(second, &jobs_ref[mid..], cdata_ref, o2));
                    let mine = inflate_all(inflater, &jobs_ref[..mid], cdata_ref, o1);
                    let theirs = other.join().unwrap_or_else(|_| {
                        Err(IronError::new(
                            Kind::Internal,
                            "qcow2 inflate thread panicked",
                        ))
                    });
                    mine.and(theirs)
                })
            }
            _ => inflate_all(inflater, jobs_ref, cdata_ref, &mut outs),
        };
        jobs.clear();
        cdata.clear();
        result
    }

    fn flush_run(&mut self, (host, at, len): (u64, usize, usize), buf: &mut [u8]) -> Result<()> {
        self.host.read_exact_at(host, &mut buf[at..at + len])
    }

    fn inflate(&mut self, c: u64, offset: u64, size: u64, out: &mut [u8]) -> Result<()> {
        let guest = c * self.cluster_size();
        check_compressed_size(guest, size, self.cluster_size())?;
        self.cbuf.resize(size as usize, 0);
        let got = self.host.read_compressed(offset, &mut self.cbuf)?;
        self.inflater.inflate(&self.cbuf[..got], out).map_err(|why| {
            corrupt(format!(
                "qcow2 compressed cluster at host offset {offset} (guest offset {guest}) does not decompress: {why}"
            ))
        })
    }
}

impl ImageStream for Qcow2Stream {
    fn detected(&self) -> &Detected {
        &self.detected
    }

    fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        if self.next >= self.clusters {
            return Ok(None);
        }
        crate::interrupt::check()?;
        let c = self.next;
        let chunk = if self.map(c)? == Map::Zero {
            let bytes = self.zero_run(c)?;
            self.next = (c * self.cluster_size() + bytes).div_ceil(self.cluster_size());
            Chunk::Zero(bytes)
        } else {
            let (buf, taken) = self.data_run(c)?;
            self.next = c + taken;
            Chunk::Data(buf)
        };
        self.detected.qcow2_path = Some(self.host.path());
        Ok(Some(chunk))
    }

    fn recycle(&mut self, buf: Vec<u8>) {
        if buf.capacity() >= self.chunk_size {
            self.spare = Some(buf);
        }
    }
}

/// On a forward-only stream without a spill file, refuse up front (before any byte is
/// produced) the layouts that certainly need going back: L2 tables out of order or before the
/// L1 table. Data placed before its L2 table can only be found out later; that fails then with
/// the same `unsupported_format` error.
fn check_stream_order(host: &Host, hdr: &Header, l1: &[u64]) -> Result<()> {
    if host.is_seekable() || host.can_spill() || host.can_range() {
        return Ok(());
    }
    let mut last = hdr.l1_table_offset;
    for (i, &off) in l1.iter().enumerate().filter(|(_, o)| **o != 0) {
        if off <= last {
            return Err(IronError::new(
                Kind::UnsupportedFormat,
                format!(
                    "qcow2 image is not in streaming order: l2 table {i} at host offset {off} comes before earlier metadata (at {last}); give a seekable source, a spill directory (--cache-dir) or a server that takes Range requests"
                ),
            ));
        }
        last = off;
    }
    Ok(())
}

/// A compressed cluster waiting for inflation: its output at `buf[at..]`, its input in `cdata`.
struct Job {
    at: usize,
    input: std::ops::Range<usize>,
    guest: u64,
    offset: u64,
}

fn inflate_all(
    inf: &mut Inflater,
    jobs: &[Job],
    cdata: &[u8],
    outs: &mut [&mut [u8]],
) -> Result<()> {
    for (j, out) in jobs.iter().zip(outs.iter_mut()) {
        inf.inflate(&cdata[j.input.clone()], out).map_err(|why| {
            corrupt(format!(
                "qcow2 compressed cluster at host offset {} (guest offset {}) does not decompress: {why}",
                j.offset, j.guest
            ))
        })?;
    }
    Ok(())
}

fn check_compressed_size(guest: u64, size: u64, cluster_size: u64) -> Result<()> {
    if size > 2 * cluster_size + 512 {
        return Err(corrupt(format!(
            "qcow2 compressed cluster for guest offset {guest} claims {size} bytes"
        )));
    }
    Ok(())
}

fn corrupt(msg: String) -> IronError {
    IronError::new(Kind::CorruptImage, msg)
}
