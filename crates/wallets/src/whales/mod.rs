//! The whale / smart-money scanner of seed 000, pure: no I/O, no clock, exact money.
//!
//! The caller fetches each tracked wallet's open positions (see
//! [`fetch_positions`](crate::positions::fetch_positions)), turns them into a
//! [`PositionSnapshot`], and hands the snapshots to a [`WhaleScanner`], which keeps the previous
//! snapshot of every wallet (serde-serializable, so it can be persisted between runs) and
//! answers with:
//!
//! - **deltas** ([`diff`]): what changed since the previous snapshot of the same wallet —
//!   `NEW_ENTRY` (a position appears), `EXIT` (it disappears), `SIZE_INCREASE` /
//!   `SIZE_DECREASE` (the size moved by **more than 10 %** of the previous size; exactly 10 %
//!   is not a change). Each delta carries its dollar value at the mark.
//! - **conviction signals** ([`conviction_signals`]): every market outcome held by **2+**
//!   wallets, scored 0–100 as `25·wallets + 8·log10(total USD) + 15·(share of those wallets in
//!   profit)`, clamped to 100; STRONG ≥ 70, MODERATE 45–69, WEAK below; 3+ wallets is a
//!   *high-consensus* signal.
//! - the **Smart Money Index** ([`smart_money_index`]): `100 · Σ bullish score·USD /
//!   Σ all score·USD` over the signals (YES = outcome 0 bullish, NO = outcome 1 bearish);
//!   50 with nothing to weigh.
//! - **net flow** ([`net_flow`]): dollars in (`NEW_ENTRY`, `SIZE_INCREASE`) minus dollars out
//!   (`EXIT`, `SIZE_DECREASE`), per market and in total.
//! - **tiers** ([`WalletTier::from_pnl`]): LEGENDARY ≥ $2M PnL, ELITE ≥ $1M, PRO ≥ $500K,
//!   RISING below.
//! - the **edge adjustment** fed to forecasting ([`edge_adjustment`]): +0.08 when conviction
//!   whales hold the outcome the model wants to buy, −0.02 when they hold the other one, and a
//!   minimum edge lowered to 0.02 on convergence.
//!
//! Money (sizes, prices, dollar values, flows) is exact fixed point; scores and ratios are
//! `f64` and never NaN (every logarithm and division is guarded).

mod conviction;
mod delta;
mod edge;
mod flow;
mod scanner;
mod smi;
mod snapshot;
mod tier;

pub use conviction::{
    ConvictionSignal, HIGH_CONSENSUS_WALLETS, MAX_PROFIT_POINTS, MAX_SCORE, MIN_WALLETS,
    POINTS_PER_LOG10_USD, POINTS_PER_WALLET, ScoreParts, SignalStrength, conviction_score,
    conviction_signals,
};
pub use delta::{DeltaKind, PositionDelta, SIZE_CHANGE_PCT, diff};
pub use edge::{
    CONVERGENCE_MIN_EDGE, EDGE_BOOST, EDGE_PENALTY, EdgeAdjustment, EdgeParams,
    MIN_CONVICTION_SCORE, WhaleStance, edge_adjustment,
};
pub use flow::{Flow, MarketFlow, NetFlow, net_flow};
pub use scanner::{ScanReport, WhaleScanner};
pub use smi::{Direction, SmartMoneyIndex, SmiReading, smart_money_index};
pub use snapshot::{HeldPosition, PositionSnapshot, value_at};
pub use tier::WalletTier;

#[cfg(test)]
mod tests;
