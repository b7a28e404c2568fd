//! Forecasts in the kernel: every forecast event is logged at the FORECAST stage, journaled and
//! replayed to the same decisions like any other event, and a strategy's re-forecast of a held
//! position becomes what the edge-reversal rule judges it on.

mod common;

use std::sync::{Arc, Mutex};

use alloy_primitives::B256;
use common::*;
use polybot_engine::event::ForecastSignal;
use polybot_engine::journal::{JournalWriter, Record, read_records};
use polybot_engine::kernel::{Entry, MarketMeta, RiskSetup, position_key};
use polybot_engine::orders::TimeInForce;
use polybot_engine::replay::replay;
use polybot_engine::strategy::{Intent, Strategy, View};
use polybot_engine::{AccountId, Decision, Event, Stage};
use polybot_model::{ConditionId, Probability, Side, Size, TokenId};
use polybot_risk::{Confidence, MarketKey, OutcomeSide, RiskConfig};

const OP: &str = "manual";
const STRAT: &str = "forecast";

fn prob(s: &str) -> Probability {
    Probability::parse(s).unwrap()
}

fn signal(p_yes: &str, source: &str, made_ms: i64) -> ForecastSignal {
    ForecastSignal {
        condition: ConditionId(B256::repeat_byte(9)),
        market_id: "1234".to_owned(),
        question: "Will it rain in Paris on Friday?".to_owned(),
        category: "WEATHER".to_owned(),
        yes_token: tok(1),
        no_token: tok(2),
        probability_yes: prob(p_yes),
        raw_probability_yes: prob("0.7"),
        confidence: Confidence::Medium,
        evidence_quality: Some(prob("0.6")),
        market_probability_yes: Some(prob("0.48")),
        source: source.to_owned(),
        forecast_id: Some(7),
        made_ms,
    }
}

fn forecast(signal: ForecastSignal, ts: i64) -> Event {
    Event::Forecast {
        forecast: Box::new(signal),
        ts,
    }
}

#[test]
fn a_forecast_is_logged_at_the_forecast_stage_and_changes_no_book() {
    let t = tok(1);
    let mut k = paper_kernel(&header(&[t], &[(OP, 1_000)]));
    step(&mut k, &standard_book(t, T0));
    let book = k.books()[&t].clone();
    let d = step(&mut k, &forecast(signal("0.62", "llm", T0), T0 + 10));
    let [decision] = d.as_slice() else {
        panic!("one decision: {d:#?}");
    };
    let Decision::Forecast {
        probability_yes,
        raw_probability_yes,
        market_probability_yes,
        confidence,
        source,
        forecast_id,
        ..
    } = decision
    else {
        panic!("{decision:#?}");
    };
    assert_eq!(
        (
            *probability_yes,
            *raw_probability_yes,
            *market_probability_yes
        ),
        (prob("0.62"), prob("0.7"), Some(prob("0.48")))
    );
    assert_eq!(
        (*confidence, source.as_str(), *forecast_id),
        (Confidence::Medium, "llm", Some(7))
    );
    assert_eq!(decision.stage(), Stage::Forecast);
    assert_eq!(decision.kind(), "forecast");
    assert_eq!(decision.reason_codes(), ["forecast", "llm"]);
    assert_eq!(
        decision.market(),
        Some(ConditionId(B256::repeat_byte(9)).to_string())
    );
    assert_eq!(decision.order_id(), None);
    let json = serde_json::to_string(decision).unwrap();
    assert_eq!(&serde_json::from_str::<Decision>(&json).unwrap(), decision);
    assert_eq!(k.books()[&t], book);
}

#[test]
fn a_journal_with_forecasts_replays_to_the_same_fingerprint() {
    let t = tok(1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal/session.jsonl");
    let header = header(&[t], &[(OP, 1_000)]);
    let mut k = paper_kernel(&header);
    let events = [
        standard_book(t, T0),
        forecast(signal("0.62", "llm", T0), T0 + 10),
        op(
            OP,
            place(t, Side::Buy, "0.52", shares("10"), TimeInForce::Fak),
            T0 + 20,
        ),
        tick(T0 + 100),
        forecast(signal("0.55", "offline", T0 + 150), T0 + 200),
    ];
    let mut journal = JournalWriter::open(&path).unwrap();
    journal.session(&header).unwrap();
    for (n, e) in events.iter().enumerate() {
        journal.append(e).unwrap();
        if !drive(&mut k, e).decisions.is_empty() {
            journal.check(n as u64 + 1, k.fingerprint()).unwrap();
        }
    }
    journal.flush().unwrap();

    let records = read_records(&path).unwrap();
    let journaled: Vec<&Event> = records
        .iter()
        .filter_map(|r| match r {
            Record::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(journaled, events.iter().collect::<Vec<_>>());
    let report = replay(&records).unwrap();
    assert_eq!(report.mismatch, None);
    assert_eq!(report.fingerprint, k.fingerprint());
    assert_eq!(report.events, events.len() as u64);

    // Another probability in the journal is another decision.
    let mut altered = records.clone();
    for r in &mut altered {
        if let Record::Event(Event::Forecast { forecast, ts }) = r
            && *ts == T0 + 10
        {
            forecast.probability_yes = prob("0.61");
        }
    }
    let mismatch = replay(&altered).unwrap().mismatch.expect("caught");
    assert_eq!(mismatch.after_events, 2);
}

#[test]
fn journals_written_before_forecasts_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.jsonl");
    std::fs::write(
        &path,
        "{\"event\":{\"Tick\":{\"ts\":5}}}\n{\"event\":{\"Redeemed\":{\"condition\":\
         \"0x0909090909090909090909090909090909090909090909090909090909090909\",\"ts\":6}}}\n",
    )
    .unwrap();
    let records = read_records(&path).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0], Record::Event(Event::Tick { ts: 5 }));
}

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

fn meta() -> MarketMeta {
    MarketMeta {
        key: MarketKey {
            market: ConditionId(B256::repeat_byte(9)),
            event_id: None,
            neg_risk: None,
            category: "WEATHER".to_owned(),
            tags: Vec::new(),
        },
        market_type: "WEATHER".to_owned(),
        outcome: OutcomeSide::Yes,
        end_time_ms: Some(T0 + 30 * 86_400_000),
        fee_rate_bps: FEE_BPS,
    }
}

fn memo_probability<V: polybot_engine::Venue>(
    k: &polybot_engine::Kernel<V>,
    account: &str,
    token: TokenId,
) -> Option<Probability> {
    k.risk_memory()
        .positions
        .get(&position_key(account, token))
        .and_then(|m| m.probability)
}

#[test]
fn a_reassessment_moves_what_the_edge_reversal_rule_compares_against() {
    let t = tok(1);
    let mut h = header(&[t], &[(STRAT, 1_000), (OP, 1_000)]);
    h.markets[0].meta = Some(Box::new(meta()));
    h.risk = RiskSetup {
        config: RiskConfig::default(),
        ..RiskSetup::default()
    };
    let mut k = paper_kernel(&h);
    let queue = Arc::new(Mutex::new(Vec::new()));
    let manual_queue = Arc::new(Mutex::new(Vec::new()));
    for (account, queue) in [(STRAT, &queue), (OP, &manual_queue)] {
        k.add_strategy(Box::new(Scripted {
            account: acct(account),
            queue: queue.clone(),
        }));
    }
    let deep = |ts| book(t, &[("0.50", "5000")], &[("0.51", "5000")], ts);
    drive(&mut k, &deep(T0));
    queue.lock().unwrap().push(Intent::Enter(Entry {
        token: t,
        limit_price: px("0.51"),
        probability: prob("0.70"),
        confidence: Confidence::High,
        evidence_quality: None,
        leader: None,
        reference_price: None,
        max_size: None,
        time_in_force: TimeInForce::Fak,
        post_only: false,
        reason: "test_entry",
    }));
    drive(&mut k, &tick(T0 + 10));
    drive(&mut k, &tick(T0 + 100));
    assert_eq!(memo_probability(&k, STRAT, t), Some(prob("0.70")));
    // A manual position has no probability; a reassessment does not put it under the rules.
    drive(
        &mut k,
        &op(
            OP,
            place(t, Side::Buy, "0.51", shares("10"), TimeInForce::Fak),
            T0 + 110,
        ),
    );
    drive(&mut k, &tick(T0 + 200));
    let reassess = |probability| Intent::Reassess {
        token: t,
        probability: prob(probability),
    };
    queue.lock().unwrap().push(reassess("0.45"));
    manual_queue.lock().unwrap().push(reassess("0.45"));
    let d = drive(&mut k, &tick(T0 + 300)).decisions;
    assert_eq!(memo_probability(&k, STRAT, t), Some(prob("0.45")));
    assert!(k.ledger().account(&acct(OP)).unwrap().state().positions[&t].size > Size::ZERO);
    assert_eq!(memo_probability(&k, OP, t), None);
    // The bid (0.50) now beats the probability: the next tick's rule sells.
    assert!(
        d.iter().chain(&drive(&mut k, &tick(T0 + 400)).decisions).any(|d| matches!(
            d,
            Decision::ExitSignal { reason, account, .. } if reason == "edge_reversal" && account.0 == STRAT
        )),
        "{d:#?}"
    );
}
