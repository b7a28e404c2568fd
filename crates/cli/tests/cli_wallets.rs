//! `polybot traders` and `polybot whales` against fakex on loopback: fakex's simulated wallets
//! include "skilled" traders and "scalpers" (crates/fakex/src/styles.rs); the simulator is
//! stepped by hand so the tape between two runs is known to have moved.

mod support;

use std::path::Path;
use std::process::Output;

use polybot_fakex::{FakexConfig, FakexHandle};
use serde_json::Value;

async fn fakex() -> FakexHandle {
    let fx = polybot_fakex::start(FakexConfig {
        base_port: 0,
        seed: 7,
        seed_dir: None,
        generated_markets: 6,
        sim_interval_ms: 0,
        ..FakexConfig::default()
    })
    .await
    .expect("fakex starts");
    fx.exchange().step(4_000);
    fx
}

async fn polybot(config: &Path, args: &[&str]) -> Output {
    let mut command = support::polybot_command(config, args);
    tokio::task::spawn_blocking(move || command.output().expect("polybot runs"))
        .await
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", text(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(out)))
}

/// `[wallets]` watching `wallets` (labelled), fast HTTP settings.
fn wallets_section(wallets: &[(&str, String)]) -> String {
    let watch: Vec<String> = wallets
        .iter()
        .map(|(label, address)| format!("{{ address = {address:?}, label = {label:?} }}"))
        .collect();
    format!(
        "[http]\ntimeout_ms = 5000\n\n[wallets]\nwatch = [{}]\ndiscovery_time_period = \"DAY\"\n",
        watch.join(", ")
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn traders_are_scored_scalpers_flagged_and_cutoffs_shown() {
    let fx = fakex().await;
    let styles = fx.exchange().wallet_styles();
    let dir = tempfile::tempdir().unwrap();
    let mut watch: Vec<(&str, String)> = Vec::new();
    for s in &styles.scalpers {
        watch.push(("scalper", s.clone()));
    }
    for s in &styles.skilled {
        watch.push(("skilled", s.clone()));
    }
    let config = support::config_file(dir.path(), &fx, &wallets_section(&watch));

    // The risk engine cut the first skilled trader off (its memory, as the engine stores it).
    let cut = styles.skilled[0].to_ascii_lowercase();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let store = polybot_store::Store::open_sqlite(&dir.path().join("data").join("polybot.db"))
        .await
        .unwrap();
    let memory = serde_json::json!({
        "traders": {
            cut.clone(): {
                "equity": "80", "peak_equity": "100", "consecutive_losses": 0,
                "cutoff": {"reason": "drawdown", "since_ms": 1_700_000_000_000i64}
            },
            styles.skilled[1].to_ascii_lowercase(): {
                "equity": "100", "peak_equity": "100", "consecutive_losses": 0, "cutoff": null
            }
        }
    });
    store.kv_set("engine.risk", &memory).await.unwrap();
    store.close().await;

    let out = json(&polybot(&config, &["traders", "--top", "15", "--json"]).await);
    let traders = out["traders"].as_array().expect("a traders list");
    assert!(
        traders.len() > watch.len(),
        "watched plus leaderboard: {out:#}"
    );
    let find = |address: &str| {
        traders
            .iter()
            .find(|t| t["wallet"].as_str().unwrap().eq_ignore_ascii_case(address))
            .unwrap_or_else(|| panic!("{address} listed: {out:#}"))
    };
    for t in traders {
        assert!(t["error"].is_null(), "{t:#}");
        let composite = t["score"]["composite"].as_f64().expect("a score");
        assert!((0.0..=1.0).contains(&composite), "{t:#}");
        assert!(t["copyable"].is_boolean());
    }
    assert!(
        traders.iter().any(|t| t["origin"] == "leaderboard"),
        "{out:#}"
    );
    let flagged: Vec<&Value> = styles
        .scalpers
        .iter()
        .map(|s| find(s))
        .filter(|t| t["copyable"] == false)
        .collect();
    assert!(
        !flagged.is_empty(),
        "at least one scalper is uncopyable: {out:#}"
    );
    for t in &flagged {
        assert!(!t["uncopyable"].as_array().unwrap().is_empty());
        assert_eq!(t["label"], "scalper");
    }
    assert_eq!(find(&cut)["cutoff"]["reason"], "drawdown");
    assert_eq!(find(&cut)["cutoff"]["since_ms"], 1_700_000_000_000i64);
    assert!(find(&styles.skilled[1])["cutoff"].is_null());

    // The table says the same.
    let out = polybot(&config, &["traders", "--top", "3"]).await;
    assert!(out.status.success(), "{}", text(&out));
    let table = text(&out);
    assert!(table.contains("cut off (drawdown)"), "{table}");
    assert!(table.contains("no: "), "{table}");
    fx.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn whales_show_positions_then_deltas_after_more_trading() {
    let fx = fakex().await;
    let styles = fx.exchange().wallet_styles();
    let dir = tempfile::tempdir().unwrap();
    let config = support::config_file(dir.path(), &fx, &wallets_section(&[]));
    let mut args: Vec<&str> = vec!["whales", "--json"];
    for w in styles.skilled.iter().chain(&styles.scalpers) {
        args.extend(["--wallet", w.as_str()]);
    }

    let first = json(&polybot(&config, &args).await);
    let wallets = first["wallets"].as_array().unwrap();
    assert_eq!(wallets.len(), styles.skilled.len() + styles.scalpers.len());
    let positions: u64 = wallets
        .iter()
        .map(|w| w["positions"].as_u64().unwrap())
        .sum();
    assert!(
        positions > 0,
        "the styled wallets hold positions: {first:#}"
    );
    for w in wallets {
        assert!(w["error"].is_null(), "{w:#}");
        assert_eq!(w["baseline"], true, "first sight is the baseline");
        assert!(w["tier"].is_string());
    }
    assert!(first["previous_scan_ms"].is_null());
    assert_eq!(first["deltas"].as_array().unwrap().len(), 0);
    let smi = first["smi"]["value"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&smi));
    let signals = first["signals"].as_array().unwrap();
    assert!(
        !signals.is_empty(),
        "six markets, seven busy wallets: some hold the same outcome: {first:#}"
    );
    for s in signals {
        assert!(s["wallets"].as_array().unwrap().len() >= 2, "{s:#}");
        let score = s["score"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&score), "{s:#}");
    }
    eprintln!(
        "first run: {positions} positions, {} signals, SMI {smi:.1}",
        signals.len()
    );

    // More trading, then the same wallets again: deltas against the stored snapshots.
    fx.exchange().step(6_000);
    let second = json(&polybot(&config, &args).await);
    assert!(second["previous_scan_ms"].is_i64(), "{second:#}");
    let deltas = second["deltas"].as_array().unwrap();
    assert!(!deltas.is_empty(), "the wallets traded: {second:#}");
    for d in deltas {
        let kind = d["kind"].as_str().unwrap();
        assert!(
            ["NEW_ENTRY", "EXIT", "SIZE_INCREASE", "SIZE_DECREASE"].contains(&kind),
            "{d:#}"
        );
        if kind == "SIZE_INCREASE" || kind == "SIZE_DECREASE" {
            let pct = d["change_pct"].as_f64().unwrap().abs();
            assert!(pct > 10.0, "only changes over 10 %: {d:#}");
        }
    }
    for w in second["wallets"].as_array().unwrap() {
        assert_eq!(w["baseline"], false, "{w:#}");
    }
    let flow = &second["net_flow"]["total"];
    let dollars = |v: &Value| v.as_str().unwrap().parse::<f64>().unwrap();
    assert!(
        (dollars(&flow["flow_in"]) - dollars(&flow["flow_out"]) - dollars(&flow["net"])).abs()
            < 1e-6,
        "{flow:#}"
    );
    eprintln!("second run: {} deltas", deltas.len());

    // The table, a third time: deltas since the second run (maybe none) and the summary lines.
    let wallet_args: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
    let out = polybot(&config, &wallet_args).await;
    assert!(out.status.success(), "{}", text(&out));
    let table = text(&out);
    assert!(table.contains("Smart Money Index"), "{table}");
    assert!(table.contains("deltas since the last scan"), "{table}");
    fx.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn whales_without_wallets_scan_the_leaderboard() {
    let fx = fakex().await;
    let dir = tempfile::tempdir().unwrap();
    let config = support::config_file(dir.path(), &fx, &wallets_section(&[]));
    let out = json(&polybot(&config, &["whales", "--top", "6", "--json"]).await);
    let wallets = out["wallets"].as_array().unwrap();
    assert_eq!(wallets.len(), 6, "{out:#}");
    for (i, w) in wallets.iter().enumerate() {
        assert_eq!(w["origin"], "leaderboard");
        assert_eq!(w["rank"], i as u64 + 1);
        assert_eq!(w["pnl_source"], "leaderboard");
        assert!(w["tier"].is_string());
    }
    fx.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_wallet_is_a_clear_error() {
    let fx = fakex().await;
    let dir = tempfile::tempdir().unwrap();
    let config = support::config_file(dir.path(), &fx, "");
    for bad in ["0x12", "not-a-wallet"] {
        let out = polybot(&config, &["whales", "--wallet", bad]).await;
        assert!(!out.status.success());
        let message = text(&out);
        assert!(message.contains("--wallet"), "{message}");
        assert!(message.contains(bad), "{message}");
    }
    let out = polybot(&config, &["whales", "--top", "0"]).await;
    assert!(!out.status.success());
    assert!(text(&out).contains("--top"), "{}", text(&out));
    fx.shutdown().await;
}
