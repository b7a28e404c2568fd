//! Leaderboard discovery: the Data API's trader leaderboard (`/v1/leaderboard`, by category,
//! period and PnL or volume) → candidate wallets to score and perhaps watch.

use std::collections::HashSet;

use alloy_primitives::Address;
use polybot_model::Usdc;
use polybot_polymarket::convert::decimal_micros_rounded;
use polymarket_client_sdk_v2::data::types::response::TraderLeaderboardEntry;
use polymarket_client_sdk_v2::data::types::{LeaderboardCategory, LeaderboardOrderBy, TimePeriod};
use serde::Serialize;

use crate::client::DataApi;
use crate::config::WalletsConfig;
use crate::error::{ParseError, WalletsError};

/// The leaderboard's page size limit.
const PAGE: u32 = 50;

/// A wallet from the leaderboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub wallet: Address,
    pub rank: u32,
    pub user_name: Option<String>,
    /// Leaderboard PnL and volume over the period (USD).
    pub pnl: Usdc,
    pub volume: Usdc,
}

/// Which board to read and what to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscoveryQuery {
    pub category: LeaderboardCategory,
    pub period: TimePeriod,
    pub order_by: LeaderboardOrderBy,
    pub limit: u32,
    pub min_pnl: Usdc,
    pub min_volume: Usdc,
}

impl DiscoveryQuery {
    /// The `discovery_*` keys of a validated `[wallets]` section (unknown names fall back to
    /// the venue's defaults, which `validate` rules out).
    #[must_use]
    pub fn from_config(c: &WalletsConfig) -> Self {
        let usd = |v: f64| Usdc::from_micros((v * 1e6).round() as i64);
        DiscoveryQuery {
            category: category(&c.discovery_category),
            period: match c.discovery_time_period.to_ascii_uppercase().as_str() {
                "DAY" => TimePeriod::Day,
                "WEEK" => TimePeriod::Week,
                "ALL" => TimePeriod::All,
                _ => TimePeriod::Month,
            },
            order_by: if c.discovery_order_by.eq_ignore_ascii_case("VOL") {
                LeaderboardOrderBy::Vol
            } else {
                LeaderboardOrderBy::Pnl
            },
            limit: c.discovery_limit,
            min_pnl: usd(c.discovery_min_pnl_usd),
            min_volume: usd(c.discovery_min_volume_usd),
        }
    }
}

fn category(name: &str) -> LeaderboardCategory {
    match name.to_ascii_uppercase().as_str() {
        "POLITICS" => LeaderboardCategory::Politics,
        "SPORTS" => LeaderboardCategory::Sports,
        "CRYPTO" => LeaderboardCategory::Crypto,
        "CULTURE" => LeaderboardCategory::Culture,
        "MENTIONS" => LeaderboardCategory::Mentions,
        "WEATHER" => LeaderboardCategory::Weather,
        "ECONOMICS" => LeaderboardCategory::Economics,
        "TECH" => LeaderboardCategory::Tech,
        "FINANCE" => LeaderboardCategory::Finance,
        _ => LeaderboardCategory::Overall,
    }
}

/// What discovery found, and the board entries it could not use.
#[derive(Debug, Default)]
pub struct Discovery {
    pub candidates: Vec<Candidate>,
    pub rejected: Vec<ParseError>,
}

/// Reads the board page by page until `limit` entries were seen or it ends.
pub async fn discover(api: &DataApi, q: &DiscoveryQuery) -> Result<Discovery, WalletsError> {
    let mut entries = Vec::new();
    let limit = q.limit.min(1_000);
    while (entries.len() as u32) < limit {
        let offset = entries.len() as u32;
        let want = PAGE.min(limit - offset);
        let page = api
            .leaderboard_page((q.category, q.period, q.order_by), offset, want)
            .await?;
        let short = (page.len() as u32) < want;
        entries.extend(page);
        if short {
            break;
        }
    }
    Ok(candidates(&entries, q))
}

/// Board entries → candidates above the thresholds, first occurrence of each wallet (the
/// board can shift between pages).
#[must_use]
pub fn candidates(entries: &[TraderLeaderboardEntry], q: &DiscoveryQuery) -> Discovery {
    let mut out = Discovery::default();
    let mut seen = HashSet::new();
    for e in entries {
        match candidate(e) {
            Ok(c) if c.pnl >= q.min_pnl && c.volume >= q.min_volume && seen.insert(c.wallet) => {
                out.candidates.push(c);
            }
            Ok(_) => {}
            Err(err) => out.rejected.push(err),
        }
    }
    out
}

fn candidate(e: &TraderLeaderboardEntry) -> Result<Candidate, ParseError> {
    let money = |field: &'static str, v| {
        i64::try_from(decimal_micros_rounded(v))
            .map(Usdc::from_micros)
            .map_err(|_| {
                ParseError::new("leaderboard", field, format!("{v} is out of range"))
                    .at(e.proxy_wallet.to_string())
            })
    };
    let rank = u32::try_from(e.rank).map_err(|_| {
        ParseError::new("leaderboard", "rank", format!("{} is not a rank", e.rank))
            .at(e.proxy_wallet.to_string())
    })?;
    Ok(Candidate {
        wallet: e.proxy_wallet,
        rank,
        user_name: e.user_name.clone().filter(|n| !n.trim().is_empty()),
        pnl: money("pnl", &e.pnl)?,
        volume: money("vol", &e.vol)?,
    })
}
