//! Serving recorded market objects with live fields patched in.
//!
//! The recorded Gamma/CLOB objects are cloned and only the fields the simulation changes are
//! overwritten: quotes and prices from the books, volume grown by simulated trades, status
//! after a resolution or tick change, and liquidity computed from the book when the recording
//! had none. Everything else stays byte-for-byte as captured.

use serde_json::{Map, Value};

use super::state::State;
use crate::catalog::Market;
use crate::util::{dec_str, num};

type Obj = Map<String, Value>;

/// USDC resting within 5 cents of the midpoint, both sides, all outcomes.
#[must_use]
pub fn liquidity(st: &State, m: &Market) -> f64 {
    m.tokens
        .iter()
        .filter_map(|t| st.books.get(t))
        .map(|tb| tb.book.notional_within(50_000).as_f64())
        .sum()
}

fn price_strings(prices: &[f64]) -> Value {
    let list: Vec<String> = prices.iter().map(|p| dec_str(*p)).collect();
    Value::from(serde_json::to_string(&list).unwrap_or_default())
}

fn tick_value(m: &Market) -> Value {
    num(f64::from(m.tick.micros()) / 1e6)
}

/// The Gamma object of market `mi` as served now; `with_events = false` drops the embedded
/// `events` (inside an event's `markets`, as the real API does).
#[must_use]
pub fn gamma_market(st: &State, mi: usize, with_events: bool) -> Value {
    let m = &st.cat.markets[mi];
    let mut g: Obj = m.gamma.clone();
    if !with_events {
        g.remove("events");
    }
    let volume = m.base_volume + m.sim_volume;
    if m.sim_volume > 0.0 || !g.contains_key("volumeNum") {
        g.insert("volume".into(), Value::from(dec_str(volume)));
        g.insert("volumeNum".into(), num(volume));
    }
    if !m.has_liquidity && m.live {
        let liq = liquidity(st, m);
        g.insert("liquidity".into(), Value::from(dec_str(liq)));
        g.insert("liquidityNum".into(), num(liq));
    }
    g.insert("orderPriceMinTickSize".into(), tick_value(m));
    if let Some(prices) = st.outcome_prices(m) {
        g.insert("outcomePrices".into(), price_strings(&prices));
    }
    if let Some(tb) = m.tokens.first().and_then(|t| st.books.get(t)) {
        let bid = tb.book.best_bid().map(|l| l.price.as_f64());
        let ask = tb.book.best_ask().map(|l| l.price.as_f64());
        if let Some(b) = bid {
            g.insert("bestBid".into(), num(b));
        }
        if let Some(a) = ask {
            g.insert("bestAsk".into(), num(a));
        }
        if let (Some(b), Some(a)) = (bid, ask) {
            g.insert("spread".into(), num(a - b));
        }
        g.insert("lastTradePrice".into(), num(tb.last_price.as_f64()));
    }
    if m.resolved.is_some() {
        g.insert("closed".into(), Value::Bool(true));
        g.insert("acceptingOrders".into(), Value::Bool(false));
        g.insert("umaResolutionStatus".into(), Value::from("resolved"));
        g.insert(
            "closedTime".into(),
            Value::from(
                chrono::Utc::now()
                    .format("%Y-%m-%d %H:%M:%S+00")
                    .to_string(),
            ),
        );
    }
    Value::Object(g)
}

/// The CLOB `MarketResponse` of market `mi` as served now.
#[must_use]
pub fn clob_market(st: &State, mi: usize) -> Value {
    let m = &st.cat.markets[mi];
    let mut c: Obj = m.clob.clone();
    c.insert("active".into(), Value::Bool(m.active));
    c.insert("closed".into(), Value::Bool(m.closed));
    c.insert("accepting_orders".into(), Value::Bool(m.accepting));
    c.insert("minimum_tick_size".into(), tick_value(m));
    let prices = st.outcome_prices(m);
    if let Some(Value::Array(tokens)) = c.get_mut("tokens") {
        for (i, t) in tokens.iter_mut().enumerate() {
            let Some(obj) = t.as_object_mut() else {
                continue;
            };
            if let Some(p) = prices.as_ref().and_then(|p| p.get(i)) {
                obj.insert("price".into(), num(*p));
            }
            if let Some(w) = m.resolved {
                obj.insert("winner".into(), Value::Bool(i == w));
            }
        }
    }
    Value::Object(c)
}

/// The CLOB simplified market (`/simplified-markets`).
#[must_use]
pub fn simplified_market(st: &State, mi: usize) -> Value {
    let full = clob_market(st, mi);
    let mut out = Obj::new();
    for key in [
        "condition_id",
        "tokens",
        "rewards",
        "active",
        "closed",
        "archived",
        "accepting_orders",
    ] {
        if let Some(v) = full.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    Value::Object(out)
}

/// The Gamma event `ei` with its markets, as served now.
#[must_use]
pub fn event(st: &State, ei: usize) -> Value {
    let e = &st.cat.events[ei];
    let mut obj = e.obj.clone();
    let sim: f64 = e
        .markets
        .iter()
        .map(|&m| st.cat.markets[m].sim_volume)
        .sum();
    if sim > 0.0 {
        obj.insert("volume".into(), num(e.base_volume + sim));
    }
    if !e.has_liquidity {
        let liq: f64 = e
            .markets
            .iter()
            .map(|&m| liquidity(st, &st.cat.markets[m]))
            .sum();
        obj.insert("liquidity".into(), num(liq));
    }
    if st.cat.event_closed(e) {
        obj.insert("closed".into(), Value::Bool(true));
    }
    let markets: Vec<Value> = e
        .markets
        .iter()
        .map(|&m| gamma_market(st, m, false))
        .collect();
    obj.insert("markets".into(), Value::Array(markets));
    Value::Object(obj)
}
