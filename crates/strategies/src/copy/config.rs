//! The `[copy]` section.

use polybot_model::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CopyConfig {
    /// Copy the wallets of `[wallets]` (watched and discovered).
    pub enabled: bool,
    /// The sub-ledger copies trade for, and its bankroll in USDC (seed 003: independent
    /// per-strategy bankrolls).
    pub account: String,
    pub bankroll_usdc: f64,
    /// A leader trade older than this (from its venue time to now) is `stale_signal`.
    pub max_signal_age_ms: u64,
    /// The best ask may be at most this fraction above the leader's price (`price_moved`);
    /// seed 001 rejects signals whose market already moved.
    pub max_price_move: f64,
    /// Leaders scored below this are `low_trader_score`.
    pub min_trader_score: f64,
    /// Copy leaders the tracker could not score yet (too few trades).
    pub copy_unscored: bool,
    /// Edge estimated per point of score above 0.5 (seed 001: edge from the trader's history
    /// and composite score, capped): `edge = (score − 0.5) × edge_per_score`, at most `max_edge`.
    pub edge_per_score: f64,
    pub max_edge: f64,
    /// Mirror a leader's sells of tokens copied from them (seed 001).
    pub mirror_exits: bool,
    /// How often each leader is re-scored from their recent fills, in seconds.
    pub score_refresh_secs: u64,
}

impl Default for CopyConfig {
    fn default() -> Self {
        CopyConfig {
            enabled: false,
            account: "copy".to_owned(),
            bankroll_usdc: 1_000.0,
            max_signal_age_ms: 30_000,
            max_price_move: 0.02,
            min_trader_score: 0.55,
            copy_unscored: false,
            edge_per_score: 0.4,
            max_edge: 0.12,
            mirror_exits: true,
            score_refresh_secs: 300,
        }
    }
}

impl CopyConfig {
    /// Keys are relative to the section.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut check = |ok: bool, key: &str, value: String, reason: &str| {
            if !ok {
                errors.push(FieldError::new(key, value, reason));
            }
        };
        check(
            !self.account.trim().is_empty() && !self.account.contains('/'),
            "account",
            self.account.clone(),
            "must be a name without '/'",
        );
        check(
            self.bankroll_usdc.is_finite() && self.bankroll_usdc > 0.0,
            "bankroll_usdc",
            self.bankroll_usdc.to_string(),
            "must be a positive amount",
        );
        check(
            self.max_signal_age_ms > 0,
            "max_signal_age_ms",
            self.max_signal_age_ms.to_string(),
            "must be positive",
        );
        check(
            self.score_refresh_secs > 0,
            "score_refresh_secs",
            self.score_refresh_secs.to_string(),
            "must be positive",
        );
        for (key, value) in [
            ("max_price_move", self.max_price_move),
            ("min_trader_score", self.min_trader_score),
            ("edge_per_score", self.edge_per_score),
            ("max_edge", self.max_edge),
        ] {
            check(
                value.is_finite() && (0.0..=1.0).contains(&value),
                key,
                value.to_string(),
                "must be in [0, 1]",
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}
