//! The `[forecasting]` section: trading on forecasts. The forecasting pipeline's own settings
//! (models, calibration, research) are `[forecast]`, owned by `polybot-forecast`.

use polybot_model::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForecastTradingConfig {
    /// Forecast markets and trade on the forecasts.
    pub enabled: bool,
    /// The sub-ledger forecast trades are booked to, and its bankroll in USDC (seed 003:
    /// independent per-strategy bankrolls).
    pub account: String,
    pub bankroll_usdc: f64,
    /// A market is researched and forecast again only this long after its last forecast
    /// (research costs model calls; the runner enforces it).
    pub research_cooldown_minutes: u64,
    /// How often the runner picks markets to forecast, in seconds.
    pub interval_secs: u64,
    /// At most this many markets are forecast per pick, bounding model spend per cycle.
    pub max_markets_per_cycle: u32,
    /// A forecast older than this when it reaches the strategy is `stale_forecast`: the market
    /// it was made against may have moved.
    pub max_forecast_age_minutes: u64,
    /// Trade the offline forecaster's forecasts. It is a placeholder without skill that keeps
    /// the pipeline runnable without model keys, so its forecasts are only logged by default.
    pub trade_offline: bool,
    /// How far above the best ask the limit may go (probability points), so an entry still
    /// fills when the ask moves a little; also capped by `risk.max_slippage` and by the edge.
    pub max_entry_slippage: f64,
    /// The strategy's own minimum net edge before asking the risk gate; `0` uses
    /// `risk.min_edge` (or its `risk.profiles.<account>` override), the gate's own minimum.
    pub min_edge: f64,
    /// Sell a held outcome when a new forecast gives the other outcome the edge.
    pub exit_on_reversal: bool,
}

impl Default for ForecastTradingConfig {
    fn default() -> Self {
        ForecastTradingConfig {
            enabled: false,
            account: "forecast".to_owned(),
            bankroll_usdc: 1_000.0,
            research_cooldown_minutes: 60,
            interval_secs: 300,
            max_markets_per_cycle: 5,
            max_forecast_age_minutes: 30,
            trade_offline: false,
            max_entry_slippage: 0.02,
            min_edge: 0.0,
            exit_on_reversal: true,
        }
    }
}

impl ForecastTradingConfig {
    /// Every invalid value; keys are relative to the section (the loader prefixes
    /// `forecasting.`).
    #[must_use]
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut check = |ok: bool, key: &str, value: String, reason: &str| {
            if !ok {
                errors.push(FieldError::new(key, value, reason));
            }
        };
        check(
            !self.account.trim().is_empty() && !self.account.contains('/'),
            "account",
            format!("{:?}", self.account),
            "must be a name without '/'",
        );
        check(
            self.bankroll_usdc.is_finite() && self.bankroll_usdc > 0.0,
            "bankroll_usdc",
            self.bankroll_usdc.to_string(),
            "must be a positive amount",
        );
        for (key, value) in [
            ("research_cooldown_minutes", self.research_cooldown_minutes),
            ("interval_secs", self.interval_secs),
            (
                "max_markets_per_cycle",
                u64::from(self.max_markets_per_cycle),
            ),
            ("max_forecast_age_minutes", self.max_forecast_age_minutes),
        ] {
            check(value > 0, key, value.to_string(), "must be positive");
        }
        for (key, value) in [
            ("max_entry_slippage", self.max_entry_slippage),
            ("min_edge", self.min_edge),
        ] {
            check(
                value.is_finite() && (0.0..1.0).contains(&value),
                key,
                value.to_string(),
                "must be in [0, 1)",
            );
        }
        errors
    }

    /// The age after which a forecast is stale, in milliseconds.
    #[must_use]
    pub fn max_forecast_age_ms(&self) -> i64 {
        i64::try_from(self.max_forecast_age_minutes.saturating_mul(60_000)).unwrap_or(i64::MAX)
    }
}
