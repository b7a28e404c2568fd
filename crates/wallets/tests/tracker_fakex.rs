//! The tracker against fakex on 127.0.0.1, through the SDK's real clients: while the
//! simulator trades, every tape trade of a watched wallet is emitted exactly once — by
//! polling only, by the stream only, and by both (de-duplicated across sources) — and a
//! late fill with an old timestamp is still emitted.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use polybot_fakex::{FakexHandle, InjectedTrade, TapeRecord};
use polybot_model::Side;
use polybot_wallets::{DataApi, DetectedTrade, Source, WalletsConfig, WatchedWallet, now_ms};
use tokio::sync::mpsc;

use common::{eventually, fakex, http, percentiles};

#[derive(Clone, Copy, Debug)]
enum Mode {
    Poll,
    Stream,
    Both,
}

fn config(fx: &FakexHandle, wallets: &[String], mode: Mode) -> WalletsConfig {
    WalletsConfig {
        watch: wallets
            .iter()
            .enumerate()
            .map(|(i, a)| WatchedWallet {
                address: a.clone(),
                label: Some(format!("w{i}")),
            })
            .collect(),
        poll_enabled: !matches!(mode, Mode::Stream),
        overlap_secs: 15,
        rtds_url: (!matches!(mode, Mode::Poll)).then(|| fx.rtds_url()),
        ..WalletsConfig::default()
    }
}

/// The styled wallets: the busiest ones on the simulated tape.
fn watched(fx: &FakexHandle) -> Vec<String> {
    let styles = fx.exchange().wallet_styles();
    assert!(
        !styles.skilled.is_empty() && !styles.scalpers.is_empty(),
        "{styles:?}"
    );
    styles.skilled.into_iter().chain(styles.scalpers).collect()
}

fn tape(fx: &FakexHandle, wallets: &[String]) -> HashMap<String, TapeRecord> {
    wallets
        .iter()
        .flat_map(|w| fx.exchange().wallet_trades(w))
        .map(|t| (t.tx_hash.clone(), t))
        .collect()
}

async fn start(
    fx: &FakexHandle,
    wallets: &[String],
    mode: Mode,
) -> (
    polybot_wallets::TrackerHandle,
    mpsc::Receiver<DetectedTrade>,
) {
    let api = DataApi::new(&fx.data_url(), &http()).unwrap();
    let (tracker, rx) = polybot_wallets::start(&config(fx, wallets, mode), api).unwrap();
    tokio::time::timeout(Duration::from_secs(15), tracker.ready())
        .await
        .expect("tracker ready");
    if !matches!(mode, Mode::Poll) {
        let ex = fx.exchange();
        assert!(
            eventually(Duration::from_secs(5), || ex.activity_subscription_count()
                > 0)
            .await
        );
    }
    (tracker, rx)
}

/// Steps the simulator for about `secs` seconds: 10 events every 100 ms, slow enough that
/// fakex's strictly increasing ms clock stays on the wall clock (latencies are measured
/// against it).
async fn simulate(fx: &FakexHandle, secs: u64) {
    for _ in 0..secs * 10 {
        fx.exchange().step(10);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn drain(rx: &mut mpsc::Receiver<DetectedTrade>, into: &mut Vec<DetectedTrade>) {
    while let Ok(d) = rx.try_recv() {
        into.push(d);
    }
}

async fn run(mode: Mode) -> Vec<i64> {
    let fx = fakex().await;
    let wallets = watched(&fx);
    let (tracker, mut rx) = start(&fx, &wallets, mode).await;
    let before: HashSet<String> = tape(&fx, &wallets).into_keys().collect();
    let collector = tokio::spawn(async move {
        let mut got = Vec::new();
        while let Some(d) = rx.recv().await {
            got.push(d);
        }
        got
    });
    simulate(&fx, 8).await;
    let after = tape(&fx, &wallets);
    let expected: HashSet<&String> = after.keys().filter(|k| !before.contains(*k)).collect();
    assert!(
        expected.len() >= 20,
        "{mode:?}: only {} trades of watched wallets",
        expected.len()
    );
    // Let the last polls (2 s apart) catch up.
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    let stats = tracker.stats();
    drop(tracker);
    let got = collector.await.unwrap();

    let mut seen = HashSet::new();
    for d in &got {
        let tx = d.trade.tx_hash.to_string();
        assert!(seen.insert(tx.clone()), "{mode:?}: {tx} emitted twice");
        let record = after
            .get(&tx)
            .unwrap_or_else(|| panic!("{mode:?}: {tx} is not a watched wallet's tape trade"));
        assert_eq!(
            format!("{:?}", d.trade.wallet).to_lowercase(),
            record.wallet
        );
        assert_eq!(d.trade.token, record.token);
        assert_eq!(d.trade.outcome_index as i32, record.outcome_index);
        assert_eq!(d.trade.side, record.side);
        assert!(d.label.is_some());
        match mode {
            Mode::Poll => assert_eq!(d.trade.source, Source::Poll),
            Mode::Stream => assert_eq!(d.trade.source, Source::Stream),
            Mode::Both => {}
        }
    }
    let got_set: HashSet<&String> = seen.iter().collect();
    let missing: Vec<_> = expected.difference(&got_set).collect();
    let extra: Vec<_> = got_set.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{mode:?}: missing {missing:?}, extra {extra:?}, stats {stats:?}"
    );
    assert_eq!(stats.rejected_records, 0, "{stats:?}");
    if matches!(mode, Mode::Both) {
        assert!(
            stats.emitted_stream > 0 && stats.duplicates > 0,
            "{stats:?}"
        );
    }
    // Detection latency against fakex's own ms trade time (not the API's whole seconds).
    let mut latencies: Vec<i64> = got
        .iter()
        .map(|d| d.detected_at_ms - after[&d.trade.tx_hash.to_string()].timestamp_ms)
        .collect();
    let (p50, p99, max) = percentiles(&mut latencies);
    eprintln!(
        "{mode:?}: {} trades of {} watched wallets, detection latency (emit − fakex trade time) p50 {p50} ms, p99 {p99} ms, max {max} ms; stats {stats:?}",
        got.len(),
        wallets.len()
    );
    fx.shutdown().await;
    latencies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_alone_sees_every_trade_once() {
    let latencies = run(Mode::Poll).await;
    assert!(!latencies.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_alone_sees_every_trade_once() {
    let latencies = run(Mode::Stream).await;
    assert!(!latencies.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_and_stream_together_emit_each_trade_once() {
    let latencies = run(Mode::Both).await;
    assert!(!latencies.is_empty());
}

/// A maker fill that the venue indexes late, with a timestamp older than the last emitted
/// trade: no watermark skips it, and it is emitted once.
async fn late_fill(mode: Mode) {
    let fx = fakex().await;
    let wallets = watched(&fx);
    let (tracker, mut rx) = start(&fx, &wallets, mode).await;
    let mut got = Vec::new();
    let ex = fx.exchange();
    let found = eventually(Duration::from_secs(20), || {
        ex.step(2);
        drain(&mut rx, &mut got);
        !got.is_empty()
    })
    .await;
    assert!(found, "{mode:?}: nothing emitted");
    let last = got
        .iter()
        .map(|d| d.trade.clone())
        .max_by_key(|t| t.timestamp_ms)
        .unwrap();
    let old_ts = last.timestamp_ms / 1000 - 5;
    let tx = ex
        .inject_wallet_trade(&InjectedTrade {
            wallet: format!("{:?}", last.wallet),
            token: last.token,
            side: Side::Sell,
            size: 3.0,
            price: 0.42,
            timestamp_s: old_ts,
            taker: false,
        })
        .expect("injected");
    let seen = eventually(Duration::from_secs(8), || {
        drain(&mut rx, &mut got);
        got.iter().any(|d| d.trade.tx_hash.to_string() == tx)
    })
    .await;
    assert!(
        seen,
        "{mode:?}: the late fill was not emitted; stats {:?}",
        tracker.stats()
    );
    let injected = got
        .iter()
        .find(|d| d.trade.tx_hash.to_string() == tx)
        .unwrap();
    assert_eq!(injected.trade.timestamp_ms, old_ts * 1000);
    assert!(injected.trade.timestamp_ms < last.timestamp_ms);
    assert_eq!(
        (injected.trade.side, injected.trade.price.micros()),
        (Side::Sell, 420_000)
    );
    // A few more polls: still once.
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    drain(&mut rx, &mut got);
    assert_eq!(
        got.iter()
            .filter(|d| d.trade.tx_hash.to_string() == tx)
            .count(),
        1
    );
    let total = got.len();
    let unique: HashSet<String> = got.iter().map(|d| d.trade.tx_hash.to_string()).collect();
    assert_eq!(unique.len(), total, "{mode:?}: duplicates emitted");
    fx.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_maker_fill_older_than_the_last_emitted_trade_is_still_emitted_by_polling() {
    late_fill(Mode::Poll).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_fill_is_emitted_once_with_both_sources() {
    late_fill(Mode::Both).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_before_the_start_is_remembered_not_replayed() {
    let fx = fakex().await;
    let wallets = watched(&fx);
    let history: usize = wallets
        .iter()
        .map(|w| fx.exchange().wallet_trades(w).len())
        .sum();
    assert!(history > 0);
    let (tracker, mut rx) = start(&fx, &wallets, Mode::Poll).await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert!(
        rx.try_recv().is_err(),
        "nothing new happened, nothing is emitted"
    );
    let stats = tracker.stats();
    assert!(
        stats.remembered > 0 && stats.polls >= wallets.len() as u64,
        "{stats:?}"
    );
    assert!(now_ms() > 0);
}
