//! The venue's reports applied to orders and the ledger.
//!
//! A fill always moves money, so it is booked even when it arrives for an order the kernel no
//! longer tracks (pruned after it closed): losing it would leave the books short of what the
//! venue settled. Such a fill is still flagged, because it means our view of the order was wrong.

use polybot_model::{Side, TokenId, Usdc};
use serde::{Deserialize, Serialize};

use super::Kernel;
use super::decision::Decision;
use crate::ledger::{AccountId, Fill, TradeId};
use crate::orders::{ClientOrderId, OrderEvent, OrderState, TrackedOrder};
use crate::sim::{CloseReason, VenueReport};
use crate::venue::Venue;

/// What the kernel keeps of a closed order: enough to book a late fill to the right account
/// and to notice a fill that does not match the order (the fee is not kept: a fill report
/// carries the fee the venue charged). Orders pruned this session are kept so, and the session
/// header records those that closed before it started, so that a fill the venue reports late
/// (after a restart too) is still booked to its owner instead of only being flagged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedOrder {
    pub client_id: ClientOrderId,
    pub account: AccountId,
    pub token: TokenId,
    pub side: Side,
}

impl ClosedOrder {
    #[must_use]
    pub fn of(order: &TrackedOrder) -> Self {
        ClosedOrder {
            client_id: order.request.client_id,
            account: order.request.account.clone(),
            token: order.request.token_id,
            side: order.request.side,
        }
    }
}

impl<V: Venue> Kernel<V> {
    /// Applies a report to its order and the ledger; returns the owning account.
    pub(super) fn apply_report(&mut self, report: &VenueReport) -> Option<AccountId> {
        if let Some(id) = late_report(report)
            && self.pruned.contains_key(&id)
        {
            return None;
        }
        let (client_id, event) = self.order_event(report)?;
        let Some(order) = self.orders.get_mut(&client_id) else {
            return self.report_for_missing_order(client_id, report);
        };
        let account = order.request.account.clone();
        self.open_index.remove(order);
        let result = order.apply(event);
        self.open_index.add(order);
        self.changes.orders.insert(client_id);
        if !order.state.is_open() {
            self.open.remove(&client_id);
        }
        // A cancel asked for before the venue had the order goes out once it is live there; an
        // order that ended before that needs none.
        let deferred_cancel = match order.state {
            OrderState::Pending | OrderState::Submitted { .. } => false,
            OrderState::Live => std::mem::take(&mut order.cancel_requested),
            _ => {
                order.cancel_requested = false;
                false
            }
        };
        if let Err(e) = result {
            self.decide(Decision::Anomaly {
                detail: format!("{client_id}: {e}"),
            });
        }
        self.book_fill(client_id, &account, report);
        if deferred_cancel {
            self.cancel(&account, client_id);
        }
        Some(account)
    }

    /// The order a report is about and what it means for that order, after recording the
    /// decisions the report itself makes; `None` for reports about trades, not orders.
    fn order_event(&mut self, report: &VenueReport) -> Option<(ClientOrderId, OrderEvent)> {
        Some(match report {
            VenueReport::TradeStatus { trade_id, status } => {
                let id = TradeId(trade_id.clone());
                match self.ledger.update_status(&id, *status) {
                    Ok(_) => self.changes.statuses.push((id, *status)),
                    Err(e) => self.decide(Decision::Anomaly {
                        detail: e.to_string(),
                    }),
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
                let reason = reason.clone();
                (*client_id, OrderEvent::Rejected { reason })
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
        })
    }

    /// A report for an order not in memory. A fill for an order pruned after it closed is
    /// booked to its owner (and flagged); anything else is only flagged.
    fn report_for_missing_order(
        &mut self,
        client_id: ClientOrderId,
        report: &VenueReport,
    ) -> Option<AccountId> {
        let pruned = match report {
            VenueReport::Fill { .. } => self.pruned.get(&client_id).cloned(),
            _ => None,
        };
        let Some(order) = pruned else {
            self.decide(Decision::Anomaly {
                detail: format!("report for unknown order {client_id}: {report:?}"),
            });
            return None;
        };
        let mut detail = format!(
            "fill for closed order {client_id}, booked to {}",
            order.account
        );
        if let VenueReport::Fill { token_id, side, .. } = report
            && (*token_id, *side) != (order.token, order.side)
        {
            detail.push_str(&format!(
                " as reported ({side:?} {token_id}), though the order was {:?} {}",
                order.side, order.token
            ));
        }
        self.decide(Decision::Anomaly { detail });
        self.book_fill(client_id, &order.account, report);
        Some(order.account)
    }

    /// Books a fill report to `account`'s ledger and records the fill; other reports pass.
    fn book_fill(&mut self, client_id: ClientOrderId, account: &AccountId, report: &VenueReport) {
        let VenueReport::Fill {
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
        else {
            return;
        };
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
        let realized = |ledger: &crate::ledger::Ledger| {
            ledger
                .account(account)
                .map_or(Usdc::ZERO, |a| a.state().realized)
        };
        let realized_before = realized(&self.ledger);
        match self.ledger.apply_fill(fill.clone(), *status) {
            Ok(_) => {
                self.changes.fills.push((fill, *status));
                let closed_pnl = realized(&self.ledger).saturating_sub(realized_before);
                self.risk_on_fill(account, *token_id, *side, closed_pnl);
            }
            Err(e) => self.decide(Decision::Anomaly {
                detail: e.to_string(),
            }),
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
}

/// The order a report is about, for reports that may arrive after the order finished and
/// carry nothing new (a fill never qualifies: it moves money).
fn late_report(report: &VenueReport) -> Option<ClientOrderId> {
    match report {
        VenueReport::Closed { client_id, .. }
        | VenueReport::Acknowledged { client_id, .. }
        | VenueReport::NotFound { client_id } => Some(*client_id),
        _ => None,
    }
}
