//! [`RiskConfig`]: the `[risk]` configuration section, one key per check, defaults from the seeds.
//!
//! Ratios are `f64` fractions of 1 (`0.35` is 35%); money is exact ([`Usdc`], [`Price`],
//! [`Size`]) and may be written as a string or a plain number. A key set to `0` disables the rule
//! only where its documentation says so.

mod exact;
mod profile;
mod validate;

pub use profile::{EffectiveLimits, RiskProfile};

use std::collections::BTreeMap;

use polybot_model::{Price, Size, Usdc};
use serde::{Deserialize, Serialize};

use crate::input::Confidence;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskConfig {
    // --- Drawdown ------------------------------------------------------------------------------
    /// Drawdown from peak equity at which the guard kills new entries. Seed 000: 20%.
    pub max_drawdown_pct: f64,
    /// Hysteresis: a tripped guard may recover only once drawdown is back at or below this.
    pub drawdown_recover_pct: f64,
    /// A tripped guard stays tripped at least this long.
    pub drawdown_cooldown_secs: u64,
    /// Automatic recoveries allowed per UTC day; `0` means only an operator reset recovers
    /// (seed 000's behaviour; seed 002 recovers automatically).
    pub max_recoveries_per_day: u32,
    /// Drawdowns at which heat levels 1, 2 and 3 start. Seed 000: 10%, 15%, 20%.
    pub heat_thresholds: [f64; 3],
    /// Sizing multiplier at heat levels 0..=3. Seed 000: 1, 0.5, 0.25, 0. Level 3 always blocks.
    pub heat_multipliers: [f64; 4],

    // --- Loss limits -------------------------------------------------------------------------
    /// Loss today (USDC) at which new entries stop. Seed 000: $500.
    #[serde(deserialize_with = "exact::decimal")]
    pub max_daily_loss: Usdc,
    /// Loss today as a fraction of the day's starting equity that stops new entries. Seed 001: 10%.
    pub daily_soft_stop_pct: f64,
    /// Loss this week as a fraction of the week's starting equity that halts new entries.
    /// Seed 001: 30%.
    pub weekly_halt_pct: f64,

    // --- Per-trade gates -----------------------------------------------------------------------
    /// Minimum net edge (probability points, after the taker fee and `extra_costs`). Seed 000: 4%.
    pub min_edge: f64,
    /// Costs per share besides the venue's fee (gas, a slippage allowance), in probability
    /// points. The limit price already bounds slippage and the fee is exact, so 0.
    pub extra_costs: f64,
    /// Minimum book liquidity (USDC). Seed 000: $2,000.
    #[serde(deserialize_with = "exact::decimal")]
    pub min_liquidity: Usdc,
    /// Maximum bid-ask spread, in probability points. Seed 000: 6%.
    pub max_spread: f64,
    /// Minimum evidence quality (0–1) for candidates that carry one. Seed 000: 0.55.
    pub min_evidence_quality: f64,
    /// Minimum forecast confidence. Seed 000: MEDIUM.
    pub min_confidence: Confidence,
    /// The market's implied probability (of either side) must be at least this. Seed 000: 5%.
    pub implied_probability_floor: f64,
    /// Market types entries may be in (case-insensitive). Seed 000 blocks UNKNOWN.
    pub allowed_market_types: Vec<String>,
    /// Maximum adverse distance of the limit price from the reference price, as a fraction of
    /// the reference. Seed 001: 1.5%.
    pub max_slippage: f64,
    /// Maximum age of the book a candidate was priced on; `0` disables.
    pub max_book_age_ms: u64,
    /// Minimum fractional Kelly (full Kelly × `kelly_fraction`). Seed 003: 2%.
    pub min_kelly_fraction: f64,
    /// Minimum entry price of the token bought. Seed 003: 0.15.
    #[serde(deserialize_with = "exact::decimal")]
    pub min_entry_price: Price,
    /// No entries in markets resolving sooner than this (hours); must be at least
    /// `exit_before_resolution_hours`, or entries would be exited at once.
    pub min_hours_to_resolution: f64,
    /// Entries each strategy may open per UTC day (approved and placed buys, counted per
    /// strategy); `0` is unlimited. Seed 003 limits signals per day by profile (10 / 5 / 3).
    pub max_entries_per_day: u32,
    /// Smallest buy worth placing (notional, USDC): a buy the caps size below it is refused
    /// rather than sent as a dust trade; `0` disables. Seed 003: €5 / €15 by profile.
    #[serde(deserialize_with = "exact::decimal")]
    pub min_bet_usdc: Usdc,

    // --- Positions and exposure ----------------------------------------------------------------
    /// Maximum concurrent open positions (tokens held). Seed 000: 25.
    pub max_open_positions: u32,
    /// Maximum open positions correlated with one another, the new one included. Seed 000: 4.
    pub max_correlated_positions: u32,
    /// Maximum cost in one market (USDC). Seed 000: $50.
    #[serde(deserialize_with = "exact::decimal")]
    pub max_stake_per_market: Usdc,
    /// Maximum cost in one market as a fraction of equity. Seed 001: 8%.
    pub max_market_exposure_pct: f64,
    /// Maximum cost in one category as a fraction of equity, for categories without their own
    /// limit. Seed 000: 35%.
    pub max_category_exposure_pct: f64,
    /// Per-category limits (fraction of equity), replacing the general one. Seed 000.
    pub category_limits: BTreeMap<String, f64>,
    /// Maximum cost in one event as a fraction of equity. Seed 000: 25%.
    pub max_event_exposure_pct: f64,
    /// Maximum total cost of open positions as a fraction of equity. Seed 001: 60%.
    pub max_global_exposure_pct: f64,
    /// Maximum worst-case loss of one neg-risk group as a fraction of equity. Not in the seeds:
    /// 20%, the auto-kill drawdown, so no single group can take the book to the kill alone.
    pub max_neg_risk_loss_pct: f64,
    /// Cash never deployed, as a fraction of the starting bankroll. Seed 001: 10%.
    pub capital_reserve_pct: f64,
    /// Each strategy sizes from and is limited by its own bankroll. Seed 003.
    pub independent_bankrolls: bool,
    /// Buys need the cash (fee included), sells the shares. Seed 002.
    pub preflight_balance_check: bool,
    /// Net inventory (shares, YES minus NO) in one market beyond which only orders reducing it
    /// pass. Seed 002 (no number given); `0` disables.
    #[serde(deserialize_with = "exact::decimal")]
    pub inventory_limit_shares: Size,

    // --- Per-trader cutoff and per-market circuit breaker --------------------------------------
    /// Drawdown of a copied leader's sub-account that cuts the leader off. Seed 001: 20%.
    pub trader_max_drawdown_pct: f64,
    /// Consecutive losing copies that cut a leader off; `0` disables. Seed 001: 5.
    pub trader_max_consecutive_losses: u32,
    /// Consecutive adverse fills that open a market's circuit breaker; `0` disables. Seed 002
    /// (no number given): 3.
    pub breaker_adverse_fills: u32,
    /// How long an open circuit breaker blocks the market.
    pub breaker_cooldown_secs: u64,

    // --- Sizing --------------------------------------------------------------------------------
    /// Fraction of full Kelly. Seed 000/001: 0.25.
    pub kelly_fraction: f64,
    /// Sizing multiplier for LOW, MEDIUM, HIGH confidence. Seed 000: 0.5, 0.75, 1.
    pub confidence_multipliers: [f64; 3],
    /// Sizing multiplier per category (others 1). Seed 000: MACRO 1, CORPORATE 0.75, ELECTION 0.5.
    pub category_multipliers: BTreeMap<String, f64>,
    /// Sizing multiplier per market regime (others 1). Seed 000: 0.5–1, reduced in HIGH_VOLATILITY.
    pub regime_multipliers: BTreeMap<String, f64>,
    /// Terminal risk scaling (seed 003): inside this many hours of resolution the size scales
    /// down linearly; `0` disables.
    pub terminal_window_hours: f64,
    /// The terminal multiplier at resolution.
    pub terminal_min_multiplier: f64,
    /// Maximum stake of one trade as a fraction of the bankroll. Seed 000: 5%.
    pub max_bankroll_fraction: f64,
    /// Maximum stake of one copy as a fraction of the bankroll. Seed 001: 3%.
    pub max_copy_fraction: f64,
    /// Maximum stake of one trade as a fraction of the book's liquidity. Seed 000: 5%.
    pub max_liquidity_fraction: f64,

    // --- Exits ---------------------------------------------------------------------------------
    /// Take profit at this gain on cost; `0` disables. Seed 000: 30%.
    pub take_profit_pct: f64,
    /// Stop loss at this loss on cost; `0` disables. Seed 000: 20%.
    pub stop_loss_pct: f64,
    /// Exit positions held this long; `0` disables. Seed 000: 240 h.
    pub max_holding_hours: f64,
    /// Exit this many hours before the end date; `0` disables (hold to resolution, seed 000's
    /// model).
    pub exit_before_resolution_hours: f64,
    /// Exit when selling now (after the fee) beats our probability by more than this.
    pub edge_reversal_threshold: f64,
    /// Exit a copied position when its leader sells. Seed 001.
    pub mirror_leader_exits: bool,

    // --- Per-strategy profiles ----------------------------------------------------------------
    /// Overrides of `kelly_fraction`, `min_edge`, `min_confidence`, `max_entries_per_day`,
    /// `min_bet_usdc` and `max_stake_per_market` for one strategy (by account name), as
    /// `[risk.profiles.<strategy>]` tables. Seed 003 runs three profiles side by side. Last, so
    /// the tables serialize after every plain key.
    pub profiles: BTreeMap<String, RiskProfile>,
}

impl Default for RiskConfig {
    fn default() -> Self {
        RiskConfig {
            max_drawdown_pct: 0.20,
            drawdown_recover_pct: 0.15,
            drawdown_cooldown_secs: 3_600,
            max_recoveries_per_day: 0,
            heat_thresholds: [0.10, 0.15, 0.20],
            heat_multipliers: [1.0, 0.5, 0.25, 0.0],
            max_daily_loss: Usdc::dollars(500),
            daily_soft_stop_pct: 0.10,
            weekly_halt_pct: 0.30,
            min_edge: 0.04,
            extra_costs: 0.0,
            min_liquidity: Usdc::dollars(2_000),
            max_spread: 0.06,
            min_evidence_quality: 0.55,
            min_confidence: Confidence::Medium,
            implied_probability_floor: 0.05,
            allowed_market_types: [
                "MACRO",
                "ELECTION",
                "CORPORATE",
                "WEATHER",
                "SPORTS",
                "CRYPTO",
            ]
            .map(String::from)
            .to_vec(),
            max_slippage: 0.015,
            max_book_age_ms: 30_000,
            min_kelly_fraction: 0.02,
            min_entry_price: Price::from_micros(150_000).unwrap_or(Price::MIN),
            min_hours_to_resolution: 1.0,
            max_entries_per_day: 0,
            min_bet_usdc: Usdc::ZERO,
            max_open_positions: 25,
            max_correlated_positions: 4,
            max_stake_per_market: Usdc::dollars(50),
            max_market_exposure_pct: 0.08,
            max_category_exposure_pct: 0.35,
            category_limits: map(&[("MACRO", 0.40), ("ELECTION", 0.35), ("CORPORATE", 0.30)]),
            max_event_exposure_pct: 0.25,
            max_global_exposure_pct: 0.60,
            max_neg_risk_loss_pct: 0.20,
            capital_reserve_pct: 0.10,
            independent_bankrolls: true,
            preflight_balance_check: true,
            inventory_limit_shares: Size::shares(500),
            trader_max_drawdown_pct: 0.20,
            trader_max_consecutive_losses: 5,
            breaker_adverse_fills: 3,
            breaker_cooldown_secs: 1_800,
            kelly_fraction: 0.25,
            confidence_multipliers: [0.5, 0.75, 1.0],
            category_multipliers: map(&[("MACRO", 1.0), ("CORPORATE", 0.75), ("ELECTION", 0.5)]),
            regime_multipliers: map(&[("HIGH_VOLATILITY", 0.5), ("LOW_ACTIVITY", 0.75)]),
            terminal_window_hours: 48.0,
            terminal_min_multiplier: 0.25,
            max_bankroll_fraction: 0.05,
            max_copy_fraction: 0.03,
            max_liquidity_fraction: 0.05,
            take_profit_pct: 0.30,
            stop_loss_pct: 0.20,
            max_holding_hours: 240.0,
            exit_before_resolution_hours: 0.0,
            edge_reversal_threshold: 0.0,
            mirror_leader_exits: true,
            profiles: BTreeMap::new(),
        }
    }
}

fn map(entries: &[(&str, f64)]) -> BTreeMap<String, f64> {
    entries.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

/// The value for `name` in a per-category or per-regime map, matching case-insensitively.
pub(crate) fn lookup(map: &BTreeMap<String, f64>, name: &str) -> Option<f64> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

impl RiskConfig {
    /// The sizing multiplier for a forecast confidence.
    #[must_use]
    pub fn confidence_multiplier(&self, confidence: Confidence) -> f64 {
        self.confidence_multipliers[confidence as usize]
    }

    /// The exposure limit of `category` and the check that enforces it: its own limit if
    /// `category_limits` has one, the general limit otherwise.
    #[must_use]
    pub fn category_limit(&self, category: &str) -> (f64, crate::Check) {
        match lookup(&self.category_limits, category) {
            Some(limit) => (limit, crate::Check::CategoryLimit),
            None => (
                self.max_category_exposure_pct,
                crate::Check::CategoryExposure,
            ),
        }
    }

    /// Whether `market_type` is in `allowed_market_types` (case-insensitive).
    #[must_use]
    pub fn market_type_allowed(&self, market_type: &str) -> bool {
        self.allowed_market_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case(market_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip_through_toml() {
        let config = RiskConfig::default();
        assert_eq!(config.validate(), Ok(()));
        let text = toml::to_string(&config).unwrap();
        let back: RiskConfig = toml::from_str(&text).unwrap();
        assert_eq!(back, config);
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<RiskConfig>(&json).unwrap(), config);
    }

    #[test]
    fn partial_files_take_defaults_and_unknown_keys_fail() {
        let config: RiskConfig =
            toml::from_str("max_stake_per_market = 75\nmin_entry_price = \"0.2\"").unwrap();
        assert_eq!(config.max_stake_per_market, Usdc::dollars(75));
        assert_eq!(config.min_entry_price, Price::parse("0.2").unwrap());
        assert_eq!(config.max_daily_loss, Usdc::dollars(500));
        assert!(toml::from_str::<RiskConfig>("max_stake = 75").is_err());
    }

    #[test]
    fn lookups_ignore_case() {
        let config = RiskConfig::default();
        assert_eq!(
            config.category_limit("macro"),
            (0.40, crate::Check::CategoryLimit)
        );
        assert_eq!(
            config.category_limit("SPORTS"),
            (0.35, crate::Check::CategoryExposure)
        );
        assert!(config.market_type_allowed("weather"));
        assert!(!config.market_type_allowed("UNKNOWN"));
        assert_eq!(config.confidence_multiplier(Confidence::Low), 0.5);
    }
}
