//! `polybot whales`: the whale scanner of seed 000. Fetches the tracked wallets' open
//! positions from the Data API, diffs them against the previous run's snapshots (kept in the
//! store under `whales.snapshots`), and prints tiers, deltas, conviction signals, the Smart
//! Money Index and net flow.
//!
//! Wallets: `[wallets].watch` plus `--wallet`; with neither, the top `--top N` of the
//! leaderboard (`[wallets].discovery_*`).

use std::collections::BTreeMap;

use alloy::primitives::Address;
use anyhow::{Context as _, Result, bail};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use futures::StreamExt as _;
use polybot_model::Usdc;
use polybot_store::Store;
use polybot_wallets::discovery::{Candidate, DiscoveryQuery, discover};
use polybot_wallets::whales::{
    ConvictionSignal, PositionDelta, PositionSnapshot, ScanReport, WalletTier, WhaleScanner,
};
use polybot_wallets::{DataApi, WatchedWallet, fetch_positions, now_ms};
use serde::Serialize;

use crate::cli::WhalesArgs;
use crate::context::Context;
use crate::output::{money, truncate};

/// The store key of the scanner's snapshots.
pub const SNAPSHOTS_KEY: &str = "whales.snapshots";
/// Positions fetched per wallet at most (seed 000: "up to 200 positions each").
const MAX_POSITIONS: u32 = 200;
/// Wallets fetched at once.
const CONCURRENCY: usize = 4;
/// Rows shown in the tables (`--json` has them all).
const SHOWN: usize = 25;

/// A wallet `--wallet` names: `0x` and 40 hex digits, any case.
pub fn wallet_flag(text: &str) -> Result<Address> {
    WatchedWallet {
        address: text.to_owned(),
        label: None,
    }
    .parsed()
    .with_context(|| format!("--wallet {text:?} is not a 0x address of 40 hex digits"))
}

/// The Data API client for the configured `polymarket.data_url`.
pub fn data_api(ctx: &Context) -> Result<DataApi> {
    DataApi::new(&ctx.config.polymarket.data_url, &ctx.config.http).with_context(|| {
        format!(
            "cannot set up the Data API client for {}",
            ctx.config.polymarket.data_url
        )
    })
}

/// The top `top` of the configured leaderboard.
pub async fn leaderboard(ctx: &Context, api: &DataApi, top: u32) -> Result<Vec<Candidate>> {
    let query = DiscoveryQuery {
        limit: top,
        ..DiscoveryQuery::from_config(&ctx.config.wallets)
    };
    let found = discover(api, &query).await.with_context(|| {
        format!(
            "cannot read the leaderboard from the Data API at {}",
            ctx.config.polymarket.data_url
        )
    })?;
    for e in &found.rejected {
        tracing::warn!("leaderboard entry skipped: {e}");
    }
    Ok(found.candidates)
}

/// Why a wallet is scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// `[wallets].watch`.
    Watch,
    /// `--wallet`.
    Flag,
    /// The leaderboard.
    Leaderboard,
}

/// A wallet to look at: from the configuration, the command line or the leaderboard.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub wallet: Address,
    pub label: Option<String>,
    pub origin: Origin,
    /// Its leaderboard entry, when it is on the board read.
    pub board: Option<Candidate>,
}

/// `[wallets].watch` then `extra`, each wallet once (the first mention wins).
pub fn tracked_wallets(watch: &[WatchedWallet], extra: &[(Address, Origin)]) -> Vec<Tracked> {
    let mut out: Vec<Tracked> = Vec::new();
    let configured = watch
        .iter()
        .filter_map(|w| w.parsed().map(|a| (a, w.label.clone(), Origin::Watch)));
    let flagged = extra.iter().map(|(a, o)| (*a, None, *o));
    for (wallet, label, origin) in configured.chain(flagged) {
        if !out.iter().any(|t| t.wallet == wallet) {
            out.push(Tracked {
                wallet,
                label,
                origin,
                board: None,
            });
        }
    }
    out
}

/// Attaches leaderboard entries to the wallets that have one.
pub fn attach_board(tracked: &mut [Tracked], board: &[Candidate]) {
    for t in tracked {
        if t.board.is_none() {
            t.board = board.iter().find(|c| c.wallet == t.wallet).cloned();
        }
    }
}

#[derive(Debug, Serialize)]
struct WalletRow {
    wallet: Address,
    label: Option<String>,
    origin: Origin,
    rank: Option<u32>,
    tier: Option<WalletTier>,
    pnl: Option<Usdc>,
    /// `leaderboard` (the board's PnL over its period) or `positions` (unrealized + realized
    /// PnL of the open positions).
    pnl_source: Option<&'static str>,
    positions: usize,
    value: Usdc,
    /// Seen for the first time: its positions are the baseline for the next run's deltas.
    baseline: bool,
    /// The fetch hit the cap: positions may be missing (so no exits are inferred).
    truncated: bool,
    rejected_records: usize,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct JsonOut<'a> {
    scanned_at_ms: i64,
    /// When the previous run scanned (its newest snapshot), if there was one.
    previous_scan_ms: Option<i64>,
    wallets: &'a [WalletRow],
    deltas: &'a [PositionDelta],
    signals: &'a [ConvictionSignal],
    high_consensus: usize,
    smi: &'a polybot_wallets::whales::SmartMoneyIndex,
    net_flow: &'a polybot_wallets::whales::NetFlow,
}

pub async fn run(ctx: &Context, args: &WhalesArgs) -> Result<()> {
    let flagged: Vec<(Address, Origin)> = args
        .wallets
        .iter()
        .map(|w| wallet_flag(w).map(|a| (a, Origin::Flag)))
        .collect::<Result<_>>()?;
    if args.top == Some(0) {
        bail!("--top must be at least 1");
    }
    let api = data_api(ctx)?;
    let top = args.top.unwrap_or(ctx.config.wallets.discovery_limit);
    let mut tracked = tracked_wallets(&ctx.config.wallets.watch, &flagged);
    if tracked.is_empty() {
        let board = leaderboard(ctx, &api, top).await?;
        tracked = board
            .iter()
            .map(|c| Tracked {
                wallet: c.wallet,
                label: c.user_name.clone(),
                origin: Origin::Leaderboard,
                board: Some(c.clone()),
            })
            .collect();
        if tracked.is_empty() {
            bail!(
                "no wallets to scan: the leaderboard at {} is empty; pass --wallet or set [wallets].watch",
                ctx.config.polymarket.data_url
            );
        }
    } else {
        // Leaderboard PnL for the tiers of the wallets on it; without it, positions' PnL.
        match leaderboard(ctx, &api, top).await {
            Ok(board) => attach_board(&mut tracked, &board),
            Err(e) => tracing::warn!("no leaderboard PnL for tiers: {e:#}"),
        }
    }

    let scanned_at_ms = now_ms();
    let fetched: Vec<_> = futures::stream::iter(tracked.iter().map(|t| {
        let api = &api;
        async move {
            (
                t.wallet,
                fetch_positions(api, t.wallet, MAX_POSITIONS).await,
            )
        }
    }))
    .buffered(CONCURRENCY)
    .collect()
    .await;
    let mut snapshots = Vec::new();
    let mut rows = Vec::new();
    for (t, (_, result)) in tracked.iter().zip(fetched) {
        let mut row = WalletRow {
            wallet: t.wallet,
            label: t.label.clone(),
            origin: t.origin,
            rank: t.board.as_ref().map(|c| c.rank),
            tier: None,
            pnl: None,
            pnl_source: None,
            positions: 0,
            value: Usdc::ZERO,
            baseline: false,
            truncated: false,
            rejected_records: 0,
            error: None,
        };
        match result {
            Ok(found) => {
                let complete =
                    found.positions.len() + found.rejected.len() < MAX_POSITIONS as usize;
                let snapshot = PositionSnapshot::from_wallet_positions(
                    t.wallet,
                    scanned_at_ms,
                    complete,
                    &found.positions,
                );
                let (pnl, source) = match &t.board {
                    Some(c) => (c.pnl, "leaderboard"),
                    None => (snapshot.pnl(), "positions"),
                };
                row.tier = Some(WalletTier::from_pnl(pnl));
                row.pnl = Some(pnl);
                row.pnl_source = Some(source);
                row.positions = snapshot.positions.len();
                row.value = snapshot.value();
                row.truncated = !complete;
                row.rejected_records = found.rejected.len();
                for e in &found.rejected {
                    tracing::warn!("position skipped: {e}");
                }
                snapshots.push(snapshot);
            }
            Err(e) => row.error = Some(e.to_string()),
        }
        rows.push(row);
    }
    if snapshots.is_empty() {
        let first = rows
            .iter()
            .find_map(|r| r.error.clone())
            .unwrap_or_default();
        bail!(
            "no wallet's positions could be fetched from the Data API at {}: {first}",
            ctx.config.polymarket.data_url
        );
    }

    let store = ctx.store().await?;
    let mut scanner = load(&store).await;
    let previous_scan_ms = scanner.snapshots().iter().map(|s| s.taken_at_ms).max();
    let report = scanner.scan(snapshots);
    let saved = store.kv_set(SNAPSHOTS_KEY, &scanner).await;
    store.close().await;
    saved.context("cannot save the whale snapshots")?;
    for row in &mut rows {
        row.baseline = report.baseline.contains(&row.wallet);
    }

    if args.json {
        let out = JsonOut {
            scanned_at_ms,
            previous_scan_ms,
            wallets: &rows,
            deltas: &report.deltas,
            signals: &report.signals,
            high_consensus: report.signals.iter().filter(|s| s.high_consensus).count(),
            smi: &report.smi,
            net_flow: &report.flow,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_tables(&rows, &report, previous_scan_ms, &tracked);
    }
    Ok(())
}

/// The previous run's snapshots; none (with a warning) if the stored value is unreadable.
async fn load(store: &Store) -> WhaleScanner {
    match store.kv_get::<WhaleScanner>(SNAPSHOTS_KEY).await {
        Ok(Some(s)) => s,
        Ok(None) => WhaleScanner::new(),
        Err(e) => {
            eprintln!(
                "warning: ignoring unreadable {SNAPSHOTS_KEY} ({e}); starting a new baseline"
            );
            WhaleScanner::new()
        }
    }
}

fn right(text: impl ToString) -> Cell {
    Cell::new(text.to_string()).set_alignment(CellAlignment::Right)
}

fn name_of(rows: &BTreeMap<Address, String>, wallet: Address) -> String {
    rows.get(&wallet).cloned().unwrap_or_else(|| short(wallet))
}

/// `0x1234…abcd`.
fn short(wallet: Address) -> String {
    let full = wallet.to_string().to_ascii_lowercase();
    format!("{}…{}", &full[..6], &full[full.len() - 4..])
}

fn market_label(title: Option<&str>, outcome: Option<&str>, index: u32) -> String {
    let outcome = outcome.map_or_else(|| format!("#{index}"), str::to_owned);
    format!("{} [{outcome}]", truncate(title.unwrap_or("?"), 44))
}

fn print_tables(
    rows: &[WalletRow],
    report: &ScanReport,
    previous_scan_ms: Option<i64>,
    tracked: &[Tracked],
) {
    let names: BTreeMap<Address, String> = tracked
        .iter()
        .map(|t| {
            let name = t.label.clone().unwrap_or_else(|| short(t.wallet));
            (t.wallet, truncate(&name, 20))
        })
        .collect();
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_header([
        "wallet",
        "name",
        "from",
        "tier",
        "PnL $",
        "positions",
        "value $",
        "status",
    ]);
    for r in rows {
        let status = match (&r.error, r.baseline, r.truncated) {
            (Some(e), _, _) => format!("error: {}", truncate(e, 40)),
            (None, true, _) => "baseline".to_owned(),
            (None, false, true) => "truncated".to_owned(),
            (None, false, false) => "ok".to_owned(),
        };
        let from = match (r.origin, r.rank) {
            (Origin::Leaderboard, Some(rank)) => format!("board #{rank}"),
            (Origin::Watch, _) => "watch".to_owned(),
            (Origin::Flag, _) => "--wallet".to_owned(),
            (Origin::Leaderboard, None) => "board".to_owned(),
        };
        table.add_row(vec![
            Cell::new(r.wallet.to_string().to_ascii_lowercase()),
            Cell::new(name_of(&names, r.wallet)),
            Cell::new(from),
            Cell::new(r.tier.map_or("-", WalletTier::code)),
            right(r.pnl.map_or("-".to_owned(), |p| {
                format!(
                    "{}{}",
                    money(p),
                    if r.pnl_source == Some("positions") {
                        "*"
                    } else {
                        ""
                    }
                )
            })),
            right(r.positions),
            right(money(r.value)),
            Cell::new(status),
        ]);
    }
    println!("{table}");
    if rows.iter().any(|r| r.pnl_source == Some("positions")) {
        println!("* PnL of the open positions (the wallet is not on the leaderboard read)");
    }

    match previous_scan_ms {
        None => println!(
            "\nfirst scan: {} wallets recorded as the baseline; run again to see their deltas",
            report.baseline.len()
        ),
        Some(at) => {
            let ago = (now_ms() - at).max(0) / 1000;
            println!(
                "\ndeltas since the last scan ({ago} s ago): {}{}",
                report.deltas.len(),
                if report.baseline.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({} new wallets recorded as baseline)",
                        report.baseline.len()
                    )
                }
            );
        }
    }
    if !report.deltas.is_empty() {
        let mut table = Table::new();
        table.load_style(UTF8_FULL_CONDENSED);
        table.set_header([
            "wallet",
            "change",
            "market [outcome]",
            "shares",
            "$",
            "price",
        ]);
        for d in report.deltas.iter().take(SHOWN) {
            table.add_row(vec![
                Cell::new(name_of(&names, d.wallet)),
                Cell::new(d.kind.code()),
                Cell::new(market_label(
                    d.title.as_deref(),
                    d.outcome.as_deref(),
                    d.outcome_index,
                )),
                right(format!("{} → {}", d.prev_size, d.new_size)),
                right(money(d.usd)),
                right(format!("{:.3}", d.price.as_f64())),
            ]);
        }
        println!("{table}");
        if report.deltas.len() > SHOWN {
            println!(
                "(showing {SHOWN} of {}; --json for all)",
                report.deltas.len()
            );
        }
    }

    println!(
        "\nconviction signals (2+ wallets on the same outcome): {}, high consensus (3+): {}",
        report.signals.len(),
        report.signals.iter().filter(|s| s.high_consensus).count()
    );
    if !report.signals.is_empty() {
        let mut table = Table::new();
        table.load_style(UTF8_FULL_CONDENSED);
        table.set_header([
            "score",
            "strength",
            "wallets",
            "in profit",
            "market [outcome]",
            "whale $",
            "direction",
        ]);
        for s in report.signals.iter().take(SHOWN) {
            table.add_row(vec![
                right(format!("{:.1}", s.score)),
                Cell::new(s.strength.code()),
                right(s.wallets.len()),
                right(s.in_profit),
                Cell::new(market_label(
                    s.title.as_deref(),
                    s.outcome.as_deref(),
                    s.outcome_index,
                )),
                right(money(s.total_usd)),
                Cell::new(format!("{:?}", s.direction).to_ascii_uppercase()),
            ]);
        }
        println!("{table}");
        if report.signals.len() > SHOWN {
            println!(
                "(showing {SHOWN} of {}; --json for all)",
                report.signals.len()
            );
        }
    }
    println!(
        "\nSmart Money Index: {:.1} ({}) over {} signals",
        report.smi.value,
        report.smi.reading.code(),
        report.smi.signals
    );
    let f = &report.flow.total;
    println!(
        "net whale flow: in ${}, out ${}, net ${}",
        money(f.flow_in),
        money(f.flow_out),
        money(f.net)
    );
    for m in report.flow.by_market.iter().take(5) {
        let title = report
            .deltas
            .iter()
            .find(|d| d.condition_id == m.condition_id)
            .and_then(|d| d.title.as_deref())
            .unwrap_or("?");
        println!(
            "  {:<46} net {:>9} (in ${}, out ${})",
            truncate(title, 46),
            format!("${}", money(m.flow.net)),
            money(m.flow.flow_in),
            money(m.flow.flow_out)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallet_flags_are_checked_and_errors_name_the_flag() {
        let ok = wallet_flag("0x00000000000000000000000000000000000000Ab").unwrap();
        assert_eq!(
            ok.to_string().to_ascii_lowercase(),
            "0x00000000000000000000000000000000000000ab"
        );
        for bad in [
            "0x12",
            "abc",
            "",
            "0xzz00000000000000000000000000000000000000",
        ] {
            let e = wallet_flag(bad).unwrap_err().to_string();
            assert!(e.contains("--wallet"), "{e}");
        }
    }

    #[test]
    fn tracked_wallets_are_listed_once_config_first() {
        let a = wallet_flag("0x1111111111111111111111111111111111111111").unwrap();
        let b = wallet_flag("0x2222222222222222222222222222222222222222").unwrap();
        let watch = vec![WatchedWallet {
            address: a.to_string(),
            label: Some("alpha".into()),
        }];
        let t = tracked_wallets(&watch, &[(b, Origin::Flag), (a, Origin::Flag)]);
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].wallet, t[0].origin), (a, Origin::Watch));
        assert_eq!(t[0].label.as_deref(), Some("alpha"));
        assert_eq!((t[1].wallet, t[1].origin), (b, Origin::Flag));
        assert_eq!(short(a), "0x1111…1111");
    }
}
