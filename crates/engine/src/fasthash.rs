//! A fast hasher for the engine's maps keyed by token (and other small keys).
//!
//! The standard library's SipHash guards against adversarial keys, at about 20 ns for a 256-bit
//! token id; the kernel and the simulated venue look books up by token several times per event,
//! which made hashing about a fifth of a backtest's time. Token ids are effectively random bits
//! (hashes of the condition and outcome), and the engine's other keys are its own sequence
//! numbers, so a multiply-rotate hash in the style of rustc's `FxHasher` (v2) is enough.
//!
//! Iteration order of these maps is unspecified, as with SipHash; the engine never lets it
//! decide anything (it iterates `BTreeMap`s where order matters).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use polybot_model::TokenId;

/// Builds [`FastHasher`]s (stateless: every map hashes alike, which is fine for these keys).
#[derive(Debug, Clone, Copy, Default)]
pub struct FastHash;

impl BuildHasher for FastHash {
    type Hasher = FastHasher;

    fn build_hasher(&self) -> FastHasher {
        FastHasher(0)
    }
}

/// A map keyed by token, hashed with [`FastHash`].
pub type TokenMap<V> = HashMap<TokenId, V, FastHash>;

/// A multiply-rotate hasher over 64-bit words (rustc-hash v2's constant and finish).
#[derive(Debug, Clone, Copy, Default)]
pub struct FastHasher(u64);

const K: u64 = 0xf135_7aea_2e62_a9c5;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = self.0.wrapping_add(word).wrapping_mul(K);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The length keeps "ab" and "ab\0" apart.
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits (hashbrown's bucket index) weakest: rotate the
        // well-mixed high bits down.
        self.0.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::hash::BuildHasher as _;

    use alloy_primitives::U256;
    use polybot_model::TokenId;

    use super::*;

    #[test]
    fn distinct_tokens_hash_apart_and_maps_work() {
        let tokens: Vec<TokenId> = (0u64..10_000)
            .map(|i| TokenId(U256::from(i) << 3 | U256::from(i) << 200))
            .collect();
        let hashes: HashSet<u64> = tokens.iter().map(|t| FastHash.hash_one(t)).collect();
        assert_eq!(hashes.len(), tokens.len());
        // The bucket index (low bits) is spread too, even for ids differing only in a few bits.
        let buckets: HashSet<u64> = tokens
            .iter()
            .map(|t| FastHash.hash_one(t) & 0xfff)
            .collect();
        assert!(buckets.len() > 2_000, "{} buckets of 4096", buckets.len());
        let mut map = TokenMap::default();
        for (i, t) in tokens.iter().enumerate() {
            map.insert(*t, i);
        }
        assert!(tokens.iter().enumerate().all(|(i, t)| map[t] == i));
        assert_eq!(FastHash.hash_one("ab"), FastHash.hash_one("ab"));
        assert_ne!(FastHash.hash_one([1u8, 2]), FastHash.hash_one([1u8, 2, 0]));
    }
}
