//! End to end: a session where copy and forecast trading acted (entries, a skip, a mirrored
//! exit, a reversal exit) is journaled as the runner journals it, with its strategies built from
//! the header's setups, and `replay_with` the registry reproduces every checkpoint; a journal
//! altered where a strategy decided is caught at that event.

use alloy_primitives::{B256, U256};
use polybot_engine::event::{ForecastSignal, LeaderTrade};
use polybot_engine::journal::{JournalWriter, Record, read_records};
use polybot_engine::kernel::{MarketMeta, RiskSetup};
use polybot_engine::orders::MarketRules;
use polybot_engine::replay::{ReplayError, replay, replay_with};
use polybot_engine::session::{FORMAT, Mode, SessionHeader, SessionMarket, SimSetup};
use polybot_engine::sim::SimConfig;
use polybot_engine::{AccountId, Decision, Event, Fingerprint};
use polybot_model::{ConditionId, Level, Price, Probability, Side, Size, TickSize, TokenId, Usdc};
use polybot_risk::{Confidence, MarketKey, OutcomeSide};
use polybot_strategies::registry::{self, build_for_engine};
use polybot_strategies::{CopyConfig, ForecastTradingConfig};

const T0: i64 = 1_800_000_000_000;

fn tok(n: u8) -> TokenId {
    TokenId(U256::from(n))
}
fn px(s: &str) -> Price {
    Price::parse(s).unwrap()
}
fn prob(s: &str) -> Probability {
    Probability::parse(s).unwrap()
}

fn market(token: TokenId, condition: u8, outcome: OutcomeSide) -> SessionMarket {
    SessionMarket {
        token,
        rules: MarketRules::polymarket(TickSize::Hundredth),
        taker_fee_bps: 0,
        meta: Some(Box::new(MarketMeta {
            key: MarketKey {
                market: ConditionId(B256::repeat_byte(condition)),
                event_id: Some(format!("event{condition}")),
                neg_risk: None,
                category: "SPORTS".to_owned(),
                tags: Vec::new(),
            },
            market_type: "SPORTS".to_owned(),
            outcome,
            end_time_ms: Some(T0 + 20 * 86_400_000),
            fee_rate_bps: 0,
        })),
    }
}

fn header() -> SessionHeader {
    SessionHeader {
        format: FORMAT,
        mode: Mode::Paper,
        started_ms: T0,
        markets: vec![
            market(tok(1), 7, OutcomeSide::Yes),
            market(tok(2), 7, OutcomeSide::No),
            market(tok(3), 8, OutcomeSide::Yes),
            market(tok(4), 8, OutcomeSide::No),
        ],
        sim: Some(SimSetup {
            config: SimConfig { latency_ms: 10 },
            trade_prefix: 1,
        }),
        accounts: vec![
            (AccountId::new("copy"), Usdc::dollars(1_000)),
            (AccountId::new("forecast"), Usdc::dollars(1_000)),
        ],
        fills: Vec::new(),
        resolutions: Vec::new(),
        orders: Vec::new(),
        algos: Vec::new(),
        next_id: 1,
        risk: RiskSetup::default(),
        strategies: vec![
            registry::copy_setup(&CopyConfig {
                enabled: true,
                ..CopyConfig::default()
            })
            .unwrap(),
            registry::forecast_setup(&ForecastTradingConfig {
                enabled: true,
                ..ForecastTradingConfig::default()
            })
            .unwrap(),
        ],
        closed_orders: Vec::new(),
    }
}

fn book(token: TokenId, bid: &str, ask: &str) -> Event {
    Event::Book {
        token,
        bids: vec![Level::new(px(bid), Size::shares(10_000))],
        asks: vec![Level::new(px(ask), Size::shares(10_000))],
        ts: T0,
    }
}

fn leader(token: TokenId, side: Side, price: &str, ts: i64) -> Event {
    Event::LeaderTrade {
        trade: Box::new(LeaderTrade {
            wallet: "0x1111111111111111111111111111111111111111".to_owned(),
            label: None,
            token,
            side,
            price: px(price),
            size: Size::shares(200),
            timestamp_ms: ts - 1_000,
            tx_hash: format!("0x{ts:x}"),
            score: Some(prob("0.75")),
            uncopyable: None,
        }),
        ts,
    }
}

fn forecast(p_yes: &str, ts: i64) -> Event {
    Event::Forecast {
        forecast: Box::new(ForecastSignal {
            condition: ConditionId(B256::repeat_byte(8)),
            market_id: "512".to_owned(),
            question: "Will the home team win?".to_owned(),
            category: "SPORTS".to_owned(),
            yes_token: tok(3),
            no_token: tok(4),
            probability_yes: prob(p_yes),
            raw_probability_yes: prob(p_yes),
            confidence: Confidence::High,
            evidence_quality: Some(prob("0.8")),
            market_probability_yes: Some(prob("0.395")),
            source: ForecastSignal::LLM.to_owned(),
            forecast_id: Some(42),
            made_ms: ts - 1_000,
        }),
        ts,
    }
}

fn events() -> Vec<Event> {
    vec![
        book(tok(1), "0.39", "0.40"),
        book(tok(2), "0.60", "0.61"),
        book(tok(3), "0.39", "0.40"),
        book(tok(4), "0.60", "0.61"),
        leader(tok(2), Side::Buy, "0.605", T0 + 100),
        Event::Tick { ts: T0 + 200 },
        leader(tok(1), Side::Buy, "0.37", T0 + 300),
        forecast("0.62", T0 + 400),
        Event::Tick { ts: T0 + 500 },
        leader(tok(2), Side::Sell, "0.60", T0 + 1_000),
        Event::Tick { ts: T0 + 1_100 },
        forecast("0.30", T0 + 1_200),
        Event::Tick { ts: T0 + 1_300 },
    ]
}

/// What a run left: its journal's records, its final fingerprint and its decisions.
struct Run {
    records: Vec<Record>,
    fingerprint: Fingerprint,
    decisions: Vec<Decision>,
}

/// Runs the session as the runner does: the kernel and its strategies from the header, then per
/// event journal it, handle it, checkpoint when it decided something, prune.
fn run(header: &SessionHeader) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.jsonl");
    let mut k = header.build_kernel(header.sim_venue()).unwrap();
    header.add_strategies(&mut k, &build_for_engine).unwrap();
    let mut journal = JournalWriter::open(&path).unwrap();
    journal.session(header).unwrap();
    let mut decisions = Vec::new();
    for (n, e) in events().iter().enumerate() {
        journal.append(e).unwrap();
        k.handle(e);
        let changes = k.take_changes();
        if !changes.decisions.is_empty() {
            journal.check(n as u64 + 1, k.fingerprint()).unwrap();
        }
        k.prune_closed();
        decisions.extend(changes.decisions);
    }
    journal.flush().unwrap();
    Run {
        records: read_records(&path).unwrap(),
        fingerprint: k.fingerprint(),
        decisions,
    }
}

/// The reasons of the orders placed and the codes of the signals skipped, in order.
fn acted(decisions: &[Decision]) -> Vec<String> {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Placed { order, reason } => Some(format!("{}:{reason}", order.account)),
            Decision::Skipped { account, code, .. } => Some(format!("{account}:skip:{code}")),
            _ => None,
        })
        .collect()
}

/// The records with the `n`-th event (1-based) changed.
fn alter(records: &[Record], n: usize, change: impl Fn(&mut Event)) -> Vec<Record> {
    let mut records = records.to_vec();
    let Some(Record::Event(event)) = records
        .iter_mut()
        .filter(|r| matches!(r, Record::Event(_)))
        .nth(n - 1)
    else {
        unreachable!("only events are counted");
    };
    let before = event.clone();
    change(event);
    assert_ne!(*event, before, "event {n} was not altered");
    records
}

#[test]
fn a_session_where_strategies_acted_replays_without_a_mismatch() {
    let run = run(&header());
    assert_eq!(
        acted(&run.decisions),
        [
            "copy:copy",
            "copy:skip:price_moved",
            "forecast:forecast",
            "copy:mirror",
            "forecast:edge_reversal",
        ]
    );
    let report = replay_with(&run.records, &build_for_engine).unwrap();
    assert_eq!(report.mismatch, None);
    assert_eq!(report.fingerprint, run.fingerprint);
    assert_eq!(report.strategies, ["copy", "forecast"]);
    assert_eq!(report.events, events().len() as u64);
    assert!(report.checkpoints >= 5, "{report:?}");
}

#[test]
fn a_tampered_forecast_probability_is_caught_at_that_event() {
    let run = run(&header());
    // The 8th event is the first forecast (YES at 0.62, an entry); at 0.45 there is no edge.
    let tampered = alter(&run.records, 8, |e| {
        if let Event::Forecast { forecast, .. } = e {
            forecast.probability_yes = prob("0.45");
            forecast.raw_probability_yes = prob("0.45");
        }
    });
    let report = replay_with(&tampered, &build_for_engine).unwrap();
    assert_eq!(report.mismatch.expect("caught").after_events, 8);
    assert_ne!(report.fingerprint, run.fingerprint);
}

#[test]
fn a_tampered_leader_trade_or_strategy_configuration_is_caught() {
    let run = run(&header());
    // A leader trade leaves no record of its own: only the copy strategy's decision tells.
    let tampered = alter(&run.records, 5, |e| {
        if let Event::LeaderTrade { trade, .. } = e {
            trade.price = px("0.50");
        }
    });
    let report = replay_with(&tampered, &build_for_engine).unwrap();
    assert_eq!(report.mismatch.expect("caught").after_events, 5);

    // The configuration the header records is the one replayed: a stricter minimum edge skips
    // the forecast the run entered on.
    let mut strict = run.records.clone();
    if let Record::Session(header) = &mut strict[0] {
        header.strategies[1] = registry::forecast_setup(&ForecastTradingConfig {
            enabled: true,
            min_edge: 0.5,
            ..ForecastTradingConfig::default()
        })
        .unwrap();
    }
    let report = replay_with(&strict, &build_for_engine).unwrap();
    assert_eq!(report.mismatch.expect("caught").after_events, 8);
}

#[test]
fn a_session_with_strategies_is_not_replayed_without_them() {
    let run = run(&header());
    // Without the registry the replay refuses rather than reporting a false mismatch.
    let err = replay(&run.records).unwrap_err();
    assert!(matches!(err, ReplayError::Strategy(_)), "{err}");
    assert!(err.to_string().contains("`copy`"), "{err}");
    // A kind this build does not host is named.
    let mut unknown = run.records;
    if let Record::Session(header) = &mut unknown[0] {
        header.strategies[0].kind = "arbitrage".to_owned();
    }
    let err = replay_with(&unknown, &build_for_engine).unwrap_err();
    assert!(err.to_string().contains("`arbitrage`"), "{err}");
}
