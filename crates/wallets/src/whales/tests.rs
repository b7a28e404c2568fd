use alloy_primitives::{Address, B256, U256};
use polybot_model::{ConditionId, Probability, Size, TokenId, Usdc};

use super::*;

fn wallet(n: u8) -> Address {
    Address::repeat_byte(n)
}

fn market(m: u8) -> ConditionId {
    ConditionId(B256::repeat_byte(m))
}

fn token(m: u8, outcome: u32) -> TokenId {
    TokenId(U256::from(u32::from(m) * 10 + outcome))
}

fn prob(p: f64) -> Probability {
    Probability::from_micros((p * 1e6).round() as u32).unwrap()
}

fn shares(s: f64) -> Size {
    Size::from_micros((s * 1e6).round() as u64)
}

/// `size` shares of outcome `outcome` of market `m`, entered at `avg`, marked at `cur`.
fn held(m: u8, outcome: u32, size: f64, avg: f64, cur: f64) -> HeldPosition {
    HeldPosition {
        condition_id: market(m),
        token: token(m, outcome),
        outcome_index: outcome,
        outcome: Some(if outcome == 0 { "Yes" } else { "No" }.to_owned()),
        title: Some(format!("Market {m}?")),
        size: shares(size),
        avg_price: prob(avg),
        cur_price: prob(cur),
        realized_pnl: Usdc::ZERO,
    }
}

fn snap(w: u8, at_ms: i64, positions: Vec<HeldPosition>) -> PositionSnapshot {
    PositionSnapshot::new(wallet(w), at_ms, true, positions)
}

// ---- snapshots and money -------------------------------------------------------------------

#[test]
fn values_are_exact_micro_dollars() {
    assert_eq!(
        value_at(shares(1000.0), prob(0.5)),
        Usdc::dollars(500),
        "1000 × 0.5"
    );
    // 0.333333 shares × 0.333333 = 0.111110888889 → truncated to 0.111110.
    assert_eq!(
        value_at(Size::from_micros(333_333), prob(0.333_333)),
        Usdc::from_micros(111_110)
    );
    assert_eq!(value_at(shares(10.0), Probability::ONE), Usdc::dollars(10));
    assert_eq!(value_at(shares(10.0), Probability::ZERO), Usdc::ZERO);
    assert_eq!(value_at(Size::from_micros(u64::MAX), Probability::ONE), {
        Usdc::from_micros(i64::MAX)
    });
    let p = held(1, 0, 100.0, 0.40, 0.55);
    assert_eq!(p.value(), Usdc::dollars(55));
    assert_eq!(p.cost(), Usdc::dollars(40));
    assert_eq!(p.unrealized(), Usdc::dollars(15));
    assert!(p.in_profit());
    assert!(
        !held(1, 0, 100.0, 0.55, 0.55).in_profit(),
        "equal is not profit"
    );
}

#[test]
fn a_snapshot_is_sorted_by_token_without_zero_sizes_or_repeats() {
    let s = snap(
        1,
        0,
        vec![
            held(3, 0, 5.0, 0.5, 0.5),
            held(1, 1, 0.0, 0.5, 0.5),
            held(2, 0, 1.0, 0.5, 0.5),
            held(3, 0, 2.0, 0.5, 0.5),
        ],
    );
    let tokens: Vec<TokenId> = s.positions.iter().map(|p| p.token).collect();
    assert_eq!(tokens, vec![token(2, 0), token(3, 0)]);
    assert_eq!(s.positions[1].size, shares(7.0));
    assert_eq!(s.value(), Usdc::from_micros(4_000_000));
    let mut p = held(4, 0, 100.0, 0.40, 0.50);
    p.realized_pnl = Usdc::dollars(3);
    let s = snap(1, 0, vec![p, held(5, 1, 10.0, 0.60, 0.50)]);
    // (+10) + 3 + (−1)
    assert_eq!(s.pnl(), Usdc::dollars(12));
}

// ---- diff ----------------------------------------------------------------------------------

#[test]
fn new_entries_and_exits() {
    let prev = snap(1, 1_000, vec![held(1, 0, 100.0, 0.4, 0.5)]);
    let next = snap(1, 2_000, vec![held(2, 1, 50.0, 0.3, 0.2)]);
    let d = diff(&prev, &next);
    assert_eq!(d.len(), 2);
    let exit = &d[0];
    assert_eq!(exit.kind, DeltaKind::Exit);
    assert_eq!(exit.token, token(1, 0));
    assert_eq!((exit.prev_size, exit.new_size), (shares(100.0), Size::ZERO));
    assert_eq!(exit.change, shares(100.0));
    assert_eq!(exit.change_pct, Some(-100.0));
    assert_eq!(exit.price, prob(0.5), "valued at the last known mark");
    assert_eq!(exit.usd, Usdc::dollars(50));
    assert_eq!(exit.at_ms, 2_000);
    let entry = &d[1];
    assert_eq!(entry.kind, DeltaKind::NewEntry);
    assert_eq!(entry.outcome_index, 1);
    assert_eq!(
        (entry.prev_size, entry.new_size),
        (Size::ZERO, shares(50.0))
    );
    assert_eq!(entry.change_pct, None);
    assert_eq!(entry.usd, Usdc::dollars(10));
    assert_eq!(DeltaKind::NewEntry.code(), "NEW_ENTRY");
    assert_eq!(
        serde_json::to_value(DeltaKind::SizeDecrease).unwrap(),
        "SIZE_DECREASE"
    );
}

#[test]
fn size_changes_count_only_above_ten_percent() {
    let before = snap(1, 0, vec![held(1, 0, 100.0, 0.5, 0.5)]);
    let after = |size: Size| {
        let mut p = held(1, 0, 0.0, 0.5, 0.6);
        p.size = size;
        snap(1, 1, vec![p])
    };
    // Exactly ±10 %: no change.
    assert!(diff(&before, &after(shares(110.0))).is_empty());
    assert!(diff(&before, &after(shares(90.0))).is_empty());
    assert!(diff(&before, &after(shares(105.0))).is_empty());
    assert!(diff(&before, &after(shares(100.0))).is_empty());
    // One micro-share beyond: a change.
    let up = diff(&before, &after(Size::from_micros(110_000_001)));
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].kind, DeltaKind::SizeIncrease);
    assert_eq!(up[0].change, Size::from_micros(10_000_001));
    assert!((up[0].change_pct.unwrap() - 10.000_001).abs() < 1e-9);
    // Valued at the new mark: 10.000001 × 0.6 = 6.0000006 → 6.000000.
    assert_eq!(up[0].usd, Usdc::from_micros(6_000_000));
    let down = diff(&before, &after(Size::from_micros(89_999_999)));
    assert_eq!(down.len(), 1);
    assert_eq!(down[0].kind, DeltaKind::SizeDecrease);
    assert_eq!(down[0].change, Size::from_micros(10_000_001));
    // Big moves.
    assert_eq!(
        diff(&before, &after(shares(300.0)))[0].kind,
        DeltaKind::SizeIncrease
    );
    assert_eq!(
        diff(&before, &after(shares(1.0)))[0].kind,
        DeltaKind::SizeDecrease
    );
    // Down to zero is an exit (a zero-size position is no position).
    let gone = diff(&before, &after(Size::ZERO));
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].kind, DeltaKind::Exit);
}

#[test]
fn tiny_positions_follow_the_same_rule() {
    // prev 10 micro-shares: 11 is +10 % (no change), 12 is +20 %.
    let s = |micros: u64| {
        let mut p = held(1, 0, 0.0, 0.5, 0.5);
        p.size = Size::from_micros(micros);
        snap(1, 0, vec![p])
    };
    assert!(diff(&s(10), &s(11)).is_empty());
    assert!(diff(&s(10), &s(9)).is_empty());
    assert_eq!(diff(&s(10), &s(12))[0].kind, DeltaKind::SizeIncrease);
    assert_eq!(diff(&s(10), &s(8))[0].kind, DeltaKind::SizeDecrease);
}

#[test]
fn an_incomplete_snapshot_reports_no_exits() {
    let prev = snap(1, 0, vec![held(1, 0, 100.0, 0.5, 0.5)]);
    let mut next = snap(1, 1, vec![held(2, 0, 10.0, 0.5, 0.5)]);
    next.complete = false;
    let d = diff(&prev, &next);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].kind, DeltaKind::NewEntry);
}

#[test]
fn snapshots_of_different_wallets_have_no_deltas() {
    let a = snap(1, 0, vec![held(1, 0, 100.0, 0.5, 0.5)]);
    let b = snap(2, 1, vec![]);
    assert!(diff(&a, &b).is_empty());
    assert!(diff(&a, &a).is_empty());
}

// ---- conviction ----------------------------------------------------------------------------

/// The seed's formula by hand: two wallets on YES of market 1, $500 each ($1,000 total),
/// one of them in profit: 25·2 + 8·log10(1000) + 15·½ = 50 + 24 + 7.5 = 81.5 → STRONG.
#[test]
fn scoring_example_by_hand() {
    let a = snap(1, 0, vec![held(1, 0, 1000.0, 0.40, 0.50)]); // in profit
    let b = snap(2, 0, vec![held(1, 0, 1000.0, 0.60, 0.50)]); // under water
    let signals = conviction_signals(&[a, b]);
    assert_eq!(signals.len(), 1);
    let s = &signals[0];
    assert_eq!(s.wallets, vec![wallet(1), wallet(2)]);
    assert_eq!(s.total_usd, Usdc::dollars(1_000));
    assert_eq!(s.in_profit, 1);
    assert!((s.parts.wallets - 50.0).abs() < 1e-12);
    assert!((s.parts.capital - 24.0).abs() < 1e-12);
    assert!((s.parts.profit - 7.5).abs() < 1e-12);
    assert!((s.score - 81.5).abs() < 1e-12);
    assert_eq!(s.strength, SignalStrength::Strong);
    assert!(!s.high_consensus);
    assert_eq!(s.direction, Direction::Bullish);
    assert_eq!(s.outcome.as_deref(), Some("Yes"));

    // $100 total, nobody in profit: 50 + 16 + 0 = 66 → MODERATE.
    let (score, parts) = conviction_score(2, Usdc::dollars(100), 0);
    assert!((score - 66.0).abs() < 1e-12, "{score}");
    assert_eq!(parts.profit, 0.0);
    assert_eq!(SignalStrength::of(score), SignalStrength::Moderate);
}

#[test]
fn scores_are_clamped_and_never_nan() {
    // 4 wallets: 100 + capital + profit → clamped to the seed's maximum.
    let (score, parts) = conviction_score(4, Usdc::dollars(1_000_000), 4);
    assert_eq!(score, MAX_SCORE);
    assert!((parts.wallets + parts.capital + parts.profit - 163.0).abs() < 1e-9);
    // Nothing held, or less than a dollar: no capital points (no log of zero).
    for total in [
        Usdc::ZERO,
        Usdc::from_micros(500_000),
        Usdc::from_micros(-5),
    ] {
        let (score, parts) = conviction_score(2, total, 0);
        assert_eq!(parts.capital, 0.0);
        assert_eq!(score, 50.0);
    }
    let (score, _) = conviction_score(0, Usdc::ZERO, 3);
    assert_eq!(score, 0.0);
    let (_, parts) = conviction_score(2, Usdc::dollars(1), 9);
    assert_eq!(parts.profit, MAX_PROFIT_POINTS, "at most 15");
    assert_eq!(SignalStrength::of(70.0), SignalStrength::Strong);
    assert_eq!(SignalStrength::of(69.999), SignalStrength::Moderate);
    assert_eq!(SignalStrength::of(45.0), SignalStrength::Moderate);
    assert_eq!(SignalStrength::of(44.999), SignalStrength::Weak);
}

#[test]
fn signals_need_two_distinct_wallets_on_the_same_outcome() {
    // Wallets 1 and 2 disagree on market 1 (YES vs NO): no signal there. Wallets 1, 2, 3 all
    // hold NO of market 2: a high-consensus bearish signal. Wallet 4 alone on market 3.
    let snapshots = vec![
        snap(
            1,
            0,
            vec![held(1, 0, 10.0, 0.5, 0.5), held(2, 1, 10.0, 0.3, 0.4)],
        ),
        snap(
            2,
            0,
            vec![held(1, 1, 10.0, 0.5, 0.5), held(2, 1, 20.0, 0.5, 0.4)],
        ),
        snap(3, 0, vec![held(2, 1, 30.0, 0.2, 0.4)]),
        snap(4, 0, vec![held(3, 0, 1000.0, 0.5, 0.5)]),
        // Wallet 4 listed twice (an older snapshot holding market 1's YES): counts once, as
        // its newest snapshot.
        snap(4, -5, vec![held(1, 0, 1000.0, 0.5, 0.5)]),
    ];
    let signals = conviction_signals(&snapshots);
    assert_eq!(signals.len(), 1, "{signals:#?}");
    let s = &signals[0];
    assert_eq!(s.token, token(2, 1));
    assert_eq!(s.wallets.len(), 3);
    assert!(s.high_consensus);
    assert_eq!(s.direction, Direction::Bearish);
    assert_eq!(s.in_profit, 2);
    assert_eq!(s.total_usd, Usdc::dollars(24));
    // 75 + 8·log10(24) + 10
    assert!((s.score - (85.0 + 8.0 * 24f64.log10())).abs() < 1e-9);
}

#[test]
fn signals_are_sorted_strongest_first() {
    let snapshots = vec![
        snap(
            1,
            0,
            vec![held(1, 0, 10.0, 0.5, 0.5), held(2, 0, 10_000.0, 0.5, 0.5)],
        ),
        snap(
            2,
            0,
            vec![held(1, 0, 10.0, 0.5, 0.5), held(2, 0, 10_000.0, 0.5, 0.5)],
        ),
    ];
    let signals = conviction_signals(&snapshots);
    assert_eq!(signals.len(), 2);
    assert_eq!(signals[0].token, token(2, 0));
    assert!(signals[0].score > signals[1].score);
    assert!(conviction_signals(&[]).is_empty());
}

// ---- smart money index ---------------------------------------------------------------------

fn signal(m: u8, outcome: u32, score: f64, usd: i64) -> ConvictionSignal {
    ConvictionSignal {
        condition_id: market(m),
        token: token(m, outcome),
        outcome_index: outcome,
        outcome: None,
        title: None,
        wallets: vec![wallet(1), wallet(2)],
        total_usd: Usdc::dollars(usd),
        in_profit: 0,
        score,
        parts: ScoreParts {
            wallets: 50.0,
            capital: score - 50.0,
            profit: 0.0,
        },
        strength: SignalStrength::of(score),
        high_consensus: false,
        direction: Direction::of_outcome(outcome),
    }
}

#[test]
fn smi_by_hand() {
    // Bullish 60 × $100 = 6,000; bearish 60 × $300 = 18,000 → 100 · 6000 / 24000 = 25.
    let smi = smart_money_index(&[signal(1, 0, 60.0, 100), signal(2, 1, 60.0, 300)]);
    assert!((smi.value - 25.0).abs() < 1e-12);
    assert_eq!(smi.reading, SmiReading::VeryBearish);
    assert_eq!(smi.signals, 2);
    assert!((smi.bullish_weight - 6_000.0).abs() < 1e-9);
    assert!((smi.bearish_weight - 18_000.0).abs() < 1e-9);
    // Conviction weighs too: 80 × $100 = 8,000 vs 40 × $100 = 4,000 → 66.7.
    let smi = smart_money_index(&[signal(1, 0, 80.0, 100), signal(2, 1, 40.0, 100)]);
    assert!((smi.value - 200.0 / 3.0).abs() < 1e-9);
    assert_eq!(smi.reading, SmiReading::Bullish);
    // All bullish.
    let smi = smart_money_index(&[signal(1, 0, 60.0, 100)]);
    assert_eq!(smi.value, 100.0);
    assert_eq!(smi.reading, SmiReading::VeryBullish);
}

#[test]
fn smi_is_neutral_without_weight_and_never_nan() {
    let empty = smart_money_index(&[]);
    assert_eq!(empty.value, 50.0);
    assert_eq!(empty.reading, SmiReading::Neutral);
    let zero = smart_money_index(&[signal(1, 0, 60.0, 0), signal(2, 1, 60.0, 0)]);
    assert_eq!(zero.value, 50.0);
    // A multi-outcome index (≥ 2) is neither side.
    let neutral = smart_money_index(&[signal(1, 2, 90.0, 1_000)]);
    assert_eq!(neutral.value, 50.0);
    assert_eq!(neutral.signals, 0);
    let mut nan = signal(1, 0, 60.0, 100);
    nan.score = f64::NAN;
    let v = smart_money_index(&[nan, signal(2, 1, 60.0, 100)]);
    assert_eq!(v.value, 0.0);
    for (value, reading) in [
        (0.0, SmiReading::VeryBearish),
        (29.99, SmiReading::VeryBearish),
        (30.0, SmiReading::Bearish),
        (39.99, SmiReading::Bearish),
        (40.0, SmiReading::Neutral),
        (59.99, SmiReading::Neutral),
        (60.0, SmiReading::Bullish),
        (69.99, SmiReading::Bullish),
        (70.0, SmiReading::VeryBullish),
        (100.0, SmiReading::VeryBullish),
    ] {
        assert_eq!(SmiReading::of(value), reading, "{value}");
    }
}

// ---- net flow ------------------------------------------------------------------------------

#[test]
fn net_flow_by_hand() {
    // Market 1: wallet 1 swaps NO ($300) for YES ($500): new entry $500, exit $300 → net
    // +200. Market 2: wallet 2 adds 200 shares ($100), wallet 3 sells out ($50) → net +50.
    // Total: in 600, out 350, net 250.
    let prev = [
        snap(1, 0, vec![held(1, 1, 600.0, 0.5, 0.5)]),
        snap(2, 0, vec![held(2, 0, 100.0, 0.5, 0.5)]),
        snap(3, 0, vec![held(2, 0, 100.0, 0.5, 0.5)]),
    ];
    let next = [
        snap(1, 1, vec![held(1, 0, 1000.0, 0.5, 0.5)]),
        snap(2, 1, vec![held(2, 0, 300.0, 0.5, 0.5)]),
        snap(
            3,
            1,
            vec![held(2, 0, 0.0, 0.5, 0.5), held(2, 1, 0.0, 0.5, 0.5)],
        ),
    ];
    let mut deltas: Vec<PositionDelta> = Vec::new();
    for (p, n) in prev.iter().zip(&next) {
        deltas.extend(diff(p, n));
    }
    // Wallet 3's position fell to zero: an exit, not a decrease.
    let kinds: Vec<DeltaKind> = deltas.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        vec![
            DeltaKind::NewEntry,
            DeltaKind::Exit,
            DeltaKind::SizeIncrease,
            DeltaKind::Exit
        ]
    );
    let flow = net_flow(&deltas);
    assert_eq!(flow.total.flow_in, Usdc::dollars(600));
    assert_eq!(flow.total.flow_out, Usdc::dollars(350));
    assert_eq!(flow.total.net, Usdc::dollars(250));
    assert_eq!(flow.by_market.len(), 2);
    assert_eq!(flow.by_market[0].condition_id, market(1));
    assert_eq!(flow.by_market[0].flow.net, Usdc::dollars(200));
    assert_eq!(flow.by_market[1].flow.flow_in, Usdc::dollars(100));
    assert_eq!(flow.by_market[1].flow.flow_out, Usdc::dollars(50));
    assert_eq!(flow.by_market[1].flow.net, Usdc::dollars(50));

    // A distribution: only a decrease.
    let d = diff(
        &snap(1, 0, vec![held(3, 0, 100.0, 0.5, 0.5)]),
        &snap(1, 1, vec![held(3, 0, 20.0, 0.5, 0.5)]),
    );
    assert_eq!(d[0].kind, DeltaKind::SizeDecrease);
    let flow = net_flow(&d);
    assert_eq!(flow.total.net, Usdc::dollars(-40));
    assert_eq!(net_flow(&[]), NetFlow::default());
}

// ---- tiers ---------------------------------------------------------------------------------

#[test]
fn tiers_by_pnl_thresholds() {
    let t = |d: i64| WalletTier::from_pnl(Usdc::dollars(d));
    assert_eq!(t(2_000_000), WalletTier::Legendary);
    assert_eq!(t(50_000_000), WalletTier::Legendary);
    assert_eq!(
        WalletTier::from_pnl(Usdc::from_micros(1_999_999_999_999)),
        WalletTier::Elite
    );
    assert_eq!(t(1_000_000), WalletTier::Elite);
    assert_eq!(t(999_999), WalletTier::Pro);
    assert_eq!(t(500_000), WalletTier::Pro);
    assert_eq!(t(499_999), WalletTier::Rising);
    assert_eq!(t(0), WalletTier::Rising);
    assert_eq!(t(-1_000_000), WalletTier::Rising);
    assert_eq!(WalletTier::Legendary.code(), "LEGENDARY");
    assert_eq!(serde_json::to_value(WalletTier::Pro).unwrap(), "PRO");
}

// ---- edge ----------------------------------------------------------------------------------

#[test]
fn whales_agreeing_boost_and_disagreeing_penalize() {
    let signals = [signal(1, 0, 80.0, 1_000), signal(2, 1, 60.0, 100)];
    // Model buys YES of market 1, where the whales hold YES: +8 %, min edge down to 2 %.
    assert_eq!(edge_adjustment(market(1), 0, &signals), 0.08);
    let a = EdgeParams::default().assess(market(1), 0, &signals);
    assert_eq!(a.stance, WhaleStance::Agree);
    assert_eq!(a.min_edge, Some(0.02));
    assert_eq!(a.score, Some(80.0));
    // Model buys NO of market 1: −2 %.
    assert_eq!(edge_adjustment(market(1), 1, &signals), -0.02);
    let d = EdgeParams::default().assess(market(1), 1, &signals);
    assert_eq!(d.stance, WhaleStance::Disagree);
    assert_eq!(d.min_edge, None);
    // A market without signals: nothing.
    assert_eq!(edge_adjustment(market(9), 0, &signals), 0.0);
    assert_eq!(
        EdgeParams::default().assess(market(9), 0, &signals).stance,
        WhaleStance::NoView
    );
    assert_eq!(edge_adjustment(market(1), 0, &[]), 0.0);
}

#[test]
fn weak_signals_and_ties_do_not_move_the_edge() {
    let weak = [signal(1, 0, 44.9, 1_000)];
    assert_eq!(edge_adjustment(market(1), 0, &weak), 0.0);
    let at_threshold = [signal(1, 0, MIN_CONVICTION_SCORE, 1_000)];
    assert_eq!(edge_adjustment(market(1), 0, &at_threshold), EDGE_BOOST);
    // Whales on both sides: the stronger side decides; a tie is no view.
    let split = [signal(1, 0, 70.0, 100), signal(1, 1, 90.0, 100)];
    assert_eq!(edge_adjustment(market(1), 0, &split), -EDGE_PENALTY);
    assert_eq!(edge_adjustment(market(1), 1, &split), EDGE_BOOST);
    let tie = [signal(1, 0, 70.0, 100), signal(1, 1, 70.0, 100)];
    assert_eq!(edge_adjustment(market(1), 0, &tie), 0.0);
    // A NaN score is ignored.
    let mut nan = signal(1, 0, 70.0, 100);
    nan.score = f64::NAN;
    assert_eq!(edge_adjustment(market(1), 0, &[nan]), 0.0);
}

#[test]
fn edge_params_are_capped_to_probability_shares() {
    let wild = EdgeParams {
        boost: 7.0,
        penalty: f64::NAN,
        convergence_min_edge: -1.0,
        min_conviction_score: 0.0,
    };
    let signals = [signal(1, 0, 10.0, 1)];
    let a = wild.assess(market(1), 0, &signals);
    assert_eq!(a.edge_delta, 1.0);
    assert_eq!(a.min_edge, Some(0.0));
    let d = wild.assess(market(1), 1, &signals);
    assert_eq!(d.edge_delta, 0.0);
    assert!(!d.edge_delta.is_nan());
}

// ---- scanner -------------------------------------------------------------------------------

#[test]
fn the_scanner_baselines_then_reports_deltas() {
    let mut scanner = WhaleScanner::new();
    let first = scanner.scan(vec![
        snap(1, 100, vec![held(1, 0, 100.0, 0.4, 0.5)]),
        snap(2, 100, vec![held(1, 0, 100.0, 0.4, 0.5)]),
    ]);
    assert!(first.deltas.is_empty(), "the first sight is the baseline");
    assert_eq!(first.baseline, vec![wallet(1), wallet(2)]);
    assert_eq!(first.signals.len(), 1);
    assert_eq!(first.smi.value, 100.0);
    assert_eq!(first.flow, NetFlow::default());

    // Persisted and restored between runs.
    let json = serde_json::to_string(&scanner).unwrap();
    let mut scanner: WhaleScanner = serde_json::from_str(&json).unwrap();
    assert_eq!(scanner.snapshots().len(), 2);
    assert_eq!(scanner.previous(wallet(1)).unwrap().taken_at_ms, 100);

    // Wallet 1 doubles and opens market 2; wallet 2's fetch failed (absent): it keeps its
    // snapshot and does not vote.
    let second = scanner.scan(vec![snap(
        1,
        200,
        vec![held(1, 0, 200.0, 0.4, 0.5), held(2, 1, 10.0, 0.5, 0.5)],
    )]);
    assert!(second.baseline.is_empty());
    let kinds: Vec<DeltaKind> = second.deltas.iter().map(|d| d.kind).collect();
    assert_eq!(kinds, vec![DeltaKind::SizeIncrease, DeltaKind::NewEntry]);
    assert!(second.signals.is_empty());
    assert_eq!(second.flow.total.flow_in, Usdc::dollars(55));
    assert_eq!(scanner.previous(wallet(2)).unwrap().taken_at_ms, 100);
    assert_eq!(scanner.previous(wallet(1)).unwrap().taken_at_ms, 200);

    // An older snapshot than the remembered one is ignored.
    let stale = scanner.scan(vec![snap(1, 150, vec![])]);
    assert!(stale.deltas.is_empty());
    assert_eq!(scanner.previous(wallet(1)).unwrap().taken_at_ms, 200);

    // Wallet 2 back, exited.
    let third = scanner.scan(vec![snap(2, 300, vec![])]);
    assert_eq!(third.deltas.len(), 1);
    assert_eq!(third.deltas[0].kind, DeltaKind::Exit);
    assert_eq!(third.deltas[0].wallet, wallet(2));
    assert_eq!(third.flow.total.net, Usdc::dollars(-50));
}

#[test]
fn a_restored_scanner_is_sorted_with_one_snapshot_per_wallet() {
    let json = serde_json::json!({
        "snapshots": [
            serde_json::to_value(snap(3, 5, vec![])).unwrap(),
            serde_json::to_value(snap(1, 5, vec![])).unwrap(),
            serde_json::to_value(snap(3, 9, vec![held(1, 0, 1.0, 0.5, 0.5)])).unwrap(),
        ]
    });
    let scanner: WhaleScanner = serde_json::from_value(json).unwrap();
    let wallets: Vec<Address> = scanner.snapshots().iter().map(|s| s.wallet).collect();
    assert_eq!(wallets, vec![wallet(1), wallet(3)]);
    assert_eq!(scanner.previous(wallet(3)).unwrap().taken_at_ms, 9);
    assert!(scanner.previous(wallet(2)).is_none());
}
