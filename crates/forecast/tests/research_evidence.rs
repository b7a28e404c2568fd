//! Evidence extraction against the local fake OpenAI server: parsing into bullets with
//! computed citations, dropping invented sources, the corrective retry and the rejection,
//! cost recording, and the offline extraction.

mod common;

use std::sync::{Arc, Mutex};

use common::{Behaviour, provider, spawn};
use polybot_forecast::research::evidence::{
    EvidenceExtractor, OFFLINE_CONFIDENCE, OFFLINE_PER_SOURCE, OFFLINE_SUMMARY, extract_offline,
};
use polybot_forecast::research::{Phase, ResearchConfig, ResearchError, Source};
use polybot_forecast::{CostLedger, PriceTable, ProviderKind, SharedLedger, build_provider};
use rust_decimal::Decimal;

const QUESTION: &str = "Will CPI YoY exceed 3% in January 2026?";
const BLS: &str = "https://www.bls.gov/news.release/cpi.nr0.htm";
const BLOG: &str = "https://someblog.net/cpi-take";

/// The bls bullet claims a low authority and a fake publisher; the blog bullet is the more
/// confident one. Neither claim may survive.
const GOOD: &str = r#"{
  "bullets": [
    {"text": "A blogger expects CPI to stay above 3%.", "metric_name": null, "metric_value": null,
     "metric_unit": null, "metric_date": null, "confidence": 0.99,
     "source_url": "https://someblog.net/cpi-take", "authority_score": 1.0},
    {"text": "CPI-U increased 3.1% YoY in January 2026.", "metric_name": "CPI-U YoY",
     "metric_value": "3.1", "metric_unit": "percent", "metric_date": "2026-01-31",
     "confidence": 0.97, "source_url": "https://www.bls.gov/news.release/cpi.nr0.htm",
     "citation": {"publisher": "Some Blog", "authority_score": 0.1}}
  ],
  "summary": "Official CPI ran at 3.1% in January.",
  "contradictions": ["The blog's forecast differs from the release.", " "]
}"#;

fn source(url: &str, domain: &str, text: &str) -> Source {
    Source {
        url: url.to_owned(),
        domain: domain.to_owned(),
        title: format!("{domain} page"),
        text: text.to_owned(),
        published: Some("2026-02-11".into()),
        fetched_ms: 1_771_545_600_000,
        bytes: text.len(),
        from_cache: false,
        phase: Phase::Primary,
    }
}

fn sources() -> Vec<Source> {
    vec![
        source(
            BLS,
            "bls.gov",
            "The CPI-U increased 3.1 percent over the last 12 months.",
        ),
        source(BLOG, "someblog.net", "I think inflation stays hot."),
    ]
}

fn ledger() -> SharedLedger {
    Arc::new(Mutex::new(CostLedger::default()))
}

/// An extractor on a fake OpenAI server answering `behaviour`, priced $2.50 / $10 per 1M.
async fn extractor(
    behaviour: Behaviour,
    cfg: &ResearchConfig,
) -> (EvidenceExtractor, common::Fake, SharedLedger) {
    let fake = spawn(ProviderKind::Openai, behaviour).await;
    let p = provider("gpt", ProviderKind::Openai, &fake, 5_000);
    let prices = PriceTable {
        input_usd_per_mtok: p.input_usd_per_mtok,
        output_usd_per_mtok: p.output_usd_per_mtok,
    };
    let ledger = ledger();
    let llm = build_provider(&p).unwrap();
    let x = EvidenceExtractor::new(llm, prices, Arc::clone(&ledger), cfg);
    (x, fake, ledger)
}

/// USD of `n` requests of 1000 prompt and 200 completion tokens (the fake's usage).
fn cost_of(n: i64) -> Decimal {
    Decimal::from(n) * Decimal::new(45, 4)
}

#[tokio::test]
async fn good_answer_becomes_ranked_bullets_with_computed_citations() {
    let (x, fake, ledger) = extractor(Behaviour::answer(GOOD), &ResearchConfig::default()).await;
    let out = x.extract(QUESTION, &sources()).await.unwrap();
    assert_eq!(out.bullets.len(), 2);
    let bls = &out.bullets[0];
    assert_eq!(bls.citation.url, BLS);
    assert_eq!(bls.citation.publisher, "Bureau of Labor Statistics");
    assert_eq!(bls.citation.authority_score, 1.0);
    assert_eq!(bls.metric_name.as_deref(), Some("CPI-U YoY"));
    assert_eq!(bls.metric_value.as_deref(), Some("3.1"));
    assert_eq!(bls.metric_date.as_deref(), Some("2026-01-31"));
    assert_eq!(bls.confidence, 0.97);
    let blog = &out.bullets[1];
    assert_eq!(blog.citation.publisher, "someblog.net");
    assert_eq!(blog.citation.authority_score, 0.4);
    assert_eq!(out.summary, "Official CPI ran at 3.1% in January.");
    assert_eq!(
        out.contradictions,
        ["The blog's forecast differs from the release."]
    );
    assert_eq!((out.dropped, out.attempts), (0, 1));
    assert_eq!(
        (out.usage.prompt_tokens, out.usage.completion_tokens),
        (1000, 200)
    );
    assert_eq!(out.cost_usd, cost_of(1));
    assert_eq!(
        (out.provider.as_str(), out.model.as_str()),
        ("gpt", "gpt-4o")
    );
    let l = ledger.lock().unwrap();
    assert_eq!(l.providers["gpt"].requests, 1);
    assert_eq!(l.total_usd(), cost_of(1));

    let body = &fake.requests()[0].body;
    let text = body.to_string();
    assert!(text.contains(QUESTION) && text.contains(BLS) && text.contains("3.1 percent"));
    let schema = &body["response_format"]["json_schema"]["schema"];
    let allowed = &schema["properties"]["bullets"]["items"]["properties"]["source_url"]["enum"];
    assert_eq!(allowed, &serde_json::json!([BLS, BLOG]));
}

#[tokio::test]
async fn a_bullet_citing_an_unknown_url_is_dropped_and_counted() {
    let answer = GOOD.replace(BLOG, "https://www.reddit.com/r/economics/invented");
    let (x, _fake, _) = extractor(Behaviour::answer(&answer), &ResearchConfig::default()).await;
    let out = x.extract(QUESTION, &sources()).await.unwrap();
    assert_eq!(out.dropped, 1);
    assert_eq!(out.bullets.len(), 1);
    assert_eq!(out.bullets[0].citation.url, BLS);
}

#[tokio::test]
async fn malformed_then_good_takes_two_attempts_and_records_both() {
    let behaviour = Behaviour::sequence(&["Sure! Here is the evidence you asked for.", GOOD]);
    let (x, fake, ledger) = extractor(behaviour, &ResearchConfig::default()).await;
    let out = x.extract(QUESTION, &sources()).await.unwrap();
    assert_eq!(out.attempts, 2);
    assert_eq!(out.bullets.len(), 2);
    assert_eq!(
        (out.usage.prompt_tokens, out.usage.completion_tokens),
        (2000, 400)
    );
    assert_eq!(out.cost_usd, cost_of(2));
    assert_eq!(ledger.lock().unwrap().providers["gpt"].requests, 2);
    let retry = &fake.requests()[1].body["messages"];
    let last = retry[retry.as_array().unwrap().len() - 1]["content"].to_string();
    assert!(
        last.contains("rejected") && last.contains("no JSON object"),
        "{last}"
    );
}

#[tokio::test]
async fn malformed_twice_is_an_extraction_error_with_the_reason() {
    let bad = format!(
        r#"{{"bullets": [{{"text": "x", "confidence": 1.7, "source_url": "{BLS}"}}],
            "summary": "s", "contradictions": []}}"#
    );
    let (x, _fake, ledger) = extractor(Behaviour::answer(&bad), &ResearchConfig::default()).await;
    let err = x.extract(QUESTION, &sources()).await.unwrap_err();
    match &err {
        ResearchError::Extraction { provider, reason } => {
            assert_eq!(provider, "gpt");
            assert!(
                reason.contains("bullet 1") && reason.contains("confidence"),
                "{reason}"
            );
        }
        other => panic!("expected Extraction, got {other:?}"),
    }
    let l = ledger.lock().unwrap();
    assert_eq!(l.providers["gpt"].requests, 2);
    assert_eq!(l.total_usd(), cost_of(2));
}

#[tokio::test]
async fn invalid_fields_are_malformed_not_trusted() {
    let cases = [
        (r#""metric_date": "last Tuesday""#, "metric_date"),
        (r#""text": "  ""#, "text"),
        (r#""metric_unit": ["percent"]"#, "metric_unit"),
    ];
    for (field, needle) in cases {
        let bad = format!(
            r#"{{"bullets": [{{"text": "x", "confidence": 0.5, "source_url": "{BLS}", {field}}}],
                "summary": "s", "contradictions": []}}"#
        );
        let (x, _fake, _) = extractor(Behaviour::answer(&bad), &ResearchConfig::default()).await;
        let err = x
            .extract(QUESTION, &sources())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{err}");
    }
}

#[tokio::test]
async fn bullets_are_capped_and_long_sources_cut_to_the_budget() {
    let cfg = ResearchConfig {
        max_bullets: 1,
        ..ResearchConfig::default()
    };
    let (x, fake, _) = extractor(Behaviour::answer(GOOD), &cfg).await;
    let x = x.with_prompt_budget(2_000);
    let mut long = sources();
    long[1].text = "inflation ".repeat(20_000);
    let out = x.extract(QUESTION, &long).await.unwrap();
    assert_eq!(out.bullets.len(), 1);
    assert_eq!(out.bullets[0].citation.url, BLS);
    let prompt = fake.requests()[0].body["messages"][1]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        prompt.contains("[...]") && prompt.len() < 3_000,
        "{}",
        prompt.len()
    );
    assert!(
        prompt.contains("3.1 percent"),
        "the short source is kept whole"
    );
}

#[tokio::test]
async fn no_sources_means_no_request_and_provider_failures_are_extraction_errors() {
    let (x, fake, _) = extractor(Behaviour::answer(GOOD), &ResearchConfig::default()).await;
    let out = x.extract(QUESTION, &[]).await.unwrap();
    assert!(out.bullets.is_empty() && out.attempts == 0);
    assert!(fake.requests().is_empty());

    let (x, _fake, _) = extractor(Behaviour::failing(503), &ResearchConfig::default()).await;
    let err = x.extract(QUESTION, &sources()).await.unwrap_err();
    assert!(
        matches!(&err, ResearchError::Extraction { reason, .. } if reason.contains("503")),
        "{err:?}"
    );
}

/// URL, value, unit and date of one offline bullet.
type Found<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);

#[test]
fn offline_extraction_quotes_numeric_and_dated_sentences() {
    let text = "Home | News | Data\n\
        The Consumer Price Index for All Urban Consumers (CPI-U) increased 0.3 percent on a \
        seasonally adjusted basis in January. Over the last 12 months, the all items index \
        increased 3.1% before seasonal adjustment. The index for shelter rose, accounting for \
        over half of the increase. The February 2026 CPI is scheduled to be released on \
        March 11, 2026, at 8:30 a.m. (ET). Copyright 2026.";
    let bls = source(BLS, "bls.gov", text);
    let blog = source(
        BLOG,
        "someblog.net",
        "Bitcoin closed at $97,250 on 2026-02-18 says me.",
    );
    let out = extract_offline(&[blog.clone(), bls.clone()], 20);
    assert!(out.summary.starts_with(OFFLINE_SUMMARY), "{}", out.summary);
    assert!(
        out.summary.contains("from 2 of 2 sources"),
        "{}",
        out.summary
    );
    assert_eq!(
        (out.attempts, out.dropped, out.provider.as_str()),
        (0, 0, "offline")
    );
    assert_eq!(out.cost_usd, Decimal::ZERO);
    let found: Vec<Found<'_>> = out
        .bullets
        .iter()
        .map(|b| {
            (
                b.citation.url.as_str(),
                b.metric_value.as_deref(),
                b.metric_unit.as_deref(),
                b.metric_date.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (BLS, Some("0.3"), Some("percent"), None),
            (BLS, Some("3.1"), Some("percent"), None),
            (BLS, None, None, Some("2026-03-11")),
            (BLOG, Some("97,250"), Some("USD"), Some("2026-02-18")),
        ]
    );
    assert!(
        out.bullets
            .iter()
            .all(|b| b.confidence == OFFLINE_CONFIDENCE)
    );
    assert_eq!(
        out.bullets[0].citation.publisher,
        "Bureau of Labor Statistics"
    );
    assert_eq!(out.bullets[0].citation.authority_score, 1.0);
    assert_eq!(out, extract_offline(&[blog.clone(), bls.clone()], 20));
    assert_eq!(extract_offline(&[blog, bls], 2).bullets.len(), 2);

    let table = (1..=20)
        .map(|i| format!("Item {i} rose {i}.5 percent over the year."))
        .collect::<Vec<_>>()
        .join(" ");
    let many = extract_offline(&[source(BLS, "bls.gov", &table)], 20);
    assert_eq!(many.bullets.len(), OFFLINE_PER_SOURCE);
    let nothing = extract_offline(
        &[source(BLOG, "someblog.net", "No numbers here at all.")],
        20,
    );
    assert!(nothing.bullets.is_empty());
    assert!(nothing.summary.contains("from 0 of 1 sources"));
}
