//! [`OrderBook`]: a local L2 book for one outcome token.
//!
//! Each side is a `Vec<Level>` kept sorted *worst first*, so the best level is the last element:
//! reading the top of book is O(1), and the frequent updates near the top move only the few
//! elements above the touched level. This is also the venue's REST ordering (bids ascending,
//! asks descending). After the first snapshot the vectors keep their capacity, so updates do not
//! allocate.

use serde::{Deserialize, Serialize};

use crate::ids::TokenId;
use crate::num::{Price, Size, TickSize, Usdc};

/// The side of a book a level rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum BookSide {
    Bid,
    Ask,
}

/// One price level: the total size resting at a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub price: Price,
    pub size: Size,
}

impl Level {
    #[must_use]
    pub const fn new(price: Price, size: Size) -> Self {
        Level { price, size }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderBook {
    token_id: TokenId,
    tick_size: TickSize,
    /// Ascending by price: the best bid is last.
    bids: Vec<Level>,
    /// Descending by price: the best ask is last.
    asks: Vec<Level>,
    /// Venue timestamp (ms) of the last message applied.
    timestamp_ms: i64,
}

impl OrderBook {
    #[must_use]
    pub fn new(token_id: TokenId, tick_size: TickSize) -> Self {
        OrderBook {
            token_id,
            tick_size,
            bids: Vec::new(),
            asks: Vec::new(),
            timestamp_ms: 0,
        }
    }

    /// Replaces both sides with a snapshot. Levels may come in any order; zero sizes are
    /// dropped, and repeated prices keep the last size given.
    pub fn apply_snapshot(
        &mut self,
        bids: impl IntoIterator<Item = Level>,
        asks: impl IntoIterator<Item = Level>,
        timestamp_ms: i64,
    ) {
        fill_side(&mut self.bids, bids, |a, b| a.cmp(&b));
        fill_side(&mut self.asks, asks, |a, b| b.cmp(&a));
        self.timestamp_ms = timestamp_ms;
    }

    /// Sets the total size at `price` on `side` (a `price_change`); zero removes the level.
    pub fn set_level(&mut self, side: BookSide, price: Price, size: Size) {
        match side {
            BookSide::Bid => set_in_side(&mut self.bids, price, size, |a, b| a.cmp(&b)),
            BookSide::Ask => set_in_side(&mut self.asks, price, size, |a, b| b.cmp(&a)),
        }
    }

    pub fn set_timestamp(&mut self, timestamp_ms: i64) {
        self.timestamp_ms = timestamp_ms;
    }

    /// Empties the book, e.g. when its tick size changed and it must be rebuilt from a snapshot.
    pub fn clear(&mut self, tick_size: TickSize) {
        self.bids.clear();
        self.asks.clear();
        self.tick_size = tick_size;
    }

    #[must_use]
    pub fn token_id(&self) -> TokenId {
        self.token_id
    }

    #[must_use]
    pub fn tick_size(&self) -> TickSize {
        self.tick_size
    }

    #[must_use]
    pub fn timestamp_ms(&self) -> i64 {
        self.timestamp_ms
    }

    /// Bids, worst (lowest) first.
    #[must_use]
    pub fn bids(&self) -> &[Level] {
        &self.bids
    }

    /// Asks, worst (highest) first.
    #[must_use]
    pub fn asks(&self) -> &[Level] {
        &self.asks
    }

    /// Bids best first.
    pub fn bids_best_first(&self) -> impl Iterator<Item = &Level> {
        self.bids.iter().rev()
    }

    /// Asks best first.
    pub fn asks_best_first(&self) -> impl Iterator<Item = &Level> {
        self.asks.iter().rev()
    }

    #[must_use]
    pub fn best_bid(&self) -> Option<Level> {
        self.bids.last().copied()
    }

    #[must_use]
    pub fn best_ask(&self) -> Option<Level> {
        self.asks.last().copied()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bids.is_empty() && self.asks.is_empty()
    }

    /// A crossed or locked book means a missed update: it must be resynchronised.
    #[must_use]
    pub fn is_crossed(&self) -> bool {
        matches!((self.best_bid(), self.best_ask()), (Some(b), Some(a)) if b.price >= a.price)
    }

    /// Best ask minus best bid, in millionths.
    #[must_use]
    pub fn spread_micros(&self) -> Option<i64> {
        let (bid, ask) = (self.best_bid()?, self.best_ask()?);
        Some(i64::from(ask.price.micros()) - i64::from(bid.price.micros()))
    }

    /// The spread as a fraction of 1 (0.02 for a 2-cent spread).
    #[must_use]
    pub fn spread(&self) -> Option<f64> {
        self.spread_micros().map(|s| s as f64 / 1e6)
    }

    /// The midpoint of the best bid and ask.
    #[must_use]
    pub fn mid(&self) -> Option<f64> {
        let (bid, ask) = (self.best_bid()?, self.best_ask()?);
        Some((bid.price.as_f64() + ask.price.as_f64()) / 2.0)
    }

    /// The size-weighted microprice `(bid·askSize + ask·bidSize) / (bidSize + askSize)`: it leans
    /// towards the side with less size, where the price is more likely to move next.
    #[must_use]
    pub fn microprice(&self) -> Option<f64> {
        let (bid, ask) = (self.best_bid()?, self.best_ask()?);
        let (bs, a_s) = (bid.size.as_f64(), ask.size.as_f64());
        if bs + a_s <= 0.0 {
            return self.mid();
        }
        Some((bid.price.as_f64() * a_s + ask.price.as_f64() * bs) / (bs + a_s))
    }

    /// The size resting exactly at `price` on `side`.
    #[must_use]
    pub fn depth_at(&self, side: BookSide, price: Price) -> Size {
        let levels = self.side(side);
        let found = match side {
            BookSide::Bid => levels.binary_search_by(|l| l.price.cmp(&price)),
            BookSide::Ask => levels.binary_search_by(|l| price.cmp(&l.price)),
        };
        found.map_or(Size::ZERO, |i| levels[i].size)
    }

    /// Total size on `side` at prices at least as good as `limit` (what a taker could sweep).
    #[must_use]
    pub fn depth_through(&self, side: BookSide, limit: Price) -> Size {
        let iter = self.side(side).iter().rev();
        let mut total = Size::ZERO;
        for level in iter {
            let inside = match side {
                BookSide::Bid => level.price >= limit,
                BookSide::Ask => level.price <= limit,
            };
            if !inside {
                break;
            }
            total = total.saturating_add(level.size);
        }
        total
    }

    /// Notional (USDC) resting on both sides within `band_micros` of the midpoint; a liquidity
    /// figure comparable across markets.
    #[must_use]
    pub fn notional_within(&self, band_micros: u32) -> Usdc {
        let Some(mid) = self.mid() else {
            return Usdc::ZERO;
        };
        let band = f64::from(band_micros) / 1e6;
        let mut total = Usdc::ZERO;
        for level in self.bids.iter().chain(self.asks.iter()) {
            if (level.price.as_f64() - mid).abs() <= band + 1e-12 {
                total = total.saturating_add(level.size.notional(level.price));
            }
        }
        total
    }

    #[must_use]
    pub fn side(&self, side: BookSide) -> &[Level] {
        match side {
            BookSide::Bid => &self.bids,
            BookSide::Ask => &self.asks,
        }
    }
}

fn fill_side(
    levels: &mut Vec<Level>,
    source: impl IntoIterator<Item = Level>,
    order: impl Fn(Price, Price) -> core::cmp::Ordering,
) {
    levels.clear();
    levels.extend(source.into_iter().filter(|l| !l.size.is_zero()));
    // Stable sort so that, among repeated prices, the last one given stays last and wins below.
    levels.sort_by(|a, b| order(a.price, b.price));
    let mut write = 0;
    for read in 0..levels.len() {
        if write > 0 && levels[write - 1].price == levels[read].price {
            levels[write - 1] = levels[read];
        } else {
            levels[write] = levels[read];
            write += 1;
        }
    }
    levels.truncate(write);
}

fn set_in_side(
    levels: &mut Vec<Level>,
    price: Price,
    size: Size,
    order: impl Fn(Price, Price) -> core::cmp::Ordering,
) {
    // Updates cluster near the top of book, which is the end of the vector: scan from there.
    let mut idx = levels.len();
    while idx > 0 {
        match order(levels[idx - 1].price, price) {
            core::cmp::Ordering::Greater => idx -= 1,
            core::cmp::Ordering::Equal => {
                if size.is_zero() {
                    levels.remove(idx - 1);
                } else {
                    levels[idx - 1].size = size;
                }
                return;
            }
            core::cmp::Ordering::Less => break,
        }
    }
    if !size.is_zero() {
        levels.insert(idx, Level { price, size });
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use alloy_primitives::U256;
    use proptest::prelude::*;

    use super::*;

    fn px(s: &str) -> Price {
        Price::parse(s).unwrap()
    }
    fn sz(s: &str) -> Size {
        Size::parse(s).unwrap()
    }
    fn book() -> OrderBook {
        OrderBook::new(TokenId(U256::from(1002u64)), TickSize::Hundredth)
    }

    #[test]
    fn snapshot_sorts_and_exposes_top_of_book() {
        let mut b = book();
        b.apply_snapshot(
            [
                Level::new(px("0.50"), sz("10")),
                Level::new(px("0.48"), sz("5")),
                Level::new(px("0.49"), sz("0")),
            ],
            [
                Level::new(px("0.52"), sz("7")),
                Level::new(px("0.54"), sz("1")),
            ],
            42,
        );
        assert_eq!(b.best_bid().unwrap().price, px("0.50"));
        assert_eq!(b.best_ask().unwrap().price, px("0.52"));
        assert_eq!(b.bids().len(), 2, "zero-size level dropped");
        assert_eq!(b.spread_micros(), Some(20_000));
        assert!((b.mid().unwrap() - 0.51).abs() < 1e-12);
        // microprice leans to the ask, which has less size: (0.50*7 + 0.52*10) / 17
        assert!((b.microprice().unwrap() - (0.50 * 7.0 + 0.52 * 10.0) / 17.0).abs() < 1e-12);
        assert_eq!(b.depth_at(BookSide::Bid, px("0.48")), sz("5"));
        assert_eq!(b.depth_at(BookSide::Ask, px("0.53")), Size::ZERO);
        assert_eq!(b.depth_through(BookSide::Ask, px("0.54")), sz("8"));
        assert_eq!(b.timestamp_ms(), 42);
        assert!(!b.is_crossed());
    }

    #[test]
    fn set_level_inserts_updates_and_removes() {
        let mut b = book();
        b.set_level(BookSide::Bid, px("0.40"), sz("1"));
        b.set_level(BookSide::Bid, px("0.45"), sz("2"));
        b.set_level(BookSide::Bid, px("0.42"), sz("3"));
        assert_eq!(
            b.bids().iter().map(|l| l.price).collect::<Vec<_>>(),
            vec![px("0.40"), px("0.42"), px("0.45")]
        );
        b.set_level(BookSide::Bid, px("0.45"), Size::ZERO);
        assert_eq!(b.best_bid().unwrap().price, px("0.42"));
        b.set_level(BookSide::Ask, px("0.60"), sz("1"));
        b.set_level(BookSide::Ask, px("0.55"), sz("1"));
        assert_eq!(b.best_ask().unwrap().price, px("0.55"));
        b.set_level(BookSide::Ask, px("0.99"), Size::ZERO); // removing an absent level is a no-op
        assert_eq!(b.asks().len(), 2);
        b.set_level(BookSide::Bid, px("0.56"), sz("1"));
        assert!(b.is_crossed());
    }

    proptest! {
        /// The book agrees with a reference map after any sequence of updates.
        #[test]
        fn matches_reference_model(ops in proptest::collection::vec((any::<bool>(), 1u32..100, 0u64..4), 0..300)) {
            let mut b = book();
            let mut bids = BTreeMap::new();
            let mut asks = BTreeMap::new();
            for (is_bid, cents, size) in ops {
                let price = Price::from_micros(cents * 10_000).unwrap_or(Price::MIN);
                let size = Size::shares(size);
                let (side, map) = if is_bid { (BookSide::Bid, &mut bids) } else { (BookSide::Ask, &mut asks) };
                b.set_level(side, price, size);
                if size.is_zero() { map.remove(&price); } else { map.insert(price, size); }
            }
            let want_bids: Vec<_> = bids.iter().map(|(p, s)| Level::new(*p, *s)).collect();
            let want_asks: Vec<_> = asks.iter().rev().map(|(p, s)| Level::new(*p, *s)).collect();
            prop_assert_eq!(b.bids(), &want_bids[..]);
            prop_assert_eq!(b.asks(), &want_asks[..]);
        }
    }
}
