//! Execution inside the kernel: intents become orders and cancels after the venue's rules and
//! the account's funds, and execution algorithms (TWAP, iceberg) send their children through the
//! same path.

use polybot_model::{Price, Side, TokenId};

use super::Kernel;
use super::algo::{AlgoState, RunningAlgo};
use super::decision::Decision;
use crate::ledger::AccountId;
use crate::orders::algos::{AlgoSpec, Iceberg, Twap};
use crate::orders::{
    ClientOrderId, OrderEvent, OrderRequest, OrderState, Quantity, TimeInForce, TrackedOrder,
    crosses, validate,
};
use crate::strategy::Intent;
use crate::venue::Venue;

/// An order the kernel is asked to place, before it has an id.
pub(super) struct NewOrder<'a> {
    pub account: &'a AccountId,
    pub token: TokenId,
    pub side: Side,
    pub price: Price,
    pub quantity: Quantity,
    pub time_in_force: TimeInForce,
    pub post_only: bool,
    pub reason: &'a str,
}

impl<V: Venue> Kernel<V> {
    /// Turns intents into orders and cancels, after the venue's rules and the account's funds.
    pub(super) fn execute(&mut self, account: &AccountId, intents: &mut Vec<Intent>) {
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
                    self.place(&NewOrder {
                        account,
                        token,
                        side,
                        price,
                        quantity,
                        time_in_force,
                        post_only,
                        reason,
                    });
                }
                Intent::Algo {
                    token,
                    side,
                    price,
                    total,
                    time_in_force,
                    post_only,
                    algo,
                    reason,
                } => {
                    let plan = match algo {
                        AlgoSpec::Twap {
                            slices,
                            duration_ms,
                        } => AlgoState::Twap {
                            plan: Twap {
                                total,
                                slices: slices.max(1),
                                start_ms: self.now_ms,
                                duration_ms: duration_ms.max(0),
                            },
                            sent: 0,
                            refused: 0,
                        },
                        AlgoSpec::Iceberg { display } => AlgoState::Iceberg {
                            plan: Iceberg::new(total, display),
                            child: None,
                        },
                    };
                    self.start_algo(RunningAlgo {
                        id: ClientOrderId(self.next_id),
                        account: account.clone(),
                        token,
                        side,
                        price,
                        time_in_force,
                        post_only,
                        reason: reason.to_owned(),
                        state: plan,
                        children: Vec::new(),
                        stopping: false,
                    });
                }
                Intent::Cancel { client_id } => self.cancel(account, client_id),
                Intent::Enter(entry) => self.enter(account, &entry),
                Intent::Skip {
                    token,
                    code,
                    detail,
                } => self.decide(Decision::Skipped {
                    account: account.clone(),
                    token,
                    code: code.to_owned(),
                    detail,
                }),
                Intent::Exit(exit) => self.exit(account, &exit),
                Intent::Reassess { token, probability } => {
                    self.reassess(account, token, probability);
                }
                Intent::CancelAll { token } => {
                    let algos: Vec<_> = self
                        .algos
                        .values()
                        .filter(|a| &a.account == account && token.is_none_or(|t| t == a.token))
                        .map(|a| a.id)
                        .collect();
                    for id in algos {
                        self.cancel(account, id);
                    }
                    for id in self.open_index.ids(account, token) {
                        self.cancel(account, id);
                    }
                }
            }
        }
    }

    /// Checks and sends one order; its id, or `None` when it was refused (with a decision).
    pub(super) fn place(&mut self, new: &NewOrder<'_>) -> Option<ClientOrderId> {
        let order = OrderRequest {
            client_id: ClientOrderId(self.next_id),
            account: new.account.clone(),
            token_id: new.token,
            side: new.side,
            price: new.price,
            quantity: new.quantity,
            time_in_force: new.time_in_force,
            post_only: new.post_only,
        };
        let halt = if order.side == Side::Buy {
            self.buys_halted()
        } else {
            None
        };
        if let Err(code) = halt.map_or_else(|| self.check(&order), Err) {
            self.decide(Decision::Refused {
                account: new.account.clone(),
                token: new.token,
                code: code.to_owned(),
            });
            return None;
        }
        self.next_id += 1;
        let id = order.client_id;
        let mut tracked = TrackedOrder::new(order.clone());
        let _ = tracked.apply(OrderEvent::Sent);
        self.open_index.add(&tracked);
        self.orders.insert(id, tracked);
        self.open.insert(id);
        self.changes.orders.insert(id);
        self.venue.submit(self.now_ms, &order);
        self.decide(Decision::Placed {
            order,
            reason: new.reason.to_owned(),
        });
        Some(id)
    }

    /// Cancels an order, or stops an algo (its children are cancelled as it steps).
    pub(super) fn cancel(&mut self, account: &AccountId, client_id: ClientOrderId) {
        if let Some(algo) = self
            .algos
            .get_mut(&client_id)
            .filter(|a| &a.account == account)
        {
            algo.stopping = true;
            self.changes.algos = true;
            self.step_algo(client_id);
            return;
        }
        let Some(order) = self
            .orders
            .get_mut(&client_id)
            .filter(|o| &o.request.account == account)
        else {
            self.decide(Decision::CancelRefused {
                client_id,
                code: "unknown_order".to_owned(),
            });
            return;
        };
        match order.state {
            // Not at the venue yet: cancelled as soon as the venue acknowledges it (dropping the
            // request would leave the order resting after a cancel or cancel-all).
            OrderState::Pending | OrderState::Submitted { .. } => {
                order.cancel_requested = true;
                self.changes.orders.insert(client_id);
            }
            OrderState::Live => {
                let _ = order.apply(OrderEvent::CancelRequested);
                self.changes.orders.insert(client_id);
                self.venue.cancel(self.now_ms, client_id);
                self.decide(Decision::CancelSent { client_id });
            }
            // Already being cancelled.
            OrderState::CancelPending => {}
            OrderState::Filled
            | OrderState::Cancelled
            | OrderState::Expired
            | OrderState::Rejected { .. } => self.decide(Decision::CancelRefused {
                client_id,
                code: "not_open".to_owned(),
            }),
        }
    }

    /// The venue's rules, then funds: cash for BUYs net of every open BUY of this account (cash
    /// is shared), shares for SELLs net of this account's open SELLs of the same token (a
    /// position can only be sold on its own token).
    pub(super) fn check(&self, order: &OrderRequest) -> Result<(), &'static str> {
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
        let committed = self.open_index.committed(&order.account, order.token_id);
        match order.side {
            Side::Buy => {
                let committed = committed.buy_micros;
                let needed = i64::try_from(amounts.maker).unwrap_or(i64::MAX) + committed;
                (needed <= state.cash.micros())
                    .then_some(())
                    .ok_or("insufficient_cash")
            }
            Side::Sell => {
                let committed = committed.sell_micros;
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
}
