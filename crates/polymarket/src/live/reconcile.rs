//! Reconciliation: the venue's REST view (open orders, recent trades) against ours.
//!
//! The user channel is the fast path, but messages sent while it was down are lost, and an
//! order whose POST timed out has no venue id to recognise its messages by. So after start-up,
//! every reconnect, every unknown outcome and every heartbeat recovery, the task reads the
//! venue's state and reports what the kernel has not heard:
//! * an unknown order is matched by (token, side, price, size) against open orders, then
//!   against trades of orders we do not know; found → `Acknowledged`, else `NotFound`;
//! * every trade goes through the same de-duplicating fill logic as the user channel;
//! * a resting order of ours that is no longer open and not fully filled was cancelled behind
//!   our back (the heartbeat dead-man switch, an operator): `Closed{Cancelled}`.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use polybot_engine::orders::{ClientOrderId, Quantity, VenueOrderId};
use polybot_engine::sim::{CloseReason, VenueReport};
use polybot_model::{Side, Size};
use polymarket_client_sdk_v2::auth::Signer;
use polymarket_client_sdk_v2::clob::types::request::{OrdersRequest, TradesRequest};
use polymarket_client_sdk_v2::clob::types::response::{OpenOrderResponse, Page};
use tokio::time::timeout;

use super::LiveError;
use super::convert::{TradeView, price_of, side, size_of};
use super::worker::Worker;

/// The venue's "no more pages" cursor (base64 of `-1`).
const END_CURSOR: &str = "LTE=";
const MAX_PAGES: usize = 100;

/// An order of ours in the venue's view, as far as matching needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Candidate {
    order_id: String,
    token: polybot_model::TokenId,
    side: Option<Side>,
    price_ok: bool,
    size: Size,
    trade_ids: Vec<String>,
}

impl<S: Signer + Send + Sync + 'static> Worker<S> {
    /// Reconciles, logging a failure and trying again after the reconcile delay.
    pub async fn reconcile_logged(&mut self) {
        self.reconcile_at = None;
        if let Err(e) = self.reconcile().await {
            tracing::warn!(error = %e, "live venue: reconciliation failed; will retry");
            self.schedule_reconcile();
        }
    }

    async fn reconcile(&mut self) -> Result<(), LiveError> {
        let client = self.signer.client();
        let all = OrdersRequest::default();
        let open = paged(self.config.query_timeout, "orders", |cursor| {
            client.orders(&all, cursor)
        })
        .await?;
        let views = self.fetch_trades().await?;
        self.resolve_unknown(&open, &views);
        for view in &views {
            self.on_trade(view);
        }
        self.close_vanished(&open);
        Ok(())
    }

    /// Reads recent trades again while fills are unsettled or a FOK/FAK awaits its fills: the
    /// user channel can lose messages (and an SDK that cannot parse a message drops it), so
    /// settlement must not depend on it alone.
    pub async fn poll_trades(&mut self) {
        match self.fetch_trades().await {
            Ok(views) => views.iter().for_each(|v| self.on_trade(v)),
            Err(e) => tracing::warn!(error = %e, "live venue: trade poll failed"),
        }
    }

    async fn fetch_trades(&self) -> Result<Vec<TradeView>, LiveError> {
        let client = self.signer.client();
        let mut request = TradesRequest::default();
        let lookback = i64::try_from(self.config.trades_lookback.as_secs()).unwrap_or(0);
        request.after = Some(self.started_ms / 1000 - lookback);
        let trades = paged(self.config.query_timeout, "trades", |cursor| {
            client.trades(&request, cursor)
        })
        .await?;
        Ok(trades
            .iter()
            .filter_map(|t| {
                TradeView::try_from(t)
                    .inspect_err(
                        |e| tracing::warn!(trade = %t.id, error = %e, "live venue: bad trade"),
                    )
                    .ok()
            })
            .collect())
    }

    fn resolve_unknown(&mut self, open: &[OpenOrderResponse], trades: &[TradeView]) {
        let mut unknown: Vec<ClientOrderId> = self
            .orders
            .iter()
            .filter(|(_, t)| t.unknown && !t.done && t.venue_id.is_none())
            .map(|(id, _)| *id)
            .collect();
        unknown.sort();
        let mut candidates = self.open_candidates(open);
        candidates.extend(self.trade_candidates(trades));
        for client_id in unknown {
            let found = candidates
                .iter()
                .position(|c| self.matches(client_id, c))
                .map(|i| candidates.swap_remove(i));
            match found {
                Some(c) => self.found(client_id, c),
                None => {
                    if let Some(t) = self.orders.get_mut(&client_id) {
                        t.done = true;
                    }
                    self.report(VenueReport::NotFound { client_id });
                }
            }
        }
    }

    fn found(&mut self, client_id: ClientOrderId, c: Candidate) {
        tracing::info!(%client_id, venue_id = %c.order_id, "live venue: unknown order found");
        if let Some(t) = self.orders.get_mut(&client_id) {
            t.unknown = false;
            t.venue_id = Some(c.order_id.clone());
            if !t.request.time_in_force.rests() {
                t.close_pending = Some(c.trade_ids.into_iter().collect());
            }
        }
        self.by_venue.insert(c.order_id.clone(), client_id);
        self.report(VenueReport::Acknowledged {
            client_id,
            venue_id: VenueOrderId(c.order_id),
        });
    }

    fn matches(&self, client_id: ClientOrderId, c: &Candidate) -> bool {
        let Some(t) = self.orders.get(&client_id) else {
            return false;
        };
        let r = &t.request;
        let size_ok = match r.quantity {
            Quantity::Shares(size) => size == c.size,
            Quantity::Usdc(_) => true,
        };
        r.token_id == c.token && c.side.is_none_or(|s| s == r.side) && c.price_ok && size_ok
    }

    fn open_candidates(&self, open: &[OpenOrderResponse]) -> Vec<Candidate> {
        open.iter()
            .filter(|o| !self.by_venue.contains_key(&o.id))
            .filter_map(|o| {
                let price = price_of("price", &o.price).ok()?;
                Some(Candidate {
                    order_id: o.id.clone(),
                    token: polybot_model::TokenId(o.asset_id),
                    side: Some(side(o.side).ok()?),
                    price_ok: self.unknown_at_price(price),
                    size: size_of("original_size", &o.original_size).ok()?,
                    trade_ids: Vec::new(),
                })
            })
            .collect()
    }

    /// Orders we do not know that traded: takers summed over their trades, makers over their
    /// maker entries (a maker's side is not in the trade, so it is not compared).
    fn trade_candidates(&self, trades: &[TradeView]) -> Vec<Candidate> {
        let mut by_order: HashMap<String, Candidate> = HashMap::new();
        let mut add = |id: &str, side: Option<Side>, t: &TradeView, size: Size, price_ok: bool| {
            let c = by_order.entry(id.to_owned()).or_insert_with(|| Candidate {
                order_id: id.to_owned(),
                token: t.token,
                side,
                price_ok: true,
                size: Size::ZERO,
                trade_ids: Vec::new(),
            });
            c.size = c.size.saturating_add(size);
            c.price_ok &= price_ok;
            c.trade_ids.push(t.id.clone());
        };
        for t in trades
            .iter()
            .filter(|t| t.status != Some(polybot_engine::FillStatus::Failed))
        {
            if let Some(id) = t.taker_order_id.as_deref()
                && !self.by_venue.contains_key(id)
            {
                add(
                    id,
                    Some(t.side),
                    t,
                    t.size,
                    self.unknown_crossing(t.side, t.price),
                );
            }
            for m in t
                .makers
                .iter()
                .filter(|m| !self.by_venue.contains_key(&m.order_id))
            {
                add(&m.order_id, None, t, m.size, self.unknown_at_price(m.price));
            }
        }
        let mut out: Vec<Candidate> = by_order.into_values().collect();
        out.sort_by(|a, b| a.order_id.cmp(&b.order_id));
        out
    }

    /// Whether some unknown order has exactly this limit price (resting orders and makers).
    fn unknown_at_price(&self, price: polybot_model::Price) -> bool {
        self.orders
            .values()
            .any(|t| t.unknown && !t.done && t.request.price == price)
    }

    /// Whether some unknown order of this side would accept a fill at this price.
    fn unknown_crossing(&self, side: Side, price: polybot_model::Price) -> bool {
        self.orders.values().any(|t| {
            t.unknown
                && !t.done
                && t.request.side == side
                && match side {
                    Side::Buy => price <= t.request.price,
                    Side::Sell => price >= t.request.price,
                }
        })
    }

    fn close_vanished(&mut self, open: &[OpenOrderResponse]) {
        let open_ids: HashSet<&str> = open.iter().map(|o| o.id.as_str()).collect();
        let mut vanished: Vec<ClientOrderId> = Vec::new();
        for (id, t) in &mut self.orders {
            let Some(venue_id) = t.venue_id.as_deref() else {
                continue;
            };
            if t.done || !t.request.time_in_force.rests() || open_ids.contains(venue_id) {
                continue;
            }
            t.done = true;
            let fully = matches!(t.request.quantity, Quantity::Shares(s) if t.filled >= s);
            if !fully {
                vanished.push(*id);
            }
        }
        vanished.sort();
        for client_id in vanished {
            self.report(VenueReport::Closed {
                client_id,
                reason: CloseReason::Cancelled,
            });
        }
    }
}

/// Every page of a cursor-paged query, each page under `limit`.
async fn paged<T, F, Fut>(
    limit: std::time::Duration,
    op: &'static str,
    mut call: F,
) -> Result<Vec<T>, LiveError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = polymarket_client_sdk_v2::Result<Page<T>>>,
{
    let mut out = Vec::new();
    let mut cursor = None;
    for _ in 0..MAX_PAGES {
        let page =
            timeout(limit, call(cursor.take()))
                .await
                .map_err(|_| LiveError::Timeout {
                    op,
                    timeout_ms: u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
                })??;
        out.extend(page.data);
        if page.next_cursor.is_empty() || page.next_cursor == END_CURSOR {
            return Ok(out);
        }
        cursor = Some(page.next_cursor);
    }
    Err(LiveError::Paging { op })
}
