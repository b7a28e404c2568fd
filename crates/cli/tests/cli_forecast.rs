//! AI forecasting from the command line, as a user runs it: `polybot forecast`, `research` and
//! `costs` against fakex (recorded Polymarket markets where the shared data is available) and
//! its simulated AI — OpenAI-protocol chat completions, Tavily-protocol search and the research
//! page mirror — through the real clients over loopback.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::str::FromStr as _;

mod support;

use polybot_fakex::{FakexConfig, FakexHandle};
use rust_decimal::Decimal;
use serde_json::Value;

fn shared_data() -> Option<PathBuf> {
    let found = polybot_fakex::default_seed_dir();
    if found.is_none() {
        assert!(
            std::env::var("REQUIRE_SHARED_DATA").as_deref() != Ok("1"),
            "shared data missing"
        );
    }
    found
}

async fn fakex() -> FakexHandle {
    polybot_fakex::start(FakexConfig {
        base_port: 0,
        seed: 11,
        seed_dir: shared_data(),
        generated_markets: 12,
        sim_interval_ms: 0,
        ..FakexConfig::default()
    })
    .await
    .expect("fakex starts")
}

/// A port nothing listens on (bound, then released).
fn dead_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Two simulated models on fakex's AI, one model whose server is down, fakex's search and
/// page mirror; `extra` is appended.
fn ai_config(dir: &Path, fx: &FakexHandle, extra: &str) -> PathBuf {
    let ai = fx.ai_url();
    let down = format!("http://127.0.0.1:{}", dead_port());
    support::config_file(
        dir,
        fx,
        &format!(
            r#"[http]
timeout_ms = 5000

[[forecast.providers]]
name = "sim-a"
kind = "openai_compatible"
model = "sim-a"
base_url = "{ai}"
input_usd_per_mtok = 2.5
output_usd_per_mtok = 10.0

[[forecast.providers]]
name = "sim-b"
kind = "openai_compatible"
model = "sim-b"
base_url = "{ai}"
input_usd_per_mtok = 0.15
output_usd_per_mtok = 0.6

[[forecast.providers]]
name = "down"
kind = "openai_compatible"
model = "down"
base_url = "{down}"
timeout_ms = 1000

[forecast.research]
fetch_mirror = "{ai}/pages"
search = [{{ kind = "tavily", base_url = "{ai}", usd_per_request = 0.008 }}]

{extra}"#
        ),
    )
}

/// `polybot` with no LLM or search key from the developer's environment; the search key for
/// fakex's simulated Tavily is set only for configurations that point search at fakex (a key
/// with the default endpoints would send traffic off the machine).
async fn polybot(config: &Path, args: &[&str]) -> Output {
    run(config, args, true).await
}

async fn polybot_without_search_key(config: &Path, args: &[&str]) -> Output {
    run(config, args, false).await
}

async fn run(config: &Path, args: &[&str], search_key: bool) -> Output {
    let mut command = support::polybot_command(config, args);
    for var in [
        "POLYBOT_OPENAI_API_KEY",
        "POLYBOT_ANTHROPIC_API_KEY",
        "POLYBOT_GEMINI_API_KEY",
        "POLYBOT_SERPAPI_API_KEY",
        "POLYBOT_BRAVE_API_KEY",
        "POLYBOT_BING_API_KEY",
        "POLYBOT_TAVILY_API_KEY",
    ] {
        command.env_remove(var);
    }
    if search_key {
        command.env("POLYBOT_TAVILY_API_KEY", "fakex-search-key");
    }
    tokio::task::spawn_blocking(move || command.output().expect("polybot runs"))
        .await
        .unwrap()
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "polybot failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The scan's best market that is not UNKNOWN: a real recorded market when the shared data
/// is there.
async fn top_market(config: &Path) -> String {
    let scan: Value = serde_json::from_str(&ok(&polybot_without_search_key(
        config,
        &["scan", "--json", "--limit", "50"],
    )
    .await))
    .expect("scan --json");
    scan["markets"]
        .as_array()
        .expect("accepted markets")
        .iter()
        .find(|m| m["category"] != "UNKNOWN")
        .and_then(|m| m["market"]["condition_id"].as_str())
        .expect("a classified market passes the scan")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn forecast_prints_every_stage_and_costs_sum_the_calls() {
    let fx = fakex().await;
    let dir = tempfile::tempdir().unwrap();
    let config = ai_config(dir.path(), &fx, "");
    let market = top_market(&config).await;

    let out = ok(&polybot(&config, &["forecast", "--market", &market]).await);
    for stage in [
        "MARKET",
        "RESEARCH",
        "blocked",
        "sources",
        "evidence",
        "quality",
        "FORECAST",
        "sim-a",
        "sim-b",
        "✗ down",
        "CALIBRATE",
        "COMBINE",
        "EDGE",
        "BUY_YES",
        "BUY_NO",
        "RISK/SIZE",
        "DECISION",
    ] {
        assert!(out.contains(stage), "`{stage}` missing from:\n{out}");
    }
    assert!(
        !out.contains("OFFLINE"),
        "real (simulated) models answered:\n{out}"
    );
    let pages = fx.ai_stats().pages;
    assert!(!pages.is_empty(), "sources were fetched through the mirror");
    assert!(
        pages
            .iter()
            .all(|p| !p.contains("wikipedia") && !p.contains("reddit")),
        "a blocked domain was fetched: {pages:?}"
    );

    let json: Value = serde_json::from_str(&ok(&polybot(
        &config,
        &["forecast", "--market", &market, "--json"],
    )
    .await))
    .expect("forecast --json");
    let report = &json["report"];
    assert_eq!(json["offline"], false);
    assert!(!report["research"]["blocked"].as_array().unwrap().is_empty());
    assert!(!report["research"]["bullets"].as_array().unwrap().is_empty());
    let failures = report["ensemble"]["failures"].as_array().unwrap();
    assert_eq!(
        failures.len(),
        1,
        "the down provider degrades the ensemble: {failures:?}"
    );
    assert_eq!(failures[0]["provider"], "down");
    assert_eq!(report["ensemble"]["members"].as_array().unwrap().len(), 2);
    let p = report["final_probability"].as_f64().unwrap();
    assert!(p > 0.0 && p < 1.0);
    assert!(
        json["decision"].as_str().unwrap().starts_with("BUY")
            || json["decision"].as_str().unwrap().starts_with("SKIP")
    );
    assert!(!json["risk"]["decisions"].as_array().unwrap().is_empty());

    let costs: Value =
        serde_json::from_str(&ok(&polybot(&config, &["costs", "--json"]).await)).expect("costs");
    let lines = costs["lines"].as_array().unwrap();
    let line = |provider: &str, purpose: &str| {
        lines
            .iter()
            .find(|l| l["provider"] == provider && l["purpose"] == purpose)
            .unwrap_or_else(|| panic!("no {provider}/{purpose} line in {lines:?}"))
    };
    let usd = |l: &Value| Decimal::from_str(l["usd"].as_str().unwrap()).unwrap();
    let sim_a = line("sim-a", "forecast");
    assert_eq!(sim_a["requests"], 2, "two forecasts, one request each");
    let expected = (Decimal::from(sim_a["prompt_tokens"].as_u64().unwrap()) * Decimal::new(25, 1)
        + Decimal::from(sim_a["completion_tokens"].as_u64().unwrap()) * Decimal::from(10))
        / Decimal::from(1_000_000);
    assert_eq!(usd(sim_a), expected, "tokens × the provider's price table");
    line("sim-b", "forecast");
    line("sim-a", "extraction");
    let search = line("tavily", "search");
    assert_eq!(
        usd(search),
        Decimal::new(8, 3) * Decimal::from(search["requests"].as_u64().unwrap())
    );
    let total = Decimal::from_str(costs["total_usd"].as_str().unwrap()).unwrap();
    assert_eq!(total, lines.iter().map(usd).sum::<Decimal>());
    assert!(total > Decimal::ZERO);

    let table = ok(&polybot(&config, &["costs"]).await);
    assert!(
        table.contains("sim-a") && table.contains("Total: $"),
        "{table}"
    );

    let research = ok(&polybot(&config, &["research", "--market", &market]).await);
    assert!(
        research.contains("RESEARCH") && research.contains("quality"),
        "{research}"
    );
    fx.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn when_every_member_fails_the_fallback_answers() {
    let fx = fakex().await;
    let dir = tempfile::tempdir().unwrap();
    let down = format!("http://127.0.0.1:{}", dead_port());
    let config = support::config_file(
        dir.path(),
        &fx,
        &format!(
            r#"[[forecast.providers]]
name = "down"
kind = "openai_compatible"
model = "down"
base_url = "{down}"
timeout_ms = 1000

[[forecast.providers]]
name = "backup"
kind = "openai_compatible"
model = "sim-a"
base_url = "{ai}"
fallback_only = true

[forecast.ensemble]
fallback = "backup"

[forecast.research]
enabled = false
"#,
            ai = fx.ai_url()
        ),
    );
    let market = top_market(&config).await;
    let json: Value = serde_json::from_str(&ok(&polybot_without_search_key(
        &config,
        &["forecast", "--market", &market, "--json"],
    )
    .await))
    .unwrap();
    let ensemble = &json["report"]["ensemble"];
    assert_eq!(ensemble["used_fallback"], true);
    assert_eq!(ensemble["members"][0]["provider"], "backup");
    assert_eq!(ensemble["failures"][0]["provider"], "down");
    assert!(json["report"]["research"].is_null());
    fx.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_keys_the_offline_forecaster_is_labelled_and_never_traded() {
    let fx = fakex().await;
    let dir = tempfile::tempdir().unwrap();
    let config = support::config_file(dir.path(), &fx, "");
    let market = top_market(&config).await;
    let out = ok(&polybot_without_search_key(&config, &["forecast", "--market", &market]).await);
    assert!(out.contains("OFFLINE placeholder"), "{out}");
    assert!(out.contains("DECISION   SKIP (offline_forecast)"), "{out}");
    assert!(
        out.contains("POLYBOT_TAVILY_API_KEY") || out.contains("search"),
        "{out}"
    );

    let missing =
        polybot_without_search_key(&config, &["forecast", "--market", "no-such-market"]).await;
    assert!(!missing.status.success());
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("no-such-market"), "{err}");
    fx.shutdown().await;
}
