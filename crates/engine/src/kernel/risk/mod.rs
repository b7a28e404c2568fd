//! The risk gate inside the kernel: a strategy's [`Entry`] or [`Exit`] becomes an order only
//! after `polybot_risk::evaluate` approved and sized it against the whole portfolio, and the
//! risk state that outlives one event (halts, the drawdown guard, copied leaders, circuit
//! breakers, when each position was opened, each strategy's entries today) lives here, so it is
//! journaled, replayed and persisted like the rest of the kernel's state.
//!
//! The checks themselves are pure functions in `polybot-risk`; this module only assembles their
//! inputs from the kernel's books and ledger and acts on the verdict.

mod monitor;
mod portfolio;

pub use monitor::{FillToJudge, RiskCommand};

use std::collections::BTreeMap;

use polybot_model::{ConditionId, Price, Probability, Size, TokenId, Usdc};
use polybot_risk::{
    Confidence, DrawdownGuard, Halts, MarketBreaker, MarketKey, OutcomeSide, RiskConfig,
    TraderRecord,
};
use serde::{Deserialize, Serialize};

use crate::fasthash::TokenMap;
use crate::orders::TimeInForce;

/// What the risk engine needs to know about a market beyond its book: where it sits for
/// exposure limits, its type, which outcome a token is, when it ends and its fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketMeta {
    pub key: MarketKey,
    /// The scanner's classification (`MACRO`, `SPORTS`, ...), checked against
    /// `risk.allowed_market_types`.
    pub market_type: String,
    pub outcome: OutcomeSide,
    pub end_time_ms: Option<i64>,
    pub fee_rate_bps: u32,
}

/// A trade a strategy wants checked and sized by the risk engine: the strategy states its view
/// (probability, confidence) and the worst price it accepts; the kernel decides whether and how
/// much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The token to buy (YES or NO: each outcome is its own token).
    pub token: TokenId,
    /// The worst price accepted; sizing and the fee assume it.
    pub limit_price: Price,
    /// Our probability that `token` pays out.
    pub probability: Probability,
    pub confidence: Confidence,
    /// Research evidence quality in [0, 1] (exact), where there is research.
    pub evidence_quality: Option<Probability>,
    /// The wallet copied, for copy trades.
    pub leader: Option<String>,
    /// The price the signal saw (the leader's fill), for the slippage check.
    pub reference_price: Option<Price>,
    /// An upper bound on the shares; `None` lets Kelly decide.
    pub max_size: Option<Size>,
    pub time_in_force: TimeInForce,
    pub post_only: bool,
    pub reason: &'static str,
}

/// Selling a held position, wholly or in part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    pub token: TokenId,
    /// The worst price accepted; `None` takes the bid less `risk.max_slippage`.
    pub limit_price: Option<Price>,
    /// Shares to sell; `None` sells the whole position.
    pub size: Option<Size>,
    /// The exit rule's code (`take_profit`, `mirror`, ...).
    pub reason: &'static str,
}

/// Per position: when it was opened, whom it copies, and the probability it was entered on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionMemo {
    pub opened_ms: i64,
    pub leader: Option<String>,
    pub probability: Option<Probability>,
    /// When an exit rule last tried to sell it (a failed attempt is retried, not every tick).
    #[serde(default)]
    pub exit_attempt_ms: Option<i64>,
}

/// The risk state that outlives one event. Persisted as a whole when it changes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RiskMemory {
    /// `None` until the first valuation, so the peak starts at real equity.
    pub drawdown: Option<DrawdownGuard>,
    pub halts: Halts,
    pub traders: BTreeMap<String, TraderRecord>,
    pub breakers: BTreeMap<ConditionId, MarketBreaker>,
    /// The UTC day and week (since the epoch) the loss limits count from, and the equity and
    /// realized PnL then.
    pub day: i64,
    pub day_start_equity: Usdc,
    pub day_start_realized: Usdc,
    pub week: i64,
    pub week_start_equity: Usdc,
    /// Keyed `account/token`.
    pub positions: BTreeMap<String, PositionMemo>,
    /// Positions closed with a realized gain and with a loss, ever (reports take differences).
    #[serde(default)]
    pub closes_won: u64,
    #[serde(default)]
    pub closes_lost: u64,
    /// Fills the circuit breaker judges once their wait is over.
    #[serde(default)]
    pub fills_to_judge: Vec<FillToJudge>,
    /// Entries each strategy (account) placed through the risk gate on `day`, for
    /// `risk.max_entries_per_day` and its profiles. Counted whether or not a limit is set, so
    /// a limit configured mid-day counts the day's entries; cleared when the day rolls.
    #[serde(default)]
    pub entries_today: BTreeMap<String, u32>,
}

/// The risk engine's setup a session starts with: its configuration and the memory restored
/// from the store (part of the journal's header, so a replay decides exactly as the run did).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RiskSetup {
    pub config: RiskConfig,
    pub memory: RiskMemory,
}

/// The risk engine's configuration and memory, and the market facts it reads.
#[derive(Debug, Default)]
pub(crate) struct RiskGate {
    pub config: RiskConfig,
    pub memory: RiskMemory,
    pub meta: TokenMap<MarketMeta>,
    /// Whether `memory` changed since the driver last took it.
    pub changed: bool,
}

/// The key of a position in [`RiskMemory::positions`]: `account/token`.
pub fn position_key(account: &str, token: TokenId) -> String {
    format!("{account}/{token}")
}
