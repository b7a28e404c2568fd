//! Kill switches from the command line: `polybot halt` stops new buys (a manual buy is refused
//! with `kill_switch`) until `polybot resume`, queued while no engine runs; the kill file
//! (`safety.kill_switch_file`) does the same while it exists. Against fakex on loopback.

mod support;

use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use polybot_fakex::{FakexConfig, FakexHandle};
use support::pick_token;

async fn fakex() -> FakexHandle {
    polybot_fakex::start(FakexConfig {
        base_port: 0,
        seed: 29,
        seed_dir: None,
        generated_markets: 8,
        sim_interval_ms: 0,
        ..FakexConfig::default()
    })
    .await
    .expect("fakex starts")
}

/// A Slack incoming webhook on loopback: records each message's text, answers "ok".
async fn fake_slack() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let record = record.clone();
            async move {
                record.lock().unwrap().push(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

async fn polybot_with(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = support::polybot_command(config, args);
    command.envs(env.iter().copied());
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

/// A small market buy through a one-shot engine (alerts to `slack`); its output.
async fn buy(config: &Path, token: &str, price: &str, slack: &str) -> Output {
    polybot_with(
        config,
        &[
            "order", "place", "--token", token, "--side", "buy", "--price", price, "--usdc", "2",
            "--type", "market", "--wait", "2s",
        ],
        &[("POLYBOT_SLACK_WEBHOOK_URL", slack)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn halt_resume_and_the_kill_file_gate_new_buys() {
    let fx = fakex().await;
    let dir = tempfile::tempdir().unwrap();
    let kill_file = dir.path().join("STOP");
    let extra = format!(
        "[http]\ntimeout_ms = 5000\n\n[execution]\ntick_interval_ms = 100\n\n[safety]\nkill_switch_file = {:?}\n\n\
         [alerts.slack]\nenabled = true\n",
        kill_file.display().to_string()
    );
    let config = support::config_file(dir.path(), &fx, &extra);
    let (slack, alerts) = fake_slack().await;
    let env = [("POLYBOT_SLACK_WEBHOOK_URL", slack.as_str())];
    let (token, book) = pick_token(&fx);
    let token = token.to_string();
    let price = book.best_ask().unwrap().price.to_string();

    let out = polybot_with(&config, &["halt", "--reason", "maintenance window"], &env).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("queued"), "{}", text(&out));
    let out = buy(&config, &token, &price, &slack).await;
    assert!(!out.status.success(), "a halted engine buys nothing");
    assert!(text(&out).contains("kill_switch"), "{}", text(&out));
    let status = polybot_with(&config, &["status"], &env).await;
    assert!(
        text(&status).contains("HALTED (Operator: maintenance window)"),
        "{}",
        text(&status)
    );

    let out = polybot_with(&config, &["resume"], &env).await;
    assert!(out.status.success(), "{}", text(&out));
    let out = buy(&config, &token, &price, &slack).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("placed"), "{}", text(&out));

    std::fs::write(&kill_file, "").unwrap();
    let out = buy(&config, &token, &price, &slack).await;
    assert!(!out.status.success());
    assert!(text(&out).contains("kill_switch"), "{}", text(&out));
    std::fs::remove_file(&kill_file).unwrap();
    let out = buy(&config, &token, &price, &slack).await;
    assert!(out.status.success(), "the file is gone: {}", text(&out));

    // The halt and the fills reached the Slack channel.
    let seen = alerts.lock().unwrap().join("\n");
    assert!(seen.contains("halted"), "{seen}");
    assert!(seen.contains("fill"), "{seen}");

    let bad = polybot_with(
        &config,
        &["cutoff", "--wallet", "0x12", "--reason", "x"],
        &env,
    )
    .await;
    assert!(!bad.status.success());
    assert!(text(&bad).contains("--wallet"), "{}", text(&bad));
}
