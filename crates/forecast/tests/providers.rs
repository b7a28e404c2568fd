//! Each provider against a local fake speaking its real protocol: parsing, tokens × price,
//! auth headers, the corrective retry and the rejection, and the HTTP layer's retries of
//! transient failures (429, 5xx, 529, lost connections) within the provider's timeout.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Behaviour, Fake, GOOD, KEY, provider, spawn};
use polybot_forecast::setup::build_forecaster;
use polybot_forecast::{
    Confidence, CostLedger, ForecastError, ForecastRequest, ModelForecast, ProviderConfig,
    ProviderKind, SharedLedger, Source,
};
use rust_decimal::Decimal;

fn request() -> ForecastRequest {
    ForecastRequest {
        market_id: "m1".into(),
        question: "Will CPI YoY exceed 3% in March?".into(),
        category: "MACRO".into(),
        evidence: vec!["CPI-U rose 3.1% YoY in January (bls.gov)".into()],
        market_price: Some(0.4),
        ..ForecastRequest::default()
    }
}

fn ledger() -> SharedLedger {
    Arc::new(Mutex::new(CostLedger::default()))
}

/// Expected cost at $2.50 / $10 per 1M tokens.
fn cost(prompt: i64, completion: i64) -> Decimal {
    (Decimal::from(prompt) * Decimal::new(250, 2) + Decimal::from(completion) * Decimal::from(10))
        / Decimal::from(1_000_000)
}

async fn good_answer_from(kind: ProviderKind, prompt: i64, completion: i64) {
    let fake = spawn(kind, Behaviour::answer(GOOD)).await;
    let ledger = ledger();
    let f = build_forecaster(&provider("p", kind, &fake, 5_000), false, &ledger).unwrap();
    let out = f.forecast(&request()).await.unwrap();
    assert_eq!(out.source, Source::Llm);
    assert_eq!(out.answer.probability, 0.62);
    assert_eq!(out.answer.confidence, Confidence::Medium);
    assert_eq!(
        out.answer.invalidation_triggers,
        vec!["a surprise revision"]
    );
    assert_eq!(out.attempts, 1);
    assert_eq!(out.usage.prompt_tokens, prompt as u64);
    assert_eq!(out.usage.completion_tokens, completion as u64);
    assert_eq!(out.cost_usd, cost(prompt, completion));
    let l = ledger.lock().unwrap();
    assert_eq!(l.providers["p"].requests, 1);
    assert_eq!(l.total_usd(), cost(prompt, completion));
    // The market price is not shown by default.
    let body = fake.requests()[0].body.to_string();
    assert!(
        body.contains("CPI YoY") && !body.contains("market-implied"),
        "{body}"
    );
}

#[tokio::test]
async fn openai_parses_and_prices() {
    good_answer_from(ProviderKind::Openai, 1000, 200).await;
}

#[tokio::test]
async fn anthropic_parses_and_prices() {
    good_answer_from(ProviderKind::Anthropic, 2000, 400).await;
}

#[tokio::test]
async fn gemini_parses_and_prices() {
    good_answer_from(ProviderKind::Gemini, 3000, 600).await;
}

#[tokio::test]
async fn compatible_server_by_base_url_needs_no_key() {
    good_answer_from(ProviderKind::OpenaiCompatible, 1000, 200).await;
}

#[tokio::test]
async fn wire_formats_carry_the_protocol_fields() {
    let oa = spawn(ProviderKind::Openai, Behaviour::answer(GOOD)).await;
    let an = spawn(ProviderKind::Anthropic, Behaviour::answer(GOOD)).await;
    let ge = spawn(ProviderKind::Gemini, Behaviour::answer(GOOD)).await;
    let co = spawn(ProviderKind::OpenaiCompatible, Behaviour::answer(GOOD)).await;
    let l = ledger();
    for (kind, fake) in [
        (ProviderKind::Openai, &oa),
        (ProviderKind::Anthropic, &an),
        (ProviderKind::Gemini, &ge),
        (ProviderKind::OpenaiCompatible, &co),
    ] {
        let f = build_forecaster(&provider("p", kind, fake, 5_000), true, &l).unwrap();
        f.forecast(&request()).await.unwrap();
    }
    let o = &oa.requests()[0];
    assert_eq!(o.body["response_format"]["type"], "json_schema");
    assert_eq!(o.body["messages"][0]["role"], "system");
    assert!(o.body.get("max_completion_tokens").is_some());
    let a = &an.requests()[0];
    assert_eq!(a.header("anthropic-version"), Some("2023-06-01"));
    assert!(a.body["system"].is_string() && a.body["max_tokens"].is_u64());
    let g = &ge.requests()[0];
    assert_eq!(g.path, "/v1beta/models/gemini-1.5-pro:generateContent");
    assert_eq!(
        g.body["generationConfig"]["responseMimeType"],
        "application/json"
    );
    let c = &co.requests()[0];
    assert!(c.header("authorization").is_none());
    assert!(c.body.get("max_tokens").is_some());
    // show_market_price = true puts the price in the prompt.
    assert!(
        o.body
            .to_string()
            .contains("market-implied probability: 0.400")
    );
}

#[tokio::test]
async fn malformed_answer_is_retried_with_a_correction_then_accepted() {
    let fake = spawn(
        ProviderKind::Openai,
        Behaviour::sequence(&["I think about 60%.", GOOD]),
    )
    .await;
    let l = ledger();
    let f = build_forecaster(
        &provider("gpt", ProviderKind::Openai, &fake, 5_000),
        false,
        &l,
    )
    .unwrap();
    let out = f.forecast(&request()).await.unwrap();
    assert_eq!(out.attempts, 2);
    assert_eq!(out.usage.prompt_tokens, 2000);
    assert_eq!(l.lock().unwrap().providers["gpt"].requests, 2);
    let second = &fake.requests()[1].body["messages"];
    let last = second.as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap();
    assert!(
        last.contains("rejected") && last.contains("no JSON object"),
        "{last}"
    );
}

#[tokio::test]
async fn malformed_twice_is_rejected_with_a_reason_never_nan() {
    for (bad, reason) in [
        (
            r#"{"probability": NaN, "confidence": "LOW", "reasoning": "x", "invalidation_triggers": []}"#,
            "not the JSON object",
        ),
        (
            r#"{"probability": 1.5, "confidence": "LOW", "reasoning": "x", "invalidation_triggers": []}"#,
            "must be in [0, 1]",
        ),
        (
            r#"{"probability": 0.5, "confidence": "SURE", "reasoning": "x", "invalidation_triggers": []}"#,
            "LOW, MEDIUM or HIGH",
        ),
        (
            r#"{"probability": 0.5, "confidence": "LOW", "invalidation_triggers": []}"#,
            "missing field `reasoning`",
        ),
        (
            r#"{"probability": "0.5", "confidence": "LOW", "reasoning": "x", "invalidation_triggers": []}"#,
            "must be a number",
        ),
    ] {
        let fake = spawn(ProviderKind::Anthropic, Behaviour::answer(bad)).await;
        let f = build_forecaster(
            &provider("claude", ProviderKind::Anthropic, &fake, 5_000),
            false,
            &ledger(),
        )
        .unwrap();
        let err = f.forecast(&request()).await.unwrap_err();
        assert_eq!(fake.requests().len(), 2, "one retry for {bad}");
        match &err {
            ForecastError::Rejected { provider, .. } => assert_eq!(provider, "claude"),
            other => panic!("expected a rejection, got {other:?}"),
        }
        assert!(
            err.to_string().contains(reason),
            "{err} should mention {reason}"
        );
    }
}

#[tokio::test]
async fn wrong_key_and_server_errors_name_the_provider_and_never_the_key() {
    let fake = spawn(ProviderKind::Gemini, Behaviour::answer(GOOD)).await;
    let mut cfg = provider("gem", ProviderKind::Gemini, &fake, 5_000);
    cfg.api_key = Some("wrong-key-XYZ".into());
    let err = build_forecaster(&cfg, false, &ledger())
        .unwrap()
        .forecast(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ForecastError::Status { status: 401, .. }),
        "{err:?}"
    );
    let text = format!("{err} {err:?} {cfg:?}");
    assert!(text.contains("gem") && !text.contains("wrong-key-XYZ") && !text.contains(KEY));

    let fake = spawn(ProviderKind::Openai, Behaviour::failing(503)).await;
    let err = build_forecaster(
        &provider("gpt", ProviderKind::Openai, &fake, 5_000),
        false,
        &ledger(),
    )
    .unwrap()
    .forecast(&request())
    .await
    .unwrap_err();
    assert!(
        matches!(err, ForecastError::Status { status: 503, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_keyed_provider_without_a_key_is_a_missing_key_error() {
    let fake = spawn(ProviderKind::Openai, Behaviour::answer(GOOD)).await;
    let mut cfg = provider("gpt", ProviderKind::Openai, &fake, 5_000);
    cfg.api_key = None;
    let err = build_forecaster(&cfg, false, &ledger()).err().unwrap();
    assert_eq!(
        err.to_string(),
        "provider gpt: no API key (set POLYBOT_OPENAI_API_KEY)"
    );
}

/// A provider entry pointed at `fake` retrying up to `max_retries` times after 10 ms (doubling).
fn retrying(kind: ProviderKind, fake: &Fake, timeout_ms: u64, max_retries: u32) -> ProviderConfig {
    ProviderConfig {
        max_retries,
        retry_backoff_ms: 10,
        ..provider("p", kind, fake, timeout_ms)
    }
}

async fn forecast_with(cfg: &ProviderConfig) -> Result<ModelForecast, ForecastError> {
    build_forecaster(cfg, false, &ledger())
        .unwrap()
        .forecast(&request())
        .await
}

/// The error text (Display and Debug) never carries the key.
fn assert_keyless(err: &ForecastError) {
    let text = format!("{err} {err:?}");
    assert!(!text.contains(KEY), "{text}");
}

#[tokio::test]
async fn a_transient_503_is_retried_and_succeeds_on_the_second_attempt_for_each_protocol() {
    for kind in [
        ProviderKind::Openai,
        ProviderKind::Anthropic,
        ProviderKind::Gemini,
    ] {
        let fake = spawn(kind, Behaviour::flaky(&[503])).await;
        let l = ledger();
        let f = build_forecaster(&retrying(kind, &fake, 5_000, 2), false, &l).unwrap();
        let out = f.forecast(&request()).await.unwrap();
        assert_eq!(
            fake.requests().len(),
            2,
            "{kind:?}: the 503, then the answer"
        );
        assert_eq!(out.answer.probability, 0.62);
        assert_eq!(out.attempts, 1, "{kind:?}: no corrective retry was needed");
        assert_eq!(
            l.lock().unwrap().providers["p"].requests,
            1,
            "{kind:?}: only the answer carried usage"
        );
    }
}

#[tokio::test]
async fn every_transient_status_is_retried() {
    let statuses = [429, 500, 502, 503, 504, 529];
    let fake = spawn(ProviderKind::Anthropic, Behaviour::flaky(&statuses)).await;
    let out = forecast_with(&retrying(ProviderKind::Anthropic, &fake, 10_000, 6)).await;
    assert_eq!(out.unwrap().answer.probability, 0.62);
    assert_eq!(fake.requests().len(), statuses.len() + 1);
}

#[tokio::test]
async fn retry_after_in_seconds_is_waited_for() {
    let fake = spawn(
        ProviderKind::Openai,
        Behaviour::flaky(&[429]).with_retry_after("1"),
    )
    .await;
    let started = Instant::now();
    let out = forecast_with(&retrying(ProviderKind::Openai, &fake, 5_000, 2)).await;
    // Behaviour, not performance: the 10 ms backoff gave way to the server's 1 s.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.unwrap().answer.probability, 0.62);
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_timeout_ends_the_call_at_once() {
    let fake = spawn(
        ProviderKind::Gemini,
        Behaviour::flaky(&[429]).with_retry_after("30"),
    )
    .await;
    let started = Instant::now();
    let err = forecast_with(&retrying(ProviderKind::Gemini, &fake, 2_000, 2))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(1_500),
        "no sleep into a certain timeout: {:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            err,
            ForecastError::Status {
                status: 429,
                attempts: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(fake.requests().len(), 1);
    assert_keyless(&err);
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let fake = spawn(ProviderKind::Openai, Behaviour::failing(400)).await;
    let err = forecast_with(&retrying(ProviderKind::Openai, &fake, 5_000, 5))
        .await
        .unwrap_err();
    assert_eq!(fake.requests().len(), 1, "exactly one request");
    assert!(
        matches!(err, ForecastError::Status { status: 400, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("(1 attempt)"), "{err}");
    assert_keyless(&err);
}

#[tokio::test]
async fn exhausted_retries_are_a_status_error_saying_how_many_attempts() {
    let fake = spawn(ProviderKind::Anthropic, Behaviour::failing(529)).await;
    let err = forecast_with(&retrying(ProviderKind::Anthropic, &fake, 5_000, 2))
        .await
        .unwrap_err();
    assert_eq!(fake.requests().len(), 3, "the first attempt and 2 retries");
    assert!(
        matches!(
            err,
            ForecastError::Status {
                status: 529,
                attempts: 3,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("provider p: HTTP 529 (3 attempts): "),
        "{text}"
    );
    assert_keyless(&err);

    // max_retries = 0: one attempt only.
    let fake = spawn(ProviderKind::Openai, Behaviour::failing(503)).await;
    let err = forecast_with(&retrying(ProviderKind::Openai, &fake, 5_000, 0))
        .await
        .unwrap_err();
    assert_eq!(fake.requests().len(), 1);
    assert!(err.to_string().contains("HTTP 503 (1 attempt)"), "{err}");
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_a_transport_error() {
    // A port nobody listens on: bound, then released.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let nowhere = Fake {
        base_url,
        seen: Arc::default(),
    };
    let err = forecast_with(&retrying(ProviderKind::Openai, &nowhere, 5_000, 2))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ForecastError::Transport { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("(3 attempts)"), "{err}");
    assert_keyless(&err);
}

#[tokio::test]
async fn the_timeout_bounds_the_whole_call_retries_included() {
    // Every attempt takes 300 ms and fails with a 503; ten retries would take > 3 s.
    let slow_failing = Behaviour {
        delay: Duration::from_millis(300),
        ..Behaviour::failing(503)
    };
    let fake = spawn(ProviderKind::Gemini, slow_failing).await;
    let mut cfg = retrying(ProviderKind::Gemini, &fake, 1_000, 10);
    cfg.retry_backoff_ms = 50;
    let started = Instant::now();
    let err = forecast_with(&cfg).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(1_250),
        "timeout_ms plus a small margin: {elapsed:?}"
    );
    assert!(fake.requests().len() >= 2, "it did retry within the budget");
    match &err {
        ForecastError::Timeout {
            timeout_ms: 1_000,
            attempts,
            ..
        } => assert!(*attempts >= 2, "{err}"),
        other => panic!("expected the call's timeout, got {other:?}"),
    }
    assert!(
        err.to_string().contains("timed out after 1000 ms ("),
        "{err}"
    );
    assert_keyless(&err);
}
