//! Recognising a recorded JSON file by its shape, and normalising its records.
//!
//! Seed folders hold whatever was captured from the real APIs, with no naming convention, so a
//! file is classified by what its records look like (a Gamma market has `conditionId` and
//! `clobTokenIds`, a CLOB market `condition_id` and `tokens`, …). Records whose ids do not
//! parse are dropped here (fixtures often use placeholders like `0xabc123`), and the strict
//! fields the SDK would reject are normalised, so everything past this point is servable.

use polybot_model::{ConditionId, TickSize, TokenId};
use serde_json::{Map, Value};

use super::records::{self, RecordedBook, RecordedTrade};
use crate::util::{as_f64, as_str, is_hex_id};

type Obj = Map<String, Value>;

/// A Gamma event with the markets it listed.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// The event object without its `markets` array.
    pub obj: Obj,
    /// Condition ids of every market the event listed, in order.
    pub market_conditions: Vec<ConditionId>,
    /// Those listed markets that were complete Gamma market objects.
    pub full_markets: Vec<Obj>,
}

/// What a file turned out to contain.
#[derive(Debug)]
pub enum Kind {
    GammaMarkets(Vec<Obj>),
    GammaEvents(Vec<EventRecord>),
    ClobMarkets(Vec<Obj>),
    Books(Vec<RecordedBook>),
    History(Vec<(i64, f64)>),
    Trades(Vec<RecordedTrade>),
    Positions(Vec<Obj>),
}

/// The classification of one file: its records, plus how many were dropped as invalid.
#[derive(Debug)]
pub struct Sniffed {
    pub kind: Kind,
    pub dropped: usize,
}

fn is_gamma_market(o: &Obj) -> bool {
    o.contains_key("conditionId") && o.contains_key("clobTokenIds")
}
fn is_gamma_event(o: &Obj) -> bool {
    o.get("markets").is_some_and(Value::is_array)
        && (o.contains_key("ticker") || o.contains_key("slug"))
}
fn is_clob_market(o: &Obj) -> bool {
    o.contains_key("condition_id") && o.get("tokens").is_some_and(Value::is_array)
}
fn is_trade(o: &Obj) -> bool {
    o.contains_key("proxyWallet") && o.contains_key("transactionHash") && o.contains_key("asset")
}
fn is_position(o: &Obj) -> bool {
    o.contains_key("proxyWallet") && o.contains_key("asset") && o.contains_key("curPrice")
}
fn is_book(o: &Obj) -> bool {
    o.contains_key("asset_id") && (o.contains_key("bids") || o.contains_key("asks"))
}

/// Classifies a parsed file; `None` if it is not a shape fakex knows.
#[must_use]
pub fn classify(value: Value) -> Option<Sniffed> {
    match value {
        Value::Array(items) => classify_array(items),
        Value::Object(obj) => classify_object(obj),
        _ => None,
    }
}

fn objects(items: Vec<Value>) -> Vec<Obj> {
    items
        .into_iter()
        .filter_map(|v| match v {
            Value::Object(o) => Some(o),
            _ => None,
        })
        .collect()
}

fn collect<T>(items: Vec<Obj>, f: impl Fn(&Obj) -> Option<T>) -> (Vec<T>, usize) {
    let total = items.len();
    let kept: Vec<T> = items.iter().filter_map(f).collect();
    let dropped = total - kept.len();
    (kept, dropped)
}

fn classify_array(items: Vec<Value>) -> Option<Sniffed> {
    let objs = objects(items);
    let first = objs.first()?;
    let sniffed = if is_gamma_market(first) {
        let (kept, dropped) = collect(objs, normalize_gamma_market);
        Sniffed {
            kind: Kind::GammaMarkets(kept),
            dropped,
        }
    } else if is_gamma_event(first) {
        let (kept, dropped) = collect(objs, normalize_event);
        Sniffed {
            kind: Kind::GammaEvents(kept),
            dropped,
        }
    } else if is_clob_market(first) {
        let (kept, dropped) = collect(objs, normalize_clob_market);
        Sniffed {
            kind: Kind::ClobMarkets(kept),
            dropped,
        }
    } else if is_trade(first) {
        let (kept, dropped) = collect(objs, records::parse_trade);
        Sniffed {
            kind: Kind::Trades(kept),
            dropped,
        }
    } else if is_position(first) {
        let (kept, dropped) = collect(objs, records::normalize_position);
        Sniffed {
            kind: Kind::Positions(kept),
            dropped,
        }
    } else if is_book(first) {
        let (kept, dropped) = collect(objs, records::parse_book);
        Sniffed {
            kind: Kind::Books(kept),
            dropped,
        }
    } else {
        return None;
    };
    Some(sniffed)
}

fn single<T>(item: Option<T>, wrap: impl FnOnce(Vec<T>) -> Kind) -> Sniffed {
    let dropped = usize::from(item.is_none());
    Sniffed {
        kind: wrap(item.into_iter().collect()),
        dropped,
    }
}

fn classify_object(obj: Obj) -> Option<Sniffed> {
    if let Some(Value::Array(data)) = obj.get("data")
        && data
            .first()
            .and_then(Value::as_object)
            .is_some_and(is_clob_market)
    {
        let (kept, dropped) = collect(objects(data.clone()), normalize_clob_market);
        return Some(Sniffed {
            kind: Kind::ClobMarkets(kept),
            dropped,
        });
    }
    if let Some(Value::Array(history)) = obj.get("history") {
        return Some(match records::parse_history(history) {
            Some(points) => Sniffed {
                kind: Kind::History(points),
                dropped: 0,
            },
            None => Sniffed {
                kind: Kind::History(Vec::new()),
                dropped: 1,
            },
        });
    }
    let sniffed = if is_clob_market(&obj) {
        single(normalize_clob_market(&obj), Kind::ClobMarkets)
    } else if is_gamma_market(&obj) {
        single(normalize_gamma_market(&obj), Kind::GammaMarkets)
    } else if is_gamma_event(&obj) {
        single(normalize_event(&obj), Kind::GammaEvents)
    } else if is_book(&obj) {
        single(records::parse_book(&obj), Kind::Books)
    } else {
        return None;
    };
    Some(sniffed)
}

/// A JSON-in-a-string list (Gamma's `outcomes`, `clobTokenIds`) as a plain list.
fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    let list = match value? {
        Value::String(s) if s.trim().is_empty() => return Some(Vec::new()),
        Value::String(s) => serde_json::from_str::<Vec<Value>>(s).ok()?,
        Value::Array(items) => items.clone(),
        _ => return None,
    };
    list.into_iter()
        .map(|v| match v {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

fn json_string(list: &[String]) -> Value {
    Value::from(serde_json::to_string(list).unwrap_or_else(|_| "[]".into()))
}

/// Normalises a Gamma market: string ids, JSON-string lists, parseable token ids, and the few
/// strictly typed fields the SDK rejects when malformed.
#[must_use]
pub fn normalize_gamma_market(map: &Obj) -> Option<Obj> {
    let mut out = map.clone();
    ConditionId::parse(as_str(map.get("conditionId"))?).ok()?;
    let tokens = string_list(map.get("clobTokenIds")).unwrap_or_default();
    if tokens.iter().any(|t| TokenId::parse(t).is_err()) {
        return None;
    }
    let mut outcomes = string_list(map.get("outcomes")).unwrap_or_default();
    if outcomes.len() != tokens.len() {
        if !outcomes.is_empty() && !tokens.is_empty() {
            return None;
        }
        if tokens.len() == 2 {
            outcomes = vec!["Yes".into(), "No".into()];
        }
    }
    out.insert("clobTokenIds".into(), json_string(&tokens));
    out.insert("outcomes".into(), json_string(&outcomes));
    match string_list(map.get("outcomePrices")) {
        Some(prices) => out.insert("outcomePrices".into(), json_string(&prices)),
        None => out.remove("outcomePrices"),
    };
    match map.get("id") {
        Some(Value::Number(n)) => {
            out.insert("id".into(), Value::from(n.to_string()));
        }
        Some(Value::String(_)) | None => {}
        Some(_) => {
            out.remove("id");
        }
    }
    sanitize_hex(
        &mut out,
        &["questionID", "negRiskMarketID", "negRiskRequestID"],
        64,
    );
    sanitize_hex(&mut out, &["marketMakerAddress"], 40);
    for key in [
        "makerBaseFee",
        "takerBaseFee",
        "secondsDelay",
        "customLiveness",
    ] {
        if let Some(x) = as_f64(out.get(key)) {
            out.insert(key.into(), Value::from(x.round() as i64));
        }
    }
    if let Some(Value::Array(events)) = out.get_mut("events") {
        events.retain(|e| e.get("id").is_some());
        events.iter_mut().for_each(stringify_id);
    }
    Some(out)
}

fn stringify_id(value: &mut Value) {
    if let Some(obj) = value.as_object_mut()
        && let Some(Value::Number(n)) = obj.get("id")
    {
        let id = n.to_string();
        obj.insert("id".into(), Value::from(id));
    }
}

/// Replaces values that are neither `""` nor `0x` + `hex_len` hex digits with `""`.
fn sanitize_hex(map: &mut Obj, keys: &[&str], hex_len: usize) {
    for key in keys {
        let bad = match map.get(*key) {
            Some(Value::String(s)) => !s.is_empty() && !is_hex_id(&s.to_ascii_lowercase(), hex_len),
            Some(Value::Null) | None => false,
            Some(_) => true,
        };
        if bad {
            map.insert((*key).into(), Value::from(""));
        }
    }
}

/// Normalises a Gamma event, separating the markets it embeds.
#[must_use]
pub fn normalize_event(map: &Obj) -> Option<EventRecord> {
    let mut obj = map.clone();
    if let Some(Value::Number(n)) = obj.get("id") {
        let id = n.to_string();
        obj.insert("id".into(), Value::from(id));
    }
    if !obj.get("id").is_some_and(Value::is_string) {
        return None;
    }
    sanitize_hex(&mut obj, &["negRiskMarketID"], 64);
    let markets = match obj.remove("markets") {
        Some(Value::Array(items)) => objects(items),
        _ => Vec::new(),
    };
    let mut market_conditions = Vec::new();
    let mut full_markets = Vec::new();
    for m in &markets {
        let Some(cid) = as_str(m.get("conditionId")).and_then(|c| ConditionId::parse(c).ok())
        else {
            continue;
        };
        market_conditions.push(cid);
        if is_gamma_market(m)
            && let Some(norm) = normalize_gamma_market(m)
        {
            full_markets.push(norm);
        }
    }
    Some(EventRecord {
        obj,
        market_conditions,
        full_markets,
    })
}

/// Normalises a CLOB market: parseable ids, a valid tick, and every field `MarketResponse`
/// requires (older captures lack some).
#[must_use]
pub fn normalize_clob_market(map: &Obj) -> Option<Obj> {
    ConditionId::parse(as_str(map.get("condition_id"))?).ok()?;
    let mut out = map.clone();
    let Some(Value::Array(tokens)) = out.get_mut("tokens") else {
        return None;
    };
    tokens.iter_mut().try_for_each(normalize_clob_token)?;
    let tick = as_f64(out.get("minimum_tick_size"))
        .and_then(tick_from_f64)
        .unwrap_or(TickSize::Hundredth);
    out.insert(
        "minimum_tick_size".into(),
        crate::util::num(f64::from(tick.micros()) / 1e6),
    );
    fill_clob_defaults(&mut out);
    sanitize_hex(
        &mut out,
        &["question_id", "neg_risk_market_id", "neg_risk_request_id"],
        64,
    );
    sanitize_hex(&mut out, &["fpmm"], 40);
    Some(out)
}

/// A CLOB token entry with a decimal `token_id`, a numeric `price` and every field present.
fn normalize_clob_token(token: &mut Value) -> Option<()> {
    let obj = token.as_object_mut()?;
    let id = match obj.get("token_id")? {
        Value::String(s) => TokenId::parse(s).ok()?,
        Value::Number(n) => TokenId::parse(&n.to_string()).ok()?,
        _ => return None,
    };
    obj.insert("token_id".into(), Value::from(id.to_string()));
    obj.entry("outcome").or_insert_with(|| Value::from(""));
    let price = as_f64(obj.get("price")).unwrap_or(0.0);
    obj.insert("price".into(), crate::util::num(price));
    obj.entry("winner").or_insert(Value::Bool(false));
    Some(())
}

/// Adds the `MarketResponse` fields older captures lack (or have as `null`).
fn fill_clob_defaults(out: &mut Obj) {
    let defaults: [(&str, Value); 18] = [
        ("enable_order_book", Value::Bool(true)),
        ("active", Value::Bool(true)),
        ("closed", Value::Bool(false)),
        ("archived", Value::Bool(false)),
        ("accepting_orders", Value::Bool(false)),
        ("minimum_order_size", Value::from(5)),
        ("question", Value::from("")),
        ("description", Value::from("")),
        ("market_slug", Value::from("")),
        ("seconds_delay", Value::from(0)),
        ("maker_base_fee", Value::from(0)),
        ("taker_base_fee", Value::from(0)),
        ("notifications_enabled", Value::Bool(true)),
        ("neg_risk", Value::Bool(false)),
        ("icon", Value::from("")),
        ("image", Value::from("")),
        ("is_50_50_outcome", Value::Bool(false)),
        (
            "rewards",
            serde_json::json!({"rates": null, "min_size": 0, "max_spread": 0}),
        ),
    ];
    for (key, value) in defaults {
        if out.get(key).is_none_or(Value::is_null) {
            out.insert(key.into(), value);
        }
    }
}

/// The venue tick closest to `x`, if `x` is one of the six.
#[must_use]
pub fn tick_from_f64(x: f64) -> Option<TickSize> {
    let micros = (x * 1e6).round();
    if !(1.0..=1e6).contains(&micros) {
        return None;
    }
    TickSize::from_micros(micros as u32).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn gamma_lists_become_json_strings() {
        let m = json!({"id": 12, "conditionId": format!("0x{}", "ab".repeat(32)),
            "clobTokenIds": ["1", "2"], "outcomePrices": ["0.4", "0.6"]});
        let out = normalize_gamma_market(m.as_object().unwrap()).unwrap();
        assert_eq!(out["id"], "12");
        assert_eq!(out["clobTokenIds"], r#"["1","2"]"#);
        assert_eq!(out["outcomes"], r#"["Yes","No"]"#);
        assert_eq!(out["outcomePrices"], r#"["0.4","0.6"]"#);
    }

    #[test]
    fn placeholder_ids_are_dropped() {
        let m = json!({"conditionId": "0xabc123", "clobTokenIds": "[\"1\"]"});
        assert!(normalize_gamma_market(m.as_object().unwrap()).is_none());
        let c =
            json!({"condition_id": format!("0x{}", "ab".repeat(32)), "tokens": [{"token_id": ""}]});
        assert!(normalize_clob_market(c.as_object().unwrap()).is_none());
        let sniffed = classify(json!([{"conditionId": "0x1", "clobTokenIds": "[]"}])).unwrap();
        assert_eq!(sniffed.dropped, 1);
    }

    #[test]
    fn classifies_pages_and_histories() {
        let page = json!({"data": [{"condition_id": format!("0x{}", "cd".repeat(32)), "tokens": []}], "next_cursor": "LTE="});
        assert!(matches!(classify(page).unwrap().kind, Kind::ClobMarkets(ref v) if v.len() == 1));
        let hist = json!({"history": [{"t": 1, "p": 0.5}, {"t": 2, "p": 0.6}]});
        assert!(matches!(classify(hist).unwrap().kind, Kind::History(ref v) if v.len() == 2));
        assert!(classify(json!({"base_fee": 0})).is_none());
        assert!(classify(json!(5)).is_none());
    }
}
