//! Data API trades and activity (the SDK's types) and RTDS `activity`/`trades` payloads
//! (JSON) into one [`WalletTrade`].
//!
//! Every required field is checked and a bad one is a [`ParseError`] naming it; nothing is
//! defaulted. In particular the outcome index is mandatory, and must agree with a "Yes"/"No"
//! outcome name: a trade of outcome 1 ("No") is a trade of the NO token, never YES.
//!
//! Amounts: the venue's prices and sizes have at most six decimals, but the Data API reports
//! some fills as averages (`usdc / size`) with float noise, e.g. `0.35000000525`. Prices,
//! sizes and cash are therefore rounded to the micro-unit (half away from zero) — the
//! precision of USDC and of CTF tokens, so nothing real is lost — and then validated: a price
//! outside [0.001, 0.999] or a size ≤ 0 is an error.

use std::str::FromStr;

use alloy_primitives::{Address, B256};
use polybot_model::{ConditionId, Price, Side, Size, TokenId, Usdc};
use polybot_polymarket::convert::decimal_micros_rounded;
use polymarket_client_sdk_v2::data::types::response::{Activity, Trade};
use polymarket_client_sdk_v2::data::types::{ActivityType, Side as SdkSide};
use polymarket_client_sdk_v2::rtds::RtdsMessage;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::error::ParseError;
use crate::trade::{Source, WalletTrade};

/// Venue timestamps below this are seconds, above it milliseconds (1e11 s is the year 5138;
/// 1e11 ms is 1973), so either unit is read correctly.
const SECONDS_BELOW: i64 = 100_000_000_000;

/// A Data API `/trades` record.
pub fn from_data_trade(t: &Trade) -> Result<WalletTrade, ParseError> {
    let kind = "trade";
    let locate = |e: ParseError| e.at(t.transaction_hash.to_string());
    let price = price(kind, &t.price).map_err(locate)?;
    let size = size(kind, &t.size).map_err(locate)?;
    let outcome = non_empty(Some(t.outcome.as_str()));
    Ok(WalletTrade {
        wallet: t.proxy_wallet,
        tx_hash: t.transaction_hash,
        condition_id: ConditionId(t.condition_id),
        token: TokenId(t.asset),
        outcome_index: outcome_index(kind, i64::from(t.outcome_index), outcome.as_deref())
            .map_err(locate)?,
        outcome,
        side: side(kind, &t.side).map_err(locate)?,
        price,
        size,
        usdc: size.notional(price),
        timestamp_ms: timestamp_ms(kind, t.timestamp).map_err(locate)?,
        role: None,
        source: Source::Poll,
        market_slug: non_empty(Some(t.slug.as_str())),
        title: non_empty(Some(t.title.as_str())),
    })
}

/// A Data API `/activity` record: `Ok(None)` for non-trade activity (splits, merges,
/// redemptions, rewards, …), which is not a fill.
pub fn from_activity(a: &Activity) -> Result<Option<WalletTrade>, ParseError> {
    if a.activity_type != ActivityType::Trade {
        return Ok(None);
    }
    let kind = "activity";
    let locate = |e: ParseError| e.at(a.transaction_hash.to_string());
    let missing = |field| {
        ParseError::new(kind, field, "missing on a TRADE").at(a.transaction_hash.to_string())
    };
    let price = price(kind, a.price.as_ref().ok_or_else(|| missing("price"))?).map_err(locate)?;
    let size = size(kind, &a.size).map_err(locate)?;
    let index = a.outcome_index.ok_or_else(|| missing("outcomeIndex"))?;
    let outcome = non_empty(a.outcome.as_deref());
    Ok(Some(WalletTrade {
        wallet: a.proxy_wallet,
        tx_hash: a.transaction_hash,
        condition_id: ConditionId(a.condition_id.ok_or_else(|| missing("conditionId"))?),
        token: TokenId(a.asset.ok_or_else(|| missing("asset"))?),
        outcome_index: outcome_index(kind, i64::from(index), outcome.as_deref()).map_err(locate)?,
        outcome,
        side: side(kind, a.side.as_ref().ok_or_else(|| missing("side"))?).map_err(locate)?,
        price,
        size,
        usdc: usdc(kind, "usdcSize", &a.usdc_size).map_err(locate)?,
        timestamp_ms: timestamp_ms(kind, a.timestamp).map_err(locate)?,
        role: None,
        source: Source::Poll,
        market_slug: non_empty(a.slug.as_deref()),
        title: non_empty(a.title.as_deref()),
    }))
}

/// An RTDS message: `Ok(None)` unless it is `activity`/`trades`.
pub fn from_rtds_message(m: &RtdsMessage) -> Result<Option<WalletTrade>, ParseError> {
    if m.topic != "activity" || m.msg_type != "trades" {
        return Ok(None);
    }
    from_rtds_payload(&m.payload).map(Some)
}

/// The payload of an RTDS `activity`/`trades` message (the Data API trade object; the wallet
/// is `proxyWallet`, or `trader.address` in the variant some clients have seen).
pub fn from_rtds_payload(p: &Value) -> Result<WalletTrade, ParseError> {
    let tx = p
        .get("transactionHash")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_owned();
    rtds_fields(p).map_err(|e| e.at(tx))
}

fn rtds_fields(p: &Value) -> Result<WalletTrade, ParseError> {
    let kind = "rtds";
    let wallet_text = p
        .get("proxyWallet")
        .or_else(|| p.pointer("/trader/address"))
        .ok_or_else(|| ParseError::new(kind, "proxyWallet", "missing"))?;
    let price = price(kind, &json_decimal(p, "price")?)?;
    let size = size(kind, &json_decimal(p, "size")?)?;
    let outcome = non_empty(p.get("outcome").and_then(Value::as_str));
    let side_text = required_str(p, "side")?;
    Ok(WalletTrade {
        wallet: parse_hex(kind, "proxyWallet", wallet_text, Address::from_str)?,
        tx_hash: parse_hex(
            kind,
            "transactionHash",
            field(p, "transactionHash")?,
            B256::from_str,
        )?,
        condition_id: ConditionId::parse(required_str(p, "conditionId")?)
            .map_err(|e| ParseError::new(kind, "conditionId", e.to_string()))?,
        token: json_token(p)?,
        outcome_index: outcome_index(kind, json_int(p, "outcomeIndex")?, outcome.as_deref())?,
        outcome,
        side: side_from_text(kind, side_text)?,
        price,
        size,
        usdc: size.notional(price),
        timestamp_ms: timestamp_ms(kind, json_int(p, "timestamp")?)?,
        role: None,
        source: Source::Stream,
        market_slug: non_empty(p.get("slug").and_then(Value::as_str)),
        title: non_empty(p.get("title").and_then(Value::as_str)),
    })
}

fn field<'a>(p: &'a Value, name: &'static str) -> Result<&'a Value, ParseError> {
    match p.get(name) {
        None | Some(Value::Null) => Err(ParseError::new("rtds", name, "missing")),
        Some(v) => Ok(v),
    }
}

fn required_str<'a>(p: &'a Value, name: &'static str) -> Result<&'a str, ParseError> {
    field(p, name)?
        .as_str()
        .ok_or_else(|| ParseError::new("rtds", name, "not a string"))
}

fn parse_hex<T, E: std::fmt::Display>(
    kind: &'static str,
    name: &'static str,
    v: &Value,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<T, ParseError> {
    let text = v
        .as_str()
        .ok_or_else(|| ParseError::new(kind, name, "not a string"))?;
    parse(text.trim()).map_err(|e| ParseError::new(kind, name, format!("{text:?}: {e}")))
}

/// A decimal sent as a JSON number or a string.
fn json_decimal(p: &Value, name: &'static str) -> Result<Decimal, ParseError> {
    let bad = |why: String| ParseError::new("rtds", name, why);
    match field(p, name)? {
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .map_err(|e| bad(format!("{n}: {e}"))),
        Value::String(s) => Decimal::from_str(s.trim()).map_err(|e| bad(format!("{s:?}: {e}"))),
        other => Err(bad(format!("not a number: {other}"))),
    }
}

/// An integer sent as a JSON number or a numeric string.
fn json_int(p: &Value, name: &'static str) -> Result<i64, ParseError> {
    let v = field(p, name)?;
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        .ok_or_else(|| ParseError::new("rtds", name, format!("not an integer: {v}")))
}

fn json_token(p: &Value) -> Result<TokenId, ParseError> {
    let text = match field(p, "asset")? {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_u64() => n.to_string(),
        other => {
            return Err(ParseError::new(
                "rtds",
                "asset",
                format!("not a token id: {other}"),
            ));
        }
    };
    TokenId::parse(text.trim()).map_err(|e| ParseError::new("rtds", "asset", e.to_string()))
}

fn non_empty(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn price(kind: &'static str, value: &Decimal) -> Result<Price, ParseError> {
    let micros = decimal_micros_rounded(value);
    u32::try_from(micros)
        .ok()
        .and_then(|m| Price::from_micros(m).ok())
        .ok_or_else(|| {
            ParseError::new(
                kind,
                "price",
                format!("{value} is not a price in [0.001, 0.999]"),
            )
        })
}

fn size(kind: &'static str, value: &Decimal) -> Result<Size, ParseError> {
    match u64::try_from(decimal_micros_rounded(value)) {
        Ok(m) if m > 0 => Ok(Size::from_micros(m)),
        _ => Err(ParseError::new(
            kind,
            "size",
            format!("{value} is not a positive size"),
        )),
    }
}

fn usdc(kind: &'static str, name: &'static str, value: &Decimal) -> Result<Usdc, ParseError> {
    match i64::try_from(decimal_micros_rounded(value)) {
        Ok(m) if m >= 0 => Ok(Usdc::from_micros(m)),
        _ => Err(ParseError::new(
            kind,
            name,
            format!("{value} is not a cash amount ≥ 0"),
        )),
    }
}

/// A venue timestamp (seconds or milliseconds) in ms; `None` if not positive.
#[must_use]
pub fn venue_time_ms(ts: i64) -> Option<i64> {
    match ts {
        t if t <= 0 => None,
        t if t < SECONDS_BELOW => Some(t * 1000),
        t => Some(t),
    }
}

fn timestamp_ms(kind: &'static str, ts: i64) -> Result<i64, ParseError> {
    venue_time_ms(ts)
        .ok_or_else(|| ParseError::new(kind, "timestamp", format!("{ts} is not a time")))
}

/// The outcome index, which must be ≥ 0 and agree with a "Yes" (0) / "No" (1) name.
fn outcome_index(kind: &'static str, index: i64, name: Option<&str>) -> Result<u32, ParseError> {
    let i = u32::try_from(index).map_err(|_| {
        ParseError::new(
            kind,
            "outcomeIndex",
            format!("{index} is negative or too large"),
        )
    })?;
    let expected = match name {
        Some(n) if n.eq_ignore_ascii_case("yes") => Some(0),
        Some(n) if n.eq_ignore_ascii_case("no") => Some(1),
        _ => None,
    };
    match expected {
        Some(e) if e != i => Err(ParseError::new(
            kind,
            "outcomeIndex",
            format!(
                "{i} contradicts outcome {:?} (index {e})",
                name.unwrap_or_default()
            ),
        )),
        _ => Ok(i),
    }
}

fn side(kind: &'static str, s: &SdkSide) -> Result<Side, ParseError> {
    match s {
        SdkSide::Buy => Ok(Side::Buy),
        SdkSide::Sell => Ok(Side::Sell),
        SdkSide::Unknown(text) => Err(ParseError::new(
            kind,
            "side",
            format!("unknown side {text:?}"),
        )),
        #[allow(unreachable_patterns)]
        _ => Err(ParseError::new(kind, "side", "unknown side")),
    }
}

fn side_from_text(kind: &'static str, text: &str) -> Result<Side, ParseError> {
    match text.trim().to_ascii_uppercase().as_str() {
        "BUY" => Ok(Side::Buy),
        "SELL" => Ok(Side::Sell),
        _ => Err(ParseError::new(
            kind,
            "side",
            format!("unknown side {text:?}"),
        )),
    }
}
