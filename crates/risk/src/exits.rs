//! Exit rules, pure: given a position, what the market looks like now and the time, should the
//! position be closed, and why. Each rule has a stable code and a configuration key.
//!
//! Gains and losses are measured on what selling now would bring (shares × best bid, less the
//! taker fee) against the cost basis, so a take-profit is a profit that can actually be taken.

use core::fmt;

use polybot_model::amounts::taker_fee;
use polybot_model::{Price, Probability, Usdc};
use serde::{Deserialize, Serialize};

use crate::config::RiskConfig;
use crate::input::OpenPosition;

const HOUR_MS: f64 = 3_600_000.0;

/// Why to exit, in priority order (the first that applies is the one reported).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// The market resolved, or its bid reached the venue's maximum price.
    Resolution,
    StopLoss,
    /// The copied leader sold.
    Mirror,
    /// Selling now is worth more than our probability of winning.
    EdgeReversal,
    TakeProfit,
    /// The end date is within `exit_before_resolution_hours`.
    BeforeResolution,
    MaxHolding,
}

impl ExitReason {
    pub const ALL: [ExitReason; 7] = [
        ExitReason::Resolution,
        ExitReason::StopLoss,
        ExitReason::Mirror,
        ExitReason::EdgeReversal,
        ExitReason::TakeProfit,
        ExitReason::BeforeResolution,
        ExitReason::MaxHolding,
    ];

    /// The stable reason code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            ExitReason::Resolution => "resolution",
            ExitReason::StopLoss => "stop_loss",
            ExitReason::Mirror => "mirror",
            ExitReason::EdgeReversal => "edge_reversal",
            ExitReason::TakeProfit => "take_profit",
            ExitReason::BeforeResolution => "exit_before_resolution",
            ExitReason::MaxHolding => "max_holding",
        }
    }

    /// The `[risk]` key that governs the rule (`"-"`: always on).
    #[must_use]
    pub const fn config_key(self) -> &'static str {
        match self {
            ExitReason::Resolution => "-",
            ExitReason::StopLoss => "stop_loss_pct",
            ExitReason::Mirror => "mirror_leader_exits",
            ExitReason::EdgeReversal => "edge_reversal_threshold",
            ExitReason::TakeProfit => "take_profit_pct",
            ExitReason::BeforeResolution => "exit_before_resolution_hours",
            ExitReason::MaxHolding => "max_holding_hours",
        }
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What is known about the position's market now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketView {
    /// Best bid of the held token: the price a sale would get now.
    pub bid: Option<Probability>,
    /// The market has resolved.
    pub resolved: bool,
    pub end_time_ms: Option<i64>,
    /// Our current probability that the held token pays out, if we have one.
    pub probability: Option<Probability>,
    pub fee_rate_bps: u32,
    /// The copied leader has sold this token.
    pub leader_sold: bool,
}

/// Proceeds of selling the position at the bid, after the taker fee, in micro-dollars.
fn sale_proceeds(position: &OpenPosition, bid: Probability, fee_rate_bps: u32) -> i128 {
    let gross = i128::from(position.size.micros()) * i128::from(bid.micros()) / 1_000_000;
    let fee = Price::from_micros(bid.micros())
        .map(|p| taker_fee(position.size, p, fee_rate_bps.min(10_000)).micros())
        .unwrap_or(0);
    gross - i128::from(fee)
}

/// Gain (positive) or loss on cost of selling the whole position at the bid now.
fn return_on_cost(position: &OpenPosition, market: &MarketView) -> Option<f64> {
    let bid = market.bid?;
    if position.cost <= Usdc::ZERO {
        return None;
    }
    let proceeds = sale_proceeds(position, bid, market.fee_rate_bps);
    let cost = i128::from(position.cost.micros());
    Some((proceeds - cost) as f64 / cost as f64)
}

/// Whether a share sold now (after the fee) is worth more than our probability that it pays.
fn edge_reversed(config: &RiskConfig, position: &OpenPosition, market: &MarketView) -> bool {
    let (Some(bid), Some(p)) = (market.bid, market.probability) else {
        return false;
    };
    let per_share =
        sale_proceeds(position, bid, market.fee_rate_bps) as f64 / position.size.micros() as f64;
    per_share - p.as_f64() > config.edge_reversal_threshold
}

fn hours_to_ms(hours: f64) -> f64 {
    hours * HOUR_MS
}

/// Every exit rule that applies, in priority order.
#[must_use]
pub fn exit_signals(
    config: &RiskConfig,
    position: &OpenPosition,
    market: &MarketView,
    now_ms: i64,
) -> Vec<ExitReason> {
    if position.size.is_zero() {
        return Vec::new();
    }
    let at_max = market
        .bid
        .is_some_and(|b| b.micros() >= Price::MAX.micros());
    let r = return_on_cost(position, market);
    let left_ms = market
        .end_time_ms
        .map(|end| end.saturating_sub(now_ms) as f64);
    let held_ms = now_ms.saturating_sub(position.opened_ms) as f64;
    let rules = [
        (ExitReason::Resolution, market.resolved || at_max),
        (
            ExitReason::StopLoss,
            config.stop_loss_pct > 0.0 && r.is_some_and(|r| r <= -config.stop_loss_pct),
        ),
        (
            ExitReason::Mirror,
            config.mirror_leader_exits && position.leader.is_some() && market.leader_sold,
        ),
        (
            ExitReason::EdgeReversal,
            edge_reversed(config, position, market),
        ),
        (
            ExitReason::TakeProfit,
            config.take_profit_pct > 0.0 && r.is_some_and(|r| r >= config.take_profit_pct),
        ),
        (
            ExitReason::BeforeResolution,
            config.exit_before_resolution_hours > 0.0
                && left_ms.is_some_and(|l| l <= hours_to_ms(config.exit_before_resolution_hours)),
        ),
        (
            ExitReason::MaxHolding,
            config.max_holding_hours > 0.0 && held_ms >= hours_to_ms(config.max_holding_hours),
        ),
    ];
    rules
        .into_iter()
        .filter_map(|(reason, applies)| applies.then_some(reason))
        .collect()
}

/// The most urgent exit rule that applies, if any.
#[must_use]
pub fn exit_signal(
    config: &RiskConfig,
    position: &OpenPosition,
    market: &MarketView,
    now_ms: i64,
) -> Option<ExitReason> {
    exit_signals(config, position, market, now_ms)
        .first()
        .copied()
}

#[cfg(test)]
mod tests {
    use polybot_model::{ConditionId, Size, TokenId};

    use super::*;
    use crate::input::{MarketKey, OutcomeSide};

    fn position(cost: i64, shares: u64) -> OpenPosition {
        OpenPosition {
            strategy: "forecast".into(),
            leader: None,
            key: MarketKey {
                market: ConditionId::parse(&format!("0x{:064x}", 1)).unwrap(),
                event_id: None,
                neg_risk: None,
                category: "MACRO".into(),
                tags: vec![],
            },
            token: TokenId::parse("1").unwrap(),
            outcome: OutcomeSide::Yes,
            size: Size::shares(shares),
            cost: Usdc::dollars(cost),
            opened_ms: 0,
        }
    }

    fn view(bid: &str) -> MarketView {
        MarketView {
            bid: Some(Probability::parse(bid).unwrap()),
            resolved: false,
            end_time_ms: None,
            probability: None,
            fee_rate_bps: 0,
            leader_sold: false,
        }
    }

    #[test]
    fn take_profit_and_stop_loss_on_sale_value() {
        let c = RiskConfig::default();
        // 100 shares bought for $50 (0.50 each).
        let p = position(50, 100);
        assert_eq!(exit_signal(&c, &p, &view("0.64"), 1), None);
        assert_eq!(
            exit_signal(&c, &p, &view("0.65"), 1),
            Some(ExitReason::TakeProfit)
        );
        assert_eq!(exit_signal(&c, &p, &view("0.41"), 1), None);
        assert_eq!(
            exit_signal(&c, &p, &view("0.40"), 1),
            Some(ExitReason::StopLoss)
        );
        // The taker fee counts: at 0.65 with a 10% rate the sale nets 65 − 2.275 < 65.
        let mut fee = view("0.65");
        fee.fee_rate_bps = 1_000;
        assert_eq!(exit_signal(&c, &p, &fee, 1), None);
    }

    #[test]
    fn time_resolution_mirror_and_edge_reversal() {
        let c = RiskConfig {
            exit_before_resolution_hours: 6.0,
            ..RiskConfig::default()
        };
        let p = position(50, 100);
        let hour = 3_600_000;
        assert_eq!(exit_signal(&c, &p, &view("0.5"), 239 * hour), None);
        assert_eq!(
            exit_signal(&c, &p, &view("0.5"), 240 * hour),
            Some(ExitReason::MaxHolding)
        );
        let mut ending = view("0.5");
        ending.end_time_ms = Some(10 * hour);
        assert_eq!(exit_signal(&c, &p, &ending, 3 * hour), None);
        assert_eq!(
            exit_signal(&c, &p, &ending, 4 * hour),
            Some(ExitReason::BeforeResolution)
        );
        let mut resolved = view("0.5");
        resolved.resolved = true;
        assert_eq!(
            exit_signal(&c, &p, &resolved, 0),
            Some(ExitReason::Resolution)
        );
        assert_eq!(
            exit_signal(&c, &p, &view("0.999"), 0),
            Some(ExitReason::Resolution)
        );
        let mut copied = p.clone();
        copied.leader = Some("0xabc".into());
        let mut sold = view("0.5");
        sold.leader_sold = true;
        assert_eq!(exit_signal(&c, &copied, &sold, 0), Some(ExitReason::Mirror));
        assert_eq!(exit_signal(&c, &p, &sold, 0), None);
        let mut reversed = view("0.5");
        reversed.probability = Some(Probability::parse("0.45").unwrap());
        assert_eq!(
            exit_signal(&c, &p, &reversed, 0),
            Some(ExitReason::EdgeReversal)
        );
        reversed.probability = Some(Probability::parse("0.5").unwrap());
        assert_eq!(exit_signal(&c, &p, &reversed, 0), None);
        // Several rules at once: all listed, the most urgent first.
        let mut both = view("0.3");
        both.probability = Some(Probability::parse("0.1").unwrap());
        assert_eq!(
            exit_signals(&c, &p, &both, 240 * hour),
            [
                ExitReason::StopLoss,
                ExitReason::EdgeReversal,
                ExitReason::MaxHolding
            ]
        );
    }
}
