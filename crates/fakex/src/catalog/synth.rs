//! Synthesising the missing half of a market: a CLOB object for a market known only from
//! Gamma, and a Gamma object for one known only from the CLOB.
//!
//! Clients cross-reference the two APIs (discover on Gamma, trade on the CLOB), so every
//! market must exist in both. Synthesised objects carry only facts present in the source —
//! in particular no invented volume: a CLOB-only market starts at volume 0 and grows from
//! simulated trades.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::spec::Spec;
use crate::util::{as_f64, as_str, is_hex_id, num, parse_datetime, rfc3339};

type Obj = Map<String, Value>;

fn hex_or_empty(value: Option<&Value>, hex_len: usize) -> Value {
    let text = as_str(value).unwrap_or_default();
    Value::from(if is_hex_id(&text.to_ascii_lowercase(), hex_len) {
        text
    } else {
        ""
    })
}

fn opt_datetime(dt: Option<DateTime<Utc>>) -> Value {
    dt.map_or(Value::Null, |d| Value::from(rfc3339(d)))
}

fn int_of(obj: &Obj, key: &str) -> i64 {
    as_f64(obj.get(key)).map_or(0, |x| x.round() as i64)
}

fn token_entries(spec: &Spec, prices: &[f64]) -> Vec<Value> {
    spec.tokens
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({
                "token_id": t.to_string(),
                "outcome": spec.outcomes.get(i).cloned().unwrap_or_default(),
                "price": num(prices.get(i).copied().unwrap_or(0.0)),
                "winner": false,
            })
        })
        .collect()
}

/// Initial display prices per outcome, from the recorded quote (complement for binaries).
#[must_use]
pub fn initial_prices(spec: &Spec) -> Vec<f64> {
    let first = spec.quote.price.unwrap_or(0.5).clamp(0.0, 1.0);
    match spec.tokens.len() {
        2 => vec![first, 1.0 - first],
        n => (0..n)
            .map(|i| if i == 0 { first } else { 1.0 / n as f64 })
            .collect(),
    }
}

fn clob_rewards(gamma: &Obj) -> Value {
    let rates: Vec<Value> = gamma
        .get("clobRewards")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|r| {
                    let addr = as_str(r.get("assetAddress"))?;
                    is_hex_id(&addr.to_ascii_lowercase(), 40).then(|| {
                        json!({"asset_address": addr, "rewards_daily_rate": num(as_f64(r.get("rewardsDailyRate")).unwrap_or(0.0))})
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "rates": rates,
        "min_size": num(as_f64(gamma.get("rewardsMinSize")).unwrap_or(0.0)),
        "max_spread": num(as_f64(gamma.get("rewardsMaxSpread")).unwrap_or(0.0)),
    })
}

/// A CLOB `MarketResponse` object for a market known only from Gamma.
#[must_use]
pub fn clob_from_gamma(gamma: &Obj, spec: &Spec, cid: &str, category: &str) -> Obj {
    let accepting_ts = as_str(gamma.get("acceptingOrdersTimestamp")).and_then(parse_datetime);
    let game_start = as_str(gamma.get("gameStartTime")).and_then(parse_datetime);
    let image = as_str(gamma.get("image")).unwrap_or(&spec.icon).to_owned();
    let value = json!({
        "enable_order_book": spec.enable_book,
        "active": spec.active,
        "closed": spec.closed,
        "archived": spec.archived,
        "accepting_orders": spec.accepting,
        "accepting_order_timestamp": opt_datetime(accepting_ts),
        "minimum_order_size": num(spec.min_size),
        "minimum_tick_size": num(f64::from(spec.tick.micros()) / 1e6),
        "condition_id": cid,
        "question_id": hex_or_empty(gamma.get("questionID"), 64),
        "question": spec.question,
        "description": spec.description,
        "market_slug": spec.slug,
        "end_date_iso": opt_datetime(spec.end_date),
        "game_start_time": opt_datetime(game_start),
        "seconds_delay": int_of(gamma, "secondsDelay").max(0),
        "fpmm": "",
        "maker_base_fee": int_of(gamma, "makerBaseFee"),
        "taker_base_fee": int_of(gamma, "takerBaseFee"),
        "notifications_enabled": true,
        "neg_risk": spec.neg_risk,
        "neg_risk_market_id": hex_or_empty(gamma.get("negRiskMarketID"), 64),
        "neg_risk_request_id": hex_or_empty(gamma.get("negRiskRequestID"), 64),
        "icon": spec.icon,
        "image": image,
        "rewards": clob_rewards(gamma),
        "is_50_50_outcome": false,
        "tokens": token_entries(spec, &initial_prices(spec)),
        "tags": [category],
    });
    value.as_object().cloned().unwrap_or_default()
}

/// A Gamma market object for a market known only from the CLOB.
#[must_use]
pub fn gamma_from_clob(clob: &Obj, spec: &Spec, cid: &str, id: &str) -> Obj {
    let prices: Vec<String> = initial_prices(spec)
        .iter()
        .map(|p| crate::util::dec_str(*p))
        .collect();
    let tokens: Vec<String> = spec.tokens.iter().map(ToString::to_string).collect();
    let rewards = clob.get("rewards");
    let mut out = json!({
        "id": id,
        "question": spec.question,
        "conditionId": cid,
        "slug": spec.slug,
        "description": spec.description,
        "image": as_str(clob.get("image")).unwrap_or(&spec.icon),
        "icon": spec.icon,
        "outcomes": serde_json::to_string(&spec.outcomes).unwrap_or_default(),
        "outcomePrices": serde_json::to_string(&prices).unwrap_or_default(),
        "clobTokenIds": serde_json::to_string(&tokens).unwrap_or_default(),
        "volume": "0",
        "volumeNum": 0,
        "active": spec.active,
        "closed": spec.closed,
        "archived": spec.archived,
        "acceptingOrders": spec.accepting,
        "enableOrderBook": spec.enable_book,
        "orderPriceMinTickSize": num(f64::from(spec.tick.micros()) / 1e6),
        "orderMinSize": num(spec.min_size),
        "negRisk": spec.neg_risk,
        "questionID": hex_or_empty(clob.get("question_id"), 64),
        "negRiskMarketID": hex_or_empty(clob.get("neg_risk_market_id"), 64),
        "negRiskRequestID": hex_or_empty(clob.get("neg_risk_request_id"), 64),
        "makerBaseFee": int_of(clob, "maker_base_fee"),
        "takerBaseFee": int_of(clob, "taker_base_fee"),
        "rewardsMinSize": num(as_f64(rewards.and_then(|r| r.get("min_size"))).unwrap_or(0.0)),
        "rewardsMaxSpread": num(as_f64(rewards.and_then(|r| r.get("max_spread"))).unwrap_or(0.0)),
        "new": false,
        "featured": false,
        "restricted": true,
    });
    if let Some(obj) = out.as_object_mut() {
        add_optional(obj, spec, clob);
    }
    out.as_object().cloned().unwrap_or_default()
}

/// The Gamma fields only present when the CLOB object has the facts: dates and category.
fn add_optional(obj: &mut Obj, spec: &Spec, clob: &Obj) {
    if let Some(end) = spec.end_date {
        obj.insert("endDate".into(), Value::from(rfc3339(end)));
        obj.insert(
            "endDateIso".into(),
            Value::from(end.format("%Y-%m-%d").to_string()),
        );
    }
    if let Some(start) = spec.start_date {
        obj.insert("startDate".into(), Value::from(rfc3339(start)));
        obj.insert(
            "acceptingOrdersTimestamp".into(),
            Value::from(rfc3339(start)),
        );
    }
    let tag = clob
        .get("tags")
        .and_then(Value::as_array)
        .and_then(|t| t.first())
        .and_then(Value::as_str);
    if let Some(tag) = tag {
        obj.insert("category".into(), Value::from(tag));
    }
}
