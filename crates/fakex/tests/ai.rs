//! fakex's simulated AI driven by polybot's real forecasting clients: the OpenAI-compatible
//! ensemble, the Tavily search chain with its blocked-domain filter, the source fetcher through
//! the page mirror and the evidence extractor; and the raw wire for what clients never send.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use polybot_fakex::FakexHandle;
use polybot_fakex::ai::{MODEL_NOISE, news_shift};
use polybot_forecast::research::evidence::EvidenceExtractor;
use polybot_forecast::research::fetch::SourceFetcher;
use polybot_forecast::research::quality::evidence_quality;
use polybot_forecast::research::search::SearchChain;
use polybot_forecast::research::{Phase, Query, Source};
use polybot_forecast::{
    CostLedger, ForecastConfig, ForecastRequest, PriceTable, SharedLedger, build_ensemble,
    build_provider,
};
use polybot_model::ConditionId;
use serde_json::{Value, json};

/// The seed `common::manual()` runs with (`FakexConfig::default`).
const SEED: u64 = 42;

/// What a test needs of one market, read from Gamma as polybot reads it.
struct Listed {
    question: String,
    condition: ConditionId,
    cid: String,
}

/// Open markets with a book, from Gamma.
async fn listed(fx: &FakexHandle) -> Vec<Listed> {
    let url = format!("{}/markets?closed=false&limit=200", fx.gamma_url());
    let text = reqwest::get(url).await.unwrap().text().await.unwrap();
    let markets: Vec<Value> = serde_json::from_str(&text).unwrap();
    markets
        .iter()
        .filter(|m| m["enableOrderBook"].as_bool() != Some(false))
        .filter_map(|m| {
            let cid = m["conditionId"].as_str()?.to_owned();
            Some(Listed {
                question: m["question"].as_str()?.to_owned(),
                condition: ConditionId::parse(&cid).ok()?,
                cid,
            })
        })
        .collect()
}

/// `[forecast]` as a user writes it: two simulated models on fakex's AI port, with prices,
/// Tavily on the same port and the page mirror. Keys come through `apply_secret_env`, as
/// from the environment.
fn forecast_config(fx: &FakexHandle) -> ForecastConfig {
    let ai = fx.ai_url();
    let mut cfg: ForecastConfig = serde_json::from_value(json!({
        "providers": [
            {"name": "sim-a", "kind": "openai_compatible", "model": "sim-a", "base_url": ai,
             "input_usd_per_mtok": "1.25", "output_usd_per_mtok": "5"},
            {"name": "sim-b", "kind": "openai_compatible", "model": "sim-b", "base_url": ai,
             "input_usd_per_mtok": "0.5", "output_usd_per_mtok": "2"}
        ],
        "research": {
            "fetch_mirror": format!("{ai}/pages"),
            "search": [{"kind": "tavily", "base_url": ai}]
        }
    }))
    .expect("a valid [forecast] section");
    cfg.apply_secret_env(|name| (name == "POLYBOT_TAVILY_API_KEY").then(|| "tvly-fakex".into()));
    assert!(cfg.validate().is_empty(), "{:?}", cfg.validate());
    cfg
}

fn ledger() -> SharedLedger {
    Arc::new(Mutex::new(CostLedger::default()))
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-4, 1.0 - 1e-4);
    (p / (1.0 - p)).ln()
}

#[tokio::test]
async fn the_ensemble_forecasts_the_fair_value_and_the_news() {
    let fx = common::start_generated(60).await;
    let cfg = forecast_config(&fx);
    let ledger = ledger();
    let ensemble = build_ensemble(&cfg, &ledger).unwrap();
    assert_eq!(ensemble.member_names(), ["sim-a", "sim-b"]);
    let markets = listed(&fx).await;
    let quiet = markets
        .iter()
        .find(|m| news_shift(SEED, &m.cid) == 0.0)
        .unwrap();
    let newsy = markets
        .iter()
        .find(|m| news_shift(SEED, &m.cid) != 0.0)
        .unwrap();
    for market in [quiet, newsy] {
        let fair = fx.exchange().fair_value(market.condition).unwrap();
        let expected = sigmoid(logit(fair) + news_shift(SEED, &market.cid)).clamp(0.02, 0.98);
        let request = ForecastRequest {
            question: market.question.clone(),
            category: "SPORTS".into(),
            ..ForecastRequest::default()
        };
        let forecast = ensemble.run(&request, &BTreeMap::new()).await.unwrap();
        assert_eq!(forecast.members.len(), 2, "{:?}", forecast.failures);
        let [a, b] = [&forecast.members[0], &forecast.members[1]];
        assert_ne!(a.answer.probability, b.answer.probability);
        for m in [a, b] {
            let p = m.answer.probability;
            assert!(
                (p - expected).abs() <= MODEL_NOISE + 1e-3,
                "{p} vs {expected}"
            );
            assert!(m.answer.reasoning.contains("Simulated LLM of fakex"));
            assert!(m.usage.prompt_tokens > 0 && m.usage.completion_tokens > 0);
        }
    }
    let costs = ledger.lock().unwrap().clone();
    assert_eq!(costs.providers.len(), 2);
    assert!(
        costs
            .providers
            .values()
            .all(|c| c.requests == 2 && !c.usd.is_zero())
    );
    assert_eq!(fx.ai_stats().forecasts, 4);
}

#[tokio::test]
async fn an_unknown_question_gets_half_with_low_confidence() {
    let fx = common::start_generated(10).await;
    let ensemble = build_ensemble(&forecast_config(&fx), &ledger()).unwrap();
    let request = ForecastRequest {
        question: "Will fakex ever list this question?".into(),
        ..ForecastRequest::default()
    };
    let forecast = ensemble.run(&request, &BTreeMap::new()).await.unwrap();
    for m in &forecast.members {
        assert_eq!(m.answer.probability, 0.5);
        assert_eq!(m.answer.confidence, polybot_forecast::Confidence::Low);
    }
}

fn query(phase: Phase, text: &str, site: Option<&str>) -> Query {
    Query {
        phase,
        text: text.to_owned(),
        site: site.map(str::to_owned),
    }
}

/// Searches `question` on one primary site and on the open web, as polybot's query builder
/// does, and fetches what the chain lets through.
async fn research(fx: &FakexHandle, cfg: &ForecastConfig, question: &str) -> Vec<Source> {
    let chain = SearchChain::from_config(&cfg.research, None);
    assert_eq!(chain.provider_names(), ["tavily"], "{:?}", chain.skipped());
    let terms = question.trim_end_matches('?');
    let queries = [
        query(
            Phase::Primary,
            &format!("site:bls.gov {terms}"),
            Some("bls.gov"),
        ),
        query(
            Phase::News,
            &format!("site:reuters.com {terms}"),
            Some("reuters.com"),
        ),
        query(
            Phase::Broad,
            &format!("{terms} -site:wikipedia.org -site:reddit.com"),
            None,
        ),
    ];
    let outcome = chain.run(&queries).await.unwrap();
    assert_eq!(outcome.answered, 3, "{:?}", outcome.log);
    let blocked_hosts: Vec<&str> = outcome
        .blocked
        .iter()
        .filter_map(|u| u.split('/').nth(2))
        .collect();
    assert_eq!(blocked_hosts, ["en.wikipedia.org", "www.reddit.com"]);
    let hosts: Vec<&str> = outcome
        .hits
        .iter()
        .filter_map(|h| h.url.split('/').nth(2))
        .collect();
    assert!(
        hosts.contains(&"www.bls.gov") && hosts.contains(&"www.reuters.com"),
        "{hosts:?}"
    );
    let fetcher = SourceFetcher::new(&cfg.research).unwrap();
    let fetched = fetcher.fetch_all(&outcome.hits).await;
    assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
    assert_eq!(fetched.sources.len(), outcome.hits.len());
    let pages = fx.ai_stats().pages;
    assert_eq!(pages.len(), outcome.hits.len(), "{pages:?}");
    assert!(
        pages
            .iter()
            .all(|p| !p.contains("wikipedia") && !p.contains("reddit")),
        "{pages:?}"
    );
    fetched.sources
}

#[tokio::test]
async fn research_finds_pages_drops_blocked_domains_and_extraction_cites_them() {
    let fx = common::start_generated(40).await;
    let cfg = forecast_config(&fx);
    let market = &listed(&fx).await[0];
    let sources = research(&fx, &cfg, &market.question).await;
    for s in &sources {
        assert!(s.text.contains("stood at"), "{}", s.text);
        assert!(!s.text.contains("fakexTracker") && !s.text.contains("font-family"));
        assert!(s.published.is_some() && !s.title.is_empty());
    }
    let on_market = sources.iter().find(|s| s.domain == "bls.gov").unwrap();
    assert!(
        on_market.title.contains(&market.question),
        "{}",
        on_market.title
    );

    let provider = build_provider(&cfg.providers[0]).unwrap();
    let extractor =
        EvidenceExtractor::new(provider, PriceTable::default(), ledger(), &cfg.research);
    let extraction = extractor.extract(&market.question, &sources).await.unwrap();
    assert_eq!((extraction.attempts, extraction.dropped), (1, 0));
    assert!(extraction.summary.contains("Simulated extraction by fakex"));
    let urls: Vec<&str> = sources.iter().map(|s| s.url.as_str()).collect();
    for s in &sources {
        let n = extraction
            .bullets
            .iter()
            .filter(|b| b.citation.url == s.url)
            .count();
        assert!((1..=3).contains(&n), "{n} bullets cite {}", s.url);
    }
    for b in &extraction.bullets {
        assert!(urls.contains(&b.citation.url.as_str()));
        assert!(b.metric_value.is_some() || b.metric_date.is_some(), "{b:?}");
    }
    assert!(
        extraction
            .bullets
            .iter()
            .any(|b| { b.metric_unit.as_deref() == Some("percent") && b.metric_date.is_some() })
    );
    assert_eq!(fx.ai_stats().extractions, 1);
    // Fresh, agreeing figures from primary and wire sources: evidence the risk gate's default
    // `min_evidence_quality` (0.55) accepts.
    let now = chrono::Utc::now().timestamp_millis();
    let (quality, contradictions) =
        evidence_quality(&extraction.bullets, &sources, now, &cfg.research);
    assert!(contradictions.is_empty(), "{contradictions:?}");
    assert!(quality.score >= 0.55, "{quality:?}");
}

/// Posts raw bytes to the AI port.
async fn post(fx: &FakexHandle, path: &str, auth: Option<&str>, body: &str) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", fx.ai_url()))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(a) = auth {
        request = request.header("authorization", a);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn bad_requests_are_answered_with_a_reason() {
    let fx = common::start_generated(5).await;
    let chat = "/v1/chat/completions";
    let (status, body) = post(&fx, chat, None, "{oops").await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    let (status, _) = post(&fx, chat, Some("Basic abc"), "{}").await;
    assert_eq!(status, 401);
    let (status, body) = post(&fx, chat, None, r#"{"model": "m", "messages": "hi"}"#).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("messages")
    );
    let poem = r#"{"model": "m", "messages": [{"role": "user", "content": "a poem"}]}"#;
    assert_eq!(post(&fx, chat, None, poem).await.0, 400);

    let (status, body) = post(&fx, "/search", None, r#"{"query": "x"}"#).await;
    assert_eq!(status, 401);
    assert!(body["detail"]["error"].as_str().is_some());
    for bad in [
        "[]",
        r#"{"query": 3}"#,
        r#"{"query": "x", "max_results": -1}"#,
        "\u{0}",
    ] {
        let (status, _) = post(&fx, "/search", Some("Bearer k"), bad).await;
        assert_eq!(status, 400, "{bad}");
    }
    let (status, body) = post(
        &fx,
        "/search",
        None,
        r#"{"query": "x", "api_key": "k", "max_results": 1}"#,
    )
    .await;
    assert_eq!(
        (status, body["results"].as_array().map(Vec::len)),
        (200, Some(1))
    );

    let page = reqwest::get(format!("{}/pages/www.bls.gov/anything/at/all", fx.ai_url()))
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let content_type = page.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"));
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("article:published_time")
    );
    assert_eq!(fx.ai_stats().pages, ["www.bls.gov/anything/at/all"]);
}

#[tokio::test]
async fn the_ai_port_follows_rtds_and_the_range_is_checked() {
    let config = polybot_fakex::FakexConfig {
        base_port: u16::MAX - 3,
        ..common::manual()
    };
    let err = polybot_fakex::start(config).await.err().unwrap();
    assert!(err.to_string().contains("AI (P+4)"), "{err}");
}
