//! [`ScanFilters`]: the `[scanning]` configuration section (defaults from seed 000).

use polybot_model::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScanFilters {
    /// Markets with less total volume (USD) are skipped.
    pub min_volume_usd: f64,
    /// Markets with less available liquidity (USD) are skipped.
    pub min_liquidity_usd: f64,
    /// Markets whose bid-ask spread (as a fraction of 1) is wider are skipped.
    pub max_spread: f64,
    /// Markets resolving further out than this many days are skipped.
    pub max_days_to_expiry: f64,
    /// Markets fetched per Gamma page.
    pub batch_size: u32,
    /// Upper bound on markets fetched per scan.
    pub max_markets: u32,
    /// Don't re-research the same market within this window (minutes).
    pub research_cooldown_minutes: u32,
    /// Markets with a pre-research score below this (0-100) are skipped.
    pub filter_min_score: f64,
    /// If not empty, only these categories pass (MACRO, ELECTION, CORPORATE, WEATHER, SPORTS, CRYPTO, UNKNOWN).
    pub include_categories: Vec<String>,
    /// These categories never pass. The seed blocks UNKNOWN entirely.
    pub exclude_categories: Vec<String>,
}

impl Default for ScanFilters {
    fn default() -> Self {
        ScanFilters {
            min_volume_usd: 1_000.0,
            min_liquidity_usd: 500.0,
            max_spread: 0.08,
            max_days_to_expiry: 120.0,
            batch_size: 100,
            max_markets: 2_000,
            research_cooldown_minutes: 60,
            filter_min_score: 25.0,
            include_categories: Vec::new(),
            exclude_categories: vec!["UNKNOWN".to_owned()],
        }
    }
}

const CATEGORIES: [&str; 7] = [
    "MACRO",
    "ELECTION",
    "CORPORATE",
    "WEATHER",
    "SPORTS",
    "CRYPTO",
    "UNKNOWN",
];

impl ScanFilters {
    /// Checks every field; keys are relative to the section.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut non_negative = |key: &str, v: f64| {
            if !v.is_finite() || v < 0.0 {
                errors.push(FieldError::new(key, v, "must be a finite number >= 0"));
            }
        };
        non_negative("min_volume_usd", self.min_volume_usd);
        non_negative("min_liquidity_usd", self.min_liquidity_usd);
        non_negative("max_days_to_expiry", self.max_days_to_expiry);
        if !(self.max_spread.is_finite() && (0.0..=1.0).contains(&self.max_spread)) {
            errors.push(FieldError::new(
                "max_spread",
                self.max_spread,
                "must be in [0, 1]",
            ));
        }
        if !(self.filter_min_score.is_finite() && (0.0..=100.0).contains(&self.filter_min_score)) {
            errors.push(FieldError::new(
                "filter_min_score",
                self.filter_min_score,
                "must be in [0, 100]",
            ));
        }
        if !(1..=500).contains(&self.batch_size) {
            errors.push(FieldError::new(
                "batch_size",
                self.batch_size,
                "must be in [1, 500] (Gamma's page limit)",
            ));
        }
        if self.max_markets == 0 {
            errors.push(FieldError::new(
                "max_markets",
                self.max_markets,
                "must be at least 1",
            ));
        }
        for (key, list) in [
            ("include_categories", &self.include_categories),
            ("exclude_categories", &self.exclude_categories),
        ] {
            for c in list {
                if !CATEGORIES.contains(&c.to_ascii_uppercase().as_str()) {
                    errors.push(FieldError::new(
                        key,
                        c,
                        format!(
                            "unknown category; expected one of {}",
                            CATEGORIES.join(", ")
                        ),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}
