//! Time-driven venue behaviour: trades settling (MATCHED → MINED → CONFIRMED, or a ghost
//! fill MATCHED → FAILED with its settlement undone), the heartbeat dead-man switch, and GTD
//! expiry. Run by a background ticker so tests see it happen on its own, like the venue.

use std::time::Instant;

use super::{OrderStatus, TradeStatus, orders, wire};
use crate::exchange::state::State;

/// One pass over everything time-driven.
pub fn tick(st: &mut State) {
    advance_trades(st);
    dead_man_switch(st);
    expire_gtd(st);
}

fn advance_trades(st: &mut State) {
    let cfg = st.trading.config;
    let now = Instant::now();
    let mut changed = Vec::new();
    for (i, t) in st.trading.trades.iter_mut().enumerate() {
        let age = now.duration_since(t.matched_at);
        let next = match t.status {
            TradeStatus::Matched if age >= cfg.mined_after => {
                if t.ghost {
                    TradeStatus::Failed
                } else {
                    TradeStatus::Mined
                }
            }
            TradeStatus::Mined if age >= cfg.confirmed_after => TradeStatus::Confirmed,
            _ => continue,
        };
        t.status = next;
        t.last_update = chrono::Utc::now().timestamp();
        changed.push(i);
    }
    for i in changed {
        let t = st.trading.trades[i].clone();
        if t.status == TradeStatus::Failed {
            st.trading
                .settle(&t.owner, t.token, -t.cash_delta, -t.position_delta);
        }
        let text = wire::ws_trade(st, &t);
        st.trading
            .push_user(&t.owner, &wire::market_cid(st, t.token), text);
    }
}

/// Keys that sent heartbeats and then went quiet for the timeout lose every open order.
fn dead_man_switch(st: &mut State) {
    let timeout = st.trading.config.heartbeat_timeout;
    let dead: Vec<String> = st
        .trading
        .heartbeats
        .iter()
        .filter(|(_, (at, _))| at.elapsed() >= timeout)
        .map(|(k, _)| k.clone())
        .collect();
    for key in dead {
        st.trading.heartbeats.remove(&key);
        let ids = orders::live_ids(st, &key, None, None);
        tracing::info!(api_key = %key, orders = ids.len(), "fakex: heartbeats stopped, cancelling all orders");
        for id in ids {
            let _ = orders::cancel(st, &key, &id);
        }
    }
}

/// GTD orders are cancelled at their expiration (the venue reports expiry as a cancel).
fn expire_gtd(st: &mut State) {
    let now = chrono::Utc::now().timestamp();
    let expired: Vec<(String, String)> = st
        .trading
        .orders
        .values()
        .filter(|o| o.status == OrderStatus::Live && o.expiration > 0 && o.expiration <= now)
        .map(|o| (o.owner.clone(), o.id.clone()))
        .collect();
    for (owner, id) in expired {
        let _ = orders::cancel(st, &owner, &id);
    }
}
