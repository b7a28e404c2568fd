//! Search against local fakes: each provider's real protocol (request shape, where the key
//! goes, the answer parsed), malformed and empty answers, the fallback chain, and the TTL cache
//! of answers. No error may carry a key.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::web::{
    SEARCH_KEY, SearchBehaviour, SearchFake, assert_no_key, clocked_cache, query, search_cfg,
    spawn_search,
};
use polybot_forecast::research::config::{ResearchConfig, SearchKind, SearchProviderConfig};
use polybot_forecast::research::search::{SearchChain, build_provider};
use polybot_forecast::research::{Phase, Query, ResearchError, SearchHit};
use secrecy::SecretString;

fn chain_of(cfgs: Vec<SearchProviderConfig>) -> SearchChain {
    let cfg = ResearchConfig {
        search: cfgs,
        ..ResearchConfig::default()
    };
    SearchChain::from_config(&cfg, None)
}

async fn search_one(kind: SearchKind, fake: &SearchFake, q: &Query) -> Vec<SearchHit> {
    let provider = build_provider(&search_cfg(kind, fake, 2_000), 15_000).unwrap();
    assert_eq!(provider.name(), kind.as_str());
    provider.search(q, 2).await.unwrap()
}

const URLS: [&str; 3] = [
    "https://www.bls.gov/news.release/cpi.nr0.htm",
    "https://www.bls.gov/cpi/",
    "https://fred.stlouisfed.org/series/CPIAUCSL",
];

#[tokio::test]
async fn tavily_posts_json_with_a_bearer_key_and_parses_results() {
    let fake = spawn_search(SearchKind::Tavily, SearchBehaviour::hits(&URLS)).await;
    let q = query("site:bls.gov CPI March 2024");
    let hits = search_one(SearchKind::Tavily, &fake, &q).await;
    assert_eq!(hits.len(), 2, "max_results is sent and honoured");
    assert_eq!(hits[0].url, URLS[0]);
    assert_eq!(hits[0].title, "Result 0");
    assert_eq!(hits[0].snippet, "Snippet 0");
    assert_eq!(
        hits[0].published.as_deref(),
        Some("2024-01-15T10:00:00+00:00")
    );
    assert_eq!(hits[1].published, None);
    assert!(
        hits.iter()
            .all(|h| h.provider == "tavily" && h.phase == Phase::Primary)
    );
    let r = &fake.requests()[0];
    assert_eq!(r.body["query"], "site:bls.gov CPI March 2024");
    assert_eq!(r.body["max_results"], 2);
    assert_eq!(r.body["search_depth"], "basic");
    assert_eq!(r.body["include_answer"], false);
    assert!(
        r.body.get("api_key").is_none(),
        "the key travels in the header"
    );
}

#[tokio::test]
async fn serpapi_sends_the_key_as_a_query_parameter_and_parses_organic_results() {
    let fake = spawn_search(SearchKind::Serpapi, SearchBehaviour::hits(&URLS)).await;
    let hits = search_one(SearchKind::Serpapi, &fake, &query("CPI \"March 2024\"")).await;
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].url, URLS[0]);
    assert_eq!(hits[0].published.as_deref(), Some("2024-01-15"));
    assert_eq!(hits[1].provider, "serpapi");
    let r = &fake.requests()[0];
    assert_eq!(r.query["q"], "CPI \"March 2024\"");
    assert_eq!(r.query["num"], "2");
    assert_eq!(r.query["engine"], "google");
    assert_eq!(r.query["api_key"], SEARCH_KEY);
}

#[tokio::test]
async fn bing_sends_the_subscription_header_and_parses_web_pages() {
    let fake = spawn_search(SearchKind::Bing, SearchBehaviour::hits(&URLS)).await;
    let hits = search_one(SearchKind::Bing, &fake, &query("CPI")).await;
    assert_eq!(hits.len(), 2);
    assert_eq!(
        (hits[0].url.as_str(), hits[0].title.as_str()),
        (URLS[0], "Result 0")
    );
    assert_eq!(
        hits[0].published.as_deref(),
        Some("2024-01-15T10:00:00.0000000Z")
    );
    let r = &fake.requests()[0];
    assert_eq!(r.query["count"], "2");
    assert_eq!(r.headers["ocp-apim-subscription-key"], SEARCH_KEY);
    assert!(!r.query.values().any(|v| v.contains(SEARCH_KEY)));
}

#[tokio::test]
async fn brave_sends_the_token_header_and_parses_web_results() {
    let fake = spawn_search(SearchKind::Brave, SearchBehaviour::hits(&URLS)).await;
    let hits = search_one(SearchKind::Brave, &fake, &query("CPI")).await;
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].snippet, "Snippet 0");
    assert_eq!(hits[0].published.as_deref(), Some("2024-01-15T10:00:00"));
    let r = &fake.requests()[0];
    assert_eq!(r.headers["x-subscription-token"], SEARCH_KEY);
    assert_eq!(r.headers["accept"], "application/json");
    assert_eq!(r.query["count"], "2");
}

#[tokio::test]
async fn malformed_answers_name_provider_and_field() {
    let cases = [
        (SearchKind::Tavily, "not json at all", "body is not JSON"),
        (
            SearchKind::Tavily,
            r#"{"results":[{"title":"no url"}]}"#,
            "results[0].url",
        ),
        (
            SearchKind::Serpapi,
            r#"{"organic_results":"nope"}"#,
            "organic_results",
        ),
        (
            SearchKind::Serpapi,
            r#"{"organic_results":[{"link":5,"title":"t"}]}"#,
            "organic_results[0].link",
        ),
        (SearchKind::Bing, r#"{"_type":"Other"}"#, "webPages.value"),
        (
            SearchKind::Brave,
            r#"{"type":"search","web":{"results":[{"url":"u"}]}}"#,
            "web.results[0].title",
        ),
    ];
    for (kind, body, field) in cases {
        let fake = spawn_search(kind, SearchBehaviour::raw(body)).await;
        let provider = build_provider(&search_cfg(kind, &fake, 2_000), 15_000).unwrap();
        let e = provider.search(&query("x"), 5).await.unwrap_err();
        let shown = e.to_string();
        assert!(
            matches!(&e, ResearchError::Search { provider, .. } if provider == kind.as_str()),
            "{shown}"
        );
        assert!(shown.contains(field), "{kind:?}: {shown}");
    }
}

#[tokio::test]
async fn empty_answers_are_answers_not_failures() {
    let cases = [
        (
            SearchKind::Serpapi,
            r#"{"error":"Google hasn't returned any results for this query."}"#,
        ),
        (
            SearchKind::Serpapi,
            r#"{"search_information":{"organic_results_state":"Fully empty"}}"#,
        ),
        (SearchKind::Bing, r#"{"_type":"SearchResponse"}"#),
        (SearchKind::Brave, r#"{"type":"search","query":{}}"#),
        (SearchKind::Tavily, r#"{"results":[]}"#),
    ];
    for (kind, body) in cases {
        let fake = spawn_search(kind, SearchBehaviour::raw(body)).await;
        let provider = build_provider(&search_cfg(kind, &fake, 2_000), 15_000).unwrap();
        assert!(
            provider.search(&query("x"), 5).await.unwrap().is_empty(),
            "{kind:?}"
        );
    }
}

#[tokio::test]
async fn no_secret_in_any_search_error() {
    let mut errors = Vec::new();
    for kind in [
        SearchKind::Tavily,
        SearchKind::Serpapi,
        SearchKind::Bing,
        SearchKind::Brave,
    ] {
        // Wrong key: the fake says 401.
        let fake = spawn_search(kind, SearchBehaviour::hits(&URLS)).await;
        let mut cfg = search_cfg(kind, &fake, 2_000);
        cfg.api_key = Some(SecretString::from(format!("{SEARCH_KEY}-wrong")));
        let provider = build_provider(&cfg, 15_000).unwrap();
        let e = provider.search(&query("x"), 5).await.unwrap_err();
        assert!(e.to_string().contains("401"), "{e}");
        errors.push(e);
        // A server echoing the request (SerpAPI's key is in it) in a 500.
        let fake = spawn_search(kind, SearchBehaviour::failing(500)).await;
        let provider = build_provider(&search_cfg(kind, &fake, 2_000), 15_000).unwrap();
        errors.push(provider.search(&query("x"), 5).await.unwrap_err());
        // Nothing listening.
        let mut cfg = search_cfg(kind, &fake, 2_000);
        cfg.base_url = "http://127.0.0.1:9".into();
        let provider = build_provider(&cfg, 15_000).unwrap();
        errors.push(provider.search(&query("x"), 5).await.unwrap_err());
    }
    assert!(
        errors.iter().any(|e| e.to_string().contains("[REDACTED]")),
        "the echoed key is scrubbed: {errors:?}"
    );
    errors.iter().for_each(assert_no_key);
    let chain = chain_of(vec![]);
    assert_no_key(&chain.search(&query("x")).await.unwrap_err());
}

#[tokio::test]
async fn chain_falls_back_past_a_failing_and_a_slow_provider() {
    let broken = spawn_search(SearchKind::Tavily, SearchBehaviour::failing(500)).await;
    let slow = spawn_search(
        SearchKind::Brave,
        SearchBehaviour::slow(Duration::from_secs(5)),
    )
    .await;
    let good = spawn_search(SearchKind::Serpapi, SearchBehaviour::hits(&URLS)).await;
    let chain = chain_of(vec![
        search_cfg(SearchKind::Tavily, &broken, 2_000),
        search_cfg(SearchKind::Brave, &slow, 200),
        search_cfg(SearchKind::Serpapi, &good, 2_000),
    ]);
    let started = Instant::now();
    let answer = chain.search(&query("CPI")).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(answer.hits.iter().all(|h| h.provider == "serpapi"));
    assert_eq!(answer.attempts.len(), 3);
    assert!(answer.attempts[0].starts_with("tavily: HTTP 500"));
    assert_eq!(answer.attempts[1], "brave: timed out after 200 ms");
    assert_eq!(answer.attempts[2], "serpapi: 3 hits");
}

#[tokio::test]
async fn chain_with_every_provider_failing_is_no_provider_naming_each() {
    let tavily = spawn_search(SearchKind::Tavily, SearchBehaviour::failing(503)).await;
    let serp = spawn_search(SearchKind::Serpapi, SearchBehaviour::raw("{}")).await;
    let brave = spawn_search(
        SearchKind::Brave,
        SearchBehaviour::slow(Duration::from_secs(5)),
    )
    .await;
    let mut bing = search_cfg(SearchKind::Bing, &serp, 1_000);
    bing.base_url = "http://127.0.0.1:9".into();
    let chain = chain_of(vec![
        search_cfg(SearchKind::Tavily, &tavily, 1_000),
        search_cfg(SearchKind::Serpapi, &serp, 1_000),
        search_cfg(SearchKind::Brave, &brave, 150),
        bing,
    ]);
    let e = chain
        .run(&[query("a"), query("b")])
        .await
        .expect_err("no query was answered");
    let ResearchError::NoProvider { failures } = &e else {
        panic!("{e}");
    };
    for part in [
        "tavily: HTTP 503",
        "serpapi: answer has no `organic_results`",
        "brave: timed out after 150 ms",
        "bing: ",
    ] {
        assert!(failures.contains(part), "{part} missing from {failures}");
    }
}

#[tokio::test]
async fn providers_without_keys_are_left_out_and_reported() {
    let good = spawn_search(SearchKind::Serpapi, SearchBehaviour::hits(&URLS)).await;
    let mut cfg = ResearchConfig::default();
    cfg.search[1] = search_cfg(SearchKind::Serpapi, &good, 1_000);
    cfg.search[2].enabled = false;
    let chain = SearchChain::from_config(&cfg, None);
    assert_eq!(chain.provider_names(), ["serpapi"]);
    let skipped = chain.skipped().join("\n");
    assert!(
        skipped.contains("tavily") && skipped.contains("POLYBOT_TAVILY_API_KEY"),
        "{skipped}"
    );
    assert!(skipped.contains("POLYBOT_BING_API_KEY"), "{skipped}");
    assert!(skipped.contains("brave: disabled"), "{skipped}");
    let outcome = chain.run(&[query("CPI")]).await.unwrap();
    assert_eq!(outcome.hits.len(), 3);
    assert_eq!(outcome.log, ["[primary] CPI: serpapi: 3 hits"]);

    let none = SearchChain::from_config(&ResearchConfig::default(), None);
    assert!(none.is_empty());
    let e = none.run(&[query("CPI")]).await.unwrap_err();
    assert!(
        matches!(&e, ResearchError::NoProvider { failures } if failures.contains("POLYBOT_SERPAPI_API_KEY")),
        "{e}"
    );
}

#[tokio::test]
async fn search_answers_are_reused_within_their_ttl() {
    let fake = spawn_search(SearchKind::Brave, SearchBehaviour::hits(&URLS)).await;
    let (cache, now) = clocked_cache();
    let cfg = ResearchConfig {
        search: vec![search_cfg(SearchKind::Brave, &fake, 2_000)],
        ..ResearchConfig::default()
    };
    let chain = SearchChain::from_config(&cfg, Some(Arc::clone(&cache)));
    let first = chain.run(&[query("CPI")]).await.unwrap();
    let mut later = query("CPI");
    later.phase = Phase::Broad;
    let second = chain.run(&[later]).await.unwrap();
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(second.log, ["[broad] CPI: brave: 3 hits (cached)"]);
    assert_eq!(second.hits.len(), first.hits.len());
    assert!(second.hits.iter().all(|h| h.phase == Phase::Broad));
    now.fetch_add(cfg.search_ttl_secs as i64 * 1_000, Ordering::SeqCst);
    chain.run(&[query("CPI")]).await.unwrap();
    assert_eq!(fake.requests().len(), 2, "expired: asked again");
}
