//! Properties of the pre-research score over arbitrary markets.

use chrono::Duration;
use polybot_model::Usdc;
use polybot_scanner::{Category, pre_research_score, score_breakdown};
use proptest::prelude::*;

mod common;

use common::{now, passing_market};

fn any_category() -> impl Strategy<Value = Category> {
    prop::sample::select(Category::ALL.to_vec())
}

/// Volumes and liquidity from −$1M to $10B in micros (Usdc is signed), end dates from ten
/// years ago to ten years ahead, or none.
fn any_market() -> impl Strategy<Value = polybot_model::Market> {
    let usd = -1_000_000_000_000i64..10_000_000_000_000_000i64;
    let end = prop::option::of(-3_650i64 * 86_400..3_650 * 86_400);
    (usd.clone(), usd, end).prop_map(|(volume, liquidity, end)| {
        let mut m = passing_market();
        m.volume = Usdc::from_micros(volume);
        m.liquidity = Usdc::from_micros(liquidity);
        m.end_date = end.map(|s| now() + Duration::seconds(s));
        m
    })
}

proptest! {
    #[test]
    fn score_is_finite_and_within_0_100(m in any_market(), c in any_category()) {
        let b = score_breakdown(&m, c, now());
        for part in [b.volume, b.liquidity, b.recency, b.category, b.total] {
            prop_assert!(part.is_finite() && part >= 0.0, "{b:?}");
        }
        prop_assert!(b.total <= 100.0);
        prop_assert!((b.total - (b.volume + b.liquidity + b.recency + b.category)).abs() < 1e-9);
        prop_assert!(b.volume <= 35.0 && b.liquidity <= 25.0 && b.recency <= 25.0 && b.category <= 15.0);
        prop_assert_eq!(pre_research_score(&m, c, now()), b.total);
    }

    #[test]
    fn score_never_falls_as_volume_rises(m in any_market(), c in any_category(), extra in 0i64..1_000_000_000_000) {
        let mut more = m.clone();
        more.volume = m.volume.saturating_add(Usdc::from_micros(extra));
        prop_assert!(pre_research_score(&more, c, now()) >= pre_research_score(&m, c, now()));
    }

    #[test]
    fn score_never_falls_as_liquidity_rises(m in any_market(), c in any_category(), extra in 0i64..1_000_000_000_000) {
        let mut more = m.clone();
        more.liquidity = m.liquidity.saturating_add(Usdc::from_micros(extra));
        prop_assert!(pre_research_score(&more, c, now()) >= pre_research_score(&m, c, now()));
    }
}

#[test]
fn missing_values_score_zero_not_nan() {
    let mut m = passing_market();
    m.volume = Usdc::ZERO;
    m.liquidity = Usdc::ZERO;
    m.end_date = None;
    let b = score_breakdown(&m, Category::Unknown, now());
    assert_eq!(
        (b.volume, b.liquidity, b.recency, b.category, b.total),
        (0.0, 0.0, 0.0, 0.0, 0.0)
    );
    m.end_date = Some(now() - Duration::days(3));
    assert_eq!(score_breakdown(&m, Category::Macro, now()).recency, 0.0);
}

#[test]
fn a_liquid_macro_market_this_week_scores_high() {
    let mut m = passing_market();
    m.volume = Usdc::dollars(1_000_000);
    m.liquidity = Usdc::dollars(100_000);
    let b = score_breakdown(&m, Category::Macro, now());
    assert!(b.total > 99.0, "{b:?}");
    assert!(b.total > score_breakdown(&m, Category::Crypto, now()).total);
}
