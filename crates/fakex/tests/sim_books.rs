//! Book validity and determinism of the simulator, on recorded and generated markets.

mod common;

use std::time::Duration;

use polybot_fakex::{Exchange, FakexConfig, check_book};
use polybot_model::{Level, OrderBook, TokenId};

fn mirror(levels: &[Level]) -> Vec<Level> {
    levels
        .iter()
        .map(|l| Level::new(l.price.complement(), l.size))
        .collect()
}

/// Every book valid, and each binary pair exactly mirrored (a YES bid at p is a NO ask at
/// 1 − p). `token_ids()` lists the two outcomes of a market next to each other.
fn assert_all_valid(ex: &Exchange) {
    let tokens = ex.token_ids();
    assert!(!tokens.is_empty());
    for t in &tokens {
        let book = ex.book(*t).unwrap();
        check_book(&book).unwrap_or_else(|e| panic!("book {t}: {e}"));
    }
    for pair in tokens.chunks(2) {
        let (yes, no) = (ex.book(pair[0]).unwrap(), ex.book(pair[1]).unwrap());
        let mut want_bids = mirror(yes.asks());
        want_bids.sort_by_key(|l| l.price);
        assert_eq!(no.bids(), &want_bids[..], "NO bids mirror YES asks");
        assert_eq!(no.asks().len(), yes.bids().len(), "NO asks mirror YES bids");
    }
}

/// Both sides of a book, without its timestamp (which follows the wall clock).
type Sides = (Vec<Level>, Vec<Level>);

fn levels(book: &OrderBook) -> Sides {
    (book.bids().to_vec(), book.asks().to_vec())
}

fn snapshot(ex: &Exchange) -> Vec<(TokenId, Sides)> {
    ex.token_ids()
        .into_iter()
        .map(|t| (t, levels(&ex.book(t).unwrap())))
        .collect()
}

#[tokio::test]
async fn initial_and_simulated_books_stay_valid() {
    let Some(fx) = common::start_seeded().await else {
        return;
    };
    let ex = fx.exchange();
    assert_all_valid(&ex);
    ex.step(10_000);
    assert_all_valid(&ex);
    let stats = ex.stats();
    assert_eq!(stats.events_simulated, 10_000);
    assert!(
        stats.trades_simulated > 1_000,
        "about a third of events are trades: {}",
        stats.trades_simulated
    );
    fx.shutdown().await;
}

#[tokio::test]
async fn generated_books_stay_valid_on_every_tick() {
    let fx = common::start_generated(200).await;
    let ex = fx.exchange();
    assert_eq!(ex.token_ids().len(), 400);
    let ticks: std::collections::BTreeSet<_> = ex
        .token_ids()
        .iter()
        .map(|t| ex.book(*t).unwrap().tick_size())
        .collect();
    assert!(
        ticks.len() >= 2,
        "mostly 0.01 with some 0.001/0.005: {ticks:?}"
    );
    assert_all_valid(&ex);
    ex.step(10_000);
    assert_all_valid(&ex);
    // Concentrated activity on one market, across tick changes, stays valid too.
    let token = ex.token_ids()[0];
    for tick in polybot_model::TickSize::ALL {
        ex.set_tick_size(token, tick);
        assert_all_valid(&ex);
    }
    fx.shutdown().await;
}

#[tokio::test]
async fn the_simulator_is_deterministic_for_a_seed() {
    let Some(a) = common::start_seeded().await else {
        return;
    };
    let Some(b) = common::start_seeded().await else {
        return;
    };
    assert_eq!(a.exchange().token_ids(), b.exchange().token_ids());
    assert_eq!(
        snapshot(&a.exchange()),
        snapshot(&b.exchange()),
        "same initial books"
    );
    a.exchange().step(2_000);
    b.exchange().step(2_000);
    assert_eq!(
        snapshot(&a.exchange()),
        snapshot(&b.exchange()),
        "same books after the same steps"
    );
    let c = common::start(FakexConfig {
        seed: 7,
        seed_dir: polybot_fakex::default_seed_dir(),
        ..common::manual()
    })
    .await;
    assert_ne!(
        snapshot(&a.exchange()),
        snapshot(&c.exchange()),
        "another seed, other books"
    );
    for fx in [a, b, c] {
        fx.shutdown().await;
    }
}

#[tokio::test]
async fn the_background_simulator_runs_when_enabled() {
    let fx = common::start(FakexConfig {
        sim_interval_ms: 20,
        events_per_tick: 10,
        ..common::manual()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let events = fx.exchange().stats().events_simulated;
    assert!(events >= 50, "about 10 events every 20 ms: {events}");
    assert_all_valid(&fx.exchange());
    fx.shutdown().await;
}
