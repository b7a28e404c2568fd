//! `polybot book <token-id>`: the live top of book of one token, from the market WebSocket.

use anyhow::{Context as _, Result};
use polybot_model::TokenId;
use polybot_polymarket::{MarketEvent, MarketStream};
use tokio::sync::broadcast::error::RecvError;

use crate::cli::BookArgs;
use crate::context::Context;

pub async fn run(ctx: &Context, args: &BookArgs) -> Result<()> {
    let token = TokenId::parse(&args.token_id)
        .with_context(|| format!("`{}` is not a token id", args.token_id))?;
    let polymarket = ctx.connector()?;
    let tick = polymarket
        .tick_size(token)
        .await
        .with_context(|| format!("cannot get the tick size of token {token}"))?;
    let stream = MarketStream::start(
        &ctx.config.polymarket.ws_url,
        &ctx.config.websocket,
        &[(token, tick)],
    );
    let mut events = stream.subscribe();
    eprintln!(
        "streaming token {token} from {} (Ctrl-C to stop)",
        ctx.config.polymarket.ws_url
    );
    let deadline = args.duration.map(|d| tokio::time::Instant::now() + d);
    loop {
        let next = async {
            match deadline {
                Some(at) => tokio::time::timeout_at(at, events.recv()).await.ok(),
                None => Some(events.recv().await),
            }
        };
        tokio::select! {
            received = next => match received {
                None => break,
                Some(Ok(event)) => print_event(&event),
                Some(Err(RecvError::Lagged(n))) => eprintln!("(display fell behind; skipped {n} updates)"),
                Some(Err(RecvError::Closed)) => break,
            },
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    let stats = stream.stats();
    eprintln!(
        "{} messages, {} snapshots, {} level updates, {} trades, {} resyncs, {} reconnects",
        stats.messages,
        stats.books.snapshots,
        stats.books.level_updates,
        stats.books.trades,
        stats.books.desyncs,
        stats.reconnects + stats.stalls
    );
    Ok(())
}

fn print_event(event: &MarketEvent) {
    let time = chrono::Utc::now().format("%H:%M:%S%.3f");
    match event {
        MarketEvent::Top {
            best_bid,
            best_ask,
            snapshot,
            ..
        } => {
            let bid = best_bid.map_or_else(
                || format!("{:>22}", "-"),
                |l| format!("{:>12} @ {:<8}", l.size.to_string(), l.price.to_string()),
            );
            let ask = best_ask.map_or_else(
                || "-".into(),
                |l| format!("{:<8} x {:<12}", l.price.to_string(), l.size.to_string()),
            );
            let spread = match (best_bid, best_ask) {
                (Some(b), Some(a)) => format!("spread {:.4}", a.price.as_f64() - b.price.as_f64()),
                _ => String::new(),
            };
            println!(
                "{time}  bid {bid} | ask {ask}  {spread}{}",
                if *snapshot { "  [snapshot]" } else { "" }
            );
        }
        MarketEvent::Trade(t) => {
            let side = t.side.map_or("?", |s| s.as_str());
            println!("{time}  trade {side} {} @ {}", t.size, t.price);
        }
        MarketEvent::TickSize { new, .. } => {
            println!("{time}  tick size now {new}; rebuilding the book")
        }
        MarketEvent::Desynced { reason, .. } => {
            println!("{time}  book out of sync ({}); resyncing", reason.code())
        }
        MarketEvent::Resolved { winning_token, .. } => {
            println!("{time}  market resolved; winner token {winning_token}")
        }
        // Not published to this command (it starts the stream with `Publish::Top`).
        MarketEvent::BestBidAsk { .. } | MarketEvent::Book { .. } | MarketEvent::Level { .. } => {}
    }
}
