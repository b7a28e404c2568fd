//! [`Check`]: every risk check, its stable reason code and the configuration key that governs it.
//!
//! Codes are part of the decision log's format: dashboards, replays and alerts match on them,
//! so a code never changes meaning and is never reused. [`config_key`] maps a code (of a check or
//! of an exit rule) back to the `[risk]` key an operator tunes.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::exits::ExitReason;

/// What kind of check it is, which decides when it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// A condition on the portfolio or the candidate that blocks new risk outright.
    Gate,
    /// A limit with room left under it: sizing stays inside the room, and the check fails when
    /// the room cannot hold even the smallest order.
    Cap,
    /// Data or request sanity: applies to exits too.
    Sanity,
}

macro_rules! checks {
    ($($(#[$doc:meta])* $variant:ident => $code:literal, $key:literal, $kind:ident;)*) => {
        /// One risk check. See the crate documentation for the table of defaults.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Check {
            $($(#[$doc])* $variant,)*
        }

        impl Check {
            /// Every check, in evaluation order.
            pub const ALL: &'static [Check] = &[$(Check::$variant,)*];

            /// The stable snake_case reason code (`"thin_liquidity"`).
            #[must_use]
            pub const fn code(self) -> &'static str {
                match self { $(Check::$variant => $code,)* }
            }

            /// The `[risk]` configuration key that governs this check; `"-"` for the sanity
            /// checks that are always on.
            #[must_use]
            pub const fn config_key(self) -> &'static str {
                match self { $(Check::$variant => $key,)* }
            }

            #[must_use]
            pub const fn kind(self) -> CheckKind {
                match self { $(Check::$variant => CheckKind::$kind,)* }
            }
        }
    };
}

checks! {
    /// The configured kill switch, the kill file, or an operator halt is on.
    KillSwitch => "kill_switch", "safety.kill_switch", Gate;
    /// Drawdown from peak reached the auto-kill level, or the drawdown guard is tripped.
    MaxDrawdown => "max_drawdown", "max_drawdown_pct", Gate;
    /// Drawdown heat level 3: sizing multiplier zero, no new entries.
    DrawdownHeat3 => "drawdown_heat_3", "heat_thresholds", Gate;
    /// Today's loss (realized, or equity since the day's start) reached the dollar limit.
    DailyLoss => "daily_loss", "max_daily_loss", Gate;
    /// Today's loss reached the soft-stop fraction of the day's starting equity.
    DailySoftStop => "daily_soft_stop", "daily_soft_stop_pct", Gate;
    /// This week's loss reached the hard-halt fraction of the week's starting equity.
    WeeklyHalt => "weekly_halt", "weekly_halt_pct", Gate;
    /// A new position would exceed the number of concurrent positions.
    MaxOpenPositions => "max_open_positions", "max_open_positions", Gate;
    /// The strategy already opened its allowance of entries today (UTC).
    MaxEntriesPerDay => "max_entries_per_day", "max_entries_per_day", Gate;
    /// The copied leader is cut off (drawdown of its copies, or by an operator).
    TraderCutoff => "trader_cutoff", "trader_max_drawdown_pct", Gate;
    /// The copied leader's copies lost too many times in a row.
    TraderLossStreak => "trader_loss_streak", "trader_max_consecutive_losses", Gate;
    /// The market's circuit breaker is open after consecutive adverse fills.
    CircuitBreaker => "circuit_breaker", "breaker_adverse_fills", Gate;
    /// Too many open positions correlated with this one (same event, or same category and a
    /// shared tag).
    CorrelatedPositions => "correlated_positions", "max_correlated_positions", Gate;
    /// Net edge after the fee and costs is positive but below the minimum.
    MinEdge => "min_edge", "min_edge", Gate;
    /// Net edge after the fee and costs is not positive.
    NegativeEdge => "negative_edge", "extra_costs", Gate;
    /// Book liquidity below the minimum.
    ThinLiquidity => "thin_liquidity", "min_liquidity", Gate;
    /// Bid-ask spread above the maximum, or no two-sided quote.
    WideSpread => "wide_spread", "max_spread", Gate;
    /// Evidence quality below the minimum.
    LowEvidenceQuality => "low_evidence_quality", "min_evidence_quality", Gate;
    /// Forecast confidence below the minimum.
    LowConfidence => "low_confidence", "min_confidence", Gate;
    /// The market's implied probability is below the floor (either side).
    ProbabilityFloor => "probability_floor", "implied_probability_floor", Gate;
    /// The market type is not in the allowed list.
    MarketTypeNotAllowed => "market_type_not_allowed", "allowed_market_types", Gate;
    /// The limit price is further above the reference price than the slippage tolerance.
    MaxSlippage => "max_slippage", "max_slippage", Gate;
    /// The book the candidate was priced on is too old.
    StaleMarket => "stale_market", "max_book_age_ms", Gate;
    /// Fractional Kelly below the minimum.
    MinKelly => "min_kelly", "min_kelly_fraction", Gate;
    /// The entry price is below the minimum.
    MinEntryPrice => "min_entry_price", "min_entry_price", Gate;
    /// The market resolves too soon to enter.
    NearResolution => "near_resolution", "min_hours_to_resolution", Gate;
    /// Nothing else failed, yet the buy sized below the strategy's minimum bet (notional).
    BelowMinBet => "below_min_bet", "min_bet_usdc", Gate;
    /// Net inventory in the market is at the limit in this direction: reduce-only.
    ReduceOnly => "reduce_only", "inventory_limit_shares", Cap;
    /// Cost in this market would exceed the dollar stake limit.
    MaxStakePerMarket => "max_stake_per_market", "max_stake_per_market", Cap;
    /// Cost in this market would exceed its share of equity.
    MaxPerMarket => "max_per_market", "max_market_exposure_pct", Cap;
    /// Cost in this category would exceed the general category limit.
    CategoryExposure => "category_exposure", "max_category_exposure_pct", Cap;
    /// Cost in this category would exceed its own configured limit.
    CategoryLimit => "category_limit", "category_limits", Cap;
    /// Cost in this event would exceed its share of equity.
    EventExposure => "event_exposure", "max_event_exposure_pct", Cap;
    /// Total cost of open positions would exceed its share of equity.
    GlobalExposure => "global_exposure", "max_global_exposure_pct", Cap;
    /// The neg-risk group's worst-case loss would exceed its share of equity.
    NegRiskWorstCase => "neg_risk_worst_case", "max_neg_risk_loss_pct", Cap;
    /// The strategy's open cost would exceed its own bankroll.
    StrategyBankroll => "strategy_bankroll", "independent_bankrolls", Cap;
    /// One trade would exceed its share of the strategy's bankroll.
    BankrollFraction => "bankroll_fraction", "max_bankroll_fraction", Cap;
    /// One copy would exceed its share of the strategy's bankroll.
    MaxPerCopy => "max_per_copy", "max_copy_fraction", Cap;
    /// One trade would take more than its share of the book's liquidity.
    LiquidityShare => "liquidity_share", "max_liquidity_fraction", Cap;
    /// Cash left after the trade would dip into the reserve.
    CapitalReserve => "capital_reserve", "capital_reserve_pct", Cap;
    /// Not enough cash (buy) or shares (sell) for the order.
    InsufficientBalance => "insufficient_balance", "preflight_balance_check", Cap;
    /// The book is crossed (best bid at or above best ask): the data is broken.
    CrossedQuote => "crossed_quote", "-", Sanity;
    /// The candidate is malformed (a buy marked as an exit, a ratio outside its range).
    InvalidCandidate => "invalid_candidate", "-", Sanity;
    /// Nothing else failed, yet the order sized below the market's minimum order size.
    BelowMinSize => "below_min_size", "-", Sanity;
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Check {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Check::ALL
            .iter()
            .copied()
            .find(|c| c.code() == s)
            .ok_or_else(|| format!("unknown risk check code {s:?}"))
    }
}

impl Serialize for Check {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Check {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The configuration key behind a reason code, of a check or of an exit rule; `None` for a code
/// this crate does not produce. Always-on sanity checks map to `"-"`.
#[must_use]
pub fn config_key(code: &str) -> Option<&'static str> {
    if let Ok(check) = code.parse::<Check>() {
        return Some(check.config_key());
    }
    ExitReason::ALL
        .iter()
        .find(|r| r.code() == code)
        .map(|r| r.config_key())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_round_trip() {
        let mut seen = BTreeSet::new();
        for check in Check::ALL {
            let code = check.code();
            assert!(seen.insert(code), "duplicate {code}");
            assert!(
                code.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{code}"
            );
            assert_eq!(code.parse::<Check>().unwrap(), *check);
            let json = serde_json::to_string(check).unwrap();
            assert_eq!(json, format!("\"{code}\""));
        }
        for reason in ExitReason::ALL {
            assert!(
                seen.insert(reason.code()),
                "exit code collides: {}",
                reason.code()
            );
        }
    }

    /// The crate documentation (copied into the project README) lists every check and exit
    /// rule, in order, with its key, and every key exists in the configuration.
    #[test]
    fn the_documented_tables_match_the_code() {
        let docs = include_str!("lib.rs");
        let rows: Vec<&str> = docs.lines().filter(|l| l.starts_with("//! | `")).collect();
        let codes: Vec<&str> = Check::ALL.iter().map(|c| c.code()).collect();
        let documented: Vec<&str> = rows
            .iter()
            .filter_map(|r| r[7..].split('`').next())
            .filter(|c| codes.contains(c))
            .collect();
        assert_eq!(documented, codes);
        let config = toml::to_string(&crate::RiskConfig::default()).unwrap();
        let pairs: Vec<(&str, &str)> = Check::ALL
            .iter()
            .map(|c| (c.code(), c.config_key()))
            .chain(ExitReason::ALL.iter().map(|r| (r.code(), r.config_key())))
            .collect();
        for (code, key) in pairs {
            let row = rows
                .iter()
                .find(|r| r.starts_with(&format!("//! | `{code}` |")))
                .unwrap_or_else(|| panic!("{code} is not documented"));
            // `safety.*` keys live in [`crate::SafetyConfig`], checked by its own tests.
            if key != "-" && !key.starts_with("safety.") {
                assert!(
                    row.contains(&format!("`{key}`")),
                    "{code}: key {key} not in {row}"
                );
                assert!(
                    config.lines().any(|l| l.starts_with(&format!("{key} ")))
                        || config.contains(&format!("[{key}]")),
                    "{key} is not a configuration key"
                );
            }
        }
    }

    #[test]
    fn every_code_has_a_key() {
        assert_eq!(config_key("thin_liquidity"), Some("min_liquidity"));
        assert_eq!(config_key("drawdown_heat_3"), Some("heat_thresholds"));
        assert_eq!(config_key("take_profit"), Some("take_profit_pct"));
        assert_eq!(config_key("crossed_quote"), Some("-"));
        assert_eq!(
            config_key("max_entries_per_day"),
            Some("max_entries_per_day")
        );
        assert_eq!(config_key("below_min_bet"), Some("min_bet_usdc"));
        assert_eq!(config_key("no_such_code"), None);
    }
}
