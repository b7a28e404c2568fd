//! The decision log from the command line: a scripted `polybot paper` session, then
//! `polybot decisions` (table, JSON, filters) and `--verify`, which must pass on what the session
//! wrote and fail, naming the record, once a stored record or a line of `decisions.jsonl` is
//! edited; a start copies into the file what it lacks.

use std::path::Path;
use std::process::Output;

mod support;

use polybot_fakex::FakexConfig;
use serde_json::Value;
use support::pick_token;

fn px(micros: u32) -> String {
    format!("{:.6}", f64::from(micros) / 1e6)
}

async fn polybot(config: &Path, args: &[&str]) -> Output {
    let mut command = support::polybot_command(config, args);
    tokio::task::spawn_blocking(move || command.output().expect("polybot runs"))
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "polybot failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

fn failed(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "polybot should have failed:\nstdout: {}\nstderr: {}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stderr)
}

/// The lines `polybot decisions --json --limit 10000 ARGS…` prints.
async fn json_lines(config: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["decisions", "--json", "--limit", "10000"];
    all.extend_from_slice(args);
    ok(&polybot(config, &all).await)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The same, parsed.
async fn records(config: &Path, args: &[&str]) -> Vec<Value> {
    json_lines(config, args)
        .await
        .iter()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

async fn sql(db: &Path, statement: &str) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paper_session_leaves_a_log_that_verifies_until_a_record_is_edited() {
    let fx = polybot_fakex::start(FakexConfig {
        base_port: 0,
        seed: 23,
        seed_dir: None,
        generated_markets: 12,
        sim_interval_ms: 0,
        ..FakexConfig::default()
    })
    .await
    .expect("fakex starts");
    let (token, book) = pick_token(&fx);
    let dir = tempfile::tempdir().unwrap();
    let config = support::config_file(
        dir.path(),
        &fx,
        "[http]\ntimeout_ms = 5000\n\n[execution]\ntick_interval_ms = 100\n",
    );
    let data = dir.path().join("data");
    let db = data.join("polybot.db");
    let file = data.join("decisions.jsonl");
    let tick = book.tick_size().micros();
    let script = dir.path().join("script.toml");
    std::fs::write(
        &script,
        format!(
            "[[step]]\nat_secs = 0\n[step.order]\ntoken = \"{token}\"\nside = \"buy\"\nprice = \"{market}\"\nusdc = \"5\"\ntype = \"market\"\n\n\
             [[step]]\nat_secs = 0\n[step.order]\ntoken = \"{token}\"\nside = \"buy\"\nprice = \"{rest}\"\nsize = \"10\"\ntype = \"limit\"\ntif = \"gtc\"\n\n\
             [[step]]\nat_secs = 1\ncancel_all = true\n",
            market = px((book.best_ask().unwrap().price.micros() + 5 * tick).min(1_000_000 - tick)),
            rest = px(book.best_bid().unwrap().price.micros().saturating_sub(5 * tick).max(tick)),
        ),
    )
    .unwrap();
    ok(&polybot(
        &config,
        &[
            "paper",
            "--duration",
            "3s",
            "--script",
            script.to_str().unwrap(),
        ],
    )
    .await);

    // Everything the session decided, in order, chained, with stage, market and codes.
    let log = records(&config, &[]).await;
    assert!(log.len() >= 4, "{log:#?}");
    for (i, r) in log.iter().enumerate() {
        assert_eq!(r["seq"].as_i64(), Some(i as i64 + 1), "{r}");
        assert_eq!(r["hash"].as_str().map(str::len), Some(64), "{r}");
        assert!(r["codes"].is_array(), "{r}");
    }
    assert_eq!(log[0]["prev_hash"], "0".repeat(64));
    let kind = |r: &Value| {
        r["decision"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone()
    };
    assert_eq!(kind(&log[0]), "Placed");
    assert_eq!(log[0]["stage"], "EXECUTE");
    assert_eq!(log[0]["market"], token.to_string());
    assert_eq!(log[0]["codes"], serde_json::json!(["manual"]));
    let fill = log
        .iter()
        .find(|r| kind(r) == "Filled")
        .expect("the market buy filled");
    assert_eq!(fill["stage"], "MONITOR");
    assert_eq!(
        fill["market"],
        token.to_string(),
        "a fill's market comes from its order"
    );

    // The file holds the same records, line for line.
    let lines: Vec<String> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        lines,
        json_lines(&config, &[]).await,
        "decisions.jsonl = decisions --json"
    );

    // Filters.
    let monitor = records(&config, &["--stage", "monitor"]).await;
    assert!(!monitor.is_empty() && monitor.iter().all(|r| r["stage"] == "MONITOR"));
    let on_token = records(&config, &["--market", &token.to_string()]).await;
    assert!(
        on_token.iter().any(|r| kind(r) == "Filled"),
        "{on_token:#?}"
    );
    assert!(records(&config, &["--market", "12345"]).await.is_empty());
    let after = ok(&polybot(
        &config,
        &["decisions", "--json", "--after", "1", "--limit", "2"],
    )
    .await);
    let seqs: Vec<i64> = after
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["seq"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, [2, 3]);
    let table = ok(&polybot(&config, &["decisions"]).await);
    assert!(
        table.contains("placed c1") && table.contains("EXECUTE"),
        "{table}"
    );
    let err = failed(&polybot(&config, &["decisions", "--stage", "PLACE"]).await);
    assert!(err.contains("unknown stage"), "{err}");

    // Verified: the store's chain and the file.
    let verified = ok(&polybot(&config, &["decisions", "--verify"]).await);
    assert!(verified.contains("decision log OK"), "{verified}");
    assert!(
        verified.contains(&format!("{} record(s) chained", log.len())),
        "{verified}"
    );
    let report: Value =
        serde_json::from_str(&ok(
            &polybot(&config, &["decisions", "--verify", "--json"]).await
        ))
        .unwrap();
    assert_eq!(report["ok"], true, "{report}");

    // One stored record edited: named by its seq.
    sql(
        &db,
        "UPDATE decisions SET data = replace(data, '\"reason\":\"manual\"', '\"reason\":\"edited\"') WHERE seq = 1",
    )
    .await;
    let err = failed(&polybot(&config, &["decisions", "--verify"]).await);
    assert!(
        err.contains("polybot.db: seq 1: the record was edited"),
        "{err}"
    );
    let report: Value = serde_json::from_slice(
        &polybot(&config, &["decisions", "--verify", "--json"])
            .await
            .stdout,
    )
    .unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["store"]["broken"]["seq"], 1);
    sql(
        &db,
        "UPDATE decisions SET data = replace(data, '\"reason\":\"edited\"', '\"reason\":\"manual\"') WHERE seq = 1",
    )
    .await;
    ok(&polybot(&config, &["decisions", "--verify"]).await);

    // One line of the file edited: named by its line and seq.
    let mut edited = lines.clone();
    edited[1] = edited[1].replacen("\"ts\":", "\"ts\":1", 1);
    std::fs::write(&file, edited.join("\n") + "\n").unwrap();
    let err = failed(&polybot(&config, &["decisions", "--verify"]).await);
    assert!(
        err.contains("decisions.jsonl: line 2 (seq 2): the record was edited"),
        "{err}"
    );

    // The last line missing (a crash between commit and write): reported, and the next start
    // copies it from the store.
    std::fs::write(&file, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    let err = failed(&polybot(&config, &["decisions", "--verify"]).await);
    assert!(err.contains("lacks the store's last 1 record(s)"), "{err}");
    ok(&polybot(&config, &["paper", "--duration", "1s"]).await);
    let verified = ok(&polybot(&config, &["decisions", "--verify"]).await);
    assert!(verified.contains("decision log OK"), "{verified}");
    let now: Vec<String> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(now[..lines.len()], lines[..], "restored as it was");
}
