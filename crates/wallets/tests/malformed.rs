//! Malformed Data API answers from a tiny axum fake on 127.0.0.1: errors that say what is
//! wrong, never panics, and one bad record never hides the good ones.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy_primitives::Address;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use polybot_wallets::discovery::{DiscoveryQuery, discover};
use polybot_wallets::poll::{Paging, fetch_window};
use polybot_wallets::{DataApi, WalletsConfig, WalletsError, WatchedWallet, fetch_positions};
use serde_json::{Value, json};

const WALLET: &str = "0x56687bf447db6ffa42ffe2204a05edaa20f55839";

/// What every route answers: a status and a raw body.
type Reply = Arc<Mutex<(StatusCode, String)>>;

async fn answer(State(reply): State<Reply>) -> (StatusCode, String) {
    reply.lock().unwrap().clone()
}

async fn fake() -> (String, Reply) {
    let reply: Reply = Arc::new(Mutex::new((StatusCode::OK, "[]".into())));
    let app = Router::new()
        .route("/trades", get(answer))
        .route("/positions", get(answer))
        .route("/v1/leaderboard", get(answer))
        .with_state(Arc::clone(&reply));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, reply)
}

fn set(reply: &Reply, status: StatusCode, body: Value) {
    *reply.lock().unwrap() = (status, body.to_string());
}

fn trade(tx_byte: u8, ts: i64) -> Value {
    json!({
        "proxyWallet": WALLET, "side": "BUY",
        "asset": "52114319501245915516055106046884209969926127482827954674443846427813813222426",
        "conditionId": format!("0x{}", "ab".repeat(32)), "size": 10, "price": 0.5, "timestamp": ts,
        "title": "t", "slug": "s", "icon": "", "eventSlug": "e", "outcome": "No", "outcomeIndex": 1,
        "transactionHash": format!("0x{}", format!("{tx_byte:02x}").repeat(32)),
    })
}

fn paging() -> Paging {
    Paging {
        page_limit: 100,
        max_pages: 3,
    }
}

fn wallet() -> Address {
    WALLET.parse().unwrap()
}

#[tokio::test]
async fn a_bad_record_is_rejected_by_field_and_the_rest_of_the_page_kept() {
    let (url, reply) = fake().await;
    let api = DataApi::new(&url, &common::http()).unwrap();
    let now = polybot_wallets::now_ms() / 1000;
    let mut bad = trade(2, now);
    bad["price"] = json!(1.5);
    let mut contradicting = trade(3, now);
    contradicting["outcome"] = json!("Yes");
    set(
        &reply,
        StatusCode::OK,
        json!([trade(1, now), bad, contradicting]),
    );
    let fetch = fetch_window(&api, wallet(), 0, paging()).await.unwrap();
    assert_eq!(fetch.trades.len(), 1);
    let fields: Vec<&str> = fetch.rejected.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["price", "outcomeIndex"]);
}

#[tokio::test]
async fn bodies_the_sdk_cannot_read_are_errors_not_panics() {
    let (url, reply) = fake().await;
    let api = DataApi::new(&url, &common::http()).unwrap();
    let mut broken = trade(1, 1_700_000_000);
    broken["transactionHash"] = json!("not-a-hash");
    let cases = [
        (StatusCode::OK, json!([broken])),
        (StatusCode::OK, json!({"unexpected": "object"})),
        (StatusCode::OK, json!([{"proxyWallet": WALLET}])),
        (StatusCode::OK, Value::Null),
        (StatusCode::BAD_REQUEST, json!({"error": "invalid user"})),
        (StatusCode::INTERNAL_SERVER_ERROR, json!({"error": "boom"})),
    ];
    for (status, body) in cases {
        set(&reply, status, body.clone());
        let err = fetch_window(&api, wallet(), 0, paging()).await.unwrap_err();
        assert!(matches!(err, WalletsError::Connector(_)), "{body}: {err}");
        assert!(
            err.to_string().contains("data_trades"),
            "the error names the call: {err}"
        );
    }
    set(
        &reply,
        StatusCode::OK,
        json!([{"rank": "first", "proxyWallet": WALLET, "vol": 1, "pnl": 1}]),
    );
    let q = DiscoveryQuery::from_config(&WalletsConfig::default());
    assert!(matches!(
        discover(&api, &q).await,
        Err(WalletsError::Connector(_))
    ));
    set(&reply, StatusCode::OK, json!([{"size": "lots"}]));
    assert!(matches!(
        fetch_positions(&api, wallet(), 10).await,
        Err(WalletsError::Connector(_))
    ));
}

#[tokio::test]
async fn leaderboard_and_positions_records_with_bad_values_are_rejected_by_field() {
    let (url, reply) = fake().await;
    let api = DataApi::new(&url, &common::http()).unwrap();
    set(
        &reply,
        StatusCode::OK,
        json!([
            {"rank": "1", "proxyWallet": WALLET, "userName": "a", "vol": 1000, "pnl": 50},
            {"rank": "-2", "proxyWallet": "0x00000000000000000000000000000000000000bb", "vol": 10, "pnl": 5},
        ]),
    );
    let q = DiscoveryQuery {
        limit: 2,
        ..DiscoveryQuery::from_config(&WalletsConfig::default())
    };
    let found = discover(&api, &q).await.unwrap();
    assert_eq!(found.candidates.len(), 1);
    assert_eq!(found.rejected[0].field, "rank");
    let position = json!({
        "proxyWallet": WALLET, "asset": "5", "conditionId": format!("0x{}", "ab".repeat(32)),
        "size": 10, "avgPrice": 1.7, "initialValue": 5, "currentValue": 6, "cashPnl": 1,
        "percentPnl": 20, "totalBought": 10, "realizedPnl": 0, "percentRealizedPnl": 0,
        "curPrice": 0.6, "redeemable": false, "mergeable": false, "title": "t", "slug": "s",
        "icon": "", "eventSlug": "e", "eventId": "", "outcome": "Yes", "outcomeIndex": 0,
        "oppositeOutcome": "No", "oppositeAsset": "6", "endDate": "", "negativeRisk": false,
    });
    set(&reply, StatusCode::OK, json!([position]));
    let fetched = fetch_positions(&api, wallet(), 10).await.unwrap();
    assert!(fetched.positions.is_empty());
    assert_eq!(fetched.rejected[0].field, "avgPrice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tracker_fed_garbage_keeps_running_and_reports_it() {
    let (url, reply) = fake().await;
    set(&reply, StatusCode::OK, json!("garbage"));
    let config = WalletsConfig {
        watch: vec![WatchedWallet {
            address: WALLET.into(),
            label: None,
        }],
        poll_interval_ms: 200,
        overlap_secs: 5,
        ..WalletsConfig::default()
    };
    let api = DataApi::new(&url, &common::http()).unwrap();
    let (tracker, mut rx) = polybot_wallets::start(&config, api).unwrap();
    let ok = common::eventually(Duration::from_secs(5), || tracker.stats().poll_errors >= 2).await;
    assert!(ok, "{:?}", tracker.stats());
    assert!(!tracker.is_ready(), "no baseline without a successful poll");
    assert!(tracker.stats().last_error.unwrap().contains("data_trades"));
    // The venue recovers: the tracker becomes ready, then emits a new fill.
    set(&reply, StatusCode::OK, json!([]));
    tokio::time::timeout(Duration::from_secs(5), tracker.ready())
        .await
        .unwrap();
    set(
        &reply,
        StatusCode::OK,
        json!([trade(9, polybot_wallets::now_ms() / 1000)]),
    );
    let got = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.trade.outcome_index, 1);
}
