//! The `polybot` binary.

mod cli;
mod commands;
mod context;
mod duration;
mod output;

use clap::Parser as _;

use crate::cli::{Cli, Command};
use crate::context::Context;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let ctx = Context::load(&cli)?;
    ctx.init_logging()?;
    match &cli.command {
        Command::Demo(args) => commands::demo::run(ctx, args).await,
        Command::Scan(args) => commands::scan::run(&ctx, args).await,
        Command::Market(args) => commands::market::run(&ctx, args).await,
        Command::Book(args) => commands::book::run(&ctx, args).await,
        Command::Fakex(args) => commands::fakex::run(args).await,
        Command::Config(command) => commands::config::run(&ctx, command),
        Command::Paper(args) => commands::engine::paper(&ctx, args).await,
        Command::Run(args) => commands::engine::run(&ctx, args).await,
        Command::Positions(args) => commands::portfolio::positions(&ctx, args).await,
        Command::Orders(args) => commands::portfolio::orders(&ctx, args).await,
        Command::Status(args) => commands::portfolio::status(&ctx, args).await,
        Command::Order(command) => commands::trading::run(&ctx, command).await,
        Command::Replay(args) => commands::replay::run(args),
    }
}
