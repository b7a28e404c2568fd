//! `polybot decisions`: the decision log — every stage's decisions with their market and reason
//! codes, from the store — and `--verify`, which checks its hash chain in the store and in
//! `<data_dir>/decisions.jsonl`.

use anyhow::{Context as _, Result, bail};
use comfy_table::Table;
use polybot_engine::Decision;
use polybot_engine::orders::Quantity;
use polybot_model::{ConditionId, TokenId};
use polybot_runner::EngineLock;
use polybot_runner::decision_log::{self, FileReport};
use polybot_store::{ChainReport, Store};
use serde_json::json;

use crate::cli::DecisionsArgs;
use crate::context::Context;
use crate::output::truncate;

pub async fn run(ctx: &Context, args: &DecisionsArgs) -> Result<()> {
    let store = ctx.store().await?;
    if args.verify {
        return verify(ctx, &store, args.json).await;
    }
    let market = args.market.as_deref().map(normalize_market);
    let records = match args.after {
        Some(after) => {
            store
                .decisions_filtered(args.stage, market.as_deref(), after, args.limit)
                .await?
        }
        None => {
            store
                .latest_decisions(args.stage, market.as_deref(), args.limit)
                .await?
        }
    };
    if args.json {
        for record in &records {
            let line = decision_log::to_line(record)
                .with_context(|| format!("decision seq {} is not valid JSON", record.seq))?;
            println!("{line}");
        }
        return Ok(());
    }
    if records.is_empty() {
        println!("no decisions{}", filters(args, market.as_deref()));
        return Ok(());
    }
    let mut table = Table::new();
    table.set_header(["seq", "time (UTC)", "stage", "market", "decision", "codes"]);
    for record in &records {
        table.add_row([
            record.seq.to_string(),
            chrono::DateTime::from_timestamp_millis(record.ts).map_or_else(
                || record.ts.to_string(),
                |t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
            ),
            record.stage.clone(),
            record
                .market
                .as_deref()
                .map_or_else(|| "-".to_owned(), |m| truncate(m, 14)),
            record
                .decision()
                .map_or_else(|e| format!("(unreadable: {e})"), |d| summary(&d)),
            record.codes.join(", "),
        ]);
    }
    println!("{table}");
    if args.after.is_none() && records.len() == args.limit as usize {
        println!(
            "(the latest {}{}; --limit N for more, --after SEQ to read on from a seq)",
            args.limit,
            filters(args, market.as_deref())
        );
    }
    Ok(())
}

/// A token id in decimal (as stored) or a condition id in lowercase hex, whichever `text` is.
fn normalize_market(text: &str) -> String {
    let text = text.trim();
    ConditionId::parse(text)
        .map(|c| c.to_string())
        .or_else(|_| TokenId::parse(text).map(|t| t.to_string()))
        .unwrap_or_else(|_| text.to_owned())
}

fn filters(args: &DecisionsArgs, market: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(stage) = args.stage {
        out.push_str(&format!(" at stage {stage}"));
    }
    if let Some(market) = market {
        out.push_str(&format!(" on market {market}"));
    }
    if let Some(after) = args.after {
        out.push_str(&format!(" after seq {after}"));
    }
    out
}

/// One line about a decision; the table's codes column says why.
fn summary(decision: &Decision) -> String {
    match decision {
        Decision::Placed { order, .. } => format!(
            "placed {} {} {} @ {}",
            order.client_id,
            order.side.as_str(),
            match order.quantity {
                Quantity::Shares(s) => format!("{s} sh"),
                Quantity::Usdc(u) => format!("${u}"),
            },
            order.price
        ),
        Decision::Refused { account, .. } => format!("order refused ({account})"),
        Decision::CancelSent { client_id } => format!("cancel {client_id} sent"),
        Decision::Filled {
            client_id,
            side,
            price,
            size,
            fee,
            ..
        } => format!(
            "fill {client_id} {} {size} @ {price}, fee {fee}",
            side.as_str()
        ),
        Decision::Closed { client_id, .. } => format!("{client_id} closed"),
        Decision::Rejected { client_id, reason } => {
            format!("{client_id} rejected: {}", truncate(reason, 40))
        }
        Decision::TradeStatus { trade_id, .. } => format!("trade {}", truncate(trade_id, 14)),
        Decision::CancelRefused { client_id, .. } => format!("cancel {client_id} refused"),
        Decision::OperatorRefused { account, .. } => format!("command refused ({account})"),
        Decision::AlgoStarted {
            id,
            side,
            price,
            kind,
            ..
        } => format!("{kind} {id} {} @ {price} started", side.as_str()),
        Decision::AlgoDone { id, .. } => format!("algo {id} done"),
        Decision::Redeemed { .. } => "redeemed".to_owned(),
        Decision::Anomaly { detail } => format!("anomaly: {}", truncate(detail, 40)),
        other => other.kind().replace('_', " "),
    }
}

/// `--verify`: the store's chain, then the file against it.
async fn verify(ctx: &Context, store: &Store, json: bool) -> Result<()> {
    let data_dir = &ctx.config.storage.data_dir;
    let database = ctx.config.storage.database_path().map_or_else(
        || ctx.config.storage.sqlite_url(),
        |p| p.display().to_string(),
    );
    let chain = store
        .verify_decisions()
        .await
        .with_context(|| format!("cannot read the decision log from {database}"))?;
    let path = decision_log::path(data_dir);
    let file = decision_log::verify_file(&path, store)
        .await
        .with_context(|| format!("cannot check {}", path.display()))?;
    let running = EngineLock::is_held(data_dir)?;

    let mut problems = Vec::new();
    if let Some(b) = &chain.broken {
        problems.push(format!("store {database}: {b}"));
    }
    if let Some(b) = &file.broken {
        problems.push(format!("{}: {b}", path.display()));
    }
    let behind = file.behind.map(|(first, last, count)| {
        let what = if file.exists {
            "lacks the store's last"
        } else {
            "does not exist; the store has"
        };
        format!(
            "{} {what} {count} record(s) (seq {first}–{last})",
            path.display()
        )
    });
    if let Some(behind) = &behind
        && !running
        && file.broken.is_none()
    {
        problems.push(format!(
            "{behind}: the engine stopped before writing them; its next start copies them from \
             the store"
        ));
    }

    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "ok": problems.is_empty(),
                "store": chain_json(&chain),
                "file": file_json(&path, &file),
                "engine_running": running,
                "problems": problems,
            }))?
        );
    } else if problems.is_empty() {
        println!("{}", ok_text(&chain, &file, &path));
        if chain.legacy > 0 {
            println!(
                "{} record(s) written before the chain existed (schema 0004) are not chained and \
                 not checked",
                chain.legacy
            );
        }
        if let Some(behind) = &behind {
            println!("{behind}: the running engine is writing them");
        }
    }
    if !problems.is_empty() {
        bail!("decision log verification failed: {}", problems.join("; "));
    }
    Ok(())
}

fn ok_text(chain: &ChainReport, file: &FileReport, path: &std::path::Path) -> String {
    let span = match (chain.first_chained, &chain.last) {
        (Some(first), Some((last, _))) => format!(" (seq {first}–{last})"),
        _ => String::new(),
    };
    format!(
        "decision log OK: {} record(s) chained in the store{span}; {} matches ({} record(s))",
        chain.chained,
        path.display(),
        file.records
    )
}

fn chain_json(chain: &ChainReport) -> serde_json::Value {
    json!({
        "records": chain.records,
        "legacy": chain.legacy,
        "chained": chain.chained,
        "first_seq": chain.first_chained,
        "last_seq": chain.last.as_ref().map(|(s, _)| s),
        "last_hash": chain.last.as_ref().map(|(_, h)| h),
        "broken": chain.broken.as_ref().map(|b| json!({ "seq": b.seq, "problem": b.problem.to_string() })),
    })
}

fn file_json(path: &std::path::Path, file: &FileReport) -> serde_json::Value {
    json!({
        "path": path,
        "exists": file.exists,
        "records": file.records,
        "last_seq": file.last.as_ref().map(|(s, _)| s),
        "behind": file.behind.map(|(first, last, count)| json!({ "first_seq": first, "last_seq": last, "count": count })),
        "torn_tail": file.torn_tail,
        "broken": file.broken.as_ref().map(|b| json!({ "line": b.line, "seq": b.seq, "problem": b.problem })),
    })
}
