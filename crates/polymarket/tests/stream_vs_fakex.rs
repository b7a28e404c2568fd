//! The market stream against the fake exchange, over a real WebSocket through the SDK: local
//! books must equal the exchange's books at every checkpoint, and recover from disconnects,
//! silent stalls and tick-size changes within 5 seconds.

use std::time::Duration;

use polybot_fakex::{FakexConfig, FakexHandle};
use polybot_model::{OrderBook, TickSize, TokenId};
use std::collections::HashMap;

use polybot_polymarket::{MarketEvent, MarketStream, Publish, WsConfig};

const RECOVERY: Duration = Duration::from_secs(5);

async fn exchange() -> FakexHandle {
    let config = FakexConfig {
        base_port: 0,
        seed: 42,
        seed_dir: None,
        sim_interval_ms: 0,
        generated_markets: 30,
        ..FakexConfig::default()
    };
    polybot_fakex::start(config).await.expect("fakex starts")
}

fn ws_config() -> WsConfig {
    // Small shards so that several connections are exercised; fast stall detection.
    WsConfig {
        max_assets_per_connection: 16,
        stall_timeout_ms: 1_500,
        ping_interval_ms: 500,
        reconnect_initial_ms: 50,
        reconnect_max_ms: 500,
    }
}

fn subscribe(handle: &FakexHandle, count: usize) -> (MarketStream, Vec<TokenId>) {
    let exchange = handle.exchange();
    let tokens: Vec<TokenId> = exchange
        .token_ids()
        .into_iter()
        .filter(|t| exchange.book(*t).is_some_and(|b| !b.is_empty()))
        .take(count)
        .collect();
    assert!(
        tokens.len() >= count.min(20),
        "fakex has too few books: {}",
        tokens.len()
    );
    let pairs: Vec<(TokenId, TickSize)> = tokens
        .iter()
        .map(|t| {
            (
                *t,
                exchange
                    .book(*t)
                    .map_or(TickSize::Hundredth, |b| b.tick_size()),
            )
        })
        .collect();
    (
        MarketStream::start(&handle.ws_url(), &ws_config(), &pairs),
        tokens,
    )
}

fn same_levels(local: &OrderBook, remote: &OrderBook) -> bool {
    local.bids() == remote.bids()
        && local.asks() == remote.asks()
        && local.tick_size() == remote.tick_size()
}

/// Waits until every local book is synced and equal to the exchange's; panics with the first
/// difference after `within`.
async fn converge(
    stream: &MarketStream,
    handle: &FakexHandle,
    tokens: &[TokenId],
    within: Duration,
) {
    let exchange = handle.exchange();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let first_difference =
            tokens
                .iter()
                .find(|t| match (stream.book(**t), exchange.book(**t)) {
                    (Some((local, true)), Some(remote)) => !same_levels(&local, &remote),
                    _ => true,
                });
        let Some(token) = first_difference else {
            return;
        };
        if tokio::time::Instant::now() > deadline {
            let local = stream.book(*token);
            let remote = exchange.book(*token);
            panic!(
                "token {token} did not converge within {within:?}:\nlocal  {local:?}\nremote {remote:?}\nstats {:?}",
                stream.stats()
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_books_equal_the_exchange_through_ten_thousand_events() {
    let handle = exchange().await;
    let (stream, tokens) = subscribe(&handle, 40);
    converge(&stream, &handle, &tokens, RECOVERY).await;
    for _checkpoint in 0..20 {
        handle.exchange().step(500);
        converge(&stream, &handle, &tokens, RECOVERY).await;
    }
    let stats = stream.stats();
    assert!(stats.books.level_updates >= 5_000, "{stats:?}");
    assert!(
        stats.connections >= 3,
        "40 tokens at 16 per connection need 3 shards: {stats:?}"
    );
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_disconnects_recover_with_fresh_snapshots() {
    let handle = exchange().await;
    let (stream, tokens) = subscribe(&handle, 20);
    converge(&stream, &handle, &tokens, RECOVERY).await;
    for _ in 0..3 {
        let before = stream.stats();
        handle.exchange().disconnect_all();
        // Updates while the connection is down are missed and must be repaired by snapshots.
        handle.exchange().step(300);
        converge(&stream, &handle, &tokens, RECOVERY).await;
        let after = stream.stats();
        assert!(
            after.books.snapshots > before.books.snapshots,
            "no fresh snapshot: {after:?}"
        );
    }
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_stall_is_detected_and_recovered() {
    let handle = exchange().await;
    let (stream, tokens) = subscribe(&handle, 20);
    converge(&stream, &handle, &tokens, RECOVERY).await;
    handle.exchange().set_stalled(true);
    handle.exchange().step(300);
    converge(&stream, &handle, &tokens, RECOVERY).await;
    assert!(stream.stats().stalls >= 1, "{:?}", stream.stats());
    handle.exchange().set_stalled(false);
    handle.exchange().step(300);
    converge(&stream, &handle, &tokens, RECOVERY).await;
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_size_change_rebuilds_the_book() {
    let handle = exchange().await;
    let (stream, tokens) = subscribe(&handle, 20);
    converge(&stream, &handle, &tokens, RECOVERY).await;
    let exchange = handle.exchange();
    let token = *tokens
        .iter()
        .find(|t| {
            exchange
                .book(**t)
                .is_some_and(|b| b.tick_size() == TickSize::Hundredth)
        })
        .expect("a 0.01-tick book");
    let desyncs = stream.stats().books.desyncs;
    exchange.set_tick_size(token, TickSize::Thousandth);
    exchange.step(200);
    converge(&stream, &handle, &tokens, RECOVERY).await;
    let (local, synced) = stream.book(token).expect("tracked");
    assert!(synced);
    assert_eq!(local.tick_size(), TickSize::Thousandth);
    assert!(stream.stats().books.desyncs > desyncs);
    handle.shutdown().await;
}

/// A consumer that keeps its own books purely from the published `Book`/`Level` events (what
/// the trading kernel does) ends up with the exchange's books, across a forced disconnect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_levels_rebuild_every_book() {
    let handle = exchange().await;
    let ex = handle.exchange();
    let tokens: Vec<TokenId> = ex
        .token_ids()
        .into_iter()
        .filter(|t| ex.book(*t).is_some_and(|b| !b.is_empty()))
        .take(20)
        .collect();
    let pairs: Vec<(TokenId, TickSize)> = tokens
        .iter()
        .map(|t| {
            (
                *t,
                ex.book(*t).map_or(TickSize::Hundredth, |b| b.tick_size()),
            )
        })
        .collect();
    let stream = MarketStream::start_with(&handle.ws_url(), &ws_config(), &pairs, Publish::Levels);
    let mut events = stream.subscribe();
    let mut mine: HashMap<TokenId, (OrderBook, bool)> = pairs
        .iter()
        .map(|(t, tick)| (*t, (OrderBook::new(*t, *tick), false)))
        .collect();
    let apply = |mine: &mut HashMap<TokenId, (OrderBook, bool)>, event: MarketEvent| match event {
        MarketEvent::Book {
            token_id,
            bids,
            asks,
            timestamp_ms,
        } => {
            if let Some((book, trusted)) = mine.get_mut(&token_id) {
                book.apply_snapshot(bids, asks, timestamp_ms);
                *trusted = true;
            }
        }
        MarketEvent::Level {
            token_id,
            side,
            level,
            ..
        } => {
            if let Some((book, _)) = mine.get_mut(&token_id) {
                book.set_level(side, level.price, level.size);
            }
        }
        MarketEvent::Desynced { token_id, .. } => {
            if let Some((_, trusted)) = mine.get_mut(&token_id) {
                *trusted = false;
            }
        }
        _ => {}
    };
    for round in 0..4 {
        if round == 2 {
            ex.disconnect_all();
        }
        ex.step(500);
        let deadline = tokio::time::Instant::now() + RECOVERY;
        loop {
            while let Ok(event) = events.try_recv() {
                apply(&mut mine, event);
            }
            let agree = tokens.iter().all(|t| match (mine.get(t), ex.book(*t)) {
                (Some((local, true)), Some(remote)) => {
                    local.bids() == remote.bids() && local.asks() == remote.asks()
                }
                _ => false,
            });
            if agree {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "books rebuilt from events did not converge in round {round}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_added_later_stream_on_their_own_connection_without_resetting_the_others() {
    let handle = exchange().await;
    // Pick 24 tokens with books, then stream the first 20 only and add the rest later.
    let (all, tokens) = subscribe(&handle, 24);
    drop(all);
    let (first, later) = tokens.split_at(20);
    let exchange = handle.exchange();
    let pair = |t: &TokenId| {
        (
            *t,
            exchange
                .book(*t)
                .map_or(TickSize::Hundredth, |b| b.tick_size()),
        )
    };
    let mut stream = MarketStream::start(
        &handle.ws_url(),
        &ws_config(),
        &first.iter().map(pair).collect::<Vec<_>>(),
    );
    converge(&stream, &handle, first, RECOVERY).await;
    let shards = stream.shards();
    let mut events = stream.subscribe();

    let added: Vec<_> = later.iter().map(pair).collect();
    // Adding a token twice (or one already followed) opens nothing more.
    let mut twice = added.clone();
    twice.push(pair(&first[0]));
    twice.extend(added.iter().copied());
    stream.add_tokens(&twice);
    assert_eq!(
        stream.shards(),
        shards + 1,
        "one new connection for the new tokens"
    );
    converge(&stream, &handle, &tokens, RECOVERY).await;
    exchange.step(200);
    converge(&stream, &handle, &tokens, RECOVERY).await;
    while let Ok(event) = events.try_recv() {
        if let MarketEvent::Desynced { token_id, .. } = event {
            assert!(
                !first.contains(&token_id),
                "a book already streaming was reset by the addition: {token_id}"
            );
        }
    }
    assert_eq!(stream.stats().stalls + stream.stats().lagged, 0);
    handle.shutdown().await;
}
