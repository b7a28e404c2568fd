//! The ensemble against fake servers: parallel members, degradation on a timeout, the
//! fallback, too few models, and the offline forecaster when no key is configured.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Behaviour, GOOD, provider, spawn};
use polybot_forecast::{
    Aggregation, CostLedger, ForecastConfig, ForecastError, ForecastRequest, ProviderKind,
    SharedLedger, Source, build_ensemble,
};

const LOW: &str =
    r#"{"probability": 0.30, "confidence": "LOW", "reasoning": "r", "invalidation_triggers": []}"#;
const HIGH: &str =
    r#"{"probability": 0.90, "confidence": "HIGH", "reasoning": "r", "invalidation_triggers": []}"#;

fn request() -> ForecastRequest {
    ForecastRequest {
        market_id: "m1".into(),
        question: "Will it rain in Seattle tomorrow?".into(),
        category: "WEATHER".into(),
        market_price: Some(0.55),
        ..ForecastRequest::default()
    }
}

fn ledger() -> SharedLedger {
    Arc::new(Mutex::new(CostLedger::default()))
}

#[tokio::test]
async fn three_models_in_parallel_trimmed_mean_and_disagreement() {
    let a = spawn(ProviderKind::Openai, Behaviour::answer(LOW)).await;
    let b = spawn(ProviderKind::Anthropic, Behaviour::answer(GOOD)).await;
    let c = spawn(ProviderKind::Gemini, Behaviour::answer(HIGH)).await;
    let mut cfg = ForecastConfig {
        providers: vec![
            provider("gpt", ProviderKind::Openai, &a, 5_000),
            provider("claude", ProviderKind::Anthropic, &b, 5_000),
            provider("gemini", ProviderKind::Gemini, &c, 5_000),
        ],
        ..ForecastConfig::default()
    };
    let ledger = ledger();
    let e = build_ensemble(&cfg, &ledger).unwrap();
    let out = e.run(&request(), &BTreeMap::new()).await.unwrap();
    assert_eq!(out.source, Source::Llm);
    assert_eq!(out.members.len(), 3);
    assert!(
        (out.probability - 0.62).abs() < 1e-12,
        "trimmed mean keeps the middle"
    );
    assert!((out.disagreement.range - 0.6).abs() < 1e-12);
    assert_eq!(ledger.lock().unwrap().providers.len(), 3);

    cfg.ensemble.aggregation = Aggregation::Weighted;
    let e = build_ensemble(&cfg, &ledger).unwrap();
    let w: BTreeMap<String, f64> = [
        ("gpt".into(), 0.0),
        ("claude".into(), 0.0),
        ("gemini".into(), 1.0),
    ]
    .into();
    let out = e.run(&request(), &w).await.unwrap();
    assert!((out.probability - 0.9).abs() < 1e-12);
}

#[tokio::test]
async fn one_provider_timing_out_degrades_to_the_others() {
    let slow = spawn(
        ProviderKind::Openai,
        Behaviour::slow(Duration::from_secs(10)),
    )
    .await;
    let b = spawn(ProviderKind::Anthropic, Behaviour::answer(LOW)).await;
    let c = spawn(ProviderKind::Gemini, Behaviour::answer(HIGH)).await;
    let mut cfg = ForecastConfig::default();
    cfg.ensemble.min_models_required = 2;
    cfg.providers = vec![
        provider("gpt", ProviderKind::Openai, &slow, 300),
        provider("claude", ProviderKind::Anthropic, &b, 5_000),
        provider("gemini", ProviderKind::Gemini, &c, 5_000),
    ];
    let started = Instant::now();
    let out = build_ensemble(&cfg, &ledger())
        .unwrap()
        .run(&request(), &BTreeMap::new())
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the timeout bounds the wait"
    );
    assert!(!out.used_fallback);
    assert_eq!(out.members.len(), 2);
    assert!(
        (out.probability - 0.6).abs() < 1e-12,
        "mean of the two survivors"
    );
    assert_eq!(out.failures.len(), 1);
    assert_eq!(out.failures[0].provider, "gpt");
    assert!(
        out.failures[0].error.contains("timed out after 300 ms"),
        "{:?}",
        out.failures
    );
}

#[tokio::test]
async fn all_members_failing_use_the_fallback() {
    let a = spawn(ProviderKind::Openai, Behaviour::failing(500)).await;
    let b = spawn(ProviderKind::Anthropic, Behaviour::failing(529)).await;
    let fb = spawn(ProviderKind::OpenaiCompatible, Behaviour::answer(GOOD)).await;
    let mut cfg = ForecastConfig::default();
    let mut fallback = provider("local", ProviderKind::OpenaiCompatible, &fb, 5_000);
    fallback.fallback_only = true;
    cfg.providers = vec![
        provider("gpt", ProviderKind::Openai, &a, 5_000),
        provider("claude", ProviderKind::Anthropic, &b, 5_000),
        fallback,
    ];
    cfg.ensemble.fallback = "local".into();
    let e = build_ensemble(&cfg, &ledger()).unwrap();
    assert_eq!(e.member_names(), vec!["gpt", "claude"]);
    let out = e.run(&request(), &BTreeMap::new()).await.unwrap();
    assert!(out.used_fallback);
    assert_eq!(out.members.len(), 1);
    assert_eq!(out.members[0].provider, "local");
    assert!((out.probability - 0.62).abs() < 1e-12);
    assert_eq!(out.failures.len(), 2);
}

#[tokio::test]
async fn no_fallback_and_too_few_models_is_a_clear_error() {
    let a = spawn(ProviderKind::Openai, Behaviour::failing(500)).await;
    let fb = spawn(ProviderKind::Gemini, Behaviour::failing(503)).await;
    let mut cfg = ForecastConfig {
        providers: vec![
            provider("gpt", ProviderKind::Openai, &a, 5_000),
            provider("gem", ProviderKind::Gemini, &fb, 5_000),
        ],
        ..ForecastConfig::default()
    };
    cfg.ensemble.fallback = "gem".into();
    let err = build_ensemble(&cfg, &ledger())
        .unwrap()
        .run(&request(), &BTreeMap::new())
        .await
        .unwrap_err();
    let ForecastError::TooFewModels {
        succeeded,
        required,
        failures,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!((*succeeded, *required), (0, 1));
    assert!(
        failures.contains("gpt") && failures.contains("HTTP 503"),
        "{failures}"
    );
}

#[tokio::test]
async fn without_keys_the_offline_forecaster_runs_and_says_so() {
    let toml_text = r#"
        [[providers]]
        name = "gpt"
        kind = "openai"
        model = "gpt-4o"
    "#;
    let mut cfg: ForecastConfig = toml::from_str(toml_text).unwrap();
    cfg.apply_secret_env(|_| None);
    assert!(cfg.validate().is_empty());
    assert!(!cfg.has_usable_provider());
    let out = build_ensemble(&cfg, &ledger())
        .unwrap()
        .run(&request(), &BTreeMap::new())
        .await
        .unwrap();
    assert_eq!(out.source, Source::Offline);
    assert!(out.members.iter().all(|m| m.source == Source::Offline));
    assert_eq!(
        out.probability, 0.55,
        "echoes the market price: no edge, no trade"
    );
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(json["source"], "offline");
    assert_eq!(json["members"][0]["source"], "offline");
    assert!(
        json["members"][0]["reasoning"]
            .as_str()
            .unwrap()
            .contains("NOT a forecast of skill")
    );
}
