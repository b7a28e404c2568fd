//! `polybot-wallets`: following other traders' wallets — for copy trading (seeds 001, 003)
//! and whale tracking (seed 000).
//!
//! I/O at the edges, pure logic inside:
//! - [`parse`]: Data API trades/activity (the SDK's types) and RTDS activity payloads → one
//!   [`WalletTrade`], exact money, the outcome index mandatory; bad records are
//!   [`ParseError`]s naming the field.
//! - [`tracker`]: polls each watched wallet (`/trades`, maker fills included) every ~2 s with
//!   overlapping windows, listens to the RTDS `activity` stream when configured, and emits
//!   each fill once ([`DetectedTrade`], with its detection latency) on a tokio channel.
//! - [`discovery`]: the trader leaderboard → candidate wallets.
//! - [`scorer`]: ROI, win rate, Brier score and edge of entries, activity, recency, holding
//!   time → a composite score in [0, 1]; scalpers flagged uncopyable with a reason. Pure.
//! - [`positions`]: a wallet's open positions (for the whale scanner).
//! - [`whales`]: the whale scanner, pure: position deltas, conviction signals, the Smart Money
//!   Index, net flow, wallet tiers and the edge adjustment fed to forecasting (seed 000).
//! - [`config`]: the `[wallets]` section ([`WalletsConfig`]).
//!
//! Every Data API call goes through the connector's `Resilience` (rate limits, timeouts,
//! retries); see [`DataApi`].

pub mod client;
pub mod config;
pub mod dedup;
pub mod discovery;
mod emit;
pub mod error;
pub mod parse;
pub mod poll;
pub mod positions;
pub mod scorer;
pub mod stream;
pub mod tracker;
pub mod trade;
pub mod whales;

pub use client::DataApi;
pub use config::{WalletsConfig, WatchedWallet};
pub use discovery::{Candidate, Discovery, DiscoveryQuery, discover};
pub use emit::{DetectedTrade, now_ms};
pub use error::{ParseError, WalletsError};
pub use positions::{PositionsFetch, WalletPosition, fetch_positions};
pub use scorer::{ScoreContext, ScoreThresholds, TraderScore, Uncopyable, score};
pub use tracker::{TrackerHandle, TrackerStats, start};
pub use trade::{BinarySide, Role, Source, TradeKey, WalletTrade};
pub use whales::{
    ConvictionSignal, DeltaKind, PositionDelta, PositionSnapshot, SmartMoneyIndex, WalletTier,
    WhaleScanner, conviction_signals, diff, edge_adjustment, net_flow, smart_money_index,
};
