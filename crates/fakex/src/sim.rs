//! The market simulator: random but valid book activity, deterministic for a given seed and
//! sequence of `step` calls.
//!
//! Each event picks a token (among those somebody watches over the WebSocket, so tests and
//! demos see activity where they look; otherwise among all live tokens) and then either
//! changes a level near the top, trades against the best level, shifts the quote by a tick
//! towards a drifting fair value, or churns a deeper level. Every change goes through
//! [`set_level`], which mirrors it onto the complementary outcome and keeps the books valid:
//! never crossed, on tick, inside the price grid, no zero-size levels.

use polybot_model::{BookSide, Level, Price, Side, Size, TokenId};
use rand::RngExt;

use crate::books::{Grid, random_size, size_2dp};
use crate::exchange::state::State;
use crate::exchange::wire::{self, Change};
use crate::styles::Print;
use crate::tape::TapeTrade;

/// Changes of one event, grouped per asset in the order they happened.
#[derive(Default)]
struct Batch {
    items: Vec<(TokenId, Vec<Change>)>,
}

impl Batch {
    fn push(&mut self, token: TokenId, change: Change) {
        match self.items.iter_mut().find(|(t, _)| *t == token) {
            Some((_, list)) => list.push(change),
            None => self.items.push((token, vec![change])),
        }
    }
}

fn opposite(side: BookSide) -> BookSide {
    match side {
        BookSide::Bid => BookSide::Ask,
        BookSide::Ask => BookSide::Bid,
    }
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(0.0005, 0.9995);
    (p / (1.0 - p)).ln()
}

/// Sets levels (each mirrored onto the complementary outcome) and broadcasts the changes:
/// how fakex orders enter and leave the simulated book.
pub(crate) fn apply_levels(st: &mut State, changes: &[(TokenId, BookSide, Price, Size)]) {
    let mut batch = Batch::default();
    for (token, side, price, size) in changes {
        set_level(st, &mut batch, *token, *side, *price, *size);
    }
    flush(st, batch);
}

/// Runs `n` events; returns how many were trades.
pub fn step(st: &mut State, n: u32) -> u64 {
    let mut trades = 0;
    for _ in 0..n {
        let Some(token) = pick_token(st) else {
            return trades;
        };
        drift_fair(st, token);
        let roll = st.rng.random_range(0..100);
        let done = match roll {
            0..=44 => level_update(st, token),
            45..=74 => {
                let traded = trade(st, token);
                trades += u64::from(traded.is_some());
                traded
            }
            75..=89 => quote_shift(st, token),
            _ => deep_churn(st, token),
        };
        if done.is_none() {
            let _ = level_update(st, token);
        }
    }
    trades
}

fn pick_token(st: &mut State) -> Option<TokenId> {
    let watched = st.subscribed_live().len();
    if watched > 0 {
        let i = st.rng.random_range(0..watched);
        return st.subscribed_live().get(i).copied();
    }
    if st.live.is_empty() {
        return None;
    }
    let i = st.rng.random_range(0..st.live.len());
    st.live.get(i).copied()
}

fn mid_logit(st: &State, token: TokenId) -> Option<f64> {
    st.books.get(&token).map(|tb| logit(tb.display_price()))
}

/// The fair value wanders and is pulled back towards the market, so prices random-walk
/// without running away.
fn drift_fair(st: &mut State, token: TokenId) {
    let Some(tb) = st.books.get(&token) else {
        return;
    };
    let (m, o) = (tb.market, tb.outcome);
    let Some(mid) = mid_logit(st, token) else {
        return;
    };
    // The fair value is kept for the first outcome; the second sees its negation.
    let mid0 = if o == 1 && st.cat.markets[m].tokens.len() == 2 {
        -mid
    } else {
        mid
    };
    let noise = st.rng.random_range(-0.03..0.03);
    if let Some(f) = st.fair.get_mut(m) {
        if *f == 0.0 {
            *f = mid0;
        }
        *f += noise + 0.05 * (mid0 - *f);
    }
}

/// Probability that the next move of `token` is up, leaning towards the fair value.
fn p_up(st: &State, token: TokenId) -> f64 {
    let Some(tb) = st.books.get(&token) else {
        return 0.5;
    };
    let m = &st.cat.markets[tb.market];
    let fair0 = st.fair.get(tb.market).copied().unwrap_or(0.0);
    let fair = if tb.outcome == 1 && m.tokens.len() == 2 {
        -fair0
    } else {
        fair0
    };
    let mid = mid_logit(st, token).unwrap_or(0.0);
    0.5 + (0.5 * (fair - mid)).clamp(-0.3, 0.3)
}

/// Sets a level and its mirror on the complementary outcome.
fn set_level(
    st: &mut State,
    batch: &mut Batch,
    token: TokenId,
    side: BookSide,
    price: Price,
    size: Size,
) {
    // fakex orders resting at this level are part of it: the simulated crowd can shrink its
    // own share, never theirs.
    let size = crate::trading::matching::floor_level(
        &mut st.trading,
        st.cat.complement_of(token),
        token,
        side,
        price,
        size,
    );
    let Some(tb) = st.books.get_mut(&token) else {
        return;
    };
    tb.book.set_level(side, price, size);
    batch.push(token, Change { side, price, size });
    let (mi, o) = (tb.market, tb.outcome);
    let market = &st.cat.markets[mi];
    if let Some(c) = market.complement(o)
        && let Some(ct) = market.tokens.get(c).copied()
        && let Some(cb) = st.books.get_mut(&ct)
    {
        let (cside, cprice) = (opposite(side), price.complement());
        cb.book.set_level(cside, cprice, size);
        batch.push(
            ct,
            Change {
                side: cside,
                price: cprice,
                size,
            },
        );
    }
}

/// Stamps and broadcasts a batch: one `price_change` per asset, plus `best_bid_ask` for
/// custom-feature subscribers when the top of book moved; records history points.
fn flush(st: &mut State, batch: Batch) {
    for (token, changes) in batch.items {
        let ts = st.next_ts();
        let listening = st.has_listeners();
        let Some(tb) = st.books.get_mut(&token) else {
            continue;
        };
        tb.book.set_timestamp(ts);
        let top = (
            tb.book.best_bid().map(|l| l.price),
            tb.book.best_ask().map(|l| l.price),
        );
        let top_changed = top != tb.last_top;
        tb.last_top = top;
        let market = &st.cat.markets[tb.market];
        let primary = tb.outcome == 0 || market.tokens.len() != 2;
        let price = tb.display_price();
        let texts = listening.then(|| {
            let pc = wire::price_change(&market.cid, token, &tb.book, &changes, ts);
            let bba = top_changed.then(|| wire::best_bid_ask(&market.cid, token, &tb.book, ts));
            (pc, bba)
        });
        if primary {
            st.hist.record(token, ts / 1000, price);
        }
        if let Some((pc, bba)) = texts {
            st.emit(vec![token], false, pc);
            if let Some(bba) = bba {
                st.emit(vec![token], true, bba);
            }
        }
    }
}

struct View {
    grid: Grid,
    best_bid: Option<Level>,
    best_ask: Option<Level>,
}

fn view(st: &State, token: TokenId) -> Option<View> {
    let tb = st.books.get(&token)?;
    Some(View {
        grid: Grid::new(tb.book.tick_size()),
        best_bid: tb.book.best_bid(),
        best_ask: tb.book.best_ask(),
    })
}

impl View {
    /// Whether a new level at `micros` on `side` keeps the book valid and uncrossed.
    fn allows(&self, side: BookSide, micros: u32) -> Option<Price> {
        let ok = match side {
            BookSide::Bid => self.best_ask.is_none_or(|a| micros < a.price.micros()),
            BookSide::Ask => self.best_bid.is_none_or(|b| micros > b.price.micros()),
        };
        ok.then(|| self.grid.price(micros)).flatten()
    }

    fn best(&self, side: BookSide) -> Option<Level> {
        match side {
            BookSide::Bid => self.best_bid,
            BookSide::Ask => self.best_ask,
        }
    }

    /// A price `ticks` ticks behind the best of `side` (or of the other side when empty).
    fn behind(&self, side: BookSide, ticks: u32) -> Option<u32> {
        let t = self.grid.tick;
        match (side, self.best(side), self.best(opposite(side))) {
            (BookSide::Bid, Some(b), _) => b.price.micros().checked_sub(ticks * t),
            (BookSide::Ask, Some(a), _) => Some(a.price.micros() + ticks * t),
            (BookSide::Bid, None, Some(a)) => a.price.micros().checked_sub(ticks * t),
            (BookSide::Ask, None, Some(b)) => Some(b.price.micros() + ticks * t),
            (_, None, None) => None,
        }
    }
}

fn random_side(st: &mut State) -> BookSide {
    if st.rng.random_bool(0.5) {
        BookSide::Bid
    } else {
        BookSide::Ask
    }
}

/// Adds, resizes or removes one of the top five levels of one side.
fn level_update(st: &mut State, token: TokenId) -> Option<()> {
    let side = random_side(st);
    let v = view(st, token)?;
    let top: Vec<Level> = st
        .books
        .get(&token)?
        .book
        .side(side)
        .iter()
        .rev()
        .take(5)
        .copied()
        .collect();
    let action = if top.len() < 3 {
        5
    } else {
        st.rng.random_range(0..10)
    };
    let mut batch = Batch::default();
    match action {
        0..=3 => {
            let l = top[st.rng.random_range(0..top.len())];
            let factor = st.rng.random_range(0.3..2.0);
            set_level(
                st,
                &mut batch,
                token,
                side,
                l.price,
                size_2dp(l.size.as_f64() * factor),
            );
        }
        4..=6 => {
            let price = new_level_price(st, &v, side)?;
            let size = random_size(&mut st.rng, 0);
            set_level(st, &mut batch, token, side, price, size);
        }
        _ => {
            let l = top[st.rng.random_range(0..top.len())];
            set_level(st, &mut batch, token, side, l.price, Size::ZERO);
        }
    }
    flush(st, batch);
    Some(())
}

/// Somewhere to put a new level: inside the spread a third of the time when there is room,
/// else a few ticks behind the top.
fn new_level_price(st: &mut State, v: &View, side: BookSide) -> Option<Price> {
    if let (Some(b), Some(a)) = (v.best_bid, v.best_ask) {
        let gap = (a.price.micros() - b.price.micros()) / v.grid.tick;
        if gap >= 2 && st.rng.random_bool(0.33) {
            let k = st.rng.random_range(1..gap);
            return v.allows(side, b.price.micros() + k * v.grid.tick);
        }
    }
    let ticks = st.rng.random_range(1..=8);
    v.allows(side, v.behind(side, ticks)?)
}

/// A taker trade against the best level: `last_trade_price`, then the level's update.
fn trade(st: &mut State, token: TokenId) -> Option<()> {
    let up = p_up(st, token);
    let taker = if st.rng.random_bool(up) {
        Side::Buy
    } else {
        Side::Sell
    };
    let side = if taker == Side::Buy {
        BookSide::Ask
    } else {
        BookSide::Bid
    };
    let v = view(st, token)?;
    let level = v.best(side)?;
    let (edge, spread) = fair_edge(st, token, &v, taker);
    let consumed = taker_size(st, level);
    // The simulated taker consumes the queue at this level, fakex orders included.
    crate::trading::matching::fill_makers(st, token, side, level.price, consumed.micros(), None);
    let ts = st.next_ts();
    print_trade(st, token, level.price, consumed, taker, ts)?;
    let mut batch = Batch::default();
    set_level(
        st,
        &mut batch,
        token,
        side,
        level.price,
        level.size.saturating_sub(consumed),
    );
    replenish(st, &mut batch, token, side);
    flush(st, batch);
    let print = Print {
        token,
        side: taker,
        size: consumed.as_f64(),
        price: level.price.as_f64(),
        edge,
        spread,
    };
    record_trade(st, &print, ts);
    nudge_fair(st, token, taker);
    Some(())
}

/// How far the fair value sits beyond the book's mid in the direction of a `taker` trade
/// (dollars per share), and the spread; both read before the trade (see `styles`).
fn fair_edge(st: &State, token: TokenId, v: &View, taker: Side) -> (f64, f64) {
    let Some(tb) = st.books.get(&token) else {
        return (0.0, f64::INFINITY);
    };
    let m = &st.cat.markets[tb.market];
    let fair0 = st.fair.get(tb.market).copied().unwrap_or(0.0);
    let fair = if tb.outcome == 1 && m.tokens.len() == 2 {
        -fair0
    } else {
        fair0
    };
    let (mid, spread) = match (v.best_bid, v.best_ask) {
        (Some(b), Some(a)) => (
            (b.price.as_f64() + a.price.as_f64()) / 2.0,
            a.price.as_f64() - b.price.as_f64(),
        ),
        _ => (tb.display_price(), f64::INFINITY),
    };
    let gap = 1.0 / (1.0 + (-fair).exp()) - mid;
    let edge = if taker == Side::Buy { gap } else { -gap };
    (edge, spread)
}

/// How much a taker takes from a level: all of it 30% of the time, else a part (≥ 1 share).
fn taker_size(st: &mut State, level: Level) -> Size {
    if st.rng.random_bool(0.3) {
        return level.size;
    }
    let part = size_2dp((level.size.as_f64() * st.rng.random_range(0.05..0.9)).max(1.0));
    part.min(level.size)
}

/// Updates the token's last trade and broadcasts `last_trade_price`.
pub(crate) fn print_trade(
    st: &mut State,
    token: TokenId,
    price: Price,
    size: Size,
    taker: Side,
    ts: i64,
) -> Option<()> {
    let tb = st.books.get_mut(&token)?;
    tb.last_price = price;
    tb.last_side = taker;
    let mi = tb.market;
    if st.has_listeners() {
        let m = &st.cat.markets[mi];
        let text = wire::last_trade(&m.cid, token, price, size, taker, m.taker_base_fee, ts);
        st.emit(vec![token], false, text);
    }
    Some(())
}

/// Trades move the fair value a little in their direction (buying the first outcome, or
/// selling the second, pushes it up).
fn nudge_fair(st: &mut State, token: TokenId, taker: Side) {
    let Some(tb) = st.books.get(&token) else {
        return;
    };
    let (mi, o) = (tb.market, tb.outcome);
    let dir = if (taker == Side::Buy) == (o == 0) {
        1.0
    } else {
        -1.0
    };
    if let Some(f) = st.fair.get_mut(mi) {
        *f += 0.02 * dir;
    }
}

/// Keeps at least three levels on a side by adding one behind the worst.
fn replenish(st: &mut State, batch: &mut Batch, token: TokenId, side: BookSide) {
    let Some(tb) = st.books.get(&token) else {
        return;
    };
    let levels = tb.book.side(side);
    if levels.len() >= 3 {
        return;
    }
    let grid = Grid::new(tb.book.tick_size());
    let gap = st.rng.random_range(1..=3) * grid.tick;
    let worst = levels.first().map(|l| l.price.micros());
    let micros = match (side, worst) {
        (BookSide::Bid, Some(w)) => w.checked_sub(gap),
        (BookSide::Ask, Some(w)) => Some(w + gap),
        _ => None,
    };
    if let Some(p) = micros.and_then(|m| view(st, token)?.allows(side, m)) {
        let size = random_size(&mut st.rng, 5);
        set_level(st, batch, token, side, p, size);
    }
}

/// Puts a simulated trade on the tape: the taker, and a skilled wallet's resting order if
/// it was part of the level (see `styles`).
fn record_trade(st: &mut State, print: &Print, ts: i64) {
    let token = print.token;
    let Some(&(mi, _)) = st.cat.by_token.get(&token) else {
        return;
    };
    let (size, price) = (print.size, print.price);
    st.cat.markets[mi].sim_volume += size * price;
    let Some(meta) = st.tape.metas.get(&token).cloned() else {
        return;
    };
    let crowd = st.tape.pick_wallet(print.side, token, size);
    let wallet = st.tape.attribute(crowd, print);
    let trade = TapeTrade {
        wallet,
        token,
        meta,
        side: print.side,
        size,
        price,
        ts: ts / 1000,
        ts_ms: ts,
        taker: true,
        tx: Box::default(),
    };
    st.tape.add_simulated(trade.clone());
    st.publish_activity(st.tape.trades.len() - 1);
    if let Some(fill) = st.tape.skilled_maker(print) {
        st.tape.add_maker_fill(TapeTrade {
            wallet: fill.wallet,
            side: fill.side,
            size: fill.size,
            taker: false,
            ..trade
        });
        st.publish_activity(st.tape.trades.len() - 1);
    }
}

/// Moves the quote one tick: improves one side, or when the spread is a single tick, pulls
/// the opposing best level and re-posts it on this side.
fn quote_shift(st: &mut State, token: TokenId) -> Option<()> {
    let up = st.rng.random_bool(p_up(st, token));
    let v = view(st, token)?;
    let (bid, ask) = (v.best_bid?, v.best_ask?);
    let t = v.grid.tick;
    let mut batch = Batch::default();
    let size = random_size(&mut st.rng, 0);
    if ask.price.micros() - bid.price.micros() > t {
        let (side, micros) = if up {
            (BookSide::Bid, bid.price.micros() + t)
        } else {
            (BookSide::Ask, ask.price.micros() - t)
        };
        let price = v.allows(side, micros)?;
        set_level(st, &mut batch, token, side, price, size);
    } else if up {
        let price = v.grid.price(ask.price.micros())?;
        set_level(st, &mut batch, token, BookSide::Ask, ask.price, Size::ZERO);
        set_level(st, &mut batch, token, BookSide::Bid, price, size);
        replenish(st, &mut batch, token, BookSide::Ask);
    } else {
        let price = v.grid.price(bid.price.micros())?;
        set_level(st, &mut batch, token, BookSide::Bid, bid.price, Size::ZERO);
        set_level(st, &mut batch, token, BookSide::Ask, price, size);
        replenish(st, &mut batch, token, BookSide::Bid);
    }
    flush(st, batch);
    Some(())
}

/// Resizes a random level anywhere on one side (deep-book churn).
fn deep_churn(st: &mut State, token: TokenId) -> Option<()> {
    let side = random_side(st);
    let len = st.books.get(&token)?.book.side(side).len();
    if len == 0 {
        return None;
    }
    let i = st.rng.random_range(0..len);
    let l = *st.books.get(&token)?.book.side(side).get(i)?;
    let size = random_size(&mut st.rng, 5);
    let mut batch = Batch::default();
    set_level(st, &mut batch, token, side, l.price, size);
    flush(st, batch);
    Some(())
}
