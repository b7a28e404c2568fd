//! The kernel's side of crash safety: what changed since the driver last persisted (so the
//! driver writes only that, in one transaction, before the venue may send anything), and the
//! state a restart restores from the store.

use std::collections::BTreeSet;

use polybot_model::ConditionId;

use super::{ClosedOrder, Decision, Kernel, RunningAlgo};
use crate::ledger::Fill;
use crate::ledger::{FillStatus, Ledger, Resolution, TradeId};
use crate::orders::{ClientOrderId, TrackedOrder};
use crate::venue::Venue;

/// Changes accumulated while handling events.
#[derive(Debug, Default)]
pub(super) struct Pending {
    pub orders: BTreeSet<ClientOrderId>,
    pub fills: Vec<(Fill, FillStatus)>,
    pub statuses: Vec<(TradeId, FillStatus)>,
    pub resolutions: Vec<Resolution>,
    pub redemptions: Vec<ConditionId>,
    pub algos: bool,
}

/// Everything to persist since the last [`Kernel::take_changes`], in the order the store must
/// apply it: fills before the orders they filled, statuses after their fills.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Changes {
    /// The current state of every order that changed.
    pub orders: Vec<TrackedOrder>,
    pub fills: Vec<(Fill, FillStatus)>,
    pub statuses: Vec<(TradeId, FillStatus)>,
    pub resolutions: Vec<Resolution>,
    pub redemptions: Vec<ConditionId>,
    /// All running algos, when any changed.
    pub algos: Option<Vec<RunningAlgo>>,
    /// The risk engine's memory, when it changed.
    pub risk: Option<super::RiskMemory>,
    pub decisions: Vec<Decision>,
}

impl Changes {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
            && self.fills.is_empty()
            && self.statuses.is_empty()
            && self.resolutions.is_empty()
            && self.redemptions.is_empty()
            && self.algos.is_none()
            && self.risk.is_none()
            && self.decisions.is_empty()
    }
}

/// The trading state a restart resumes from.
#[derive(Debug, Default)]
pub struct Restored {
    pub ledger: Ledger,
    /// Orders that may still trade.
    pub orders: Vec<TrackedOrder>,
    pub algos: Vec<RunningAlgo>,
    /// The next client order id (one past the highest ever used).
    pub next_id: u64,
    /// Orders that closed before the restart, remembered as pruned ones (see [`ClosedOrder`]).
    pub closed: Vec<ClosedOrder>,
}

impl<V: Venue> Kernel<V> {
    /// Everything that changed since the last call.
    pub fn take_changes(&mut self) -> Changes {
        let pending = std::mem::take(&mut self.changes);
        Changes {
            orders: pending
                .orders
                .iter()
                .filter_map(|id| self.orders.get(id).cloned())
                .collect(),
            fills: pending.fills,
            statuses: pending.statuses,
            resolutions: pending.resolutions,
            redemptions: pending.redemptions,
            algos: pending
                .algos
                .then(|| self.algos.values().cloned().collect()),
            risk: std::mem::take(&mut self.risk.changed).then(|| self.risk.memory.clone()),
            decisions: std::mem::take(&mut self.decisions),
        }
    }

    /// Replaces the trading state with what a restart recovered (call before the first event;
    /// markets and strategies are added as usual).
    pub fn restore(&mut self, restored: Restored) {
        self.ledger = restored.ledger;
        self.orders.clear();
        self.open.clear();
        self.open_index.clear();
        for order in restored.orders {
            let id = order.request.client_id;
            if order.state.is_open() {
                self.open.insert(id);
            }
            self.open_index.add(&order);
            self.next_id = self.next_id.max(id.0 + 1);
            self.orders.insert(id, order);
        }
        self.algos = restored.algos.into_iter().map(|a| (a.id, a)).collect();
        for id in self.algos.keys() {
            self.next_id = self.next_id.max(id.0 + 1);
        }
        self.next_id = self.next_id.max(restored.next_id);
        self.pruned = restored
            .closed
            .into_iter()
            .filter(|c| !self.orders.contains_key(&c.client_id))
            .map(|c| (c.client_id, c))
            .collect();
    }

    /// Running execution algorithms.
    pub fn algos(&self) -> impl Iterator<Item = &RunningAlgo> {
        self.algos.values()
    }

    #[must_use]
    pub fn next_id(&self) -> u64 {
        self.next_id
    }
}
