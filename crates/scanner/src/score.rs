//! The 0–100 pre-research score: is a market worth the API credits of researching it?
//!
//! The seed scores "on volume, liquidity, recency, and category". Each is a component with a
//! fixed maximum, and the score is their sum:
//!
//! | component | max | formula |
//! |---|---|---|
//! | volume    | 35 | `35 · min(1, log10(1 + volume / $100) / 4)`: saturates at ≈ $1M |
//! | liquidity | 25 | `25 · min(1, log10(1 + liquidity / $10) / 4)`: saturates at ≈ $100k |
//! | recency   | 25 | time to resolution, see [`recency_points`] |
//! | category  | 15 | see [`category_points`] |
//!
//! Logarithms because the difference between $1k and $10k of volume says much more about
//! whether a price carries information than the difference between $1M and $1.01M. Volume
//! weighs most because it is the evidence that the market's price is worth disagreeing with;
//! liquidity says whether a position can be entered and left at all.

use chrono::{DateTime, Utc};
use polybot_model::Market;
use serde::{Deserialize, Serialize};

use crate::category::Category;

/// Maximum points of each component; they add up to 100.
pub const VOLUME_MAX: f64 = 35.0;
pub const LIQUIDITY_MAX: f64 = 25.0;
pub const RECENCY_MAX: f64 = 25.0;
pub const CATEGORY_MAX: f64 = 15.0;

/// The score and its parts, so an operator can see why a market ranks where it does.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ScoreBreakdown {
    /// 0–35, from total traded volume.
    pub volume: f64,
    /// 0–25, from the liquidity available on the book.
    pub liquidity: f64,
    /// 0–25, from the time left until the market resolves.
    pub recency: f64,
    /// 0–15, from how well the research stage can source evidence for this category.
    pub category: f64,
    /// The sum, in [0, 100].
    pub total: f64,
}

/// `max · min(1, log10(1 + usd / unit) / 4)`: 0 at or below $0, `max` from `unit · 10⁴` on.
/// NaN counts as nothing, +∞ as saturated, so the result is always finite.
fn log_points(usd: f64, unit: f64, max: f64) -> f64 {
    if usd.is_nan() || usd <= 0.0 {
        return 0.0;
    }
    let fraction = ((usd / unit).ln_1p() / core::f64::consts::LN_10 / 4.0).min(1.0);
    max * fraction
}

/// 0–35 points for total volume (USD); $1k → 9.1, $10k → 17.5, $100k → 26.3, $1M → 35.
#[must_use]
pub fn volume_points(volume_usd: f64) -> f64 {
    log_points(volume_usd, 100.0, VOLUME_MAX)
}

/// 0–25 points for available liquidity (USD); $500 → 10.7, $10k → 18.8, $100k → 25.
#[must_use]
pub fn liquidity_points(liquidity_usd: f64) -> f64 {
    log_points(liquidity_usd, 10.0, LIQUIDITY_MAX)
}

/// 0–25 points for the time to resolution, favouring days-to-weeks:
///
/// - no end date, already ended, or NaN: 0 (nothing to research against a date);
/// - under 1 day: 15 → 25 linearly (too little time to research, and prices have
///   usually converged on the answer already);
/// - 1 to 14 days: 25 (the evidence that resolves the market is about to be published);
/// - 14 to 90 days: 25 → 10 linearly;
/// - 90 to 365 days: 10 → 0 linearly (capital tied up for months, evidence is stale by then);
/// - beyond a year: 0.
#[must_use]
pub fn recency_points(days_to_expiry: Option<f64>) -> f64 {
    let Some(d) = days_to_expiry.filter(|d| !d.is_nan()) else {
        return 0.0;
    };
    let lerp = |from: f64, to: f64, d0: f64, d1: f64| from + (to - from) * (d - d0) / (d1 - d0);
    if d <= 0.0 {
        0.0
    } else if d < 1.0 {
        lerp(15.0, RECENCY_MAX, 0.0, 1.0)
    } else if d <= 14.0 {
        RECENCY_MAX
    } else if d <= 90.0 {
        lerp(RECENCY_MAX, 10.0, 14.0, 90.0)
    } else if d <= 365.0 {
        lerp(10.0, 0.0, 90.0, 365.0)
    } else {
        0.0
    }
}

/// 0–15 points for the category: how likely research from primary sources is to move the
/// forecast. MACRO (scheduled government statistics) 15, WEATHER (NOAA/NWS data and models)
/// 13, ELECTION and CORPORATE (filings, polls, official results) 12, SPORTS (public data, but
/// efficiently priced by bookmakers) 6, CRYPTO (prices are close to a random walk; nothing to
/// research) 5, UNKNOWN 0 (no sources at all).
#[must_use]
pub const fn category_points(category: Category) -> f64 {
    match category {
        Category::Macro => 15.0,
        Category::Weather => 13.0,
        Category::Election | Category::Corporate => 12.0,
        Category::Sports => 6.0,
        Category::Crypto => 5.0,
        Category::Unknown => 0.0,
    }
}

/// The score of `market` as of `now`, with its parts. Never NaN; `total` is in [0, 100].
#[must_use]
pub fn score_breakdown(market: &Market, category: Category, now: DateTime<Utc>) -> ScoreBreakdown {
    let volume = volume_points(market.volume.as_f64());
    let liquidity = liquidity_points(market.liquidity.as_f64());
    let recency = recency_points(market.days_to_expiry(now));
    let category = category_points(category);
    let sum = volume + liquidity + recency + category;
    let total = if sum.is_finite() {
        sum.clamp(0.0, 100.0)
    } else {
        0.0
    };
    ScoreBreakdown {
        volume,
        liquidity,
        recency,
        category,
        total,
    }
}

/// The seed's pre-research score (0–100); markets below `filter_min_score` are not researched.
#[must_use]
pub fn pre_research_score(market: &Market, category: Category, now: DateTime<Utc>) -> f64 {
    score_breakdown(market, category, now).total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 0.05
    }

    #[test]
    fn maxima_add_up_to_100() {
        assert_eq!(
            VOLUME_MAX + LIQUIDITY_MAX + RECENCY_MAX + CATEGORY_MAX,
            100.0
        );
        let best = Category::ALL
            .into_iter()
            .map(category_points)
            .fold(0.0, f64::max);
        assert_eq!(best, CATEGORY_MAX);
    }

    #[test]
    fn log_components_match_the_documented_points() {
        for (usd, points) in [
            (0.0, 0.0),
            (1_000.0, 9.1),
            (10_000.0, 17.5),
            (100_000.0, 26.3),
        ] {
            assert!(
                close(volume_points(usd), points),
                "{usd}: {}",
                volume_points(usd)
            );
        }
        assert!(close(volume_points(1_000_000.0), 35.0));
        assert_eq!(volume_points(1e12), VOLUME_MAX);
        assert!(close(liquidity_points(500.0), 10.7));
        assert!(close(liquidity_points(10_000.0), 18.8));
        assert!(close(liquidity_points(100_000.0), 25.0));
        assert_eq!(liquidity_points(-5.0), 0.0);
        assert_eq!(liquidity_points(f64::NAN), 0.0);
        assert_eq!(liquidity_points(f64::INFINITY), LIQUIDITY_MAX);
    }

    #[test]
    fn recency_prefers_days_to_weeks() {
        let r = |d: f64| recency_points(Some(d));
        assert_eq!(recency_points(None), 0.0);
        assert_eq!(recency_points(Some(f64::NAN)), 0.0);
        assert_eq!(r(-1.0), 0.0);
        assert_eq!(r(0.0), 0.0);
        assert!(close(r(0.5), 20.0));
        assert_eq!(r(1.0), 25.0);
        assert_eq!(r(14.0), 25.0);
        assert!(close(r(52.0), 17.5));
        assert!(close(r(90.0), 10.0));
        assert!(close(r(365.0), 0.0));
        assert_eq!(r(1_000.0), 0.0);
        assert!(r(7.0) > r(60.0) && r(60.0) > r(120.0) && r(120.0) > r(300.0));
    }
}
