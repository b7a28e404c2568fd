//! Copy-trading latency: a leader's trade appearing at fakex → our copy acknowledged by fakex.
//!
//! `cargo bench -p polybot-runner --bench copy_latency` (no criterion: one timed run, under two
//! minutes). `COPY_LATENCY_ITERATIONS` (default 50) and `COPY_LATENCY_POLL_ITERATIONS`
//! (default 40) set the number of timed copies per mode; `COPY_LATENCY_MODE=stream` (or
//! `poll-only`) runs one mode only.
//!
//! Set-up, per mode: fakex in-process on loopback with its simulator frozen (books move only
//! when we trade), and the engine in LIVE mode against it (`Engine::run_live`, a random test key:
//! every order is signed, verified and matched by fakex). One wallet is watched; before the
//! start it gets a history of profitable round trips (on another token, days old, so the
//! tracker only remembers them) from which the scorer rates it, so the copy strategy sees an
//! edge. The engine follows one token with a deep two-sided book near 0.5 (`execution.tokens`).
//! The `[risk]` caps are widened through the config struct only, so fifty small copies can pile
//! up in one market (see `config`).
//!
//! Each iteration injects a BUY for the leader at the token's current best ask
//! (`Exchange::inject_wallet_trade`: on the tape, and pushed on the RTDS stream) and waits until
//! fakex holds a trade of our API key on that token. The latency is fakex's own match time
//! (`Trade::matched_at`, a monotonic `Instant`) minus the injection instant, so the sampling of
//! fakex's state adds nothing. It covers detection (RTDS push or Data API poll), the engine's
//! event loop, the copy strategy and the risk gate, the store commit, signing and the POST; our
//! FAK order is acknowledged in the same call that matches it. The store's `Placed` decision
//! (stamped when the engine took the leader trade in) splits it into "detect" and "act".
//!
//! Modes: `stream` (RTDS configured; polling stays on as the fallback, as in production) and
//! `poll-only` (`poll_interval_ms = 2000`). In poll-only mode each injection waits a random
//! part of the poll interval first, so injections fall uniformly in the poll cycle. After the
//! stream mode's timed copies, a few leader trades on tokens the engine does not follow yet
//! (`cold`) time the path that adds the market first. An iteration that sees no copy within its
//! timeout counts as a miss (shown as `miss` where a percentile lands on one).

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use alloy::signers::Signer as _;
use alloy::signers::local::PrivateKeySigner;
use polybot_config::Config;
use polybot_engine::journal;
use polybot_engine::{Decision, Event};
use polybot_fakex::{FakexConfig, FakexHandle, InjectedTrade};
use polybot_model::{OrderBook, Side, Size, TokenId, Usdc};
use polybot_polymarket::signing::{OrderSigner, Wallet};
use polybot_runner::{Engine, EngineOptions, now_ms};
use polybot_store::Store;
use polybot_wallets::WatchedWallet;
use polymarket_client_sdk_v2::POLYGON;
use polymarket_client_sdk_v2::clob::{Client, Config as ClobConfig};
use tokio::sync::oneshot;

const LEADER: &str = "0x1eade70000000000000000000000000000c0ffee";
const POLL_INTERVAL_MS: u64 = 2_000;
/// The aim: p99 under this with the stream, under one poll interval plus this without it.
const AIM_MS: u64 = 300;
/// Past this an iteration is a miss: one poll interval plus three seconds, so a trade the
/// stream missed and the poller caught still counts (as a slow one).
const ITERATION_TIMEOUT: Duration = Duration::from_millis(POLL_INTERVAL_MS + 3_000);
/// After a copy, time for fakex's book change to reach the engine before the next injection.
const SETTLE: Duration = Duration::from_millis(200);
const COLD_TOKENS: usize = 8;

#[derive(Clone, Copy)]
struct Mode {
    name: &'static str,
    stream: bool,
    iterations: usize,
    /// Wait a random part of the poll interval before each injection.
    random_phase: bool,
    cold: bool,
}

/// One timed copy.
#[derive(Clone, Copy)]
struct Sample {
    token: TokenId,
    /// Our wall clock at the injection (ms), to find the engine's decision.
    inject_ms: i64,
    /// Injection → fakex's match of our order; `None`: no copy within the timeout.
    latency: Option<Duration>,
}

struct ModeReport {
    name: &'static str,
    token: Option<TokenId>,
    warmup: Option<Duration>,
    samples: Vec<Sample>,
    /// Injection → the engine took the leader trade in (its `Placed` decision's stamp), ms.
    detect_ms: Vec<i64>,
    cold: Vec<Sample>,
    /// Per cold copy, from the journal (ms clock): injection → the engine took the leader
    /// trade in and added the market; → the market's first book; → the clock tick released the
    /// leader trade to the kernel.
    cold_stages: Vec<Option<[i64; 3]>>,
    decisions: BTreeMap<String, usize>,
    error: Option<String>,
    elapsed: Duration,
}

fn main() {
    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|n| *n > 0)
            .unwrap_or(default)
    };
    let only = std::env::var("COPY_LATENCY_MODE").ok();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let started = Instant::now();
    let modes = [
        Mode {
            name: "stream",
            stream: true,
            iterations: env("COPY_LATENCY_ITERATIONS", 50),
            random_phase: false,
            cold: true,
        },
        // Each poll-only copy takes a poll interval on average (half waiting for the random
        // phase, half for the poll): 40 keep the whole run under two minutes.
        Mode {
            name: "poll-only",
            stream: false,
            iterations: env("COPY_LATENCY_POLL_ITERATIONS", 40),
            random_phase: true,
            cold: false,
        },
    ];
    let modes = modes
        .into_iter()
        .filter(|m| only.as_deref().is_none_or(|o| o == m.name));
    let mut reports = Vec::new();
    for mode in modes {
        let report = runtime.block_on(run_mode(mode));
        print_report(&report);
        reports.push(report);
    }
    print_summary(&reports, started.elapsed());
}

/// One mode, end to end: fakex, the leader's history, the live engine, the timed copies.
async fn run_mode(mode: Mode) -> ModeReport {
    let started = Instant::now();
    let mut report = ModeReport {
        name: mode.name,
        token: None,
        warmup: None,
        samples: Vec::new(),
        detect_ms: Vec::new(),
        cold: Vec::new(),
        cold_stages: Vec::new(),
        decisions: BTreeMap::new(),
        error: None,
        elapsed: Duration::ZERO,
    };
    if let Err(e) = drive(mode, &mut report).await {
        report.error = Some(e);
    }
    report.elapsed = started.elapsed();
    report
}

async fn drive(mode: Mode, report: &mut ModeReport) -> Result<(), String> {
    let fx = polybot_fakex::start(FakexConfig {
        base_port: 0,
        seed: 7,
        seed_dir: None,
        generated_markets: 12,
        sim_interval_ms: 0,
        starting_cash_usdc: 10_000,
        ..FakexConfig::default()
    })
    .await
    .map_err(|e| format!("fakex: {e}"))?;
    let books = deep_books(&fx);
    let Some((token, book)) = books.first().cloned() else {
        return Err("fakex has no deep two-sided book near 0.5".into());
    };
    report.token = Some(token);
    describe_book(mode.name, token, &book);
    let history_token = fx
        .exchange()
        .token_ids()
        .into_iter()
        .find(|t| books.iter().all(|(b, _)| b != t))
        .unwrap_or(token);
    inject_history(&fx, history_token)?;

    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let config = config(&fx, dir.path(), token, mode.stream);
    config.validate().map_err(|e| format!("config: {e}"))?;
    let key = PrivateKeySigner::random().with_chain_id(Some(POLYGON));
    let (signer, api_key) = signer_for(&fx, &key).await?;
    let engine = Engine::open(&config)
        .await
        .map_err(|e| format!("engine: {e}"))?
        .ok_or("the data directory is locked")?;
    // The engine's future is not `Send` (its strategies are not): it runs on this task, beside
    // the measurement, as the CLI runs it on its main task.
    let (stop, stopped) = oneshot::channel::<()>();
    let options = EngineOptions::default();
    let (outcome, measured) = {
        let engine_run = engine.run_live(signer, &options, async {
            let _ = stopped.await;
        });
        let measure_run = async {
            let measured = measure(&fx, &api_key, mode, token, &books[1..], report).await;
            let _ = stop.send(());
            measured
        };
        tokio::pin!(engine_run, measure_run);
        tokio::select! {
            outcome = &mut engine_run => {
                (outcome, Err("the engine stopped before the measurement ended".to_owned()))
            }
            measured = &mut measure_run => (engine_run.await, measured),
        }
    };
    let decisions = read_decisions(&config).await;
    fx.shutdown().await;
    for (_, decision) in &decisions {
        *report.decisions.entry(label(decision)).or_default() += 1;
    }
    report.detect_ms = detect_times(&report.samples, &decisions);
    report.cold_stages = cold_stages(&report.cold, &read_journal(&config));
    measured?;
    outcome
        .map(|_| ())
        .map_err(|e| format!("the engine stopped with an error: {e}"))
}

/// Waits for the engine's streams, warms up (the scorer's first pass, connections), then runs
/// the timed copies and, if asked, the cold-market ones.
async fn measure(
    fx: &FakexHandle,
    api_key: &str,
    mode: Mode,
    token: TokenId,
    others: &[(TokenId, OrderBook)],
    report: &mut ModeReport,
) -> Result<(), String> {
    let ex = fx.exchange();
    let ready = wait_until(Duration::from_secs(15), || {
        ex.ws_connection_count() > 0 && (!mode.stream || ex.activity_subscription_count() > 0)
    })
    .await;
    if !ready {
        return Err("the engine's market stream (or RTDS subscription) never connected".into());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Warm-up: until one copy goes through (the leader is scored in the background at start,
    // and the tracker's first poll only remembers history).
    let warm_deadline = Instant::now() + Duration::from_secs(25);
    while report.warmup.is_none() && Instant::now() < warm_deadline {
        report.warmup = copy_once(fx, api_key, token).await.latency;
        tokio::time::sleep(SETTLE).await;
    }
    if report.warmup.is_none() {
        return Err("no copy went through during the warm-up".into());
    }
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut missed_in_a_row = 0;
    for _ in 0..mode.iterations {
        if missed_in_a_row == 5 {
            return Err("five copies in a row missed: the rest of this mode is skipped".into());
        }
        if mode.random_phase {
            let phase = rng.next() % POLL_INTERVAL_MS;
            tokio::time::sleep(Duration::from_millis(phase)).await;
        }
        let sample = copy_once(fx, api_key, token).await;
        report.samples.push(sample);
        missed_in_a_row = if sample.latency.is_some() {
            0
        } else {
            missed_in_a_row + 1
        };
        // A miss may still be copied late: let it land before the next injection.
        let pause = if sample.latency.is_some() {
            SETTLE
        } else {
            Duration::from_secs(3)
        };
        tokio::time::sleep(pause).await;
    }
    if mode.cold {
        // A random phase against the engine's clock tick, which releases leader trades
        // waiting for a new market's first book.
        let tick_ms = polybot_config::ExecutionConfig::default().tick_interval_ms;
        for (cold, _) in others.iter().take(COLD_TOKENS) {
            let phase = rng.next() % tick_ms.max(1);
            tokio::time::sleep(Duration::from_millis(300 + phase)).await;
            let sample = copy_once(fx, api_key, *cold).await;
            report.cold.push(sample);
        }
    }
    Ok(())
}

/// Injects one leader BUY at `token`'s best ask and waits for our copy's match at fakex.
async fn copy_once(fx: &FakexHandle, api_key: &str, token: TokenId) -> Sample {
    let ex = fx.exchange();
    let ask = ex.book(token).and_then(|b| b.best_ask());
    let inject_ms = now_ms();
    let Some(ask) = ask else {
        return Sample {
            token,
            inject_ms,
            latency: None,
        };
    };
    let before: HashSet<String> = our_trades(fx, api_key, token)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let t0 = Instant::now();
    ex.inject_wallet_trade(&InjectedTrade {
        wallet: LEADER.into(),
        token,
        side: Side::Buy,
        size: 40.0,
        price: ask.price.as_f64(),
        timestamp_s: inject_ms / 1000,
        taker: true,
    });
    let deadline = t0 + ITERATION_TIMEOUT;
    loop {
        let matched = our_trades(fx, api_key, token)
            .into_iter()
            .filter(|(id, _)| !before.contains(id))
            .map(|(_, at)| at)
            .min();
        if let Some(at) = matched {
            return Sample {
                token,
                inject_ms,
                latency: Some(at.saturating_duration_since(t0)),
            };
        }
        if Instant::now() >= deadline {
            return Sample {
                token,
                inject_ms,
                latency: None,
            };
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Our API key's trades on `token` at fakex: id and match instant.
fn our_trades(fx: &FakexHandle, api_key: &str, token: TokenId) -> Vec<(String, Instant)> {
    fx.exchange()
        .account(api_key)
        .trades
        .into_iter()
        .filter(|t| t.token == token)
        .map(|t| (t.id, t.matched_at))
        .collect()
}

/// Books with both sides near 0.5 and a tight spread, deepest asks (near the touch) first.
fn deep_books(fx: &FakexHandle) -> Vec<(TokenId, OrderBook)> {
    let ex = fx.exchange();
    let mut books: Vec<(TokenId, OrderBook, u64)> = ex
        .token_ids()
        .into_iter()
        .filter_map(|t| ex.book(t).map(|b| (t, b)))
        .filter_map(|(t, b)| {
            let (bid, ask) = (b.best_bid()?.price.micros(), b.best_ask()?.price.micros());
            let near = (250_000..=750_000).contains(&bid) && (250_000..=750_000).contains(&ask);
            let depth: u64 = b
                .asks()
                .iter()
                .filter(|l| l.price.micros() <= ask + 30_000)
                .map(|l| l.size.micros() / 1_000_000)
                .sum();
            (near && ask - bid <= 40_000 && depth >= 300).then_some((t, b, depth))
        })
        .collect();
    books.sort_by_key(|(_, b, depth)| {
        let mid = b.best_bid().map_or(0, |l| l.price.micros())
            + b.best_ask().map_or(0, |l| l.price.micros());
        (mid.abs_diff(1_000_000) / 20_000, std::cmp::Reverse(*depth))
    });
    books.into_iter().map(|(t, b, _)| (t, b)).collect()
}

fn describe_book(mode: &str, token: TokenId, book: &OrderBook) {
    let side = |levels: &[polybot_model::Level]| {
        let shares: f64 = levels.iter().take(5).map(|l| l.size.as_f64()).sum();
        format!("{} levels, {shares:.0} shares in the top 5", levels.len())
    };
    let text = token.to_string();
    eprintln!(
        "[{mode}] token …{}: bid {} / ask {} (tick {}); bids {}; asks {}",
        &text[text.len().saturating_sub(8)..],
        book.best_bid()
            .map_or_else(String::new, |l| l.price.to_string()),
        book.best_ask()
            .map_or_else(String::new, |l| l.price.to_string()),
        book.tick_size(),
        side(book.bids()),
        side(book.asks()),
    );
}

/// Twenty-five profitable round trips over the last ten days (buy 100 at 0.40, sell at 0.60
/// two hours later), so the scorer rates the leader about 0.72: an edge of about 9 points.
fn inject_history(fx: &FakexHandle, token: TokenId) -> Result<(), String> {
    let now_s = now_ms() / 1000;
    for i in 0..25 {
        let bought = now_s - 10 * 86_400 + i * 8 * 3_600;
        for (side, price, at) in [
            (Side::Buy, 0.40, bought),
            (Side::Sell, 0.60, bought + 7_200),
        ] {
            fx.exchange()
                .inject_wallet_trade(&InjectedTrade {
                    wallet: LEADER.into(),
                    token,
                    side,
                    size: 100.0,
                    price,
                    timestamp_s: at,
                    taker: true,
                })
                .ok_or("fakex refused the leader's history")?;
        }
    }
    Ok(())
}

/// Production defaults, except: live against fakex, copy on with one watched wallet, and the
/// `[risk]` caps widened so fifty $5 copies fit in one market.
fn config(fx: &FakexHandle, dir: &std::path::Path, token: TokenId, stream: bool) -> Config {
    let mut c = Config::default();
    c.storage.data_dir = dir.to_path_buf();
    c.polymarket.clob_url = fx.clob_url();
    c.polymarket.ws_url = fx.ws_url();
    c.polymarket.gamma_url = fx.gamma_url();
    c.polymarket.data_url = fx.data_url();
    c.execution.dry_run = false;
    c.execution.tokens = vec![token.to_string()];
    c.wallets.watch = vec![WatchedWallet {
        address: LEADER.into(),
        label: Some("bench-leader".into()),
    }];
    c.wallets.poll_interval_ms = POLL_INTERVAL_MS;
    c.wallets.rtds_url = stream.then(|| fx.rtds_url());
    c.alerts.console.enabled = false;
    c.copy.enabled = true;
    c.copy.min_trader_score = 0.0;
    let r = &mut c.risk;
    r.min_liquidity = Usdc::dollars(100);
    // The frozen simulator sends no book updates: the book's age would grow past the default.
    r.max_book_age_ms = 0;
    // $5 a copy (0.5% of the copy account's $1,000) …
    r.max_copy_fraction = 0.005;
    // … and room for all of them in one market.
    r.max_stake_per_market = Usdc::dollars(5_000);
    r.max_market_exposure_pct = 0.9;
    r.max_event_exposure_pct = 0.9;
    r.max_category_exposure_pct = 0.9;
    r.category_limits.clear();
    r.max_global_exposure_pct = 0.9;
    r.max_correlated_positions = 50;
    r.inventory_limit_shares = Size::shares(100_000);
    r.breaker_adverse_fills = 0;
    c
}

async fn signer_for(
    fx: &FakexHandle,
    key: &PrivateKeySigner,
) -> Result<(OrderSigner<PrivateKeySigner>, String), String> {
    let client = Client::new(&fx.clob_url(), ClobConfig::default())
        .map_err(|e| e.to_string())?
        .authentication_builder(key)
        .authenticate()
        .await
        .map_err(|e| format!("API key from fakex: {e}"))?;
    let credentials = client.credentials().clone();
    let api_key = credentials.key().to_string();
    let signer = OrderSigner::new(&fx.clob_url(), key.clone(), Wallet::Eoa, credentials)
        .await
        .map_err(|e| format!("order signer: {e}"))?;
    Ok((signer, api_key))
}

async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while !done() {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

async fn read_decisions(config: &Config) -> Vec<(i64, Decision)> {
    let Ok(store) = Store::open(&config.storage.sqlite_url()).await else {
        return Vec::new();
    };
    let records = store.decisions(0, 1_000_000).await.unwrap_or_default();
    store.close().await;
    records.into_iter().map(|r| (r.ts, r.decision)).collect()
}

fn read_journal(config: &Config) -> Vec<Event> {
    let dir = config.storage.data_dir.join("journal");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| journal::read(&e.ok()?.path()).ok())
        .flatten()
        .collect()
}

/// The stages of each cold copy (`None` for a miss), from the events the engine journaled.
fn cold_stages(samples: &[Sample], events: &[Event]) -> Vec<Option<[i64; 3]>> {
    samples
        .iter()
        .map(|s| {
            let after = |ts: i64| ts >= s.inject_ms;
            let added = events.iter().find_map(|e| match e {
                Event::Market { market, ts } if market.token == s.token && after(*ts) => Some(*ts),
                _ => None,
            })?;
            let book = events.iter().find_map(|e| match e {
                Event::Book {
                    token, bids, ts, ..
                } if *token == s.token && *ts >= added && !bids.is_empty() => Some(*ts),
                _ => None,
            })?;
            let released = events.iter().find_map(|e| match e {
                Event::LeaderTrade { trade, ts } if trade.token == s.token && after(*ts) => {
                    Some(*ts)
                }
                _ => None,
            })?;
            Some([added - s.inject_ms, book - added, released - book])
        })
        .collect()
}

/// For each timed copy, injection → the stamp of the copy's `Placed` decision.
fn detect_times(samples: &[Sample], decisions: &[(i64, Decision)]) -> Vec<i64> {
    let placed: Vec<i64> = decisions
        .iter()
        .filter(|(_, d)| matches!(d, Decision::Placed { reason, .. } if reason == "copy"))
        .map(|(ts, _)| *ts)
        .collect();
    samples
        .iter()
        .filter(|s| s.latency.is_some())
        .filter_map(|s| {
            let window = s.inject_ms..s.inject_ms + 1 + ITERATION_TIMEOUT.as_millis() as i64;
            placed
                .iter()
                .find(|ts| window.contains(ts))
                .map(|ts| ts - s.inject_ms)
        })
        .collect()
}

/// A decision's kind, with its code for refusals and skips.
fn label(decision: &Decision) -> String {
    match decision {
        Decision::Placed { reason, .. } => format!("placed:{reason}"),
        Decision::Refused { code, .. } => format!("refused:{code}"),
        Decision::Rejected { reason, .. } => format!("rejected:{reason}"),
        Decision::RiskRejected { codes, .. } => format!("risk_rejected:{}", codes.join("+")),
        Decision::Skipped { code, .. } => format!("skipped:{code}"),
        Decision::Anomaly { .. } => "anomaly".into(),
        other => {
            let text = format!("{other:?}");
            text.split([' ', '{', '(']).next().unwrap_or("?").to_owned()
        }
    }
}

/// Nearest-rank percentile; misses sort last (`None`).
fn percentile(sorted: &[Option<Duration>], q: f64) -> Option<Option<Duration>> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    Some(sorted[rank - 1])
}

fn sorted(samples: &[Sample]) -> Vec<Option<Duration>> {
    let mut v: Vec<Option<Duration>> = samples.iter().map(|s| s.latency).collect();
    v.sort_by_key(|d| d.unwrap_or(Duration::MAX));
    v
}

fn ms(d: Option<Option<Duration>>) -> String {
    match d {
        None => "-".into(),
        Some(None) => "miss".into(),
        Some(Some(d)) => format!("{:.1} ms", d.as_secs_f64() * 1e3),
    }
}

fn print_report(r: &ModeReport) {
    eprintln!("\n== {} ({:.1} s)", r.name, r.elapsed.as_secs_f64());
    if let Some(e) = &r.error {
        eprintln!("   ERROR: {e}");
    }
    eprintln!(
        "   warm-up copy: {}",
        ms(Some(r.warmup)).replace("miss", "none")
    );
    let s = sorted(&r.samples);
    let misses = s.iter().filter(|d| d.is_none()).count();
    eprintln!(
        "   {} copies timed, {misses} missed (timeout {} ms): p50 {}  p90 {}  p99 {}  max {}",
        s.len(),
        ITERATION_TIMEOUT.as_millis(),
        ms(percentile(&s, 0.50)),
        ms(percentile(&s, 0.90)),
        ms(percentile(&s, 0.99)),
        ms(percentile(&s, 1.0)),
    );
    if !r.detect_ms.is_empty() {
        let mut d = r.detect_ms.clone();
        d.sort_unstable();
        let at = |q: f64| d[((q * d.len() as f64).ceil() as usize).clamp(1, d.len()) - 1];
        eprintln!(
            "   of which injection → engine took the leader trade in (ms clock): p50 {} ms  p99 {} ms  max {} ms ({} matched)",
            at(0.5),
            at(0.99),
            at(1.0),
            d.len()
        );
    }
    if !r.cold.is_empty() {
        eprintln!(
            "   cold markets (a leader trade on a token the engine does not follow yet), in order:"
        );
        for (i, sample) in r.cold.iter().enumerate() {
            let stages = r.cold_stages.get(i).copied().flatten().map_or_else(String::new, |[added, book, released]| {
                format!(
                    "  (injection → engine took it in and added the market {added} ms → first book, after fetching the market and subscribing its book, +{book} ms → released on the clock tick +{released} ms)"
                )
            });
            eprintln!("     {}{stages}", ms(Some(sample.latency)));
        }
    }
    let kinds: Vec<String> = r
        .decisions
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    eprintln!("   decisions: {}", kinds.join(", "));
}

fn print_summary(reports: &[ModeReport], elapsed: Duration) {
    println!();
    println!(
        "copy latency: leader trade at fakex → our copy matched at fakex (live engine, loopback)"
    );
    println!(
        "{:<10} {:>5} {:>6} {:>10} {:>10} {:>10} {:>10}  aim",
        "mode", "n", "misses", "p50", "p90", "p99", "max"
    );
    for r in reports {
        let s = sorted(&r.samples);
        let misses = s.iter().filter(|d| d.is_none()).count();
        let limit = if r.name == "stream" {
            Duration::from_millis(AIM_MS)
        } else {
            Duration::from_millis(POLL_INTERVAL_MS + AIM_MS)
        };
        let p99 = percentile(&s, 0.99);
        let verdict = match p99 {
            Some(Some(d)) if d < limit => "met",
            None => "no data",
            _ => "MISSED",
        };
        println!(
            "{:<10} {:>5} {:>6} {:>10} {:>10} {:>10} {:>10}  p99 < {} ms: {verdict}",
            r.name,
            s.len(),
            misses,
            ms(percentile(&s, 0.50)),
            ms(percentile(&s, 0.90)),
            p99.map_or_else(|| "-".into(), |d| ms(Some(d))),
            ms(percentile(&s, 1.0)),
            limit.as_millis(),
        );
    }
    println!("total {:.1} s", elapsed.as_secs_f64());
}

/// A small deterministic generator for the poll phases.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
