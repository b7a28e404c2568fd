//! Trading styles of a few simulated wallets, so wallet tracking and trader scoring have
//! something to tell apart.
//!
//! Most simulated trades go to a wallet drawn at random from the pool (the "crowd"). On top of
//! that, a handful of wallets chosen deterministically from the seed trade in a recognisable
//! way:
//!
//! - **skilled** ([`SKILLED_WALLETS`]): take a share of the *informed* trades — buys while the
//!   simulator's fair value sits above the market (and sells of what they hold while it sits
//!   below). Prices drift towards the fair value, so their entries earn on average.
//! - **scalpers** ([`SCALPER_WALLETS`]): take a share of the tiny trades, buying small and
//!   selling what they hold at the next small sell: many short, small round trips, which a
//!   scorer should flag as uncopyable.
//!
//! Styled wallets trade only in their style (the crowd's picks skip them). The choice uses
//! its own random stream (derived from the seed), consumed after the
//! simulator's own draws, so books, prices and the rest of the tape are exactly what they
//! were without styles; only the attribution of some trades changes.

use polybot_model::{Side, TokenId};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::tape::Tape;
use crate::util::derive_seed;

/// How many pool wallets trade on the simulator's fair value.
pub const SKILLED_WALLETS: usize = 4;
/// How many pool wallets scalp tiny round trips.
pub const SCALPER_WALLETS: usize = 3;
/// Share of informed trades that go to a skilled wallet.
const SKILLED_SHARE: f64 = 0.35;
/// Trades of at most this many shares count as tiny.
const SCALP_MAX_SHARES: f64 = 25.0;
/// Share of tiny trades that go to a scalper (a sell only if one holds enough).
const SCALP_SHARE: f64 = 0.5;

/// The styled wallets (tape wallet indices) and the random stream that attributes trades to them.
#[derive(Debug)]
pub struct Styles {
    pub skilled: Vec<u32>,
    pub scalpers: Vec<u32>,
    rng: StdRng,
}

impl Default for Styles {
    fn default() -> Self {
        Styles {
            skilled: Vec::new(),
            scalpers: Vec::new(),
            rng: StdRng::seed_from_u64(0),
        }
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
        }
    }
}

impl Tape {
    /// Who takes a simulated trade: `crowd` (the simulator's pick) unless a styled wallet
    /// claims it. `informed` means the trade goes the way the fair value points.
    pub fn attribute(
        &mut self,
        crowd: u32,
        side: Side,
        token: TokenId,
        size: f64,
        informed: bool,
    ) -> u32 {
        if self.styles.skilled.is_empty() {
            return crowd;
        }
        let crowd = self.crowd_member(crowd);
        if informed && self.styles.rng.random_bool(SKILLED_SHARE) {
            let skilled = self.styles.skilled.clone();
            if let Some(w) = self.claimant(&skilled, side, token, size) {
                return w;
            }
        }
        if size <= SCALP_MAX_SHARES && self.styles.rng.random_bool(SCALP_SHARE) {
            let scalpers = self.styles.scalpers.clone();
            if let Some(w) = self.claimant(&scalpers, side, token, size) {
                return w;
            }
        }
        crowd
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
