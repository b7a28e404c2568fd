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
            eprintln!("error: {}", error_chain(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The error and its causes joined by ": ", skipping a cause whose message its parent already
/// printed: our library errors name their source in their own message (so a log line is
/// complete on its own) and also expose it as `source()`, which `{:#}` would print twice.
fn error_chain(error: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in error.chain() {
        let message = cause.to_string();
        if out.ends_with(&message) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&message);
    }
    out
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
        Command::Decisions(args) => commands::decisions::run(&ctx, args).await,
        Command::Halt(args) => commands::risk::halt(&ctx, args).await,
        Command::Resume(args) => commands::risk::resume(&ctx, args).await,
        Command::Cutoff(args) => commands::risk::cutoff(&ctx, args).await,
        Command::Uncutoff(args) => commands::risk::uncutoff(&ctx, args).await,
        Command::Whales(args) => commands::whales::run(&ctx, args).await,
        Command::Traders(args) => commands::traders::run(&ctx, args).await,
        Command::Research(args) => commands::forecast::research(&ctx, args).await,
        Command::Forecast(args) => commands::forecast::forecast(&ctx, args).await,
        Command::Costs(args) => commands::costs::run(&ctx, args).await,
    }
}

#[cfg(test)]
mod tests {
    use super::error_chain;

    /// Shaped like our library errors: the source in the message and as `source()`.
    #[derive(Debug)]
    struct Wrapping {
        source: std::io::Error,
    }

    impl std::fmt::Display for Wrapping {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "journal x.jsonl: {}", self.source)
        }
    }

    impl std::error::Error for Wrapping {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    #[test]
    fn a_cause_already_in_its_parents_message_is_printed_once() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
        let e = anyhow::Error::new(Wrapping { source: io }).context("cannot start the engine");
        assert_eq!(
            error_chain(&e),
            "cannot start the engine: journal x.jsonl: permission denied"
        );
    }

    #[test]
    fn distinct_causes_are_all_printed() {
        let e = anyhow::anyhow!("inner").context("middle").context("outer");
        assert_eq!(error_chain(&e), "outer: middle: inner");
    }
}
