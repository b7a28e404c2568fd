use polybot_model::{Market, MarketStatus, Usdc};

use super::{condition_id, outcome, sample_market, temp_store, token_id};
use crate::{MarketQuery, Store, StoreError};

async fn token_rows(store: &Store, market: &Market) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM market_tokens WHERE condition_id = $1")
        .bind(market.condition_id.to_string())
        .fetch_one(store.sqlite_pool())
        .await
        .unwrap()
}

fn ids(markets: &[Market]) -> Vec<u64> {
    markets
        .iter()
        .map(|m| {
            (1..=20)
                .find(|n| condition_id(*n) == m.condition_id)
                .unwrap_or(0)
        })
        .collect()
}

#[tokio::test]
async fn upsert_then_read_back() {
    let (_dir, _path, store) = temp_store().await;
    let mut markets: Vec<Market> = (1..=3).map(sample_market).collect();
    // Exercise the optional and enum fields too.
    markets[1].category = None;
    markets[1].end_date = None;
    markets[1].event_id = None;
    markets[1].best_bid = None;
    markets[2].status = MarketStatus::Resolved { winner: 1 };
    markets[2].neg_risk = true;
    assert_eq!(store.upsert_markets(&markets).await.unwrap(), 3);
    assert_eq!(store.market_count().await.unwrap(), 3);

    for market in &markets {
        let id = &market.condition_id;
        assert_eq!(store.market(id).await.unwrap().as_ref(), Some(market));
        let by_slug = store.market_by_slug(&market.slug).await.unwrap();
        assert_eq!(by_slug.as_ref(), Some(market));
        for outcome in &market.outcomes {
            let by_token = store.market_by_token(&outcome.token_id).await.unwrap();
            assert_eq!(by_token.as_ref(), Some(market));
        }
    }
    assert_eq!(store.market(&condition_id(99)).await.unwrap(), None);
    assert_eq!(store.market_by_slug("no-such-slug").await.unwrap(), None);
    assert_eq!(store.market_by_token(&token_id(999)).await.unwrap(), None);
    assert_eq!(store.upsert_markets(&[]).await.unwrap(), 0);
    store.close().await;
}

#[tokio::test]
async fn upsert_replaces_the_market_and_its_tokens() {
    let (_dir, _path, store) = temp_store().await;
    let original = sample_market(1);
    store
        .upsert_markets(std::slice::from_ref(&original))
        .await
        .unwrap();

    let mut updated = original.clone();
    updated.volume = Usdc::dollars(987_654);
    updated.outcomes = vec![
        outcome("Alice", 101, 300_000),
        outcome("Bob", 102, 300_000),
        outcome("Carol", 103, 400_000),
    ];
    store
        .upsert_markets(std::slice::from_ref(&updated))
        .await
        .unwrap();

    assert_eq!(store.market_count().await.unwrap(), 1);
    let read = store.market(&updated.condition_id).await.unwrap();
    assert_eq!(read.as_ref(), Some(&updated));
    assert_eq!(token_rows(&store, &updated).await, 3);
    for dropped in &original.outcomes {
        let by_token = store.market_by_token(&dropped.token_id).await.unwrap();
        assert_eq!(
            by_token, None,
            "dropped token {} still resolves",
            dropped.token_id
        );
    }
    let by_token = store.market_by_token(&token_id(103)).await.unwrap();
    assert_eq!(by_token.as_ref(), Some(&updated));

    // The volume column, not only the JSON, was updated: ordering sees it.
    let top = store
        .markets(&MarketQuery {
            order_by_volume_desc: true,
            ..MarketQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(top[0].volume, Usdc::dollars(987_654));
    store.close().await;
}

#[tokio::test]
async fn query_filters_and_orders() {
    let (_dir, _path, store) = temp_store().await;
    let mut markets: Vec<Market> = (1..=6).map(sample_market).collect();
    // Volumes: market n has n * 1000, except market 2 which is the largest.
    markets[1].volume = Usdc::dollars(50_000);
    markets[2].status = MarketStatus::Closed;
    markets[3].status = MarketStatus::Resolved { winner: 0 };
    markets[4].category = Some("Crypto".to_owned());
    markets[5].category = None;
    store.upsert_markets(&markets).await.unwrap();

    let all = store.markets(&MarketQuery::default()).await.unwrap();
    assert_eq!(ids(&all), [1, 2, 3, 4, 5, 6]);

    let by_volume = MarketQuery {
        order_by_volume_desc: true,
        ..MarketQuery::default()
    };
    let got = store.markets(&by_volume).await.unwrap();
    assert_eq!(ids(&got), [2, 6, 5, 4, 3, 1]);

    let active = MarketQuery {
        active_only: true,
        ..by_volume.clone()
    };
    assert_eq!(ids(&store.markets(&active).await.unwrap()), [2, 6, 5, 1]);

    let crypto = MarketQuery {
        category: Some("CRYPTO".to_owned()),
        ..MarketQuery::default()
    };
    assert_eq!(ids(&store.markets(&crypto).await.unwrap()), [5]);

    let active_sports_top2 = MarketQuery {
        active_only: true,
        category: Some("sports".to_owned()),
        limit: Some(2),
        order_by_volume_desc: true,
    };
    let got = store.markets(&active_sports_top2).await.unwrap();
    assert_eq!(ids(&got), [2, 1]);

    let none = MarketQuery {
        limit: Some(0),
        ..MarketQuery::default()
    };
    assert!(store.markets(&none).await.unwrap().is_empty());
    store.close().await;
}

#[tokio::test]
async fn corrupt_market_json_is_an_error_naming_the_market() {
    let (_dir, _path, store) = temp_store().await;
    let market = sample_market(3);
    store
        .upsert_markets(std::slice::from_ref(&market))
        .await
        .unwrap();
    let id = market.condition_id.to_string();
    sqlx::query(
        "UPDATE markets SET data = '{\"condition_id\": 42, garbage' WHERE condition_id = $1",
    )
    .bind(&id)
    .execute(store.sqlite_pool())
    .await
    .unwrap();

    let is_corrupt = |err: &StoreError| matches!(err, StoreError::Corrupt { table: "markets", key, .. } if *key == id);
    let err = store.market(&market.condition_id).await.unwrap_err();
    assert!(is_corrupt(&err), "{err:?}");
    assert!(err.to_string().contains(&id), "{err}");
    let err = store.market_by_slug(&market.slug).await.unwrap_err();
    assert!(is_corrupt(&err), "{err:?}");
    let err = store
        .market_by_token(&market.outcomes[0].token_id)
        .await
        .unwrap_err();
    assert!(is_corrupt(&err), "{err:?}");
    let err = store.markets(&MarketQuery::default()).await.unwrap_err();
    assert!(is_corrupt(&err), "{err:?}");
    store.close().await;
}

#[tokio::test]
async fn market_json_for_another_id_is_corrupt() {
    let (_dir, _path, store) = temp_store().await;
    let (one, two) = (sample_market(1), sample_market(2));
    store
        .upsert_markets(&[one.clone(), two.clone()])
        .await
        .unwrap();
    sqlx::query("UPDATE markets SET data = (SELECT data FROM markets WHERE condition_id = $1) WHERE condition_id = $2")
        .bind(two.condition_id.to_string())
        .bind(one.condition_id.to_string())
        .execute(store.sqlite_pool())
        .await
        .unwrap();
    let err = store.market(&one.condition_id).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { key, .. } if *key == one.condition_id.to_string()),
        "{err:?}"
    );
    store.close().await;
}

#[tokio::test]
async fn a_failing_batch_writes_nothing() {
    let (_dir, _path, store) = temp_store().await;
    sqlx::query(
        "CREATE TRIGGER poison BEFORE INSERT ON markets WHEN NEW.slug = 'poison'
         BEGIN SELECT RAISE(ABORT, 'poisoned row'); END",
    )
    .execute(store.sqlite_pool())
    .await
    .unwrap();
    let mut bad = sample_market(2);
    bad.slug = "poison".to_owned();
    let err = store
        .upsert_markets(&[sample_market(1), bad])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Query {
                op: "upsert_markets",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(store.market_count().await.unwrap(), 0);
    let tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM market_tokens")
        .fetch_one(store.sqlite_pool())
        .await
        .unwrap();
    assert_eq!(tokens, 0);
    store.close().await;
}

#[tokio::test]
async fn deleting_a_market_cascades_to_its_tokens() {
    let (_dir, _path, store) = temp_store().await;
    let market = sample_market(4);
    store
        .upsert_markets(std::slice::from_ref(&market))
        .await
        .unwrap();
    assert_eq!(token_rows(&store, &market).await, 2);
    sqlx::query("DELETE FROM markets WHERE condition_id = $1")
        .bind(market.condition_id.to_string())
        .execute(store.sqlite_pool())
        .await
        .unwrap();
    assert_eq!(token_rows(&store, &market).await, 0);
    store.close().await;
}

#[tokio::test]
async fn bulk_upsert_of_a_full_scan() {
    let (_dir, _path, store) = temp_store().await;
    // Not a multiple of any statement chunk size, so partial chunks are exercised.
    let count = 2_345;
    let markets: Vec<Market> = (1..=count).map(sample_market).collect();
    assert_eq!(store.upsert_markets(&markets).await.unwrap(), 2_345);
    // A second scan updates in place.
    assert_eq!(store.upsert_markets(&markets).await.unwrap(), 2_345);
    assert_eq!(store.market_count().await.unwrap(), 2_345);
    let tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM market_tokens")
        .fetch_one(store.sqlite_pool())
        .await
        .unwrap();
    assert_eq!(tokens, 2 * 2_345);
    for market in [&markets[0], &markets[99], &markets[100], &markets[2_344]] {
        let read = store
            .market_by_token(&market.outcomes[1].token_id)
            .await
            .unwrap();
        assert_eq!(read.as_ref(), Some(market));
    }
    store.close().await;
}

#[tokio::test]
async fn duplicates_in_one_batch_keep_the_last() {
    let (_dir, _path, store) = temp_store().await;
    let first = sample_market(1);
    let mut second = first.clone();
    second.question = "Revised question?".to_owned();
    second.outcomes[1] = outcome("No", 77, 580_000);
    let written = store
        .upsert_markets(&[first.clone(), sample_market(2), second.clone()])
        .await
        .unwrap();
    assert_eq!(written, 2);
    let read = store.market(&first.condition_id).await.unwrap();
    assert_eq!(read.as_ref(), Some(&second));
    assert_eq!(token_rows(&store, &second).await, 2);
    let by_dropped = store
        .market_by_token(&first.outcomes[1].token_id)
        .await
        .unwrap();
    assert_eq!(by_dropped, None);
    store.close().await;
}
