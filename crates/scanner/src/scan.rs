//! [`scan`]: the seed's market filters, applied to a page of markets, with every reason recorded.

use core::cmp::Ordering;
use core::fmt;
use core::str::FromStr;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use polybot_model::{ConditionId, Market, Probability, Usdc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::category::Category;
use crate::classify::Classifier;
use crate::filters::ScanFilters;
use crate::score::{ScoreBreakdown, score_breakdown};

/// Why a market did not pass the scan. The order is the order the filters are applied in.
///
/// The `code()` strings are stable: they go into decision records and dashboards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectReason {
    /// Not `Active`, or not accepting orders: nothing can be traded.
    NotTradable,
    /// Total volume below `min_volume_usd`.
    LowVolume,
    /// Available liquidity below `min_liquidity_usd`.
    ThinLiquidity,
    /// Best ask − best bid above `max_spread`.
    WideSpread,
    /// No two-sided quote, so the spread is unknown (and the market is not tradable at a fair price).
    NoQuote,
    /// The end date has passed.
    Expired,
    /// Resolves more than `max_days_to_expiry` days from now.
    ExpiresTooLate,
    /// No end date, so the expiry filter cannot be satisfied.
    NoEndDate,
    /// `include_categories` is not empty and does not list the market's category.
    CategoryNotIncluded,
    /// `exclude_categories` lists the market's category.
    CategoryExcluded,
    /// Pre-research score below `filter_min_score`.
    LowScore,
}

impl RejectReason {
    pub const ALL: [RejectReason; 11] = [
        RejectReason::NotTradable,
        RejectReason::LowVolume,
        RejectReason::ThinLiquidity,
        RejectReason::WideSpread,
        RejectReason::NoQuote,
        RejectReason::Expired,
        RejectReason::ExpiresTooLate,
        RejectReason::NoEndDate,
        RejectReason::CategoryNotIncluded,
        RejectReason::CategoryExcluded,
        RejectReason::LowScore,
    ];

    /// The stable snake_case reason code (`"thin_liquidity"`).
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            RejectReason::NotTradable => "not_tradable",
            RejectReason::LowVolume => "low_volume",
            RejectReason::ThinLiquidity => "thin_liquidity",
            RejectReason::WideSpread => "wide_spread",
            RejectReason::NoQuote => "no_quote",
            RejectReason::Expired => "expired",
            RejectReason::ExpiresTooLate => "expires_too_late",
            RejectReason::NoEndDate => "no_end_date",
            RejectReason::CategoryNotIncluded => "category_not_included",
            RejectReason::CategoryExcluded => "category_excluded",
            RejectReason::LowScore => "low_score",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for RejectReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RejectReason::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| format!("unknown scan reject reason {s:?}"))
    }
}

impl Serialize for RejectReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for RejectReason {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A market that passed every filter, with what the scan computed about it.
#[derive(Debug, Clone, Serialize)]
pub struct ScannedMarket<'a> {
    /// The market itself; serialized as a summary (no description or outcome list), which is
    /// what `--json` readers want for a ranked list.
    #[serde(serialize_with = "serialize_summary")]
    pub market: &'a Market,
    pub category: Category,
    pub score: ScoreBreakdown,
    /// Days until the end date; always known and in (0, max_days_to_expiry] for an accepted market.
    pub days_to_expiry: f64,
    /// Best ask − best bid of the first outcome; always known for an accepted market.
    pub spread: f64,
}

/// A market that failed, with every filter it failed (not only the first), so an operator
/// can see how far it is from passing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection<'a> {
    pub condition_id: ConditionId,
    pub question: &'a str,
    pub slug: &'a str,
    pub category: Category,
    /// The pre-research score total, for context (whether or not `low_score` is a reason).
    pub score: f64,
    /// In filter order; never empty.
    pub reasons: Vec<RejectReason>,
}

/// The result of one scan.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport<'a> {
    /// Markets looked at.
    pub scanned: usize,
    /// Sorted by score descending, then volume descending, then condition id.
    pub accepted: Vec<ScannedMarket<'a>>,
    /// In input order.
    pub rejected: Vec<Rejection<'a>>,
    /// How many markets failed each filter (a market counts under each of its reasons).
    /// Every reason is present, zeros included, so the JSON shape never changes.
    pub counts: BTreeMap<RejectReason, usize>,
}

#[derive(Serialize)]
struct MarketSummary<'a> {
    condition_id: ConditionId,
    question: &'a str,
    slug: &'a str,
    event_title: Option<&'a str>,
    end_date: Option<DateTime<Utc>>,
    volume: Usdc,
    volume_24h: Usdc,
    liquidity: Usdc,
    best_bid: Option<Probability>,
    best_ask: Option<Probability>,
    neg_risk: bool,
}

fn serialize_summary<S: Serializer>(market: &&Market, serializer: S) -> Result<S::Ok, S::Error> {
    MarketSummary {
        condition_id: market.condition_id,
        question: &market.question,
        slug: &market.slug,
        event_title: market.event_title.as_deref(),
        end_date: market.end_date,
        volume: market.volume,
        volume_24h: market.volume_24h,
        liquidity: market.liquidity,
        best_bid: market.best_bid,
        best_ask: market.best_ask,
        neg_risk: market.neg_risk,
    }
    .serialize(serializer)
}

/// The filters with the category lists parsed once per scan instead of once per market.
struct Rules<'f> {
    filters: &'f ScanFilters,
    /// `None` when `include_categories` is empty (everything included).
    include: Option<[bool; Category::ALL.len()]>,
    exclude: [bool; Category::ALL.len()],
    /// `max_spread` in millionths: spreads are compared exactly, so a 0.08 spread passes a 0.08
    /// limit regardless of how 0.58 − 0.50 rounds in floating point.
    max_spread_micros: i64,
    now: DateTime<Utc>,
}

/// Names that are no category (which `ScanFilters::validate` reports) match nothing: an
/// include list of only misspelt names lets nothing through, which is the safe side.
fn category_mask(names: &[String]) -> [bool; Category::ALL.len()] {
    let mut mask = [false; Category::ALL.len()];
    for c in names.iter().filter_map(|n| n.parse::<Category>().ok()) {
        mask[c.index()] = true;
    }
    mask
}

/// Best ask − best bid in millionths, when both sides are quoted (as [`Market::spread`]).
fn spread_micros(market: &Market) -> Option<i64> {
    match (market.best_bid, market.best_ask) {
        (Some(b), Some(a)) if b.micros() > 0 && a.micros() > 0 => {
            Some(i64::from(a.micros()) - i64::from(b.micros()))
        }
        _ => None,
    }
}

impl<'f> Rules<'f> {
    fn new(filters: &'f ScanFilters, now: DateTime<Utc>) -> Self {
        let include = (!filters.include_categories.is_empty())
            .then(|| category_mask(&filters.include_categories));
        // `as` saturates, and NaN becomes 0: an invalid limit rejects rather than admits.
        let max_spread_micros = (filters.max_spread * 1e6).round() as i64;
        Rules {
            filters,
            include,
            exclude: category_mask(&filters.exclude_categories),
            max_spread_micros,
            now,
        }
    }

    /// Appends every failed filter to `reasons`, in [`RejectReason`] order.
    fn check(
        &self,
        market: &Market,
        category: Category,
        score: f64,
        reasons: &mut Vec<RejectReason>,
    ) {
        let f = self.filters;
        let mut fail = |failed: bool, reason| {
            if failed {
                reasons.push(reason);
            }
        };
        fail(!market.is_tradable(), RejectReason::NotTradable);
        fail(
            market.volume.as_f64() < f.min_volume_usd,
            RejectReason::LowVolume,
        );
        fail(
            market.liquidity.as_f64() < f.min_liquidity_usd,
            RejectReason::ThinLiquidity,
        );
        match spread_micros(market) {
            Some(spread) => fail(spread > self.max_spread_micros, RejectReason::WideSpread),
            None => fail(true, RejectReason::NoQuote),
        }
        match market.end_date {
            Some(end) if end <= self.now => fail(true, RejectReason::Expired),
            Some(_) => {
                let days = market.days_to_expiry(self.now).unwrap_or(f64::INFINITY);
                fail(days > f.max_days_to_expiry, RejectReason::ExpiresTooLate);
            }
            None => fail(true, RejectReason::NoEndDate),
        }
        let included = self.include.is_none_or(|mask| mask[category.index()]);
        fail(!included, RejectReason::CategoryNotIncluded);
        fail(
            self.exclude[category.index()],
            RejectReason::CategoryExcluded,
        );
        fail(score < f.filter_min_score, RejectReason::LowScore);
    }

    /// Classifies, scores and checks one market; `reasons` is a reused scratch buffer.
    fn evaluate<'a>(
        &self,
        market: &'a Market,
        classifier: &mut Classifier,
        reasons: &mut Vec<RejectReason>,
    ) -> Result<ScannedMarket<'a>, Rejection<'a>> {
        let category = classifier.classify_market(market);
        let score = score_breakdown(market, category, self.now);
        reasons.clear();
        self.check(market, category, score.total, reasons);
        if !reasons.is_empty() {
            return Err(Rejection {
                condition_id: market.condition_id,
                question: &market.question,
                slug: &market.slug,
                category,
                score: score.total,
                reasons: reasons.clone(),
            });
        }
        // Both are known: `check` rejects markets without a quote or an end date.
        let spread = spread_micros(market).unwrap_or_default() as f64 / 1e6;
        Ok(ScannedMarket {
            market,
            category,
            score,
            days_to_expiry: market.days_to_expiry(self.now).unwrap_or_default(),
            spread,
        })
    }
}

/// Best first: score descending, then volume descending, then condition id ascending, so two
/// scans of the same markets list them in the same order.
fn rank(a: &ScannedMarket<'_>, b: &ScannedMarket<'_>) -> Ordering {
    b.score
        .total
        .total_cmp(&a.score.total)
        .then_with(|| b.market.volume.cmp(&a.market.volume))
        .then_with(|| a.market.condition_id.cmp(&b.market.condition_id))
}

/// Classifies, scores and filters `markets` as of `now`.
///
/// Every market is checked against every filter, and a rejected market carries all the
/// reasons it failed. Work is linear in the number of markets (plus sorting the accepted
/// ones); the classifier's buffers and the reason buffer are reused, so the only per-market
/// allocation is the reason list of a rejected market.
#[must_use]
pub fn scan<'a>(
    markets: &'a [Market],
    filters: &ScanFilters,
    now: DateTime<Utc>,
) -> ScanReport<'a> {
    let rules = Rules::new(filters, now);
    let mut classifier = Classifier::new();
    let mut reasons = Vec::with_capacity(RejectReason::ALL.len());
    let mut counts: BTreeMap<RejectReason, usize> =
        RejectReason::ALL.into_iter().map(|r| (r, 0)).collect();
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    for market in markets {
        match rules.evaluate(market, &mut classifier, &mut reasons) {
            Ok(scanned) => accepted.push(scanned),
            Err(rejection) => {
                for reason in &rejection.reasons {
                    *counts.entry(*reason).or_default() += 1;
                }
                rejected.push(rejection);
            }
        }
    }
    accepted.sort_by(rank);
    ScanReport {
        scanned: markets.len(),
        accepted,
        rejected,
        counts,
    }
}

/// [`scan`] for one market: re-checks a market before acting on it (prices and liquidity move
/// between the scan and the trade).
pub fn scan_market<'a>(
    market: &'a Market,
    filters: &ScanFilters,
    now: DateTime<Utc>,
) -> Result<ScannedMarket<'a>, Rejection<'a>> {
    let mut reasons = Vec::new();
    Rules::new(filters, now).evaluate(market, &mut Classifier::new(), &mut reasons)
}
