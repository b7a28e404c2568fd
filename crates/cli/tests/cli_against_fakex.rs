//! The `polybot` binary, as a user runs it, against the fake exchange on loopback.

use std::path::Path;
use std::process::Output;

mod support;

use polybot_fakex::{FakexConfig, FakexHandle};
use serde_json::Value;

fn shared_data() -> Option<std::path::PathBuf> {
    let found = polybot_fakex::default_seed_dir();
    if found.is_none() {
        assert!(
            std::env::var("REQUIRE_SHARED_DATA").as_deref() != Ok("1"),
            "shared data missing"
        );
    }
    found
}

async fn fakex(seed_dir: Option<std::path::PathBuf>) -> FakexHandle {
    let config = FakexConfig {
        base_port: 0,
        seed: 7,
        seed_dir,
        sim_interval_ms: 50,
        ..FakexConfig::default()
    };
    polybot_fakex::start(config).await.expect("fakex starts")
}

fn config_file(dir: &Path, handle: &FakexHandle) -> std::path::PathBuf {
    support::config_file(
        dir,
        handle,
        "[http]\ntimeout_ms = 5000\n\n[websocket]\nstall_timeout_ms = 3000\n",
    )
}

async fn polybot(config: &Path, args: &[&str]) -> Output {
    let mut command = support::polybot_command(config, args);
    tokio::task::spawn_blocking(move || command.output().expect("polybot runs"))
        .await
        .unwrap()
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "polybot failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("--json prints valid JSON")
}

fn accepted(report: &Value) -> usize {
    report["accepted_total"].as_u64().unwrap() as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_lists_real_markets_and_every_filter_narrows_it() {
    let seed = shared_data();
    let recorded = seed.is_some();
    let handle = fakex(seed).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path(), &handle);

    let table = polybot(&config, &["scan", "--limit", "20"]).await;
    assert!(
        table.status.success(),
        "{}",
        String::from_utf8_lossy(&table.stderr)
    );
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("passed the filters (showing 20)"), "{text}");

    let base = json(&polybot(&config, &["scan", "--limit", "20", "--json"]).await);
    assert_eq!(base["markets"].as_array().unwrap().len(), 20);
    let all = accepted(&base);
    if recorded {
        // Real markets: every slug shown exists in the recorded Gamma dump.
        let dump = std::fs::read_to_string(
            polybot_fakex::default_seed_dir()
                .unwrap()
                .join("wom_polymarket_strategy/polymarket-backtest/data/raw/markets.json"),
        )
        .unwrap();
        let in_dump = base["markets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| dump.contains(&format!("\"{}\"", m["market"]["slug"].as_str().unwrap())))
            .count();
        assert!(
            in_dump >= 10,
            "only {in_dump} of 20 markets come from the recorded data"
        );
    }
    for (flags, what) in [
        (&["--min-volume", "100000"][..], "min volume"),
        (&["--min-liquidity", "20000"][..], "min liquidity"),
        (&["--max-spread", "0.01"][..], "max spread"),
        (&["--max-days", "7"][..], "max days"),
        (&["--include-category", "SPORTS"][..], "include category"),
        (
            &[
                "--exclude-category",
                "SPORTS",
                "--exclude-category",
                "UNKNOWN",
            ][..],
            "exclude category",
        ),
    ] {
        let mut args = vec!["scan", "--json", "--limit", "500"];
        args.extend_from_slice(flags);
        let report = json(&polybot(&config, &args).await);
        assert!(
            accepted(&report) < all,
            "{what} did not narrow the scan ({} of {all})",
            accepted(&report)
        );
        let markets = report["markets"].as_array().unwrap();
        match what {
            "include category" => assert!(markets.iter().all(|m| m["category"] == "SPORTS")),
            "exclude category" => assert!(markets.iter().all(|m| m["category"] != "SPORTS")),
            "max spread" => assert!(
                markets
                    .iter()
                    .all(|m| m["spread"].as_f64().unwrap() <= 0.01 + 1e-9)
            ),
            "max days" => assert!(
                markets
                    .iter()
                    .all(|m| m["days_to_expiry"].as_f64().unwrap() <= 7.0)
            ),
            _ => {}
        }
    }
    let none = json(&polybot(&config, &["scan", "--json", "--min-volume", "1e15"]).await);
    assert_eq!(accepted(&none), 0);

    // The market and book commands work on what the scan found.
    let slug = base["markets"][0]["market"]["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let market = json(&polybot(&config, &["market", &slug, "--json"]).await);
    assert_eq!(market["market"]["slug"], slug.as_str());
    let token = market["market"]["outcomes"][0]["token_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!market["books"].as_array().unwrap().is_empty());
    // Long enough for the first snapshot on a loaded 2-core CI machine.
    let book = polybot(&config, &["book", &token, "--duration", "6s"]).await;
    assert!(
        book.status.success(),
        "{}",
        String::from_utf8_lossy(&book.stderr)
    );
    assert!(String::from_utf8_lossy(&book.stdout).contains("[snapshot]"));
    handle.shutdown().await;
}

#[tokio::test]
async fn invalid_configuration_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[scanning]\nmax_spread = 1.5\n").unwrap();
    let out = polybot(&path, &["config", "check"]).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("scanning.max_spread") && stderr.contains("1.5"),
        "{stderr}"
    );

    std::fs::write(&path, "[scanning]\nmin_volume_usd = \"lots\"\n").unwrap();
    let out = polybot(&path, &["scan"]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("scanning.min_volume_usd"));

    std::fs::write(&path, "[websocket]\nstall_timeout = 5\n").unwrap();
    let out = polybot(&path, &["config", "check"]).await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("stall_timeout"));
}
