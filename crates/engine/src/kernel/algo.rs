//! Execution algorithms hosted by the kernel. A running algo is plain data (persisted and
//! restored after a crash); each step looks at its children's state in the kernel's order book
//! and sends the next child through the ordinary checks, so an algo can never do what a single
//! order could not.

use polybot_model::{Price, Side, TokenId};
use serde::{Deserialize, Serialize};

use super::Kernel;
use super::decision::Decision;
use super::execute::NewOrder;
use crate::ledger::AccountId;
use crate::orders::algos::{Iceberg, Twap};
use crate::orders::{ClientOrderId, OrderState, Quantity, TimeInForce};
use crate::venue::Venue;

/// A parent order being worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningAlgo {
    /// Taken from the order id sequence, so an operator can cancel it like an order.
    pub id: ClientOrderId,
    pub account: AccountId,
    pub token: TokenId,
    pub side: Side,
    pub price: Price,
    pub time_in_force: TimeInForce,
    pub post_only: bool,
    pub reason: String,
    pub state: AlgoState,
    /// Every child sent so far.
    pub children: Vec<ClientOrderId>,
    /// Cancelled: cancel the open children, send no more, finish when none is open.
    pub stopping: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlgoState {
    Twap {
        plan: Twap,
        sent: u32,
    },
    Iceberg {
        plan: Iceberg,
        child: Option<ClientOrderId>,
    },
}

/// What one step of an algo wants done.
enum Step {
    Wait,
    Send(Vec<polybot_model::Size>),
    Cancel(Vec<ClientOrderId>),
    Finish(&'static str),
}

impl<V: Venue> Kernel<V> {
    pub(super) fn start_algo(&mut self, algo: RunningAlgo) {
        let id = algo.id;
        self.next_id += 1;
        self.decide(Decision::AlgoStarted {
            id,
            account: algo.account.clone(),
            token: algo.token,
            side: algo.side,
            price: algo.price,
            kind: match algo.state {
                AlgoState::Twap { .. } => "twap".to_owned(),
                AlgoState::Iceberg { .. } => "iceberg".to_owned(),
            },
        });
        self.algos.insert(id, algo);
        self.changes.algos = true;
        self.step_algo(id);
    }

    /// Steps every running algo (after each event: slices come due, children finish).
    pub(super) fn step_algos(&mut self) {
        if self.algos.is_empty() {
            return;
        }
        let ids: Vec<ClientOrderId> = self.algos.keys().copied().collect();
        for id in ids {
            self.step_algo(id);
        }
    }

    pub(super) fn step_algo(&mut self, id: ClientOrderId) {
        loop {
            let Some(algo) = self.algos.get(&id) else {
                return;
            };
            match self.next_step(algo) {
                Step::Wait => return,
                Step::Cancel(children) => {
                    let account = algo.account.clone();
                    for child in children {
                        self.cancel(&account, child);
                    }
                    return;
                }
                Step::Finish(code) => {
                    self.algos.remove(&id);
                    self.changes.algos = true;
                    self.decide(Decision::AlgoDone {
                        id,
                        code: code.to_owned(),
                    });
                    return;
                }
                Step::Send(sizes) => {
                    if !self.send_children(id, &sizes) {
                        return;
                    }
                }
            }
        }
    }

    /// Sends children; false when one was refused (the algo then finishes on its next step).
    fn send_children(&mut self, id: ClientOrderId, sizes: &[polybot_model::Size]) -> bool {
        let Some(algo) = self.algos.get(&id).cloned() else {
            return false;
        };
        // The iceberg child being replaced has finished: its fills count towards the total.
        let finished_child = match algo.state {
            AlgoState::Iceberg {
                child: Some(child), ..
            } => self.orders.get(&child).map(|o| o.filled),
            _ => None,
        };
        let mut all_sent = true;
        for &size in sizes {
            let child = self.place(&NewOrder {
                account: &algo.account,
                token: algo.token,
                side: algo.side,
                price: algo.price,
                quantity: Quantity::Shares(size),
                time_in_force: algo.time_in_force,
                post_only: algo.post_only,
                reason: &algo.reason,
            });
            let Some(running) = self.algos.get_mut(&id) else {
                return false;
            };
            self.changes.algos = true;
            match (&mut running.state, child) {
                (AlgoState::Twap { sent, .. }, child) => {
                    *sent += 1;
                    running.children.extend(child);
                }
                (AlgoState::Iceberg { plan, child: slot }, child) => {
                    if slot.take().is_some() {
                        plan.on_fill(finished_child.unwrap_or(polybot_model::Size::ZERO));
                    }
                    if let Some(child) = child {
                        *slot = Some(child);
                        running.children.push(child);
                    } else {
                        running.stopping = true;
                        all_sent = false;
                    }
                }
            }
        }
        all_sent
    }

    /// Pure decision of what an algo does next, from its state and its children's.
    fn next_step(&self, algo: &RunningAlgo) -> Step {
        let open_children: Vec<ClientOrderId> = algo
            .children
            .iter()
            .filter(|c| self.open.contains(c))
            .copied()
            .collect();
        if algo.stopping {
            let cancellable: Vec<ClientOrderId> = open_children
                .iter()
                .filter(|c| {
                    self.orders
                        .get(c)
                        .is_some_and(|o| matches!(o.state, OrderState::Live))
                })
                .copied()
                .collect();
            return match (open_children.is_empty(), cancellable.is_empty()) {
                (true, _) => Step::Finish("cancelled"),
                (false, false) => Step::Cancel(cancellable),
                (false, true) => Step::Wait,
            };
        }
        match &algo.state {
            AlgoState::Twap { plan, sent } => {
                let due: Vec<_> = plan.due(self.now_ms, *sent).map(|(_, s)| s).collect();
                if !due.is_empty() {
                    Step::Send(due)
                } else if *sent >= plan.slices && open_children.is_empty() {
                    Step::Finish("completed")
                } else {
                    Step::Wait
                }
            }
            AlgoState::Iceberg { plan, child } => {
                if !open_children.is_empty() {
                    return Step::Wait;
                }
                let min = self
                    .rules
                    .get(&algo.token)
                    .map_or(polybot_model::Size::ZERO, |r| r.min_resting_size);
                let mut progress = *plan;
                if let Some(order) = child.and_then(|c| self.orders.get(&c)) {
                    progress.on_fill(order.filled);
                    if !matches!(order.state, OrderState::Filled) {
                        return Step::Finish(match order.state {
                            OrderState::Expired => "child_expired",
                            OrderState::Rejected { .. } => "child_rejected",
                            _ => "child_cancelled",
                        });
                    }
                }
                match progress.next_child(min) {
                    Some(size) => Step::Send(vec![size]),
                    None => Step::Finish("completed"),
                }
            }
        }
    }
}
