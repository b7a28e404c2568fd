//! The session header records the strategies a run hosted, with their configuration, so a replay
//! rebuilds them through the caller's registry; headers written before that still read and
//! replay as before.

mod common;

use common::*;
use polybot_engine::journal::{JournalWriter, Record, read_records};
use polybot_engine::replay::{ReplayError, replay, replay_with};
use polybot_engine::session::{SessionHeader, StrategySetup};
use polybot_engine::{AccountId, Event, Fingerprint, Intent, Strategy, View};
use serde::{Deserialize, Serialize};

/// A test strategy whose decisions depend on its configuration: on every tick it skips `token`.
struct Echo {
    account: AccountId,
    token: u8,
}

#[derive(Serialize, Deserialize)]
struct EchoConfig {
    account: String,
    token: u8,
}

impl Strategy for Echo {
    fn name(&self) -> &str {
        "echo"
    }
    fn account(&self) -> &AccountId {
        &self.account
    }
    fn on_event(&mut self, _view: &View<'_>, event: &Event, intents: &mut Vec<Intent>) {
        if let Event::Tick { .. } = event {
            intents.push(Intent::Skip {
                token: tok(self.token),
                code: "echo",
                detail: String::new(),
            });
        }
    }
}

/// The registry of these tests: it knows `echo`.
fn registry(setup: &StrategySetup) -> Result<Box<dyn Strategy>, String> {
    match setup.kind.as_str() {
        "echo" => {
            let config: EchoConfig =
                serde_json::from_value(setup.config.clone()).map_err(|e| e.to_string())?;
            Ok(Box::new(Echo {
                account: acct(&config.account),
                token: config.token,
            }))
        }
        other => Err(format!("unknown strategy `{other}`")),
    }
}

fn echo(token: u8) -> StrategySetup {
    StrategySetup::new(
        "echo",
        &EchoConfig {
            account: "echo".to_owned(),
            token,
        },
    )
    .unwrap()
}

fn strategy_header() -> SessionHeader {
    let mut header = header(&[tok(1), tok(2)], &[("echo", 100)]);
    header.strategies = vec![echo(1), echo(2)];
    header
}

/// Runs the header's session over a few ticks as a driver does (strategies built from the
/// header), journaling it; returns the records and the final fingerprint.
fn journaled_run(header: &SessionHeader) -> (Vec<Record>, Fingerprint) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.jsonl");
    let mut k = paper_kernel(header);
    header.add_strategies(&mut k, &registry).unwrap();
    let mut journal = JournalWriter::open(&path).unwrap();
    journal.session(header).unwrap();
    let events = [standard_book(tok(1), T0), tick(T0 + 10), tick(T0 + 20)];
    for (n, e) in events.iter().enumerate() {
        journal.append(e).unwrap();
        if !drive(&mut k, e).decisions.is_empty() {
            journal.check(n as u64 + 1, k.fingerprint()).unwrap();
        }
    }
    journal.flush().unwrap();
    (read_records(&path).unwrap(), k.fingerprint())
}

#[test]
fn the_header_round_trips_with_its_strategies() {
    let header = strategy_header();
    let json = serde_json::to_string(&header).unwrap();
    let back: SessionHeader = serde_json::from_str(&json).unwrap();
    assert_eq!(back, header);
    assert_eq!(back.strategies[1].kind, "echo");
    assert_eq!(back.strategies[1].config["token"], 2);
}

#[test]
fn a_header_without_strategies_reads_and_writes_as_before() {
    // A header written before strategies were recorded has no `strategies` key.
    let mut old = serde_json::to_value(strategy_header()).unwrap();
    old.as_object_mut().unwrap().remove("strategies");
    let read: SessionHeader = serde_json::from_value(old.clone()).unwrap();
    assert!(read.strategies.is_empty());
    // ... and a session without strategies still writes none, byte for byte the old header.
    assert_eq!(serde_json::to_value(&read).unwrap(), old);

    let (records, fingerprint) = journaled_run(&read);
    let report = replay(&records).unwrap();
    assert_eq!(report.mismatch, None);
    assert_eq!(report.fingerprint, fingerprint);
    assert!(report.strategies.is_empty());
}

#[test]
fn a_replay_rebuilds_the_recorded_strategies_in_order() {
    let (records, fingerprint) = journaled_run(&strategy_header());
    assert_eq!(
        fingerprint.decisions, 4,
        "both strategies skipped on both ticks"
    );
    let report = replay_with(&records, &registry).unwrap();
    assert_eq!(report.mismatch, None);
    assert_eq!(report.fingerprint, fingerprint);
    assert_eq!(report.checkpoints, 2);
    assert_eq!(report.strategies, ["echo", "echo"]);

    // Another configuration is another session: the first checkpoint differs.
    let mut altered = records.clone();
    if let Record::Session(header) = &mut altered[0] {
        header.strategies[0] = echo(2);
    }
    let mismatch = replay_with(&altered, &registry)
        .unwrap()
        .mismatch
        .expect("caught");
    assert_eq!(mismatch.after_events, 2);

    // So is another order.
    let mut swapped = records.clone();
    if let Record::Session(header) = &mut swapped[0] {
        header.strategies.reverse();
    }
    assert!(replay_with(&swapped, &registry).unwrap().mismatch.is_some());
}

#[test]
fn a_strategy_that_cannot_be_rebuilt_stops_the_replay_naming_it() {
    let (records, _) = journaled_run(&strategy_header());
    // Without a registry.
    let err = replay(&records).unwrap_err();
    assert!(matches!(err, ReplayError::Strategy(_)), "{err}");
    assert!(err.to_string().contains("`echo`"), "{err}");

    // A kind the registry does not know, or a configuration it cannot read.
    let mut unknown = records.clone();
    if let Record::Session(header) = &mut unknown[0] {
        header.strategies[1].kind = "martingale".to_owned();
    }
    let err = replay_with(&unknown, &registry).unwrap_err();
    assert!(
        err.to_string().contains("unknown strategy `martingale`"),
        "{err}"
    );
    let mut broken = records;
    if let Record::Session(header) = &mut broken[0] {
        header.strategies[0].config = serde_json::json!({ "token": "one" });
    }
    assert!(matches!(
        replay_with(&broken, &registry),
        Err(ReplayError::Strategy(_))
    ));
}
