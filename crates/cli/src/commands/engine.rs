//! `polybot paper` and `polybot run [--live]`: the engine on this data directory.

use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};
use polybot_runner::gates::live_banner;
use polybot_runner::manual::COMMAND_KIND;
use polybot_runner::{Engine, EngineOptions, Gates, LiveDecision, RunSummary, Script};

use crate::cli::{LiveRunArgs, RunArgs};
use crate::context::Context;

pub async fn paper(ctx: &Context, args: &RunArgs) -> Result<()> {
    let summary = launch(ctx, false, &options(args), args.script.as_deref()).await?;
    print_summary(&summary);
    Ok(())
}

pub async fn run(ctx: &Context, args: &LiveRunArgs) -> Result<()> {
    let summary = launch(
        ctx,
        args.live,
        &options(&args.run),
        args.run.script.as_deref(),
    )
    .await?;
    print_summary(&summary);
    Ok(())
}

fn options(args: &RunArgs) -> EngineOptions {
    EngineOptions {
        duration: args.duration,
        idle_exit: None,
    }
}

/// Opens the engine (failing if one already runs here), queues the script, decides paper or
/// live from the three gates, and runs until the options or Ctrl-C stop it.
pub async fn launch(
    ctx: &Context,
    live_flag: bool,
    options: &EngineOptions,
    script: Option<&Path>,
) -> Result<RunSummary> {
    let data_dir = &ctx.config.storage.data_dir;
    let engine = Engine::open(&ctx.config)
        .await
        .context("cannot start the engine")?
        .ok_or_else(|| {
            anyhow!(
                "an engine is already running on {} (see `polybot status`); send it orders with `polybot order place`",
                data_dir.display()
            )
        })?;
    if let Some(path) = script {
        queue_script(ctx, &engine, path).await?;
    }
    let env_live = std::env::var("POLYBOT_LIVE").ok();
    match Gates::new(ctx.config.execution.dry_run, env_live.as_deref(), live_flag).decide() {
        LiveDecision::Live => {
            let signer = polybot_runner::signer::live_signer(&ctx.config, &ctx.secrets()?)
                .await
                .context("cannot set up live trading")?;
            let delay = ctx.config.execution.confirm_delay_secs;
            eprintln!(
                "{}",
                live_banner(
                    &ctx.config.polymarket.clob_url,
                    &signer.maker().to_string(),
                    delay
                )
            );
            tokio::select! {
                () = tokio::time::sleep(std::time::Duration::from_secs(delay)) => {}
                _ = tokio::signal::ctrl_c() => bail!("live trading aborted before it started"),
            }
            engine
                .run_live(signer, options, ctrl_c())
                .await
                .context("the engine stopped with an error")
        }
        LiveDecision::Paper { missing } => {
            if live_flag {
                eprintln!("{}", "!".repeat(72));
                eprintln!("!!  LIVE TRADING REFUSED — running on PAPER. Missing gates:");
                for gate in &missing {
                    eprintln!("!!   - {gate}");
                }
                eprintln!("{}", "!".repeat(72));
            } else {
                eprintln!(
                    "paper trading on {} (simulated fills against live books); Ctrl-C stops",
                    ctx.config.polymarket.clob_url
                );
            }
            engine
                .run_paper(options, ctrl_c())
                .await
                .context("the engine stopped with an error")
        }
    }
}

async fn ctrl_c() {
    let _ = tokio::signal::ctrl_c().await;
}

/// Queues a script's steps once per data directory (keyed by the file's content), so that
/// restarting the same command after a crash does not place its orders twice.
async fn queue_script(ctx: &Context, engine: &Engine, path: &Path) -> Result<()> {
    let script = Script::load(path).map_err(|e| anyhow!(e))?;
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let key = format!("script.{:016x}", fnv(&text));
    let store = engine.store();
    if store.kv_get::<i64>(&key).await?.is_some() {
        eprintln!(
            "script {} was queued before on this data directory; not queued again",
            path.display()
        );
        return Ok(());
    }
    let now = polybot_runner::now_ms();
    let requests = script
        .requests(now, ctx.config.execution.order_ttl_secs)
        .map_err(|errors| {
            anyhow!(
                "invalid script {}:\n  {}",
                path.display(),
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n  ")
            )
        })?;
    for request in &requests {
        store.enqueue_command(COMMAND_KIND, request, now).await?;
    }
    store.kv_set(&key, &now).await?;
    eprintln!(
        "queued {} scripted step(s) from {}",
        requests.len(),
        path.display()
    );
    Ok(())
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn print_summary(summary: &RunSummary) {
    println!(
        "{} run: {} events, {} decisions, {} fills; fingerprint {}",
        summary.mode, summary.events, summary.decisions, summary.fills, summary.fingerprint
    );
    println!("journal: {}", summary.journal.display());
    for (account, equity) in &summary.equity {
        println!("  {account}: equity {equity}");
    }
}
