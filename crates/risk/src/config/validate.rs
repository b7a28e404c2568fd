//! [`RiskConfig::validate`]: every bad value reported at once, named by its key in the section.
//!
//! Validation is what lets the rest of the crate do arithmetic without guarding every ratio for
//! NaN: a validated configuration has only finite values in their documented ranges.

use std::collections::BTreeMap;

use polybot_model::{FieldError, Usdc};

use super::RiskConfig;

/// Collects field errors.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn check(&mut self, ok: bool, key: &str, value: impl std::fmt::Display, reason: &str) {
        if !ok {
            self.0.push(FieldError::new(key, value, reason));
        }
    }

    /// `value` finite and in `[lo, hi]`.
    fn range(&mut self, key: &str, value: f64, lo: f64, hi: f64) {
        let ok = value.is_finite() && (lo..=hi).contains(&value);
        self.check(ok, key, value, &format!("must be a number in [{lo}, {hi}]"));
    }

    /// `value` finite and in `(0, 1]`.
    fn positive_fraction(&mut self, key: &str, value: f64) {
        let ok = value.is_finite() && value > 0.0 && value <= 1.0;
        self.check(ok, key, value, "must be a number in (0, 1]");
    }

    fn hours(&mut self, key: &str, value: f64) {
        self.range(key, value, 0.0, 87_600.0);
    }

    fn non_negative(&mut self, key: &str, value: Usdc) {
        self.check(value >= Usdc::ZERO, key, value, "must not be negative");
    }

    /// A minimum bet above the stake allowed per market would refuse every entry. (A negative
    /// amount is reported by `non_negative`.)
    fn min_bet_fits(&mut self, key: &str, min: Usdc, max: Usdc) {
        self.check(
            min <= max || min <= Usdc::ZERO || max < Usdc::ZERO,
            key,
            min,
            &format!("must not exceed max_stake_per_market (${max}), or every entry is refused"),
        );
    }

    fn multipliers(&mut self, key: &str, map: &BTreeMap<String, f64>) {
        for (name, value) in map {
            let entry = format!("{key}.{name}");
            self.check(
                !name.trim().is_empty(),
                &entry,
                "\"\"",
                "names must not be empty",
            );
            self.range(&entry, *value, 0.0, 1.0);
        }
    }
}

impl RiskConfig {
    /// Checks every field; keys are relative to the section.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        self.validate_drawdown(&mut errors);
        self.validate_gates(&mut errors);
        self.validate_exposure(&mut errors);
        self.validate_sizing(&mut errors);
        self.validate_exits(&mut errors);
        self.validate_profiles(&mut errors);
        if errors.0.is_empty() {
            Ok(())
        } else {
            Err(errors.0)
        }
    }

    fn validate_drawdown(&self, e: &mut Errors) {
        e.positive_fraction("max_drawdown_pct", self.max_drawdown_pct);
        let recover = self.drawdown_recover_pct;
        e.check(
            recover.is_finite() && recover >= 0.0 && recover < self.max_drawdown_pct,
            "drawdown_recover_pct",
            recover,
            "must be in [0, max_drawdown_pct) so a recovered guard does not trip again at once",
        );
        e.check(
            self.drawdown_cooldown_secs <= 31_536_000,
            "drawdown_cooldown_secs",
            self.drawdown_cooldown_secs,
            "must be at most a year (31536000)",
        );
        let t = self.heat_thresholds;
        let increasing =
            t.iter().all(|v| v.is_finite() && *v > 0.0 && *v <= 1.0) && t[0] < t[1] && t[1] < t[2];
        e.check(
            increasing,
            "heat_thresholds",
            format!("{t:?}"),
            "must be three increasing numbers in (0, 1]",
        );
        let m = self.heat_multipliers;
        let decreasing = m.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v))
            && m.windows(2).all(|w| w[0] >= w[1]);
        e.check(
            decreasing,
            "heat_multipliers",
            format!("{m:?}"),
            "must be four non-increasing numbers in [0, 1]",
        );
        e.non_negative("max_daily_loss", self.max_daily_loss);
        e.positive_fraction("daily_soft_stop_pct", self.daily_soft_stop_pct);
        e.positive_fraction("weekly_halt_pct", self.weekly_halt_pct);
    }

    fn validate_gates(&self, e: &mut Errors) {
        e.range("min_edge", self.min_edge, 0.0, 1.0);
        e.range("extra_costs", self.extra_costs, 0.0, 0.5);
        e.non_negative("min_liquidity", self.min_liquidity);
        e.range("max_spread", self.max_spread, 0.0, 1.0);
        e.range("min_evidence_quality", self.min_evidence_quality, 0.0, 1.0);
        e.range(
            "implied_probability_floor",
            self.implied_probability_floor,
            0.0,
            0.5,
        );
        e.check(
            !self.allowed_market_types.is_empty(),
            "allowed_market_types",
            "[]",
            "must list at least one type (use safety.kill_switch to stop all entries)",
        );
        for t in &self.allowed_market_types {
            e.check(
                !t.trim().is_empty(),
                "allowed_market_types",
                "\"\"",
                "types must not be empty",
            );
        }
        e.range("max_slippage", self.max_slippage, 0.0, 1.0);
        e.check(
            self.max_book_age_ms <= 86_400_000,
            "max_book_age_ms",
            self.max_book_age_ms,
            "must be at most a day (86400000)",
        );
        e.range("min_kelly_fraction", self.min_kelly_fraction, 0.0, 1.0);
        e.hours("min_hours_to_resolution", self.min_hours_to_resolution);
        e.check(
            self.min_hours_to_resolution >= self.exit_before_resolution_hours
                || self.min_hours_to_resolution.is_nan()
                || self.exit_before_resolution_hours.is_nan(),
            "min_hours_to_resolution",
            self.min_hours_to_resolution,
            "must be at least exit_before_resolution_hours, or entries would be exited at once",
        );
    }

    fn validate_exposure(&self, e: &mut Errors) {
        e.non_negative("max_stake_per_market", self.max_stake_per_market);
        for (key, value) in [
            ("max_market_exposure_pct", self.max_market_exposure_pct),
            ("max_category_exposure_pct", self.max_category_exposure_pct),
            ("max_event_exposure_pct", self.max_event_exposure_pct),
            ("max_global_exposure_pct", self.max_global_exposure_pct),
            ("max_neg_risk_loss_pct", self.max_neg_risk_loss_pct),
            ("capital_reserve_pct", self.capital_reserve_pct),
        ] {
            e.range(key, value, 0.0, 1.0);
        }
        e.multipliers("category_limits", &self.category_limits);
        e.positive_fraction("trader_max_drawdown_pct", self.trader_max_drawdown_pct);
        e.check(
            self.breaker_cooldown_secs <= 604_800,
            "breaker_cooldown_secs",
            self.breaker_cooldown_secs,
            "must be at most a week (604800)",
        );
    }

    fn validate_sizing(&self, e: &mut Errors) {
        e.positive_fraction("kelly_fraction", self.kelly_fraction);
        let c = self.confidence_multipliers;
        let ordered = c.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v))
            && c[0] <= c[1]
            && c[1] <= c[2];
        e.check(
            ordered,
            "confidence_multipliers",
            format!("{c:?}"),
            "must be three non-decreasing numbers in [0, 1] (LOW, MEDIUM, HIGH)",
        );
        e.multipliers("category_multipliers", &self.category_multipliers);
        e.multipliers("regime_multipliers", &self.regime_multipliers);
        e.hours("terminal_window_hours", self.terminal_window_hours);
        e.range(
            "terminal_min_multiplier",
            self.terminal_min_multiplier,
            0.0,
            1.0,
        );
        e.range(
            "max_bankroll_fraction",
            self.max_bankroll_fraction,
            0.0,
            1.0,
        );
        e.range("max_copy_fraction", self.max_copy_fraction, 0.0, 1.0);
        e.range(
            "max_liquidity_fraction",
            self.max_liquidity_fraction,
            0.0,
            1.0,
        );
    }

    /// Each profile's overrides with the same rules as the section's keys, named
    /// `profiles.<strategy>.<key>`, and each strategy's minimum bet under its stake limit.
    fn validate_profiles(&self, e: &mut Errors) {
        e.non_negative("min_bet_usdc", self.min_bet_usdc);
        e.min_bet_fits("min_bet_usdc", self.min_bet_usdc, self.max_stake_per_market);
        for (name, p) in &self.profiles {
            let key = |field: &str| format!("profiles.{name}.{field}");
            e.check(
                !name.trim().is_empty(),
                "profiles",
                "\"\"",
                "strategy names must not be empty",
            );
            let same = self
                .profiles
                .keys()
                .filter(|k| k.eq_ignore_ascii_case(name));
            e.check(
                same.count() == 1,
                &format!("profiles.{name}"),
                name,
                "names match strategies ignoring case, so two profiles name one strategy",
            );
            if let Some(v) = p.kelly_fraction {
                e.positive_fraction(&key("kelly_fraction"), v);
            }
            if let Some(v) = p.min_edge {
                e.range(&key("min_edge"), v, 0.0, 1.0);
            }
            if let Some(v) = p.min_bet_usdc {
                e.non_negative(&key("min_bet_usdc"), v);
            }
            if let Some(v) = p.max_stake_per_market {
                e.non_negative(&key("max_stake_per_market"), v);
            }
            let limits = self.profile_for(name);
            e.min_bet_fits(
                &key("min_bet_usdc"),
                limits.min_bet_usdc,
                limits.max_stake_per_market,
            );
        }
    }

    fn validate_exits(&self, e: &mut Errors) {
        e.range("take_profit_pct", self.take_profit_pct, 0.0, 1_000.0);
        e.range("stop_loss_pct", self.stop_loss_pct, 0.0, 1.0);
        e.hours("max_holding_hours", self.max_holding_hours);
        e.hours(
            "exit_before_resolution_hours",
            self.exit_before_resolution_hours,
        );
        e.range(
            "edge_reversal_threshold",
            self.edge_reversal_threshold,
            0.0,
            1.0,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_is_reported_by_key() {
        let mut c = RiskConfig {
            max_drawdown_pct: f64::NAN,
            heat_thresholds: [0.2, 0.15, 0.1],
            max_daily_loss: Usdc::dollars(-1),
            allowed_market_types: Vec::new(),
            kelly_fraction: 0.0,
            stop_loss_pct: -0.1,
            exit_before_resolution_hours: 24.0,
            ..RiskConfig::default()
        };
        c.category_limits.insert("MACRO".into(), 1.5);
        let keys: Vec<String> = c
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.key)
            .collect();
        assert_eq!(
            keys,
            [
                "max_drawdown_pct",
                "drawdown_recover_pct",
                "heat_thresholds",
                "max_daily_loss",
                "allowed_market_types",
                "min_hours_to_resolution",
                "category_limits.MACRO",
                "kelly_fraction",
                "stop_loss_pct",
            ]
        );
    }

    #[test]
    fn profile_errors_are_named_by_strategy_and_key() {
        let mut c = RiskConfig {
            min_bet_usdc: Usdc::dollars(60),
            ..RiskConfig::default()
        };
        let bad = super::super::RiskProfile {
            kelly_fraction: Some(1.5),
            min_edge: Some(f64::NAN),
            min_bet_usdc: Some(Usdc::dollars(-1)),
            max_stake_per_market: Some(Usdc::dollars(-5)),
            ..Default::default()
        };
        c.profiles.insert("copy".into(), bad);
        // Its own stake limit is above the section's minimum bet, which it inherits.
        let roomy = super::super::RiskProfile {
            max_stake_per_market: Some(Usdc::dollars(100)),
            ..Default::default()
        };
        c.profiles.insert("forecast".into(), roomy);
        c.profiles.insert("Forecast".into(), roomy);
        let keys: Vec<String> = c
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.key)
            .collect();
        assert_eq!(
            keys,
            [
                "min_bet_usdc",
                "profiles.Forecast",
                "profiles.copy.kelly_fraction",
                "profiles.copy.min_edge",
                "profiles.copy.min_bet_usdc",
                "profiles.copy.max_stake_per_market",
                "profiles.forecast",
            ]
        );
    }

    #[test]
    fn recover_must_sit_below_the_kill_level() {
        let c = RiskConfig {
            drawdown_recover_pct: 0.2,
            ..RiskConfig::default()
        };
        let errors = c.validate().unwrap_err();
        assert_eq!(errors[0].key, "drawdown_recover_pct");
        assert!(
            errors[0]
                .to_string()
                .starts_with("drawdown_recover_pct = 0.2: must be in")
        );
    }
}
