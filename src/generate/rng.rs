//! The per-conversation random generator: ChaCha8 seeded from a SHA-256 of
//! (seed, scenario id, variant), so any conversation can be made alone and
//! the bytes never change with the Rust version or platform.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};

pub(crate) struct Rng(ChaCha8Rng);

impl Rng {
    pub fn new(seed: u64, scenario_id: &str, variant: u32) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"coverage.conversation.v1\0");
        hasher.update(seed.to_le_bytes());
        hasher.update(scenario_id.as_bytes());
        hasher.update([0xff]);
        hasher.update(variant.to_le_bytes());
        Self(ChaCha8Rng::from_seed(hasher.finalize().into()))
    }

    /// Uniform in `0..n` (`n > 0`), by rejection so no value is favoured.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "nothing to choose from");
        let n = n as u64;
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.0.next_u64();
            if x < zone {
                return (x % n) as usize;
            }
        }
    }

    /// Uniform in `min..=max`.
    pub fn between(&mut self, min: u64, max: u64) -> u64 {
        min + self.below((max - min + 1) as usize) as u64
    }

    pub fn pick<'a, T>(&mut self, choices: &'a [T]) -> &'a T {
        &choices[self.below(choices.len())]
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// `items` in a random order.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}
