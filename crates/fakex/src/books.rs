//! Building and checking order books.
//!
//! No real books exist for the recorded tokens, so each live market gets a deterministic
//! synthetic book (seeded by the run seed and the token id, so it does not depend on load
//! order) around its recorded quote, on its tick. Binary markets keep the venue's structure:
//! the second outcome's book is the mirror of the first (a YES bid at p is a NO ask at 1 − p).

use polybot_model::{BookSide, Level, OrderBook, Price, Size, TickSize, TokenId};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::catalog::spec::Quote;
use crate::seed::records::RecordedBook;
use crate::util::derive_seed;

/// The price grid of a tick: multiples of the tick within `[tick, 1 − tick]` and the venue's
/// global bounds `[0.001, 0.999]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub tick: u32,
    pub lo: u32,
    pub hi: u32,
}

impl Grid {
    #[must_use]
    pub fn new(tick: TickSize) -> Grid {
        let t = tick.micros();
        let lo = t.max(Price::MIN.micros()).div_ceil(t) * t;
        let hi = ((1_000_000 - t).min(Price::MAX.micros()) / t) * t;
        Grid { tick: t, lo, hi }
    }

    #[must_use]
    pub fn contains(&self, micros: u32) -> bool {
        micros >= self.lo && micros <= self.hi && micros.is_multiple_of(self.tick)
    }

    #[must_use]
    pub fn floor(&self, micros: u32) -> u32 {
        (micros / self.tick) * self.tick
    }

    #[must_use]
    pub fn ceil(&self, micros: u32) -> u32 {
        micros.div_ceil(self.tick) * self.tick
    }

    /// A price on the grid, or `None` outside it.
    #[must_use]
    pub fn price(&self, micros: u32) -> Option<Price> {
        self.contains(micros)
            .then(|| Price::from_micros(micros).ok())
            .flatten()
    }
}

/// A size rounded to two decimals (the venue's lot size), at least 0.01.
#[must_use]
pub fn size_2dp(shares: f64) -> Size {
    let cents = (shares.max(0.01) * 100.0).round() as u64;
    Size::from_micros(cents.max(1) * 10_000)
}

/// A plausible resting size: mostly tens to hundreds of shares, sometimes thousands; whole
/// shares half of the time, two decimals otherwise.
pub fn random_size(rng: &mut StdRng, depth: usize) -> Size {
    let base = rng.random_range(2.3_f64..8.0).exp() * (1.0 + depth as f64 * 0.15);
    if rng.random_bool(0.5) {
        Size::shares(base.round().max(1.0) as u64)
    } else {
        size_2dp(base)
    }
}

fn to_micros(p: f64) -> u32 {
    (p.clamp(0.0, 1.0) * 1e6).round() as u32
}

/// The initial best bid and ask (in micros) for a quote, on the grid.
fn initial_top(grid: &Grid, quote: &Quote, rng: &mut StdRng) -> (u32, u32) {
    if let (Some(bid), Some(ask)) = (quote.bid, quote.ask) {
        let (b, a) = (grid.floor(to_micros(bid)), grid.ceil(to_micros(ask)));
        if grid.contains(b) && grid.contains(a) && b < a && a - b <= 20 * grid.tick.max(5_000) {
            return (b, a);
        }
    }
    let mid = quote
        .price
        .or(quote.last)
        .filter(|p| (0.0..=1.0).contains(p))
        .unwrap_or(0.5);
    let max_spread = match grid.tick {
        t if t >= 100_000 => 1,
        t if t >= 5_000 => 3,
        t if t >= 1_000 => 10,
        _ => 40,
    };
    let spread = rng.random_range(1..=max_spread) * grid.tick;
    let mid = to_micros(mid).clamp(
        grid.lo + grid.tick / 2,
        grid.hi.saturating_sub(grid.tick / 2),
    );
    let mut bid = grid.floor(mid.saturating_sub(spread / 2)).max(grid.lo);
    let mut ask = (bid + spread).min(grid.hi);
    if ask <= bid {
        bid = grid.hi - grid.tick;
        ask = grid.hi;
    }
    (bid, ask)
}

/// Walks away from the top of one side, placing 5–15 levels with 1–3 tick gaps.
fn ladder(grid: &Grid, top: u32, side: BookSide, rng: &mut StdRng) -> Vec<Level> {
    let n = rng.random_range(5..=15);
    let mut out = Vec::with_capacity(n);
    let mut price = top;
    for depth in 0..n {
        let Some(p) = grid.price(price) else { break };
        out.push(Level::new(p, random_size(rng, depth)));
        let gap = match rng.random_range(0..20) {
            0..=11 => 1,
            12..=16 => 2,
            _ => 3,
        } * grid.tick;
        price = match side {
            BookSide::Bid => match price.checked_sub(gap) {
                Some(p) => p,
                None => break,
            },
            BookSide::Ask => price + gap,
        };
    }
    out
}

/// The mirror of a side: levels of the complementary outcome, on the opposite side.
#[must_use]
pub fn mirror(levels: &[Level]) -> Vec<Level> {
    levels
        .iter()
        .map(|l| Level::new(l.price.complement(), l.size))
        .collect()
}

/// Rounds recorded or re-ticked levels onto `grid` (bids down, asks up, so nothing crosses),
/// merging levels that land on the same price and dropping those outside the grid.
#[must_use]
pub fn regrid(levels: &[Level], side: BookSide, grid: &Grid) -> Vec<Level> {
    let mut out: Vec<Level> = Vec::new();
    for l in levels {
        let m = match side {
            BookSide::Bid => grid.floor(l.price.micros()),
            BookSide::Ask => grid.ceil(l.price.micros()),
        };
        let Some(p) = grid.price(m) else { continue };
        match out.iter_mut().find(|x| x.price == p) {
            Some(x) => x.size = x.size.saturating_add(l.size),
            None => out.push(Level::new(p, l.size)),
        }
    }
    out
}

fn recorded_levels(book: &RecordedBook, grid: &Grid) -> Option<(Vec<Level>, Vec<Level>)> {
    let conv = |v: &[(f64, f64)]| -> Vec<Level> {
        v.iter()
            .filter_map(|(p, s)| {
                Some(Level::new(
                    Price::from_micros(to_micros(*p)).ok()?,
                    size_2dp(*s),
                ))
            })
            .collect()
    };
    let bids = regrid(&conv(&book.bids), BookSide::Bid, grid);
    let mut asks = regrid(&conv(&book.asks), BookSide::Ask, grid);
    let best_bid = bids.iter().map(|l| l.price).max();
    if let Some(bb) = best_bid {
        asks.retain(|l| l.price > bb);
    }
    (!bids.is_empty() && !asks.is_empty()).then_some((bids, asks))
}

/// The first book of a market's first outcome: from a recorded book of either outcome when
/// one exists, else generated around `quote`.
#[must_use]
pub fn initial_levels(
    seed: u64,
    tokens: &[TokenId],
    tick: TickSize,
    quote: &Quote,
    recorded: &dyn Fn(TokenId) -> Option<RecordedBook>,
) -> (Vec<Level>, Vec<Level>) {
    let grid = Grid::new(tick);
    if let Some(first) = tokens.first()
        && let Some(book) = recorded(*first)
        && let Some(levels) = recorded_levels(&book, &grid)
    {
        return levels;
    }
    if tokens.len() == 2
        && let Some(book) = recorded(tokens[1])
        && let Some((bids, asks)) = recorded_levels(&book, &grid)
    {
        return (mirror(&asks), mirror(&bids));
    }
    let label = tokens.first().map(ToString::to_string).unwrap_or_default();
    let mut rng = StdRng::seed_from_u64(derive_seed(seed, &label));
    let (bid, ask) = initial_top(&grid, quote, &mut rng);
    (
        ladder(&grid, bid, BookSide::Bid, &mut rng),
        ladder(&grid, ask, BookSide::Ask, &mut rng),
    )
}

/// Why a book is invalid, if it is: crossed or locked, off-tick or out-of-bounds prices,
/// zero-size levels, or sides out of order.
pub fn check(book: &OrderBook) -> Result<(), String> {
    let grid = Grid::new(book.tick_size());
    for (side, levels) in [(BookSide::Bid, book.bids()), (BookSide::Ask, book.asks())] {
        for w in levels.windows(2) {
            let ordered = match side {
                BookSide::Bid => w[0].price < w[1].price,
                BookSide::Ask => w[0].price > w[1].price,
            };
            if !ordered {
                return Err(format!("{side:?} levels out of order at {}", w[1].price));
            }
        }
        for l in levels {
            if !grid.contains(l.price.micros()) {
                return Err(format!(
                    "{side:?} price {} off the {} grid",
                    l.price,
                    book.tick_size()
                ));
            }
            if l.size.is_zero() {
                return Err(format!("{side:?} level {} has zero size", l.price));
            }
        }
    }
    if book.is_crossed() {
        return Err("book is crossed or locked".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_respect_all_bounds() {
        assert_eq!(
            Grid::new(TickSize::TenThousandth),
            Grid {
                tick: 100,
                lo: 1_000,
                hi: 999_000
            }
        );
        assert_eq!(
            Grid::new(TickSize::Tenth),
            Grid {
                tick: 100_000,
                lo: 100_000,
                hi: 900_000
            }
        );
        assert_eq!(
            Grid::new(TickSize::QuarterHundredth),
            Grid {
                tick: 2_500,
                lo: 2_500,
                hi: 997_500
            }
        );
    }

    #[test]
    fn generated_books_are_valid_for_every_tick_and_quote() {
        let tokens = [TokenId::parse("1").unwrap(), TokenId::parse("2").unwrap()];
        for tick in TickSize::ALL {
            for p in [0.0005, 0.004, 0.2, 0.5, 0.93, 0.998, 1.0] {
                for seed in 0..20 {
                    let quote = Quote {
                        price: Some(p),
                        ..Quote::default()
                    };
                    let (bids, asks) = initial_levels(seed, &tokens, tick, &quote, &|_| None);
                    let mut book = OrderBook::new(tokens[0], tick);
                    book.apply_snapshot(bids.clone(), asks.clone(), 1);
                    check(&book).unwrap_or_else(|e| panic!("tick {tick} p {p}: {e}"));
                    assert!(!bids.is_empty() && !asks.is_empty(), "tick {tick} p {p}");
                    let mut no = OrderBook::new(tokens[1], tick);
                    no.apply_snapshot(mirror(&asks), mirror(&bids), 1);
                    check(&no).unwrap();
                }
            }
        }
    }

    #[test]
    fn recorded_quotes_are_used() {
        let tokens = [TokenId::parse("1").unwrap()];
        let quote = Quote {
            bid: Some(0.004),
            ask: Some(0.006),
            ..Quote::default()
        };
        let (bids, asks) = initial_levels(1, &tokens, TickSize::Thousandth, &quote, &|_| None);
        assert_eq!(bids[0].price.micros(), 4_000);
        assert_eq!(asks[0].price.micros(), 6_000);
    }

    #[test]
    fn regrid_never_crosses() {
        let lv = |p: u32| Level::new(Price::from_micros(p).unwrap(), Size::shares(1));
        let bids = regrid(
            &[lv(494_000), lv(495_000)],
            BookSide::Bid,
            &Grid::new(TickSize::Hundredth),
        );
        let asks = regrid(
            &[lv(496_000), lv(510_000)],
            BookSide::Ask,
            &Grid::new(TickSize::Hundredth),
        );
        assert_eq!(bids.len(), 1);
        assert_eq!(bids[0].size, Size::shares(2));
        assert_eq!(
            asks.iter().map(|l| l.price.micros()).collect::<Vec<_>>(),
            vec![500_000, 510_000]
        );
    }
}
