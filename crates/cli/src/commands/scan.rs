//! `polybot scan`: discover markets on Gamma, apply the scanning filters, classify and score.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};
use chrono::Utc;
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use polybot_polymarket::{GammaFetch, GammaQuery};
use polybot_scanner::{ScanFilters, ScanReport, scan};
use polybot_store::Store;
use serde::Serialize;

use crate::cli::ScanArgs;
use crate::context::Context;
use crate::output::{money, truncate};

pub async fn run(ctx: &Context, args: &ScanArgs) -> Result<()> {
    let filters = filters(&ctx.config.scanning, args)?;
    let store = ctx.store().await?;
    let fetched = discover(ctx, &store, &filters).await?;
    let report = scan(&fetched.markets, &filters, Utc::now());
    record(&store, &report).await?;
    store.close().await;
    if args.json {
        print_json(&report, fetched.skipped.len(), args.limit)
    } else {
        print_table(&report, fetched.skipped.len(), args);
        Ok(())
    }
}

/// Open markets from Gamma, most traded first, saved to the store.
pub async fn discover(ctx: &Context, store: &Store, filters: &ScanFilters) -> Result<GammaFetch> {
    let polymarket = ctx.connector()?;
    let query = GammaQuery {
        closed: Some(false),
        order: Some("volumeNum".into()),
        ascending: Some(false),
        ..GammaQuery::default()
    };
    let fetched = polymarket
        .gamma_markets(&query, filters.batch_size, filters.max_markets as usize)
        .await
        .with_context(|| {
            format!(
                "cannot list markets from Gamma at {}",
                ctx.config.polymarket.gamma_url
            )
        })?;
    store
        .upsert_markets(&fetched.markets)
        .await
        .context("cannot save the scanned markets")?;
    Ok(fetched)
}

/// Remembers when the last scan ran and what it found.
pub async fn record(store: &Store, report: &ScanReport<'_>) -> Result<()> {
    let last = LastScan {
        at: Utc::now().to_rfc3339(),
        scanned: report.scanned,
        accepted: report.accepted.len(),
    };
    store
        .kv_set("scan.last", &last)
        .await
        .context("cannot record the scan")?;
    Ok(())
}

#[derive(Serialize, serde::Deserialize)]
struct LastScan {
    at: String,
    scanned: usize,
    accepted: usize,
}

/// The configured filters with the command line's overrides, validated again.
fn filters(configured: &ScanFilters, args: &ScanArgs) -> Result<ScanFilters> {
    let mut f = configured.clone();
    if let Some(v) = args.min_volume {
        f.min_volume_usd = v;
    }
    if let Some(v) = args.min_liquidity {
        f.min_liquidity_usd = v;
    }
    if let Some(v) = args.max_spread {
        f.max_spread = v;
    }
    if let Some(v) = args.max_days {
        f.max_days_to_expiry = v;
    }
    if !args.include_categories.is_empty() {
        f.include_categories = args
            .include_categories
            .iter()
            .map(|c| c.to_ascii_uppercase())
            .collect();
    }
    if !args.exclude_categories.is_empty() {
        f.exclude_categories = args
            .exclude_categories
            .iter()
            .map(|c| c.to_ascii_uppercase())
            .collect();
    }
    if let Err(errors) = f.validate() {
        let lines: Vec<String> = errors.iter().map(|e| format!("  scanning.{e}")).collect();
        anyhow::bail!("invalid scan filters:\n{}", lines.join("\n"));
    }
    Ok(f)
}

#[derive(Serialize)]
struct JsonReport<'a> {
    scanned: usize,
    skipped_unparseable: usize,
    accepted_total: usize,
    rejected_total: usize,
    reject_counts: &'a BTreeMap<polybot_scanner::RejectReason, usize>,
    markets: &'a [polybot_scanner::ScannedMarket<'a>],
}

fn print_json(report: &ScanReport<'_>, skipped: usize, limit: usize) -> Result<()> {
    let shown = &report.accepted[..limit.min(report.accepted.len())];
    let out = JsonReport {
        scanned: report.scanned,
        skipped_unparseable: skipped,
        accepted_total: report.accepted.len(),
        rejected_total: report.rejected.len(),
        reject_counts: &report.counts,
        markets: shown,
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

pub fn print_table(report: &ScanReport<'_>, skipped: usize, args: &ScanArgs) {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_header([
        "#",
        "score",
        "type",
        "question",
        "volume $",
        "liquidity $",
        "bid",
        "ask",
        "spread",
        "days",
        "slug",
    ]);
    for (i, m) in report.accepted.iter().take(args.limit).enumerate() {
        let market = m.market;
        let quote = |q: Option<polybot_model::Probability>| {
            q.map_or_else(|| "-".to_owned(), |p| format!("{:.3}", p.as_f64()))
        };
        table.add_row(vec![
            Cell::new(i + 1).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.1}", m.score.total)).set_alignment(CellAlignment::Right),
            Cell::new(m.category.as_str()),
            Cell::new(truncate(&market.question, 56)),
            Cell::new(money(market.volume)).set_alignment(CellAlignment::Right),
            Cell::new(money(market.liquidity)).set_alignment(CellAlignment::Right),
            Cell::new(quote(market.best_bid)).set_alignment(CellAlignment::Right),
            Cell::new(quote(market.best_ask)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.3}", m.spread)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.0}", m.days_to_expiry)).set_alignment(CellAlignment::Right),
            Cell::new(truncate(&market.slug, 40)),
        ]);
    }
    println!("{table}");
    println!(
        "{} markets scanned, {} passed the filters (showing {}), {} rejected{}",
        report.scanned,
        report.accepted.len(),
        report.accepted.len().min(args.limit),
        report.rejected.len(),
        if skipped > 0 {
            format!(", {skipped} unparseable records skipped")
        } else {
            String::new()
        }
    );
    let counts: Vec<String> = report
        .counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(r, n)| format!("{}={n}", r.code()))
        .collect();
    if !counts.is_empty() {
        println!("rejections: {}", counts.join(" "));
    }
    if args.show_rejected {
        for r in &report.rejected {
            let codes: Vec<&str> = r.reasons.iter().map(|x| x.code()).collect();
            println!("  {:<60} {}", truncate(r.question, 60), codes.join(","));
        }
    }
}
