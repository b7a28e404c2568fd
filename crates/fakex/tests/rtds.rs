//! The RTDS activity stream and the wallet hooks: the subscribe protocol, PING/PONG, slug
//! filters, every tape trade pushed as it happens, injected fills (maker fills hidden from
//! `/trades` unless `takerOnly=false`), and deterministic styled wallets.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use polybot_fakex::{FakexConfig, FakexHandle, InjectedTrade};
use polybot_model::Side;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn fakex(seed: u64) -> FakexHandle {
    polybot_fakex::start(FakexConfig {
        base_port: 0,
        seed,
        seed_dir: None,
        sim_interval_ms: 0,
        generated_markets: 30,
        ..FakexConfig::default()
    })
    .await
    .unwrap()
}

async fn subscribe(fx: &FakexHandle, filters: Option<Value>) -> Ws {
    let (mut ws, _) = connect_async(fx.rtds_url()).await.unwrap();
    let mut sub = json!({"topic": "activity", "type": "trades"});
    if let Some(f) = filters {
        sub["filters"] = f;
    }
    let msg = json!({"action": "subscribe", "subscriptions": [sub]});
    ws.send(Message::text(msg.to_string())).await.unwrap();
    let ex = fx.exchange();
    for _ in 0..100 {
        if ex.activity_subscription_count() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    ws
}

/// Text frames arriving within `wait` of each other.
async fn drain(ws: &mut Ws, wait: Duration) -> Vec<String> {
    let mut out = Vec::new();
    while let Ok(Some(Ok(msg))) = tokio::time::timeout(wait, ws.next()).await {
        if let Message::Text(t) = msg {
            out.push(t.to_string());
        }
    }
    out
}

#[tokio::test]
async fn every_tape_trade_is_pushed_with_the_data_api_fields() {
    let fx = fakex(3).await;
    let mut ws = subscribe(&fx, None).await;
    // A simulated trade is one tape row, or two when a skilled wallet's resting order was
    // part of the level it traded against (a maker fill).
    let maker_fills = || {
        let ex = fx.exchange();
        ex.wallet_styles()
            .skilled
            .iter()
            .flat_map(|w| ex.wallet_trades(w))
            .filter(|t| !t.taker)
            .count() as u64
    };
    let (before, makers_before) = (fx.exchange().stats().trades_simulated, maker_fills());
    fx.exchange().step(300);
    let trades = fx.exchange().stats().trades_simulated - before;
    let frames = drain(&mut ws, Duration::from_millis(300)).await;
    assert_eq!(frames.len() as u64, trades + maker_fills() - makers_before);
    let m: Value = serde_json::from_str(&frames[0]).unwrap();
    assert_eq!(
        (m["topic"].as_str(), m["type"].as_str()),
        (Some("activity"), Some("trades"))
    );
    assert!(m["timestamp"].as_i64().unwrap() > 1_600_000_000_000, "ms");
    let p = &m["payload"];
    for key in [
        "proxyWallet",
        "asset",
        "conditionId",
        "side",
        "size",
        "price",
        "outcome",
        "outcomeIndex",
        "timestamp",
        "transactionHash",
        "slug",
        "eventSlug",
        "title",
        "pseudonym",
    ] {
        assert!(p.get(key).is_some(), "payload has {key}: {p}");
    }
    let wallet = p["proxyWallet"].as_str().unwrap();
    let tape = fx.exchange().wallet_trades(wallet);
    assert!(
        tape.iter()
            .any(|t| t.tx_hash == p["transactionHash"].as_str().unwrap())
    );

    ws.send(Message::text("PING")).await.unwrap();
    let pong = drain(&mut ws, Duration::from_millis(300)).await;
    assert_eq!(pong, ["PONG"]);
    fx.shutdown().await;
}

#[tokio::test]
async fn slug_filters_and_unsubscribe() {
    let fx = fakex(4).await;
    let mut all = subscribe(&fx, None).await;
    fx.exchange().step(100);
    let first: Value =
        serde_json::from_str(&drain(&mut all, Duration::from_millis(200)).await[0]).unwrap();
    let slug = first["payload"]["slug"].as_str().unwrap().to_owned();
    let filter = json!({"market_slug": slug}).to_string();
    let mut one = subscribe(&fx, Some(Value::String(filter))).await;
    fx.exchange().step(1_000);
    let frames = drain(&mut one, Duration::from_millis(300)).await;
    for f in &frames {
        let v: Value = serde_json::from_str(f).unwrap();
        assert_eq!(v["payload"]["slug"].as_str(), Some(slug.as_str()));
    }
    let unsubscribe = json!({"action": "unsubscribe", "subscriptions": [{"topic": "activity", "type": "trades"}]});
    all.send(Message::text(unsubscribe.to_string()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    drain(&mut all, Duration::from_millis(100)).await;
    fx.exchange().step(200);
    assert!(drain(&mut all, Duration::from_millis(200)).await.is_empty());
    fx.shutdown().await;
}

#[tokio::test]
async fn injected_fills_are_ordered_pushed_and_maker_fills_need_taker_only_false() {
    let fx = fakex(5).await;
    fx.exchange().step(200);
    let mut ws = subscribe(&fx, None).await;
    let ex = fx.exchange();
    let token = ex.token_ids()[1];
    let wallet = "0x00000000000000000000000000000000000000Ab";
    let old = chrono::Utc::now().timestamp() - 3_600;
    let inject = |taker, ts| InjectedTrade {
        wallet: wallet.into(),
        token,
        side: Side::Buy,
        size: 5.0,
        price: 0.25,
        timestamp_s: ts,
        taker,
    };
    let maker_tx = ex.inject_wallet_trade(&inject(false, old)).unwrap();
    let taker_tx = ex.inject_wallet_trade(&inject(true, old + 10)).unwrap();
    assert!(
        ex.inject_wallet_trade(&InjectedTrade {
            price: 1.5,
            ..inject(true, old)
        })
        .is_none()
    );
    let pushed = drain(&mut ws, Duration::from_millis(200)).await;
    assert_eq!(pushed.len(), 2, "both fills pushed as they are injected");
    let tape = ex.wallet_trades(wallet);
    assert_eq!(
        tape.iter().map(|t| t.tx_hash.as_str()).collect::<Vec<_>>(),
        [&maker_tx, &taker_tx]
    );
    assert!(!tape[0].taker && tape[1].taker);
    assert_eq!(tape[0].outcome_index, 1);

    let url = |q: &str| format!("{}/trades?user={}{q}", fx.data_url(), wallet.to_lowercase());
    let get = |u: String| async move { reqwest_get(&u).await };
    assert_eq!(
        get(url("")).await.len(),
        1,
        "the venue's default is takerOnly=true"
    );
    assert_eq!(get(url("&takerOnly=false")).await.len(), 2);
    // All trades are still newest first, the injected ones where their timestamps put them.
    let all = get(format!(
        "{}/trades?limit=10000&takerOnly=false",
        fx.data_url()
    ))
    .await;
    assert!(
        all.windows(2)
            .all(|w| w[0]["timestamp"].as_i64() >= w[1]["timestamp"].as_i64())
    );
    fx.shutdown().await;
}

/// A GET through a raw TCP connection (fakex's tests have no HTTP client of their own).
async fn reqwest_get(url: &str) -> Vec<Value> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = TcpStream::connect(host).await.unwrap();
    let req = format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).await.unwrap();
    let body = text.split_once("\r\n\r\n").unwrap().1;
    let json = if text
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body.lines()
            .filter(|l| l.starts_with('[') || l.starts_with('{'))
            .collect::<String>()
    } else {
        body.to_owned()
    };
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

#[tokio::test]
async fn styled_wallets_are_deterministic_and_trade() {
    let (a, b) = (fakex(9).await, fakex(9).await);
    let styles = a.exchange().wallet_styles();
    assert_eq!(styles, b.exchange().wallet_styles());
    assert_eq!((styles.skilled.len(), styles.scalpers.len()), (4, 3));
    a.exchange().step(3_000);
    b.exchange().step(3_000);
    for w in styles.skilled.iter().chain(&styles.scalpers) {
        let (ta, tb) = (a.exchange().wallet_trades(w), b.exchange().wallet_trades(w));
        assert!(!ta.is_empty(), "{w} trades");
        assert_eq!(
            ta.iter().map(|t| &t.tx_hash).collect::<Vec<_>>(),
            tb.iter().map(|t| &t.tx_hash).collect::<Vec<_>>()
        );
    }
    for w in &styles.scalpers {
        let trades = a.exchange().wallet_trades(w);
        assert!(trades.iter().all(|t| t.size <= 25.0), "scalpers trade tiny");
    }
    a.shutdown().await;
    b.shutdown().await;
}
