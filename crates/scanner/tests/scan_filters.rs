//! The scan's filters: each alone, combined, category lists, ranking and the report's shape.

use chrono::Duration;
use polybot_model::{Market, MarketStatus, Usdc};
use polybot_scanner::{Category, RejectReason, ScanFilters, pre_research_score, scan, scan_market};

mod common;

use RejectReason::*;
use common::{condition_id, now, passing_market, prob};

fn reasons_of(market: &Market, filters: &ScanFilters) -> Vec<RejectReason> {
    match scan_market(market, filters, now()) {
        Ok(_) => Vec::new(),
        Err(rejection) => rejection.reasons,
    }
}

#[test]
fn the_fixture_passes_every_default_filter() {
    let m = passing_market();
    let scanned = scan_market(&m, &ScanFilters::default(), now()).expect("passes");
    assert_eq!(scanned.category, Category::Macro);
    assert!((scanned.days_to_expiry - 10.0).abs() < 1e-9);
    assert!((scanned.spread - 0.04).abs() < 1e-12);
    assert_eq!(
        scanned.score.total,
        pre_research_score(&m, Category::Macro, now())
    );
}

type Edit = fn(&mut Market, &mut ScanFilters);

/// One row per filter: starting from a market that passes everything, one change makes it
/// fail exactly that filter.
const ONE_FILTER_EACH: &[(&str, Edit, RejectReason)] = &[
    (
        "closed",
        |m, _| m.status = MarketStatus::Closed,
        NotTradable,
    ),
    (
        "resolved",
        |m, _| m.status = MarketStatus::Resolved { winner: 0 },
        NotTradable,
    ),
    (
        "not accepting orders",
        |m, _| m.accepting_orders = false,
        NotTradable,
    ),
    (
        "volume $999.99",
        |m, _| m.volume = Usdc::from_micros(999_990_000),
        LowVolume,
    ),
    (
        "liquidity $499",
        |m, _| m.liquidity = Usdc::dollars(499),
        ThinLiquidity,
    ),
    (
        "spread 0.09",
        |m, _| m.best_ask = Some(prob("0.57")),
        WideSpread,
    ),
    ("no ask", |m, _| m.best_ask = None, NoQuote),
    ("no bid", |m, _| m.best_bid = None, NoQuote),
    ("zero bid", |m, _| m.best_bid = Some(prob("0")), NoQuote),
    (
        "ended an hour ago",
        |m, _| m.end_date = Some(now() - Duration::hours(1)),
        Expired,
    ),
    ("ends exactly now", |m, _| m.end_date = Some(now()), Expired),
    (
        "ends in 121 days",
        |m, _| m.end_date = Some(now() + Duration::days(121)),
        ExpiresTooLate,
    ),
    ("no end date", |m, _| m.end_date = None, NoEndDate),
    (
        "include SPORTS only",
        |_, f| f.include_categories = vec!["SPORTS".into()],
        CategoryNotIncluded,
    ),
    (
        "exclude macro",
        |_, f| f.exclude_categories = vec!["macro".into()],
        CategoryExcluded,
    ),
    ("min score 99", |_, f| f.filter_min_score = 99.0, LowScore),
];

#[test]
fn each_filter_alone_rejects_with_its_reason() {
    for (name, edit, want) in ONE_FILTER_EACH {
        let (mut m, mut f) = (passing_market(), ScanFilters::default());
        edit(&mut m, &mut f);
        assert_eq!(reasons_of(&m, &f), [*want], "{name}");
        assert_eq!(want.code(), serde_json::to_value(want).unwrap(), "{name}");
    }
}

#[test]
fn boundaries_pass() {
    let (mut m, f) = (passing_market(), ScanFilters::default());
    m.volume = Usdc::dollars(1_000);
    m.liquidity = Usdc::dollars(500);
    // 0.14 − 0.06 is 0.08000000000000002 in f64; the spread is compared exactly.
    assert!(prob("0.14").as_f64() - prob("0.06").as_f64() > 0.08);
    m.best_bid = Some(prob("0.06"));
    m.best_ask = Some(prob("0.14"));
    m.end_date = Some(now() + Duration::days(120));
    assert_eq!(reasons_of(&m, &f), []);
}

#[test]
fn every_failing_filter_is_reported_in_order() {
    let (mut m, mut f) = (passing_market(), ScanFilters::default());
    m.question = "Will Taylor Swift release a new album?".into();
    m.status = MarketStatus::Closed;
    m.volume = Usdc::ZERO;
    m.liquidity = Usdc::ZERO;
    m.best_bid = None;
    m.end_date = None;
    f.include_categories = vec!["MACRO".into()];
    f.filter_min_score = 50.0;
    assert_eq!(
        reasons_of(&m, &f),
        [
            NotTradable,
            LowVolume,
            ThinLiquidity,
            NoQuote,
            NoEndDate,
            CategoryNotIncluded,
            CategoryExcluded,
            LowScore
        ]
    );
    m.best_bid = Some(prob("0.1"));
    m.end_date = Some(now() + Duration::days(400));
    let reasons = reasons_of(&m, &f);
    assert_eq!(reasons[3..5], [WideSpread, ExpiresTooLate]);
}

#[test]
fn include_and_exclude_lists() {
    let m = passing_market(); // MACRO
    let with = |include: &[&str], exclude: &[&str]| ScanFilters {
        include_categories: include.iter().map(|s| (*s).to_owned()).collect(),
        exclude_categories: exclude.iter().map(|s| (*s).to_owned()).collect(),
        ..ScanFilters::default()
    };
    assert_eq!(reasons_of(&m, &with(&[], &[])), []);
    assert_eq!(reasons_of(&m, &with(&["macro", "CRYPTO"], &[])), []);
    assert_eq!(
        reasons_of(&m, &with(&["CRYPTO"], &[])),
        [CategoryNotIncluded]
    );
    // Exclusion wins over inclusion, and both reasons are recorded when both apply.
    assert_eq!(
        reasons_of(&m, &with(&["MACRO"], &["Macro"])),
        [CategoryExcluded]
    );
    assert_eq!(
        reasons_of(&m, &with(&["SPORTS"], &["MACRO"])),
        [CategoryNotIncluded, CategoryExcluded]
    );
    // A misspelt include list lets nothing through; a misspelt exclusion excludes nothing.
    assert_eq!(
        reasons_of(&m, &with(&["MACROO"], &[])),
        [CategoryNotIncluded]
    );
    assert_eq!(reasons_of(&m, &with(&[], &["MACROO"])), []);
    // The seed's default blocks UNKNOWN.
    let mut unknown = passing_market();
    unknown.question = "Will Taylor Swift release a new album?".into();
    assert_eq!(
        reasons_of(&unknown, &ScanFilters::default()),
        [CategoryExcluded]
    );
    assert_eq!(reasons_of(&unknown, &with(&[], &[])), []);
}

fn market(n: u64, question: &str, volume: i64) -> Market {
    Market {
        condition_id: condition_id(n),
        question: question.to_owned(),
        volume: Usdc::dollars(volume),
        ..passing_market()
    }
}

#[test]
fn accepted_markets_are_ranked_deterministically() {
    let markets = vec![
        market(5, "Will CPI rise?", 20_000),
        market(3, "Will CPI rise?", 20_000), // same score and volume as 5: id decides
        market(4, "Will CPI rise?", 900_000), // higher volume → higher score
        market(2, "Will Bitcoin rise?", 20_000), // CRYPTO scores lower than MACRO
        market(1, "Will Taylor Swift release a new album?", 20_000), // excluded
    ];
    let order = |ms: &[Market]| -> Vec<u64> {
        scan(ms, &ScanFilters::default(), now())
            .accepted
            .iter()
            .map(|a| a.market.condition_id.0[31].into())
            .collect()
    };
    assert_eq!(order(&markets), [4, 3, 5, 2]);
    let mut reversed = markets.clone();
    reversed.reverse();
    assert_eq!(order(&reversed), [4, 3, 5, 2]);
    // Equal score, different volume: the larger volume first (volumes above saturation).
    let big = vec![
        market(7, "Will CPI rise?", 2_000_000),
        market(6, "Will CPI rise?", 3_000_000),
    ];
    assert_eq!(order(&big), [6, 7]);
}

#[test]
fn report_counts_every_reason_and_serializes() {
    let mut thin = market(2, "Will CPI rise?", 20_000);
    thin.liquidity = Usdc::ZERO;
    thin.end_date = None;
    let mut closed = market(3, "Will CPI rise?", 20_000);
    closed.status = MarketStatus::Closed;
    closed.liquidity = Usdc::ZERO;
    let markets = vec![market(1, "Will CPI rise?", 20_000), thin, closed];
    let report = scan(&markets, &ScanFilters::default(), now());
    assert_eq!(report.scanned, 3);
    assert_eq!(report.accepted.len(), 1);
    assert_eq!(report.rejected.len(), 2);
    assert_eq!(report.rejected[0].reasons, [ThinLiquidity, NoEndDate]);
    assert_eq!(report.counts.len(), RejectReason::ALL.len());
    assert_eq!(report.counts[&ThinLiquidity], 2);
    assert_eq!(report.counts[&NotTradable], 1);
    assert_eq!(report.counts[&LowVolume], 0);

    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["counts"]["thin_liquidity"], 2);
    assert_eq!(
        json["rejected"][0]["reasons"],
        serde_json::json!(["thin_liquidity", "no_end_date"])
    );
    assert_eq!(json["rejected"][1]["category"], "MACRO");
    let accepted = &json["accepted"][0];
    assert_eq!(accepted["category"], "MACRO");
    assert_eq!(accepted["market"]["slug"], "cpi-above-3-march");
    assert_eq!(accepted["market"]["best_bid"], "0.48");
    assert_eq!(accepted["market"]["volume"], "20000");
    assert!(accepted["market"].get("description").is_none());
    for key in ["volume", "liquidity", "recency", "category", "total"] {
        assert!(accepted["score"][key].is_f64(), "{key}");
    }
}

#[test]
fn reason_codes_are_stable_and_round_trip() {
    let codes: Vec<&str> = RejectReason::ALL.iter().map(|r| r.code()).collect();
    assert_eq!(
        codes,
        [
            "not_tradable",
            "low_volume",
            "thin_liquidity",
            "wide_spread",
            "no_quote",
            "expired",
            "expires_too_late",
            "no_end_date",
            "category_not_included",
            "category_excluded",
            "low_score",
        ]
    );
    for r in RejectReason::ALL {
        assert_eq!(r.code().parse::<RejectReason>().unwrap(), r);
        assert_eq!(r.to_string(), r.code());
        let back: RejectReason = serde_json::from_value(serde_json::to_value(r).unwrap()).unwrap();
        assert_eq!(back, r);
    }
    assert!("thin".parse::<RejectReason>().is_err());
}

#[test]
fn an_empty_page_scans_to_an_empty_report() {
    let report = scan(&[], &ScanFilters::default(), now());
    assert_eq!(
        (report.scanned, report.accepted.len(), report.rejected.len()),
        (0, 0, 0)
    );
    assert!(report.counts.values().all(|&c| c == 0));
}
