//! Trading from the command line, as a user runs it: `polybot paper --script`, `positions`,
//! `orders`, `status`, `replay`, `order place|cancel` with and without a running engine, input
//! checks, the live gates and the one-engine-per-data-directory rule — the `polybot` binary
//! against fakex on loopback (generated markets; no shared data needed).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::pick_token;

use polybot_fakex::{FakexConfig, FakexHandle};
use polybot_model::OrderBook;
use serde_json::Value;

/// fakex with a few generated markets; `sim_interval_ms` 0 freezes the books (deterministic
/// fills), a small value keeps them moving.
async fn fakex(sim_interval_ms: u64) -> FakexHandle {
    polybot_fakex::start(FakexConfig {
        base_port: 0,
        seed: 23,
        seed_dir: None,
        generated_markets: 12,
        sim_interval_ms,
        ..FakexConfig::default()
    })
    .await
    .expect("fakex starts")
}

fn config_file(dir: &Path, fx: &FakexHandle) -> PathBuf {
    support::config_file(
        dir,
        fx,
        "[http]\ntimeout_ms = 5000\n\n[websocket]\nstall_timeout_ms = 3000\n\n[execution]\ntick_interval_ms = 100\n",
    )
}

fn command(config: &Path, args: &[&str]) -> Command {
    support::polybot_command(config, args)
}

async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("polybot runs"))
        .await
        .unwrap()
}

async fn polybot(config: &Path, args: &[&str]) -> Output {
    run(command(config, args)).await
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts success and returns stdout.
fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "polybot failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        stdout(output),
        stderr(output)
    );
    stdout(output)
}

/// Asserts failure and returns stderr.
fn failed(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "polybot should have failed:\nstdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
    stderr(output)
}

async fn json(config: &Path, args: &[&str]) -> Value {
    let out = polybot(config, args).await;
    serde_json::from_str(&ok(&out)).expect("--json prints valid JSON")
}

fn px(micros: u32) -> String {
    format!("{:.6}", f64::from(micros) / 1e6)
}

/// A marketable buy limit: the best ask plus `ticks`, at most one tick below 1.
fn above_ask(book: &OrderBook, ticks: u32) -> String {
    let tick = book.tick_size().micros();
    px((book.best_ask().unwrap().price.micros() + ticks * tick).min(1_000_000 - tick))
}

/// A resting buy limit: the best bid minus `ticks`, at least one tick.
fn below_bid(book: &OrderBook, ticks: u32) -> String {
    let tick = book.tick_size().micros();
    px(book
        .best_bid()
        .unwrap()
        .price
        .micros()
        .saturating_sub(ticks * tick)
        .max(tick))
}

/// `N` in "… N fills; …" of a run summary.
fn summary_fills(text: &str) -> u64 {
    let line = text
        .lines()
        .find(|l| l.contains(" run: "))
        .unwrap_or_else(|| panic!("no run summary in {text}"));
    let before = line.split(" fills").next().unwrap();
    before.rsplit(' ').next().unwrap().parse().unwrap()
}

/// The path after "journal: " in a run summary.
fn summary_journal(text: &str) -> PathBuf {
    let path = text
        .lines()
        .find_map(|l| l.strip_prefix("journal: "))
        .unwrap_or_else(|| panic!("no journal path in {text}"));
    PathBuf::from(path.trim())
}

/// The client id in "placed c12: …".
fn placed_id(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| l.starts_with("placed c"))
        .unwrap_or_else(|| panic!("no `placed` line in {text}"));
    line["placed ".len()..]
        .split(':')
        .next()
        .unwrap()
        .to_owned()
}

/// Every order of `orders --all --json`, by client id (`c12`).
async fn all_orders(config: &Path) -> Vec<(String, Value)> {
    let report = json(config, &["orders", "--all", "--json"]).await;
    report["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                format!("c{}", o["request"]["client_id"].as_u64().unwrap()),
                o.clone(),
            )
        })
        .collect()
}

/// Polls `orders --all --json` until order `id` is in `state` (e.g. "Filled").
async fn wait_for_state(config: &Path, id: &str, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let orders = all_orders(config).await;
        let order = orders.iter().find(|(i, _)| i == id).map(|(_, o)| o.clone());
        if let Some(order) = &order
            && order["state"] == state
        {
            return order.clone();
        }
        assert!(
            Instant::now() < deadline,
            "order {id} never reached {state}: {order:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A background `polybot` (killed if the test fails before it ends).
struct Background(Option<Child>);

impl Background {
    fn spawn(mut command: Command) -> Self {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        Background(Some(command.spawn().expect("polybot starts")))
    }

    fn pid(&self) -> u32 {
        self.0.as_ref().unwrap().id()
    }

    /// Its output, if it has already ended.
    fn ended(&mut self) -> Option<Output> {
        let child = self.0.as_mut()?;
        child.try_wait().expect("polybot can be waited for")?;
        Some(self.0.take()?.wait_with_output().expect("polybot ends"))
    }

    /// Ctrl-C, as a user would stop it, then its output.
    async fn interrupt(mut self) -> Output {
        let child = self.0.take().unwrap();
        let pid = child.id().to_string();
        tokio::task::spawn_blocking(move || {
            let _ = Command::new("kill").args(["-INT", &pid]).status();
            child.wait_with_output().expect("polybot ends")
        })
        .await
        .unwrap()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn edit_journal(from: &Path, to: &Path, edit: impl Fn(usize, &str) -> Option<String>) {
    let text = std::fs::read_to_string(from).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(line) = edit(i, line) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    std::fs::write(to, out).unwrap();
}

/// The kind of a journal line: `session`, `check`, or the event's variant (`Book`, `Level`…).
fn line_kind(line: &str) -> String {
    let v: Value = serde_json::from_str(line).unwrap();
    match v.get("event") {
        Some(Value::Object(event)) => event.keys().next().unwrap().clone(),
        Some(Value::String(s)) => s.clone(),
        _ => v.as_object().unwrap().keys().next().unwrap().clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_paper_run_is_reported_stored_and_replays_exactly() {
    let fx = fakex(100).await;
    let (token, book) = pick_token(&fx);
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path(), &fx);
    let script = dir.path().join("script.toml");
    let t = token.to_string();
    std::fs::write(
        &script,
        format!(
            "[[step]]\nat_secs = 0\n[step.order]\ntoken = \"{t}\"\nside = \"buy\"\nprice = \"{market}\"\nusdc = \"5\"\ntype = \"market\"\n\n\
             [[step]]\nat_secs = 0\n[step.order]\ntoken = \"{t}\"\nside = \"buy\"\nprice = \"{rest}\"\nsize = \"10\"\ntype = \"limit\"\ntif = \"gtc\"\n\n\
             [[step]]\nat_secs = 1\ncancel_all = true\n",
            market = above_ask(&book, 20),
            rest = below_bid(&book, 5),
        ),
    )
    .unwrap();
    let script_arg = script.to_str().unwrap();

    let first = polybot(
        &config,
        &["paper", "--duration", "4s", "--script", script_arg],
    )
    .await;
    let text = ok(&first);
    assert!(text.contains("paper run: "), "{text}");
    assert!(summary_fills(&text) >= 1, "the market buy filled: {text}");
    assert!(
        stderr(&first).contains("queued 3 scripted step(s)"),
        "{}",
        stderr(&first)
    );
    let journal = summary_journal(&text);
    assert!(journal.is_file(), "{}", journal.display());
    assert!(text.contains("manual: equity"), "{text}");

    let orders = all_orders(&config).await;
    assert_eq!(orders.len(), 2, "{orders:?}");
    assert_eq!(orders[0].0, "c1");
    assert_eq!(orders[0].1["state"], "Filled", "{orders:?}");
    assert_eq!(orders[0].1["request"]["time_in_force"], "Fok");
    assert_eq!(orders[1].1["request"]["time_in_force"], "Gtc");
    // The resting buy either filled on the moving book or the scripted cancel-all ended it.
    assert!(
        ["Filled", "Cancelled"].contains(&orders[1].1["state"].as_str().unwrap()),
        "{orders:?}"
    );

    // The same command again: the script is not queued twice.
    let again = polybot(
        &config,
        &["paper", "--duration", "1s", "--script", script_arg],
    )
    .await;
    let again_text = ok(&again);
    assert!(
        stderr(&again).contains("not queued again"),
        "{}",
        stderr(&again)
    );
    assert_ne!(summary_journal(&again_text), journal);
    assert_eq!(all_orders(&config).await.len(), 2);

    // Positions: the manual account holds the token it bought.
    let positions = json(&config, &["positions", "--json"]).await;
    let manual = positions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == "manual")
        .expect("the manual account");
    let held = manual["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["token"] == t.as_str())
        .expect("a position in the traded token");
    assert!(held["size"].as_str().unwrap().parse::<f64>().unwrap() > 0.0);
    assert!(manual["cash"].as_str().unwrap().parse::<f64>().unwrap() < 1000.0);
    let table = ok(&polybot(&config, &["positions"]).await);
    assert!(
        table.contains("manual: cash") && table.contains(&t),
        "{table}"
    );

    // Orders: none open any more; all of them with --all.
    let open = json(&config, &["orders", "--json"]).await;
    assert!(open["orders"].as_array().unwrap().is_empty(), "{open}");
    assert!(ok(&polybot(&config, &["orders"]).await).contains("no open orders"));
    let table = ok(&polybot(&config, &["orders", "--all"]).await);
    assert!(
        table.contains("c1") && table.contains("c2") && table.contains("Filled"),
        "{table}"
    );

    // Status: stopped, on paper, nothing pending, the latest journal.
    let status = json(&config, &["status", "--json"]).await;
    assert_eq!(status["engine_running"], false, "{status}");
    assert_eq!(status["mode"], "paper", "{status}");
    assert_eq!(status["open_orders"], 0, "{status}");
    assert_eq!(status["pending_commands"], 0, "{status}");
    assert_eq!(
        status["journal"].as_str().map(PathBuf::from),
        Some(summary_journal(&again_text)),
        "{status}"
    );
    let text_status = ok(&polybot(&config, &["status"]).await);
    assert!(
        text_status.contains("not running") && text_status.contains("paper"),
        "{text_status}"
    );

    // Replay: the journal of a moving market reproduces every decision.
    let journal_arg = journal.to_str().unwrap();
    let replayed = ok(&polybot(&config, &["replay", "--journal", journal_arg]).await);
    assert!(replayed.contains("every checkpoint matches"), "{replayed}");
    let report = json(&config, &["replay", "--journal", journal_arg, "--json"]).await;
    assert!(report["mismatch"].is_null(), "{report}");
    assert!(report["checkpoints"].as_u64().unwrap() >= 2, "{report}");
    assert!(report["events"].as_u64().unwrap() > 10, "{report}");
    let kinds: Vec<String> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(line_kind)
        .collect();
    assert!(kinds.iter().any(|k| k == "Level"), "the books moved");

    // A line deleted in the middle (the first operator command): the replay diverges.
    let operator = kinds.iter().position(|k| k == "Operator").unwrap();
    let tampered = dir.path().join("deleted.jsonl");
    edit_journal(&journal, &tampered, |i, line| {
        (i != operator).then(|| line.to_owned())
    });
    let out = polybot(
        &config,
        &["replay", "--journal", tampered.to_str().unwrap()],
    )
    .await;
    let err = failed(&out);
    assert!(err.contains("decisions differ after event"), "{err}");
    assert!(!stdout(&out).contains("every checkpoint matches"));
    let out = polybot(
        &config,
        &["replay", "--json", "--journal", tampered.to_str().unwrap()],
    )
    .await;
    failed(&out);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["mismatch"]["after_events"].as_u64().is_some(),
        "{report}"
    );

    // Garbage: a clear error naming the file (and the line).
    let garbage = dir.path().join("garbage.jsonl");
    std::fs::write(&garbage, "this is not a journal\n{\"neither\": 1}\n").unwrap();
    let err = failed(&polybot(&config, &["replay", "--journal", garbage.to_str().unwrap()]).await);
    assert!(
        err.contains("garbage.jsonl") && err.contains("line 1"),
        "{err}"
    );
    std::fs::write(&garbage, "garbage\n").unwrap();
    let err = failed(&polybot(&config, &["replay", "--journal", garbage.to_str().unwrap()]).await);
    assert!(err.contains("session header"), "{err}");
    let missing = dir.path().join("missing.jsonl");
    let err = failed(&polybot(&config, &["replay", "--journal", missing.to_str().unwrap()]).await);
    assert!(err.contains("cannot read the journal"), "{err}");
    fx.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_without_a_running_engine_starts_one_and_an_edited_book_breaks_the_replay() {
    let fx = fakex(0).await;
    let (token, book) = pick_token(&fx);
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path(), &fx);
    let t = token.to_string();
    let price = above_ask(&book, 10);
    let out = polybot(
        &config,
        &[
            "order", "place", "--token", &t, "--side", "buy", "--price", &price, "--usdc", "5",
            "--type", "market", "--wait", "3s",
        ],
    )
    .await;
    let text = ok(&out);
    assert!(
        stderr(&out).contains("no engine running"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("paper trading"),
        "paper by default: {}",
        stderr(&out)
    );
    assert_eq!(placed_id(&text), "c1", "{text}");
    assert!(text.contains("c1: Filled, filled "), "{text}");
    let orders = all_orders(&config).await;
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].1["state"], "Filled");
    let status = json(&config, &["status", "--json"]).await;
    assert_eq!(status["engine_running"], false);
    assert_eq!(status["mode"], "paper");
    assert_eq!(status["pending_commands"], 0);

    // The engine's journal replays; with the best ask's size changed in its book snapshot,
    // the market buy fills differently and the replay says where.
    let journal = PathBuf::from(status["journal"].as_str().expect("a journal"));
    let replayed = ok(&polybot(&config, &["replay", "--journal", journal.to_str().unwrap()]).await);
    assert!(replayed.contains("every checkpoint matches"), "{replayed}");
    let best_ask = book.best_ask().unwrap().price;
    let edited = std::cell::Cell::new(0);
    let tampered = dir.path().join("edited.jsonl");
    edit_journal(&journal, &tampered, |_, line| {
        let mut v: Value = serde_json::from_str(line).unwrap();
        let Some(asks) = v
            .pointer_mut("/event/Book/asks")
            .and_then(Value::as_array_mut)
        else {
            return Some(line.to_owned());
        };
        for level in asks {
            if level["price"].as_str().and_then(|p| p.parse::<f64>().ok())
                == Some(best_ask.as_f64())
            {
                level["size"] = Value::from("1");
                edited.set(edited.get() + 1);
            }
        }
        Some(v.to_string())
    });
    assert_eq!(edited.get(), 1, "one book snapshot (the books are frozen)");
    let err = failed(
        &polybot(
            &config,
            &["replay", "--journal", tampered.to_str().unwrap()],
        )
        .await,
    );
    assert!(err.contains("decisions differ after event"), "{err}");
    fx.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_go_to_the_running_engine_and_a_second_engine_is_refused() {
    let fx = fakex(0).await;
    let (token, book) = pick_token(&fx);
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path(), &fx);
    let t = token.to_string();

    // The data directory exists before the engine starts: two processes creating a database
    // at once can both apply its migrations, and the second fails (a store issue, not the
    // subject of this test).
    let status = ok(&polybot(&config, &["status"]).await);
    assert!(status.contains("engine:          not running"), "{status}");

    let mut engine = Background::spawn(command(&config, &["paper", "--duration", "15s"]));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = ok(&polybot(&config, &["status"]).await);
        if status.contains("engine:          running") {
            break;
        }
        if let Some(out) = engine.ended() {
            panic!(
                "the engine ended early ({}): {}{}",
                out.status,
                stdout(&out),
                stderr(&out)
            );
        }
        assert!(
            Instant::now() < deadline,
            "the engine never started: {status}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        json(&config, &["status", "--json"]).await["engine_running"],
        true
    );

    // Probing for the engine leaves its lock alone: the lock file still names the engine.
    let lock = std::fs::read_to_string(dir.path().join("data/engine.lock")).unwrap();
    assert_eq!(lock.trim(), engine.pid().to_string());

    // One engine per data directory.
    let err = failed(&polybot(&config, &["paper", "--duration", "2s"]).await);
    assert!(err.contains("already running"), "{err}");

    // A market buy, executed by the running engine.
    let price = above_ask(&book, 10);
    let out = polybot(
        &config,
        &[
            "order", "place", "--token", &t, "--side", "buy", "--price", &price, "--usdc", "5",
            "--type", "market", "--wait", "10s",
        ],
    )
    .await;
    let text = ok(&out);
    assert!(
        stderr(&out).contains("queued as command"),
        "{}",
        stderr(&out)
    );
    let market = placed_id(&text);
    wait_for_state(&config, &market, "Filled").await;

    // A resting GTC buy, then its cancellation.
    let rest = below_bid(&book, 5);
    let out = polybot(
        &config,
        &[
            "order", "place", "--token", &t, "--side", "buy", "--price", &rest, "--size", "10",
            "--tif", "gtc", "--wait", "10s",
        ],
    )
    .await;
    let text = ok(&out);
    assert!(stderr(&out).contains("queued as command"));
    let resting = placed_id(&text);
    assert_ne!(resting, market);
    assert!(text.contains("Gtc"), "{text}");
    let open = wait_for_state(&config, &resting, "Live").await;
    assert_eq!(open["filled"], "0", "{open}");
    let listed = ok(&polybot(&config, &["orders"]).await);
    assert!(
        listed.contains(&resting) && listed.contains("GTC"),
        "{listed}"
    );

    let out = polybot(&config, &["order", "cancel", &resting, "--wait", "10s"]).await;
    let text = ok(&out);
    assert!(stderr(&out).contains("queued as command"));
    assert!(
        text.contains(&format!("cancel sent for {resting}")),
        "{text}"
    );
    wait_for_state(&config, &resting, "Cancelled").await;
    assert!(ok(&polybot(&config, &["orders"]).await).contains("no open orders"));
    let all = ok(&polybot(&config, &["orders", "--all"]).await);
    assert!(
        all.contains(&resting) && all.contains("Cancelled") && all.contains("Filled"),
        "{all}"
    );

    // Ctrl-C: the engine stops cleanly and reports the run.
    let out = engine.interrupt().await;
    let summary = ok(&out);
    assert!(summary.contains("paper run: "), "{summary}");
    assert!(summary_fills(&summary) >= 1, "{summary}");
    let status = json(&config, &["status", "--json"]).await;
    assert_eq!(status["engine_running"], false, "{status}");
    assert_eq!(status["open_orders"], 0, "{status}");

    // The engine started following the token for the first order, and executed it only once
    // its book had arrived (not against an empty book).
    let journal = summary_journal(&summary);
    let kinds: Vec<String> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(line_kind)
        .collect();
    let first = |kind: &str| kinds.iter().position(|k| k == kind);
    let (market_added, book, operator) = (first("Market"), first("Book"), first("Operator"));
    assert!(
        market_added.is_some() && market_added < book && book.is_some() && book < operator,
        "market {market_added:?}, book {book:?}, operator {operator:?}"
    );
    let replayed = ok(&polybot(&config, &["replay", "--journal", journal.to_str().unwrap()]).await);
    assert!(replayed.contains("every checkpoint matches"), "{replayed}");
    fx.shutdown().await;
}

#[tokio::test]
async fn invalid_orders_name_the_flag_and_queue_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("polybot.toml");
    std::fs::write(
        &config,
        format!(
            "[storage]\ndata_dir = {:?}\n\n[polymarket]\nclob_url = \"http://127.0.0.1:9\"\nws_url = \"ws://127.0.0.1:9\"\n",
            dir.path().join("data").display().to_string()
        ),
    )
    .unwrap();
    let token = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
    let base = |side: &'static str, price: &'static str| {
        vec![
            "order", "place", "--token", token, "--side", side, "--price", price,
        ]
    };
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            [base("buy", "1.5"), vec!["--size", "10"]].concat(),
            "--price",
            "1.5",
        ),
        (
            [base("hold", "0.5"), vec!["--size", "10"]].concat(),
            "--side",
            "hold",
        ),
        (base("buy", "0.5"), "--size", "required"),
        (
            [
                base("buy", "0.5"),
                vec!["--size", "10", "--twap-slices", "3"],
            ]
            .concat(),
            "--twap-slices",
            "duration",
        ),
        (
            vec![
                "order", "place", "--token", "12abc", "--side", "buy", "--price", "0.5", "--size",
                "10",
            ],
            "--token",
            "12abc",
        ),
        (
            [base("buy", "0.5"), vec!["--size", "ten"]].concat(),
            "--size",
            "ten",
        ),
        (
            [
                base("buy", "0.5"),
                vec!["--size", "10", "--type", "market", "--tif", "gtc"],
            ]
            .concat(),
            "--tif",
            "limit orders only",
        ),
        (vec!["order", "cancel", "x7"], "order", "x7"),
    ];
    for (args, flag, detail) in cases {
        let err = failed(&polybot(&config, &args).await);
        assert!(
            err.contains(flag) && err.contains(detail),
            "{args:?}: expected {flag} and {detail} in: {err}"
        );
    }
    // Nothing reached the store (an engine would otherwise execute it later).
    assert!(!dir.path().join("data").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_trading_is_refused_without_all_three_gates() {
    let fx = fakex(0).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path(), &fx);

    // dry_run = true (the default) and no POLYBOT_LIVE: two gates missing, paper instead.
    let out = polybot(&config, &["run", "--live", "--duration", "2s"]).await;
    let text = ok(&out);
    let err = stderr(&out);
    assert!(err.contains("LIVE TRADING REFUSED"), "{err}");
    assert!(err.contains("execution.dry_run"), "{err}");
    assert!(err.contains("POLYBOT_LIVE"), "{err}");
    assert!(!err.contains("--live flag"), "{err}");
    assert!(text.contains("paper run: "), "{text}");

    // With POLYBOT_LIVE=true, the configuration alone still says no.
    let mut run_live = command(&config, &["run", "--live", "--duration", "1s"]);
    run_live.env("POLYBOT_LIVE", "true");
    let out = run(run_live).await;
    let text = ok(&out);
    let err = stderr(&out);
    assert!(
        err.contains("LIVE TRADING REFUSED") && err.contains("execution.dry_run"),
        "{err}"
    );
    assert!(!err.contains("POLYBOT_LIVE is not"), "{err}");
    assert!(text.contains("paper run: "), "{text}");
    assert_eq!(json(&config, &["status", "--json"]).await["mode"], "paper");
    fx.shutdown().await;
}
