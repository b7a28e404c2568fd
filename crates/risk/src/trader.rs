//! Per-trader cutoff (seed 001): a copied leader is cut off when the sub-account of its copies
//! draws down too far or loses too many times in a row. Fed with closed copies and marks; once
//! cut off, a leader stays cut off until an operator restores it.

use polybot_model::Usdc;
use serde::{Deserialize, Serialize};

use crate::config::RiskConfig;
use crate::drawdown::drawdown_fraction;

/// Why a leader is cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CutoffReason {
    Drawdown,
    LossStreak,
    Operator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cutoff {
    pub reason: CutoffReason,
    pub since_ms: i64,
}

/// The record of one copied leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraderRecord {
    /// Equity of the copies of this leader (its sub-account), and its high-water mark.
    pub equity: Usdc,
    pub peak_equity: Usdc,
    pub consecutive_losses: u32,
    pub cutoff: Option<Cutoff>,
}

impl TraderRecord {
    /// A leader whose copies start with `bankroll`.
    #[must_use]
    pub fn new(bankroll: Usdc) -> Self {
        TraderRecord {
            equity: bankroll,
            peak_equity: bankroll,
            consecutive_losses: 0,
            cutoff: None,
        }
    }

    #[must_use]
    pub fn drawdown(&self) -> f64 {
        drawdown_fraction(self.equity, self.peak_equity)
    }

    /// The cutoff rules the current numbers break, whether or not latched yet.
    #[must_use]
    pub fn breaches(&self, config: &RiskConfig) -> Vec<CutoffReason> {
        let mut reasons = Vec::new();
        if self.drawdown() >= config.trader_max_drawdown_pct {
            reasons.push(CutoffReason::Drawdown);
        }
        let streak = config.trader_max_consecutive_losses;
        if streak > 0 && self.consecutive_losses >= streak {
            reasons.push(CutoffReason::LossStreak);
        }
        reasons
    }

    /// A copy closed with `pnl`: a loss extends the streak, a gain ends it, breakeven leaves it.
    /// Returns the cutoff if this closed copy caused one.
    pub fn record_close(&mut self, config: &RiskConfig, pnl: Usdc, now_ms: i64) -> Option<Cutoff> {
        self.equity = self.equity.saturating_add(pnl);
        self.peak_equity = self.peak_equity.max(self.equity);
        if pnl < Usdc::ZERO {
            self.consecutive_losses = self.consecutive_losses.saturating_add(1);
        } else if pnl > Usdc::ZERO {
            self.consecutive_losses = 0;
        }
        self.latch(config, now_ms)
    }

    /// The copies' sub-account is now worth `equity` (mark to market).
    pub fn mark(&mut self, config: &RiskConfig, equity: Usdc, now_ms: i64) -> Option<Cutoff> {
        self.equity = equity;
        self.peak_equity = self.peak_equity.max(equity);
        self.latch(config, now_ms)
    }

    /// Operator cutoff.
    pub fn cut_off(&mut self, now_ms: i64) {
        self.cutoff = Some(Cutoff {
            reason: CutoffReason::Operator,
            since_ms: now_ms,
        });
    }

    /// Operator restore: clears the cutoff and starts afresh from the current equity.
    pub fn restore(&mut self) {
        self.cutoff = None;
        self.consecutive_losses = 0;
        self.peak_equity = self.equity;
    }

    fn latch(&mut self, config: &RiskConfig, now_ms: i64) -> Option<Cutoff> {
        if self.cutoff.is_some() {
            return None;
        }
        let reason = *self.breaches(config).first()?;
        let cutoff = Cutoff {
            reason,
            since_ms: now_ms,
        };
        self.cutoff = Some(cutoff);
        Some(cutoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_losses_in_a_row_cut_off() {
        let c = RiskConfig::default();
        let mut t = TraderRecord::new(Usdc::dollars(1_000));
        for i in 0..4 {
            assert_eq!(t.record_close(&c, Usdc::dollars(-1), i), None);
        }
        // A breakeven copy does not end the streak; a win would.
        assert_eq!(t.record_close(&c, Usdc::ZERO, 4), None);
        let cut = t.record_close(&c, Usdc::dollars(-1), 5).unwrap();
        assert_eq!(cut.reason, CutoffReason::LossStreak);
        // Latched: later wins do not lift it; an operator does.
        assert_eq!(t.record_close(&c, Usdc::dollars(50), 6), None);
        assert!(t.cutoff.is_some());
        t.restore();
        assert_eq!(t.cutoff, None);
        assert_eq!(t.consecutive_losses, 0);
    }

    #[test]
    fn twenty_percent_drawdown_cuts_off() {
        let c = RiskConfig::default();
        let mut t = TraderRecord::new(Usdc::dollars(1_000));
        assert_eq!(t.mark(&c, Usdc::dollars(1_200), 0), None);
        assert_eq!(t.mark(&c, Usdc::dollars(961), 1), None);
        let cut = t.mark(&c, Usdc::dollars(960), 2).unwrap();
        assert_eq!((cut.reason, cut.since_ms), (CutoffReason::Drawdown, 2));
        let mut w = TraderRecord::new(Usdc::dollars(1_000));
        w.record_close(&c, Usdc::dollars(-3), 0);
        assert_eq!(w.record_close(&c, Usdc::dollars(2), 1), None);
        assert_eq!(w.consecutive_losses, 0);
        w.cut_off(7);
        assert_eq!(w.cutoff.unwrap().reason, CutoffReason::Operator);
    }
}
