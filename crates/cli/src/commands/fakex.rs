//! `polybot fakex`: the fake Polymarket on 127.0.0.1, for the demo, tests and offline work.

use anyhow::{Context as _, Result};
use polybot_fakex::{FakexConfig, FakexHandle, Faults};

use crate::cli::FakexArgs;

/// The fake exchange's configuration from the command line.
pub fn config_from_args(args: &FakexArgs) -> Result<FakexConfig> {
    for (name, rate) in [
        ("--http-error-rate", args.http_error_rate),
        ("--malformed-rate", args.malformed_rate),
    ] {
        anyhow::ensure!(
            rate.is_finite() && (0.0..=1.0).contains(&rate),
            "{name} must be in [0, 1], got {rate}"
        );
    }
    let seed_dir = if args.generated {
        None
    } else {
        args.seed_dir
            .clone()
            .or_else(polybot_fakex::default_seed_dir)
    };
    if let Some(dir) = &seed_dir {
        anyhow::ensure!(
            dir.is_dir(),
            "--seed-dir {} is not a directory",
            dir.display()
        );
    }
    Ok(FakexConfig {
        base_port: args.base_port,
        seed: args.seed,
        seed_dir,
        time_shift: !args.no_time_shift,
        sim_interval_ms: args.sim_interval_ms,
        events_per_tick: args.events_per_tick,
        faults: Faults {
            latency_ms: args.latency_ms,
            http_error_rate: args.http_error_rate,
            ws_disconnect_every_secs: args.ws_disconnect_every,
            ws_stall_after_secs: args.ws_stall_after,
            malformed_rate: args.malformed_rate,
        },
        ..FakexConfig::default()
    })
}

pub async fn start(config: FakexConfig) -> Result<FakexHandle> {
    let port = config.base_port;
    polybot_fakex::start(config)
        .await
        .with_context(|| format!("cannot start the fake exchange on base port {port}"))
}

pub async fn run(args: &FakexArgs) -> Result<()> {
    let config = config_from_args(args)?;
    let source = config.seed_dir.as_ref().map_or_else(
        || "generated markets".to_owned(),
        |d| format!("recorded data in {}", d.display()),
    );
    let handle = start(config).await?;
    println!("fakex is running ({source})");
    println!("  CLOB REST  {}", handle.clob_url());
    println!("  CLOB WS    {}/ws/market", handle.ws_url());
    println!("  Gamma      {}", handle.gamma_url());
    println!("  Data API   {}", handle.data_url());
    println!("  RTDS       {}", handle.rtds_url());
    println!(
        "  AI (simulated: chat completions, search, pages)  {}",
        handle.ai_url()
    );
    println!(
        "{} tokens with books. Point polybot at it with --config config/fake.toml. Ctrl-C stops.",
        handle.exchange().token_ids().len()
    );
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    handle.shutdown().await;
    Ok(())
}
