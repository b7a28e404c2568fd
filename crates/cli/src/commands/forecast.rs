//! `polybot research --market ID` and `polybot forecast --market ID`: one market through the
//! forecasting pipeline, printing every stage (or the whole report as JSON), recorded in the
//! store like the engine's forecasts so that `polybot costs` and calibration see them.

use anyhow::{Context as _, Result};
use polybot_forecast::Source;
use polybot_forecast::pipeline::PipelineReport;
use polybot_model::{Market, OrderBook};
use polybot_runner::forecasting::{ForecastService, RiskStage, risk_stage, signal};
use serde::Serialize;

use crate::cli::{ForecastArgs, ResearchArgs};
use crate::context::Context;

mod print;

const OFFLINE_BANNER: &str = "OFFLINE placeholder forecaster: no LLM provider key is configured. \
                              This is NOT a forecast of skill (it echoes the market price).";

pub async fn research(ctx: &Context, args: &ResearchArgs) -> Result<()> {
    let (market, books) = market_and_books(ctx, &args.market).await?;
    let service = service(ctx).await?;
    let (report, note) = service
        .research(&market, &books, polybot_runner::now_ms())
        .await
        .context("research failed")?;
    let Some(report) = report else {
        anyhow::bail!("no research for this market: {note}");
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print::research(&report);
    }
    Ok(())
}

#[derive(Serialize)]
struct ForecastOutput<'a> {
    forecast_id: i64,
    offline: bool,
    report: &'a PipelineReport,
    risk: &'a RiskStage,
    decision: String,
}

pub async fn forecast(ctx: &Context, args: &ForecastArgs) -> Result<()> {
    let (market, books) = market_and_books(ctx, &args.market).await?;
    let service = service(ctx).await?;
    let now = polybot_runner::now_ms();
    let recorded = service
        .forecast(&market, &books, now)
        .await
        .context("the forecast failed")?;
    let report = &recorded.report;
    let signal = signal(&market, report, Some(recorded.id))?;
    let risk = risk_stage(&ctx.config, &market, &books, &signal, now)?;
    let decision = print::decision(&market, &risk);
    let offline = report.source == Source::Offline;
    if args.json {
        let out = ForecastOutput {
            forecast_id: recorded.id,
            offline,
            report,
            risk: &risk,
            decision,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    if offline {
        println!("{OFFLINE_BANNER}\n");
    }
    print::header(report);
    match &report.research {
        Some(r) => print::research(r),
        None => println!("RESEARCH   skipped: {}", report.research_note),
    }
    print::forecast(report, ctx.config.forecast.show_market_price);
    print::calibration(report, ctx.config.forecast.calibration.min_samples_refit);
    print::edge(report);
    print::risk(&risk);
    println!("DECISION   {decision}");
    println!(
        "\nRecorded as forecast #{} in {}; this run cost ${}.",
        recorded.id,
        ctx.config.storage.sqlite_url(),
        report.cost_usd.round_dp(6).normalize()
    );
    if offline {
        println!("\n{OFFLINE_BANNER}");
    }
    Ok(())
}

async fn service(ctx: &Context) -> Result<ForecastService> {
    let store = ctx.store().await?;
    ForecastService::new(&ctx.config, store).context("cannot set up forecasting")
}

/// The market by condition id or slug, and its tokens' books (none for a closed market).
async fn market_and_books(ctx: &Context, key: &str) -> Result<(Market, Vec<OrderBook>)> {
    let polymarket = ctx.connector()?;
    let market = super::market::find(&polymarket, key).await?;
    if market.outcomes.len() != 2 {
        anyhow::bail!(
            "market `{key}` has {} outcomes; forecasting handles binary markets",
            market.outcomes.len()
        );
    }
    let tokens: Vec<_> = market.outcomes.iter().map(|o| o.token_id).collect();
    let books = if market.is_tradable() {
        polymarket
            .books(&tokens)
            .await
            .context("cannot fetch the order books")?
    } else {
        Vec::new()
    };
    Ok((market, books))
}
