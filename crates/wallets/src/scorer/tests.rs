use std::collections::HashMap;

use alloy_primitives::{Address, B256, U256};
use polybot_model::{ConditionId, Price, Side, Size, TokenId};

use super::*;
use crate::trade::{Source, WalletTrade};

const DAY: i64 = 86_400_000;

struct Fill {
    market: u8,
    outcome: u32,
    side: Side,
    price: f64,
    shares: f64,
    at_ms: i64,
}

fn trade(wallet: Address, n: u32, f: &Fill) -> WalletTrade {
    let price = Price::from_micros((f.price * 1e6).round() as u32).unwrap();
    let size = Size::from_micros((f.shares * 1e6).round() as u64);
    WalletTrade {
        wallet,
        tx_hash: B256::from(U256::from(n)),
        condition_id: ConditionId(B256::repeat_byte(f.market)),
        token: TokenId(U256::from(u32::from(f.market) * 10 + f.outcome)),
        outcome_index: f.outcome,
        outcome: None,
        side: f.side,
        price,
        size,
        usdc: size.notional(price),
        timestamp_ms: f.at_ms,
        role: None,
        source: Source::Poll,
        market_slug: None,
        title: None,
    }
}

fn resolved(
    markets: impl IntoIterator<Item = (u8, u32)>,
    at_ms: i64,
) -> HashMap<ConditionId, Resolution> {
    markets
        .into_iter()
        .map(|(m, winner)| {
            let condition_id = ConditionId(B256::repeat_byte(m));
            (
                condition_id,
                Resolution {
                    condition_id,
                    winner_index: winner,
                    resolved_at_ms: at_ms,
                },
            )
        })
        .collect()
}

/// A wallet that buys one outcome per market at `price` and holds to resolution; it picks the
/// winner in `wins` of every 10 markets.
fn holder(
    wallet: Address,
    price: f64,
    wins: u32,
    markets: u8,
) -> (Vec<WalletTrade>, HashMap<ConditionId, Resolution>) {
    let mut trades = Vec::new();
    let mut winners = Vec::new();
    for m in 1..=markets {
        let picks_winner = u32::from(m) % 10 < wins;
        let fill = Fill {
            market: m,
            outcome: 0,
            side: Side::Buy,
            price,
            shares: 100.0,
            at_ms: i64::from(m) * DAY / 4,
        };
        trades.push(trade(wallet, u32::from(m), &fill));
        winners.push((m, if picks_winner { 0 } else { 1 }));
    }
    (trades, resolved(winners, 30 * DAY))
}

#[test]
fn a_skilled_wallet_scores_above_a_random_one() {
    let (skilled, a) = (Address::repeat_byte(0xaa), Address::repeat_byte(0xbb));
    // Skilled: pays 0.40 for outcomes that win 7 times in 10. Random: pays 0.50, wins 5 in 10.
    let (mut trades, mut res) = holder(skilled, 0.40, 7, 40);
    let (random, r2) = holder(a, 0.50, 5, 40);
    // Different markets for the random wallet.
    let random: Vec<WalletTrade> = random
        .into_iter()
        .map(|mut t| {
            t.condition_id = ConditionId(B256::repeat_byte(t.condition_id.0[0] + 100));
            t
        })
        .collect();
    for (c, r) in r2 {
        let shifted = ConditionId(B256::repeat_byte(c.0[0] + 100));
        res.insert(
            shifted,
            Resolution {
                condition_id: shifted,
                ..r
            },
        );
    }
    trades.extend(random);
    let ctx = ScoreContext {
        resolutions: res,
        marks: HashMap::new(),
        now_ms: 11 * DAY,
    };
    let th = ScoreThresholds::default();
    let s = score(skilled, &trades, &ctx, &th);
    let r = score(a, &trades, &ctx, &th);
    assert_eq!((s.trades, r.trades), (40, 40));
    assert!(
        s.edge.unwrap() > 0.2 && r.edge.unwrap().abs() < 0.05,
        "{:?} {:?}",
        s.edge,
        r.edge
    );
    assert!(s.roi.unwrap() > 0.5, "skilled ROI {:?}", s.roi);
    assert!(s.win_rate.unwrap() > 0.65 && (r.win_rate.unwrap() - 0.5).abs() < 0.05);
    assert!(
        s.composite > r.composite + 0.1,
        "skilled {} vs random {}",
        s.composite,
        r.composite
    );
    assert!((0.0..=1.0).contains(&s.composite) && (0.0..=1.0).contains(&r.composite));
    assert!(s.copyable(), "{:?}", s.uncopyable);
    // Brier of the entry prices: 0.4 against 7/10 winners.
    let expected = 0.7 * 0.36 + 0.3 * 0.16;
    assert!((s.brier.unwrap() - expected).abs() < 1e-9, "{:?}", s.brier);
}

#[test]
fn a_scalper_is_flagged_uncopyable_with_reasons() {
    let w = Address::repeat_byte(0x5c);
    let mut trades = Vec::new();
    // 200 round trips of 4 shares at ~0.50 within six hours, each held 30 s.
    for i in 0..200u32 {
        let at = i64::from(i) * 100_000;
        let buy = Fill {
            market: 1,
            outcome: 0,
            side: Side::Buy,
            price: 0.50,
            shares: 4.0,
            at_ms: at,
        };
        let sell = Fill {
            market: 1,
            outcome: 0,
            side: Side::Sell,
            price: 0.51,
            shares: 4.0,
            at_ms: at + 30_000,
        };
        trades.push(trade(w, 2 * i, &buy));
        trades.push(trade(w, 2 * i + 1, &sell));
    }
    let ctx = ScoreContext {
        now_ms: 400 * 100_000,
        ..ScoreContext::default()
    };
    let s = score(w, &trades, &ctx, &ScoreThresholds::default());
    let codes: Vec<&str> = s.uncopyable.iter().map(Uncopyable::code).collect();
    assert_eq!(
        codes,
        ["high_frequency", "short_holding", "tiny_trades"],
        "{s:#?}"
    );
    assert_eq!(s.round_trips, 200);
    assert!((s.avg_hold_secs.unwrap() - 30.0).abs() < 1e-9);
    assert!(s.roi.unwrap() > 0.0, "profitable, yet uncopyable");
    assert!(!s.copyable());
}

#[test]
fn few_trades_stay_near_neutral_and_are_not_copyable_yet() {
    let w = Address::repeat_byte(1);
    let (trades, res) = holder(w, 0.2, 10, 3);
    let ctx = ScoreContext {
        resolutions: res,
        marks: HashMap::new(),
        now_ms: 2 * DAY,
    };
    let s = score(w, &trades, &ctx, &ScoreThresholds::default());
    assert_eq!(s.win_rate, Some(1.0));
    assert!(s.composite < 0.6, "three lucky trades: {}", s.composite);
    assert_eq!(s.uncopyable[0].code(), "insufficient_history");
}

#[test]
fn sells_of_the_losing_side_count_as_edge_and_marks_value_open_holdings() {
    let w = Address::repeat_byte(2);
    let trades = vec![
        trade(
            w,
            1,
            &Fill {
                market: 1,
                outcome: 1,
                side: Side::Buy,
                price: 0.3,
                shares: 10.0,
                at_ms: 0,
            },
        ),
        trade(
            w,
            2,
            &Fill {
                market: 1,
                outcome: 1,
                side: Side::Sell,
                price: 0.6,
                shares: 10.0,
                at_ms: DAY,
            },
        ),
        trade(
            w,
            3,
            &Fill {
                market: 2,
                outcome: 0,
                side: Side::Buy,
                price: 0.5,
                shares: 10.0,
                at_ms: DAY,
            },
        ),
    ];
    let mut ctx = ScoreContext {
        resolutions: resolved([(1, 0)], 2 * DAY),
        now_ms: 2 * DAY,
        ..ScoreContext::default()
    };
    ctx.marks.insert(
        TokenId(U256::from(20u8)),
        Probability::from_micros(700_000).unwrap(),
    );
    let s = score(w, &trades, &ctx, &ScoreThresholds::default());
    // Market 1 resolved for outcome 0: the NO buy at 0.3 lost (−0.3), the NO sell at 0.6 won (+0.6).
    assert!((s.edge.unwrap() - 0.15).abs() < 1e-9, "{:?}", s.edge);
    // Realised +3.00 on market 1, marked +2.00 on market 2, on 8.00 of buys.
    assert!((s.pnl_usd - 5.0).abs() < 1e-9, "{}", s.pnl_usd);
    assert!((s.roi.unwrap() - 5.0 / 8.0).abs() < 1e-9);
    assert_eq!((s.round_trips, s.closed_holdings), (1, 1));
}

#[test]
fn composite_weights_sum_to_one() {
    let total = W_ROI + W_EDGE + W_WIN_RATE + W_ACTIVITY + W_RECENCY;
    assert!((total - 1.0).abs() < 1e-12);
    let all = Components {
        roi: 1.0,
        edge: 1.0,
        win_rate: 1.0,
        activity: 1.0,
        recency: 1.0,
    };
    assert!((composite(&all, 1_000_000, 0) - 1.0).abs() < 1e-9);
    assert!((composite(&all, 0, 30) - 0.5).abs() < 1e-12);
}
