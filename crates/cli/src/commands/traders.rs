//! `polybot traders`: the traders we copy or might — `[wallets].watch` and the top of the
//! leaderboard — each scored on its recent fills ([`polybot_wallets::score`]), whether it can
//! be copied at all (scalpers cannot), and whether the risk engine has cut it off (its
//! memory in the store, `engine.risk`).

use std::collections::HashMap;

use alloy::primitives::Address;
use anyhow::{Result, bail};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use futures::StreamExt as _;
use polybot_model::Usdc;
use polybot_wallets::poll::{Paging, fetch_window};
use polybot_wallets::{
    DataApi, ScoreContext, ScoreThresholds, TraderScore, WalletsConfig, fetch_positions, now_ms,
    score,
};
use serde::Serialize;
use serde_json::Value;

use super::whales::{Origin, Tracked, attach_board, data_api, leaderboard, tracked_wallets};
use crate::cli::TradersArgs;
use crate::context::Context;
use crate::output::{money, truncate};

/// The risk engine's memory in the store (written by the engine, read here).
pub const RISK_KEY: &str = "engine.risk";
/// Fills scored: those of the last 30 days (within `[wallets].page_limit × max_pages`).
const LOOKBACK_MS: i64 = 30 * 86_400_000;
/// Positions fetched for marks.
const MAX_POSITIONS: u32 = 500;
const CONCURRENCY: usize = 4;

/// A trader cut off by the risk engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cutoff {
    pub reason: String,
    pub since_ms: Option<i64>,
}

/// Cutoffs by lowercase wallet from the engine's stored risk memory:
/// `{"traders": {wallet: {..., "cutoff": {"reason": …, "since_ms": …} | null}}}`. Anything
/// else (no memory yet, another shape) is no cutoff.
#[must_use]
pub fn cutoffs(risk: Option<&Value>) -> HashMap<String, Cutoff> {
    let Some(traders) = risk
        .and_then(|r| r.get("traders"))
        .and_then(Value::as_object)
    else {
        return HashMap::new();
    };
    traders
        .iter()
        .filter_map(|(wallet, record)| {
            let c = record.get("cutoff").filter(|c| !c.is_null())?;
            let reason = match c.get("reason") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => "unknown".to_owned(),
            };
            let since_ms = c.get("since_ms").and_then(Value::as_i64);
            Some((
                wallet.trim().to_ascii_lowercase(),
                Cutoff { reason, since_ms },
            ))
        })
        .collect()
}

#[derive(Debug, Serialize)]
struct TraderRow {
    wallet: Address,
    label: Option<String>,
    /// `watch` (configured) or `leaderboard`.
    origin: Origin,
    rank: Option<u32>,
    leaderboard_pnl: Option<Usdc>,
    leaderboard_volume: Option<Usdc>,
    /// `None` when its fills could not be fetched (see `error`).
    score: Option<TraderScore>,
    copyable: Option<bool>,
    /// The scorer's reason codes (`high_frequency`, `short_holding`, `tiny_trades`,
    /// `insufficient_history`).
    uncopyable: Vec<&'static str>,
    cutoff: Option<Cutoff>,
    /// Fills missing: the window needed more pages than `[wallets].max_pages`.
    truncated: bool,
    error: Option<String>,
}

pub async fn run(ctx: &Context, args: &TradersArgs) -> Result<()> {
    let config = &ctx.config.wallets;
    let top = args.top.unwrap_or(config.discovery_limit);
    let api = data_api(ctx)?;
    let mut tracked = tracked_wallets(&config.watch, &[]);
    if top > 0 {
        let board = leaderboard(ctx, &api, top).await;
        match board {
            Ok(board) => {
                attach_board(&mut tracked, &board);
                for c in board {
                    if !tracked.iter().any(|t| t.wallet == c.wallet) {
                        tracked.push(Tracked {
                            wallet: c.wallet,
                            label: c.user_name.clone(),
                            origin: Origin::Leaderboard,
                            board: Some(c),
                        });
                    }
                }
            }
            Err(e) if !tracked.is_empty() => {
                eprintln!("warning: {e:#}; showing the watched wallets only");
            }
            Err(e) => return Err(e),
        }
    }
    if tracked.is_empty() {
        bail!("no traders: [wallets].watch is empty and --top is 0");
    }

    let risk: Option<Value> = {
        let store = ctx.store().await?;
        let risk = store.kv_get::<Value>(RISK_KEY).await;
        store.close().await;
        match risk {
            Ok(v) => v,
            Err(e) => {
                eprintln!("warning: cannot read the risk memory ({e}); cutoffs not shown");
                None
            }
        }
    };
    let cut = cutoffs(risk.as_ref());

    let now = now_ms();
    let thresholds = config.thresholds();
    let scored: Vec<_> = futures::stream::iter(tracked.iter().map(|t| {
        let (api, thresholds) = (&api, &thresholds);
        async move { score_one(api, config, thresholds, t.wallet, now).await }
    }))
    .buffered(CONCURRENCY)
    .collect()
    .await;

    let rows: Vec<TraderRow> = tracked
        .iter()
        .zip(scored)
        .map(|(t, result)| {
            let cutoff = cut.get(&t.wallet.to_string().to_ascii_lowercase()).cloned();
            let (score, truncated, error) = match result {
                Ok((s, truncated)) => (Some(s), truncated, None),
                Err(e) => (None, false, Some(e)),
            };
            TraderRow {
                wallet: t.wallet,
                label: t.label.clone(),
                origin: t.origin,
                rank: t.board.as_ref().map(|c| c.rank),
                leaderboard_pnl: t.board.as_ref().map(|c| c.pnl),
                leaderboard_volume: t.board.as_ref().map(|c| c.volume),
                copyable: score.as_ref().map(TraderScore::copyable),
                uncopyable: score
                    .as_ref()
                    .map(|s| s.uncopyable.iter().map(|u| u.code()).collect())
                    .unwrap_or_default(),
                score,
                cutoff,
                truncated,
                error,
            }
        })
        .collect();

    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "traders": rows }))?
        );
    } else {
        print_table(&rows);
    }
    Ok(())
}

/// `wallet`'s score over its fills of the last 30 days, marked at its positions' prices;
/// and whether the fills were truncated.
async fn score_one(
    api: &DataApi,
    config: &WalletsConfig,
    thresholds: &ScoreThresholds,
    wallet: Address,
    now: i64,
) -> Result<(TraderScore, bool), String> {
    let paging = Paging {
        page_limit: config.page_limit,
        max_pages: config.max_pages,
    };
    let fills = fetch_window(api, wallet, now - LOOKBACK_MS, paging)
        .await
        .map_err(|e| format!("cannot fetch its trades: {e}"))?;
    for e in &fills.rejected {
        tracing::warn!("trade skipped: {e}");
    }
    // Marks make open holdings count at their value; without positions they count at cost.
    let marks = match fetch_positions(api, wallet, MAX_POSITIONS).await {
        Ok(p) => p.positions.iter().map(|p| (p.token, p.cur_price)).collect(),
        Err(e) => {
            tracing::warn!("no marks for {wallet}: {e}");
            HashMap::new()
        }
    };
    let ctx = ScoreContext {
        marks,
        now_ms: now,
        ..ScoreContext::default()
    };
    Ok((
        score(wallet, &fills.trades, &ctx, thresholds),
        fills.truncated,
    ))
}

fn right(text: impl ToString) -> Cell {
    Cell::new(text.to_string()).set_alignment(CellAlignment::Right)
}

fn print_table(rows: &[TraderRow]) {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_header([
        "wallet", "name", "from", "trades", "PnL $", "ROI", "win rate", "score", "copyable",
        "cut off",
    ]);
    let pct = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{:.1}%", v * 100.0));
    for r in rows {
        let from = match (r.origin, r.rank) {
            (Origin::Watch, Some(rank)) => format!("watch, board #{rank}"),
            (Origin::Watch | Origin::Flag, _) => "watch".to_owned(),
            (Origin::Leaderboard, Some(rank)) => format!("board #{rank}"),
            (Origin::Leaderboard, None) => "board".to_owned(),
        };
        let copyable = match (&r.error, r.copyable) {
            (Some(e), _) => format!("error: {}", truncate(e, 40)),
            (None, Some(true)) => "yes".to_owned(),
            (None, _) => format!("no: {}", r.uncopyable.join(", ")),
        };
        let cut = r
            .cutoff
            .as_ref()
            .map_or("-".to_owned(), |c| format!("cut off ({})", c.reason));
        let s = r.score.as_ref();
        table.add_row(vec![
            Cell::new(r.wallet.to_string().to_ascii_lowercase()),
            Cell::new(truncate(r.label.as_deref().unwrap_or("-"), 18)),
            Cell::new(from),
            right(s.map_or("-".to_owned(), |s| {
                format!("{}{}", s.trades, if r.truncated { "+" } else { "" })
            })),
            right(s.map_or("-".to_owned(), |s| {
                money(Usdc::from_micros((s.pnl_usd * 1e6).round() as i64))
            })),
            right(pct(s.and_then(|s| s.roi))),
            right(pct(s.and_then(|s| s.win_rate))),
            right(s.map_or("-".to_owned(), |s| format!("{:.3}", s.composite))),
            Cell::new(copyable),
            Cell::new(cut),
        ]);
    }
    println!("{table}");
    let copyable = rows.iter().filter(|r| r.copyable == Some(true)).count();
    let cut = rows.iter().filter(|r| r.cutoff.is_some()).count();
    println!(
        "{} traders: {copyable} copyable, {} not, {cut} cut off (score in [0, 1] over the last 30 days' fills; + = more fills than fetched)",
        rows.len(),
        rows.len() - copyable
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_are_read_from_the_risk_memory() {
        let risk = serde_json::json!({
            "halts": {},
            "traders": {
                "0xAbC0000000000000000000000000000000000001": {
                    "equity": "10", "peak_equity": "12", "consecutive_losses": 5,
                    "cutoff": {"reason": "loss_streak", "since_ms": 1700000000000i64}
                },
                "0x0000000000000000000000000000000000000002": {"cutoff": null},
                "0x0000000000000000000000000000000000000003": {"cutoff": {"reason": "operator"}}
            }
        });
        let c = cutoffs(Some(&risk));
        assert_eq!(c.len(), 2);
        assert_eq!(
            c["0xabc0000000000000000000000000000000000001"],
            Cutoff {
                reason: "loss_streak".into(),
                since_ms: Some(1_700_000_000_000)
            }
        );
        assert_eq!(
            c["0x0000000000000000000000000000000000000003"].since_ms,
            None
        );
        assert!(cutoffs(None).is_empty());
        assert!(cutoffs(Some(&serde_json::json!({"traders": []}))).is_empty());
        assert!(cutoffs(Some(&serde_json::json!(42))).is_empty());
    }
}
