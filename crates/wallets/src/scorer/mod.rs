//! Trader scoring, pure: from a wallet's fills (plus the markets that resolved and current
//! marks) to ROI, win rate, the Brier score and edge of its entries, activity, recency and
//! holding time; a composite score in [0, 1]; and whether the wallet can be copied at all.
//!
//! **Composite.** Each part is mapped to [0, 1] (0.5 = no evidence either way) and weighted
//! after the seeds: seed 000 scores wallets on "P&L, win rate, and activity"; seed 001 says
//! "prioritize expected value, not win rate" (so ROI outweighs win rate); seed 003 judges
//! forecasts by Brier skill against the market price, which for a trader is the *edge* of
//! their entries over the price they paid.
//!
//! | part | weight | mapping |
//! |---|---|---|
//! | ROI (PnL / cash spent on buys) | [`W_ROI`] 0.30 | 0.5 + 0.5·tanh(roi / 0.25) |
//! | edge of resolved entries | [`W_EDGE`] 0.25 | 0.5 + 0.5·tanh(edge / 0.10) |
//! | win rate of closed holdings | [`W_WIN_RATE`] 0.20 | as is |
//! | activity | [`W_ACTIVITY`] 0.15 | min(1, trades / activity_target) |
//! | recency | [`W_RECENCY`] 0.10 | 0.5^(days since last trade / half-life) |
//!
//! The weighted sum is then shrunk towards 0.5 by `trades / (trades + prior_trades)`, so a
//! handful of lucky trades cannot produce a top score (seed 000 asks 30-50 samples before
//! trusting a track record).
//!
//! **Brier and edge.** For each fill in a resolved market, `q` is the fill price of the
//! outcome traded and `o` is 1 if that outcome won. `brier` is the mean of (q − o)²: how
//! well the prices the trader dealt at predicted the result (lower is better, informational).
//! `edge` is the mean of o − q for buys and q − o for sells: how much better than the market
//! price the trader's direction was, in dollars per share; positive edge is skill.
//!
//! **Uncopyable.** A copier acts seconds late and pays the spread, so a wallet living on tiny,
//! fast round trips cannot be followed profitably whatever its score: too many trades per
//! day, too short an average holding time, or trades too small are flagged with a reason.

mod ledger;

use std::collections::HashMap;

use alloy_primitives::Address;
use polybot_model::{ConditionId, Probability, Side, TokenId};
use serde::Serialize;

pub use ledger::{Episode, Ledger, Resolution, replay};

use crate::trade::WalletTrade;

pub const W_ROI: f64 = 0.30;
pub const W_EDGE: f64 = 0.25;
pub const W_WIN_RATE: f64 = 0.20;
pub const W_ACTIVITY: f64 = 0.15;
pub const W_RECENCY: f64 = 0.10;
/// ROI at which the ROI part reaches 0.88 (tanh(1)).
const ROI_SCALE: f64 = 0.25;
/// Edge (dollars per share) at which the edge part reaches 0.88.
const EDGE_SCALE: f64 = 0.10;
const MS_PER_DAY: f64 = 86_400_000.0;
const MICROS: f64 = 1_000_000.0;

/// The scorer's thresholds (the `score_*` and `scalper_*` keys of `[wallets]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreThresholds {
    pub min_trades: u32,
    pub prior_trades: u32,
    pub recency_half_life_days: f64,
    pub activity_target_trades: u32,
    pub max_trades_per_day: f64,
    pub min_avg_hold_secs: f64,
    pub min_round_trips: u32,
    pub min_median_trade_usd: f64,
}

impl Default for ScoreThresholds {
    fn default() -> Self {
        crate::config::WalletsConfig::default().thresholds()
    }
}

/// What the scorer knows beyond the fills.
#[derive(Debug, Clone, Default)]
pub struct ScoreContext {
    pub resolutions: HashMap<ConditionId, Resolution>,
    /// Current prices of tokens still open, to mark holdings to market.
    pub marks: HashMap<TokenId, Probability>,
    pub now_ms: i64,
}

/// Why a wallet should not be copied; `code()` is the stable reason code for decision logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Uncopyable {
    InsufficientHistory { trades: u32, min: u32 },
    HighFrequency { trades_per_day: f64, max: f64 },
    ShortHolding { avg_hold_secs: f64, min: f64 },
    TinyTrades { median_usd: f64, min: f64 },
}

impl Uncopyable {
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Uncopyable::InsufficientHistory { .. } => "insufficient_history",
            Uncopyable::HighFrequency { .. } => "high_frequency",
            Uncopyable::ShortHolding { .. } => "short_holding",
            Uncopyable::TinyTrades { .. } => "tiny_trades",
        }
    }
}

/// The composite's parts, each in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Components {
    pub roi: f64,
    pub edge: f64,
    pub win_rate: f64,
    pub activity: f64,
    pub recency: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraderScore {
    pub wallet: Address,
    pub trades: u32,
    pub volume_usd: f64,
    pub pnl_usd: f64,
    /// PnL / cash spent on buys; `None` without buys.
    pub roi: Option<f64>,
    /// Share of closed holdings that made money; `None` if none closed.
    pub win_rate: Option<f64>,
    pub closed_holdings: u32,
    pub round_trips: u32,
    /// Mean (price − outcome)² over fills in resolved markets.
    pub brier: Option<f64>,
    /// Mean dollars per share the trader's direction beat the price by, resolved markets.
    pub edge: Option<f64>,
    pub resolved_fills: u32,
    /// Mean holding time of closed holdings.
    pub avg_hold_secs: Option<f64>,
    /// Trades per day over the active span (at least one day).
    pub trades_per_day: f64,
    pub median_trade_usd: f64,
    pub last_trade_ms: Option<i64>,
    pub components: Components,
    /// In [0, 1]; see the module docs for the weights.
    pub composite: f64,
    pub uncopyable: Vec<Uncopyable>,
}

impl TraderScore {
    #[must_use]
    pub fn copyable(&self) -> bool {
        self.uncopyable.is_empty()
    }
}

/// Scores `wallet` on its fills in `trades` (other wallets' fills are ignored).
#[must_use]
pub fn score(
    wallet: Address,
    trades: &[WalletTrade],
    ctx: &ScoreContext,
    th: &ScoreThresholds,
) -> TraderScore {
    let own: Vec<WalletTrade> = trades
        .iter()
        .filter(|t| t.wallet == wallet)
        .cloned()
        .collect();
    let n = u32::try_from(own.len()).unwrap_or(u32::MAX);
    let ledger = replay(&own, &ctx.resolutions, &ctx.marks);
    let (brier, edge, resolved_fills) = entry_quality(&own, &ctx.resolutions);
    let closed = ledger.episodes.len();
    let wins = ledger.episodes.iter().filter(|e| e.pnl_micros > 0).count();
    let win_rate = (closed > 0).then(|| wins as f64 / closed as f64);
    let avg_hold_secs = (closed > 0).then(|| {
        ledger
            .episodes
            .iter()
            .map(|e| e.hold_ms as f64)
            .sum::<f64>()
            / closed as f64
            / 1000.0
    });
    let roi =
        (ledger.bought_micros > 0).then(|| ledger.pnl_micros as f64 / ledger.bought_micros as f64);
    let last_trade_ms = own.iter().map(|t| t.timestamp_ms).max();
    let first = own.iter().map(|t| t.timestamp_ms).min();
    let span_days = match (first, last_trade_ms) {
        (Some(a), Some(b)) => ((b - a) as f64 / MS_PER_DAY).max(1.0),
        _ => 1.0,
    };
    let components = Components {
        roi: roi.map_or(0.5, |r| 0.5 + 0.5 * (r / ROI_SCALE).tanh()),
        edge: edge.map_or(0.5, |e| 0.5 + 0.5 * (e / EDGE_SCALE).tanh()),
        win_rate: win_rate.unwrap_or(0.5),
        activity: (f64::from(n) / f64::from(th.activity_target_trades.max(1))).min(1.0),
        recency: last_trade_ms.map_or(0.0, |t| {
            let days = ((ctx.now_ms - t) as f64 / MS_PER_DAY).max(0.0);
            0.5f64.powf(days / th.recency_half_life_days.max(f64::MIN_POSITIVE))
        }),
    };
    let mut s = TraderScore {
        wallet,
        trades: n,
        volume_usd: own.iter().map(|t| t.usdc.micros() as f64).sum::<f64>() / MICROS,
        pnl_usd: ledger.pnl_micros as f64 / MICROS,
        roi,
        win_rate,
        closed_holdings: u32::try_from(closed).unwrap_or(u32::MAX),
        round_trips: ledger.episodes.iter().filter(|e| e.round_trip).count() as u32,
        brier,
        edge,
        resolved_fills,
        avg_hold_secs,
        trades_per_day: f64::from(n) / span_days,
        median_trade_usd: median_usd(&own),
        last_trade_ms,
        composite: composite(&components, n, th.prior_trades),
        components,
        uncopyable: Vec::new(),
    };
    s.uncopyable = uncopyable(&s, th);
    s
}

/// The weighted parts, shrunk towards 0.5 by the amount of evidence.
#[must_use]
pub fn composite(c: &Components, trades: u32, prior_trades: u32) -> f64 {
    let raw = W_ROI * c.roi
        + W_EDGE * c.edge
        + W_WIN_RATE * c.win_rate
        + W_ACTIVITY * c.activity
        + W_RECENCY * c.recency;
    let n = f64::from(trades);
    let confidence = if n == 0.0 {
        0.0
    } else {
        n / (n + f64::from(prior_trades))
    };
    (0.5 + (raw - 0.5) * confidence).clamp(0.0, 1.0)
}

/// `(brier, edge, count)` over fills in resolved markets.
fn entry_quality(
    trades: &[WalletTrade],
    resolutions: &HashMap<ConditionId, Resolution>,
) -> (Option<f64>, Option<f64>, u32) {
    let (mut brier, mut edge, mut n) = (0.0, 0.0, 0u32);
    for t in trades {
        let Some(r) = resolutions.get(&t.condition_id) else {
            continue;
        };
        let q = f64::from(t.price.micros()) / MICROS;
        let o = if r.winner_index == t.outcome_index {
            1.0
        } else {
            0.0
        };
        brier += (q - o) * (q - o);
        edge += match t.side {
            Side::Buy => o - q,
            Side::Sell => q - o,
        };
        n += 1;
    }
    if n == 0 {
        return (None, None, 0);
    }
    let k = f64::from(n);
    (Some(brier / k), Some(edge / k), n)
}

fn median_usd(trades: &[WalletTrade]) -> f64 {
    let mut cash: Vec<i64> = trades.iter().map(|t| t.usdc.micros()).collect();
    if cash.is_empty() {
        return 0.0;
    }
    cash.sort_unstable();
    let mid = cash.len() / 2;
    let m = if cash.len().is_multiple_of(2) {
        (cash[mid - 1] as f64 + cash[mid] as f64) / 2.0
    } else {
        cash[mid] as f64
    };
    m / MICROS
}

fn uncopyable(s: &TraderScore, th: &ScoreThresholds) -> Vec<Uncopyable> {
    let mut out = Vec::new();
    if s.trades < th.min_trades {
        out.push(Uncopyable::InsufficientHistory {
            trades: s.trades,
            min: th.min_trades,
        });
    }
    if s.trades_per_day > th.max_trades_per_day {
        out.push(Uncopyable::HighFrequency {
            trades_per_day: s.trades_per_day,
            max: th.max_trades_per_day,
        });
    }
    if let Some(hold) = s.avg_hold_secs
        && s.closed_holdings >= th.min_round_trips
        && hold < th.min_avg_hold_secs
    {
        out.push(Uncopyable::ShortHolding {
            avg_hold_secs: hold,
            min: th.min_avg_hold_secs,
        });
    }
    if s.trades > 0 && s.median_trade_usd < th.min_median_trade_usd {
        out.push(Uncopyable::TinyTrades {
            median_usd: s.median_trade_usd,
            min: th.min_median_trade_usd,
        });
    }
    out
}

#[cfg(test)]
mod tests;
