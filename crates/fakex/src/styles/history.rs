//! Simulated history: a track record for the skilled wallets, made up at start.
//!
//! A scorer trusts a trader only after dozens of trades (polybot's composite is shrunk towards
//! neutral by n / (n + 30)), and a fresh fakex has no past for its simulated wallets, so a demo
//! of a minute could never tell skill from luck. So when fakex starts, each skilled wallet gets
//! [`ROUND_TRIPS`] backdated round trips (a buy, then a sell of the same shares; a wallet's
//! round trips in one token never overlap) spread over the last [`DAYS`] days, on live markets
//! whose price moved enough to trade. They are priced on the token's own `/prices-history`
//! path — bought at a point of the path (rounded up to the tick), sold at a later point
//! (rounded down), held [`HOLD_SECS`] — so the fills agree with the charts. The skill is in the
//! timing: a winning round trip (share [`WIN_RATE`]) is the best of a few entry/exit pairs on
//! the path, a losing one the mildest loss among them (the wallet cuts its losses). Each round
//! trip is [`NOTIONAL_USD`] dollars. On the recorded data with seed 1 that makes about 5–9% on
//! the cash spent, with 70–85% of round trips winning.
//!
//! This history is **simulated**: no real wallet made these trades, and they appear only for
//! fakex's skilled wallets. They are on the tape like any trade (`/trades`, `/activity`, the
//! week and month leaderboards; all closed, so no `/positions`), but were never pushed on RTDS.
//! It is deterministic from the seed (its own random stream and transaction-hash namespace, so
//! the simulator and the rest of the tape are unchanged); only the timestamps move with the
//! start time, like the recorded data's.

use polybot_model::{Price, Side, TokenId};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::books::Grid;
use crate::exchange::state::State;
use crate::tape::TapeTrade;
use crate::util::{derive_seed, hex_digest, mix};

/// Round trips per skilled wallet.
pub const ROUND_TRIPS: usize = 40;
/// How far back the history reaches, in days (inside the 30 days a scorer reads).
pub const DAYS: i64 = 21;
/// Share of round trips that made money.
pub const WIN_RATE: f64 = 0.75;
/// Holding time of a round trip, seconds: drawn log-uniformly in this range.
pub const HOLD_SECS: (f64, f64) = (3_600.0, 3.0 * 86_400.0);
/// Cash of a round trip's buy, dollars: drawn log-uniformly in this range.
pub const NOTIONAL_USD: (f64, f64) = (40.0, 400.0);
/// Entry/exit pairs a round trip chooses from.
const TRIES: usize = 12;
/// The newest history ends this long before the start, seconds.
const GAP_SECS: i64 = 3_600;
/// Paths with fewer points than this in the window are not traded.
const MIN_POINTS: usize = 20;
/// Only prices inside this range are traded (away from the tails, where a tick is a big
/// fraction of the price).
const PRICE_RANGE: (f64, f64) = (0.1, 0.9);
/// … and only paths that moved at least this much (max − min over the mean).
const MIN_MOVE: f64 = 0.1;
/// A winning round trip makes at least this return.
const MIN_WIN: f64 = 0.02;
/// Namespace of the history's transaction hashes.
const TX_TAG: u64 = 0x0068_6973_746f_7279;

/// A token worth trading in the history, with its price path in the window.
struct Candidate {
    token: TokenId,
    grid: Grid,
    path: Vec<(i64, f64)>,
}

/// Puts the skilled wallets' simulated history on the tape (see the module docs).
pub fn seed(st: &mut State, now_secs: i64) {
    let skilled = st.tape.styles.skilled.clone();
    if skilled.is_empty() {
        return;
    }
    let candidates = candidates(st, now_secs);
    if candidates.is_empty() {
        return;
    }
    let mut rng = StdRng::seed_from_u64(derive_seed(st.seed, "wallet-track-records"));
    let mut trades: Vec<TapeTrade> = Vec::new();
    for &wallet in &skilled {
        let mut mine: Vec<(TokenId, i64, i64)> = Vec::new();
        for _ in 0..ROUND_TRIPS {
            let win = rng.random_bool(WIN_RATE);
            // Another token when the drawn one offers no such round trip, or the wallet
            // already held it then (each round trip is a holding of its own).
            let found = (0..8).find_map(|_| {
                round_trip(&mut rng, &candidates, st, wallet, win).filter(|(buy, sell)| {
                    !mine
                        .iter()
                        .any(|(t, a, b)| *t == buy.token && buy.ts <= *b && sell.ts >= *a)
                })
            });
            if let Some((buy, sell)) = found {
                mine.push((buy.token, buy.ts, sell.ts));
                trades.push(buy);
                trades.push(sell);
            }
        }
    }
    trades.sort_by_key(|t| t.ts);
    let key = mix(st.seed ^ TX_TAG);
    for (k, mut t) in trades.into_iter().enumerate() {
        t.tx = format!("0x{}", hex_digest(key ^ k as u64, 32)).into();
        st.tape.insert_history(t);
    }
}

/// The live tokens whose path in the window is long enough, inside the price range and moved.
fn candidates(st: &State, now_secs: i64) -> Vec<Candidate> {
    let (from, to) = (now_secs - DAYS * 86_400, now_secs - GAP_SECS);
    let mut out = Vec::new();
    for m in st.cat.markets.iter().filter(|m| m.live) {
        let binary = m.tokens.len() == 2;
        // Histories are kept for the first outcome of a binary market; the second is its
        // complement.
        let mut first: Option<Vec<(i64, f64)>> = None;
        for (o, &token) in m.tokens.iter().enumerate() {
            if !st.books.contains_key(&token) {
                continue;
            }
            let path: Vec<(i64, f64)> = match (&first, binary && o == 1) {
                (Some(p), true) => p.iter().map(|(t, p)| (*t, 1.0 - p)).collect(),
                _ => st
                    .hist
                    .series(token)
                    .into_iter()
                    .filter(|(t, _)| (from..=to).contains(t))
                    .collect(),
            };
            if o == 0 {
                first = Some(path.clone());
            }
            if tradable(&path) {
                out.push(Candidate {
                    token,
                    grid: Grid::new(m.tick),
                    path,
                });
            }
        }
    }
    out
}

/// Enough points inside the price range, which moved enough.
fn tradable(path: &[(i64, f64)]) -> bool {
    let (mut lo, mut hi, mut sum, mut n) = (f64::MAX, f64::MIN, 0.0, 0usize);
    for &(_, p) in path.iter().filter(|(_, p)| in_range(*p)) {
        (lo, hi, sum, n) = (lo.min(p), hi.max(p), sum + p, n + 1);
    }
    n >= MIN_POINTS && (hi - lo) / (sum / n as f64) >= MIN_MOVE
}

fn in_range(p: f64) -> bool {
    (PRICE_RANGE.0..=PRICE_RANGE.1).contains(&p)
}

/// One round trip of `wallet` on a token drawn from `candidates`: a buy and the sell that
/// closes it, winning or not as `win` says; `None` if the token offers no such pair.
fn round_trip(
    rng: &mut StdRng,
    candidates: &[Candidate],
    st: &State,
    wallet: u32,
    win: bool,
) -> Option<(TapeTrade, TapeTrade)> {
    let c = &candidates[rng.random_range(0..candidates.len())];
    let mut chosen: Option<(usize, usize, f64, f64, f64)> = None;
    for _ in 0..TRIES {
        let i = rng.random_range(0..c.path.len() - 1);
        let hold = rng.random_range(HOLD_SECS.0.ln()..HOLD_SECS.1.ln()).exp() as i64;
        let j = c.path.partition_point(|p| p.0 < c.path[i].0 + hold);
        if j >= c.path.len() || !in_range(c.path[i].1) || !in_range(c.path[j].1) {
            continue;
        }
        let (Some(buy), Some(sell)) = (
            tick_price(&c.grid, c.path[i].1, true),
            tick_price(&c.grid, c.path[j].1, false),
        ) else {
            continue;
        };
        let r = sell / buy - 1.0;
        let better = match chosen {
            None => true,
            // Winners: the best pair; losers: the mildest loss.
            Some((.., best)) => (win && r > best) || (!win && r < 0.0 && (best >= 0.0 || r > best)),
        };
        if better {
            chosen = Some((i, j, buy, sell, r));
        }
    }
    let (i, j, buy, sell, r) = chosen?;
    if (win && r < MIN_WIN) || (!win && r >= 0.0) {
        return None;
    }
    let cash = rng
        .random_range(NOTIONAL_USD.0.ln()..NOTIONAL_USD.1.ln())
        .exp();
    let size = ((cash / buy) * 100.0).round() / 100.0;
    let meta = st.tape.metas.get(&c.token)?.clone();
    // A few seconds off the path's sampling grid, as real fills would be.
    let (t_buy, t_sell) = (
        c.path[i].0 + rng.random_range(0..60),
        c.path[j].0 + rng.random_range(0..60),
    );
    let trade = |side, price: f64, ts: i64| TapeTrade {
        wallet,
        token: c.token,
        meta: meta.clone(),
        side,
        size,
        price,
        ts,
        ts_ms: ts * 1000,
        taker: true,
        tx: Box::default(),
    };
    Some((
        trade(Side::Buy, buy, t_buy),
        trade(Side::Sell, sell, t_sell.max(t_buy + 1)),
    ))
}

/// `p` on the grid: rounded up for a buy, down for a sell.
fn tick_price(grid: &Grid, p: f64, up: bool) -> Option<f64> {
    let micros = (p * 1e6).round() as u32;
    let micros = if up {
        grid.ceil(micros)
    } else {
        grid.floor(micros)
    };
    grid.price(micros).map(Price::as_f64)
}
