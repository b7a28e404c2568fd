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
        /// Slices due so far, placed or refused.
        sent: u32,
        /// Of those, the slices the kernel's checks refused (each also a `Refused` decision),
        /// so a TWAP that placed nothing does not pass for completed. Absent in algos persisted
        /// before it was counted.
        #[serde(default)]
        refused: u32,
    },
    Iceberg {
        plan: Iceberg,
        child: Option<ClientOrderId>,
    },
}

/// How sending an algo's children went.
enum Sent {
    /// Step the algo again.
    Continue,
    /// The algo is no longer running.
    Gone,
    /// The algo ends with this code.
    Finish(&'static str),
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
                Step::Finish(code) => return self.finish_algo(id, code),
                Step::Send(sizes) => match self.send_children(id, &sizes) {
                    Sent::Continue => {}
                    Sent::Gone => return,
                    Sent::Finish(code) => return self.finish_algo(id, code),
                },
            }
        }
    }

    fn finish_algo(&mut self, id: ClientOrderId, code: &'static str) {
        self.algos.remove(&id);
        self.changes.algos = true;
        self.decide(Decision::AlgoDone {
            id,
            code: code.to_owned(),
        });
    }

    /// Sends children. A refused TWAP slice is counted and the next ones still go out (they
    /// may pass: funds free up); a refused iceberg child ends the iceberg, which has nothing
    /// else showing.
    fn send_children(&mut self, id: ClientOrderId, sizes: &[polybot_model::Size]) -> Sent {
        let Some(algo) = self.algos.get(&id).cloned() else {
            return Sent::Gone;
        };
        // The iceberg child being replaced has finished: its fills count towards the total.
        let finished_child = match algo.state {
            AlgoState::Iceberg {
                child: Some(child), ..
            } => self.orders.get(&child).map(|o| o.filled),
            _ => None,
        };
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
                return Sent::Gone;
            };
            self.changes.algos = true;
            match &mut running.state {
                AlgoState::Twap { sent, refused, .. } => {
                    *sent += 1;
                    *refused += u32::from(child.is_none());
                    running.children.extend(child);
                }
                AlgoState::Iceberg { plan, child: slot } => {
                    if slot.take().is_some() {
                        plan.on_fill(finished_child.unwrap_or(polybot_model::Size::ZERO));
                    }
                    let Some(child) = child else {
                        return Sent::Finish("child_refused");
                    };
                    *slot = Some(child);
                    running.children.push(child);
                }
            }
        }
        Sent::Continue
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
            AlgoState::Twap { plan, sent, .. } => {
                let due: Vec<_> = plan.due(self.now_ms, *sent).map(|(_, s)| s).collect();
                if !due.is_empty() {
                    Step::Send(due)
                } else if *sent >= plan.slices && open_children.is_empty() {
                    // Every slice is due and none is open: done, unless none was ever placed.
                    // Read from the children (placed slices only), not `refused`, which algos
                    // persisted by an older release lack.
                    Step::Finish(if algo.children.is_empty() {
                        "slices_refused"
                    } else {
                        "completed"
                    })
                } else {
                    Step::Wait
                }
            }
            AlgoState::Iceberg { .. } if !open_children.is_empty() => Step::Wait,
            AlgoState::Iceberg { plan, child } => self.iceberg_step(algo.token, *plan, *child),
        }
    }

    /// An iceberg with no child open: refill after a fill, else end (the child ended otherwise).
    fn iceberg_step(&self, token: TokenId, plan: Iceberg, child: Option<ClientOrderId>) -> Step {
        let min = self
            .rules
            .get(&token)
            .map_or(polybot_model::Size::ZERO, |r| r.min_resting_size);
        let mut progress = plan;
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
