//! What the risk engine decides on: a [`Candidate`] order and the [`PortfolioState`] it would
//! join. Plain data the caller assembles from the kernel's state; nothing here is computed.
//!
//! Money is exact; probabilities that come from the venue or a forecast are [`Probability`]
//! (exact, so never NaN); the few ratios that arrive as `f64` are range-checked by
//! [`Candidate::problems`] before anything uses them.

use std::collections::BTreeMap;

use polybot_model::{ConditionId, Price, Probability, Side, Size, TokenId, Usdc};
use serde::{Deserialize, Serialize};

use crate::breaker::MarketBreaker;
use crate::drawdown::DrawdownGuard;
use crate::halt::Halts;
use crate::trader::TraderRecord;

/// A forecast's confidence, as the LLM ensemble reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Confidence {
    Low = 0,
    Medium = 1,
    High = 2,
}

/// Which of a binary market's two tokens: YES is the first outcome (in a neg-risk group, "this
/// market's outcome wins"), NO the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum OutcomeSide {
    Yes,
    No,
}

/// A neg-risk event: a group of binary markets of which exactly one resolves YES.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NegRiskGroup {
    /// The group's id (Polymarket's neg-risk market id, or the event id).
    pub id: String,
    /// Number of markets in the group, when known (`0` = unknown). When every market of the
    /// group is held the "another outcome wins" scenario is impossible; unknown means it is
    /// assumed possible, which is the conservative reading.
    pub outcomes: u32,
}

/// Where a position or candidate sits, for grouping exposure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketKey {
    pub market: ConditionId,
    /// The venue's event (grouped markets); exposure per event is capped.
    pub event_id: Option<String>,
    pub neg_risk: Option<NegRiskGroup>,
    /// The category exposure is grouped and limited by (the scanner's classification, e.g.
    /// `MACRO`); compared case-insensitively.
    pub category: String,
    /// Tags (the venue's event tags); a shared tag within a category makes two positions
    /// correlated.
    pub tags: Vec<String>,
}

impl MarketKey {
    /// Same event, or same category and at least one shared tag: seed 000's "correlation
    /// similarity" as far as the data can tell without price history.
    #[must_use]
    pub fn correlated_with(&self, other: &MarketKey) -> bool {
        if let (Some(a), Some(b)) = (&self.event_id, &other.event_id)
            && a == b
        {
            return true;
        }
        self.category.eq_ignore_ascii_case(&other.category)
            && self
                .tags
                .iter()
                .any(|t| other.tags.iter().any(|u| u.eq_ignore_ascii_case(t)))
    }

    #[must_use]
    pub fn neg_risk_id(&self) -> Option<&str> {
        self.neg_risk.as_ref().map(|g| g.id.as_str())
    }
}

/// An order a strategy wants: a buy that opens or adds risk, or a sell that reduces it.
///
/// Polymarket has no shorting (the NO side is its own token), so a buy always adds risk and a
/// sell always reduces it. `is_exit` marks a sell that closes a position; a buy marked as an exit
/// is malformed and rejected (`invalid_candidate`) rather than silently let past the halts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub strategy: String,
    /// The wallet being copied, for copy trades.
    pub leader: Option<String>,
    pub key: MarketKey,
    /// The classification checked against `allowed_market_types`.
    pub market_type: String,
    pub token: TokenId,
    pub outcome: OutcomeSide,
    pub side: Side,
    pub is_exit: bool,
    /// The worst price we accept: the price sizing and the fee assume.
    pub limit_price: Price,
    /// For a sell, the shares to sell (`None`: the whole position); for a buy, an upper bound
    /// on the shares (`None`: Kelly decides).
    pub requested_size: Option<Size>,
    /// A post-only order rests as a maker and pays no fee; otherwise the taker fee is assumed.
    pub post_only: bool,
    /// The market's taker fee rate, in basis points of `p·(1−p)` per share.
    pub fee_rate_bps: u32,
    /// The market's minimum order size.
    pub min_order_size: Size,
    /// Our probability that `token` pays out.
    pub probability: Probability,
    pub confidence: Confidence,
    /// Evidence quality in [0, 1] for research-based forecasts; `None` where there is no
    /// evidence to grade (copy, market making), which skips the check.
    pub evidence_quality: Option<f64>,
    /// Available book liquidity in USDC.
    pub liquidity: Usdc,
    pub best_bid: Option<Probability>,
    pub best_ask: Option<Probability>,
    /// When the book the candidate was priced on was last known to be current: its last update,
    /// or the last sign of life of an in-sync stream (a quiet market's book does not change).
    pub book_ts_ms: i64,
    /// The market's end date, if known.
    pub end_time_ms: Option<i64>,
    /// The price the signal saw (the leader's fill, the quote at decision time), for slippage.
    pub reference_price: Option<Price>,
    /// Microstructure volatility multiplier in [0, 1] (1 when unknown).
    pub volatility_multiplier: f64,
    /// The current market regime (`HIGH_VOLATILITY`, ...), for `regime_multipliers`.
    pub regime: Option<String>,
}

impl Candidate {
    /// Whether the order adds risk (every buy) rather than reducing it (every sell).
    #[must_use]
    pub fn opens_risk(&self) -> bool {
        self.side == Side::Buy
    }

    /// What is malformed about the candidate, if anything.
    #[must_use]
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.is_exit && self.side == Side::Buy {
            problems.push("a buy cannot be an exit (exits sell the held token)".to_owned());
        }
        if let Some(q) = self.evidence_quality
            && !(q.is_finite() && (0.0..=1.0).contains(&q))
        {
            problems.push(format!("evidence_quality {q} is not in [0, 1]"));
        }
        let v = self.volatility_multiplier;
        if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
            problems.push(format!("volatility_multiplier {v} is not in [0, 1]"));
        }
        if self.fee_rate_bps > 10_000 {
            problems.push(format!("fee_rate_bps {} is above 100%", self.fee_rate_bps));
        }
        if self.strategy.is_empty() {
            problems.push("strategy is empty".to_owned());
        }
        problems
    }
}

/// An open position: shares of one token at a cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenPosition {
    pub strategy: String,
    /// The copied wallet, for copy positions (mirror exits follow it).
    pub leader: Option<String>,
    pub key: MarketKey,
    pub token: TokenId,
    pub outcome: OutcomeSide,
    pub size: Size,
    /// Cost basis (fees excluded, as the ledger books them).
    pub cost: Usdc,
    pub opened_ms: i64,
}

impl OpenPosition {
    /// Average cost per share, if any shares are held.
    #[must_use]
    pub fn average_price(&self) -> Option<f64> {
        (!self.size.is_zero()).then(|| self.cost.as_f64() / self.size.as_f64())
    }
}

/// The portfolio the candidate would join, and the risk state the engine keeps between events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortfolioState {
    /// Cash plus open positions at their marks.
    pub equity: Usdc,
    /// Free USDC.
    pub cash: Usdc,
    /// Capital at the start (the capital reserve is a fraction of it).
    pub starting_bankroll: Usdc,
    pub day_start_equity: Usdc,
    pub week_start_equity: Usdc,
    /// Losses realized today (positive number).
    pub realized_loss_today: Usdc,
    /// Peak equity and the drawdown kill switch.
    pub drawdown: DrawdownGuard,
    /// Current bankroll (sub-ledger equity) of each strategy.
    pub strategy_bankrolls: BTreeMap<String, Usdc>,
    pub positions: Vec<OpenPosition>,
    /// Halts: the kill file (mirrored in with [`Halts::sync`]), operator commands, latches.
    pub halts: Halts,
    /// Copied leaders, by wallet.
    pub traders: BTreeMap<String, TraderRecord>,
    /// Circuit breakers, by market.
    pub breakers: BTreeMap<ConditionId, MarketBreaker>,
    /// Entries each strategy opened today (UTC), for `max_entries_per_day`. The caller keeps
    /// the count (it knows which entries were placed, and when the day rolls).
    #[serde(default)]
    pub entries_today: BTreeMap<String, u32>,
}

impl PortfolioState {
    /// A fresh portfolio of `bankroll` in cash, all of it allocated to `strategy`.
    #[must_use]
    pub fn new(bankroll: Usdc, strategy: &str) -> Self {
        PortfolioState {
            equity: bankroll,
            cash: bankroll,
            starting_bankroll: bankroll,
            day_start_equity: bankroll,
            week_start_equity: bankroll,
            realized_loss_today: Usdc::ZERO,
            drawdown: DrawdownGuard::new(bankroll),
            strategy_bankrolls: BTreeMap::from([(strategy.to_owned(), bankroll)]),
            positions: Vec::new(),
            halts: Halts::default(),
            traders: BTreeMap::new(),
            breakers: BTreeMap::new(),
            entries_today: BTreeMap::new(),
        }
    }

    /// Peak equity: the guard's peak, or today's equity if that is higher.
    #[must_use]
    pub fn peak_equity(&self) -> Usdc {
        self.drawdown.peak.max(self.equity)
    }

    /// Entries `strategy` opened today.
    #[must_use]
    pub fn entries_today(&self, strategy: &str) -> u32 {
        self.entries_today.get(strategy).copied().unwrap_or(0)
    }

    /// Shares of `token` held.
    #[must_use]
    pub fn shares_held(&self, token: &TokenId) -> Size {
        self.positions
            .iter()
            .filter(|p| p.token == *token)
            .fold(Size::ZERO, |acc, p| acc.saturating_add(p.size))
    }
}
