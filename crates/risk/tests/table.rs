//! Each check alone: start from a portfolio and candidate that pass everything, change one thing
//! per row, and the decision must be rejected with exactly that row's reason code.
//!
//! "One thing" is one situation: a few rows change two fields because the checks overlap by
//! design (a negative edge is also below the minimum edge, so that row zeroes the minimum), and
//! every row says why.

mod common;

use common::*;
use polybot_model::{Size, Usdc};
use polybot_risk::{
    Check, Confidence, CutoffReason, HaltSource, MarketBreaker, OutcomeSide, PortfolioState,
    RiskConfig, RiskProfile, TraderRecord, Trip, config_key, evaluate,
};

type Row = (
    Check,
    fn(&mut RiskConfig, &mut PortfolioState, &mut polybot_risk::Candidate),
);

fn rows() -> Vec<Row> {
    let mut rows = gate_rows();
    rows.extend(candidate_rows());
    rows.extend(cap_rows());
    rows.extend(sanity_rows());
    rows
}

/// Rows for the gates on the portfolio and its positions.
fn gate_rows() -> Vec<Row> {
    use OutcomeSide::Yes;
    vec![
        (Check::KillSwitch, |_, s, _| {
            s.halts
                .sync(HaltSource::Config, true, "kill_switch = true", NOW);
        }),
        (Check::MaxDrawdown, |_, s, _| {
            // The guard tripped earlier and has not recovered, though equity is back.
            s.drawdown.tripped = Some(Trip {
                since_ms: NOW - HOUR,
                drawdown: 0.21,
            });
        }),
        (Check::DrawdownHeat3, |c, s, _| {
            // 5% below the peak is heat 3 with lower thresholds, far from the 20% auto-kill.
            c.heat_thresholds = [0.01, 0.02, 0.03];
            s.drawdown.peak = usd(10_527);
        }),
        (Check::DailyLoss, |_, s, _| s.realized_loss_today = usd(500)),
        (Check::DailySoftStop, |c, s, _| {
            // $450 lost (under the $500 limit) is 4.5% of the day's start.
            c.daily_soft_stop_pct = 0.04;
            s.realized_loss_today = usd(450);
        }),
        (Check::WeeklyHalt, |_, s, _| {
            s.week_start_equity = usd(15_000)
        }),
        (Check::MaxOpenPositions, |c, _, _| c.max_open_positions = 0),
        (Check::MaxEntriesPerDay, |c, s, _| {
            // The strategy's third entry today, with three allowed.
            c.max_entries_per_day = 3;
            s.entries_today.insert(STRATEGY.into(), 3);
        }),
        (Check::TraderCutoff, |_, s, k| {
            k.leader = Some("0xleader".into());
            let mut record = TraderRecord::new(usd(1_000));
            record.cut_off(NOW - HOUR);
            s.traders.insert("0xleader".into(), record);
        }),
        (Check::TraderLossStreak, |_, s, k| {
            k.leader = Some("0xleader".into());
            let mut record = TraderRecord::new(usd(1_000));
            record.consecutive_losses = 5;
            s.traders.insert("0xleader".into(), record);
        }),
        (Check::CircuitBreaker, |_, s, k| {
            let breaker = MarketBreaker {
                consecutive_adverse: 0,
                open_until_ms: Some(NOW + 1),
            };
            s.breakers.insert(k.key.market, breaker);
        }),
        (Check::CorrelatedPositions, |_, s, _| {
            // Four MACRO positions tagged "fed" in other events: with this one, five.
            for m in 2..6 {
                let k = key(m, &format!("e{m}"), "MACRO", &["Fed"]);
                s.positions.push(position(k, Yes, 10, usd(5)));
            }
        }),
    ]
}

/// Rows for the gates on the candidate's forecast, market and timing.
fn candidate_rows() -> Vec<Row> {
    vec![
        (Check::MinEdge, |c, _, _| c.min_edge = 0.15),
        (Check::NegativeEdge, |c, _, k| {
            // Zero net edge (post-only: no fee; p = price) with the minimums at zero, since a
            // non-positive edge is otherwise below them too.
            (c.min_edge, c.min_kelly_fraction) = (0.0, 0.0);
            (k.post_only, k.probability) = (true, prob("0.40"));
        }),
        (Check::ThinLiquidity, |_, _, k| k.liquidity = usd(1_999)),
        (Check::WideSpread, |_, _, k| k.best_bid = Some(prob("0.33"))),
        (Check::LowEvidenceQuality, |_, _, k| {
            k.evidence_quality = Some(0.5)
        }),
        (Check::LowConfidence, |_, _, k| {
            k.confidence = Confidence::Low
        }),
        (Check::ProbabilityFloor, |c, _, _| {
            c.implied_probability_floor = 0.45
        }),
        (Check::MarketTypeNotAllowed, |_, _, k| {
            k.market_type = "UNKNOWN".into()
        }),
        (Check::MaxSlippage, |_, _, k| {
            k.reference_price = Some(price("0.39"))
        }),
        (Check::StaleMarket, |_, _, k| k.book_ts_ms = NOW - 30_001),
        (Check::MinKelly, |c, _, _| c.min_kelly_fraction = 0.10),
        (Check::MinEntryPrice, |c, _, _| {
            c.min_entry_price = price("0.45")
        }),
        (Check::NearResolution, |_, _, k| {
            k.end_time_ms = Some(NOW + HOUR / 2)
        }),
        (Check::BelowMinBet, |c, _, k| {
            // The strategy caps the size at 40 shares ($16, above the market's 5-share minimum
            // order); its profile will not bet under $20.
            let profile = RiskProfile {
                min_bet_usdc: Some(usd(20)),
                ..RiskProfile::default()
            };
            c.profiles.insert(STRATEGY.into(), profile);
            k.requested_size = Some(Size::shares(40));
        }),
    ]
}

/// Rows for the caps: each leaves too little room for the minimum order.
fn cap_rows() -> Vec<Row> {
    use OutcomeSide::{No, Yes};
    vec![
        (Check::ReduceOnly, |_, s, k| {
            // Already 500 YES shares net (bought cheaply, so no dollar cap is near).
            s.positions.push(position(k.key.clone(), Yes, 500, usd(5)));
        }),
        (Check::MaxStakePerMarket, |_, s, k| {
            s.positions.push(position(k.key.clone(), No, 100, usd(49)));
        }),
        (Check::MaxPerMarket, |c, _, _| {
            c.max_market_exposure_pct = 0.0001
        }),
        (Check::CategoryExposure, |_, s, k| {
            // SPORTS has no limit of its own: the general 35% applies, and is used up.
            k.key.category = "SPORTS".into();
            s.positions.push(position(
                key(7, "e7", "SPORTS", &[]),
                Yes,
                5_000,
                usd(3_500),
            ));
        }),
        (Check::CategoryLimit, |_, s, _| {
            s.positions
                .push(position(key(7, "e7", "MACRO", &[]), Yes, 5_000, usd(4_000)));
        }),
        (Check::EventExposure, |_, s, _| {
            s.positions.push(position(
                key(7, "e1", "SPORTS", &[]),
                Yes,
                5_000,
                usd(2_500),
            ));
        }),
        (Check::GlobalExposure, |_, s, _| {
            for (m, cat) in [(7, "SPORTS"), (8, "WEATHER"), (9, "CRYPTO")] {
                let k = key(m, &format!("e{m}"), cat, &[]);
                s.positions.push(position(k, Yes, 5_000, usd(2_000)));
            }
        }),
        (Check::NegRiskWorstCase, |_, s, k| {
            // YES on another market of the group for $2,000: if a third market wins, that is
            // lost, which is already the whole 20% allowance.
            k.key.neg_risk = neg_risk("g", 0);
            let mut other = key(7, "e7", "SPORTS", &[]);
            other.neg_risk = neg_risk("g", 0);
            s.positions.push(position(other, Yes, 5_000, usd(2_000)));
        }),
        (Check::StrategyBankroll, |_, s, _| {
            s.strategy_bankrolls.insert(STRATEGY.into(), usd(1_000));
            let mut own = position(key(7, "e7", "SPORTS", &[]), Yes, 2_000, usd(1_000));
            own.strategy = STRATEGY.into();
            s.positions.push(own);
        }),
        (Check::BankrollFraction, |c, _, _| {
            c.max_bankroll_fraction = 0.0001
        }),
        (Check::MaxPerCopy, |c, _, k| {
            k.leader = Some("0xleader".into());
            c.max_copy_fraction = 0.0001;
        }),
        (Check::LiquidityShare, |c, _, _| {
            c.max_liquidity_fraction = 0.00001
        }),
        (Check::CapitalReserve, |_, s, _| s.cash = usd(1_001)),
        (Check::InsufficientBalance, |c, s, _| {
            (c.capital_reserve_pct, s.cash) = (0.0, usd(1));
        }),
    ]
}

fn sanity_rows() -> Vec<Row> {
    vec![
        (Check::CrossedQuote, |_, _, k| {
            k.best_bid = Some(prob("0.41"))
        }),
        (Check::InvalidCandidate, |_, _, k| {
            k.volatility_multiplier = f64::NAN
        }),
        (Check::BelowMinSize, |_, _, k| {
            k.requested_size = Some(Size::shares(1))
        }),
    ]
}

#[test]
fn the_base_case_passes_every_check() {
    let d = evaluate(&RiskConfig::default(), &state(), &candidate(), NOW);
    assert!(d.is_approved(), "{:?}", d.rejections);
    let order = d.approved.unwrap();
    // Bound by the $50 per-market stake: 125 shares at 0.40.
    assert_eq!(order.size, Size::shares(125));
    assert_eq!(order.notional, usd(50));
    // 125 · 0.04 · 0.4 · 0.6 = 1.2
    assert_eq!(order.fee, Usdc::parse("1.2").unwrap());
}

#[test]
fn each_check_alone_triggers_exactly_its_code() {
    let rows = rows();
    for (check, perturb) in &rows {
        let (mut config, mut s, mut c) = (RiskConfig::default(), state(), candidate());
        perturb(&mut config, &mut s, &mut c);
        assert_eq!(
            config.validate(),
            Ok(()),
            "{check}: the row's config must be valid"
        );
        let d = evaluate(&config, &s, &c, NOW);
        assert_eq!(d.codes(), [check.code()], "{check}: {:?}", d.rejections);
        assert!(d.approved.is_none());
        assert!(config_key(check.code()).is_some());
    }
    // Every check of the engine has a row.
    let mut covered: Vec<Check> = rows.iter().map(|(c, _)| *c).collect();
    covered.sort();
    assert_eq!(covered, Check::ALL);
}

#[test]
fn halts_from_every_source_stop_entries_under_one_code() {
    for source in [
        HaltSource::Operator,
        HaltSource::File,
        HaltSource::Automatic,
    ] {
        let mut s = state();
        s.halts.halt(source, "test", NOW);
        let d = evaluate(&RiskConfig::default(), &s, &candidate(), NOW);
        assert_eq!(d.codes(), ["kill_switch"]);
    }
    let mut record = TraderRecord::new(usd(1_000));
    record.mark(&RiskConfig::default(), usd(700), NOW);
    assert_eq!(record.cutoff.unwrap().reason, CutoffReason::Drawdown);
}

/// Seed 003's conservative profile for the candidate's strategy: each overridden limit triggers
/// its usual code for that strategy alone, and another strategy still gets the section's values.
#[test]
fn a_profile_triggers_its_checks_for_its_strategy_only() {
    type Case = (
        Check,
        RiskProfile,
        fn(&mut PortfolioState, &mut polybot_risk::Candidate),
    );
    let cases: [Case; 5] = [
        (
            Check::MinEdge,
            RiskProfile {
                min_edge: Some(0.15),
                ..RiskProfile::default()
            },
            |_, _| {},
        ),
        (
            Check::LowConfidence,
            // MEDIUM passes the section's minimum, not the profile's.
            RiskProfile {
                min_confidence: Some(Confidence::High),
                ..RiskProfile::default()
            },
            |_, k| k.confidence = Confidence::Medium,
        ),
        (
            Check::MaxEntriesPerDay,
            RiskProfile {
                max_entries_per_day: Some(3),
                ..RiskProfile::default()
            },
            |s, _| {
                s.entries_today.insert(STRATEGY.into(), 3);
            },
        ),
        (
            Check::MaxStakePerMarket,
            RiskProfile {
                max_stake_per_market: Some(usd(1)),
                ..RiskProfile::default()
            },
            |_, _| {},
        ),
        (
            Check::MinKelly,
            // Quarter Kelly passes the 2% minimum; a hundredth of Kelly does not.
            RiskProfile {
                kelly_fraction: Some(0.01),
                ..RiskProfile::default()
            },
            |_, _| {},
        ),
    ];
    for (check, profile, prepare) in cases {
        let mut config = RiskConfig::default();
        config.profiles.insert(STRATEGY.to_uppercase(), profile);
        assert_eq!(config.validate(), Ok(()), "{check}");
        let (mut s, mut c) = (state(), candidate());
        prepare(&mut s, &mut c);
        let d = evaluate(&config, &s, &c, NOW);
        assert_eq!(d.codes(), [check.code()], "{check}: {:?}", d.rejections);
        // The same candidate from a strategy without a profile passes.
        c.strategy = "other".into();
        s.strategy_bankrolls.insert("other".into(), usd(10_000));
        s.entries_today.insert("other".into(), 3);
        let d = evaluate(&config, &s, &c, NOW);
        assert!(d.is_approved(), "{check}: {:?}", d.rejections);
    }
}
