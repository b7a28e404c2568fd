//! `polybot positions`, `polybot orders`, `polybot status`: what the store says, readable while
//! an engine runs (SQLite WAL readers never block the writer).

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use anyhow::Result;
use comfy_table::Table;
use polybot_engine::Ledger;
use polybot_engine::orders::{Quantity, TimeInForce, TrackedOrder};
use polybot_model::{Probability, TokenId, Usdc};
use polybot_runner::EngineLock;
use serde_json::json;

use crate::cli::{ListArgs, OrdersArgs};
use crate::context::Context;

pub async fn positions(ctx: &Context, args: &ListArgs) -> Result<()> {
    let store = ctx.store().await?;
    let ledger = store.load_ledger().await?;
    let marks = marks(ctx, &ledger).await;
    let mark = |t: TokenId| marks.get(&t).copied();
    if args.json {
        let accounts: Vec<_> = ledger
            .accounts()
            .map(|(id, account)| {
                let s = account.state();
                let snap = ledger.snapshot(id, polybot_runner::now_ms(), mark);
                json!({
                    "account": id.0,
                    "bankroll": account.bankroll().to_string(),
                    "cash": s.cash.to_string(),
                    "realized": s.realized.to_string(),
                    "fees": s.fees.to_string(),
                    "equity": snap.map(|v| v.equity.to_string()),
                    "positions": s.positions.iter().map(|(t, p)| json!({
                        "token": t.to_string(),
                        "size": p.size.to_string(),
                        "confirmed": p.confirmed.to_string(),
                        "cost": p.cost.to_string(),
                        "mark": marks.get(t).map(|m| m.as_f64()),
                    })).collect::<Vec<_>>(),
                    "redeemable": s.redeemable.iter().map(|(c, v)| json!({"condition": c.to_string(), "amount": v.to_string()})).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&accounts)?);
        return Ok(());
    }
    if ledger.accounts().next().is_none() {
        println!("no accounts yet: run `polybot paper` or place an order first");
        return Ok(());
    }
    for (id, account) in ledger.accounts() {
        let s = account.state();
        let snap = ledger.snapshot(id, polybot_runner::now_ms(), mark);
        println!(
            "{id}: cash {}  realized {}  fees {}  equity {}  (bankroll {})",
            s.cash,
            s.realized,
            s.fees,
            snap.map_or("n/a".into(), |v| v.equity.to_string()),
            account.bankroll()
        );
        if s.positions.is_empty() && s.redeemable.is_empty() {
            println!("  no positions");
            continue;
        }
        let mut table = Table::new();
        table.set_header([
            "token",
            "shares",
            "confirmed",
            "avg price",
            "cost",
            "mark",
            "unrealized",
        ]);
        for (token, p) in &s.positions {
            let m = marks.get(token);
            table.add_row([
                token.to_string(),
                p.size.to_string(),
                p.confirmed.to_string(),
                p.average_price().map_or("-".into(), |a| format!("{a:.4}")),
                p.cost.to_string(),
                m.map_or("n/a".into(), |m| format!("{:.4}", m.as_f64())),
                m.map_or("n/a".into(), |m| p.unrealized(*m).to_string()),
            ]);
        }
        println!("{table}");
        for (condition, amount) in &s.redeemable {
            println!("  redeemable {amount} from resolved market {condition}");
        }
    }
    Ok(())
}

/// Mid prices of the held tokens from the CLOB, if it answers quickly; positions are still
/// shown (at cost) without them.
async fn marks(ctx: &Context, ledger: &Ledger) -> HashMap<TokenId, Probability> {
    let tokens: Vec<TokenId> = ledger
        .accounts()
        .flat_map(|(_, a)| a.state().positions.keys().copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if tokens.is_empty() {
        return HashMap::new();
    }
    let Ok(connector) = ctx.connector() else {
        return HashMap::new();
    };
    match tokio::time::timeout(Duration::from_secs(5), connector.midpoints(&tokens)).await {
        Ok(Ok(marks)) => marks,
        _ => {
            eprintln!("(no marks: the CLOB did not answer; values are at cost)");
            HashMap::new()
        }
    }
}

pub async fn orders(ctx: &Context, args: &OrdersArgs) -> Result<()> {
    let store = ctx.store().await?;
    let orders: Vec<TrackedOrder> = if args.all {
        let mut all = Vec::new();
        for (account, _) in store.accounts().await? {
            all.extend(store.orders_by_account(&account).await?);
        }
        all.sort_by_key(|o| o.request.client_id);
        all
    } else {
        store.open_orders().await?
    };
    let algos: Vec<polybot_engine::RunningAlgo> = store
        .kv_get(polybot_runner::recovery::ALGOS_KEY)
        .await?
        .unwrap_or_default();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "orders": orders, "algos": algos }))?
        );
        return Ok(());
    }
    if orders.is_empty() && algos.is_empty() {
        println!("no {}orders", if args.all { "" } else { "open " });
        return Ok(());
    }
    let mut table = Table::new();
    table.set_header([
        "id", "account", "token", "side", "price", "quantity", "filled", "tif", "state", "venue id",
    ]);
    for o in &orders {
        let r = &o.request;
        table.add_row([
            r.client_id.to_string(),
            r.account.to_string(),
            crate::output::truncate(&r.token_id.to_string(), 14),
            format!("{:?}", r.side).to_uppercase(),
            r.price.to_string(),
            match r.quantity {
                Quantity::Shares(s) => format!("{s} sh"),
                Quantity::Usdc(u) => format!("${u}"),
            },
            o.filled.to_string(),
            tif(r.time_in_force, r.post_only),
            format!("{:?}", o.state),
            o.venue_id
                .as_ref()
                .map_or("-".into(), |v| crate::output::truncate(&v.0, 12)),
        ]);
    }
    println!("{table}");
    for a in &algos {
        println!(
            "algo {} ({}): {:?} {} @ {} — {:?}, {} child order(s){}",
            a.id,
            a.account,
            a.side,
            crate::output::truncate(&a.token.to_string(), 14),
            a.price,
            a.state,
            a.children.len(),
            if a.stopping { ", stopping" } else { "" }
        );
    }
    Ok(())
}

fn tif(tif: TimeInForce, post_only: bool) -> String {
    let base = match tif {
        TimeInForce::Gtc => "GTC".to_owned(),
        TimeInForce::Gtd { expires_at_secs } => {
            chrono::DateTime::from_timestamp(expires_at_secs, 0)
                .map_or("GTD".into(), |t| format!("GTD {}", t.format("%H:%M:%S")))
        }
        TimeInForce::Fok => "FOK".into(),
        TimeInForce::Fak => "FAK".into(),
    };
    if post_only {
        format!("{base} post-only")
    } else {
        base
    }
}

pub async fn status(ctx: &Context, args: &ListArgs) -> Result<()> {
    let data_dir = &ctx.config.storage.data_dir;
    let running = EngineLock::is_held(data_dir)?;
    let store = ctx.store().await?;
    let mode: Option<polybot_engine::session::Mode> =
        store.kv_get(polybot_runner::recovery::MODE_KEY).await?;
    let ledger = store.load_ledger().await?;
    let open = store.open_orders().await?;
    let pending = store.pending_commands().await?.len();
    let latest = store.latest_snapshot(None).await?;
    let journal = latest_journal(data_dir);
    let risk: polybot_engine::kernel::RiskMemory = store
        .kv_get(polybot_runner::recovery::RISK_KEY)
        .await?
        .unwrap_or_default();
    let halts: Vec<String> = risk
        .halts
        .iter()
        .map(|h| format!("{:?}: {}", h.source, h.reason))
        .collect();
    let drawdown_kill = risk.drawdown.as_ref().is_some_and(|g| g.is_tripped());
    let cut_off: Vec<&String> = risk
        .traders
        .iter()
        .filter(|(_, t)| t.cutoff.is_some())
        .map(|(w, _)| w)
        .collect();
    let cash: Usdc = ledger
        .accounts()
        .map(|(_, a)| a.state().cash)
        .fold(Usdc::ZERO, Usdc::saturating_add);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "data_dir": data_dir,
                "engine_running": running,
                "mode": mode,
                "accounts": ledger.accounts().count(),
                "cash": cash.to_string(),
                "open_orders": open.len(),
                "pending_commands": pending,
                "latest_equity": latest.as_ref().map(|s| s.equity.to_string()),
                "latest_snapshot_ms": latest.as_ref().map(|s| s.timestamp_ms),
                "journal": journal,
                "halts": halts,
                "drawdown_kill": drawdown_kill,
                "traders_cut_off": cut_off,
            }))?
        );
        return Ok(());
    }
    println!("data dir:        {}", data_dir.display());
    println!(
        "engine:          {}",
        if running { "running" } else { "not running" }
    );
    println!(
        "mode:            {}",
        mode.map_or("none yet".into(), |m| m.to_string())
    );
    println!(
        "accounts:        {} (cash {cash})",
        ledger.accounts().count()
    );
    println!("open orders:     {}", open.len());
    println!("pending commands: {pending}");
    if let Some(s) = latest {
        let at = chrono::DateTime::from_timestamp_millis(s.timestamp_ms)
            .map_or(String::new(), |t| t.to_rfc3339());
        println!("equity:          {} (snapshot {at})", s.equity);
    }
    if let Some(j) = journal {
        println!("latest journal:  {}", j.display());
    }
    let trading = if halts.is_empty() && !drawdown_kill {
        "new entries allowed".to_owned()
    } else {
        let mut why = halts.clone();
        if drawdown_kill {
            why.push("drawdown kill tripped".to_owned());
        }
        format!("HALTED ({})", why.join("; "))
    };
    println!("trading:         {trading}");
    if !cut_off.is_empty() {
        println!("traders cut off: {}", cut_off.len());
    }
    Ok(())
}

fn latest_journal(data_dir: &std::path::Path) -> Option<std::path::PathBuf> {
    std::fs::read_dir(data_dir.join("journal"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .max()
}
