//! `polybot market <condition-id|slug>`: one market, its books and its recent prices.

use anyhow::{Context as _, Result, bail};
use polybot_model::{ConditionId, Market, OrderBook};
use polybot_polymarket::{HistorySpan, Polymarket};
use serde::Serialize;

use crate::cli::MarketArgs;
use crate::context::Context;
use crate::output::money;

#[derive(Serialize)]
struct MarketView<'a> {
    market: &'a Market,
    books: &'a [OrderBook],
    /// `(unix seconds, price of the first outcome)` over the last day.
    history: &'a [(i64, polybot_model::Probability)],
}

pub async fn run(ctx: &Context, args: &MarketArgs) -> Result<()> {
    let polymarket = ctx.connector()?;
    let market = find(&polymarket, &args.market).await?;
    let tokens: Vec<_> = market.outcomes.iter().map(|o| o.token_id).collect();
    let books = if market.is_tradable() {
        polymarket
            .books(&tokens)
            .await
            .context("cannot fetch the order books")?
    } else {
        Vec::new()
    };
    let history = polymarket
        .price_history(market.yes().token_id, HistorySpan::LastDay, Some(60))
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "no price history");
            Vec::new()
        });
    if args.json {
        let view = MarketView {
            market: &market,
            books: &books,
            history: &history,
        };
        println!("{}", serde_json::to_string_pretty(&view)?);
        return Ok(());
    }
    print_market(&market);
    for book in &books {
        let name = market
            .outcome_of(book.token_id())
            .map_or("?", |(_, o)| o.name.as_str());
        print_book(name, book, args.depth);
    }
    print_history(&market, &history);
    Ok(())
}

pub async fn find(polymarket: &Polymarket, key: &str) -> Result<Market> {
    let found = if key.starts_with("0x") {
        let id =
            ConditionId::parse(key).with_context(|| format!("`{key}` is not a condition id"))?;
        polymarket.market_by_condition(id).await
    } else {
        polymarket.market_by_slug(key).await
    };
    match found.with_context(|| format!("cannot look up market `{key}`"))? {
        Some(m) => Ok(m),
        None => bail!("no market with condition id or slug `{key}`"),
    }
}

fn print_market(m: &Market) {
    println!("{}", m.question);
    println!("  slug         {}", m.slug);
    println!("  condition    {}", m.condition_id);
    if let Some(event) = &m.event_title {
        println!(
            "  event        {event}{}",
            if m.neg_risk { " (neg-risk)" } else { "" }
        );
    }
    let classified = polybot_scanner::classify_market(m);
    match &m.category {
        Some(venue) => println!("  category     {classified} (venue: {venue})"),
        None => println!("  category     {classified} (classified from the question)"),
    }
    println!(
        "  status       {:?}{}",
        m.status,
        if m.accepting_orders {
            ", accepting orders"
        } else {
            ""
        }
    );
    println!(
        "  ends         {}",
        m.end_date.map_or_else(|| "-".into(), |d| d.to_rfc3339())
    );
    println!(
        "  tick / min   {} / {} shares, taker fee {} bps",
        m.tick_size, m.min_order_size, m.taker_fee_bps
    );
    println!(
        "  volume       ${} (24h ${}), liquidity ${}",
        money(m.volume),
        money(m.volume_24h),
        money(m.liquidity)
    );
    for o in &m.outcomes {
        let price = o.price.map_or_else(|| "-".into(), |p| p.to_string());
        println!(
            "  outcome      {:<10} {:>8}  token {}",
            o.name, price, o.token_id
        );
    }
}

fn print_book(name: &str, book: &OrderBook, depth: usize) {
    println!();
    let spread = book
        .spread()
        .map_or_else(|| "-".into(), |s| format!("{s:.4}"));
    let mid = book.mid().map_or_else(|| "-".into(), |m| format!("{m:.4}"));
    println!(
        "  book {name}: mid {mid}, spread {spread}, microprice {}",
        book.microprice()
            .map_or_else(|| "-".into(), |m| format!("{m:.4}"))
    );
    println!(
        "  {:>12} {:>8} | {:<8} {:<12}",
        "bid size", "bid", "ask", "ask size"
    );
    let mut bids = book.bids_best_first();
    let mut asks = book.asks_best_first();
    for _ in 0..depth {
        let (b, a) = (bids.next(), asks.next());
        if b.is_none() && a.is_none() {
            break;
        }
        let left = b.map_or_else(
            || format!("{:>12} {:>8}", "", ""),
            |l| format!("{:>12} {:>8}", l.size.to_string(), l.price.to_string()),
        );
        let right = a.map_or_else(String::new, |l| {
            format!("{:<8} {:<12}", l.price.to_string(), l.size.to_string())
        });
        println!("  {left} | {right}");
    }
}

fn print_history(m: &Market, history: &[(i64, polybot_model::Probability)]) {
    println!();
    if history.is_empty() {
        println!("  no price history for {}", m.yes().name);
        return;
    }
    let prices: Vec<f64> = history.iter().map(|(_, p)| p.as_f64()).collect();
    let (lo, hi) = prices
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(*p), hi.max(*p)));
    println!(
        "  {} over the last day: {} points, first {:.4}, last {:.4}, low {lo:.4}, high {hi:.4}",
        m.yes().name,
        history.len(),
        prices[0],
        prices[prices.len() - 1]
    );
    println!("  {}", sparkline(&prices, 60));
}

/// A one-line chart of `values`, resampled to at most `width` characters.
fn sparkline(values: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let (lo, hi) = values
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(*p), hi.max(*p)));
    let span = (hi - lo).max(1e-9);
    let step = values.len().div_ceil(width.max(1)).max(1);
    values
        .chunks(step)
        .map(|c| {
            let v = c.iter().sum::<f64>() / c.len() as f64;
            BARS[(((v - lo) / span) * 7.0).round().clamp(0.0, 7.0) as usize]
        })
        .collect()
}
