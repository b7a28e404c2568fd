//! The market WebSocket at the frame level (a plain WebSocket client, not the SDK): wire
//! formats, per-connection filtering, the 500-asset limit, stalls, disconnects and injected
//! garbage.

mod common;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use polybot_fakex::{FakexConfig, FakexHandle, Faults};
use polybot_model::TokenId;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn connect(fx: &FakexHandle, path: &str) -> Ws {
    connect_async(format!("{}{path}", fx.ws_url()))
        .await
        .expect("ws connects")
        .0
}

async fn send(ws: &mut Ws, text: impl Into<String>) {
    ws.send(Message::text(text.into())).await.unwrap();
}

/// What arrived within `wait`.
#[derive(Debug)]
enum Got {
    Text(String),
    Closed,
    Nothing,
}

async fn recv(ws: &mut Ws, wait: Duration) -> Got {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return Got::Nothing,
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return Got::Closed,
            Ok(Some(Ok(Message::Text(t)))) => return Got::Text(t.to_string()),
            Ok(Some(Ok(_))) => {}
        }
    }
}

async fn recv_json(ws: &mut Ws) -> Value {
    match recv(ws, Duration::from_secs(5)).await {
        Got::Text(t) => serde_json::from_str(&t).unwrap_or_else(|_| panic!("JSON frame, got {t}")),
        other => panic!("expected a frame, got {other:?}"),
    }
}

/// Every frame arriving within `wait`.
async fn drain(ws: &mut Ws, wait: Duration) -> Vec<String> {
    let mut out = Vec::new();
    while let Got::Text(t) = recv(ws, wait).await {
        out.push(t);
    }
    out
}

fn subscribe(assets: &[TokenId]) -> String {
    let ids: Vec<String> = assets.iter().map(ToString::to_string).collect();
    json!({"type": "market", "operation": "subscribe", "markets": [], "assets_ids": ids, "initial_dump": true}).to_string()
}

/// The distinct assets a frame concerns.
fn assets_of(frame: &Value) -> Vec<String> {
    let mut out: Vec<String> = frame["asset_id"]
        .as_str()
        .map(str::to_owned)
        .into_iter()
        .collect();
    if let Some(changes) = frame["price_changes"].as_array() {
        out.extend(
            changes
                .iter()
                .filter_map(|c| c["asset_id"].as_str().map(str::to_owned)),
        );
    }
    out.sort();
    out.dedup();
    out
}

/// A well-formed market event about at least one asset.
fn is_event(v: &Value) -> bool {
    v["event_type"].is_string()
        && v["timestamp"].is_string()
        && !assets_of(v).is_empty()
        && assets_of(v).iter().all(|a| TokenId::parse(a).is_ok())
}

#[tokio::test]
async fn ping_pong_and_the_legacy_subscribe_form() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let token = fx.exchange().token_ids()[0];
    let mut ws = connect(&fx, "/ws/market").await;
    send(&mut ws, "PING").await;
    assert!(matches!(recv(&mut ws, Duration::from_secs(5)).await, Got::Text(t) if t == "PONG"));
    // The older form without `operation` subscribes.
    send(
        &mut ws,
        json!({"assets_ids": [token.to_string()], "type": "market"}).to_string(),
    )
    .await;
    let book = recv_json(&mut ws).await;
    assert_eq!(book["event_type"], "book");
    assert_eq!(book["asset_id"], token.to_string());
    assert!(
        book["timestamp"].is_string(),
        "venue timestamps are strings"
    );
    assert!(book["hash"].as_str().is_some_and(|h| h.len() == 40));
    let bids: Vec<f64> = book["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["price"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        bids.windows(2).all(|w| w[0] < w[1]),
        "bids ascending, like the venue"
    );
    fx.exchange().step(30);
    let updates = drain(&mut ws, Duration::from_millis(300)).await;
    assert!(!updates.is_empty());
    for u in &updates {
        let v: Value = serde_json::from_str(u).unwrap();
        assert!(v["timestamp"].is_string());
        assert!(
            ["price_change", "last_trade_price"].contains(&v["event_type"].as_str().unwrap()),
            "{u}"
        );
        assert!(
            v.get("best_bid").is_none(),
            "no custom-feature events without custom_feature_enabled"
        );
    }
    fx.shutdown().await;
}

#[tokio::test]
async fn connections_only_receive_their_assets_until_they_unsubscribe() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let ex = fx.exchange();
    let tokens = ex.token_ids();
    let (a_token, b_token) = (tokens[0], tokens[2]);
    let mut a = connect(&fx, "/ws/market").await;
    let mut b = connect(&fx, "/ws/market").await;
    send(&mut a, subscribe(&[a_token])).await;
    send(&mut b, subscribe(&[b_token])).await;
    recv_json(&mut a).await;
    recv_json(&mut b).await;
    assert_eq!(ex.ws_connection_count(), 2);
    ex.step(100);
    for (ws, token) in [(&mut a, a_token), (&mut b, b_token)] {
        let frames = drain(ws, Duration::from_millis(300)).await;
        assert!(!frames.is_empty(), "both subscribed tokens move");
        for f in frames {
            let v: Value = serde_json::from_str(&f).unwrap();
            assert_eq!(
                assets_of(&v),
                vec![token.to_string()],
                "only this connection's asset: {f}"
            );
        }
    }
    let unsub = json!({"type": "market", "operation": "unsubscribe", "markets": [], "assets_ids": [a_token.to_string()]});
    send(&mut a, unsub.to_string()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    ex.step(100);
    assert!(
        drain(&mut a, Duration::from_millis(300)).await.is_empty(),
        "nothing after unsubscribing"
    );
    assert!(!drain(&mut b, Duration::from_millis(300)).await.is_empty());
    drop(a);
    drop(b);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(ex.ws_connection_count(), 0);
    fx.shutdown().await;
}

#[tokio::test]
async fn more_than_500_assets_get_no_initial_books() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let tokens = fx.exchange().token_ids();
    let mut big = connect(&fx, "/ws/market").await;
    send(&mut big, subscribe(&tokens[..501])).await;
    assert!(matches!(
        recv(&mut big, Duration::from_millis(500)).await,
        Got::Nothing
    ));
    let mut small = connect(&fx, "/ws/market").await;
    send(&mut small, subscribe(&tokens[..500])).await;
    let books = drain(&mut small, Duration::from_millis(500)).await;
    assert_eq!(books.len(), 500);
    fx.shutdown().await;
}

#[tokio::test]
async fn stalled_connections_go_silent_and_new_ones_do_not() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let ex = fx.exchange();
    let token = ex.token_ids()[0];
    let mut old = connect(&fx, "/ws/market").await;
    send(&mut old, subscribe(&[token])).await;
    recv_json(&mut old).await;
    ex.set_stalled(true);
    send(&mut old, "PING").await;
    ex.step(20);
    assert!(
        matches!(
            recv(&mut old, Duration::from_millis(400)).await,
            Got::Nothing
        ),
        "silent, PING unanswered"
    );
    let mut fresh = connect(&fx, "/ws/market").await;
    send(&mut fresh, "PING").await;
    assert!(matches!(recv(&mut fresh, Duration::from_secs(5)).await, Got::Text(t) if t == "PONG"));
    ex.set_stalled(false);
    send(&mut old, "PING").await;
    assert!(matches!(recv(&mut old, Duration::from_secs(5)).await, Got::Text(t) if t == "PONG"));
    fx.shutdown().await;
}

#[tokio::test]
async fn the_user_channel_refuses_unknown_credentials_with_a_close_frame() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let mut ws = connect(&fx, "/ws/user").await;
    let auth = r#"{"type":"user","operation":"subscribe","markets":[],"assets_ids":[],"auth":{"apiKey":"00000000-0000-4000-8000-000000000000","secret":"x","passphrase":"y"}}"#;
    send(&mut ws, auth).await;
    assert!(matches!(
        recv(&mut ws, Duration::from_secs(5)).await,
        Got::Closed
    ));
    fx.shutdown().await;
}

async fn start_with(faults: Faults) -> FakexHandle {
    common::start(FakexConfig {
        faults,
        ..common::manual()
    })
    .await
}

#[tokio::test]
async fn periodic_disconnects_and_stalls_after_a_while() {
    let fx = start_with(Faults {
        ws_disconnect_every_secs: Some(1),
        ..Faults::default()
    })
    .await;
    let mut ws = connect(&fx, "/ws/market").await;
    assert!(matches!(
        recv(&mut ws, Duration::from_secs(3)).await,
        Got::Closed
    ));
    fx.shutdown().await;

    let fx = start_with(Faults {
        ws_stall_after_secs: Some(1),
        ..Faults::default()
    })
    .await;
    let mut ws = connect(&fx, "/ws/market").await;
    send(&mut ws, "PING").await;
    assert!(matches!(recv(&mut ws, Duration::from_secs(2)).await, Got::Text(t) if t == "PONG"));
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    send(&mut ws, "PING").await;
    assert!(matches!(
        recv(&mut ws, Duration::from_millis(500)).await,
        Got::Nothing
    ));
    fx.shutdown().await;
}

#[tokio::test]
async fn garbage_frames_come_in_addition_to_the_real_ones() {
    let fx = start_with(Faults {
        malformed_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let ex = fx.exchange();
    let token = ex.token_ids()[0];
    let mut ws = connect(&fx, "/ws/market").await;
    send(&mut ws, subscribe(&[token])).await;
    let book = recv_json(&mut ws).await;
    assert_eq!(book["event_type"], "book");
    ex.step(20);
    let frames = drain(&mut ws, Duration::from_millis(400)).await;
    let valid: Vec<Value> = frames
        .iter()
        .filter_map(|f| serde_json::from_str::<Value>(f).ok())
        .filter(is_event)
        .collect();
    assert!(
        valid.len() >= 20,
        "every real frame still arrives: {}",
        valid.len()
    );
    assert_eq!(
        frames.len(),
        valid.len() * 2 + 1,
        "one garbage frame after each real one (and the book)"
    );
    fx.shutdown().await;
}
