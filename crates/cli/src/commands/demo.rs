//! `polybot demo`: the whole market-data path end to end on one machine. It starts the fake
//! exchange, points the real connector at it, scans, and streams the best markets' books live.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Result;
use chrono::Utc;
use polybot_model::{Market, TokenId};
use polybot_polymarket::{MarketEvent, MarketStream};
use polybot_scanner::scan;
use tokio::sync::broadcast::error::RecvError;

use crate::cli::{DemoArgs, FakexArgs, ScanArgs};
use crate::commands::{fakex, scan as scan_cmd};
use crate::context::Context;
use crate::output::truncate;

/// Markets whose books the demo streams.
const STREAMED_MARKETS: usize = 5;

pub async fn run(mut ctx: Context, args: &DemoArgs) -> Result<()> {
    let fakex_args = FakexArgs {
        base_port: args.base_port,
        seed: 1,
        seed_dir: args.seed_dir.clone(),
        generated: false,
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
    ctx.config.storage.data_dir = ctx.config.storage.data_dir.join("demo");
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
    let chosen: Vec<&Market> = report
        .accepted
        .iter()
        .take(STREAMED_MARKETS)
        .map(|m| m.market)
        .collect();
    if chosen.is_empty() {
        println!("no market passed the filters; nothing to stream");
        exchange.shutdown().await;
        return Ok(());
    }
    stream_books(&ctx, &chosen, args.duration).await;
    exchange.shutdown().await;
    println!(
        "== done. State is in {}",
        ctx.config.storage.data_dir.display()
    );
    Ok(())
}

/// Live view of the first outcome's book of each market, refreshed every two seconds.
async fn stream_books(ctx: &Context, markets: &[&Market], duration: Duration) {
    let tokens: Vec<(TokenId, polybot_model::TickSize)> = markets
        .iter()
        .map(|m| (m.yes().token_id, m.tick_size))
        .collect();
    println!(
        "\n== streaming {} books from {} for {}s",
        tokens.len(),
        ctx.config.polymarket.ws_url,
        duration.as_secs()
    );
    let stream = MarketStream::start(
        &ctx.config.polymarket.ws_url,
        &ctx.config.websocket,
        &tokens,
    );
    let mut events = stream.subscribe();
    let mut trades: HashMap<TokenId, u64> = HashMap::new();
    let deadline = tokio::time::Instant::now() + duration;
    let mut refresh = tokio::time::interval(Duration::from_secs(2));
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => break,
            _ = tokio::signal::ctrl_c() => break,
            _ = refresh.tick() => print_books(&stream, markets, &trades),
            received = events.recv() => match received {
                Ok(MarketEvent::Trade(t)) => *trades.entry(t.token_id).or_default() += 1,
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
        }
    }
    let s = stream.stats();
    println!(
        "stream: {} messages, {} snapshots, {} level updates, {} trades, {} resyncs, {} connections",
        s.messages,
        s.books.snapshots,
        s.books.level_updates,
        s.books.trades,
        s.books.desyncs,
        s.connections
    );
}

fn print_books(stream: &MarketStream, markets: &[&Market], trades: &HashMap<TokenId, u64>) {
    println!("{}", Utc::now().format("%H:%M:%S"));
    for m in markets {
        let token = m.yes().token_id;
        let line = match stream.book(token) {
            Some((book, true)) => {
                let bid = book
                    .best_bid()
                    .map_or_else(|| "-".into(), |l| format!("{} x {}", l.price, l.size));
                let ask = book
                    .best_ask()
                    .map_or_else(|| "-".into(), |l| format!("{} x {}", l.price, l.size));
                let mid = book.mid().map_or_else(|| "-".into(), |v| format!("{v:.4}"));
                format!(
                    "bid {bid:<20} ask {ask:<20} mid {mid:<7} trades {}",
                    trades.get(&token).copied().unwrap_or(0)
                )
            }
            Some((_, false)) => "syncing…".into(),
            None => "-".into(),
        };
        println!("  {:<50} {line}", truncate(&m.question, 50));
    }
}
