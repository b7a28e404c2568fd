//! `polybot demo`: the whole product on one machine. It starts the fake exchange (real markets
//! from recorded data when it has them), points the real clients at it, scans the markets, shows
//! the whales, and paper-trades by copying the leaderboard's wallets and by forecasting markets
//! with fakex's *simulated* LLM (research → ensemble → calibration → edge → risk), both through
//! the risk engine, with a live summary; the state it leaves is what `polybot status`,
//! `positions`, `decisions` and `costs` read.

mod forecasting;
mod summary;

use std::time::Duration;

use anyhow::{Context as _, Result};
use chrono::Utc;
use polybot_fakex::FakexHandle;
use polybot_runner::EngineOptions;
use polybot_scanner::scan;
use polybot_wallets::WatchedWallet;

use self::summary::Tally;
use crate::cli::{DemoArgs, FakexArgs, ListArgs, ScanArgs, TradersArgs, WhalesArgs};
use crate::commands::engine::launch;
use crate::commands::{fakex, portfolio, scan as scan_cmd, traders, whales};
use crate::context::Context;

/// Leaderboard wallets the demo follows.
const LEADERS: u32 = 6;

pub async fn run(mut ctx: Context, args: &DemoArgs) -> Result<()> {
    let fakex_args = FakexArgs {
        base_port: args.base_port,
        seed: 1,
        seed_dir: args.seed_dir.clone(),
        generated: args.generated,
        no_time_shift: false,
        sim_interval_ms: 200,
        events_per_tick: 20,
        latency_ms: 0,
        http_error_rate: 0.0,
        ws_disconnect_every: None,
        ws_stall_after: None,
        malformed_rate: 0.0,
    };
    let config = fakex::config_from_args(&fakex_args)?;
    let source = config.seed_dir.as_ref().map_or_else(
        || "generated markets".to_owned(),
        |d| format!("recorded data from {}", d.display()),
    );
    let exchange = fakex::start(config).await?;
    println!("== fake Polymarket started on 127.0.0.1 ({source})");
    // Everything below is the code that talks to the real Polymarket, pointed at the fake one.
    let endpoints = &mut ctx.config.polymarket;
    endpoints.clob_url = exchange.clob_url();
    endpoints.ws_url = exchange.ws_url();
    endpoints.gamma_url = exchange.gamma_url();
    endpoints.data_url = exchange.data_url();
    // The demo's own scratch directory, fresh each time (a halt or a position left by an earlier
    // demo would change what this one shows).
    let demo_dir = ctx.config.storage.data_dir.join("demo");
    if polybot_runner::EngineLock::is_held(&demo_dir)? {
        anyhow::bail!("a demo is already running on {}", demo_dir.display());
    }
    if demo_dir.exists() {
        std::fs::remove_dir_all(&demo_dir)
            .with_context(|| format!("cannot clear {}", demo_dir.display()))?;
    }
    ctx.config.storage.data_dir = demo_dir;
    ctx.config.websocket.stall_timeout_ms = 5_000;

    println!(
        "== scanning markets on Gamma ({})",
        ctx.config.polymarket.gamma_url
    );
    let filters = ctx.config.scanning.clone();
    let store = ctx.store().await?;
    let fetched = scan_cmd::discover(&ctx, &store, &filters).await?;
    let report = scan(&fetched.markets, &filters, Utc::now());
    scan_cmd::record(&store, &report).await?;
    store.close().await;
    let table_args = ScanArgs {
        limit: 10,
        json: false,
        min_volume: None,
        min_liquidity: None,
        max_spread: None,
        max_days: None,
        include_categories: Vec::new(),
        exclude_categories: Vec::new(),
        show_rejected: false,
    };
    scan_cmd::print_table(&report, fetched.skipped.len(), &table_args);
    run_engine(&mut ctx, &exchange, args).await?;
    exchange.shutdown().await;
    Ok(())
}

/// Points the engine at the fake exchange with copy trading on the leaderboard's wallets (over
/// the live activity stream and polling), shows the whales, runs paper trading for the demo's
/// duration with a live summary, and ends with positions and traders.
async fn run_engine(ctx: &mut Context, exchange: &FakexHandle, args: &DemoArgs) -> Result<()> {
    let watch = demo_wallets(ctx, exchange).await?;
    println!(
        "\n== following {} wallets: fakex's simulated skilled traders and scalpers, and the leaderboard's top {LEADERS}",
        watch.len()
    );
    let wallets = &mut ctx.config.wallets;
    wallets.watch = watch;
    wallets.rtds_url = Some(exchange.rtds_url());
    // The simulated traders start with no history: score them after a few trades.
    wallets.score_min_trades = 5;
    let copy = &mut ctx.config.copy;
    copy.enabled = true;
    copy.score_refresh_secs = 30;
    ctx.config.execution.tick_interval_ms = 250;
    forecasting::configure(&mut ctx.config, exchange);
    // Fills and halts are summarised below; the console channel keeps to warnings.
    ctx.config.alerts.console.min_severity = polybot_alerts::Severity::Warning;

    println!("\n== whales: the leaderboard's top wallets and where they agree");
    let whales_args = WhalesArgs {
        wallets: Vec::new(),
        top: None,
        json: false,
    };
    if let Err(e) = whales::run(ctx, &whales_args).await {
        println!("whale scan failed: {e:#}");
    }

    println!(
        "\n== paper trading for {}s: copying the top {LEADERS} wallets through the risk engine",
        args.duration.as_secs()
    );
    println!("{}", forecasting::banner(exchange));
    let store = ctx.store().await?;
    let options = EngineOptions {
        duration: Some(args.duration),
        idle_exit: None,
    };
    let started = tokio::time::Instant::now();
    let mut tally = Tally::new(&ctx.config);
    let summary = async {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        every.tick().await;
        loop {
            every.tick().await;
            tally.update(&store).await;
            println!("{}", tally.line(started.elapsed().as_secs()));
            println!("{}", tally.forecast.line());
        }
    };
    let ran = tokio::select! {
        ran = launch(ctx, false, &options, None) => ran,
        () = summary => unreachable!("the summary loops until the engine stops"),
    };
    ran?;
    tally.update(&store).await;
    println!("{}", tally.line(started.elapsed().as_secs()));
    println!("{}", tally.forecast.line());
    if let Err(e) = forecasting::report(&store, exchange).await {
        println!("forecasts: {e:#}");
    }
    store.close().await;

    println!("\n== positions");
    portfolio::positions(ctx, &ListArgs { json: false }).await?;
    println!("\n== traders: scores, and whether they can be copied");
    let traders_args = TradersArgs {
        top: Some(0),
        json: false,
    };
    if let Err(e) = traders::run(ctx, &traders_args).await {
        println!("traders: {e:#}");
    }
    let dir = ctx.config.storage.data_dir.display();
    println!(
        "\n== done. The demo's state is in {dir}; inspect it with\n   \
         polybot --data-dir {dir} status | positions | orders --all | decisions --verify | costs"
    );
    Ok(())
}

/// The wallets the demo copies: fakex's simulated skilled traders (who trade towards the
/// simulator's fair value) and scalpers (whom the scorer should refuse), labelled as such, and
/// the leaderboard's top wallets.
async fn demo_wallets(ctx: &Context, exchange: &FakexHandle) -> Result<Vec<WatchedWallet>> {
    let styles = exchange.exchange().wallet_styles();
    let labelled = |addresses: &[String], what: &str| -> Vec<WatchedWallet> {
        addresses
            .iter()
            .enumerate()
            .map(|(i, a)| WatchedWallet {
                address: a.to_ascii_lowercase(),
                label: Some(format!("simulated {what} #{}", i + 1)),
            })
            .collect()
    };
    let mut watch = labelled(&styles.skilled, "skilled");
    watch.extend(labelled(&styles.scalpers, "scalper"));
    let api = whales::data_api(ctx)?;
    for c in whales::leaderboard(ctx, &api, LEADERS).await? {
        let address = c.wallet.to_string().to_ascii_lowercase();
        if watch.iter().all(|w| w.address != address) {
            watch.push(WatchedWallet {
                address,
                label: c.user_name,
            });
        }
    }
    Ok(watch)
}
