//! The whole pipeline against local fakes speaking each service's protocol: Tavily search with
//! blocked hits, a web of HTML pages behind the fetch mirror, an OpenAI-protocol extractor, an
//! ensemble with one member timing out, calibration refit and market weight learned from
//! history, and the edge.

mod common;

use std::sync::{Arc, Mutex};

use common::web::{Page, SearchBehaviour, search_cfg, spawn_search, spawn_web};
use common::{Behaviour, Rng, provider, spawn};
use polybot_forecast::pipeline::{ForecastHistory, MarketSnapshot, Pipeline};
use polybot_forecast::research::config::{ResearchConfig, SearchKind};
use polybot_forecast::research::evidence::EvidenceExtractor;
use polybot_forecast::research::fetch::SourceFetcher;
use polybot_forecast::research::search::SearchChain;
use polybot_forecast::research::{ResearchCache, Researcher};
use polybot_forecast::{
    CalibrationSample, CostLedger, ForecastConfig, MarketSample, PriceTable, ProviderKind,
    SharedLedger, Source, build_ensemble, build_provider,
};
use polybot_model::Price;
use polybot_risk::Direction;
use polybot_scanner::Category;
use rust_decimal::Decimal;

const BLS: &str = "https://www.bls.gov/news.release/cpi.nr0.htm";
const REUTERS: &str = "https://www.reuters.com/markets/us/cpi-january";
const BLOCKED: [&str; 2] = [
    "https://en.wikipedia.org/wiki/Consumer_price_index",
    "https://www.reddit.com/r/economics/comments/cpi",
];

const FORECAST_A: &str = r#"{"probability": 0.70, "confidence": "MEDIUM", "reasoning": "Shelter costs keep core inflation sticky.", "invalidation_triggers": ["energy prices collapse"]}"#;
const FORECAST_B: &str = r#"{"probability": 0.74, "confidence": "HIGH", "reasoning": "Recent prints trend above 3%.", "invalidation_triggers": []}"#;

fn extraction() -> String {
    format!(
        r#"{{"bullets": [
            {{"text": "CPI-U rose 3.1% over the last 12 months", "metric_name": "CPI-U YoY", "metric_value": "3.1", "metric_unit": "percent", "metric_date": "2026-11-30", "confidence": 0.95, "source_url": "{BLS}"}},
            {{"text": "Economists expect inflation to stay above 3%", "metric_name": null, "metric_value": null, "metric_unit": null, "metric_date": null, "confidence": 0.6, "source_url": "{REUTERS}"}},
            {{"text": "Invented", "metric_name": null, "metric_value": null, "metric_unit": null, "metric_date": null, "confidence": 0.9, "source_url": "https://example.com/not-fetched"}}
        ], "summary": "Inflation is running near 3.1% year over year.", "contradictions": []}}"#
    )
}

fn page(title: &str, body: &str) -> Page {
    Page::Html(format!(
        "<html><head><title>{title}</title><meta property=\"article:published_time\" \
         content=\"2026-12-01T08:30:00Z\"><script>var x = 1;</script></head><body><p>{body}</p>\
         </body></html>"
    ))
}

fn market() -> MarketSnapshot {
    MarketSnapshot {
        market_id: "0xcpi".into(),
        condition_id: Some("0xcpi".into()),
        question: "Will CPI YoY exceed 3% in December 2026?".into(),
        description: "Resolves YES if the BLS reports CPI-U above 3.0%.".into(),
        category: Category::Macro,
        end_ms: Some(1_800_000_000_000),
        yes_bid: Some(Price::parse("0.53").unwrap()),
        yes_ask: Some(Price::parse("0.55").unwrap()),
        no_bid: Some(Price::parse("0.45").unwrap()),
        no_ask: Some(Price::parse("0.47").unwrap()),
        fee_rate_bps: 0,
    }
}

/// 60 overconfident resolved forecasts (a model saying 0.9 for events that happen ~65% of the
/// time) and 60 market samples where the market was the better forecaster.
fn history() -> ForecastHistory {
    let mut rng = Rng(7);
    let mut h = ForecastHistory::default();
    for _ in 0..60 {
        let truth = rng.uniform() < 0.65;
        h.calibration.push(CalibrationSample {
            forecast: 0.9,
            outcome: truth,
        });
        let market = if truth { 0.8 } else { 0.3 };
        h.market.push(MarketSample {
            model: 0.9,
            market,
            outcome: truth,
        });
    }
    h
}

fn ledger() -> SharedLedger {
    Arc::new(Mutex::new(CostLedger::default()))
}

#[tokio::test]
async fn every_stage_runs_and_blocked_domains_are_never_fetched() {
    let web = spawn_web(vec![
        (
            "/www.bls.gov/news.release/cpi.nr0.htm",
            page(
                "Consumer Price Index",
                "The CPI-U increased 3.1 percent over the last 12 months.",
            ),
        ),
        (
            "/www.reuters.com/markets/us/cpi-january",
            page(
                "Inflation outlook",
                "Economists expect inflation to stay above 3%.",
            ),
        ),
        (
            "/en.wikipedia.org/wiki/Consumer_price_index",
            page("CPI", "wiki"),
        ),
        (
            "/www.reddit.com/r/economics/comments/cpi",
            page("CPI", "thread"),
        ),
    ])
    .await;
    let mut urls = vec![BLS, REUTERS];
    urls.extend(BLOCKED);
    let tavily = spawn_search(SearchKind::Tavily, SearchBehaviour::hits(&urls)).await;
    let extractor_fake = spawn(ProviderKind::Openai, Behaviour::answer(&extraction())).await;
    let a = spawn(ProviderKind::Openai, Behaviour::answer(FORECAST_A)).await;
    let b = spawn(ProviderKind::Openai, Behaviour::answer(FORECAST_B)).await;
    let slow = spawn(
        ProviderKind::Anthropic,
        Behaviour::slow(std::time::Duration::from_secs(5)),
    )
    .await;

    let research_cfg = ResearchConfig {
        fetch_mirror: web.base_url.clone(),
        search: vec![search_cfg(SearchKind::Tavily, &tavily, 2_000)],
        ..ResearchConfig::default()
    };
    let cfg = ForecastConfig {
        providers: vec![
            provider("gpt", ProviderKind::Openai, &a, 2_000),
            provider("gpt-mini", ProviderKind::Openai, &b, 2_000),
            provider("claude", ProviderKind::Anthropic, &slow, 300),
        ],
        research: research_cfg.clone(),
        ..ForecastConfig::default()
    };
    let forecast_ledger = ledger();
    let research_ledger = ledger();
    let extractor = EvidenceExtractor::new(
        build_provider(&provider(
            "extractor",
            ProviderKind::Openai,
            &extractor_fake,
            2_000,
        ))
        .unwrap(),
        PriceTable {
            input_usd_per_mtok: Decimal::new(250, 2),
            output_usd_per_mtok: Decimal::new(1000, 2),
        },
        Arc::clone(&research_ledger),
        &research_cfg,
    );
    let cache = Arc::new(ResearchCache::in_memory());
    let researcher = Researcher::new(
        SearchChain::from_config(&research_cfg, Some(Arc::clone(&cache))),
        SourceFetcher::new(&research_cfg).unwrap().with_cache(cache),
        Some(extractor),
        research_cfg.clone(),
    );
    let pipeline = Pipeline::new(
        &cfg,
        build_ensemble(&cfg, &forecast_ledger).unwrap(),
        Some(researcher),
    );
    let now = 1_765_000_000_000;
    let report = pipeline.run(&market(), &history(), 0.0, now).await.unwrap();

    // Research: queries in phases, blocked hits reported and never requested.
    let research = report.research.as_ref().expect("researched");
    assert!(!research.queries.is_empty());
    assert_eq!(
        research.search_requests.get("tavily"),
        Some(&(research.queries.len() as u64))
    );
    for url in BLOCKED {
        assert!(
            research.blocked.iter().any(|b| b == url),
            "{url} reported blocked"
        );
    }
    let requested = web.paths();
    assert!(
        requested
            .iter()
            .all(|p| !p.contains("wikipedia") && !p.contains("reddit")),
        "blocked hosts were requested: {requested:?}"
    );
    assert_eq!(research.sources.len(), 2);
    assert_eq!(
        research.sources[0].domain, "bls.gov",
        "most authoritative first"
    );
    assert_eq!(
        research.bullets.len(),
        2,
        "the bullet citing an unfetched URL is dropped"
    );
    assert_eq!(research.bullets[0].citation.authority_score, 1.0);
    assert!(research.quality.score > 0.0 && research.quality.score <= 1.0);
    assert!(research.problems.iter().any(|p| p.contains("dropped")));
    assert!(research.cost_usd > Decimal::ZERO);

    // Forecast: the slow member timed out, the ensemble degraded to the other two; the market
    // price was not shown to the models.
    let e = &report.ensemble;
    assert_eq!(e.source, Source::Llm);
    assert_eq!(e.members.len(), 2);
    assert_eq!(e.failures.len(), 1);
    assert!(
        e.failures[0].error.contains("timed out"),
        "{:?}",
        e.failures
    );
    assert!((e.probability - 0.72).abs() < 1e-9);
    for fake in [&a, &b] {
        let sent = fake.requests()[0].body.to_string();
        assert!(
            !sent.contains("0.54"),
            "the market price must not reach the models"
        );
        assert!(
            sent.contains("CPI-U rose 3.1%"),
            "the evidence reaches the models"
        );
    }

    // Calibration refit from 60 overconfident samples pulls 0.72 down; the market weight is
    // learned (the market was better, so the model gets less than full weight).
    assert!(report.calibrator.fitted);
    assert!(report.calibrated.platt < e.probability);
    assert!(report.market_weight.learned);
    assert!(report.market_weight.w < 1.0);
    let implied = report.implied_yes.unwrap();
    assert!((implied - 0.54).abs() < 1e-9);
    let (lo, hi) = if implied < report.calibrated.probability {
        (implied, report.calibrated.probability)
    } else {
        (report.calibrated.probability, implied)
    };
    assert!(report.final_probability >= lo - 1e-9 && report.final_probability <= hi + 1e-9);

    // Edge: computed at the asks after costs, with a direction only when positive.
    let edge = &report.edge;
    let yes = edge.yes.unwrap();
    assert!((yes.net_edge - (report.final_probability - 0.55)).abs() < 1e-9);
    match edge.direction {
        Some(Direction::BuyYes) => assert!(yes.net_edge > 0.0),
        Some(Direction::BuyNo) => assert!(edge.no.unwrap().net_edge > 0.0),
        None => assert!(edge.best_net_edge().unwrap() <= 0.0),
    }
    assert!(
        report.cost_usd > research.cost_usd,
        "forecast tokens are priced too"
    );
    assert!(report.finished_ms >= report.started_ms);
    serde_json::to_string(&report).expect("the report serializes for the store");
}

#[tokio::test]
async fn without_keys_research_reports_why_and_the_offline_forecast_is_labelled() {
    let cfg = ForecastConfig::default();
    let dir = tempfile::tempdir().unwrap();
    let researcher = Researcher::from_config(&cfg, dir.path(), &ledger()).unwrap();
    let (asked, skipped) = researcher.search_providers();
    assert!(asked.is_empty());
    assert_eq!(skipped.len(), 4, "{skipped:?}");
    let pipeline = Pipeline::new(
        &cfg,
        build_ensemble(&cfg, &ledger()).unwrap(),
        Some(researcher),
    );
    let report = pipeline
        .run(&market(), &ForecastHistory::default(), 0.0, 0)
        .await
        .unwrap();
    assert_eq!(report.source, Source::Offline);
    let research = report.research.unwrap();
    assert!(
        research
            .problems
            .iter()
            .any(|p| p.contains("POLYBOT_TAVILY_API_KEY"))
    );
    assert_eq!(research.quality.score, 0.0);
    assert!(research.extraction_provider.is_none());
    assert!(
        report.ensemble.members[0]
            .answer
            .reasoning
            .contains("OFFLINE")
    );
    assert!(!report.calibrator.fitted && !report.market_weight.learned);
}
