//! A wallet's open positions (`/positions?user=`), for the whale scanner: what the smart money
//! holds, at what average price, and how it is doing.

use alloy_primitives::Address;
use polybot_model::{ConditionId, Probability, Size, TokenId, Usdc};
use polybot_polymarket::convert::decimal_micros_rounded;
use polymarket_client_sdk_v2::data::types::response::Position;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::client::DataApi;
use crate::error::{ParseError, WalletsError};

/// The positions endpoint's page size limit.
const PAGE: u32 = 500;

/// One position of a wallet. Prices are probabilities ([0, 1]: a resolved market marks at 0
/// or 1); money is exact to the micro-dollar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WalletPosition {
    pub wallet: Address,
    pub condition_id: ConditionId,
    pub token: TokenId,
    pub outcome_index: u32,
    pub outcome: Option<String>,
    pub size: Size,
    pub avg_price: Probability,
    pub cur_price: Probability,
    pub initial_value: Usdc,
    pub current_value: Usdc,
    pub cash_pnl: Usdc,
    pub realized_pnl: Usdc,
    pub redeemable: bool,
    pub mergeable: bool,
    pub negative_risk: bool,
    pub title: Option<String>,
    pub slug: Option<String>,
    pub event_slug: Option<String>,
    /// `YYYY-MM-DD`, when the venue gives one.
    pub end_date: Option<String>,
}

/// What a positions fetch found.
#[derive(Debug, Default)]
pub struct PositionsFetch {
    pub positions: Vec<WalletPosition>,
    pub rejected: Vec<ParseError>,
}

/// Up to `max` positions of `wallet` (pages of 500, the endpoint's limit).
pub async fn fetch_positions(
    api: &DataApi,
    wallet: Address,
    max: u32,
) -> Result<PositionsFetch, WalletsError> {
    let mut out = PositionsFetch::default();
    let mut offset = 0;
    while offset < max {
        let want = PAGE.min(max - offset);
        let page = api.positions_page(wallet, offset, want).await?;
        for p in &page {
            match from_position(p) {
                Ok(w) => out.positions.push(w),
                Err(e) => out.rejected.push(e),
            }
        }
        if (page.len() as u32) < want {
            break;
        }
        offset += want;
    }
    Ok(out)
}

fn text(s: &str) -> Option<String> {
    Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// One SDK position → [`WalletPosition`]; a bad field is an error naming it.
pub fn from_position(p: &Position) -> Result<WalletPosition, ParseError> {
    let locate = |field: &'static str, why: String| {
        ParseError::new("position", field, why).at(format!("{}/{}", p.proxy_wallet, p.asset))
    };
    let usdc = |field: &'static str, v: &Decimal| {
        i64::try_from(decimal_micros_rounded(v))
            .map(Usdc::from_micros)
            .map_err(|_| locate(field, format!("{v} is out of range")))
    };
    let prob = |field: &'static str, v: &Decimal| {
        u32::try_from(decimal_micros_rounded(v))
            .ok()
            .and_then(|m| Probability::from_micros(m).ok())
            .ok_or_else(|| locate(field, format!("{v} is not a price in [0, 1]")))
    };
    let size = u64::try_from(decimal_micros_rounded(&p.size))
        .map(Size::from_micros)
        .map_err(|_| locate("size", format!("{} is negative", p.size)))?;
    let outcome_index = u32::try_from(p.outcome_index)
        .map_err(|_| locate("outcomeIndex", format!("{} is negative", p.outcome_index)))?;
    Ok(WalletPosition {
        wallet: p.proxy_wallet,
        condition_id: ConditionId(p.condition_id),
        token: TokenId(p.asset),
        outcome_index,
        outcome: text(&p.outcome),
        size,
        avg_price: prob("avgPrice", &p.avg_price)?,
        cur_price: prob("curPrice", &p.cur_price)?,
        initial_value: usdc("initialValue", &p.initial_value)?,
        current_value: usdc("currentValue", &p.current_value)?,
        cash_pnl: usdc("cashPnl", &p.cash_pnl)?,
        realized_pnl: usdc("realizedPnl", &p.realized_pnl)?,
        redeemable: p.redeemable,
        mergeable: p.mergeable,
        negative_risk: p.negative_risk,
        title: text(&p.title),
        slug: text(&p.slug),
        event_slug: text(&p.event_slug),
        end_date: p.end_date.map(|d| d.format("%Y-%m-%d").to_string()),
    })
}
