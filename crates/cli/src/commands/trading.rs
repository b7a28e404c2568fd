//! `polybot order place|cancel`: manual trading through the engine's own checks. The order is
//! queued in the store; a running engine picks it up at its next tick, and without one an
//! engine is started for the order (paper unless the three live gates agree) and runs for
//! `--wait` after it, to collect acknowledgements and fills.

use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use polybot_engine::operator::OperatorCommand;
use polybot_engine::{AccountId, Decision};
use polybot_runner::manual::{COMMAND_KIND, MANUAL_ACCOUNT, parse_client_id};
use polybot_runner::{EngineLock, EngineOptions, OperatorRequest, OrderSpec};
use polybot_store::{CommandStatus, Store};

use crate::cli::{CancelArgs, OneShotArgs, OrderCommand, PlaceArgs};
use crate::commands::engine::launch;
use crate::context::Context;

pub async fn run(ctx: &Context, command: &OrderCommand) -> Result<()> {
    let now = polybot_runner::now_ms();
    let (command, engine) = match command {
        OrderCommand::Place(args) => (place_command(ctx, args, now)?, &args.engine),
        OrderCommand::Cancel(args) => (cancel_command(args)?, &args.engine),
    };
    let request = OperatorRequest {
        account: AccountId::new(MANUAL_ACCOUNT),
        command,
        not_before_ms: now,
    };
    submit(ctx, &request, engine).await
}

fn place_command(ctx: &Context, args: &PlaceArgs, now: i64) -> Result<OperatorCommand> {
    let spec = OrderSpec {
        token: args.token.clone(),
        side: args.side.clone(),
        price: args.price.clone(),
        size: args.size.clone(),
        usdc: args.usdc.clone(),
        kind: args.kind.clone(),
        tif: args.tif.clone(),
        ttl_secs: args.ttl,
        post_only: args.post_only,
        twap_slices: args.twap_slices,
        twap_secs: args.twap_secs,
        iceberg_display: args.iceberg_display.clone(),
    };
    spec.command(now, ctx.config.execution.order_ttl_secs)
        .map_err(|errors| {
            anyhow!(
                "invalid order:\n  {}",
                errors
                    .iter()
                    .map(|e| format!("--{}", e.to_string().replace('_', "-")))
                    .collect::<Vec<_>>()
                    .join("\n  ")
            )
        })
}

fn cancel_command(args: &CancelArgs) -> Result<OperatorCommand> {
    match (&args.id, args.all) {
        (_, true) => Ok(OperatorCommand::CancelAll { token: None }),
        (Some(id), false) => Ok(OperatorCommand::Cancel {
            client_id: parse_client_id(id).map_err(|e| anyhow!("{e}"))?,
        }),
        (None, false) => bail!("give an order id (c12) or --all"),
    }
}

async fn submit(ctx: &Context, request: &OperatorRequest, args: &OneShotArgs) -> Result<()> {
    let data_dir = &ctx.config.storage.data_dir;
    let store = ctx.store().await?;
    let id = store
        .enqueue_command(COMMAND_KIND, request, polybot_runner::now_ms())
        .await?;
    if EngineLock::is_held(data_dir)? {
        eprintln!(
            "queued as command {id} for the engine running on {}",
            data_dir.display()
        );
        let deadline = tokio::time::Instant::now() + args.wait.max(Duration::from_secs(1));
        while tokio::time::Instant::now() < deadline {
            if report(&store, id).await? {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the engine has not taken command {id} yet; it stays queued (see `polybot orders`)");
    }
    eprintln!(
        "no engine running on {}: starting one for this order",
        data_dir.display()
    );
    let options = EngineOptions {
        duration: None,
        idle_exit: Some(args.wait),
    };
    launch(ctx, args.live, &options, None).await?;
    if !report(&store, id).await? {
        bail!("command {id} was not executed (see the log above); it stays queued");
    }
    Ok(())
}

/// Prints a finished command's outcome; false while it is pending.
async fn report(store: &Store, id: i64) -> Result<bool> {
    let Some(command) = store.command(id).await? else {
        bail!("command {id} disappeared from the store");
    };
    let result = command.result.clone().unwrap_or_default();
    let decisions: Vec<Decision> = serde_json::from_str(&result).unwrap_or_default();
    match command.status {
        CommandStatus::Pending => return Ok(false),
        CommandStatus::Failed if decisions.is_empty() => bail!("command {id} failed: {result}"),
        _ => {}
    }
    for decision in &decisions {
        println!("{}", describe(decision));
    }
    if command.status == CommandStatus::Failed {
        bail!("command {id} was refused");
    }
    for decision in &decisions {
        if let Decision::Placed { order, .. } = decision
            && let Some(now) = store.order(order.client_id).await?
        {
            println!(
                "{}: {:?}, filled {}",
                order.client_id, now.state, now.filled
            );
        }
    }
    Ok(true)
}

fn describe(decision: &Decision) -> String {
    match decision {
        Decision::Placed { order, .. } => format!(
            "placed {}: {:?} {:?} @ {} {:?}{}",
            order.client_id,
            order.side,
            order.quantity,
            order.price,
            order.time_in_force,
            if order.post_only { " post-only" } else { "" }
        ),
        Decision::Refused { code, .. } => format!("refused: {code}"),
        Decision::CancelRefused { client_id, code } => {
            format!("cancel of {client_id} refused: {code}")
        }
        Decision::OperatorRefused { code, .. } => format!("refused: {code}"),
        Decision::CancelSent { client_id } => format!("cancel sent for {client_id}"),
        Decision::AlgoStarted { id, kind, .. } => format!("{kind} {id} started"),
        Decision::AlgoDone { id, code } => format!("algo {id} finished: {code}"),
        Decision::Filled {
            client_id,
            side,
            price,
            size,
            fee,
            ..
        } => format!("filled {client_id}: {side:?} {size} @ {price}, fee {fee}"),
        other => format!("{other:?}"),
    }
}
