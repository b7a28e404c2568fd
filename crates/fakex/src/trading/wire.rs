//! The trading side's JSON, typed as the SDK parses it strictly: OpenOrder `created_at` an
//! integer and `expiration` a string, trade `match_time`/`last_update` strings, owners UUIDs,
//! user-channel `timestamp`s strings of milliseconds.

use polybot_model::{Side, Size, TokenId};
use serde_json::{Value, json};

use super::{MakerFill, Order, Trade, TradeStatus};
use crate::exchange::state::State;

#[must_use]
pub fn side_str(side: Side) -> &'static str {
    match side {
        Side::Buy => "BUY",
        Side::Sell => "SELL",
    }
}

/// Shares or dollars from micros, as a decimal string.
#[must_use]
pub fn units(micros: u64) -> String {
    Size::from_micros(micros).to_string()
}

/// The condition id of a token's market (`""` if unknown).
#[must_use]
pub fn market_cid(st: &State, token: TokenId) -> String {
    st.cat
        .by_token
        .get(&token)
        .map(|(mi, _)| st.cat.markets[*mi].cid.clone())
        .unwrap_or_default()
}

fn outcome(st: &State, token: TokenId) -> String {
    st.cat
        .by_token
        .get(&token)
        .and_then(|(mi, o)| st.cat.markets[*mi].outcomes.get(*o).cloned())
        .unwrap_or_default()
}

/// A `/data/orders` item.
#[must_use]
pub fn open_order(st: &State, o: &Order) -> Value {
    json!({
        "id": o.id,
        "status": o.status.as_str(),
        "owner": o.owner,
        "maker_address": o.maker_address,
        "market": market_cid(st, o.token),
        "asset_id": o.token.to_string(),
        "side": side_str(o.side),
        "original_size": units(o.original),
        "size_matched": units(o.matched),
        "price": o.price.to_string(),
        "associate_trades": o.trades,
        "outcome": outcome(st, o.token),
        "created_at": o.created_at,
        "expiration": o.expiration.to_string(),
        "order_type": o.order_type,
    })
}

/// Makers pay no fee on the venue.
fn maker_order(st: &State, m: &MakerFill) -> Value {
    json!({
        "order_id": m.order_id,
        "owner": m.owner,
        "maker_address": m.maker_address,
        "matched_amount": units(m.shares),
        "price": m.price.to_string(),
        "fee_rate_bps": "0",
        "asset_id": m.token.to_string(),
        "outcome": outcome(st, m.token),
        "side": side_str(m.side),
    })
}

fn tx_hash(t: &Trade) -> &str {
    match t.status {
        TradeStatus::Mined | TradeStatus::Confirmed => &t.tx_hash,
        TradeStatus::Matched | TradeStatus::Failed => "",
    }
}

/// A `/data/trades` item.
#[must_use]
pub fn trade(st: &State, t: &Trade) -> Value {
    json!({
        "id": t.id,
        "taker_order_id": t.taker_order_id,
        "market": market_cid(st, t.token),
        "asset_id": t.token.to_string(),
        "side": side_str(t.side),
        "size": units(t.size),
        "fee_rate_bps": t.fee_bps.to_string(),
        "price": t.price.to_string(),
        "status": t.status.as_str(),
        "match_time": t.match_time.to_string(),
        "last_update": t.last_update.to_string(),
        "outcome": outcome(st, t.token),
        "bucket_index": 0,
        "owner": t.owner,
        "maker_address": t.maker_address,
        "maker_orders": t.maker_orders.iter().map(|m| maker_order(st, m)).collect::<Vec<_>>(),
        "transaction_hash": tx_hash(t),
        "trader_side": t.trader_side,
    })
}

/// A user-channel `trade` event.
#[must_use]
pub fn ws_trade(st: &State, t: &Trade) -> String {
    let mut v = trade(st, t);
    if let Some(o) = v.as_object_mut() {
        o.insert("event_type".into(), json!("trade"));
        o.insert("type".into(), json!("TRADE"));
        // The user channel spells it `matchtime` (the REST shape's `match_time` is the SDK's
        // alias for the same field, so sending both is a duplicate-field error there).
        if let Some(time) = o.remove("match_time") {
            o.insert("matchtime".into(), time);
        }
        o.insert("trade_owner".into(), json!(t.owner));
        o.insert("timestamp".into(), json!(crate::util::now_ms().to_string()));
    }
    v.to_string()
}

/// A user-channel `order` event (`PLACEMENT`, `UPDATE` or `CANCELLATION`).
#[must_use]
pub fn ws_order(st: &State, o: &Order, kind: &str) -> String {
    json!({
        "event_type": "order",
        "type": kind,
        "id": o.id,
        "owner": o.owner,
        "order_owner": o.owner,
        "market": market_cid(st, o.token),
        "asset_id": o.token.to_string(),
        "side": side_str(o.side),
        "price": o.price.to_string(),
        "original_size": units(o.original),
        "size_matched": units(o.matched),
        "outcome": outcome(st, o.token),
        "associate_trades": o.trades,
        "status": o.status.as_str(),
        "order_type": o.order_type,
        "timestamp": crate::util::now_ms().to_string(),
    })
    .to_string()
}

/// Sends an `order` event for an order id to its owner.
pub fn push_order_event(st: &State, id: &str, kind: &str) {
    if let Some(o) = st.trading.orders.get(id) {
        let text = ws_order(st, o, kind);
        st.trading
            .push_user(&o.owner, &market_cid(st, o.token), text);
    }
}

/// A `POST /order` reply.
#[must_use]
pub fn post_reply(id: &str, status: &str, making: u64, taking: u64, trades: &[Trade]) -> Value {
    json!({
        "errorMsg": "",
        "orderID": id,
        "status": status,
        "success": true,
        "makingAmount": units(making),
        "takingAmount": units(taking),
        "transactionsHashes": trades.iter().map(|t| t.tx_hash.clone()).collect::<Vec<_>>(),
        "tradeIDs": trades.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
    })
}

/// A refused order (`success: false`).
#[must_use]
pub fn post_error(id: &str, message: &str) -> Value {
    json!({
        "errorMsg": message,
        "orderID": id,
        "status": "",
        "success": false,
        "makingAmount": "",
        "takingAmount": "",
        "transactionsHashes": [],
    })
}
