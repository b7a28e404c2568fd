//! The trade lifecycle and venue faults: the user channel, ghost fills, the heartbeat
//! dead-man switch and the matching engine's 425 restart window.

mod trading_support;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use polybot_fakex::TradeStatus;
use polymarket_client_sdk_v2::auth::ExposeSecret as _;
use polymarket_client_sdk_v2::clob::types::{OrderType, Side};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use trading_support::{eventually, limit, start, trader, two_sided};

#[tokio::test]
async fn user_channel_sees_placement_trades_and_cancellation() {
    let fx = start().await;
    let t = trader(&fx).await;
    let (token, book) = two_sided(&fx);
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("{}/ws/user", fx.ws_url()))
        .await
        .unwrap();
    let creds = t.client.credentials();
    let sub = json!({"type": "user", "operation": "subscribe", "markets": [], "assets_ids": [], "initial_dump": true,
        "auth": {"apiKey": creds.key().to_string(), "secret": creds.secret().expose_secret(), "passphrase": creds.passphrase().expose_secret()}});
    ws.send(Message::Text(sub.to_string().into()))
        .await
        .unwrap();
    ws.send(Message::Text("PING".into())).await.unwrap();
    let mut seen: Vec<String> = Vec::new();
    let mut next = async || -> String {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            if let Message::Text(text) = msg {
                return text.to_string();
            }
        }
    };
    assert_eq!(next().await, "PONG");
    let bid = book.best_bid().unwrap();
    let rest = limit(&t, token, Side::Buy, bid.price, "5", OrderType::GTC, false).await;
    let ask = book.best_ask().unwrap();
    let _ = limit(&t, token, Side::Buy, ask.price, "5", OrderType::FAK, false).await;
    t.client.cancel_order(&rest.order_id).await.unwrap();
    while !(seen.contains(&"order:CANCELLATION".into()) && seen.contains(&"trade:CONFIRMED".into()))
    {
        let v: Value = serde_json::from_str(&next().await).unwrap();
        let kind = match v["event_type"].as_str() {
            Some("order") => format!("order:{}", v["type"].as_str().unwrap()),
            Some("trade") => format!("trade:{}", v["status"].as_str().unwrap()),
            other => panic!("unexpected {other:?}"),
        };
        seen.push(kind);
    }
    let pos = |k: &str| {
        seen.iter()
            .position(|s| s == k)
            .unwrap_or_else(|| panic!("{k} missing in {seen:?}"))
    };
    assert!(pos("order:PLACEMENT") < pos("order:CANCELLATION"));
    assert!(pos("trade:MATCHED") < pos("trade:MINED"));
    assert!(pos("trade:MINED") < pos("trade:CONFIRMED"));
}

#[tokio::test]
async fn ghost_fill_reverts_balances() {
    let fx = start().await;
    let t = trader(&fx).await;
    let (token, book) = two_sided(&fx);
    fx.exchange().inject_ghost_fill_next(&t.key);
    let ask = book.best_ask().unwrap();
    let r = limit(&t, token, Side::Buy, ask.price, "5", OrderType::FAK, false).await;
    assert!(r.success, "{r:?}");
    let matched = fx.exchange().account(&t.key);
    assert!(matched.cash < 10_000_000_000);
    assert_eq!(matched.positions.get(&token).copied(), Some(5_000_000));
    eventually(|| {
        fx.exchange()
            .account(&t.key)
            .trades
            .iter()
            .all(|tr| tr.status == TradeStatus::Failed)
    })
    .await;
    let failed = fx.exchange().account(&t.key);
    assert_eq!(failed.cash, 10_000_000_000);
    assert!(failed.positions.is_empty());
}

#[tokio::test]
async fn heartbeat_stop_cancels_everything() {
    let fx = start().await;
    let t = trader(&fx).await;
    let (token, book) = two_sided(&fx);
    let beat = t.client.post_heartbeat(None).await.expect("heartbeat");
    let again = t
        .client
        .post_heartbeat(Some(beat.heartbeat_id))
        .await
        .expect("chained heartbeat");
    assert_ne!(again.heartbeat_id, beat.heartbeat_id);
    let bid = book.best_bid().unwrap();
    limit(&t, token, Side::Buy, bid.price, "5", OrderType::GTC, false).await;
    assert_eq!(fx.exchange().open_orders(&t.key).len(), 1);
    eventually(|| fx.exchange().open_orders(&t.key).is_empty()).await;
    assert_eq!(
        fx.exchange()
            .book(token)
            .unwrap()
            .depth_at(polybot_model::BookSide::Bid, bid.price),
        bid.size
    );
}

#[tokio::test]
async fn restart_window_answers_425() {
    let fx = start().await;
    let t = trader(&fx).await;
    let (token, book) = two_sided(&fx);
    let bid = book.best_bid().unwrap();
    fx.exchange().set_restart_window(Duration::from_millis(300));
    let order = t
        .client
        .limit_order()
        .token_id(token.0)
        .side(Side::Buy)
        .price(trading_support::dec(bid.price))
        .size(trading_support::dec("5"))
        .build()
        .await
        .unwrap();
    let signed = t.client.sign(&t.signer, order).await.unwrap();
    let err = t
        .client
        .post_order(signed)
        .await
        .expect_err("425 while restarting");
    assert!(err.to_string().contains("425"), "{err}");
    tokio::time::sleep(Duration::from_millis(350)).await;
    let r = limit(&t, token, Side::Buy, bid.price, "5", OrderType::GTC, false).await;
    assert!(r.success);
}

#[tokio::test]
async fn simulated_trades_consume_the_queue_then_fill_the_resting_order() {
    let fx = start().await;
    let t = trader(&fx).await;
    let (token, book) = two_sided(&fx);
    let bid = book.best_bid().unwrap();
    limit(&t, token, Side::Buy, bid.price, "5", OrderType::GTC, false).await;
    let ex = fx.exchange();
    let queued = ex.open_orders(&t.key)[0].ahead;
    assert_eq!(queued, bid.size.micros());
    for _ in 0..400 {
        if !ex.account(&t.key).trades.is_empty() || ex.open_orders(&t.key).is_empty() {
            break;
        }
        ex.step(5);
    }
    let view = ex.account(&t.key);
    if let Some(trade) = view.trades.first() {
        assert_eq!(trade.trader_side, "MAKER");
        assert_eq!(trade.fee, 0);
        assert!(view.positions.get(&token).copied().unwrap_or(0) > 0);
    }
}
