//! Copy trading end to end: `polybot paper` with `[copy]` on follows the leaderboard's wallets
//! at fakex (discovery, the Data API tracker), and their trades become copies sized by the
//! risk engine or skips with reason codes — all in the store's decision log; `polybot replay`
//! rebuilds the copy strategy from the journal's header and reproduces every decision.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use polybot_engine::journal::{Record, read_records};
use polybot_engine::{Decision, Event};
use polybot_fakex::{FakexConfig, FakexHandle};
use polybot_model::Side;
use polybot_store::Store;

async fn fakex() -> FakexHandle {
    polybot_fakex::start(FakexConfig {
        base_port: 0,
        seed: 5,
        seed_dir: None,
        generated_markets: 12,
        sim_interval_ms: 100,
        ..FakexConfig::default()
    })
    .await
    .expect("fakex starts")
}

async fn polybot(config: &Path, args: &[&str]) -> Output {
    let mut command = support::polybot_command(config, args);
    tokio::task::spawn_blocking(move || command.output().expect("polybot runs"))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paper_engine_copies_leaderboard_wallets_with_reasons() {
    let fx = fakex().await;
    let dir = tempfile::tempdir().unwrap();
    let extra = "[http]\ntimeout_ms = 5000\n\n[execution]\ntick_interval_ms = 100\n\n\
                 [wallets]\npoll_interval_ms = 500\noverlap_secs = 5\ndiscovery_limit = 10\nscore_min_trades = 1\n\n\
                 [copy]\nenabled = true\nmin_trader_score = 0.0\nscore_refresh_secs = 2\n";
    let config = support::config_file(dir.path(), &fx, extra);
    let out = polybot(&config, &["paper", "--duration", "15s"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = Store::open_sqlite(&dir.path().join("data/polybot.db"))
        .await
        .unwrap();
    let decisions: Vec<Decision> = store
        .decisions(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.decision)
        .collect();
    let copied = decisions
        .iter()
        .filter(|d| matches!(d, Decision::Placed { reason, .. } if reason == "copy"))
        .count();
    let considered = decisions
        .iter()
        .filter(|d| {
            matches!(
                d,
                Decision::Skipped { .. } | Decision::RiskRejected { .. } | Decision::Sized { .. }
            )
        })
        .count();
    eprintln!("{copied} copies placed, {considered} signals considered");
    for d in decisions.iter().take(40) {
        eprintln!("{d:?}");
    }
    assert!(considered > 0, "leader trades reached the strategy");
    replays_with_the_copy_strategy(&config, &only_journal(&dir.path().join("data/journal"))).await;
}

fn only_journal(dir: &Path) -> PathBuf {
    let journals: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(journals.len(), 1, "{journals:?}");
    journals.into_iter().next().unwrap()
}

/// The session's journal replays with its copy strategy; a leader trade turned around is caught
/// at that event; a strategy this build does not host is a clear error.
async fn replays_with_the_copy_strategy(config: &Path, journal: &Path) {
    let out = polybot(config, &["replay", "--journal", journal.to_str().unwrap()]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("(strategies: copy)"), "{text}");
    assert!(text.contains("every checkpoint matches"), "{text}");

    // The first leader buy the strategy decided on (a checkpoint follows it), made a sell.
    let mut records = read_records(journal).unwrap();
    let mut events = 0;
    let mut target = None;
    for (i, record) in records.iter().enumerate() {
        let Record::Event(event) = record else {
            continue;
        };
        events += 1;
        let checked =
            matches!(records.get(i + 1), Some(Record::Check { events: n, .. }) if *n == events);
        if let Event::LeaderTrade { trade, .. } = event
            && trade.side == Side::Buy
            && checked
        {
            target = Some((i, events));
            break;
        }
    }
    let (index, at) = target.expect("a leader buy the strategy decided on");
    if let Record::Event(Event::LeaderTrade { trade, .. }) = &mut records[index] {
        trade.side = Side::Sell;
    }
    let tampered = journal.with_extension("tampered");
    write_records(&tampered, &records);
    let out = polybot(config, &["replay", "--journal", tampered.to_str().unwrap()]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(&format!("decisions differ after event {at}:")),
        "{err}"
    );

    if let Record::Session(header) = &mut records[0] {
        header.strategies[0].kind = "arbitrage".to_owned();
    }
    let unknown = journal.with_extension("unknown");
    write_records(&unknown, &records);
    let out = polybot(config, &["replay", "--journal", unknown.to_str().unwrap()]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("unknown strategy kind `arbitrage`"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn write_records(path: &Path, records: &[Record]) {
    let lines: Vec<String> = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}
