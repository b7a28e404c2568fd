//! Typed forms of the recorded records that fakex re-serialises itself (trades, positions,
//! books, price histories, leaderboard wallets).
//!
//! Unlike Gamma and CLOB market objects, which are served back verbatim, these are rebuilt on
//! output: fixtures often miss fields the SDK requires (a trade without `icon` or
//! `outcomeIndex`, a position with a full timestamp as `endDate`), and the simulator appends
//! its own records of the same kinds.

use polybot_model::{Side, TokenId};
use serde_json::{Map, Value};

use crate::util::{as_f64, as_str, is_hex_id, lower};

/// A Data API trade as recorded (or later simulated).
#[derive(Debug, Clone)]
pub struct RecordedTrade {
    pub wallet: String,
    pub side: Side,
    pub asset: TokenId,
    pub condition: String,
    pub size: f64,
    pub price: f64,
    pub timestamp: i64,
    pub title: String,
    pub slug: String,
    pub icon: String,
    pub event_slug: String,
    pub outcome: String,
    pub outcome_index: i32,
    pub name: String,
    pub pseudonym: String,
    pub bio: String,
    pub profile_image: String,
    pub tx: String,
}

fn text(map: &Map<String, Value>, key: &str) -> String {
    as_str(map.get(key)).unwrap_or_default().to_owned()
}

fn token(value: Option<&Value>) -> Option<TokenId> {
    match value? {
        Value::String(s) => TokenId::parse(s).ok(),
        Value::Number(n) => TokenId::parse(&n.to_string()).ok(),
        _ => None,
    }
}

/// Parses one Data API trade object; `None` when an id does not parse.
#[must_use]
pub fn parse_trade(map: &Map<String, Value>) -> Option<RecordedTrade> {
    let wallet = lower(as_str(map.get("proxyWallet"))?);
    let condition = lower(as_str(map.get("conditionId"))?);
    let tx = lower(as_str(map.get("transactionHash"))?);
    if !is_hex_id(&wallet, 40) || !is_hex_id(&condition, 64) || !is_hex_id(&tx, 64) {
        return None;
    }
    let side = match as_str(map.get("side"))?.to_ascii_uppercase().as_str() {
        "BUY" => Side::Buy,
        "SELL" => Side::Sell,
        _ => return None,
    };
    let price = as_f64(map.get("price")).filter(|p| (0.0..=1.0).contains(p))?;
    Some(RecordedTrade {
        wallet,
        side,
        asset: token(map.get("asset"))?,
        condition,
        size: as_f64(map.get("size")).filter(|s| *s >= 0.0)?,
        price,
        timestamp: map.get("timestamp").and_then(Value::as_i64)?,
        title: text(map, "title"),
        slug: text(map, "slug"),
        icon: text(map, "icon"),
        event_slug: text(map, "eventSlug"),
        outcome: text(map, "outcome"),
        outcome_index: map.get("outcomeIndex").and_then(Value::as_i64).unwrap_or(0) as i32,
        name: text(map, "name"),
        pseudonym: text(map, "pseudonym"),
        bio: text(map, "bio"),
        profile_image: text(map, "profileImage"),
        tx,
    })
}

/// Normalises a Data API position so the SDK's strict `Position` accepts it: ids checked,
/// every required field present, `endDate` reduced to `YYYY-MM-DD`.
#[must_use]
pub fn normalize_position(map: &Map<String, Value>) -> Option<Map<String, Value>> {
    let wallet = lower(as_str(map.get("proxyWallet"))?);
    let condition = as_str(map.get("conditionId"))?;
    if !is_hex_id(&wallet, 40) || !is_hex_id(condition, 64) {
        return None;
    }
    let asset = token(map.get("asset"))?;
    let opposite = token(map.get("oppositeAsset"));
    let mut out = map.clone();
    out.insert("proxyWallet".into(), Value::from(wallet));
    out.insert("asset".into(), Value::from(asset.to_string()));
    out.insert(
        "oppositeAsset".into(),
        Value::from(
            opposite
                .map(|t| t.to_string())
                .unwrap_or_else(|| "0".into()),
        ),
    );
    for key in [
        "size",
        "avgPrice",
        "initialValue",
        "currentValue",
        "cashPnl",
        "percentPnl",
        "totalBought",
        "realizedPnl",
        "percentRealizedPnl",
        "curPrice",
    ] {
        let v = as_f64(map.get(key)).unwrap_or(0.0);
        out.insert(key.into(), crate::util::num(v));
    }
    for key in ["redeemable", "mergeable", "negativeRisk"] {
        let v = crate::util::as_bool(map.get(key)).unwrap_or(false);
        out.insert(key.into(), Value::from(v));
    }
    for key in [
        "title",
        "slug",
        "icon",
        "eventSlug",
        "outcome",
        "oppositeOutcome",
    ] {
        out.insert(key.into(), Value::from(text(map, key)));
    }
    let idx = map.get("outcomeIndex").and_then(Value::as_i64).unwrap_or(0);
    out.insert("outcomeIndex".into(), Value::from(idx));
    let end = text(map, "endDate");
    out.insert(
        "endDate".into(),
        Value::from(end.get(..10).filter(|_| end.len() >= 10).unwrap_or("")),
    );
    Some(out)
}

/// A recorded REST/WS book: levels as `(price, size)`.
#[derive(Debug, Clone)]
pub struct RecordedBook {
    pub asset: TokenId,
    pub bids: Vec<(f64, f64)>,
    pub asks: Vec<(f64, f64)>,
    pub timestamp_secs: Option<i64>,
}

fn levels(value: Option<&Value>) -> Vec<(f64, f64)> {
    let Some(Value::Array(items)) = value else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|l| Some((as_f64(l.get("price"))?, as_f64(l.get("size"))?)))
        .filter(|(p, s)| *p > 0.0 && *p < 1.0 && *s > 0.0)
        .collect()
}

#[must_use]
pub fn parse_book(map: &Map<String, Value>) -> Option<RecordedBook> {
    let asset = token(map.get("asset_id"))?;
    let timestamp_secs = as_f64(map.get("timestamp")).map(|ms| (ms / 1000.0) as i64);
    Some(RecordedBook {
        asset,
        bids: levels(map.get("bids")),
        asks: levels(map.get("asks")),
        timestamp_secs,
    })
}

/// A `/prices-history` series, sorted by time; `None` when empty or malformed.
#[must_use]
pub fn parse_history(items: &[Value]) -> Option<Vec<(i64, f64)>> {
    let mut points: Vec<(i64, f64)> = items
        .iter()
        .filter_map(|p| Some((p.get("t")?.as_i64()?, as_f64(p.get("p"))?)))
        .filter(|(_, p)| (0.0..=1.0).contains(p))
        .collect();
    if points.len() < 2 {
        return None;
    }
    points.sort_by_key(|(t, _)| *t);
    Some(points)
}

/// A trader from a leaderboard/profile dump (`wallets.csv`).
#[derive(Debug, Clone, Default)]
pub struct Wallet {
    pub address: String,
    pub name: String,
    pub pseudonym: String,
    pub bio: String,
    pub profile_image: String,
    pub pnl: f64,
    pub pnl_30d: f64,
    pub volume: f64,
}

/// Parses `wallets.csv` (`wallet_address,pseudonym,name,bio,profile_image,lifetime_profit_usd,
/// profit_30d_usd,lifetime_volume_usd,…`); rows with a bad
/// address are skipped.
#[must_use]
pub fn parse_wallets_csv(text: &str) -> Vec<Wallet> {
    let rows = parse_csv(text);
    let Some((header, body)) = rows.split_first() else {
        return Vec::new();
    };
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let Some(addr_col) = col("wallet_address") else {
        return Vec::new();
    };
    let get = |row: &[String], name: &str| -> String {
        col(name)
            .and_then(|i| row.get(i))
            .cloned()
            .unwrap_or_default()
    };
    let num = |row: &[String], name: &str| {
        get(row, name)
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .unwrap_or(0.0)
    };
    body.iter()
        .filter_map(|row| {
            let address = lower(row.get(addr_col)?.trim());
            is_hex_id(&address, 40).then(|| Wallet {
                name: get(row, "name"),
                pseudonym: get(row, "pseudonym"),
                bio: get(row, "bio"),
                profile_image: get(row, "profile_image"),
                pnl: num(row, "lifetime_profit_usd"),
                pnl_30d: num(row, "profit_30d_usd"),
                volume: num(row, "lifetime_volume_usd"),
                address,
            })
        })
        .collect()
}

/// A minimal RFC 4180 reader: quoted fields, doubled quotes, newlines inside quotes.
#[must_use]
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_handles_quotes() {
        let rows = parse_csv("a,b,c\n1,\"x, \"\"y\"\"\",3\r\n4,,\"multi\nline\"\n");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1], vec!["1", "x, \"y\"", "3"]);
        assert_eq!(rows[2], vec!["4", "", "multi\nline"]);
    }

    #[test]
    fn wallets_skip_bad_addresses() {
        let text = "wallet_address,pseudonym,name,lifetime_profit_usd,lifetime_volume_usd\n\
                    0x44C1dfe43260c94ed4f1d00de2e1f80fb113ebc1,Jam,jam,12.5,100\nnot-an-address,x,y,1,1\n";
        let w = parse_wallets_csv(text);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].address, "0x44c1dfe43260c94ed4f1d00de2e1f80fb113ebc1");
        assert!((w[0].pnl - 12.5).abs() < 1e-9);
    }
}
