//! Per-market circuit breaker (seed 002): after `breaker_adverse_fills` consecutive adverse fills
//! in a market (the price moved against us soon after the fill: we were picked off), the market
//! is blocked for `breaker_cooldown_secs`. Whether a fill was adverse is the caller's measurement
//! (e.g. the mid 30 s later); this is only the counting.

use serde::{Deserialize, Serialize};

use crate::config::RiskConfig;

/// The breaker of one market.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketBreaker {
    pub consecutive_adverse: u32,
    /// While set and in the future, the market is blocked.
    pub open_until_ms: Option<i64>,
}

/// The breaker opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakerOpened {
    pub until_ms: i64,
    pub adverse_fills: u32,
}

impl MarketBreaker {
    /// Counts a fill; a favourable one resets the count. Opens the breaker when the count
    /// reaches the limit (and starts counting afresh).
    pub fn record_fill(
        &mut self,
        config: &RiskConfig,
        adverse: bool,
        now_ms: i64,
    ) -> Option<BreakerOpened> {
        if !adverse {
            self.consecutive_adverse = 0;
            return None;
        }
        self.consecutive_adverse = self.consecutive_adverse.saturating_add(1);
        let limit = config.breaker_adverse_fills;
        if limit == 0 || self.consecutive_adverse < limit {
            return None;
        }
        let cooldown =
            i64::try_from(config.breaker_cooldown_secs.saturating_mul(1_000)).unwrap_or(i64::MAX);
        let opened = BreakerOpened {
            until_ms: now_ms.saturating_add(cooldown),
            adverse_fills: self.consecutive_adverse,
        };
        self.open_until_ms = Some(opened.until_ms);
        self.consecutive_adverse = 0;
        Some(opened)
    }

    /// Whether the market is blocked at `now_ms`.
    #[must_use]
    pub fn is_open(&self, now_ms: i64) -> bool {
        self.open_until_ms.is_some_and(|until| now_ms < until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_consecutive_adverse_fills_then_cools_down() {
        let c = RiskConfig::default();
        let mut b = MarketBreaker::default();
        assert_eq!(b.record_fill(&c, true, 0), None);
        assert_eq!(b.record_fill(&c, false, 1), None);
        assert_eq!(b.record_fill(&c, true, 2), None);
        assert_eq!(b.record_fill(&c, true, 3), None);
        let opened = b.record_fill(&c, true, 4).unwrap();
        assert_eq!(
            opened,
            BreakerOpened {
                until_ms: 1_800_004,
                adverse_fills: 3
            }
        );
        assert!(b.is_open(1_800_003));
        assert!(!b.is_open(1_800_004));
        assert_eq!(b.consecutive_adverse, 0);
        let off = RiskConfig {
            breaker_adverse_fills: 0,
            ..RiskConfig::default()
        };
        let mut b = MarketBreaker::default();
        for t in 0..10 {
            assert_eq!(b.record_fill(&off, true, t), None);
        }
    }
}
