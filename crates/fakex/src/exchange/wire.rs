//! The venue's wire formats for books and market-channel events.
//!
//! Types follow the SDK's strict parsing: WS and REST `timestamp`s are strings of integer
//! milliseconds, prices and sizes are decimal strings, REST books list levels worst first
//! (bids ascending, asks descending) like the real API — the same order [`OrderBook`] keeps.

use polybot_model::{BookSide, Level, OrderBook, Price, Side, TokenId};
use serde_json::{Value, json};

use super::state::TokenBook;
use crate::catalog::Market;
use crate::util::{fnv64, hex_digest};

fn levels(levels: &[Level]) -> Vec<Value> {
    levels
        .iter()
        .map(|l| json!({"price": l.price.to_string(), "size": l.size.to_string()}))
        .collect()
}

/// A 40-hex-digit book hash (the venue's hashes are SHA-1-sized), derived from the content.
#[must_use]
pub fn book_hash(token: TokenId, book: &OrderBook) -> String {
    let mut key = fnv64(token.to_string().as_bytes()) ^ book.timestamp_ms() as u64;
    for l in book.bids().iter().chain(book.asks()) {
        key = crate::util::mix(key ^ (u64::from(l.price.micros()) << 32) ^ l.size.micros());
    }
    hex_digest(key, 20)
}

/// The WS `book` snapshot.
#[must_use]
pub fn ws_book(cid: &str, token: TokenId, book: &OrderBook) -> String {
    json!({
        "event_type": "book",
        "asset_id": token.to_string(),
        "market": cid,
        "bids": levels(book.bids()),
        "asks": levels(book.asks()),
        "timestamp": book.timestamp_ms().to_string(),
        "hash": book_hash(token, book),
    })
    .to_string()
}

/// The REST `/book` object.
#[must_use]
pub fn rest_book(m: &Market, token: TokenId, tb: &TokenBook) -> Value {
    json!({
        "market": m.cid,
        "asset_id": token.to_string(),
        "timestamp": tb.book.timestamp_ms().to_string(),
        "hash": book_hash(token, &tb.book),
        "bids": levels(tb.book.bids()),
        "asks": levels(tb.book.asks()),
        "min_order_size": crate::util::dec_str(m.min_size),
        "neg_risk": m.neg_risk,
        "tick_size": m.tick.as_str(),
        "last_trade_price": tb.last_price.to_string(),
    })
}

/// One entry of a `price_change`: a level set to a new total size (0 removes it).
#[derive(Debug, Clone, Copy)]
pub struct Change {
    pub side: BookSide,
    pub price: Price,
    pub size: polybot_model::Size,
}

fn price_or(p: Option<Level>, empty: &str) -> String {
    p.map_or_else(|| empty.to_owned(), |l| l.price.to_string())
}

/// A `price_change` for one asset; `best_bid`/`best_ask` are the top after all the changes
/// (`0`/`1` for an empty side).
#[must_use]
pub fn price_change(
    cid: &str,
    token: TokenId,
    book: &OrderBook,
    changes: &[Change],
    ts: i64,
) -> String {
    let asset = token.to_string();
    let (best_bid, best_ask) = (
        price_or(book.best_bid(), "0"),
        price_or(book.best_ask(), "1"),
    );
    let entries: Vec<Value> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({
                "asset_id": asset,
                "price": c.price.to_string(),
                "size": c.size.to_string(),
                "side": match c.side { BookSide::Bid => "BUY", BookSide::Ask => "SELL" },
                "hash": hex_digest(fnv64(asset.as_bytes()) ^ (ts as u64).wrapping_mul(31) ^ i as u64, 20),
                "best_bid": best_bid,
                "best_ask": best_ask,
            })
        })
        .collect();
    json!({"event_type": "price_change", "market": cid, "price_changes": entries, "timestamp": ts.to_string()}).to_string()
}

#[must_use]
pub fn last_trade(
    cid: &str,
    token: TokenId,
    price: Price,
    size: polybot_model::Size,
    side: Side,
    fee_bps: u32,
    ts: i64,
) -> String {
    json!({
        "event_type": "last_trade_price",
        "asset_id": token.to_string(),
        "market": cid,
        "price": price.to_string(),
        "size": size.to_string(),
        "side": side.as_str(),
        "fee_rate_bps": fee_bps.to_string(),
        "timestamp": ts.to_string(),
    })
    .to_string()
}

#[must_use]
pub fn best_bid_ask(cid: &str, token: TokenId, book: &OrderBook, ts: i64) -> String {
    let bid = book.best_bid().map_or(0.0, |l| l.price.as_f64());
    let ask = book.best_ask().map_or(1.0, |l| l.price.as_f64());
    json!({
        "event_type": "best_bid_ask",
        "market": cid,
        "asset_id": token.to_string(),
        "best_bid": price_or(book.best_bid(), "0"),
        "best_ask": price_or(book.best_ask(), "1"),
        "spread": crate::util::dec_str(ask - bid),
        "timestamp": ts.to_string(),
    })
    .to_string()
}

#[must_use]
pub fn tick_size_change(cid: &str, token: TokenId, old: &str, new: &str, ts: i64) -> String {
    json!({
        "event_type": "tick_size_change",
        "asset_id": token.to_string(),
        "market": cid,
        "old_tick_size": old,
        "new_tick_size": new,
        "timestamp": ts.to_string(),
    })
    .to_string()
}

#[must_use]
pub fn market_resolved(
    m: &Market,
    winner: usize,
    event: Option<&crate::catalog::Event>,
    ts: i64,
) -> String {
    let event_message = event.map(|e| {
        let s = |k: &str| e.obj.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        json!({"id": e.id, "ticker": s("ticker"), "slug": e.slug, "title": s("title"), "description": s("description")})
    });
    json!({
        "event_type": "market_resolved",
        "id": m.gamma_id,
        "question": m.question,
        "market": m.cid,
        "slug": m.slug,
        "description": m.description,
        "assets_ids": m.tokens.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "outcomes": m.outcomes,
        "winning_asset_id": m.tokens.get(winner).map(ToString::to_string).unwrap_or_default(),
        "winning_outcome": m.outcomes.get(winner).cloned().unwrap_or_default(),
        "event_message": event_message,
        "timestamp": ts.to_string(),
    })
    .to_string()
}
