//! The CLOB REST API, exercised through Polymarket's SDK: every response must deserialize
//! unchanged and agree with the exchange's own state.

mod common;

use std::collections::HashSet;

use common::{dec, price, size, u256};
use polybot_model::{BookSide, TokenId};
use polymarket_client_sdk_v2::clob::types::request::{
    LastTradePriceRequest, MidpointRequest, OrderBookSummaryRequest, PriceHistoryRequest,
    PriceRequest, SpreadRequest,
};
use polymarket_client_sdk_v2::clob::types::{Interval, Side, TimeRange};
use polymarket_client_sdk_v2::clob::{Client, Config};
use polymarket_client_sdk_v2::error::Status;
use polymarket_client_sdk_v2::types::Decimal;

fn book_request(token: TokenId) -> OrderBookSummaryRequest {
    OrderBookSummaryRequest::builder()
        .token_id(u256(token))
        .build()
}

#[tokio::test]
async fn health_time_and_version() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let client = Client::new(&fx.clob_url(), Config::default()).unwrap();
    assert_eq!(client.ok().await.unwrap(), "OK");
    let now = chrono::Utc::now().timestamp();
    let server = client.server_time().await.unwrap();
    assert!((server - now).abs() <= 5, "server time {server} vs {now}");
    assert_eq!(client.version().await.unwrap(), 2);
    fx.shutdown().await;
}

#[tokio::test]
async fn rest_books_equal_the_exchange_books() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let ex = fx.exchange();
    ex.step(500);
    let client = Client::new(&fx.clob_url(), Config::default()).unwrap();
    let tokens = ex.token_ids();
    assert!(
        tokens.len() > 500,
        "seeded markets have live books: {}",
        tokens.len()
    );
    for &token in tokens.iter().step_by(97).take(8) {
        let rest = client.order_book(&book_request(token)).await.unwrap();
        let book = ex.book(token).unwrap();
        assert_eq!(rest.asset_id, u256(token));
        assert_eq!(rest.timestamp.timestamp_millis(), book.timestamp_ms());
        assert_eq!(
            rest.tick_size.as_decimal().normalize().to_string(),
            book.tick_size().as_str()
        );
        let bids: Vec<_> = rest
            .bids
            .iter()
            .map(|l| (price(l.price), size(l.size)))
            .collect();
        let asks: Vec<_> = rest
            .asks
            .iter()
            .map(|l| (price(l.price), size(l.size)))
            .collect();
        let want = |side| {
            book.side(side)
                .iter()
                .map(|l| (l.price, l.size))
                .collect::<Vec<_>>()
        };
        assert_eq!(bids, want(BookSide::Bid), "bids worst first (ascending)");
        assert_eq!(asks, want(BookSide::Ask), "asks worst first (descending)");
        assert!(bids.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(asks.windows(2).all(|w| w[0].0 > w[1].0));
        assert!(rest.last_trade_price.is_some());
    }
    let batch: Vec<_> = tokens.iter().take(3).map(|t| book_request(*t)).collect();
    let books = client.order_books(&batch).await.unwrap();
    assert_eq!(books.len(), 3);
    assert_eq!(books[2].asset_id, u256(tokens[2]));
    fx.shutdown().await;
}

fn price_request(token: TokenId, side: Side) -> PriceRequest {
    PriceRequest::builder()
        .token_id(u256(token))
        .side(side)
        .build()
}

fn decimal(p: polybot_model::Price) -> Decimal {
    dec(&p.to_string())
}

#[tokio::test]
async fn price_midpoint_and_spread_of_one_token() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let ex = fx.exchange();
    let client = Client::new(&fx.clob_url(), Config::default()).unwrap();
    let token = ex.token_ids()[0];
    let book = ex.book(token).unwrap();
    let (bid, ask) = (
        book.best_bid().unwrap().price,
        book.best_ask().unwrap().price,
    );
    let buy = client
        .price(&price_request(token, Side::Buy))
        .await
        .unwrap();
    let sell = client
        .price(&price_request(token, Side::Sell))
        .await
        .unwrap();
    assert_eq!(
        (price(buy.price), price(sell.price)),
        (bid, ask),
        "BUY → best bid, SELL → best ask"
    );
    let mid = client
        .midpoint(&MidpointRequest::builder().token_id(u256(token)).build())
        .await
        .unwrap();
    assert_eq!(mid.mid, (decimal(bid) + decimal(ask)) / dec("2"));
    let spread = client
        .spread(&SpreadRequest::builder().token_id(u256(token)).build())
        .await
        .unwrap();
    assert_eq!(spread.spread, decimal(ask) - decimal(bid));
    let last = LastTradePriceRequest::builder()
        .token_id(u256(token))
        .build();
    let last = client.last_trade_price(&last).await.unwrap();
    assert!(last.price > dec("0") && last.price < dec("1"));
    fx.shutdown().await;
}

#[tokio::test]
async fn batch_prices_midpoints_and_spreads() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let client = Client::new(&fx.clob_url(), Config::default()).unwrap();
    let tokens: Vec<TokenId> = fx.exchange().token_ids().into_iter().take(4).collect();
    let mids: Vec<_> = tokens
        .iter()
        .map(|t| MidpointRequest::builder().token_id(u256(*t)).build())
        .collect();
    assert_eq!(client.midpoints(&mids).await.unwrap().midpoints.len(), 4);
    let prices: Vec<_> = tokens
        .iter()
        .map(|t| price_request(*t, Side::Buy))
        .collect();
    assert_eq!(
        client.prices(&prices).await.unwrap().prices.unwrap().len(),
        4
    );
    let spreads: Vec<_> = tokens
        .iter()
        .map(|t| SpreadRequest::builder().token_id(u256(*t)).build())
        .collect();
    assert_eq!(
        client
            .spreads(&spreads)
            .await
            .unwrap()
            .spreads
            .unwrap()
            .len(),
        4
    );
    let lasts: Vec<_> = tokens
        .iter()
        .map(|t| LastTradePriceRequest::builder().token_id(u256(*t)).build())
        .collect();
    let lasts = client.last_trades_prices(&lasts).await.unwrap();
    assert_eq!(
        lasts.iter().map(|l| l.token_id).collect::<Vec<_>>(),
        tokens.iter().map(|t| u256(*t)).collect::<Vec<_>>()
    );
    fx.shutdown().await;
}

#[tokio::test]
async fn market_parameters() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let ex = fx.exchange();
    let client = Client::new(&fx.clob_url(), Config::default()).unwrap();
    let token = ex.token_ids()[0];
    let book = ex.book(token).unwrap();
    let tick = client.tick_size(u256(token)).await.unwrap();
    assert_eq!(
        tick.minimum_tick_size.as_decimal().normalize().to_string(),
        book.tick_size().as_str()
    );
    client.neg_risk(u256(token)).await.unwrap();
    client.fee_rate_bps(u256(token)).await.unwrap();
    let by_token = client.market_by_token(u256(token)).await.unwrap();
    let info = client
        .clob_market_info(&by_token.condition_id.to_string())
        .await
        .unwrap();
    assert_eq!(info.condition_id, by_token.condition_id);
    assert!(
        info.tokens
            .iter()
            .flatten()
            .any(|t| t.token_id == u256(token))
    );
    let market = client
        .market(&by_token.condition_id.to_string())
        .await
        .unwrap();
    assert!(market.tokens.iter().any(|t| t.token_id == u256(token)));
    assert!(market.active && !market.closed && market.accepting_orders);
    fx.shutdown().await;
}

#[tokio::test]
async fn price_history_is_anchored_to_the_current_price() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let ex = fx.exchange();
    let client = Client::new(&fx.clob_url(), Config::default()).unwrap();
    let token = ex.token_ids()[0];
    let day = PriceHistoryRequest::builder()
        .market(u256(token))
        .time_range(Interval::OneDay)
        .fidelity(60)
        .build();
    let history = client.price_history(&day).await.unwrap().history;
    assert!(
        (20..=30).contains(&history.len()),
        "hourly points over a day: {}",
        history.len()
    );
    assert!(history.windows(2).all(|w| w[0].t < w[1].t));
    let now = chrono::Utc::now().timestamp();
    assert!(
        history
            .iter()
            .all(|p| p.t >= now - 86_400 - 5 && p.t <= now)
    );
    let max = PriceHistoryRequest::builder()
        .market(u256(token))
        .time_range(Interval::Max)
        .build();
    let all = client.price_history(&max).await.unwrap().history;
    assert!(all.len() > history.len());
    let range = PriceHistoryRequest::builder()
        .market(u256(token))
        .time_range(TimeRange::from_range(now - 3_600, now))
        .build();
    let hour = client.price_history(&range).await.unwrap().history;
    assert!(hour.iter().all(|p| p.t >= now - 3_600));
    // The complementary outcome's history mirrors the first outcome's.
    let other = ex.token_ids()[1];
    let day_other = PriceHistoryRequest::builder()
        .market(u256(other))
        .time_range(Interval::OneDay)
        .fidelity(60)
        .build();
    let mirrored = client.price_history(&day_other).await.unwrap().history;
    assert_eq!(mirrored.len(), history.len());
    assert_eq!(mirrored[0].p + history[0].p, dec("1"));
    fx.shutdown().await;
}

#[tokio::test]
async fn market_pages_list_every_market_once() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let client = Client::new(&fx.clob_url(), Config::default()).unwrap();
    let mut seen = HashSet::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = client.markets(cursor.clone()).await.unwrap();
        pages += 1;
        assert_eq!(page.count as usize, page.data.len());
        for m in &page.data {
            assert!(seen.insert(m.condition_id.unwrap()), "listed twice");
        }
        if page.next_cursor == "LTE=" {
            break;
        }
        cursor = Some(page.next_cursor);
        assert!(pages < 100, "pagination terminates");
    }
    assert!(pages >= 2, "more markets than one page");
    assert!(
        seen.len() > 1_500,
        "recorded Gamma + CLOB markets merged: {}",
        seen.len()
    );
    let sampling = client.sampling_markets(None).await.unwrap();
    assert!(!sampling.data.is_empty());
    assert!(
        sampling
            .data
            .iter()
            .all(|m| m.active && !m.closed && m.accepting_orders)
    );
    let simplified = client.simplified_markets(None).await.unwrap();
    assert_eq!(simplified.data.len(), 1000);
    fx.shutdown().await;
}

#[tokio::test]
async fn unknown_tokens_and_bad_parameters_are_errors() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let client = Client::new(&fx.clob_url(), Config::default()).unwrap();
    let unknown = TokenId::parse("12345").unwrap();
    let err = client.order_book(&book_request(unknown)).await.unwrap_err();
    let status = err.downcast_ref::<Status>().expect("an HTTP status error");
    assert_eq!(status.status_code.as_u16(), 404);
    assert!(
        status
            .message
            .contains("No orderbook exists for the requested token id")
    );

    let http = reqwest_get(&format!("{}/book?token_id=not-a-number", fx.clob_url())).await;
    assert_eq!(http.0, 400);
    assert!(http.1.contains("token_id"), "{}", http.1);
    let http = reqwest_get(&format!("{}/markets?next_cursor=%%%", fx.clob_url())).await;
    assert_eq!(http.0, 400);
    let http = reqwest_get(&format!("{}/no/such/path", fx.clob_url())).await;
    assert_eq!(http.0, 404);
    fx.shutdown().await;
}

/// A plain GET over a raw TCP connection (the SDK cannot send malformed requests).
pub async fn reqwest_get(url: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}
