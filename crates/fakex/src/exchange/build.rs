//! Assembling the exchange's initial state from seed data or generated markets.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use polybot_model::{OrderBook, Price, Side, TickSize, TokenId};
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::sync::broadcast;

use super::state::{ActivityFrame, Frame, State, TokenBook};
use crate::books::{self, Grid};
use crate::catalog::spec::Quote;
use crate::catalog::{self, Catalog, CatalogInput};
use crate::history::Histories;
use crate::seed::records::RecordedBook;
use crate::seed::{self, SeedData, SeedReport};
use crate::tape::{Tape, TradeMeta};
use crate::util::derive_seed;

/// What the loader produced, whichever way.
struct Loaded {
    input: CatalogInput,
    data: SeedData,
    report: SeedReport,
}

fn load(
    seed_dir: Option<&std::path::Path>,
    time_shift: bool,
    seed: u64,
    generated: usize,
    now: DateTime<Utc>,
) -> Loaded {
    let (mut data, report) = match seed_dir {
        Some(dir) => seed::load(dir, time_shift, now),
        None => (SeedData::default(), SeedReport::default()),
    };
    let mut input = CatalogInput {
        gamma_markets: std::mem::take(&mut data.gamma_markets),
        events: std::mem::take(&mut data.events),
        clob_markets: std::mem::take(&mut data.clob_markets),
    };
    let any_markets = !input.gamma_markets.is_empty()
        || !input.clob_markets.is_empty()
        || input.events.iter().any(|e| !e.full_markets.is_empty());
    if !any_markets {
        if seed_dir.is_some() {
            tracing::warn!(
                "fakex: the seed folder has no markets; generating {generated} markets instead"
            );
        }
        input = catalog::generate::generate(seed, generated, now);
    }
    Loaded {
        input,
        data,
        report,
    }
}

/// Builds the full initial state.
pub fn build_state(
    seed_dir: Option<&std::path::Path>,
    time_shift: bool,
    seed: u64,
    generated: usize,
    tx: broadcast::Sender<Arc<Frame>>,
    activity: broadcast::Sender<Arc<ActivityFrame>>,
) -> (State, SeedReport) {
    let now = Utc::now();
    let Loaded {
        input,
        data,
        report,
    } = load(seed_dir, time_shift, seed, generated, now);
    let cat = catalog::build(input);
    let mut tape = Tape::new(seed, data.wallets, data.positions);
    add_metas(&cat, &mut tape);
    let hist = Histories::new(data.histories, now.timestamp(), seed);
    let rng = StdRng::seed_from_u64(derive_seed(seed, "simulator"));
    let mut st = State::new(cat, rng, tape, hist, tx, activity, seed);
    let recorded: HashMap<TokenId, RecordedBook> =
        data.books.into_iter().map(|b| (b.asset, b)).collect();
    init_books(&mut st, &recorded);
    let mut trades = data.trades;
    trades.sort_by_key(|t| t.timestamp);
    trades.into_iter().for_each(|t| st.tape.add_recorded(t));
    crate::styles::history::seed(&mut st, now.timestamp());
    tracing::info!(
        markets = st.cat.markets.len(),
        events = st.cat.events.len(),
        live_tokens = st.live.len(),
        trades = st.tape.trades.len(),
        wallets = st.tape.wallets.len(),
        "fakex exchange built"
    );
    (st, report)
}

fn add_metas(cat: &Catalog, tape: &mut Tape) {
    for m in &cat.markets {
        let event = m.events.first().map(|e| &cat.events[*e]);
        for (o, token) in m.tokens.iter().enumerate() {
            let opposite = m.complement(o);
            let meta = TradeMeta {
                asset: token.to_string(),
                condition: m.cid.clone(),
                title: m.question.clone(),
                slug: m.slug.clone(),
                icon: m.icon.clone(),
                event_slug: event.map(|e| e.slug.clone()).unwrap_or_default(),
                event_id: event.map(|e| e.id.clone()).unwrap_or_default(),
                outcome: m.outcomes.get(o).cloned().unwrap_or_default(),
                outcome_index: o as i32,
                opposite_outcome: opposite
                    .and_then(|c| m.outcomes.get(c).cloned())
                    .unwrap_or_default(),
                opposite_asset: opposite
                    .and_then(|c| m.tokens.get(c))
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                end_date: m
                    .end_date
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                neg_risk: m.neg_risk,
            };
            tape.metas.insert(*token, Arc::new(meta));
        }
    }
}

/// The initial last-trade price: the recorded one when it fits the grid, else the midpoint.
fn initial_last(grid: &Grid, recorded: Option<f64>, book: &OrderBook) -> Option<Price> {
    let mid = book.mid();
    let p = recorded.filter(|p| *p > 0.0 && *p < 1.0).or(mid)?;
    let micros = grid.floor((p * 1e6).round() as u32).clamp(grid.lo, grid.hi);
    grid.price(micros)
}

/// The first books of a live market: generated (or recorded) for the first outcome and
/// mirrored for the second of a binary market; independent books otherwise.
fn market_books(
    seed: u64,
    tokens: &[TokenId],
    tick: TickSize,
    quote: &Quote,
    lookup: &dyn Fn(TokenId) -> Option<RecordedBook>,
    ts: i64,
) -> Vec<(TokenId, OrderBook)> {
    if tokens.len() == 2 {
        let (bids, asks) = books::initial_levels(seed, tokens, tick, quote, lookup);
        let mut yes = OrderBook::new(tokens[0], tick);
        yes.apply_snapshot(bids.iter().copied(), asks.iter().copied(), ts);
        let mut no = OrderBook::new(tokens[1], tick);
        no.apply_snapshot(books::mirror(&asks), books::mirror(&bids), ts);
        return vec![(tokens[0], yes), (tokens[1], no)];
    }
    tokens
        .iter()
        .map(|t| {
            let (bids, asks) =
                books::initial_levels(seed, std::slice::from_ref(t), tick, quote, lookup);
            let mut book = OrderBook::new(*t, tick);
            book.apply_snapshot(bids, asks, ts);
            (*t, book)
        })
        .collect()
}

fn init_books(st: &mut State, recorded: &HashMap<TokenId, RecordedBook>) {
    let ts = st.next_ts();
    let seed = st.seed;
    let lookup = |t: TokenId| recorded.get(&t).cloned();
    for mi in 0..st.cat.markets.len() {
        let m = &st.cat.markets[mi];
        if !m.live {
            // Closed markets have no book, but their history still ends at the recorded price.
            if let Some(&first) = m.tokens.first() {
                let price = m.quote.price.unwrap_or(0.5).clamp(0.0, 1.0);
                st.hist.set_start_price(first, price);
            }
            continue;
        }
        let (tokens, tick, quote) = (m.tokens.clone(), m.tick, m.quote);
        let built = market_books(seed, &tokens, tick, &quote, &lookup, ts);
        let grid = Grid::new(tick);
        let first_last = built
            .first()
            .and_then(|(_, b)| initial_last(&grid, quote.last, b));
        for (o, (token, book)) in built.into_iter().enumerate() {
            let last = match o {
                0 => first_last,
                1 if tokens.len() == 2 => first_last.map(Price::complement),
                _ => initial_last(&grid, None, &book),
            };
            let Some(last_price) = last.or(first_last) else {
                continue;
            };
            let last_top = (
                book.best_bid().map(|l| l.price),
                book.best_ask().map(|l| l.price),
            );
            let tb = TokenBook {
                market: mi,
                outcome: o,
                book,
                last_price,
                last_side: Side::Buy,
                last_top,
            };
            add_book(st, token, tb, tokens.len() == 2);
        }
    }
    st.invalidate_live();
}

/// Registers a live book; the first outcome also seeds the market's fair value and history.
fn add_book(st: &mut State, token: TokenId, tb: TokenBook, binary: bool) {
    let price = tb.display_price();
    if tb.outcome == 0 || !binary {
        st.hist.set_start_price(token, price);
    }
    if tb.outcome == 0 {
        let p = price.clamp(0.0005, 0.9995);
        st.fair[tb.market] = (p / (1.0 - p)).ln();
    }
    st.books.insert(token, tb);
    st.live.push(token);
}
