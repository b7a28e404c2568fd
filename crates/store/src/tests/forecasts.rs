use serde_json::json;

use super::temp_store;
use crate::{ApiUsage, ForecastQuery, MemberProbability, NewForecast, StoreError};

fn forecast(market: &str, made_ms: i64, p: f64) -> NewForecast {
    NewForecast {
        made_ms,
        market_id: market.to_owned(),
        condition_id: Some(format!("0x{:064x}", made_ms)),
        category: "MACRO".into(),
        source: "llm".into(),
        raw_probability: p,
        calibrated_probability: p * 0.9,
        market_probability: Some(0.5),
        final_probability: p * 0.8,
        evidence_quality: Some(0.7),
        members: vec![MemberProbability {
            provider: "gpt".into(),
            probability: p,
        }],
        report: json!({"stages": ["research", "forecast"]}),
    }
}

#[tokio::test]
async fn forecasts_round_trip_resolve_and_filter() {
    let (_dir, _path, store) = temp_store().await;
    let a1 = store
        .insert_forecast(&forecast("m1", 1_000, 0.6))
        .await
        .unwrap();
    let a2 = store
        .insert_forecast(&forecast("m1", 2_000, 0.7))
        .await
        .unwrap();
    let b = store
        .insert_forecast(&forecast("m2", 1_500, 0.2))
        .await
        .unwrap();
    assert!(a1 < a2 && a2 < b);

    assert_eq!(store.last_forecast_ms("m1").await.unwrap(), Some(2_000));
    assert_eq!(store.last_forecast_ms("nope").await.unwrap(), None);
    assert_eq!(
        store.unresolved_forecast_markets().await.unwrap(),
        vec!["m1".to_owned(), "m2".to_owned()]
    );

    let all = store.forecasts(&ForecastQuery::default()).await.unwrap();
    assert_eq!(
        all.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![a2, b, a1]
    );
    assert_eq!(all[0].forecast, forecast("m1", 2_000, 0.7));
    assert_eq!(all[0].outcome, None);

    assert_eq!(store.resolve_forecasts("m1", true, 9_000).await.unwrap(), 2);
    assert_eq!(
        store.resolve_forecasts("m1", false, 9_500).await.unwrap(),
        0,
        "resolved once"
    );
    let resolved = store
        .forecasts(&ForecastQuery {
            resolved_only: true,
            ..ForecastQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(resolved.len(), 2);
    assert!(
        resolved
            .iter()
            .all(|f| f.outcome == Some(true) && f.resolved_ms == Some(9_000))
    );
    assert_eq!(
        store.unresolved_forecast_markets().await.unwrap(),
        vec!["m2".to_owned()]
    );

    let one = store
        .forecasts(&ForecastQuery {
            market_id: Some("m2".into()),
            limit: Some(1),
            ..ForecastQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].id, b);
}

#[tokio::test]
async fn a_corrupt_forecast_row_is_reported_with_its_id() {
    let (_dir, path, store) = temp_store().await;
    let id = store
        .insert_forecast(&forecast("m1", 1, 0.5))
        .await
        .unwrap();
    let url = format!("sqlite://{}", path.display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("UPDATE forecasts SET members = 'not json', outcome = NULL")
        .execute(&pool)
        .await
        .unwrap();
    let err = store
        .forecasts(&ForecastQuery::default())
        .await
        .unwrap_err();
    match err {
        StoreError::Corrupt { table, key, reason } => {
            assert_eq!(table, "forecasts");
            assert_eq!(key, id.to_string());
            assert!(reason.contains("members"), "{reason}");
        }
        other => panic!("expected Corrupt, got {other}"),
    }
}

#[tokio::test]
async fn usage_is_summed_per_provider_model_and_purpose() {
    let (_dir, _path, store) = temp_store().await;
    let call = |ts, provider: &str, purpose: &str, p, c, cost: &str| ApiUsage {
        ts_ms: ts,
        provider: provider.into(),
        model: "m".into(),
        purpose: purpose.into(),
        market_id: Some("m1".into()),
        requests: 1,
        prompt_tokens: p,
        completion_tokens: c,
        cost_usd: cost.into(),
    };
    store
        .record_usage(&[
            call(10, "gpt", "forecast", 100, 20, "0.001"),
            call(20, "gpt", "forecast", 50, 10, "0.0005"),
            call(30, "claude", "forecast", 70, 7, "0.002"),
            call(40, "gpt", "extraction", 1_000, 100, "0.01"),
            call(5, "tavily", "search", 0, 0, "0.008"),
        ])
        .await
        .unwrap();
    store.record_usage(&[]).await.unwrap();
    let totals = store.usage_totals(0).await.unwrap();
    let keys: Vec<_> = totals
        .iter()
        .map(|t| (t.provider.as_str(), t.purpose.as_str(), t.requests))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("claude", "forecast", 1),
            ("gpt", "extraction", 1),
            ("gpt", "forecast", 2),
            ("tavily", "search", 1)
        ]
    );
    let gpt = &totals[2];
    assert_eq!((gpt.prompt_tokens, gpt.completion_tokens), (150, 30));
    assert_eq!(gpt.costs_usd, vec!["0.001".to_owned(), "0.0005".to_owned()]);
    assert_eq!((gpt.first_ms, gpt.last_ms), (10, 20));
    assert_eq!(
        store.usage_totals(25).await.unwrap().len(),
        2,
        "since filters by time"
    );
}
