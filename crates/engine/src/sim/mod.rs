//! [`SimVenue`]: the simulated exchange behind paper trading and backtests.
//!
//! It sees the same market data as the strategies (book snapshots, level changes, trades) and
//! fills our orders the way the venue would, as far as public data allows:
//! - an order takes effect after a latency, so a strategy cannot trade on the book it just saw;
//! - a marketable order takes liquidity level by level up to its limit (FOK all or nothing,
//!   FAK keeping what filled) and pays the taker fee `size · rate · p · (1 − p)`;
//! - a resting order joins the back of the queue at its price: only trades printed at that price
//!   after it arrived (or a shrinking level) move it forward, and a trade through its price
//!   fills it (price priority); makers pay no fee;
//! - tick and minimum-size rules are the venue's ([`crate::orders::validate`]).
//!
//! It is driven by an explicit clock (`now_ms` arguments), so a backtest runs as fast as the CPU
//! allows and gives the same fills every time.

mod matching;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use polybot_model::{BookSide, Level, OrderBook, Price, Side, Size, TokenId, Usdc};
use serde::{Deserialize, Serialize};

use crate::fasthash::TokenMap;
use crate::ledger::FillStatus;
use crate::orders::{
    ClientOrderId, MarketRules, OrderRequest, TimeInForce, VenueOrderId, crosses, validate,
};

/// Who provided liquidity in a fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Liquidity {
    Maker,
    Taker,
}

/// What the simulated venue tells the kernel, in the venue's own terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VenueReport {
    Acknowledged {
        client_id: ClientOrderId,
        venue_id: VenueOrderId,
    },
    Rejected {
        client_id: ClientOrderId,
        reason: String,
    },
    /// `status` is where the trade is in settlement: the simulated venue's fills are final
    /// (`Confirmed`); a live venue reports `Matched` and moves it on with [`VenueReport::TradeStatus`].
    Fill {
        client_id: ClientOrderId,
        trade_id: String,
        token_id: TokenId,
        side: Side,
        price: Price,
        size: Size,
        fee: Usdc,
        liquidity: Liquidity,
        status: FillStatus,
        timestamp_ms: i64,
    },
    /// The order request's outcome is unknown (timeout, connection reset, 5xx): the order may
    /// exist at the venue and must be reconciled, never resent.
    OutcomeUnknown { client_id: ClientOrderId },
    /// Reconciliation found no trace of an order whose outcome was unknown.
    NotFound { client_id: ClientOrderId },
    /// A trade moved along MATCHED → MINED → CONFIRMED, or FAILED (a ghost fill: taken back).
    TradeStatus {
        trade_id: String,
        status: FillStatus,
    },
    /// The order is done: FAK remainder, FOK kill, a cancel, or a GTD expiry.
    Closed {
        client_id: ClientOrderId,
        reason: CloseReason,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloseReason {
    Filled,
    Cancelled,
    /// FAK remainder or FOK that could not fill completely.
    Killed,
    Expired,
}

/// Per-market facts the simulation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimMarket {
    pub rules: MarketRules,
    /// Taker fee rate in basis points.
    pub taker_fee_bps: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Time from sending an order or cancel to the venue acting on it.
    pub latency_ms: i64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig { latency_ms: 50 }
    }
}

enum Action {
    Submit(OrderRequest),
    Cancel(ClientOrderId),
    /// A report decided at restore time.
    Report(VenueReport),
}

/// An order of ours resting on the simulated book.
#[derive(Debug, Clone)]
struct Resting {
    request: OrderRequest,
    remaining: Size,
    /// Size ahead of us at our price (arrived before us).
    queue_ahead: Size,
}

pub struct SimVenue {
    config: SimConfig,
    markets: TokenMap<SimMarket>,
    books: TokenMap<OrderBook>,
    pending: VecDeque<(i64, Action)>,
    resting: BTreeMap<ClientOrderId, Resting>,
    /// The resting orders of each token (no entry when none rests), so market data for a token
    /// touches only its own orders.
    resting_by_token: TokenMap<BTreeSet<ClientOrderId>>,
    /// Resting GTD orders by expiry (ms), so time passing touches only the orders due.
    expiries: BTreeSet<(i64, ClientOrderId)>,
    /// Distinguishes this session's trade ids from an earlier session's (after a restart the
    /// counter starts again, and the ledger keys fills by trade id).
    trade_prefix: u64,
    next_trade: u64,
}

impl SimVenue {
    #[must_use]
    pub fn new(config: SimConfig) -> Self {
        SimVenue {
            config,
            markets: TokenMap::default(),
            books: TokenMap::default(),
            pending: VecDeque::new(),
            resting: BTreeMap::new(),
            resting_by_token: TokenMap::default(),
            expiries: BTreeSet::new(),
            trade_prefix: 0,
            next_trade: 1,
        }
    }

    /// Trade ids become `simtrade-<prefix>-<n>` (a paper session uses its start time), so a
    /// restarted session never reuses an earlier session's ids.
    pub fn set_trade_prefix(&mut self, prefix: u64) {
        self.trade_prefix = prefix;
    }

    /// Takes over the open orders a restart recovered. The simulation's memory died with the
    /// process: an acknowledged resting order rests again (at the back of its queue — its old
    /// place is unknowable; a pending cancel is carried out), and an order that was never
    /// acknowledged is reported not found, like a live order that never reached the exchange.
    pub fn restore(&mut self, orders: &[crate::orders::TrackedOrder]) {
        use crate::orders::OrderState;
        for order in orders.iter().filter(|o| o.state.is_open()) {
            let id = order.request.client_id;
            let rests = order.venue_id.is_some()
                && order.request.time_in_force.rests()
                && matches!(order.state, OrderState::Live | OrderState::CancelPending);
            let remaining = order.size().map(|s| s.saturating_sub(order.filled));
            match (rests, remaining) {
                (true, Some(remaining)) if !remaining.is_zero() => {
                    self.insert_resting(
                        id,
                        Resting {
                            request: order.request.clone(),
                            remaining,
                            queue_ahead: Size::from_micros(u64::MAX),
                        },
                    );
                    if order.state == OrderState::CancelPending {
                        self.pending.push_back((i64::MIN, Action::Cancel(id)));
                    }
                }
                // Acknowledged but not resting (a FOK/FAK in flight): it is over.
                _ if order.venue_id.is_some() => self.pending.push_back((
                    i64::MIN,
                    Action::Report(VenueReport::Closed {
                        client_id: id,
                        reason: CloseReason::Killed,
                    }),
                )),
                _ => self.pending.push_back((
                    i64::MIN,
                    Action::Report(VenueReport::NotFound { client_id: id }),
                )),
            }
        }
    }

    pub fn add_market(&mut self, token: TokenId, market: SimMarket) {
        self.markets.insert(token, market);
        self.books
            .entry(token)
            .or_insert_with(|| OrderBook::new(token, market.rules.tick));
    }

    #[must_use]
    pub fn book(&self, token: TokenId) -> Option<&OrderBook> {
        self.books.get(&token)
    }

    /// Our orders currently resting, with what is left of them.
    pub fn resting(&self) -> impl Iterator<Item = (ClientOrderId, Size)> + '_ {
        self.resting.iter().map(|(id, r)| (*id, r.remaining))
    }

    pub fn submit(&mut self, now_ms: i64, order: OrderRequest) {
        self.pending
            .push_back((now_ms + self.config.latency_ms, Action::Submit(order)));
    }

    pub fn cancel(&mut self, now_ms: i64, client_id: ClientOrderId) {
        self.pending
            .push_back((now_ms + self.config.latency_ms, Action::Cancel(client_id)));
    }

    /// Acts on everything due by `now_ms` and expires GTD orders.
    pub fn advance(&mut self, now_ms: i64, out: &mut Vec<VenueReport>) {
        while self.pending.front().is_some_and(|(due, _)| *due <= now_ms) {
            let Some((due, action)) = self.pending.pop_front() else {
                break;
            };
            match action {
                Action::Submit(order) => self.accept(due, order, out),
                Action::Report(report) => out.push(report),
                Action::Cancel(id) => {
                    if self.remove_resting(id).is_some() {
                        out.push(VenueReport::Closed {
                            client_id: id,
                            reason: CloseReason::Cancelled,
                        });
                    }
                }
            }
        }
        if self
            .expiries
            .first()
            .is_none_or(|&(expires_ms, _)| expires_ms > now_ms)
        {
            return;
        }
        let mut expired: Vec<ClientOrderId> = self
            .expiries
            .iter()
            .take_while(|&&(expires_ms, _)| expires_ms <= now_ms)
            .map(|&(_, id)| id)
            .collect();
        // Reported in order of client id, like every report about several resting orders.
        expired.sort_unstable();
        for id in expired {
            self.remove_resting(id);
            out.push(VenueReport::Closed {
                client_id: id,
                reason: CloseReason::Expired,
            });
        }
    }

    /// A full book snapshot from market data.
    pub fn on_snapshot(
        &mut self,
        token: TokenId,
        bids: &[Level],
        asks: &[Level],
        timestamp_ms: i64,
    ) {
        if let Some(book) = self.books.get_mut(&token) {
            book.apply_snapshot(bids.iter().copied(), asks.iter().copied(), timestamp_ms);
            self.clip_queues(token);
        }
    }

    /// A level change from market data.
    pub fn on_level(&mut self, token: TokenId, side: BookSide, price: Price, size: Size) {
        if let Some(book) = self.books.get_mut(&token) {
            book.set_level(side, price, size);
            self.clip_queues(token);
        }
    }

    /// A trade printed on the venue: it moves our queues and may fill our resting orders.
    pub fn on_trade(
        &mut self,
        now_ms: i64,
        token: TokenId,
        price: Price,
        size: Size,
        out: &mut Vec<VenueReport>,
    ) {
        matching::trade_through_resting(self, now_ms, token, price, size, out);
    }

    fn accept(&mut self, now_ms: i64, order: OrderRequest, out: &mut Vec<VenueReport>) {
        let id = order.client_id;
        let Some(market) = self.markets.get(&order.token_id).copied() else {
            out.push(VenueReport::Rejected {
                client_id: id,
                reason: "unknown market".into(),
            });
            return;
        };
        let marketable = self
            .books
            .get(&order.token_id)
            .is_some_and(|b| crosses(b, order.side, order.price));
        if let Err(violation) = validate(&order, &market.rules, marketable, now_ms / 1000) {
            out.push(VenueReport::Rejected {
                client_id: id,
                reason: violation.code().to_owned(),
            });
            return;
        }
        if order.post_only && marketable {
            out.push(VenueReport::Rejected {
                client_id: id,
                reason: "post_only_would_cross".into(),
            });
            return;
        }
        out.push(VenueReport::Acknowledged {
            client_id: id,
            venue_id: VenueOrderId(format!("sim-{}", id.0)),
        });
        matching::execute(self, now_ms, order, market, marketable, out);
    }

    /// Queue ahead can never exceed what rests at the price: cancellations ahead of us shrink it.
    fn clip_queues(&mut self, token: TokenId) {
        let Some(ids) = self.resting_by_token.get(&token) else {
            return;
        };
        let Some(book) = self.books.get(&token) else {
            return;
        };
        for id in ids {
            let Some(r) = self.resting.get_mut(id) else {
                continue;
            };
            let side = match r.request.side {
                Side::Buy => BookSide::Bid,
                Side::Sell => BookSide::Ask,
            };
            r.queue_ahead = r.queue_ahead.min(book.depth_at(side, r.request.price));
        }
    }

    /// Puts an order on the simulated book (replacing one with the same id), with its indexes.
    fn insert_resting(&mut self, id: ClientOrderId, resting: Resting) {
        self.remove_resting(id);
        self.resting_by_token
            .entry(resting.request.token_id)
            .or_default()
            .insert(id);
        if let Some(expires_ms) = expiry_ms(&resting.request) {
            self.expiries.insert((expires_ms, id));
        }
        self.resting.insert(id, resting);
    }

    /// Takes an order off the simulated book, with its indexes.
    fn remove_resting(&mut self, id: ClientOrderId) -> Option<Resting> {
        let resting = self.resting.remove(&id)?;
        let token = resting.request.token_id;
        if let Some(ids) = self.resting_by_token.get_mut(&token) {
            ids.remove(&id);
            if ids.is_empty() {
                self.resting_by_token.remove(&token);
            }
        }
        if let Some(expires_ms) = expiry_ms(&resting.request) {
            self.expiries.remove(&(expires_ms, id));
        }
        Some(resting)
    }

    /// The ids of the orders resting on `token`, in client id order.
    fn resting_on(&self, token: TokenId) -> Vec<ClientOrderId> {
        self.resting_by_token
            .get(&token)
            .map(|ids| ids.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Asserts that the indexes hold exactly the resting orders (for tests).
    #[cfg(test)]
    pub(crate) fn check_indexes(&self) {
        let mut by_token: BTreeMap<TokenId, Vec<ClientOrderId>> = BTreeMap::new();
        for (id, r) in &self.resting {
            by_token.entry(r.request.token_id).or_default().push(*id);
        }
        let indexed: BTreeMap<TokenId, Vec<ClientOrderId>> = self
            .resting_by_token
            .iter()
            .map(|(t, ids)| (*t, ids.iter().copied().collect()))
            .collect();
        assert_eq!(indexed, by_token);
        let expiries: BTreeSet<(i64, ClientOrderId)> = self
            .resting
            .iter()
            .filter_map(|(id, r)| expiry_ms(&r.request).map(|e| (e, *id)))
            .collect();
        assert_eq!(self.expiries, expiries);
    }

    fn trade_id(&mut self) -> String {
        let id = if self.trade_prefix == 0 {
            format!("simtrade-{}", self.next_trade)
        } else {
            format!("simtrade-{}-{}", self.trade_prefix, self.next_trade)
        };
        self.next_trade += 1;
        id
    }
}

/// When a GTD order expires, in ms (it expires once the clock reaches it).
fn expiry_ms(order: &OrderRequest) -> Option<i64> {
    match order.time_in_force {
        TimeInForce::Gtd { expires_at_secs } => Some(expires_at_secs.saturating_mul(1000)),
        TimeInForce::Gtc | TimeInForce::Fok | TimeInForce::Fak => None,
    }
}

#[cfg(test)]
mod tests;
