//! Execution inside the kernel: intents become orders and cancels after the venue's rules and
//! the account's funds, and execution algorithms (TWAP, iceberg) send their children through the
//! same path.

use polybot_model::{Price, Side, TokenId, Usdc};

use super::Kernel;
use super::algo::{AlgoState, RunningAlgo};
use super::decision::Decision;
use crate::ledger::AccountId;
use crate::orders::algos::{AlgoSpec, Iceberg, Twap};
use crate::orders::{
    ClientOrderId, OrderEvent, OrderRequest, Quantity, TimeInForce, TrackedOrder, crosses, validate,
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
        if let Err(code) = self.check(&order) {
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
        if order.apply(OrderEvent::CancelRequested).is_ok() {
            self.changes.orders.insert(client_id);
            self.venue.cancel(self.now_ms, client_id);
            self.decide(Decision::CancelSent { client_id });
        }
    }

    /// The venue's rules, then funds: cash for BUYs and shares for SELLs, net of what this
    /// account's open orders already commit.
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
