//! The market WebSocket through Polymarket's SDK: snapshots, incremental updates that
//! reproduce the exchange's books exactly, tick size changes, custom-feature events,
//! resolution, and reconnection after a server-side close.

mod common;

use std::time::Duration;

use common::{price, size, u256};
use futures::{Stream, StreamExt};
use polybot_model::{BookSide, Level, OrderBook, TickSize, TokenId};
use polymarket_client_sdk_v2::clob::types::Side;
use polymarket_client_sdk_v2::clob::types::request::OrderBookSummaryRequest;
use polymarket_client_sdk_v2::clob::ws::Client as WsClient;
use polymarket_client_sdk_v2::clob::ws::types::response::{BookUpdate, PriceChange};
use polymarket_client_sdk_v2::ws::config::Config;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(10);

async fn next<T, S: Stream<Item = polymarket_client_sdk_v2::Result<T>> + Unpin>(
    stream: &mut S,
) -> T {
    timeout(WAIT, stream.next())
        .await
        .expect("a message in time")
        .expect("stream open")
        .expect("valid message")
}

fn local_book(update: &BookUpdate, tick: TickSize) -> OrderBook {
    let mut book = OrderBook::new(TokenId(update.asset_id), tick);
    let levels = |v: &[polymarket_client_sdk_v2::clob::ws::types::response::OrderBookLevel]| {
        v.iter()
            .map(|l| Level::new(price(l.price), size(l.size)))
            .collect::<Vec<_>>()
    };
    book.apply_snapshot(levels(&update.bids), levels(&update.asks), update.timestamp);
    book
}

fn apply(book: &mut OrderBook, change: &PriceChange) {
    let asset = book.token_id().0;
    let mut touched = false;
    for c in change.price_changes.iter().filter(|c| c.asset_id == asset) {
        let side = if c.side == Side::Buy {
            BookSide::Bid
        } else {
            BookSide::Ask
        };
        book.set_level(side, price(c.price), size(c.size.expect("sizes are sent")));
        touched = true;
    }
    if touched {
        book.set_timestamp(change.timestamp);
    }
}

fn same_levels(a: &OrderBook, b: &OrderBook) -> bool {
    a.bids() == b.bids() && a.asks() == b.asks()
}

/// Receives `n` snapshots and checks each equals the exchange's book.
async fn initial_books<S>(ex: &polybot_fakex::Exchange, books: &mut S, n: usize) -> Vec<OrderBook>
where
    S: Stream<Item = polymarket_client_sdk_v2::Result<BookUpdate>> + Unpin,
{
    let mut local = Vec::new();
    for _ in 0..n {
        let update = next(books).await;
        let exchange_book = ex.book(TokenId(update.asset_id)).unwrap();
        let book = local_book(&update, exchange_book.tick_size());
        assert!(
            same_levels(&book, &exchange_book),
            "initial book equals the exchange book"
        );
        local.push(book);
    }
    local
}

#[tokio::test]
async fn snapshot_plus_updates_reproduce_the_exchange_book() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let ex = fx.exchange();
    let tokens: Vec<_> = ex.token_ids().into_iter().take(2).map(u256).collect();
    let client = WsClient::new(&fx.ws_url(), Config::default()).unwrap();
    let mut books = Box::pin(client.subscribe_orderbook(tokens.clone()).unwrap());
    let mut changes = Box::pin(client.subscribe_prices(tokens).unwrap());
    let mut local = initial_books(&ex, &mut books, 2).await;
    ex.step(50);
    let synced = |b: &OrderBook| {
        let want = ex.book(b.token_id()).unwrap();
        same_levels(b, &want) && b.timestamp_ms() == want.timestamp_ms()
    };
    let mut received = 0;
    let deadline = tokio::time::Instant::now() + WAIT;
    while !local.iter().all(synced) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "updates reproduce the book"
        );
        let change = next(&mut changes).await;
        assert!(
            change
                .price_changes
                .iter()
                .all(|c| c.best_bid.is_some() && c.best_ask.is_some())
        );
        local.iter_mut().for_each(|b| apply(b, &change));
        received += 1;
    }
    assert!(
        received >= 50,
        "every event of a binary market updates both outcomes: {received}"
    );
    local
        .iter()
        .for_each(|b| polybot_fakex::check_book(b).unwrap());
    assert!(ex.stats().ws_messages_sent >= 52);
    fx.shutdown().await;
}

#[tokio::test]
async fn tick_size_change_is_followed_by_a_fresh_book() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let ex = fx.exchange();
    let token = ex.token_ids()[0];
    let old = ex.book(token).unwrap().tick_size();
    let new = if old == TickSize::Hundredth {
        TickSize::Thousandth
    } else {
        TickSize::Hundredth
    };
    let client = WsClient::new(&fx.ws_url(), Config::default()).unwrap();
    let mut books = Box::pin(client.subscribe_orderbook(vec![u256(token)]).unwrap());
    let mut ticks = Box::pin(
        client
            .subscribe_tick_size_change(vec![u256(token)])
            .unwrap(),
    );
    next(&mut books).await;
    ex.set_tick_size(token, new);
    let change = next(&mut ticks).await;
    assert_eq!(change.old_tick_size.normalize().to_string(), old.as_str());
    assert_eq!(change.new_tick_size.normalize().to_string(), new.as_str());
    let fresh = next(&mut books).await;
    let book = ex.book(token).unwrap();
    assert_eq!(book.tick_size(), new);
    assert!(same_levels(&local_book(&fresh, new), &book));
    polybot_fakex::check_book(&book).unwrap();
    ex.step(200);
    polybot_fakex::check_book(&ex.book(token).unwrap()).unwrap();
    let rest =
        polymarket_client_sdk_v2::clob::Client::new(&fx.clob_url(), Default::default()).unwrap();
    let rest_book = rest
        .order_book(
            &OrderBookSummaryRequest::builder()
                .token_id(u256(token))
                .build(),
        )
        .await
        .unwrap();
    assert_eq!(
        rest_book.tick_size.as_decimal().normalize().to_string(),
        new.as_str()
    );
    fx.shutdown().await;
}

#[tokio::test]
async fn best_bid_ask_reaches_custom_feature_subscribers() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let ex = fx.exchange();
    let token = ex.token_ids()[0];
    let client = WsClient::new(&fx.ws_url(), Config::default()).unwrap();
    // The SDK only sends `custom_feature_enabled` with the first subscription of an asset.
    let mut bba = Box::pin(client.subscribe_best_bid_ask(vec![u256(token)]).unwrap());
    let mut books = Box::pin(client.subscribe_orderbook(vec![u256(token)]).unwrap());
    next(&mut books).await;
    for _ in 0..20 {
        ex.step(20);
        if let Ok(Some(Ok(top))) = timeout(Duration::from_millis(300), bba.next()).await {
            assert_eq!(top.asset_id, u256(token));
            assert!(top.best_bid < top.best_ask);
            assert_eq!(top.spread, top.best_ask - top.best_bid);
            return fx.shutdown().await;
        }
    }
    panic!("best_bid_ask arrives when the top of book moves");
}

#[tokio::test]
async fn resolution_empties_the_book_and_closes_the_market() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let ex = fx.exchange();
    let token = ex.token_ids()[0];
    let client = WsClient::new(&fx.ws_url(), Config::default()).unwrap();
    let mut resolved = Box::pin(
        client
            .subscribe_market_resolutions(vec![u256(token)])
            .unwrap(),
    );
    let mut books = Box::pin(client.subscribe_orderbook(vec![u256(token)]).unwrap());
    next(&mut books).await;
    let rest =
        polymarket_client_sdk_v2::clob::Client::new(&fx.clob_url(), Default::default()).unwrap();
    let cid = rest
        .market_by_token(u256(token))
        .await
        .unwrap()
        .condition_id;
    ex.resolve_market(polybot_model::ConditionId(cid), 0);
    let event = next(&mut resolved).await;
    assert_eq!((event.winning_asset_id, event.market), (u256(token), cid));
    let emptied = next(&mut books).await;
    assert!(
        emptied.bids.is_empty() && emptied.asks.is_empty(),
        "subscribers see the book emptied"
    );
    assert!(ex.book(token).is_none() && !ex.token_ids().contains(&token));
    let market = rest.market(&cid.to_string()).await.unwrap();
    assert!(market.closed && !market.accepting_orders);
    assert!(
        market
            .tokens
            .iter()
            .any(|t| t.token_id == u256(token) && t.winner)
    );
    let book = OrderBookSummaryRequest::builder()
        .token_id(u256(token))
        .build();
    assert!(
        rest.order_book(&book).await.is_err(),
        "no order book once resolved"
    );
    let gamma = polymarket_client_sdk_v2::gamma::Client::new(&fx.gamma_url()).unwrap();
    let request = polymarket_client_sdk_v2::gamma::types::request::MarketsRequest::builder()
        .condition_ids(vec![cid])
        .build();
    let served = gamma.markets(&request).await.unwrap();
    assert_eq!(served[0].closed, Some(true));
    assert_eq!(
        served[0].outcome_prices.as_ref().unwrap()[0],
        common::dec("1")
    );
    fx.shutdown().await;
}

#[tokio::test]
async fn disconnect_all_closes_and_the_client_resubscribes() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let ex = fx.exchange();
    let token = ex.token_ids()[3];
    let client = WsClient::new(&fx.ws_url(), Config::default()).unwrap();
    let mut books = Box::pin(client.subscribe_orderbook(vec![u256(token)]).unwrap());
    next(&mut books).await;
    assert_eq!(ex.ws_connection_count(), 1);
    ex.disconnect_all();
    ex.step(10);
    // After the Close frame the SDK reconnects (1 s backoff), resubscribes and gets a new
    // snapshot, which already contains the updates made while it was away.
    let again = next(&mut books).await;
    let book = ex.book(token).unwrap();
    assert!(same_levels(&local_book(&again, book.tick_size()), &book));
    assert_eq!(ex.ws_connection_count(), 1);
    assert_eq!(ex.stats().ws_connections_accepted, 2);
    fx.shutdown().await;
}

#[tokio::test]
async fn generated_markets_work_without_seed_data() {
    let fx = common::start_generated(60).await;
    let ex = fx.exchange();
    assert_eq!(
        ex.token_ids().len(),
        120,
        "every generated market is live and binary"
    );
    let token = ex.token_ids()[5];
    let client = WsClient::new(&fx.ws_url(), Config::default()).unwrap();
    let mut books = Box::pin(client.subscribe_orderbook(vec![u256(token)]).unwrap());
    let first = next(&mut books).await;
    assert_eq!(first.asset_id, u256(token));
    let gamma = polymarket_client_sdk_v2::gamma::Client::new(&fx.gamma_url()).unwrap();
    let request = polymarket_client_sdk_v2::gamma::types::request::MarketsRequest::builder()
        .limit(100)
        .build();
    let markets = gamma.markets(&request).await.unwrap();
    assert_eq!(markets.len(), 60);
    let now = chrono::Utc::now();
    for m in &markets {
        let end = m.end_date.unwrap();
        assert!(end > now + chrono::Duration::hours(23) && end < now + chrono::Duration::days(201));
        assert_eq!(m.outcome_prices.as_ref().map(Vec::len), Some(2));
        assert!(m.liquidity_num.is_some() && m.volume_num.is_some());
    }
    assert!(
        markets.iter().any(|m| m.neg_risk == Some(true)),
        "some neg-risk events"
    );
    let events = gamma.events(&Default::default()).await.unwrap();
    assert!(!events.is_empty());
    let rest =
        polymarket_client_sdk_v2::clob::Client::new(&fx.clob_url(), Default::default()).unwrap();
    let page = rest.markets(None).await.unwrap();
    assert_eq!(page.data.len(), 60);
    assert_eq!(page.next_cursor, "LTE=");
    fx.shutdown().await;
}
