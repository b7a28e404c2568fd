//! Trading styles of a few simulated wallets, so wallet tracking and trader scoring have
//! something to tell apart.
//!
//! Most simulated trades go to a wallet drawn at random from the pool (the "crowd"). On top of
//! that, a handful of wallets chosen deterministically from the seed trade in a recognisable
//! way:
//!
//! - **skilled** ([`SKILLED_WALLETS`]): trade on the simulator's fair value, and only where
//!   it pays for the spread, so that valued at the midpoint (as scorers mark open holdings)
//!   their fills earn on average:
//!   - they *take* liquidity — a share of the taker trades that go the way the fair value
//!     points — only when the fair value sits beyond the mid by at least
//!     [`TAKE_EDGE_SPREADS`] spreads, in trades of [`SKILLED_MIN_USD`] to
//!     [`SKILLED_MAX_USD`]. Measured on the simulator, buying on every print that merely
//!     leans the fair value's way (what these wallets used to do) loses the half spread and
//!     more at the mid: the fair value is pulled back to the mid within a few dozen events,
//!     and only a gap of a couple of spreads moves the mid far enough, soon enough;
//!   - otherwise they *make*: while the fair value sits above (below) the mid of a book at
//!     most [`MAX_MAKER_SPREAD`] wide, their resting bid (ask) is part of the level an
//!     uninformed taker sells into (buys from), so they buy below the mid and sell above it.
//!     Such a fill is a tape row of its own (`taker: false`: shown by `/trades` with
//!     `takerOnly=false`, and pushed on RTDS) next to the taker's, with a transaction hash
//!     from its own namespace; the book is the same either way (who rests in a level is not
//!     part of it). A maker copy is priced off the ask, so such fills are often too far below
//!     it to copy (`price_moved`).
//!
//!   Their fills' value at the mid 1,000 events later is positive in aggregate (+0.8% to
//!   +9.2% of the cash traded on generated markets for seeds 1 to 20, the maker fills alone
//!   +0.8% to +11%; see the tests), but a minute of a busy market moves the mid far more
//!   than that, so a scorer would not see the skill in a minute from live fills alone. So
//!   they also start with a **simulated** track record ([`history`]): backdated round trips
//!   on the live markets, which a scorer reads like any fills.
//! - **scalpers** ([`SCALPER_WALLETS`]): take a share of the tiny trades (at most
//!   [`SCALP_MAX_SHARES`] shares and [`SCALP_MAX_USD`] dollars, under a scorer's $5 median
//!   floor) in books whose spread is at most [`SCALP_MAX_SPREAD`] of the price, buying small
//!   and selling what they hold at the next small sell: many short, small round trips, which
//!   a scorer should flag as uncopyable (`tiny_trades`).
//!
//! Styled wallets trade only in their style (the crowd's picks skip them). Every choice of who
//! traded — the crowd's picks ([`Tape::pick_wallet`]) as well as the styles' — draws from the
//! tape's own random streams (derived from the seed), never from the simulator's, so books and
//! prices are exactly what they would be without styles, whatever the styles do; only the
//! attribution of taker trades changes, and skilled maker fills and the simulated history add
//! rows to the tape.

pub mod history;

use polybot_model::{Side, TokenId};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::tape::{Tape, TapeTrade};
use crate::util::{derive_seed, hex_digest, mix};

/// How many pool wallets trade on the simulator's fair value.
pub const SKILLED_WALLETS: usize = 4;
/// How many pool wallets scalp tiny round trips.
pub const SCALPER_WALLETS: usize = 3;
/// A skilled wallet crosses the spread only when the fair value sits this many spreads
/// beyond the mid in the trade's direction.
pub const TAKE_EDGE_SPREADS: f64 = 2.0;
/// Share of the trades worth taking that go to a skilled wallet.
const SKILLED_SHARE: f64 = 0.8;
/// Skilled wallets take trades of this much cash at least …
pub const SKILLED_MIN_USD: f64 = 5.0;
/// … and at most.
pub const SKILLED_MAX_USD: f64 = 250.0;
/// Skilled wallets quote only in books at most this wide (dollars per share).
pub const MAX_MAKER_SPREAD: f64 = 0.03;
/// Share of the uninformed trades (against the fair value) in which a skilled wallet's resting
/// order is filled.
const MAKER_SHARE: f64 = 0.4;
/// A skilled wallet's resting order, in dollars: drawn log-uniformly in this range.
const MAKER_QUOTE_USD: (f64, f64) = (20.0, 200.0);
/// Trades of at most this many shares …
pub const SCALP_MAX_SHARES: f64 = 25.0;
/// … and this many dollars count as tiny (below the scorer's default $5 median).
pub const SCALP_MAX_USD: f64 = 4.9;
/// Scalpers trade only books whose spread is at most this fraction of the price: a scalp
/// earns a tick or two, which a wide spread (or a penny price, where a tick is a big part of
/// it) would eat.
pub const SCALP_MAX_SPREAD: f64 = 0.05;
/// Share of tiny trades that go to a scalper (a sell only if one holds enough).
const SCALP_SHARE: f64 = 0.8;
/// Namespace of the transaction hashes of skilled maker fills (the taker's hashes are
/// unchanged).
const MAKER_TX_TAG: u64 = 0x6d61_6b65_7273;

/// The styled wallets (tape wallet indices) and the random stream that attributes trades to them.
#[derive(Debug)]
pub struct Styles {
    pub skilled: Vec<u32>,
    pub scalpers: Vec<u32>,
    rng: StdRng,
    maker_fills: u64,
}

impl Default for Styles {
    fn default() -> Self {
        Styles {
            skilled: Vec::new(),
            scalpers: Vec::new(),
            rng: StdRng::seed_from_u64(0),
            maker_fills: 0,
        }
    }
}

/// A simulated taker trade as styled wallets see it: what was traded and where the
/// simulator's fair value stood (measured on the book before the trade).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Print {
    pub token: TokenId,
    /// The taker's side.
    pub side: Side,
    pub size: f64,
    pub price: f64,
    /// How far the fair value sits beyond the mid in the taker's direction, in dollars per
    /// share: positive when the taker traded the way the fair value points.
    pub edge: f64,
    /// Best ask − best bid before the trade (infinite for a one-sided book).
    pub spread: f64,
}

impl Print {
    fn notional(&self) -> f64 {
        self.size * self.price
    }

    /// Worth crossing the spread for.
    fn worth_taking(&self) -> bool {
        self.edge > 0.0 && self.spread.is_finite() && self.edge >= TAKE_EDGE_SPREADS * self.spread
    }
}

/// A skilled wallet's resting order filled by a simulated taker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MakerFill {
    pub wallet: u32,
    pub side: Side,
    pub size: f64,
}

fn opposite(side: Side) -> Side {
    match side {
        Side::Buy => Side::Sell,
        Side::Sell => Side::Buy,
    }
}

impl Styles {
    /// Picks distinct styled wallets from `pool`, deterministically from `seed`. A pool too
    /// small to spare them leaves every wallet in the crowd.
    #[must_use]
    pub fn choose(seed: u64, pool: &[u32]) -> Styles {
        let mut rng = StdRng::seed_from_u64(derive_seed(seed, "wallet-styles"));
        let wanted = SKILLED_WALLETS + SCALPER_WALLETS;
        if pool.len() < wanted * 2 {
            return Styles {
                rng,
                ..Styles::default()
            };
        }
        let mut picked: Vec<u32> = Vec::with_capacity(wanted);
        while picked.len() < wanted {
            let w = pool[rng.random_range(0..pool.len())];
            if !picked.contains(&w) {
                picked.push(w);
            }
        }
        let scalpers = picked.split_off(SKILLED_WALLETS);
        Styles {
            skilled: picked,
            scalpers,
            rng,
            maker_fills: 0,
        }
    }
}

impl Tape {
    /// Who takes a simulated trade: `crowd` (from [`Tape::pick_wallet`]) unless a styled
    /// wallet claims it.
    pub fn attribute(&mut self, crowd: u32, print: &Print) -> u32 {
        if self.styles.skilled.is_empty() {
            return crowd;
        }
        let crowd = self.crowd_member(crowd);
        let (side, token, size) = (print.side, print.token, print.size);
        let moderate = (SKILLED_MIN_USD..=SKILLED_MAX_USD).contains(&print.notional());
        if print.worth_taking() && moderate && self.styles.rng.random_bool(SKILLED_SHARE) {
            let skilled = self.styles.skilled.clone();
            if let Some(w) = self.claimant(&skilled, side, token, size) {
                return w;
            }
        }
        let tiny = size <= SCALP_MAX_SHARES && print.notional() <= SCALP_MAX_USD;
        let tight = print.spread <= SCALP_MAX_SPREAD * print.price;
        if tiny && tight && self.styles.rng.random_bool(SCALP_SHARE) {
            let scalpers = self.styles.scalpers.clone();
            if let Some(w) = self.claimant(&scalpers, side, token, size) {
                return w;
            }
        }
        crowd
    }

    /// Whether a skilled wallet's resting order was part of the level a simulated taker
    /// traded against: only when the taker went against the fair value, in a book narrow
    /// enough to quote. A buy fills up to the wallet's quote; a sell, up to what it holds.
    pub fn skilled_maker(&mut self, print: &Print) -> Option<MakerFill> {
        if self.styles.skilled.is_empty()
            || print.edge >= 0.0
            || !(print.spread > 0.0 && print.spread <= MAX_MAKER_SPREAD)
            || print.price <= 0.0
            || !self.styles.rng.random_bool(MAKER_SHARE)
        {
            return None;
        }
        let group = self.styles.skilled.clone();
        let start = self.styles.rng.random_range(0..group.len());
        let side = opposite(print.side);
        let (wallet, size) = match side {
            Side::Buy => {
                let (lo, hi) = MAKER_QUOTE_USD;
                let quote = self.styles.rng.random_range(lo.ln()..hi.ln()).exp() / print.price;
                (group[start], quote.min(print.size))
            }
            Side::Sell => (0..group.len())
                .map(|k| group[(start + k) % group.len()])
                .find_map(|w| {
                    let held = self.holdings.get(&(w, print.token))?.size;
                    (held >= 1.0).then_some((w, held.min(print.size)))
                })?,
        };
        // Whole cents of a share, rounded down (never more than the level or the holding).
        let size = (size * 100.0 + 1e-6).floor() / 100.0;
        // Too small to be a skilled wallet's fill (a sell that closes a holding always counts).
        let closes = side == Side::Sell
            && self
                .holdings
                .get(&(wallet, print.token))
                .is_some_and(|h| size >= h.size - 0.005);
        if size < 0.01 || (size * print.price < SKILLED_MIN_USD && !closes) {
            return None;
        }
        Some(MakerFill { wallet, side, size })
    }

    /// Records a skilled maker fill, with a transaction hash from its own namespace so the
    /// simulator's other hashes stay as they were.
    pub fn add_maker_fill(&mut self, mut trade: TapeTrade) {
        self.styles.maker_fills += 1;
        let key = mix(self.seed() ^ MAKER_TX_TAG) ^ self.styles.maker_fills;
        trade.tx = format!("0x{}", hex_digest(key, 32)).into();
        self.push(trade);
    }

    /// `picked` unless it is a styled wallet (their trades come only from their style): then
    /// another pool wallet, drawn from the styles' stream.
    fn crowd_member(&mut self, picked: u32) -> u32 {
        let styled = |w: &u32| self.styles.skilled.contains(w) || self.styles.scalpers.contains(w);
        if !styled(&picked) {
            return picked;
        }
        for _ in 0..16 {
            let w = self.pool[self.styles.rng.random_range(0..self.pool.len())];
            if !styled(&w) {
                return w;
            }
        }
        picked
    }

    /// A wallet of `group` for the trade: any for a buy (drawn at random), one holding at least
    /// `size` for a sell (styled wallets never sell what they do not have).
    fn claimant(&mut self, group: &[u32], side: Side, token: TokenId, size: f64) -> Option<u32> {
        let start = self.styles.rng.random_range(0..group.len());
        match side {
            Side::Buy => group.get(start).copied(),
            Side::Sell => (0..group.len())
                .map(|k| group[(start + k) % group.len()])
                .find(|w| {
                    self.holdings
                        .get(&(*w, token))
                        .is_some_and(|h| h.size >= size)
                }),
        }
    }
}

#[cfg(test)]
mod tests;
