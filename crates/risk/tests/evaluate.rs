//! `evaluate` end to end: exits under halts, the numbers behind a size, and each cap binding.

mod common;

use common::*;
use polybot_model::{Side, Size, Usdc};
use polybot_risk::{
    Bound, Check, Confidence, HaltSource, MarketBreaker, OutcomeSide, RiskConfig, RiskProfile,
    TraderRecord, Trip, evaluate, worst_case,
};

/// A sell of the 100 YES shares held in market 1.
fn exit_setup() -> (polybot_risk::PortfolioState, polybot_risk::Candidate) {
    let mut s = state();
    let mut held = position(
        key(1, "e1", "MACRO", &["fed"]),
        OutcomeSide::Yes,
        100,
        usd(40),
    );
    held.strategy = STRATEGY.into();
    s.positions.push(held);
    let mut c = candidate();
    (c.side, c.is_exit, c.requested_size) = (Side::Sell, true, None);
    (s, c)
}

#[test]
fn exits_pass_every_halt_and_entry_check() {
    let (mut s, mut c) = exit_setup();
    let mut config = RiskConfig::default();
    s.halts
        .sync(HaltSource::Config, true, "kill_switch = true", NOW);
    config.max_open_positions = 0;
    s.halts.halt(HaltSource::Operator, "stop", NOW);
    s.drawdown.tripped = Some(Trip {
        since_ms: NOW,
        drawdown: 0.5,
    });
    s.drawdown.peak = usd(30_000);
    (s.realized_loss_today, s.week_start_equity) = (usd(5_000), usd(50_000));
    s.breakers.insert(
        c.key.market,
        MarketBreaker {
            consecutive_adverse: 0,
            open_until_ms: Some(NOW + HOUR),
        },
    );
    let mut record = TraderRecord::new(usd(100));
    record.cut_off(NOW);
    s.traders.insert("0xleader".into(), record);
    c.leader = Some("0xleader".into());
    (c.liquidity, c.book_ts_ms, c.market_type) = (Usdc::ZERO, 0, "UNKNOWN".into());
    (c.probability, c.confidence, c.evidence_quality) = (prob("0.01"), Confidence::Low, Some(0.0));
    (c.best_bid, c.best_ask, c.end_time_ms) = (Some(prob("0.10")), Some(prob("0.90")), Some(NOW));
    c.limit_price = price("0.10");
    let d = evaluate(&config, &s, &c, NOW);
    assert!(d.is_approved(), "{:?}", d.rejections);
    let order = d.approved.unwrap();
    assert_eq!((order.side, order.size), (Side::Sell, Size::shares(100)));
    assert_eq!(order.notional, usd(10));
    assert!(d.sizing.is_none());
}

#[test]
fn exits_stop_only_at_sanity_checks() {
    let (s, c) = exit_setup();
    let config = RiskConfig::default();
    let mut crossed = c.clone();
    crossed.best_bid = Some(prob("0.45"));
    assert_eq!(
        evaluate(&config, &s, &crossed, NOW).codes(),
        ["crossed_quote"]
    );
    let mut too_many = c.clone();
    too_many.requested_size = Some(Size::shares(101));
    assert_eq!(
        evaluate(&config, &s, &too_many, NOW).codes(),
        ["insufficient_balance"]
    );
    let mut dust = c.clone();
    dust.requested_size = Some(Size::from_micros(9_999));
    assert_eq!(
        evaluate(&config, &s, &dust, NOW).codes(),
        ["below_min_size"]
    );
    // A partial exit below the resting minimum is still allowed: exits must be able to close.
    let mut partial = c;
    partial.requested_size = Some(Size::parse("2.5").unwrap());
    assert_eq!(
        evaluate(&config, &s, &partial, NOW).approved.unwrap().size,
        Size::parse("2.5").unwrap()
    );
    // A buy cannot pose as an exit to get past the halts.
    let mut fake = candidate();
    fake.is_exit = true;
    let mut halted = state();
    halted
        .halts
        .sync(HaltSource::Config, true, "kill_switch = true", NOW);
    assert_eq!(
        evaluate(&RiskConfig::default(), &halted, &fake, NOW).codes(),
        ["kill_switch", "invalid_candidate"]
    );
}

/// Without the dollar caps in the way, Kelly and its multipliers set the size.
fn kelly_bound_config() -> RiskConfig {
    RiskConfig {
        max_stake_per_market: usd(1_000_000),
        max_bankroll_fraction: 1.0,
        max_market_exposure_pct: 1.0,
        inventory_limit_shares: Size::ZERO,
        ..RiskConfig::default()
    }
}

#[test]
fn kelly_and_every_multiplier_are_recorded() {
    let config = kelly_bound_config();
    let d = evaluate(&config, &state(), &candidate(), NOW);
    let sizing = d.sizing.clone().unwrap();
    assert!(d.is_approved(), "{:?}", d.rejections);
    assert_eq!(sizing.bound_by, Bound::Kelly);
    // c' = 0.4 + 0.04·0.4·0.6 = 0.4096; f* = (0.55 − 0.4096)/(1 − 0.4096).
    let f = (0.55 - 0.4096) / (1.0 - 0.4096);
    assert!((sizing.kelly_full - f).abs() < 1e-12);
    assert!((sizing.net_edge - 0.1404).abs() < 1e-12);
    assert!((sizing.fraction - 0.25 * f).abs() < 1e-12);
    // $10,000 × 0.25 f*, the fraction taken in whole parts per million (rounded down):
    // $594.51, then whole lots at 0.40.
    let ppm = (0.25 * f * 1e6).floor() as i64;
    assert_eq!(sizing.kelly_stake, Usdc::from_micros(10_000 * ppm));
    assert_eq!(sizing.kelly_stake, Usdc::parse("594.51").unwrap());
    assert_eq!(sizing.shares, Size::parse("1486.27").unwrap());
    assert!(sizing.notional <= sizing.kelly_stake);

    // Medium confidence (0.75), ELECTION (0.5), heat level 1 (0.5), a volatile regime (0.5),
    // volatility 0.8 and 24 h to the end (0.625) multiply in.
    let mut c = candidate();
    (c.confidence, c.key.category, c.market_type) =
        (Confidence::Medium, "ELECTION".into(), "ELECTION".into());
    (c.regime, c.volatility_multiplier) = (Some("high_volatility".into()), 0.8);
    c.end_time_ms = Some(NOW + 24 * HOUR);
    let mut s = state();
    s.drawdown.peak = usd(11_200);
    let d = evaluate(&config, &s, &c, NOW);
    let m = d.sizing.unwrap().multipliers;
    assert_eq!(
        (m.kelly_fraction, m.confidence, m.category, m.heat),
        (0.25, 0.75, 0.5, 0.5)
    );
    assert_eq!((m.regime, m.volatility), (0.5, 0.8));
    assert!((m.timeline - 0.625).abs() < 1e-12);
    assert!((m.product() - 0.25 * 0.75 * 0.5 * 0.5 * 0.5 * 0.8 * 0.625).abs() < 1e-12);
}

#[test]
fn the_smallest_room_bounds_the_size() {
    let config = kelly_bound_config();
    // Liquidity $4,000: 5% is $200, so 500 shares.
    let mut c = candidate();
    c.liquidity = usd(4_000);
    let d = evaluate(&config, &state(), &c, NOW);
    let sizing = d.sizing.unwrap();
    assert_eq!(sizing.bound_by, Bound::Cap(Check::LiquidityShare));
    assert_eq!(sizing.shares, Size::shares(500));
    // The strategy asked for 30 shares at most.
    c.requested_size = Some(Size::shares(30));
    let d = evaluate(&config, &state(), &c, NOW);
    assert_eq!(d.sizing.unwrap().bound_by, Bound::Requested);
    assert_eq!(d.approved.unwrap().size, Size::shares(30));
    // Post-only pays no fee; cash for the fee is otherwise reserved.
    let mut maker = candidate();
    maker.post_only = true;
    assert_eq!(
        evaluate(&RiskConfig::default(), &state(), &maker, NOW)
            .approved
            .unwrap()
            .fee,
        Usdc::ZERO
    );
    let mut s = state();
    s.cash = usd(1_020);
    let d = evaluate(&config, &s, &candidate(), NOW);
    let order = d.approved.unwrap();
    assert_eq!(
        d.sizing.unwrap().bound_by,
        Bound::Cap(Check::CapitalReserve)
    );
    assert!(order.notional.saturating_add(order.fee) <= usd(20));
}

#[test]
fn neg_risk_room_is_filled_exactly() {
    let config = kelly_bound_config();
    let mut s = state();
    let mut other = key(7, "e7", "SPORTS", &[]);
    other.neg_risk = neg_risk("g", 0);
    s.positions
        .push(position(other, OutcomeSide::Yes, 2_000, usd(1_900)));
    let mut c = candidate();
    c.key.neg_risk = neg_risk("g", 0);
    let d = evaluate(&config, &s, &c, NOW);
    let order = d.approved.clone().unwrap();
    assert_eq!(
        d.sizing.unwrap().bound_by,
        Bound::Cap(Check::NegRiskWorstCase)
    );
    // $100 of room at 0.40: 250 shares.
    assert_eq!(order.size, Size::shares(250));
    let mut after = s.positions.clone();
    let mut mine = position(c.key.clone(), OutcomeSide::Yes, 250, order.notional);
    mine.strategy = STRATEGY.into();
    after.push(mine);
    assert_eq!(worst_case(&after, "g", 0), usd(-2_000));
    // Buying NO on the market already held YES hedges: its worst case is when that market wins.
    let mut hedge = candidate();
    hedge.key = s.positions[0].key.clone();
    (hedge.outcome, hedge.token) = (OutcomeSide::No, token(7, OutcomeSide::No));
    (hedge.key.category, hedge.market_type) = ("SPORTS".into(), "SPORTS".into());
    let d = evaluate(&config, &s, &hedge, NOW);
    assert!(d.is_approved(), "{:?}", d.rejections);
}

/// Seed 003's aggressive profile doubles the Kelly fraction for its strategy: the stake doubles
/// (to the part per million) for it and for no other strategy, and the multiplier is recorded.
#[test]
fn a_profile_kelly_fraction_sizes_only_its_strategy() {
    let mut config = kelly_bound_config();
    let base = evaluate(&config, &state(), &candidate(), NOW)
        .sizing
        .unwrap();
    let profile = RiskProfile {
        kelly_fraction: Some(0.5),
        ..RiskProfile::default()
    };
    config.profiles.insert(STRATEGY.into(), profile);
    let d = evaluate(&config, &state(), &candidate(), NOW);
    assert!(d.is_approved(), "{:?}", d.rejections);
    let bold = d.sizing.unwrap();
    assert_eq!(bold.multipliers.kelly_fraction, 0.5);
    assert!((bold.fraction - 2.0 * base.fraction).abs() < 1e-12);
    let ppm = (0.5 * base.kelly_full * 1e6).floor() as i64;
    assert_eq!(bold.kelly_stake, Usdc::from_micros(10_000 * ppm));
    assert_eq!(bold.bound_by, Bound::Kelly);
    assert!(bold.shares > base.shares);
    // The same trade by another strategy (same bankroll) sizes as before.
    let mut c = candidate();
    c.strategy = "copy".into();
    let mut s = state();
    s.strategy_bankrolls.insert("copy".into(), usd(10_000));
    let other = evaluate(&config, &s, &c, NOW).sizing.unwrap();
    assert_eq!(other.multipliers.kelly_fraction, 0.25);
    assert_eq!(
        (other.kelly_stake, other.shares),
        (base.kelly_stake, base.shares)
    );
}
