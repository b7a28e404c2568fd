//! Per-strategy risk profiles: `[risk.profiles.<strategy>]` tables that override a few of the
//! section's sizing and entry limits for one strategy's entries, so strategies with different
//! temperaments share one book (seed 003 runs an aggressive, a balanced and a conservative
//! strategy side by side, each with its own Kelly fraction, minimum edge, minimum confidence,
//! signals per day and minimum bet).
//!
//! Only the limits that describe *how a strategy trades* can be overridden. The portfolio-wide
//! limits (drawdown, loss stops, the percentage exposure caps, halts) protect the whole book and
//! stay global, so a profile cannot loosen them for one strategy. `max_stake_per_market` is the
//! one cap a profile sets: it is still measured on the whole book's cost in the market, with the
//! buying strategy's limit, so a cautious profile stays out of markets the book is already heavy
//! in, and a bolder one is still held by `max_market_exposure_pct`.

use polybot_model::Usdc;
use serde::{Deserialize, Serialize};

use super::{RiskConfig, exact};
use crate::input::Confidence;

/// One strategy's overrides; every key is optional and an absent one takes the section's value.
///
/// A strategy is named by its account (`"copy"`, `"forecast"`, …), which is what
/// [`Candidate::strategy`](crate::Candidate::strategy) carries; names match ignoring case, like
/// the section's other maps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskProfile {
    /// Fraction of full Kelly. Seed 003: 0.50 / 0.25 / 0.15.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kelly_fraction: Option<f64>,
    /// Minimum net edge. Seed 003: 0.05 / 0.06 / 0.08.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_edge: Option<f64>,
    /// Minimum forecast confidence (LOW / MEDIUM / HIGH). Seed 003's 40 % / 50 % model
    /// confidences map onto LOW / MEDIUM (see the README).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_confidence: Option<Confidence>,
    /// Entries per UTC day; `0` unlimited. Seed 003: 10 / 5 / 3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_entries_per_day: Option<u32>,
    /// Smallest buy (notional, USDC); `0` disables. Seed 003: €5 / €5 / €15.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "exact::optional_decimal"
    )]
    pub min_bet_usdc: Option<Usdc>,
    /// Maximum cost in one market (USDC, the whole book's, as the section's key) when this
    /// strategy buys.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "exact::optional_decimal"
    )]
    pub max_stake_per_market: Option<Usdc>,
}

/// The limits in force for one strategy: its profile over the section's values. What every
/// check that can differ by strategy reads, so no check looks at the global value by mistake.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EffectiveLimits {
    pub kelly_fraction: f64,
    pub min_edge: f64,
    pub min_confidence: Confidence,
    /// `0`: unlimited.
    pub max_entries_per_day: u32,
    /// `0`: no minimum.
    pub min_bet_usdc: Usdc,
    pub max_stake_per_market: Usdc,
}

impl RiskConfig {
    /// The profile configured for `strategy`, if any (names match ignoring case).
    #[must_use]
    pub fn profile(&self, strategy: &str) -> Option<&RiskProfile> {
        self.profiles
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(strategy))
            .map(|(_, profile)| profile)
    }

    /// The limits for `strategy`'s entries: its profile's values where it sets them, the
    /// section's otherwise. Without a profile, exactly the section's values.
    #[must_use]
    pub fn profile_for(&self, strategy: &str) -> EffectiveLimits {
        let p = self.profile(strategy).copied().unwrap_or_default();
        EffectiveLimits {
            kelly_fraction: p.kelly_fraction.unwrap_or(self.kelly_fraction),
            min_edge: p.min_edge.unwrap_or(self.min_edge),
            min_confidence: p.min_confidence.unwrap_or(self.min_confidence),
            max_entries_per_day: p.max_entries_per_day.unwrap_or(self.max_entries_per_day),
            min_bet_usdc: p.min_bet_usdc.unwrap_or(self.min_bet_usdc),
            max_stake_per_market: p.max_stake_per_market.unwrap_or(self.max_stake_per_market),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_003: &str = r#"
        [profiles.aggressive]
        kelly_fraction = 0.5
        min_edge = 0.05
        min_confidence = "LOW"
        max_entries_per_day = 10
        min_bet_usdc = 5

        [profiles.Conservative]
        kelly_fraction = 0.15
        min_edge = 0.08
        min_confidence = "MEDIUM"
        max_entries_per_day = 3
        min_bet_usdc = "15"
    "#;

    #[test]
    fn a_profile_overrides_only_what_it_sets_for_its_strategy() {
        let config: RiskConfig = toml::from_str(SEED_003).unwrap();
        assert_eq!(config.validate(), Ok(()));
        let aggressive = config.profile_for("aggressive");
        assert_eq!(aggressive.kelly_fraction, 0.5);
        assert_eq!(aggressive.min_confidence, Confidence::Low);
        assert_eq!(aggressive.min_bet_usdc, Usdc::dollars(5));
        // Not set in the profile: the section's value.
        assert_eq!(aggressive.max_stake_per_market, Usdc::dollars(50));
        let conservative = config.profile_for("conservative");
        assert_eq!(conservative.max_entries_per_day, 3);
        assert_eq!(conservative.min_bet_usdc, Usdc::dollars(15));
        let defaults = RiskConfig::default();
        let global = defaults.profile_for("copy");
        assert_eq!(config.profile_for("copy"), global);
        assert_eq!(
            (
                global.kelly_fraction,
                global.min_edge,
                global.min_confidence
            ),
            (0.25, 0.04, Confidence::Medium)
        );
        assert_eq!(
            (global.max_entries_per_day, global.min_bet_usdc),
            (0, Usdc::ZERO)
        );
    }

    #[test]
    fn profiles_round_trip_and_reject_unknown_keys() {
        let config: RiskConfig = toml::from_str(SEED_003).unwrap();
        let text = toml::to_string(&config).unwrap();
        assert_eq!(toml::from_str::<RiskConfig>(&text).unwrap(), config);
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<RiskConfig>(&json).unwrap(), config);
        // A null amount (hand-written JSON) is an absent one.
        let p: RiskProfile = serde_json::from_str(r#"{"min_bet_usdc": null}"#).unwrap();
        assert_eq!(p, RiskProfile::default());
        assert!(toml::from_str::<RiskConfig>("[profiles.copy]\nkelly = 0.5").is_err());
        assert!(toml::from_str::<RiskConfig>("[profiles.copy]\nmin_bet_usdc = 0.0000001").is_err());
    }
}
