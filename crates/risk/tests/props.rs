//! Properties over random portfolios and candidates: an approved buy never breaks a cap, a halt
//! never lets a buy through, an exit is never stopped by one, and no input makes the engine
//! panic or produce NaN. The caps are re-derived here independently of the engine's code.

mod common;

use common::*;
use polybot_model::{Price, Probability, Side, Size, TokenId, Usdc};
use polybot_risk::{
    ApprovedOrder, Candidate, Confidence, HaltSource, MarketKey, OpenPosition, OutcomeSide,
    PortfolioState, RiskConfig, RiskProfile, Trip, evaluate,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

const CATEGORIES: [&str; 3] = ["MACRO", "SPORTS", "ELECTION"];

/// Markets 1..=4 form the neg-risk group "g"; events and categories follow the id.
fn market_key(m: u64, group_outcomes: u32) -> MarketKey {
    MarketKey {
        market: market(m),
        event_id: (!m.is_multiple_of(4)).then(|| format!("e{}", m % 3)),
        neg_risk: (m <= 4).then(|| polybot_risk::NegRiskGroup {
            id: "g".into(),
            outcomes: group_outcomes,
        }),
        category: CATEGORIES[(m % 3) as usize].to_owned(),
        tags: vec![format!("t{}", m % 2)],
    }
}

fn outcome(yes: bool) -> OutcomeSide {
    if yes {
        OutcomeSide::Yes
    } else {
        OutcomeSide::No
    }
}

prop_compose! {
    fn arb_position(group_outcomes: u32)(
        m in 1u64..=8, yes in any::<bool>(), ours in any::<bool>(),
        lots in 1u64..500_000, cents in 1u64..99,
    ) -> OpenPosition {
        let size = Size::from_micros(lots * 10_000);
        let cost = Usdc::from_micros((lots * 10_000 * cents / 100) as i64);
        OpenPosition {
            strategy: if ours { STRATEGY.into() } else { "other".into() },
            leader: None,
            key: market_key(m, group_outcomes),
            token: token(m, outcome(yes)),
            outcome: outcome(yes),
            size,
            cost,
            opened_ms: NOW - HOUR,
        }
    }
}

prop_compose! {
    fn arb_state()(group in prop_oneof![Just(0u32), Just(4u32)])(
        positions in prop::collection::vec(arb_position(group), 0..10),
        equity in 0i64..60_000, cash in 0i64..60_000, start in 1_000i64..60_000,
        bankroll in prop::option::weighted(0.9, 0i64..60_000),
        peak_extra in 0i64..2_000, loss in 0i64..300,
    ) -> PortfolioState {
        let mut s = PortfolioState::new(usd(start), STRATEGY);
        (s.equity, s.cash, s.day_start_equity, s.week_start_equity) = (usd(equity), usd(cash), usd(equity), usd(equity));
        s.drawdown.peak = usd(equity + peak_extra);
        s.realized_loss_today = usd(loss);
        match bankroll {
            Some(b) => { s.strategy_bankrolls.insert(STRATEGY.into(), usd(b)); }
            None => { s.strategy_bankrolls.clear(); }
        }
        s.positions = positions;
        s
    }
}

prop_compose! {
    fn arb_candidate()(
        m in 1u64..=10, yes in any::<bool>(), cents in 15u32..=85, edge in -5i32..40,
        spread in 1u32..6, fee in 0u32..1_000, post_only in any::<bool>(),
        leader in any::<bool>(), requested in prop::option::of(1u64..20_000),
        min_shares in 0u64..10, liquidity in 0i64..200_000, group in prop_oneof![Just(0u32), Just(4u32)],
        confidence in 0usize..3,
    ) -> Candidate {
        let mut c = candidate();
        c.key = market_key(m, group);
        (c.market_type, c.outcome, c.token) = (c.key.category.clone(), outcome(yes), token(m, outcome(yes)));
        c.limit_price = Price::from_micros(cents * 10_000).unwrap();
        c.reference_price = Some(c.limit_price);
        let p = (i64::from(cents) + i64::from(edge)).clamp(1, 99) as u32;
        c.probability = Probability::from_micros(p * 10_000).unwrap();
        c.best_ask = Some(Probability::from(c.limit_price));
        c.best_bid = Some(Probability::from_micros((cents - spread) * 10_000).unwrap());
        (c.fee_rate_bps, c.post_only) = (fee, post_only);
        c.leader = leader.then(|| "0xleader".to_owned());
        c.requested_size = requested.map(|l| Size::from_micros(l * 10_000));
        c.min_order_size = Size::shares(min_shares);
        c.liquidity = usd(liquidity);
        c.confidence = [Confidence::Low, Confidence::Medium, Confidence::High][confidence];
        c
    }
}

prop_compose! {
    fn arb_config()(
        max_stake in 1i64..5_000, market in 1u32..100, category in 1u32..100, event in 1u32..100,
        global in 1u32..100, neg_risk in 0u32..60, reserve in 0u32..50, per_trade in 1u32..100,
        copy in 1u32..100, liquidity in 1u32..100, inventory in 0u64..5_000, independent in any::<bool>(),
        profile in prop::option::of((prop::option::of(1i64..5_000), prop::option::of(1u32..=100), 0i64..30)),
    ) -> RiskConfig {
        let pct = |n: u32| f64::from(n) / 100.0;
        // Half the time the strategy has its own stake limit, Kelly fraction and minimum bet.
        let profiles = profile.map(|(stake, kelly, min_bet)| {
            let profile = RiskProfile {
                max_stake_per_market: stake.map(usd),
                kelly_fraction: kelly.map(pct),
                min_bet_usdc: Some(usd(min_bet)),
                ..RiskProfile::default()
            };
            (STRATEGY.to_owned(), profile)
        });
        RiskConfig {
            profiles: profiles.into_iter().collect(),
            max_stake_per_market: usd(max_stake),
            max_market_exposure_pct: pct(market),
            max_category_exposure_pct: pct(category),
            max_event_exposure_pct: pct(event),
            max_global_exposure_pct: pct(global),
            max_neg_risk_loss_pct: pct(neg_risk),
            capital_reserve_pct: pct(reserve),
            max_bankroll_fraction: pct(per_trade),
            max_copy_fraction: pct(copy),
            max_liquidity_fraction: pct(liquidity),
            inventory_limit_shares: Size::shares(inventory),
            independent_bankrolls: independent,
            min_confidence: Confidence::Low,
            min_kelly_fraction: 0.0,
            min_edge: 0.0,
            ..RiskConfig::default()
        }
    }
}

fn dollars(micros: i128) -> f64 {
    micros as f64 / 1e6
}

/// `x ≤ amount × pct`, to the micro-dollar.
fn within(x: i128, amount: Usdc, pct: f64) -> bool {
    dollars(x) <= amount.as_f64() * pct + 1e-6
}

fn sum_cost<'a>(positions: impl Iterator<Item = &'a OpenPosition>) -> i128 {
    positions.map(|p| i128::from(p.cost.micros())).sum()
}

/// Brute force over every winner of the group: the worst PnL of its positions.
fn brute_worst_case(positions: &[OpenPosition], group: &str) -> i128 {
    let members: Vec<&OpenPosition> = positions
        .iter()
        .filter(|p| p.key.neg_risk_id() == Some(group))
        .collect();
    let outcomes = members
        .iter()
        .filter_map(|p| p.key.neg_risk.as_ref())
        .map(|g| g.outcomes)
        .max()
        .unwrap_or(0);
    let mut markets: Vec<_> = members.iter().map(|p| p.key.market).collect();
    markets.sort();
    markets.dedup();
    let mut winners: Vec<Option<polybot_model::ConditionId>> =
        markets.iter().copied().map(Some).collect();
    if outcomes == 0 || markets.len() < outcomes as usize {
        winners.push(None);
    }
    let cost = sum_cost(members.iter().copied());
    winners
        .iter()
        .map(|w| {
            let paid: i128 = members
                .iter()
                .filter(|p| (p.outcome == OutcomeSide::Yes) == (*w == Some(p.key.market)))
                .map(|p| i128::from(p.size.micros()))
                .sum();
            paid - cost
        })
        .min()
        .unwrap_or(0)
}

/// Every cap, checked on the portfolio with the approved order in it.
fn assert_no_cap_broken(
    config: &RiskConfig,
    s: &PortfolioState,
    c: &Candidate,
) -> Result<(), TestCaseError> {
    let d = evaluate(config, s, c, NOW);
    let Some(order) = d.approved else {
        return Ok(());
    };
    prop_assert_eq!(order.size.micros() % 10_000, 0);
    prop_assert!(order.size >= c.min_order_size.max(Size::from_micros(10_000)));
    prop_assert_eq!(order.notional, order.size.notional(c.limit_price));
    if let Some(r) = c.requested_size {
        prop_assert!(order.size <= r);
    }
    prop_assert!(order.notional >= config.profile_for(&c.strategy).min_bet_usdc);
    exposure_caps_hold(config, s, c, &order)?;
    bankroll_and_cash_caps_hold(config, s, c, &order)?;
    group_and_inventory_caps_hold(config, s, c, &order)
}

/// Per market, category, event and in total.
fn exposure_caps_hold(
    config: &RiskConfig,
    s: &PortfolioState,
    c: &Candidate,
    order: &ApprovedOrder,
) -> Result<(), TestCaseError> {
    let n = i128::from(order.notional.micros());
    let ps = &s.positions;
    let in_market = sum_cost(ps.iter().filter(|p| p.key.market == c.key.market)) + n;
    let stake_limit = config.profile_for(&c.strategy).max_stake_per_market;
    prop_assert!(in_market <= i128::from(stake_limit.micros()));
    prop_assert!(within(in_market, s.equity, config.max_market_exposure_pct));
    let (cat_pct, _) = config.category_limit(&c.key.category);
    let in_cat = sum_cost(ps.iter().filter(|p| p.key.category == c.key.category)) + n;
    prop_assert!(within(in_cat, s.equity, cat_pct));
    if c.key.event_id.is_some() {
        let in_event = sum_cost(ps.iter().filter(|p| p.key.event_id == c.key.event_id)) + n;
        prop_assert!(within(in_event, s.equity, config.max_event_exposure_pct));
    }
    let total = sum_cost(ps.iter()) + n;
    prop_assert!(within(total, s.equity, config.max_global_exposure_pct));
    Ok(())
}

/// The strategy's bankroll, per trade and per copy, the book's liquidity, cash and reserve.
fn bankroll_and_cash_caps_hold(
    config: &RiskConfig,
    s: &PortfolioState,
    c: &Candidate,
    order: &ApprovedOrder,
) -> Result<(), TestCaseError> {
    let n = i128::from(order.notional.micros());
    let bank = if config.independent_bankrolls {
        let bank = s
            .strategy_bankrolls
            .get(STRATEGY)
            .copied()
            .unwrap_or_default();
        let own = sum_cost(s.positions.iter().filter(|p| p.strategy == STRATEGY));
        prop_assert!(own + n <= i128::from(bank.micros()));
        bank
    } else {
        s.equity
    };
    prop_assert!(within(n, bank, config.max_bankroll_fraction));
    if c.leader.is_some() {
        prop_assert!(within(n, bank, config.max_copy_fraction));
    }
    prop_assert!(within(n, c.liquidity, config.max_liquidity_fraction));
    let cash_after = i128::from(s.cash.micros()) - n - i128::from(order.fee.micros());
    prop_assert!(cash_after >= 0);
    let reserve = s.starting_bankroll.as_f64() * config.capital_reserve_pct;
    prop_assert!(dollars(cash_after) + 1e-6 >= reserve);
    Ok(())
}

/// The neg-risk group's worst case (brute force) and the market's net inventory.
fn group_and_inventory_caps_hold(
    config: &RiskConfig,
    s: &PortfolioState,
    c: &Candidate,
    order: &ApprovedOrder,
) -> Result<(), TestCaseError> {
    if let Some(group) = c.key.neg_risk_id() {
        let mut after = s.positions.clone();
        after.push(OpenPosition {
            strategy: STRATEGY.into(),
            leader: None,
            key: c.key.clone(),
            token: c.token,
            outcome: c.outcome,
            size: order.size,
            cost: order.notional,
            opened_ms: NOW,
        });
        let worst_loss = -brute_worst_case(&after, group);
        prop_assert!(within(worst_loss, s.equity, config.max_neg_risk_loss_pct));
    }
    if !config.inventory_limit_shares.is_zero() {
        let net: i128 = s
            .positions
            .iter()
            .filter(|p| p.key.market == c.key.market)
            .map(|p| if p.outcome == c.outcome { 1 } else { -1 } * i128::from(p.size.micros()))
            .sum();
        let limit = i128::from(config.inventory_limit_shares.micros());
        prop_assert!(net + i128::from(order.size.micros()) <= limit);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn approved_buys_never_break_a_cap(config in arb_config(), s in arb_state(), c in arb_candidate()) {
        assert_no_cap_broken(&config, &s, &c)?;
    }

    #[test]
    fn halted_means_no_new_entries(s in arb_state(), c in arb_candidate(), how in 0usize..7) {
        let (config, mut s) = (RiskConfig::default(), s);
        let expected = match how {
            0 => { s.halts.sync(HaltSource::Config, true, "kill_switch = true", NOW); "kill_switch" }
            1 => { s.halts.halt(HaltSource::Operator, "ops", NOW); "kill_switch" }
            2 => { s.halts.sync(HaltSource::File, true, "kill file", NOW); "kill_switch" }
            3 => { s.drawdown.tripped = Some(Trip { since_ms: NOW, drawdown: 0.2 }); "max_drawdown" }
            4 => { s.drawdown.peak = Usdc::from_micros(s.equity.micros().max(1) * 2); "drawdown_heat_3" }
            5 => { s.realized_loss_today = usd(500); "daily_loss" }
            _ => { s.week_start_equity = s.equity.saturating_add(s.equity).max(usd(1)); "weekly_halt" }
        };
        let d = evaluate(&config, &s, &c, NOW);
        prop_assert!(!d.is_approved());
        prop_assert!(d.codes().contains(&expected), "{:?}", d.codes());
    }

    #[test]
    fn exits_of_held_shares_pass_any_halt(s in arb_state(), pick in any::<prop::sample::Index>(), part in 1u64..=100, kill in any::<bool>()) {
        prop_assume!(!s.positions.is_empty());
        let mut s = s;
        let held = pick.get(&s.positions).clone();
        s.halts.halt(HaltSource::Operator, "ops", NOW);
        s.drawdown.tripped = Some(Trip { since_ms: NOW, drawdown: 0.9 });
        s.realized_loss_today = usd(1_000_000);
        let mut c = candidate();
        (c.key, c.token, c.outcome, c.side, c.is_exit) = (held.key.clone(), held.token, held.outcome, Side::Sell, true);
        let total = s.shares_held(&held.token);
        let wanted = Size::from_micros((total.micros() / 100 * part).max(10_000).min(total.micros()));
        c.requested_size = Some(wanted);
        s.halts.sync(HaltSource::Config, kill, "kill_switch = true", NOW);
        let config = RiskConfig::default();
        let d = evaluate(&config, &s, &c, NOW);
        prop_assert!(d.is_approved(), "{:?}", d.rejections);
        prop_assert!(d.approved.unwrap().size <= total);
    }

    #[test]
    fn no_input_panics_or_makes_nan(
        s in arb_state(), c in arb_candidate(), equity in any::<i64>(), cash in any::<i64>(),
        p in any::<u32>(), vol in any::<f64>(), q in any::<f64>(), fee in any::<u32>(),
        kelly in any::<f64>(), pct in any::<f64>(), liquidity in any::<i64>(), size in any::<u64>(),
    ) {
        let (mut s, mut c) = (s, c);
        (s.equity, s.cash, s.day_start_equity) = (Usdc::from_micros(equity), Usdc::from_micros(cash), Usdc::from_micros(equity));
        c.probability = Probability::from_micros(p % 1_000_001).unwrap();
        (c.volatility_multiplier, c.evidence_quality, c.fee_rate_bps) = (vol, Some(q), fee);
        (c.liquidity, c.requested_size) = (Usdc::from_micros(liquidity), Some(Size::from_micros(size)));
        c.token = TokenId::parse("999").unwrap();
        let config = RiskConfig { kelly_fraction: kelly, max_global_exposure_pct: pct, max_bankroll_fraction: pct, ..RiskConfig::default() };
        let d = evaluate(&config, &s, &c, NOW);
        prop_assert_eq!(d.approved.is_some(), d.rejections.is_empty());
        let sizing = d.sizing.unwrap();
        for x in [sizing.kelly_full, sizing.fraction, sizing.multipliers.product()] {
            prop_assert!(x.is_finite(), "{:?}", sizing);
        }
        prop_assert!(!sizing.net_edge.is_nan() && !sizing.ev_per_dollar.is_nan());
    }
}

/// The cap property must not hold vacuously: a fair share of random cases is approved.
#[test]
fn random_cases_are_often_approved() {
    let mut runner = TestRunner::deterministic();
    let strategy = (arb_config(), arb_state(), arb_candidate());
    let mut approved = 0;
    for _ in 0..2_000 {
        let (config, s, c) = strategy.new_tree(&mut runner).unwrap().current();
        approved += usize::from(evaluate(&config, &s, &c, NOW).is_approved());
    }
    assert!(approved >= 500, "only {approved} of 2000 approved");
}
