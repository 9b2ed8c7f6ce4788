//! Gathers the first bytes of the decoded image for a check before the chunk that completes
//! them reaches the disk (a whole-disk image made for another sector size is refused there).

use crate::image::format::Chunk;

pub struct HeadProbe {
    buf: Vec<u8>,
    want: usize,
    done: bool,
}

impl HeadProbe {
    pub fn new(want: usize) -> HeadProbe {
        HeadProbe {
            buf: Vec::with_capacity(want),
            want,
            done: want == 0,
        }
    }

    /// Returns Some(head) once, when `want` bytes have been seen.
    pub fn feed(&mut self, c: &Chunk) -> Option<&[u8]> {
        if self.done {
            return None;
        }
        let room = self.want - self.buf.len();
        match c {
            Chunk::Data(d) => self.buf.extend_from_slice(&d[..d.len().min(room)]),
            Chunk::Zero(n) => self
                .buf
                .resize(self.buf.len() + (*n).min(room as u64) as usize, 0),
        }
        self.finish_if(self.buf.len() >= self.want)
    }

    /// At the end of a shorter image: what there is, once.
    pub fn finish_if(&mut self, ready: bool) -> Option<&[u8]> {
        if self.done || !ready {
            return None;
        }
        self.done = true;
        Some(&self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yields_the_head_once() {
        let mut p = HeadProbe::new(4);
        assert!(p.feed(&Chunk::Data(vec![1, 2])).is_none());
        assert_eq!(p.feed(&Chunk::Zero(10)), Some(&[1, 2, 0, 0][..]));
        assert!(p.feed(&Chunk::Data(vec![3])).is_none());
        assert!(p.finish_if(true).is_none());
        let mut short = HeadProbe::new(8);
        short.feed(&Chunk::Data(vec![9]));
        assert_eq!(short.finish_if(true), Some(&[9][..]));
        assert!(HeadProbe::new(0).feed(&Chunk::Data(vec![1])).is_none());
    }
}
