//! [`Fingerprint`]: a running hash of every decision, so two runs over the same events can be
//! compared in one number (`polybot replay` fails when they differ).

use serde::{Deserialize, Serialize};

/// FNV-1a (64-bit) over the decisions' canonical bytes: stable across platforms and compiler
/// versions, unlike the standard library's hasher, and cheap enough for every decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub hash: u64,
    pub decisions: u64,
}

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint {
            hash: 0xcbf2_9ce4_8422_2325,
            decisions: 0,
        }
    }
}

impl Fingerprint {
    pub fn record(&mut self, parts: &[&[u8]]) {
        for part in parts {
            for &b in *part {
                self.hash ^= u64::from(b);
                self.hash = self.hash.wrapping_mul(0x0100_0000_01b3);
            }
            self.hash ^= 0xff;
            self.hash = self.hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.decisions += 1;
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}/{}", self.hash, self.decisions)
    }
}
