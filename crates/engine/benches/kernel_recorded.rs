//! Kernel throughput in backtest mode on recorded data: one day of recorded Polymarket order-book
//! states, replayed as the venue's `book` / `price_change` stream through a quoting strategy and
//! the simulated venue, one core.
//!
//! Data: the Dinesh Gopalakrishnan "Polymarket Order Book Dataset" (CC-BY-4.0), read at run time
//! from `../shared/data/dinesh_orderbook_dataset/quotes/dt=DAY/data_0.parquet` (never copied into
//! the repository). Each row is one poll (about every two minutes) of one market's top of book:
//! best bid and best ask, either possibly absent. Per market, the first poll with a quote
//! becomes an [`Event::Book`] snapshot and every later poll that moved the touch becomes the
//! [`Event::Level`] changes that turn the previous book into the new one (the shape of a
//! `price_change` frame), all markets merged in time order. The dataset has no sizes, token ids
//! or trades: every level carries a nominal 100 shares, each market gets a synthetic token id,
//! and the stream has no trade prints, so the quotes never fill (the simulated venue fills
//! resting orders from the tape; the generated benchmark in `kernel.rs` covers fills). Polls
//! whose book is crossed or locked (the two sides read a moment apart) are skipped.
//!
//! The strategy is `kernel.rs`'s quoter, per token: it quotes the busiest tokens of the day
//! while the kernel and the venue keep the books of all of them.
//!
//! Without the shared data folder the benchmark says so and measures nothing, unless
//! `REQUIRE_SHARED_DATA=1`, which makes that a failure. `KERNEL_RECORDED_DAY=YYYY-MM-DD` picks
//! another day of the dataset.

use std::collections::HashMap;
use std::error::Error;
use std::fs::File;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use alloy_primitives::U256;
use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use parquet::column::reader::get_typed_column_reader;
use parquet::data_type::{ByteArrayType, DataType, DoubleType, Int64Type};
use parquet::file::reader::{FileReader, RowGroupReader, SerializedFileReader};
use polybot_engine::fasthash::TokenMap;
use polybot_engine::orders::{MarketRules, Quantity, TimeInForce};
use polybot_engine::sim::{SimConfig, SimMarket, SimVenue};
use polybot_engine::{AccountId, Event, Intent, Kernel, Strategy, View};
use polybot_model::{BookSide, Level, OrderBook, Price, Side, Size, TickSize, TokenId, Usdc};

/// A day of the dataset in the shared folder: 5.6 M polls of 12,443 markets.
const DEFAULT_DAY: &str = "2026-07-11";
/// The dataset records prices only; every level gets this many shares.
const NOMINAL_SHARES: u64 = 100;

fn data_file(day: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../../../shared/data/dinesh_orderbook_dataset/quotes/dt={day}/data_0.parquet"
    ))
}

/// One poll of one market's top of book, prices in micros.
struct Poll {
    ts_ms: i64,
    market: u32,
    bid: Option<u32>,
    ask: Option<u32>,
}

/// Reads one column of a row group as optional values (absent where the value is NULL).
fn column<T: DataType>(
    group: &dyn RowGroupReader,
    index: usize,
    rows: usize,
) -> parquet::errors::Result<Vec<Option<T::T>>> {
    let max_def = group
        .metadata()
        .column(index)
        .column_descr()
        .max_def_level();
    let mut reader = get_typed_column_reader::<T>(group.get_column_reader(index)?);
    let (mut defs, mut values) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
    let mut read = 0;
    while read < rows {
        let defs = (max_def > 0).then_some(&mut defs);
        let (records, _, _) = reader.read_records(rows - read, defs, None, &mut values)?;
        if records == 0 {
            break;
        }
        read += records;
    }
    if max_def == 0 {
        return Ok(values.into_iter().map(Some).collect());
    }
    let mut values = values.into_iter();
    Ok(defs
        .iter()
        .map(|&d| if d == max_def { values.next() } else { None })
        .collect())
}

/// A price of the dataset (a probability as a double) in micros, if it is a valid price.
fn micros(p: Option<f64>) -> Option<u32> {
    let m = (p? * 1e6).round();
    (f64::from(Price::MIN.micros())..=f64::from(Price::MAX.micros()))
        .contains(&m)
        .then_some(m as u32)
}

/// Every poll of the day's file, time-ordered, and the market slugs they refer to.
fn read_polls(path: &Path) -> Result<(Vec<String>, Vec<Poll>), Box<dyn Error>> {
    let reader = SerializedFileReader::new(File::open(path)?)?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let index = |name: &str| {
        (0..schema.num_columns())
            .find(|&i| schema.column(i).name() == name)
            .ok_or_else(|| format!("no column {name} in {}", path.display()))
    };
    let (ts_col, slug_col, bid_col, ask_col) =
        (index("ts")?, index("slug")?, index("bid")?, index("ask")?);
    let mut slugs: Vec<String> = Vec::new();
    let mut ids: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut polls = Vec::with_capacity(usize::try_from(
        reader.metadata().file_metadata().num_rows(),
    )?);
    for g in 0..reader.num_row_groups() {
        let group = reader.get_row_group(g)?;
        let rows = usize::try_from(group.metadata().num_rows())?;
        let ts = column::<Int64Type>(&*group, ts_col, rows)?;
        let slug = column::<ByteArrayType>(&*group, slug_col, rows)?;
        let bid = column::<DoubleType>(&*group, bid_col, rows)?;
        let ask = column::<DoubleType>(&*group, ask_col, rows)?;
        for (((ts, slug), bid), ask) in ts.into_iter().zip(slug).zip(bid).zip(ask) {
            let (Some(ts_us), Some(slug)) = (ts, slug) else {
                continue;
            };
            let market = match ids.get(slug.data()) {
                Some(&id) => id,
                None => {
                    let id = u32::try_from(slugs.len())?;
                    slugs.push(String::from_utf8_lossy(slug.data()).into_owned());
                    ids.insert(slug.data().to_vec(), id);
                    id
                }
            };
            polls.push(Poll {
                ts_ms: ts_us / 1000,
                market,
                bid: micros(bid),
                ask: micros(ask),
            });
        }
    }
    polls.sort_by_key(|p| (p.ts_ms, p.market));
    Ok((slugs, polls))
}

/// The event stream and what it covers.
struct Recorded {
    events: Vec<Event>,
    /// Every token the stream mentions, with its tick, by number of events (busiest first).
    tokens: Vec<(TokenId, TickSize, usize)>,
    polls: usize,
    markets: usize,
    changes: usize,
    skipped_crossed: usize,
    snapshots: usize,
    levels: usize,
}

fn token_of(market: u32) -> TokenId {
    TokenId(U256::from(market) + U256::from(1u8))
}

/// Turns the polls into snapshots and level changes, checking on a reference book per token
/// that replaying them reproduces every recorded top of book and never crosses.
fn to_events(markets: usize, polls: &[Poll]) -> Recorded {
    // A market whose recorded prices are all whole cents trades on the 0.01 tick, else 0.001.
    let mut fine = vec![false; markets];
    for p in polls {
        fine[p.market as usize] |= [p.bid, p.ask]
            .into_iter()
            .flatten()
            .any(|m| m % 10_000 != 0);
    }
    let tick = |m: u32| {
        if fine[m as usize] {
            TickSize::Thousandth
        } else {
            TickSize::Hundredth
        }
    };
    let size = Size::shares(NOMINAL_SHARES);
    let level = |m: u32| Level::new(Price::from_micros(m).expect("valid price"), size);
    let mut books: Vec<Option<OrderBook>> = (0..markets).map(|_| None).collect();
    let mut per_token = vec![0usize; markets];
    let mut events = Vec::with_capacity(polls.len() / 4);
    let (mut changes, mut skipped_crossed, mut snapshots, mut levels) = (0, 0, 0, 0);
    for p in polls {
        if p.bid.is_none() && p.ask.is_none() && books[p.market as usize].is_none() {
            continue;
        }
        if let (Some(b), Some(a)) = (p.bid, p.ask)
            && a <= b
        {
            skipped_crossed += 1;
            continue;
        }
        let token = token_of(p.market);
        let ts = p.ts_ms;
        let before = events.len();
        let book = match &mut books[p.market as usize] {
            Some(book) => book,
            slot @ None => {
                let bids: Vec<Level> = p.bid.map(level).into_iter().collect();
                let asks: Vec<Level> = p.ask.map(level).into_iter().collect();
                let mut book = OrderBook::new(token, tick(p.market));
                book.apply_snapshot(bids.iter().copied(), asks.iter().copied(), ts);
                events.push(Event::Book {
                    token,
                    bids,
                    asks,
                    ts,
                });
                snapshots += 1;
                per_token[p.market as usize] += 1;
                *slot = Some(book);
                continue;
            }
        };
        let touch = |b: &OrderBook| {
            (
                b.best_bid().map(|l| l.price.micros()),
                b.best_ask().map(|l| l.price.micros()),
            )
        };
        let (old_bid, old_ask) = touch(book);
        if (old_bid, old_ask) == (p.bid, p.ask) {
            continue;
        }
        changes += 1;
        // New levels first where they do not cross the other side (the book stays two-sided, as
        // on the venue), then the old levels go, then any new level that had to wait for them.
        let mut set = |book: &mut OrderBook, side: BookSide, m: u32, s: Size| {
            let price = Price::from_micros(m).expect("valid price");
            book.set_level(side, price, s);
            events.push(Event::Level {
                token,
                side,
                price,
                size: s,
                ts,
            });
        };
        let mut waiting = Vec::new();
        for (side, old, new) in [
            (BookSide::Bid, old_bid, p.bid),
            (BookSide::Ask, old_ask, p.ask),
        ] {
            if let Some(m) = new.filter(|&m| Some(m) != old) {
                let crosses = match side {
                    BookSide::Bid => old_ask.is_some_and(|a| a <= m),
                    BookSide::Ask => old_bid.is_some_and(|b| b >= m),
                };
                if crosses {
                    waiting.push((side, m));
                } else {
                    set(book, side, m, size);
                }
            }
        }
        for (side, old, new) in [
            (BookSide::Bid, old_bid, p.bid),
            (BookSide::Ask, old_ask, p.ask),
        ] {
            if let Some(m) = old.filter(|&m| Some(m) != new) {
                set(book, side, m, Size::ZERO);
            }
        }
        for (side, m) in waiting {
            set(book, side, m, size);
        }
        assert_eq!(
            touch(book),
            (p.bid, p.ask),
            "replayed book differs from the poll"
        );
        assert!(!book.is_crossed(), "replayed book crossed");
        levels += events.len() - before;
        per_token[p.market as usize] += events.len() - before;
    }
    let mut tokens: Vec<(TokenId, TickSize, usize)> = (0..markets)
        .filter(|&m| per_token[m] > 0)
        .map(|m| {
            let m = u32::try_from(m).expect("market index");
            (token_of(m), tick(m), per_token[m as usize])
        })
        .collect();
    tokens.sort_by_key(|&(t, _, n)| (std::cmp::Reverse(n), t));
    Recorded {
        events,
        tokens,
        polls: polls.len(),
        markets,
        changes,
        skipped_crossed,
        snapshots,
        levels,
    }
}

/// Quotes one lot of 10 shares a tick inside the touch on both sides of every token it quotes,
/// re-quoting a token when its mid moves by two ticks or more (the generated benchmark's
/// strategy, per token). It looks its tokens up on every event, with the engine's token hasher
/// (SipHash would cost it about 20 ns per event).
struct Quoter {
    account: AccountId,
    quoted_mid: TokenMap<u32>,
}

impl Strategy for Quoter {
    fn name(&self) -> &str {
        "quoter"
    }
    fn account(&self) -> &AccountId {
        &self.account
    }
    fn on_event(&mut self, view: &View<'_>, event: &Event, intents: &mut Vec<Intent>) {
        let Some(token) = event.token() else {
            return;
        };
        let Some(quoted) = self.quoted_mid.get_mut(&token) else {
            return;
        };
        let Some(book) = view.books.get(&token) else {
            return;
        };
        let (Some(bid), Some(ask)) = (book.best_bid(), book.best_ask()) else {
            return;
        };
        let tick = book.tick_size().micros();
        let mid = (bid.price.micros() + ask.price.micros()) / 2;
        if mid.abs_diff(*quoted) < 2 * tick {
            return;
        }
        *quoted = mid;
        intents.push(Intent::CancelAll { token: Some(token) });
        let quote = |side, price: u32| Intent::Place {
            token,
            side,
            price: Price::from_micros(price).unwrap_or(Price::MIN),
            quantity: Quantity::Shares(Size::shares(10)),
            time_in_force: TimeInForce::Gtc,
            post_only: true,
            reason: "quote",
        };
        if ask.price.micros() > bid.price.micros() + tick {
            intents.push(quote(Side::Buy, bid.price.micros() + tick));
            intents.push(quote(Side::Sell, ask.price.micros() - tick));
        }
    }
}

/// A kernel with every token of the stream, quoting the `quoted` busiest ones.
fn kernel(recorded: &Recorded, quoted: usize) -> Kernel<SimVenue> {
    let mut venue = SimVenue::new(SimConfig { latency_ms: 5 });
    for &(token, tick, _) in &recorded.tokens {
        venue.add_market(
            token,
            SimMarket {
                rules: MarketRules::polymarket(tick),
                taker_fee_bps: 0,
            },
        );
    }
    let mut k = Kernel::new(venue);
    for &(token, tick, _) in &recorded.tokens {
        k.add_market(token, MarketRules::polymarket(tick));
    }
    k.open_account(AccountId::new("mm"), Usdc::dollars(1_000_000))
        .expect("open account");
    k.add_strategy(Box::new(Quoter {
        account: AccountId::new("mm"),
        quoted_mid: recorded
            .tokens
            .iter()
            .take(quoted)
            .map(|&(t, _, _)| (t, 0))
            .collect(),
    }));
    k
}

fn bench(c: &mut Criterion) {
    let day = std::env::var("KERNEL_RECORDED_DAY").unwrap_or_else(|_| DEFAULT_DAY.to_owned());
    let path = data_file(&day);
    if !path.is_file() {
        assert!(
            std::env::var("REQUIRE_SHARED_DATA").as_deref() != Ok("1"),
            "REQUIRE_SHARED_DATA=1 but {} is missing",
            path.display()
        );
        println!(
            "recorded data not found at {}; skipping the recorded kernel benchmark",
            path.display()
        );
        return;
    }
    let started = Instant::now();
    let (slugs, polls) = match read_polls(&path) {
        Ok(read) => read,
        Err(e) => panic!("reading {}: {e}", path.display()),
    };
    let recorded = to_events(slugs.len(), &polls);
    drop(polls);
    let events = &recorded.events;
    println!(
        "kernel_recorded workload: dinesh_orderbook_dataset {day}: {} polls of {} markets -> {} \
         events ({} snapshots, {} level changes from {} touch moves; {} crossed polls skipped) \
         on {} tokens ({} on the 0.001 tick), built in {:.1?}",
        recorded.polls,
        recorded.markets,
        events.len(),
        recorded.snapshots,
        recorded.levels,
        recorded.changes,
        recorded.skipped_crossed,
        recorded.tokens.len(),
        recorded
            .tokens
            .iter()
            .filter(|t| t.1 == TickSize::Thousandth)
            .count(),
        started.elapsed()
    );
    let busiest: Vec<String> = recorded
        .tokens
        .iter()
        .take(3)
        .map(|&(t, _, n)| {
            let market = usize::try_from(t.0 - U256::from(1u8)).unwrap_or(0);
            format!("{} ({n} events)", slugs[market])
        })
        .collect();
    println!("busiest markets: {}", busiest.join(", "));

    let mut group = c.benchmark_group("kernel_recorded");
    group.throughput(Throughput::Elements(events.len() as u64));
    // A run takes up to about a second: ten samples of one run each.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    // The kernel and the simulated venue index orders by account, token and expiry, so an
    // event costs the same however many other markets are quoted; the 1,000-token case is
    // slower per event only because busier quoting sends more orders (see docs/BENCHMARKS.md).
    for (name, quoted) in [
        ("backtest_books_only", 0),
        ("backtest_quoting_10", 10),
        ("backtest_quoting_100", 100),
        ("backtest_quoting_1000", 1000),
    ] {
        let mut probe = kernel(&recorded, quoted);
        let run = Instant::now();
        for e in events {
            probe.handle(e);
        }
        let run = run.elapsed();
        let resting = probe.venue().resting().count();
        println!(
            "{name}: {} books, the {} busiest quoted: fingerprint {} (hash/decisions), {} orders, \
             {} resting at the end; one run {run:.2?}",
            recorded.tokens.len(),
            quoted.min(recorded.tokens.len()),
            probe.fingerprint(),
            probe.orders().len(),
            resting,
        );
        group.measurement_time((run * 11).clamp(Duration::from_secs(2), Duration::from_secs(60)));
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || kernel(&recorded, quoted),
                |k| {
                    for e in events {
                        k.handle(black_box(e));
                    }
                    k.take_decisions().len()
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
