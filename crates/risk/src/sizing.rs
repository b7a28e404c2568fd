//! Edge after fees and fractional-Kelly sizing under every cap.
//!
//! A binary share bought at `c` pays 1 if it wins. With the taker fee `rate·c·(1−c)` per share
//! and other costs `k` per share, a share effectively costs `c' = c + rate·c·(1−c) + k`, the net
//! odds are `b = (1 − c')/c'`, and Kelly's `f* = (p·b − q)/b` simplifies to
//! `(p − c')/(1 − c')`: the net edge `p − c'` over what a winning share nets.
//!
//! The stake is `bankroll × f* × kelly_fraction × confidence × heat × timeline × volatility ×
//! regime × category`, then bounded by the requested size and by the room under every cap, and
//! rounded down to the venue's 0.01-share lot.

use polybot_model::{Price, Size, Usdc};
use serde::{Deserialize, Serialize};

use crate::codes::Check;
use crate::config::{RiskConfig, lookup};
use crate::drawdown::Heat;
use crate::input::{Candidate, PortfolioState};
use crate::money::fraction_of;

const HOUR_MS: f64 = 3_600_000.0;

/// The venue's taker fee per share at `price`: `rate · p · (1 − p)`, rate in basis points.
#[must_use]
pub fn fee_per_share(price: Price, fee_rate_bps: u32) -> f64 {
    let p = price.as_f64();
    f64::from(fee_rate_bps) / 10_000.0 * p * (1.0 - p)
}

/// What one share effectively costs: price, taker fee and other costs.
#[must_use]
pub fn effective_cost(price: Price, fee_rate_bps: u32, extra_costs: f64) -> f64 {
    let extra = if extra_costs.is_finite() {
        extra_costs.max(0.0)
    } else {
        0.0
    };
    price.as_f64() + fee_per_share(price, fee_rate_bps) + extra
}

/// Edge after the fee and costs: our probability minus what a share effectively costs.
/// `probability` is clamped into [0, 1] (NaN counts as 0).
#[must_use]
pub fn net_edge(probability: f64, price: Price, fee_rate_bps: u32, extra_costs: f64) -> f64 {
    clamp_probability(probability) - effective_cost(price, fee_rate_bps, extra_costs)
}

/// Expected value per dollar spent: `p / c' − 1`.
#[must_use]
pub fn expected_value_per_dollar(
    probability: f64,
    price: Price,
    fee_rate_bps: u32,
    extra_costs: f64,
) -> f64 {
    clamp_probability(probability) / effective_cost(price, fee_rate_bps, extra_costs) - 1.0
}

/// Full Kelly `f* = (p·b − q)/b` for a share that effectively costs `cost` and pays 1, which is
/// `(p − cost)/(1 − cost)`. In [−1, 1]; 0 when the share costs 1 or more (no bet).
#[must_use]
pub fn kelly(probability: f64, cost: f64) -> f64 {
    if !(cost.is_finite() && cost > 0.0 && cost < 1.0) {
        return 0.0;
    }
    ((clamp_probability(probability) - cost) / (1.0 - cost)).clamp(-1.0, 1.0)
}

fn clamp_probability(p: f64) -> f64 {
    if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) }
}

/// Terminal risk scaling (seed 003): 1 outside `terminal_window_hours` of the end date, then
/// linearly down to `terminal_min_multiplier` at the end.
#[must_use]
pub fn timeline_multiplier(config: &RiskConfig, end_time_ms: Option<i64>, now_ms: i64) -> f64 {
    let window = config.terminal_window_hours;
    let Some(end) = end_time_ms else { return 1.0 };
    if !(window.is_finite() && window > 0.0) {
        return 1.0;
    }
    let floor = config.terminal_min_multiplier.clamp(0.0, 1.0);
    let left = end.saturating_sub(now_ms) as f64 / HOUR_MS;
    if left >= window {
        1.0
    } else if left <= 0.0 {
        floor
    } else {
        floor + (1.0 - floor) * left / window
    }
}

/// Every multiplier applied to full Kelly, for the decision log.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Multipliers {
    pub kelly_fraction: f64,
    pub confidence: f64,
    pub heat: f64,
    pub timeline: f64,
    pub volatility: f64,
    pub regime: f64,
    pub category: f64,
}

impl Multipliers {
    /// The multipliers for `candidate`; each in [0, 1], NaN read as 0. The Kelly fraction is
    /// the candidate's strategy's (its profile's, or the section's).
    #[must_use]
    pub fn for_candidate(
        config: &RiskConfig,
        candidate: &Candidate,
        heat: &Heat,
        now_ms: i64,
    ) -> Self {
        let regime = candidate
            .regime
            .as_deref()
            .and_then(|r| lookup(&config.regime_multipliers, r))
            .unwrap_or(1.0);
        let category = lookup(&config.category_multipliers, &candidate.key.category).unwrap_or(1.0);
        Multipliers {
            kelly_fraction: unit(config.profile_for(&candidate.strategy).kelly_fraction),
            confidence: unit(config.confidence_multiplier(candidate.confidence)),
            heat: unit(heat.multiplier),
            timeline: unit(timeline_multiplier(config, candidate.end_time_ms, now_ms)),
            volatility: unit(candidate.volatility_multiplier),
            regime: unit(regime),
            category: unit(category),
        }
    }

    /// The product of all multipliers.
    #[must_use]
    pub fn product(&self) -> f64 {
        self.kelly_fraction
            * self.confidence
            * self.heat
            * self.timeline
            * self.volatility
            * self.regime
            * self.category
    }
}

fn unit(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}

/// What bounded the size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "bound", content = "check", rename_all = "snake_case")]
pub enum Bound {
    Kelly,
    /// The strategy's own `requested_size`.
    Requested,
    Cap(Check),
}

/// Room left under one cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapRoom {
    pub check: Check,
    /// Room in USDC (notional; for the cash caps, cash including the fee).
    pub room: Usdc,
    /// The most shares that fit, in whole lots.
    pub max_shares: Size,
}

/// The numbers behind a buy's size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sizing {
    /// The bankroll Kelly sizes from (the strategy's, or equity).
    pub bankroll: Usdc,
    pub effective_cost: f64,
    pub net_edge: f64,
    pub ev_per_dollar: f64,
    /// Full Kelly, before any multiplier.
    pub kelly_full: f64,
    pub multipliers: Multipliers,
    /// Fraction of the bankroll Kelly stakes: `max(kelly_full, 0) × product of multipliers`.
    pub fraction: f64,
    pub kelly_stake: Usdc,
    pub caps: Vec<CapRoom>,
    pub bound_by: Bound,
    pub shares: Size,
    /// `shares × limit price`.
    pub notional: Usdc,
    pub fee: Usdc,
}

/// The bankroll Kelly and the per-trade caps apply to: the strategy's own with
/// `independent_bankrolls` (none if it has no entry), the portfolio's equity otherwise.
#[must_use]
pub fn bankroll(config: &RiskConfig, state: &PortfolioState, strategy: &str) -> Usdc {
    if config.independent_bankrolls {
        state
            .strategy_bankrolls
            .get(strategy)
            .copied()
            .unwrap_or(Usdc::ZERO)
    } else {
        state.equity
    }
}

/// Kelly's stake before caps.
#[must_use]
pub fn kelly_stake(bankroll: Usdc, kelly_full: f64, multipliers: &Multipliers) -> (f64, Usdc) {
    let fraction = (kelly_full.max(0.0) * multipliers.product()).clamp(0.0, 1.0);
    let stake = fraction_of(bankroll.max(Usdc::ZERO), fraction);
    (fraction, crate::money::usdc(stake))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(s: &str) -> Price {
        Price::parse(s).unwrap()
    }

    #[test]
    fn kelly_matches_the_textbook_formula() {
        // p = 0.6 at c = 0.5, no fee: b = 1, f* = (0.6·1 − 0.4)/1 = 0.2.
        let c = effective_cost(price("0.5"), 0, 0.0);
        assert!((kelly(0.6, c) - 0.2).abs() < 1e-12);
        // p = 0.7 at c = 0.4: b = 1.5, f* = (0.7·1.5 − 0.3)/1.5 = 0.5.
        assert!((kelly(0.7, 0.4) - 0.5).abs() < 1e-12);
        // Against the general formula with the fee folded into the cost.
        let (p, cost) = (0.55, effective_cost(price("0.45"), 400, 0.01));
        let b = (1.0 - cost) / cost;
        assert!((kelly(p, cost) - (p * b - (1.0 - p)) / b).abs() < 1e-12);
        // No edge, negative edge, degenerate costs.
        assert_eq!(kelly(0.5, 0.5), 0.0);
        assert!(kelly(0.3, 0.5) < 0.0);
        assert_eq!(kelly(0.9, 1.0), 0.0);
        assert_eq!(kelly(f64::NAN, 0.5), -1.0);
        assert_eq!(kelly(0.9, f64::NAN), 0.0);
    }

    #[test]
    fn edge_is_net_of_the_taker_fee() {
        // 4% rate at 0.5: fee 0.04·0.25 = 0.01 per share.
        assert!((fee_per_share(price("0.5"), 400) - 0.01).abs() < 1e-12);
        assert!((net_edge(0.6, price("0.5"), 400, 0.0) - 0.09).abs() < 1e-12);
        assert!((net_edge(0.6, price("0.5"), 400, 0.02) - 0.07).abs() < 1e-12);
        assert!((net_edge(0.6, price("0.5"), 0, 0.0) - 0.1).abs() < 1e-12);
        // EV per dollar: 0.6 / 0.51 − 1.
        let ev = expected_value_per_dollar(0.6, price("0.5"), 400, 0.0);
        assert!((ev - (0.6 / 0.51 - 1.0)).abs() < 1e-12);
        assert!(net_edge(f64::NAN, price("0.5"), 0, 0.0) < 0.0);
    }

    #[test]
    fn terminal_scaling_near_expiry() {
        let c = RiskConfig::default();
        let hour = 3_600_000;
        assert_eq!(timeline_multiplier(&c, None, 0), 1.0);
        assert_eq!(timeline_multiplier(&c, Some(100 * hour), 0), 1.0);
        assert_eq!(timeline_multiplier(&c, Some(48 * hour), 0), 1.0);
        assert!((timeline_multiplier(&c, Some(24 * hour), 0) - 0.625).abs() < 1e-12);
        assert_eq!(timeline_multiplier(&c, Some(0), hour), 0.25);
        let off = RiskConfig {
            terminal_window_hours: 0.0,
            ..c
        };
        assert_eq!(timeline_multiplier(&off, Some(0), hour), 1.0);
    }
}
