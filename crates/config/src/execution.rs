//! `[execution]`: how the engine trades — the first of the three live gates, the simulated
//! venue of paper mode, the wallet that signs live orders, and the engine's timers.

use polybot_model::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExecutionConfig {
    /// Gate one of three: live orders only when this is `false`, `POLYBOT_LIVE=true` and the
    /// command has `--live`.
    pub dry_run: bool,
    /// Seconds the live banner waits before the first order may go out (Ctrl-C to abort).
    pub confirm_delay_secs: u64,
    /// Bankroll (USDC) of each ledger account when the engine first creates it.
    pub bankroll_usdc: f64,
    /// Lifetime of manual limit orders placed without `--tif gtc` (a GTD expiry).
    pub order_ttl_secs: u64,
    /// Paper mode: time from sending an order to the simulated venue acting on it.
    pub sim_latency_ms: u64,
    /// How often the engine's clock ticks (algo slices, expiries, operator commands).
    pub tick_interval_ms: u64,
    /// How often an equity snapshot is stored.
    pub snapshot_interval_secs: u64,
    /// Token ids whose books the engine always follows (besides those it holds or trades).
    pub tokens: Vec<String>,
    /// Live: `eoa`, `proxy`, `safe` or `deposit` (Polymarket signature types 0–3).
    pub wallet: String,
    /// Live: the address holding the funds for `proxy`/`safe` (empty derives it) and `deposit`.
    pub funder: String,
    /// Live: time allowed for one order post before its outcome counts as unknown.
    pub order_timeout_ms: u64,
    /// Live: heartbeat period (the venue cancels everything when heartbeats stop).
    pub heartbeat_interval_ms: u64,
}

impl Default for ExecutionConfig {
    fn default() -> Self {
        ExecutionConfig {
            dry_run: true,
            confirm_delay_secs: 10,
            bankroll_usdc: 1000.0,
            order_ttl_secs: 300,
            sim_latency_ms: 50,
            tick_interval_ms: 250,
            snapshot_interval_secs: 60,
            tokens: Vec::new(),
            wallet: "eoa".into(),
            funder: String::new(),
            order_timeout_ms: 10_000,
            heartbeat_interval_ms: 5_000,
        }
    }
}

/// Wallet kinds `execution.wallet` accepts.
pub const WALLETS: [&str; 4] = ["eoa", "proxy", "safe", "deposit"];

impl ExecutionConfig {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut check = |ok: bool, key: &str, value: String, reason: &str| {
            if !ok {
                errors.push(FieldError::new(key, value, reason));
            }
        };
        check(
            self.bankroll_usdc.is_finite()
                && self.bankroll_usdc >= 0.0
                && self.bankroll_usdc <= 1e12,
            "bankroll_usdc",
            self.bankroll_usdc.to_string(),
            "must be a number of dollars in [0, 1e12]",
        );
        check(
            self.confirm_delay_secs <= 600,
            "confirm_delay_secs",
            self.confirm_delay_secs.to_string(),
            "must be at most 600",
        );
        check(
            (61..=31_536_000).contains(&self.order_ttl_secs),
            "order_ttl_secs",
            self.order_ttl_secs.to_string(),
            "must be in [61, 31536000] (the venue needs more than a minute for GTD orders)",
        );
        check(
            self.sim_latency_ms <= 60_000,
            "sim_latency_ms",
            self.sim_latency_ms.to_string(),
            "must be at most 60000",
        );
        check(
            (10..=60_000).contains(&self.tick_interval_ms),
            "tick_interval_ms",
            self.tick_interval_ms.to_string(),
            "must be in [10, 60000]",
        );
        check(
            self.snapshot_interval_secs >= 1,
            "snapshot_interval_secs",
            self.snapshot_interval_secs.to_string(),
            "must be at least 1",
        );
        check(
            (100..=120_000).contains(&self.order_timeout_ms),
            "order_timeout_ms",
            self.order_timeout_ms.to_string(),
            "must be in [100, 120000]",
        );
        check(
            (500..=9_000).contains(&self.heartbeat_interval_ms),
            "heartbeat_interval_ms",
            self.heartbeat_interval_ms.to_string(),
            "must be in [500, 9000] (the venue cancels after 10 s without one)",
        );
        check(
            WALLETS.contains(&self.wallet.as_str()),
            "wallet",
            format!("{:?}", self.wallet),
            "must be one of eoa, proxy, safe, deposit",
        );
        let funder_ok = self.funder.is_empty()
            || (self.funder.len() == 42
                && self.funder.starts_with("0x")
                && self.funder[2..].chars().all(|c| c.is_ascii_hexdigit()));
        check(
            funder_ok,
            "funder",
            format!("{:?}", self.funder),
            "must be empty or a 0x-prefixed 20-byte hex address",
        );
        check(
            self.wallet != "deposit" || !self.funder.is_empty(),
            "funder",
            "\"\"".into(),
            "is required when wallet = \"deposit\"",
        );
        for (i, token) in self.tokens.iter().enumerate() {
            check(
                !token.is_empty() && token.chars().all(|c| c.is_ascii_digit()) && token.len() <= 78,
                &format!("tokens[{i}]"),
                format!("{token:?}"),
                "must be a decimal token id",
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}
