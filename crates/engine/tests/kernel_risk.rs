//! The risk gate inside the kernel: entries are checked and sized by the risk engine against the
//! whole portfolio, halts stop new buys but never exits, and exit rules fire on ticks.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use polybot_engine::kernel::{Entry, Exit, MarketMeta, RiskCommand, RiskMemory, RiskSetup};
use polybot_engine::operator::OperatorCommand;
use polybot_engine::orders::TimeInForce;
use polybot_engine::session::{SessionHeader, SimSetup};
use polybot_engine::sim::{SimConfig, SimVenue};
use polybot_engine::strategy::{Intent, Strategy, View};
use polybot_engine::{AccountId, Decision, Event, Kernel};
use polybot_model::{ConditionId, Probability, Side, Size, TokenId};
use polybot_risk::{Confidence, MarketKey, OutcomeSide, RiskConfig, RiskProfile};

const STRAT: &str = "forecast";
const OP: &str = "manual";
const DAY: i64 = 86_400_000;

/// A strategy that sends whatever the test queued, on the next event.
struct Scripted {
    account: AccountId,
    queue: Arc<Mutex<Vec<Intent>>>,
}

impl Strategy for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }
    fn account(&self) -> &AccountId {
        &self.account
    }
    fn on_event(&mut self, _view: &View<'_>, _event: &Event, intents: &mut Vec<Intent>) {
        intents.append(&mut self.queue.lock().unwrap());
    }
}

fn meta(n: u8) -> MarketMeta {
    MarketMeta {
        key: MarketKey {
            market: ConditionId(alloy_primitives::B256::repeat_byte(n)),
            event_id: Some(format!("event-{n}")),
            neg_risk: None,
            category: "MACRO".to_owned(),
            tags: vec![format!("tag-{n}")],
        },
        market_type: "MACRO".to_owned(),
        outcome: OutcomeSide::Yes,
        end_time_ms: Some(T0 + 30 * DAY),
        fee_rate_bps: FEE_BPS,
    }
}

/// A deep book: 5,000 shares each side around 0.50.
fn deep_book(token: TokenId, bid: &str, ask: &str, ts: i64) -> Event {
    book(token, &[(bid, "5000")], &[(ask, "5000")], ts)
}

fn kernel(
    t: TokenId,
) -> (
    Kernel<polybot_engine::sim::SimVenue>,
    Arc<Mutex<Vec<Intent>>>,
) {
    let mut h = header(&[t], &[(STRAT, 1_000), (OP, 1_000)]);
    h.markets[0].meta = Some(Box::new(meta(1)));
    h.risk = RiskSetup {
        config: RiskConfig::default(),
        ..RiskSetup::default()
    };
    let mut k = paper_kernel(&h);
    let queue = Arc::new(Mutex::new(Vec::new()));
    k.add_strategy(Box::new(Scripted {
        account: acct(STRAT),
        queue: queue.clone(),
    }));
    (k, queue)
}

fn entry(t: TokenId, probability: &str) -> Intent {
    Intent::Enter(Entry {
        token: t,
        limit_price: px("0.52"),
        probability: Probability::parse(probability).unwrap(),
        confidence: Confidence::High,
        evidence_quality: None,
        leader: None,
        reference_price: None,
        max_size: None,
        time_in_force: TimeInForce::Fak,
        post_only: false,
        reason: "test_entry",
    })
}

/// A kernel whose strategy entered `t` at 0.51 with probability `p`, filled.
fn entered(
    t: TokenId,
    p: &str,
) -> (
    Kernel<polybot_engine::sim::SimVenue>,
    Arc<Mutex<Vec<Intent>>>,
) {
    let (mut k, queue) = kernel(t);
    step(&mut k, &deep_book(t, "0.50", "0.51", T0));
    queue.lock().unwrap().push(entry(t, p));
    step(&mut k, &tick(T0 + 10));
    step(&mut k, &tick(T0 + 100));
    (k, queue)
}

fn risk_codes(decisions: &[Decision]) -> Vec<String> {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::RiskRejected { codes, .. } => Some(codes.join(",")),
            Decision::Refused { code, .. } => Some(code.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn an_entry_is_sized_under_the_caps_and_filled() {
    let t = tok(1);
    let (mut k, queue) = kernel(t);
    step(&mut k, &deep_book(t, "0.50", "0.51", T0));
    queue.lock().unwrap().push(entry(t, "0.70"));
    let d = step(&mut k, &tick(T0 + 10));
    no_anomalies(&d);
    let sized = d.iter().find_map(|d| match d {
        Decision::Sized {
            shares, bound_by, ..
        } => Some((*shares, bound_by.clone())),
        _ => None,
    });
    let (shares, bound_by) = sized.expect("sized");
    // $50 per market (seed 000) binds long before quarter Kelly of $1,000 at a 0.18 edge.
    assert_eq!(bound_by, "max_stake_per_market");
    assert!(shares <= sz("96.16") && shares >= sz("90"), "{shares}");
    assert_eq!(placed(&d).len(), 1, "{d:#?}");
    step(&mut k, &tick(T0 + 100));
    // A marketable BUY spends its USDC amount (shares × limit): at the better ask it buys a
    // few more shares than sized, for the same cost.
    let held = position(&k, STRAT, t);
    assert!(held >= shares && held <= sz("98.1"), "{held}");
    let cost = k.ledger().account(&acct(STRAT)).unwrap().state().positions[&t].cost;
    assert!(cost <= usdc("50"), "{cost}");
}

#[test]
fn a_weak_or_thin_entry_is_rejected_with_every_reason() {
    let t = tok(1);
    let (mut k, queue) = kernel(t);
    // A thin, wide book: 10 shares each side, 0.40 / 0.51.
    step(&mut k, &book(t, &[("0.40", "10")], &[("0.51", "10")], T0));
    queue.lock().unwrap().push(entry(t, "0.53"));
    let d = step(&mut k, &tick(T0 + 10));
    let codes = risk_codes(&d).join(",");
    for code in ["min_edge", "thin_liquidity", "wide_spread"] {
        assert!(codes.contains(code), "{code} missing from {codes}");
    }
    assert!(placed(&d).is_empty());
}

#[test]
fn halted_means_no_new_buys_but_exits_still_run() {
    let t = tok(1);
    let (mut k, queue) = entered(t, "0.70");
    let held = position(&k, STRAT, t);
    assert!(held > Size::ZERO);

    let halt = OperatorCommand::Risk(RiskCommand::Halt {
        reason: "maintenance".to_owned(),
    });
    let d = step(&mut k, &op(OP, halt, T0 + 200));
    assert!(
        matches!(&d[..], [Decision::RiskState { event, .. }] if event == "halted"),
        "{d:#?}"
    );
    // A strategy's entry and a manual buy are both refused while halted.
    queue.lock().unwrap().push(entry(t, "0.70"));
    let d = step(&mut k, &tick(T0 + 300));
    assert!(risk_codes(&d).join(",").contains("kill_switch"), "{d:#?}");
    let manual = place(t, Side::Buy, "0.51", shares("10"), TimeInForce::Fak);
    let d = step(&mut k, &op(OP, manual, T0 + 310));
    assert_eq!(risk_codes(&d), ["kill_switch"]);
    // Exits pass.
    queue.lock().unwrap().push(Intent::Exit(Exit {
        token: t,
        limit_price: None,
        size: None,
        reason: "test_exit",
    }));
    let d = step(&mut k, &tick(T0 + 400));
    assert_eq!(placed(&d).len(), 1, "{d:#?}");
    step(&mut k, &tick(T0 + 500));
    assert_eq!(position(&k, STRAT, t), Size::ZERO);

    let d = step(
        &mut k,
        &op(OP, OperatorCommand::Risk(RiskCommand::Resume), T0 + 600),
    );
    assert!(matches!(&d[..], [Decision::RiskState { event, .. }] if event == "resumed"));
    queue.lock().unwrap().push(entry(t, "0.70"));
    let d = step(&mut k, &tick(T0 + 700));
    assert_eq!(placed(&d).len(), 1, "entries again after resume: {d:#?}");
}

#[test]
fn take_profit_fires_on_a_tick_and_sells_once() {
    let t = tok(1);
    let (mut k, _queue) = entered(t, "0.80");
    assert!(position(&k, STRAT, t) > Size::ZERO);
    // The bid rises 40% over cost: take-profit (30%).
    step(&mut k, &deep_book(t, "0.72", "0.73", T0 + 1_000));
    let d = step(&mut k, &tick(T0 + 1_010));
    assert!(
        d.iter()
            .any(|d| matches!(d, Decision::ExitSignal { reason, .. } if reason == "take_profit")),
        "{d:#?}"
    );
    let sells: Vec<_> = placed(&d);
    assert_eq!(sells.len(), 1);
    step(&mut k, &tick(T0 + 1_100));
    assert_eq!(position(&k, STRAT, t), Size::ZERO);
    assert_eq!(
        (k.risk_memory().closes_won, k.risk_memory().closes_lost),
        (1, 0)
    );
    let d = step(&mut k, &tick(T0 + 10_000));
    assert!(d.is_empty(), "nothing left to exit: {d:#?}");
}

#[test]
fn a_position_held_too_long_is_exited() {
    let t = tok(1);
    let (mut k, _queue) = entered(t, "0.70");
    let later = T0 + 241 * 3_600_000;
    step(&mut k, &deep_book(t, "0.50", "0.51", later));
    let d = step(&mut k, &tick(later + 10));
    assert!(
        d.iter()
            .any(|d| matches!(d, Decision::ExitSignal { reason, .. } if reason == "max_holding")),
        "{d:#?}"
    );
}

#[test]
fn manual_positions_are_not_exited_by_rule() {
    let t = tok(1);
    let (mut k, _queue) = kernel(t);
    step(&mut k, &deep_book(t, "0.50", "0.51", T0));
    let manual = place(t, Side::Buy, "0.51", shares("20"), TimeInForce::Fak);
    step(&mut k, &op(OP, manual, T0 + 10));
    step(&mut k, &tick(T0 + 100));
    assert!(position(&k, OP, t) > Size::ZERO);
    step(&mut k, &deep_book(t, "0.80", "0.81", T0 + 1_000));
    let d = step(&mut k, &tick(T0 + 1_010));
    assert!(d.is_empty(), "the operator's position is theirs: {d:#?}");
}

#[test]
fn the_circuit_breaker_opens_after_fills_the_market_then_moved_against() {
    let t = tok(1);
    let (mut k, queue) = kernel(t);
    // Small entries, so six fit under the per-market caps.
    k.set_risk(RiskSetup {
        config: RiskConfig {
            max_bankroll_fraction: 0.005,
            ..RiskConfig::default()
        },
        ..RiskSetup::default()
    });
    step(&mut k, &deep_book(t, "0.50", "0.51", T0));
    for i in 0..3 {
        queue.lock().unwrap().push(entry(t, "0.70"));
        step(&mut k, &tick(T0 + 10 + i * 100));
    }
    step(&mut k, &tick(T0 + 400));
    // Taking the ask is not adverse by itself: thirty seconds on at the same mid, nothing opens.
    let d = step(&mut k, &tick(T0 + 30_500));
    assert!(
        !d.iter()
            .any(|d| matches!(d, Decision::RiskState { event, .. } if event == "circuit_breaker")),
        "{d:#?}"
    );
    // A fresh book (the risk engine refuses to price on one older than 30 s).
    step(&mut k, &deep_book(t, "0.50", "0.51", T0 + 30_900));
    for i in 0..3 {
        queue.lock().unwrap().push(entry(t, "0.70"));
        let d = step(&mut k, &tick(T0 + 31_000 + i * 100));
        assert_eq!(placed(&d).len(), 1, "{d:#?}");
    }
    step(&mut k, &tick(T0 + 31_400));
    // The market falls after those three: adverse, and the breaker opens.
    step(&mut k, &deep_book(t, "0.44", "0.45", T0 + 40_000));
    let d = step(&mut k, &tick(T0 + 62_000));
    assert!(
        d.iter()
            .any(|d| matches!(d, Decision::RiskState { event, .. } if event == "circuit_breaker")),
        "{d:#?}"
    );
    queue.lock().unwrap().push(entry(t, "0.70"));
    let d = step(&mut k, &tick(T0 + 62_100));
    assert!(
        risk_codes(&d).join(",").contains("circuit_breaker"),
        "{d:#?}"
    );
}

const BOLD: &str = "aggressive";
const CAREFUL: &str = "conservative";

/// Seed 003's aggressive and conservative profiles (the conservative one allowed two entries a
/// day), with $5 trades so many fit under the per-market caps.
fn profiles_config() -> RiskConfig {
    let mut config = RiskConfig {
        max_bankroll_fraction: 0.005,
        ..RiskConfig::default()
    };
    let bold = RiskProfile {
        kelly_fraction: Some(0.5),
        max_entries_per_day: Some(10),
        ..RiskProfile::default()
    };
    let careful = RiskProfile {
        kelly_fraction: Some(0.15),
        min_edge: Some(0.08),
        max_entries_per_day: Some(2),
        ..RiskProfile::default()
    };
    config.profiles = [(BOLD.to_owned(), bold), (CAREFUL.to_owned(), careful)].into();
    config
}

fn profiled_header(t: TokenId) -> SessionHeader {
    let mut h = header(&[t], &[(BOLD, 1_000), (CAREFUL, 1_000), (OP, 1_000)]);
    h.markets[0].meta = Some(Box::new(meta(1)));
    h.risk = RiskSetup {
        config: profiles_config(),
        ..RiskSetup::default()
    };
    h
}

/// What each scripted strategy will send on its next event.
type Queue = Arc<Mutex<Vec<Intent>>>;

/// A kernel from `h` with a scripted strategy on each profiled account.
fn profiled_kernel(h: &SessionHeader) -> (Kernel<SimVenue>, [Queue; 2]) {
    let mut k = paper_kernel(h);
    let queues = [BOLD, CAREFUL].map(|account| {
        let queue = Arc::new(Mutex::new(Vec::new()));
        k.add_strategy(Box::new(Scripted {
            account: acct(account),
            queue: queue.clone(),
        }));
        queue
    });
    (k, queues)
}

/// Both strategies enter `t` on the tick at `ts`; the decisions, and the risk memory the driver
/// persists when it changed.
fn both_enter(
    k: &mut Kernel<SimVenue>,
    queues: &[Queue; 2],
    t: TokenId,
    ts: i64,
    persisted: &mut Option<RiskMemory>,
) -> Vec<Decision> {
    for queue in queues {
        queue.lock().unwrap().push(entry(t, "0.70"));
    }
    let changes = drive(k, &tick(ts));
    // Settle the FAKs, so the next entry sees the fills.
    let settled = drive(k, &tick(ts + 50));
    *persisted = settled.risk.or(changes.risk).or(persisted.take());
    changes.decisions
}

fn placed_by(decisions: &[Decision], account: &str) -> usize {
    decisions
        .iter()
        .filter(|d| matches!(d, Decision::Placed { order, .. } if order.account == acct(account)))
        .count()
}

fn codes_of(decisions: &[Decision], account: &str) -> Vec<String> {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::RiskRejected {
                account: a, codes, ..
            } if *a == acct(account) => Some(codes.join(",")),
            _ => None,
        })
        .collect()
}

fn kelly_bp(decisions: &[Decision], account: &str) -> Option<i64> {
    decisions.iter().find_map(|d| match d {
        Decision::Sized {
            account: a,
            kelly_bp,
            ..
        } if *a == acct(account) => Some(*kelly_bp),
        _ => None,
    })
}

/// Two strategies, two profiles: the conservative one is refused with `max_entries_per_day`
/// after its two entries of the UTC day while the aggressive one goes on; the count survives a
/// restart from the persisted memory (through JSON, as the store and the journal keep it), and
/// the next UTC day the conservative strategy enters again.
#[test]
fn a_profile_caps_its_strategy_entries_per_utc_day_across_a_restart() {
    let t = tok(1);
    let h = profiled_header(t);
    let (mut k, queues) = profiled_kernel(&h);
    let midnight = (T0 / DAY + 1) * DAY;
    let start = midnight - 3_600_000;
    let mut persisted = None;
    step(&mut k, &deep_book(t, "0.50", "0.51", start));
    for i in 0..3 {
        let d = both_enter(&mut k, &queues, t, start + 10 + i * 100, &mut persisted);
        no_anomalies(&d);
        assert_eq!(placed_by(&d, BOLD), 1, "{d:#?}");
        if i < 2 {
            assert_eq!(placed_by(&d, CAREFUL), 1, "{d:#?}");
            // Each sized with its own Kelly fraction: 0.5 against 0.15 of the same full Kelly.
            let (bold, careful) = (kelly_bp(&d, BOLD).unwrap(), kelly_bp(&d, CAREFUL).unwrap());
            assert!(
                (bold * 15 - careful * 50).abs() <= 50,
                "{bold} vs {careful}"
            );
        } else {
            assert_eq!(placed_by(&d, CAREFUL), 0);
            assert_eq!(codes_of(&d, CAREFUL), ["max_entries_per_day"]);
        }
    }
    let counts = |m: &RiskMemory| m.entries_today.clone().into_iter().collect::<Vec<_>>();
    let expected = vec![(BOLD.to_owned(), 3), (CAREFUL.to_owned(), 2)];
    assert_eq!(counts(k.risk_memory()), expected);
    let persisted = persisted.expect("the driver persisted the risk memory");
    assert_eq!(counts(&persisted), expected);

    // A restart the same day, from the persisted memory in a journaled header.
    let restarted = SessionHeader {
        started_ms: start + 1_000,
        sim: Some(SimSetup {
            config: SimConfig {
                latency_ms: LATENCY_MS,
            },
            trade_prefix: 2,
        }),
        risk: RiskSetup {
            config: profiles_config(),
            memory: persisted,
        },
        ..h.clone()
    };
    let text = serde_json::to_string(&restarted).unwrap();
    let restarted: SessionHeader = serde_json::from_str(&text).unwrap();
    let (mut k, queues) = profiled_kernel(&restarted);
    assert_eq!(counts(k.risk_memory()), expected);
    step(&mut k, &deep_book(t, "0.50", "0.51", start + 1_100));
    let mut persisted = None;
    let d = both_enter(&mut k, &queues, t, start + 1_200, &mut persisted);
    assert_eq!((placed_by(&d, BOLD), placed_by(&d, CAREFUL)), (1, 0));
    assert_eq!(codes_of(&d, CAREFUL), ["max_entries_per_day"]);

    // Past midnight UTC: a new day's allowance.
    step(&mut k, &deep_book(t, "0.50", "0.51", midnight + 10));
    let d = both_enter(&mut k, &queues, t, midnight + 100, &mut persisted);
    assert_eq!(
        (placed_by(&d, BOLD), placed_by(&d, CAREFUL)),
        (1, 1),
        "{d:#?}"
    );
    let today = vec![(BOLD.to_owned(), 1), (CAREFUL.to_owned(), 1)];
    assert_eq!(counts(k.risk_memory()), today);
}

/// Memory stored before entries were counted (no `entries_today`) still loads, with no entries.
#[test]
fn risk_memory_without_entry_counts_still_loads() {
    let mut memory = RiskMemory::default();
    memory.entries_today.insert(CAREFUL.to_owned(), 2);
    let mut value = serde_json::to_value(&memory).unwrap();
    value.as_object_mut().unwrap().remove("entries_today");
    let old: RiskMemory = serde_json::from_value(value).unwrap();
    assert_eq!(old, RiskMemory::default());
}
