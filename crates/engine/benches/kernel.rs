//! Kernel throughput in backtest mode: book updates and trades through a quoting strategy and
//! the simulated venue, one core.
//!
//! The event stream is generated (a consistent random walk of one book, 1 trade per 10 updates)
//! until recorded market-data journals are available to replay.

use std::hint::black_box;

use alloy_primitives::U256;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use polybot_engine::orders::{MarketRules, Quantity, TimeInForce};
use polybot_engine::sim::{SimConfig, SimMarket, SimVenue};
use polybot_engine::{AccountId, Event, Intent, Kernel, Strategy, View};
use polybot_model::{BookSide, Level, OrderBook, Price, Side, Size, TickSize, TokenId, Usdc};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};

const EVENTS: usize = 100_000;

fn token() -> TokenId {
    TokenId(U256::from(5u8))
}

/// Quotes one lot of 10 shares a tick inside the touch on both sides, re-quoting when the mid
/// moves by two ticks or more.
struct Quoter {
    account: AccountId,
    quoted_mid: u32,
}

impl Strategy for Quoter {
    fn name(&self) -> &str {
        "quoter"
    }
    fn account(&self) -> &AccountId {
        &self.account
    }
    fn on_event(&mut self, view: &View<'_>, _event: &Event, intents: &mut Vec<Intent>) {
        let Some(book) = view.books.get(&token()) else {
            return;
        };
        let (Some(bid), Some(ask)) = (book.best_bid(), book.best_ask()) else {
            return;
        };
        let mid = (bid.price.micros() + ask.price.micros()) / 2;
        if mid.abs_diff(self.quoted_mid) < 20_000 {
            return;
        }
        self.quoted_mid = mid;
        intents.push(Intent::CancelAll {
            token: Some(token()),
        });
        let quote = |side, price: u32| Intent::Place {
            token: token(),
            side,
            price: Price::from_micros(price).unwrap_or(Price::MIN),
            quantity: Quantity::Shares(Size::shares(10)),
            time_in_force: TimeInForce::Gtc,
            post_only: true,
            reason: "quote",
        };
        if ask.price.micros() > bid.price.micros() + 10_000 {
            intents.push(quote(Side::Buy, bid.price.micros() + 10_000));
            intents.push(quote(Side::Sell, ask.price.micros() - 10_000));
        }
    }
}

fn stream() -> Vec<Event> {
    let mut rng = StdRng::seed_from_u64(11);
    let mut book = OrderBook::new(token(), TickSize::Hundredth);
    let lv = |c: u32, s: u64| Level::new(Price::from_micros(c * 10_000).unwrap(), Size::shares(s));
    book.apply_snapshot(
        (30..48).map(|c| lv(c, 100)),
        (52..70).map(|c| lv(c, 100)),
        0,
    );
    let mut events = vec![Event::Book {
        token: token(),
        bids: book.bids().to_vec(),
        asks: book.asks().to_vec(),
        ts: 1,
    }];
    for i in 0..EVENTS {
        let ts = 2 + i as i64;
        let (bb, ba) = (
            book.best_bid().map_or(40, |l| l.price.micros() / 10_000),
            book.best_ask().map_or(60, |l| l.price.micros() / 10_000),
        );
        if i % 10 == 9 {
            events.push(Event::Trade {
                token: token(),
                price: Price::from_micros(bb * 10_000).unwrap(),
                size: Size::shares(5),
                side: Some(Side::Sell),
                ts,
            });
            continue;
        }
        let bid_side = rng.random_bool(0.5);
        // Keep the book uncrossed: bids strictly below the best ask, asks strictly above the
        // best bid; an empty range (a side ran dry) becomes a timer tick instead.
        let (lo, hi) = if bid_side {
            (bb.saturating_sub(5).max(1), ba.min(100))
        } else {
            (bb + 1, (ba + 5).min(99) + 1)
        };
        if lo >= hi {
            events.push(Event::Tick { ts });
            continue;
        }
        let cents = rng.random_range(lo..hi);
        let size = if rng.random_bool(0.2) {
            0
        } else {
            rng.random_range(1..500)
        };
        let side = if bid_side {
            BookSide::Bid
        } else {
            BookSide::Ask
        };
        let price = Price::from_micros(cents * 10_000).unwrap();
        book.set_level(side, price, Size::shares(size));
        events.push(Event::Level {
            token: token(),
            side,
            price,
            size: Size::shares(size),
            ts,
        });
    }
    events
}

fn kernel() -> Kernel<SimVenue> {
    let mut venue = SimVenue::new(SimConfig { latency_ms: 5 });
    venue.add_market(
        token(),
        SimMarket {
            rules: MarketRules::polymarket(TickSize::Hundredth),
            taker_fee_bps: 0,
        },
    );
    let mut k = Kernel::new(venue);
    k.add_market(token(), MarketRules::polymarket(TickSize::Hundredth));
    k.open_account(AccountId::new("mm"), Usdc::dollars(1_000_000))
        .unwrap();
    k.add_strategy(Box::new(Quoter {
        account: AccountId::new("mm"),
        quoted_mid: 0,
    }));
    k
}

fn bench(c: &mut Criterion) {
    let events = stream();
    let mut probe = kernel();
    for e in &events {
        probe.handle(e);
    }
    println!(
        "kernel workload: {} events, fingerprint {} (hash/decisions), {} orders",
        events.len(),
        probe.fingerprint(),
        probe.orders().len()
    );
    let mut group = c.benchmark_group("kernel");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(20);
    group.bench_function("backtest_quoting", |b| {
        b.iter_batched_ref(
            kernel,
            |k| {
                for e in &events {
                    k.handle(black_box(e));
                }
                k.take_decisions().len()
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
