//! Copy trading end to end: `polybot paper` with `[copy]` on follows the leaderboard's wallets
//! at fakex (discovery, the Data API tracker), and their trades become copies sized by the
//! risk engine or skips with reason codes — all in the store's decision log.

mod support;

use std::path::Path;
use std::process::Output;

use polybot_engine::Decision;
use polybot_fakex::{FakexConfig, FakexHandle};
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
}
