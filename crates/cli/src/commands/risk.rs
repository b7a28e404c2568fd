//! `polybot halt|resume|cutoff|uncutoff`: risk commands for the engine. Like manual orders they
//! are queued in the store and enter the kernel as events, so they are journaled, replayed and
//! recorded in the decision log. A running engine applies them at its next tick; otherwise the
//! next engine start applies them before it trades.

use anyhow::{Result, bail};
use polybot_engine::kernel::RiskCommand;
use polybot_engine::operator::OperatorCommand;
use polybot_engine::{AccountId, Decision};
use polybot_runner::manual::{COMMAND_KIND, MANUAL_ACCOUNT};
use polybot_runner::{EngineLock, OperatorRequest};
use polybot_store::CommandStatus;

use crate::cli::{CutoffArgs, HaltArgs, RiskWaitArgs, UncutoffArgs};
use crate::context::Context;

pub async fn halt(ctx: &Context, args: &HaltArgs) -> Result<()> {
    if args.reason.trim().is_empty() {
        bail!("--reason must say why (it is recorded in the decision log)");
    }
    let reason = args.reason.trim().to_owned();
    submit(ctx, RiskCommand::Halt { reason }, &args.wait).await
}

pub async fn resume(ctx: &Context, args: &RiskWaitArgs) -> Result<()> {
    submit(ctx, RiskCommand::Resume, args).await
}

pub async fn cutoff(ctx: &Context, args: &CutoffArgs) -> Result<()> {
    let wallet = wallet(&args.wallet)?;
    if args.reason.trim().is_empty() {
        bail!("--reason must say why");
    }
    let reason = args.reason.trim().to_owned();
    submit(ctx, RiskCommand::Cutoff { wallet, reason }, &args.wait).await
}

pub async fn uncutoff(ctx: &Context, args: &UncutoffArgs) -> Result<()> {
    let wallet = wallet(&args.wallet)?;
    submit(ctx, RiskCommand::Uncutoff { wallet }, &args.wait).await
}

/// A wallet address as the Data API writes it: `0x` and 40 hex digits, lowercase.
fn wallet(text: &str) -> Result<String> {
    let t = text.trim();
    let hex = t.strip_prefix("0x").unwrap_or("");
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("--wallet {t:?} is not a 0x address of 40 hex digits");
    }
    Ok(t.to_ascii_lowercase())
}

async fn submit(ctx: &Context, command: RiskCommand, args: &RiskWaitArgs) -> Result<()> {
    let now = polybot_runner::now_ms();
    let request = OperatorRequest {
        account: AccountId::new(MANUAL_ACCOUNT),
        command: OperatorCommand::Risk(command),
        not_before_ms: now,
    };
    let store = ctx.store().await?;
    let id = store.enqueue_command(COMMAND_KIND, &request, now).await?;
    let data_dir = &ctx.config.storage.data_dir;
    if !EngineLock::is_held(data_dir)? {
        println!(
            "queued as command {id}: no engine is running on {}; the next one applies it before trading",
            data_dir.display()
        );
        return Ok(());
    }
    let deadline = tokio::time::Instant::now() + args.wait.max(std::time::Duration::from_secs(1));
    while tokio::time::Instant::now() < deadline {
        if let Some(done) = store.command(id).await?
            && done.status != CommandStatus::Pending
        {
            let decisions: Vec<Decision> =
                serde_json::from_str(done.result.as_deref().unwrap_or("[]")).unwrap_or_default();
            for decision in decisions {
                if let Decision::RiskState { event, detail } = decision {
                    println!("{event}: {detail}");
                }
            }
            if done.status == CommandStatus::Failed {
                bail!("command {id} was not applied");
            }
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    bail!("the engine has not taken command {id} yet; it stays queued")
}
