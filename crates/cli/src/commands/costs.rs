//! `polybot costs`: what the LLM and search calls cost, per provider, model and purpose, from the
//! store (every call is recorded with its tokens and its price when it was made).

use std::str::FromStr as _;

use anyhow::{Context as _, Result};
use comfy_table::Table;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::cli::CostsArgs;
use crate::context::Context;

#[derive(Serialize)]
struct Line {
    provider: String,
    model: String,
    purpose: String,
    requests: u64,
    prompt_tokens: u64,
    completion_tokens: u64,
    usd: Decimal,
    /// The configured price per 1M prompt and completion tokens now (LLM providers).
    input_usd_per_mtok: Option<Decimal>,
    output_usd_per_mtok: Option<Decimal>,
}

#[derive(Serialize)]
struct Report {
    since_ms: Option<i64>,
    lines: Vec<Line>,
    total_usd: Decimal,
    total_requests: u64,
    total_tokens: u64,
}

pub async fn run(ctx: &Context, args: &CostsArgs) -> Result<()> {
    let store = ctx.store().await?;
    let since_ms = args
        .since
        .map(|d| polybot_runner::now_ms() - i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let totals = store
        .usage_totals(since_ms.unwrap_or(i64::MIN))
        .await
        .context("cannot read the recorded usage")?;
    let mut lines = Vec::with_capacity(totals.len());
    for t in totals {
        let mut usd = Decimal::ZERO;
        for cost in &t.costs_usd {
            let c = Decimal::from_str(cost).with_context(|| {
                format!("corrupt cost `{cost}` recorded for provider {}", t.provider)
            })?;
            usd = usd.saturating_add(c);
        }
        let prices = ctx
            .config
            .forecast
            .providers
            .iter()
            .find(|p| p.name == t.provider);
        lines.push(Line {
            input_usd_per_mtok: prices.map(|p| p.input_usd_per_mtok),
            output_usd_per_mtok: prices.map(|p| p.output_usd_per_mtok),
            provider: t.provider,
            model: t.model,
            purpose: t.purpose,
            requests: t.requests,
            prompt_tokens: t.prompt_tokens,
            completion_tokens: t.completion_tokens,
            usd,
        });
    }
    let report = Report {
        since_ms,
        total_usd: lines
            .iter()
            .fold(Decimal::ZERO, |a, l| a.saturating_add(l.usd)),
        total_requests: lines.iter().map(|l| l.requests).sum(),
        total_tokens: lines
            .iter()
            .map(|l| l.prompt_tokens + l.completion_tokens)
            .sum(),
        lines,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print(&report, args);
    }
    Ok(())
}

fn print(report: &Report, args: &CostsArgs) {
    let period = args.since.map_or_else(
        || "all recorded calls".to_owned(),
        |d| format!("the last {}", humanize(d)),
    );
    if report.lines.is_empty() {
        println!("No LLM or search calls recorded ({period}).");
        return;
    }
    let mut table = Table::new();
    table.set_header([
        "provider",
        "model",
        "purpose",
        "requests",
        "prompt tok",
        "completion tok",
        "USD",
        "price in/out per 1M",
    ]);
    for l in &report.lines {
        let prices = match (l.input_usd_per_mtok, l.output_usd_per_mtok) {
            (Some(i), Some(o)) => format!("${i} / ${o}"),
            _ => "-".to_owned(),
        };
        table.add_row([
            l.provider.clone(),
            l.model.clone(),
            l.purpose.clone(),
            l.requests.to_string(),
            l.prompt_tokens.to_string(),
            l.completion_tokens.to_string(),
            format!("${}", l.usd.round_dp(6).normalize()),
            prices,
        ]);
    }
    println!("API usage and cost ({period}):");
    println!("{table}");
    println!(
        "Total: ${} over {} requests, {} tokens.",
        report.total_usd.round_dp(6).normalize(),
        report.total_requests,
        report.total_tokens
    );
}

fn humanize(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s % 86_400 == 0 && s > 0 => format!("{} d", s / 86_400),
        s if s % 3_600 == 0 && s > 0 => format!("{} h", s / 3_600),
        s if s % 60 == 0 && s > 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}
