//! Capped exponential backoff with jitter, and the small random source for it and for the
//! heartbeat interval (no crate needed for non-cryptographic jitter).

use std::time::Duration;

/// xorshift64*, seeded from the clock and the pid.
pub struct Rng(u64);

impl Rng {
    pub fn new() -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Rng((t ^ (u64::from(std::process::id()) << 32)) | 1)
    }

    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        lo + (hi - lo) * (x as f64 / (1u64 << 53) as f64)
    }
}

pub struct Backoff {
    next: f64,
    first: f64,
    cap: f64,
    rng: Rng,
}

impl Backoff {
    /// Starts at `first`, doubles, never above `cap` seconds.
    pub fn new(first: Duration, cap: f64) -> Backoff {
        let first = first.as_secs_f64().max(0.01);
        Backoff {
            next: first,
            first,
            cap: cap.max(first),
            rng: Rng::new(),
        }
    }

    pub fn next(&mut self) -> Duration {
        let d = self.next * self.rng.uniform(0.75, 1.0);
        self.next = (self.next * 2.0).min(self.cap);
        Duration::from_secs_f64(d)
    }

    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_capped() {
        let mut r = Rng::new();
        for _ in 0..1000 {
            let v = r.uniform(0.3, 0.6);
            assert!((0.3..0.6).contains(&v));
        }
        let mut b = Backoff::new(Duration::from_secs(1), 4.0);
        let all: Vec<f64> = (0..6).map(|_| b.next().as_secs_f64()).collect();
        assert!(all.iter().all(|d| *d <= 4.0));
        assert!(all[5] >= 3.0);
    }
}
