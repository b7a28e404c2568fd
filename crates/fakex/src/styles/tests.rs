use std::collections::HashMap;

use polybot_model::{Side, TokenId};
use tokio::sync::broadcast;

use super::history::{DAYS, ROUND_TRIPS};
use super::{SCALP_MAX_SHARES, SCALP_MAX_USD, Styles};
use crate::exchange::build::build_state;
use crate::exchange::state::State;
use crate::tape::TapeTrade;

fn state(seed: u64) -> State {
    let (tx, _) = broadcast::channel(16);
    let (activity, _) = broadcast::channel(16);
    build_state(None, false, seed, 30, tx, activity).0
}

/// Runs `events` simulator events on `tokens` only (as when a client watches them).
fn run(st: &mut State, tokens: &[TokenId], events: u32) {
    for t in tokens {
        st.subscribe_token(*t);
    }
    crate::sim::step(st, events);
    for t in tokens {
        st.unsubscribe_token(*t);
    }
}

fn mid(st: &State, token: TokenId) -> f64 {
    let book = &st.books[&token].book;
    match (book.best_bid(), book.best_ask()) {
        (Some(b), Some(a)) => (b.price.as_f64() + a.price.as_f64()) / 2.0,
        _ => st.books[&token].display_price(),
    }
}

/// PnL of `trades` (one wallet's, oldest first) with what is still held marked at the mid,
/// the cash spent on buys, and the closed holdings that made money out of all closed.
fn pnl(st: &State, trades: &[&TapeTrade]) -> (f64, f64, usize, usize) {
    let (mut pnl, mut bought, mut wins, mut closed) = (0.0, 0.0, 0, 0);
    let mut held: HashMap<TokenId, (f64, f64, f64)> = HashMap::new();
    for t in trades {
        let (size, cost, episode) = held.entry(t.token).or_default();
        match t.side {
            Side::Buy => {
                *size += t.size;
                *cost += t.notional();
                bought += t.notional();
            }
            Side::Sell => {
                let q = t.size.min(*size);
                let avg = *cost / *size;
                *episode += q * (t.price - avg);
                pnl += q * (t.price - avg);
                *cost -= q * avg;
                *size -= q;
                if *size < 0.01 {
                    closed += 1;
                    wins += usize::from(*episode > 0.0);
                    (*size, *cost, *episode) = (0.0, 0.0, 0.0);
                }
            }
        }
    }
    for (token, (size, cost, _)) in held {
        if size >= 0.01 {
            pnl += size * mid(st, token) - cost;
        }
    }
    (pnl, bought, wins, closed)
}

fn trades_of(st: &State, wallet: u32, since_ms: i64) -> Vec<&TapeTrade> {
    st.tape
        .trades
        .iter()
        .filter(|t| t.wallet == wallet && t.ts_ms >= since_ms)
        .collect()
}

/// Two tokens of different live markets: the first outcome of the `a`-th and `b`-th.
fn watched(st: &State, a: usize, b: usize) -> Vec<TokenId> {
    let firsts: Vec<TokenId> = st
        .cat
        .markets
        .iter()
        .filter(|m| m.live)
        .filter_map(|m| m.tokens.first().copied())
        .collect();
    vec![firsts[a % firsts.len()], firsts[b % firsts.len()]]
}

#[test]
fn books_do_not_depend_on_who_trades() {
    let (mut a, mut b) = (state(3), state(3));
    // No styled wallets at all in `b`: no claimed trades, no maker fills.
    b.tape.styles = Styles::default();
    let tokens = watched(&a, 0, 5);
    run(&mut a, &tokens, 4_000);
    run(&mut b, &tokens, 4_000);
    crate::sim::step(&mut a, 2_000);
    crate::sim::step(&mut b, 2_000);
    let styled = a.tape.styles.skilled.clone();
    assert!(
        a.tape
            .trades
            .iter()
            .any(|t| styled.contains(&t.wallet) && !t.taker),
        "skilled maker fills in `a`"
    );
    assert!(a.tape.trades.len() > b.tape.trades.len());
    for token in &a.live {
        let (x, y) = (&a.books[token].book, &b.books[token].book);
        assert_eq!((x.bids(), x.asks()), (y.bids(), y.asks()), "{token}");
        assert_eq!(a.books[token].last_price, b.books[token].last_price);
    }
}

#[test]
fn skilled_wallets_start_with_a_profitable_simulated_history() {
    let st = state(5);
    let now_ms = crate::util::now_ms();
    let skilled = st.tape.styles.skilled.clone();
    assert_eq!(skilled.len(), super::SKILLED_WALLETS);
    for w in skilled {
        let trades = trades_of(&st, w, 0);
        assert!(
            trades.len() >= ROUND_TRIPS * 2 * 9 / 10,
            "{w}: {} trades",
            trades.len()
        );
        assert!(
            trades
                .iter()
                .all(|t| t.taker && t.ts_ms < now_ms - 3_600_000)
        );
        assert!(
            trades
                .iter()
                .all(|t| t.ts_ms > now_ms - (DAYS + 1) * 86_400_000)
        );
        assert!(trades.iter().all(|t| t.notional() >= 5.0), "not tiny");
        let (pnl, bought, wins, closed) = pnl(&st, &trades);
        assert_eq!(closed * 2, trades.len(), "{w}: round trips, all closed");
        assert!(
            pnl > 0.0 && pnl / bought > 0.02,
            "{w}: ROI {}",
            pnl / bought
        );
        let win_rate = wins as f64 / closed as f64;
        assert!((0.6..=0.9).contains(&win_rate), "{w}: win rate {win_rate}");
    }
    // The same seed, the same history (transaction hashes included).
    let again = state(5);
    let txs = |st: &State| {
        st.tape
            .trades
            .iter()
            .map(|t| t.tx.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(txs(&st), txs(&again));
}

/// Each skilled fill valued at the mid [`HORIZON`] events later (its "markout"), summed per
/// dollar traded: makers and takers together, and makers alone.
#[test]
fn skilled_fills_earn_at_the_mid_and_scalpers_trade_tiny() {
    const HORIZON: usize = 1_000;
    const EVENTS: usize = 4_000;
    let mut st = state(11);
    let (skilled, scalpers) = (
        st.tape.styles.skilled.clone(),
        st.tape.styles.scalpers.clone(),
    );
    let (mut all, mut makers) = ((0.0, 0.0), (0.0, 0.0));
    let mut scalps = 0;
    for k in 0..8 {
        let tokens = watched(&st, 2 * k, 2 * k + 7);
        tokens.iter().for_each(|t| st.subscribe_token(*t));
        let mut fills: Vec<(usize, TapeTrade)> = Vec::new();
        let mut mids: HashMap<TokenId, Vec<f64>> = HashMap::new();
        for i in 0..EVENTS {
            let before = st.tape.trades.len();
            crate::sim::step(&mut st, 1);
            for t in &tokens {
                let m = mid(&st, *t);
                mids.entry(*t).or_default().push(m);
            }
            for t in st.tape.trades.iter().skip(before) {
                if skilled.contains(&t.wallet) {
                    fills.push((i, t.clone()));
                } else if scalpers.contains(&t.wallet) {
                    scalps += 1;
                    assert!(t.size <= SCALP_MAX_SHARES && t.notional() <= SCALP_MAX_USD + 1e-9);
                }
            }
        }
        for (i, t) in fills {
            let path = &mids[&t.token];
            let later = path[(i + HORIZON).min(path.len() - 1)];
            let dir = if t.side == Side::Buy { 1.0 } else { -1.0 };
            let value = dir * t.size * (later - t.price);
            all = (all.0 + value, all.1 + t.notional());
            if !t.taker {
                makers = (makers.0 + value, makers.1 + t.notional());
            }
        }
        tokens.iter().for_each(|t| st.unsubscribe_token(*t));
    }
    assert!(scalps > 0, "scalpers trade");
    assert!(
        makers.1 > 0.0 && all.1 > makers.1,
        "skilled wallets make and take"
    );
    // Positive for every seed from 1 to 20: +0.8% to +9.2% of the cash traded, the makers'
    // fills alone +0.8% to +11%.
    assert!(
        all.0 > 0.0 && makers.0 > 0.0,
        "skilled markout {:+.4} per dollar over ${:.0} (makers {:+.4} over ${:.0})",
        all.0 / all.1,
        all.1,
        makers.0 / makers.1,
        makers.1
    );
}
