//! [`Kernel`]: the single-threaded core. It owns books, orders and the ledger and changes them
//! only while handling one event at a time, so the same events always produce the same decisions
//! — the property that makes backtests honest and live incidents replayable.
//!
//! Per event: update the books, let the venue act (a simulated venue matches against the new
//! data and delivers what its latency held back), apply the venue's reports to orders and the
//! ledger, ask every strategy, check each intent against the venue's rules and the account's
//! funds, and send what passes. Every decision is recorded and folded into a [`Fingerprint`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polybot_model::{OrderBook, Price, Side, Size, TokenId, Usdc};
use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::fingerprint::Fingerprint;
use crate::ledger::{AccountId, Fill, FillStatus, Ledger, LedgerError, Resolution, TradeId};
use crate::orders::{
    ClientOrderId, MarketRules, OrderEvent, OrderRequest, Quantity, TrackedOrder, crosses, validate,
};
use crate::sim::{CloseReason, VenueReport};
use crate::strategy::{Intent, Strategy, View};
use crate::venue::Venue;

/// What the kernel decided, for the decision log and the replay fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Placed {
        order: OrderRequest,
        reason: String,
    },
    Refused {
        account: AccountId,
        token: TokenId,
        code: String,
    },
    CancelSent {
        client_id: ClientOrderId,
    },
    Filled {
        client_id: ClientOrderId,
        trade_id: String,
        side: Side,
        price: Price,
        size: Size,
        fee: Usdc,
    },
    Closed {
        client_id: ClientOrderId,
        reason: CloseReason,
    },
    Rejected {
        client_id: ClientOrderId,
        reason: String,
    },
    TradeStatus {
        trade_id: String,
        status: FillStatus,
    },
    /// A report the order state machine or the ledger could not accept.
    Anomaly {
        detail: String,
    },
}

pub struct Kernel<V: Venue> {
    venue: V,
    now_ms: i64,
    books: HashMap<TokenId, OrderBook>,
    rules: HashMap<TokenId, MarketRules>,
    ledger: Ledger,
    orders: BTreeMap<ClientOrderId, TrackedOrder>,
    /// Ids of the orders that may still trade: what funds checks and cancel-all look at, so
    /// their cost does not grow with the history of finished orders.
    open: BTreeSet<ClientOrderId>,
    strategies: Vec<Box<dyn Strategy>>,
    next_id: u64,
    fingerprint: Fingerprint,
    decisions: Vec<Decision>,
    reports: Vec<VenueReport>,
    intents: Vec<Intent>,
}

impl<V: Venue> Kernel<V> {
    pub fn new(venue: V) -> Self {
        Kernel {
            venue,
            now_ms: 0,
            books: HashMap::new(),
            rules: HashMap::new(),
            ledger: Ledger::new(),
            orders: BTreeMap::new(),
            open: BTreeSet::new(),
            strategies: Vec::new(),
            next_id: 1,
            fingerprint: Fingerprint::default(),
            decisions: Vec::new(),
            reports: Vec::with_capacity(16),
            intents: Vec::with_capacity(16),
        }
    }

    pub fn add_market(&mut self, token: TokenId, rules: MarketRules) {
        self.rules.insert(token, rules);
        self.books
            .entry(token)
            .or_insert_with(|| OrderBook::new(token, rules.tick));
    }

    pub fn open_account(&mut self, id: AccountId, bankroll: Usdc) -> Result<(), LedgerError> {
        self.ledger.open_account(id, bankroll)
    }

    pub fn add_strategy(&mut self, strategy: Box<dyn Strategy>) {
        self.strategies.push(strategy);
    }

    #[must_use]
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    #[must_use]
    pub fn books(&self) -> &HashMap<TokenId, OrderBook> {
        &self.books
    }

    #[must_use]
    pub fn orders(&self) -> &BTreeMap<ClientOrderId, TrackedOrder> {
        &self.orders
    }

    #[must_use]
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    #[must_use]
    pub fn venue(&self) -> &V {
        &self.venue
    }

    #[must_use]
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// Removes and returns the orders that can no longer trade, for the driver to persist; a
    /// long run keeps only live orders in memory.
    pub fn prune_closed(&mut self) -> Vec<TrackedOrder> {
        let closed: Vec<ClientOrderId> = self
            .orders
            .keys()
            .filter(|id| !self.open.contains(id))
            .copied()
            .collect();
        closed
            .iter()
            .filter_map(|id| self.orders.remove(id))
            .collect()
    }

    /// This account's orders that may still trade.
    fn open_orders<'a>(
        &'a self,
        account: &'a AccountId,
    ) -> impl Iterator<Item = &'a TrackedOrder> + 'a {
        self.open
            .iter()
            .filter_map(|id| self.orders.get(id))
            .filter(move |o| &o.request.account == account)
    }

    /// Decisions since the last call (for the decision log).
    pub fn take_decisions(&mut self) -> Vec<Decision> {
        std::mem::take(&mut self.decisions)
    }

    /// Handles one event completely.
    pub fn handle(&mut self, event: &Event) {
        self.now_ms = self.now_ms.max(event.ts());
        self.apply_market(event);
        let mut reports = std::mem::take(&mut self.reports);
        self.venue.on_market(self.now_ms, event, &mut reports);
        self.venue.poll(self.now_ms, &mut reports);
        if let Event::Venue { report, .. } = event {
            reports.push(report.clone());
        }
        let mut intents = std::mem::take(&mut self.intents);
        let mut strategies = std::mem::take(&mut self.strategies);
        for report in reports.drain(..) {
            let owner = self.apply_report(&report);
            if let Some(owner) = owner {
                let view = self.view();
                for s in strategies.iter_mut().filter(|s| s.account() == &owner) {
                    s.on_report(&view, &report, &mut intents);
                }
                self.execute(&owner, &mut intents);
            }
        }
        for strategy in &mut strategies {
            strategy.on_event(&self.view(), event, &mut intents);
            if !intents.is_empty() {
                self.execute(strategy.account(), &mut intents);
            }
        }
        self.strategies = strategies;
        self.intents = intents;
        self.reports = reports;
    }

    fn view(&self) -> View<'_> {
        View {
            now_ms: self.now_ms,
            books: &self.books,
            ledger: &self.ledger,
            orders: &self.orders,
            open: &self.open,
        }
    }

    fn apply_market(&mut self, event: &Event) {
        match event {
            Event::Book {
                token,
                bids,
                asks,
                ts,
            } => {
                if let Some(book) = self.books.get_mut(token) {
                    book.apply_snapshot(bids.iter().copied(), asks.iter().copied(), *ts);
                }
            }
            Event::Level {
                token,
                side,
                price,
                size,
                ts,
            } => {
                if let Some(book) = self.books.get_mut(token) {
                    book.set_level(*side, *price, *size);
                    book.set_timestamp(*ts);
                }
            }
            Event::TickSize { token, tick, .. } => {
                if let Some(rules) = self.rules.get_mut(token) {
                    rules.tick = *tick;
                }
                if let Some(book) = self.books.get_mut(token) {
                    book.clear(*tick);
                }
            }
            Event::Resolved {
                condition,
                tokens,
                winner,
                ..
            } => {
                let resolution = Resolution {
                    condition: *condition,
                    tokens: tokens.clone(),
                    winner: *winner,
                };
                if let Err(e) = self.ledger.resolve(&resolution) {
                    self.decide(Decision::Anomaly {
                        detail: e.to_string(),
                    });
                }
            }
            Event::Trade { .. } | Event::Venue { .. } | Event::Tick { .. } => {}
        }
    }

    /// Applies a report to its order and the ledger; returns the owning account.
    fn apply_report(&mut self, report: &VenueReport) -> Option<AccountId> {
        let (client_id, event) = match report {
            VenueReport::TradeStatus { trade_id, status } => {
                let id = TradeId(trade_id.clone());
                if let Err(e) = self.ledger.update_status(&id, *status) {
                    self.decide(Decision::Anomaly {
                        detail: e.to_string(),
                    });
                }
                self.decide(Decision::TradeStatus {
                    trade_id: trade_id.clone(),
                    status: *status,
                });
                return None;
            }
            VenueReport::Acknowledged {
                client_id,
                venue_id,
            } => (
                *client_id,
                OrderEvent::Acknowledged {
                    venue_id: venue_id.clone(),
                },
            ),
            VenueReport::Rejected { client_id, reason } => {
                self.decide(Decision::Rejected {
                    client_id: *client_id,
                    reason: reason.clone(),
                });
                (
                    *client_id,
                    OrderEvent::Rejected {
                        reason: reason.clone(),
                    },
                )
            }
            VenueReport::Fill {
                client_id, size, ..
            } => (*client_id, OrderEvent::Fill { size: *size }),
            VenueReport::OutcomeUnknown { client_id } => (*client_id, OrderEvent::OutcomeUnknown),
            VenueReport::NotFound { client_id } => (*client_id, OrderEvent::NotFoundAtVenue),
            VenueReport::Closed { client_id, reason } => {
                self.decide(Decision::Closed {
                    client_id: *client_id,
                    reason: *reason,
                });
                let event = match reason {
                    CloseReason::Filled => OrderEvent::Completed,
                    CloseReason::Cancelled | CloseReason::Killed => OrderEvent::Cancelled,
                    CloseReason::Expired => OrderEvent::Expired,
                };
                (*client_id, event)
            }
        };
        let Some(order) = self.orders.get_mut(&client_id) else {
            self.decide(Decision::Anomaly {
                detail: format!("report for unknown order {client_id}"),
            });
            return None;
        };
        let account = order.request.account.clone();
        let result = order.apply(event);
        if !order.state.is_open() {
            self.open.remove(&client_id);
        }
        if let Err(e) = result {
            self.decide(Decision::Anomaly {
                detail: format!("{client_id}: {e}"),
            });
        }
        if let VenueReport::Fill {
            trade_id,
            token_id,
            side,
            price,
            size,
            fee,
            status,
            timestamp_ms,
            ..
        } = report
        {
            let fill = Fill {
                trade_id: TradeId(trade_id.clone()),
                account: account.clone(),
                token_id: *token_id,
                side: *side,
                price: *price,
                size: *size,
                fee: *fee,
                timestamp_ms: *timestamp_ms,
            };
            if let Err(e) = self.ledger.apply_fill(fill, *status) {
                self.decide(Decision::Anomaly {
                    detail: e.to_string(),
                });
            }
            self.decide(Decision::Filled {
                client_id,
                trade_id: trade_id.clone(),
                side: *side,
                price: *price,
                size: *size,
                fee: *fee,
            });
        }
        Some(account)
    }

    /// Turns intents into orders and cancels, after the venue's rules and the account's funds.
    fn execute(&mut self, account: &AccountId, intents: &mut Vec<Intent>) {
        for intent in intents.drain(..) {
            match intent {
                Intent::Place {
                    token,
                    side,
                    price,
                    quantity,
                    time_in_force,
                    post_only,
                    reason,
                } => {
                    let order = OrderRequest {
                        client_id: ClientOrderId(self.next_id),
                        account: account.clone(),
                        token_id: token,
                        side,
                        price,
                        quantity,
                        time_in_force,
                        post_only,
                    };
                    match self.check(&order) {
                        Ok(()) => {
                            self.next_id += 1;
                            let mut tracked = TrackedOrder::new(order.clone());
                            let _ = tracked.apply(OrderEvent::Sent);
                            self.orders.insert(order.client_id, tracked);
                            self.open.insert(order.client_id);
                            self.venue.submit(self.now_ms, &order);
                            self.decide(Decision::Placed {
                                order,
                                reason: reason.to_owned(),
                            });
                        }
                        Err(code) => self.decide(Decision::Refused {
                            account: account.clone(),
                            token,
                            code: code.to_owned(),
                        }),
                    }
                }
                Intent::Cancel { client_id } => self.cancel(account, client_id),
                Intent::CancelAll { token } => {
                    let ids: Vec<_> = self
                        .open_orders(account)
                        .filter(|o| token.is_none_or(|t| t == o.request.token_id))
                        .map(|o| o.request.client_id)
                        .collect();
                    for id in ids {
                        self.cancel(account, id);
                    }
                }
            }
        }
    }

    fn cancel(&mut self, account: &AccountId, client_id: ClientOrderId) {
        let Some(order) = self
            .orders
            .get_mut(&client_id)
            .filter(|o| &o.request.account == account)
        else {
            return;
        };
        if order.apply(OrderEvent::CancelRequested).is_ok() {
            self.venue.cancel(self.now_ms, client_id);
            self.decide(Decision::CancelSent { client_id });
        }
    }

    /// The venue's rules, then funds: cash for BUYs and shares for SELLs, net of what this
    /// account's open orders already commit.
    fn check(&self, order: &OrderRequest) -> Result<(), &'static str> {
        let rules = self.rules.get(&order.token_id).ok_or("unknown_market")?;
        let marketable = self
            .books
            .get(&order.token_id)
            .is_some_and(|b| crosses(b, order.side, order.price));
        let amounts =
            validate(order, rules, marketable, self.now_ms / 1000).map_err(|v| v.code())?;
        let state = self
            .ledger
            .account(&order.account)
            .ok_or("unknown_account")?
            .state();
        let open = self
            .open_orders(&order.account)
            .filter(|o| o.request.side == order.side);
        match order.side {
            Side::Buy => {
                let committed: i64 = open.map(|o| remaining_notional(o).micros()).sum();
                let needed = i64::try_from(amounts.maker).unwrap_or(i64::MAX) + committed;
                (needed <= state.cash.micros())
                    .then_some(())
                    .ok_or("insufficient_cash")
            }
            Side::Sell => {
                let committed: u64 = open
                    .map(|o| {
                        o.size()
                            .map_or(0, |s| s.micros().saturating_sub(o.filled.micros()))
                    })
                    .sum();
                let held = state
                    .positions
                    .get(&order.token_id)
                    .map_or(0, |p| p.size.micros());
                (amounts.maker + committed <= held)
                    .then_some(())
                    .ok_or("insufficient_position")
            }
        }
    }

    fn decide(&mut self, decision: Decision) {
        record(&mut self.fingerprint, &decision);
        self.decisions.push(decision);
    }
}

/// USDC an open BUY can still spend.
fn remaining_notional(order: &TrackedOrder) -> Usdc {
    match order.request.quantity {
        Quantity::Shares(size) => size
            .saturating_sub(order.filled)
            .notional(order.request.price),
        Quantity::Usdc(usdc) => usdc.saturating_sub(order.filled.notional(order.request.price)),
    }
}

fn record(fp: &mut Fingerprint, decision: &Decision) {
    match decision {
        Decision::Placed { order, .. } => fp.record(&[
            b"P",
            &order.client_id.0.to_le_bytes(),
            &order.token_id.0.to_le_bytes::<32>(),
            &[order.side as u8],
            &order.price.micros().to_le_bytes(),
            &match order.quantity {
                Quantity::Shares(s) => s.micros().to_le_bytes(),
                Quantity::Usdc(u) => u.micros().to_le_bytes(),
            },
        ]),
        Decision::Refused { token, code, .. } => {
            fp.record(&[b"R", &token.0.to_le_bytes::<32>(), code.as_bytes()])
        }
        Decision::CancelSent { client_id } => fp.record(&[b"C", &client_id.0.to_le_bytes()]),
        Decision::Filled {
            client_id,
            trade_id,
            price,
            size,
            fee,
            ..
        } => {
            fp.record(&[
                b"F",
                &client_id.0.to_le_bytes(),
                trade_id.as_bytes(),
                &price.micros().to_le_bytes(),
                &size.micros().to_le_bytes(),
                &fee.micros().to_le_bytes(),
            ]);
        }
        Decision::Closed { client_id, reason } => {
            fp.record(&[b"X", &client_id.0.to_le_bytes(), &[*reason as u8]])
        }
        Decision::Rejected { client_id, reason } => {
            fp.record(&[b"J", &client_id.0.to_le_bytes(), reason.as_bytes()])
        }
        Decision::TradeStatus { trade_id, status } => {
            fp.record(&[b"T", trade_id.as_bytes(), &[*status as u8]])
        }
        Decision::Anomaly { detail } => fp.record(&[b"A", detail.as_bytes()]),
    }
}
