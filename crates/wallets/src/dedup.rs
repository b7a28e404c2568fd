//! [`Dedup`]: which fills were already emitted, with bounded memory.
//!
//! Polls re-fetch an overlapping window and the stream repeats what polls find, so the same
//! fill arrives many times; it must be emitted once. There is deliberately no timestamp
//! watermark ("emit only what is newer than the last emitted trade"): a fill indexed late,
//! with a timestamp older than trades already emitted, would be skipped by one. Instead every
//! key seen is remembered, and forgotten only `retention` after it was first seen — longer
//! than any poll can re-fetch it (polls look back `overlap` from now, see the tracker), so a
//! forgotten key never comes back. Pure: the caller passes the time.

use std::collections::{HashSet, VecDeque};

use crate::trade::TradeKey;

#[derive(Debug)]
pub struct Dedup {
    seen: HashSet<TradeKey>,
    /// Keys in first-seen order with that time (ms), for eviction.
    order: VecDeque<(i64, TradeKey)>,
    retention_ms: i64,
}

impl Dedup {
    /// Remembers keys for `retention_ms` after they are first seen.
    #[must_use]
    pub fn new(retention_ms: i64) -> Self {
        Dedup {
            seen: HashSet::new(),
            order: VecDeque::new(),
            retention_ms: retention_ms.max(0),
        }
    }

    /// `true` if `key` is new (and remembers it), `false` if it was seen within the retention.
    pub fn insert(&mut self, key: TradeKey, now_ms: i64) -> bool {
        self.evict(now_ms);
        if !self.seen.insert(key) {
            return false;
        }
        self.order.push_back((now_ms, key));
        true
    }

    #[must_use]
    pub fn contains(&self, key: &TradeKey) -> bool {
        self.seen.contains(key)
    }

    /// Forgets keys first seen more than the retention before `now_ms`.
    pub fn evict(&mut self, now_ms: i64) {
        while let Some(&(first_seen, key)) = self.order.front() {
            if now_ms - first_seen <= self.retention_ms {
                break;
            }
            self.order.pop_front();
            self.seen.remove(&key);
        }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, B256};
    use polybot_model::{Side, TokenId};

    use super::*;

    fn key(n: u8) -> TradeKey {
        TradeKey {
            tx_hash: B256::repeat_byte(n),
            wallet: Address::repeat_byte(1),
            token: TokenId(alloy_primitives::U256::from(7u8)),
            side: Side::Buy,
            price_micros: 500_000,
            size_micros: 1_000_000,
        }
    }

    #[test]
    fn a_key_is_new_once_within_the_retention() {
        let mut d = Dedup::new(1_000);
        assert!(d.insert(key(1), 0));
        assert!(!d.insert(key(1), 500));
        assert!(!d.insert(key(1), 1_000));
        assert!(d.insert(key(2), 1_000));
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn keys_are_forgotten_after_the_retention_in_first_seen_order() {
        let mut d = Dedup::new(1_000);
        d.insert(key(1), 0);
        d.insert(key(2), 600);
        d.evict(1_001);
        assert!(!d.contains(&key(1)));
        assert!(d.contains(&key(2)));
        // Seeing it again does not extend a key's life (retention counts from first sight).
        assert!(!d.insert(key(2), 1_500));
        d.evict(1_601);
        assert!(d.is_empty());
    }

    #[test]
    fn memory_stays_bounded_under_a_steady_flow() {
        let mut d = Dedup::new(10_000);
        for i in 0..100_000i64 {
            let mut k = key(0);
            k.size_micros = i as u64;
            assert!(d.insert(k, i * 10));
        }
        // 10 s of retention at one key per 10 ms.
        assert!(d.len() <= 1_001, "{}", d.len());
    }
}
