//! Gamma and the Data API through Polymarket's SDK: discovery with filters and paging, the
//! time shift of recorded data, and Data API views that move with simulated trades.

mod common;

use std::collections::HashSet;
use std::str::FromStr;

use common::u256;
use polymarket_client_sdk_v2::data::types::Side as DataSide;
use polymarket_client_sdk_v2::data::types::request::{
    ActivityRequest, PositionsRequest, TraderLeaderboardRequest, TradesRequest, ValueRequest,
};
use polymarket_client_sdk_v2::data::types::{
    ActivityType, LeaderboardOrderBy, MarketFilter, TimePeriod,
};
use polymarket_client_sdk_v2::gamma::types::request::{
    EventByIdRequest, EventBySlugRequest, EventsRequest, MarketByIdRequest, MarketBySlugRequest,
    MarketsRequest,
};
use polymarket_client_sdk_v2::types::{Address, B256, Decimal};
use polymarket_client_sdk_v2::{data, gamma};
use serde_json::Value;

#[tokio::test]
async fn open_markets_page_through_once_each() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let client = gamma::Client::new(&fx.gamma_url()).unwrap();
    let mut ids = HashSet::new();
    let mut offset = 0;
    loop {
        let request = MarketsRequest::builder()
            .limit(500)
            .offset(offset)
            .closed(false)
            .build();
        let page = client.markets(&request).await.unwrap();
        for m in &page {
            assert_eq!(
                m.closed,
                Some(false),
                "closed=false returns open markets only"
            );
            assert!(ids.insert(m.id.clone()), "market {} listed twice", m.id);
            assert_eq!(
                m.clob_token_ids.as_ref().map(Vec::len),
                m.outcomes.as_ref().map(Vec::len)
            );
        }
        if page.len() < 500 {
            break;
        }
        offset += 500;
    }
    let live_markets = fx.exchange().token_ids().len() / 2;
    assert!(
        ids.len() >= live_markets,
        "{} open markets listed, {live_markets} live",
        ids.len()
    );
    let default_page = client
        .markets(&MarketsRequest::builder().build())
        .await
        .unwrap();
    assert_eq!(default_page.len(), 20, "the venue's default limit");
    fx.shutdown().await;
}

#[tokio::test]
async fn market_lookups_by_token_condition_id_and_slug() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let ex = fx.exchange();
    let client = gamma::Client::new(&fx.gamma_url()).unwrap();
    let token = ex.token_ids()[10];
    let request = MarketsRequest::builder()
        .clob_token_ids(vec![u256(token)])
        .build();
    let by_token = client.markets(&request).await.unwrap();
    assert_eq!(by_token.len(), 1);
    let m = &by_token[0];
    let tokens = m.clob_token_ids.as_ref().unwrap();
    if tokens[0] == u256(token) {
        let bid = ex.book(token).unwrap().best_bid().unwrap().price;
        assert_eq!(
            m.best_bid.unwrap().to_string(),
            bid.to_string(),
            "live quote"
        );
    }
    let cid = m.condition_id.unwrap();
    let request = MarketsRequest::builder().condition_ids(vec![cid]).build();
    assert_eq!(client.markets(&request).await.unwrap()[0].id, m.id);
    let by_id = MarketByIdRequest::builder().id(m.id.clone()).build();
    assert_eq!(
        client.market_by_id(&by_id).await.unwrap().condition_id,
        Some(cid)
    );
    let by_slug = MarketBySlugRequest::builder()
        .slug(m.slug.clone().unwrap())
        .build();
    assert_eq!(client.market_by_slug(&by_slug).await.unwrap().id, m.id);
    fx.shutdown().await;
}

#[tokio::test]
async fn market_filters_and_ordering() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let client = gamma::Client::new(&fx.gamma_url()).unwrap();
    let top = MarketsRequest::builder()
        .limit(50)
        .closed(false)
        .order("volumeNum".to_owned())
        .ascending(false)
        .build();
    let top = client.markets(&top).await.unwrap();
    let volumes: Vec<_> = top
        .iter()
        .map(|m| m.volume_num.unwrap_or_default())
        .collect();
    assert!(
        volumes.windows(2).all(|w| w[0] >= w[1]),
        "ordered by volume, descending"
    );
    let min = common::dec("100000");
    let rich = client
        .markets(
            &MarketsRequest::builder()
                .limit(100)
                .volume_num_min(min)
                .build(),
        )
        .await
        .unwrap();
    assert!(!rich.is_empty() && rich.iter().all(|m| m.volume_num.unwrap() >= min));
    let soon = chrono::Utc::now() + chrono::Duration::days(30);
    let ending = MarketsRequest::builder()
        .limit(100)
        .closed(false)
        .end_date_max(soon)
        .build();
    let ending = client.markets(&ending).await.unwrap();
    assert!(!ending.is_empty() && ending.iter().all(|m| m.end_date.unwrap() <= soon));
    fx.shutdown().await;
}

#[tokio::test]
async fn events_include_their_markets() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let client = gamma::Client::new(&fx.gamma_url()).unwrap();
    let events = client
        .events(&EventsRequest::builder().limit(100).closed(false).build())
        .await
        .unwrap();
    assert_eq!(events.len(), 100);
    assert!(events.iter().all(|e| e.closed != Some(true)));
    let with_markets = events
        .iter()
        .find(|e| e.markets.as_ref().is_some_and(|m| m.len() > 1))
        .expect("a multi-market event");
    let by_id = client
        .event_by_id(
            &EventByIdRequest::builder()
                .id(with_markets.id.clone())
                .build(),
        )
        .await
        .unwrap();
    assert_eq!(
        by_id.markets.as_ref().map(Vec::len),
        with_markets.markets.as_ref().map(Vec::len)
    );
    let slug = with_markets.slug.clone().unwrap();
    let by_slug = client
        .event_by_slug(&EventBySlugRequest::builder().slug(slug).build())
        .await
        .unwrap();
    assert_eq!(by_slug.id, with_markets.id);
    // Every event, all pages, deserialises.
    let mut offset = 0;
    loop {
        let page = client
            .events(&EventsRequest::builder().limit(500).offset(offset).build())
            .await
            .unwrap();
        if page.len() < 500 {
            break;
        }
        offset += 500;
    }
    fx.shutdown().await;
}

/// The open markets (with an end date) of the wom Gamma dump, as recorded.
fn recorded_open_markets(seed_dir: &std::path::Path) -> Vec<Value> {
    let path = seed_dir.join("wom_polymarket_strategy/polymarket-backtest/data/raw/markets.json");
    let recorded: Vec<Value> = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    recorded
        .into_iter()
        .filter(|m| m["closed"] == false && m["endDate"].is_string())
        .collect()
}

fn condition(m: &Value) -> B256 {
    B256::from_str(m["conditionId"].as_str().unwrap()).unwrap()
}

/// Markets that were open when the wom dump was captured are open now, with the same time to
/// expiry: every date moved by exactly `now − capture time`.
#[tokio::test]
async fn recorded_open_markets_are_moved_to_the_present() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let report = fx.exchange().seed_report();
    let wom = report
        .folder("wom_polymarket_strategy")
        .expect("the wom dump is loaded");
    let anchor = wom.anchor.expect("a capture time");
    assert_eq!(
        anchor.to_rfc3339(),
        "2026-02-07T16:08:19+00:00",
        "the latest timestamp of the dump"
    );
    let now = chrono::Utc::now();
    assert!((wom.shift_secs - (now - anchor).num_seconds()).abs() <= 5);
    let open = recorded_open_markets(report.seed_dir.as_deref().unwrap());
    assert!(open.len() > 250);
    let client = gamma::Client::new(&fx.gamma_url()).unwrap();
    let mut checked = 0;
    for chunk in open.chunks(100) {
        let request = MarketsRequest::builder()
            .limit(100)
            .condition_ids(chunk.iter().map(condition).collect())
            .build();
        let served = client.markets(&request).await.unwrap();
        for m in chunk {
            let s = served
                .iter()
                .find(|s| s.condition_id == Some(condition(m)))
                .expect("served");
            let recorded_end =
                chrono::DateTime::parse_from_rfc3339(m["endDate"].as_str().unwrap()).unwrap();
            let served_end = s.end_date.unwrap();
            assert_eq!(
                (served_end - recorded_end.to_utc()).num_seconds(),
                wom.shift_secs,
                "same shift everywhere"
            );
            if recorded_end > anchor {
                assert!(
                    served_end > now,
                    "{} was live at capture and is live now",
                    m["slug"]
                );
            }
            assert_eq!(s.closed, Some(false));
            checked += 1;
        }
    }
    assert_eq!(checked, open.len());
    fx.shutdown().await;
}

#[tokio::test]
async fn trades_and_activity_follow_the_simulated_tape() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let client = data::Client::new(&fx.data_url()).unwrap();
    assert_eq!(client.health().await.unwrap().data, "OK");
    let before = client
        .trades(&TradesRequest::builder().limit(10).unwrap().build())
        .await
        .unwrap();
    fx.exchange().step(3_000);
    let trades = client
        .trades(&TradesRequest::builder().limit(200).unwrap().build())
        .await
        .unwrap();
    assert_eq!(trades.len(), 200);
    assert!(
        trades.windows(2).all(|w| w[0].timestamp >= w[1].timestamp),
        "newest first"
    );
    assert_ne!(
        trades[0].transaction_hash, before[0].transaction_hash,
        "new trades on the tape"
    );
    let wallet: Address = trades[0].proxy_wallet;
    let mine = client
        .trades(&TradesRequest::builder().user(wallet).build())
        .await
        .unwrap();
    assert!(!mine.is_empty() && mine.iter().all(|t| t.proxy_wallet == wallet));
    let cid = trades[0].condition_id;
    let in_market = TradesRequest::builder()
        .filter(MarketFilter::markets([cid]))
        .build();
    assert!(
        client
            .trades(&in_market)
            .await
            .unwrap()
            .iter()
            .all(|t| t.condition_id == cid)
    );
    let activity = client
        .activity(&ActivityRequest::builder().user(wallet).build())
        .await
        .unwrap();
    assert!(!activity.is_empty());
    assert!(
        activity
            .iter()
            .all(|a| a.activity_type == ActivityType::Trade && a.proxy_wallet == wallet)
    );
    fx.shutdown().await;
}

#[tokio::test]
async fn positions_value_and_leaderboard() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let client = data::Client::new(&fx.data_url()).unwrap();
    fx.exchange().step(3_000);
    let trades = client
        .trades(&TradesRequest::builder().limit(50).unwrap().build())
        .await
        .unwrap();
    let buyer = trades
        .iter()
        .find(|t| t.side == DataSide::Buy)
        .expect("a buy among recent trades");
    let wallet = buyer.proxy_wallet;
    let positions = client
        .positions(&PositionsRequest::builder().user(wallet).build())
        .await
        .unwrap();
    assert!(!positions.is_empty(), "a buyer holds a position");
    assert!(
        positions
            .iter()
            .all(|p| p.proxy_wallet == wallet && p.size >= common::dec("1"))
    );
    let value = client
        .value(&ValueRequest::builder().user(wallet).build())
        .await
        .unwrap();
    let total: Decimal = positions.iter().map(|p| p.current_value).sum();
    assert!((value[0].value - total).abs() < common::dec("0.01"));

    let board = client
        .leaderboard(&TraderLeaderboardRequest::builder().build())
        .await
        .unwrap();
    assert!(!board.is_empty());
    assert!(
        board
            .iter()
            .enumerate()
            .all(|(i, e)| e.rank == i as i32 + 1)
    );
    let by_volume = TraderLeaderboardRequest::builder()
        .time_period(TimePeriod::All)
        .order_by(LeaderboardOrderBy::Vol);
    let by_volume = client
        .leaderboard(&by_volume.limit(50).unwrap().build())
        .await
        .unwrap();
    assert_eq!(by_volume.len(), 50);
    assert!(by_volume.windows(2).all(|w| w[0].vol >= w[1].vol));
    fx.shutdown().await;
}
