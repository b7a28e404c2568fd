//! The order lifecycle as an explicit state machine. Every transition the venue can cause is
//! listed; anything else is a [`TransitionError`] (a bug or a venue surprise worth logging),
//! never a silent state change.

use polybot_model::Size;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{OrderRequest, Quantity, VenueOrderId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderState {
    /// Approved and built, not sent yet.
    Pending,
    /// Sent. `unknown` once the request timed out or failed ambiguously (5xx): the order may
    /// exist at the venue, so it is neither resent nor forgotten until reconciled.
    Submitted {
        unknown: bool,
    },
    /// Acknowledged by the venue and working (possibly partly filled).
    Live,
    /// A cancel was sent; fills can still arrive until the venue confirms it.
    CancelPending,
    Filled,
    Cancelled,
    Expired,
    Rejected {
        reason: String,
    },
}

impl OrderState {
    /// Whether the order may still trade (and so counts against limits).
    #[must_use]
    pub fn is_open(&self) -> bool {
        matches!(
            self,
            OrderState::Pending
                | OrderState::Submitted { .. }
                | OrderState::Live
                | OrderState::CancelPending
        )
    }
}

/// Something that happened to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderEvent {
    Sent,
    Acknowledged {
        venue_id: VenueOrderId,
    },
    /// The venue definitively refused it (a 4xx or `success: false`).
    Rejected {
        reason: String,
    },
    /// The request's outcome is unknown (timeout, connection reset, 5xx).
    OutcomeUnknown,
    /// Reconciliation found no trace of the order at the venue: it never existed.
    NotFoundAtVenue,
    Fill {
        size: Size,
    },
    /// The venue reports the order fully matched (how a USDC-sized market BUY completes).
    Completed,
    CancelRequested,
    Cancelled,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    #[error("order in state {state:?} cannot take {event:?}")]
    Invalid {
        state: OrderState,
        event: OrderEvent,
    },
    #[error("fill of {fill} would take the order past its size {size} (already filled {filled})")]
    Overfill {
        size: Size,
        filled: Size,
        fill: Size,
    },
}

/// One order and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedOrder {
    pub request: OrderRequest,
    pub state: OrderState,
    pub venue_id: Option<VenueOrderId>,
    pub filled: Size,
    /// A cancel was asked for before the venue acknowledged the order: it goes out as soon as
    /// the order is live there. Stored with the order, so a restart in between keeps the promise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancel_requested: bool,
}

impl TrackedOrder {
    #[must_use]
    pub fn new(request: OrderRequest) -> Self {
        TrackedOrder {
            request,
            state: OrderState::Pending,
            venue_id: None,
            filled: Size::ZERO,
            cancel_requested: false,
        }
    }

    /// The order's size in shares, when shares bound it. Market BUYs are sized in USDC, and a
    /// marketable BUY (FOK/FAK) written in shares is matched by the venue as its USDC amount
    /// (more shares at better prices), so its share count is no limit either.
    #[must_use]
    pub fn size(&self) -> Option<Size> {
        match self.request.quantity {
            Quantity::Shares(_)
                if self.request.side == polybot_model::Side::Buy
                    && !self.request.time_in_force.rests() =>
            {
                None
            }
            Quantity::Shares(size) => Some(size),
            Quantity::Usdc(_) => None,
        }
    }

    pub fn apply(&mut self, event: OrderEvent) -> Result<(), TransitionError> {
        use OrderState as S;
        let next = match (&self.state, &event) {
            (S::Pending, OrderEvent::Sent) => S::Submitted { unknown: false },
            (S::Submitted { .. }, OrderEvent::Acknowledged { venue_id }) => {
                self.venue_id = Some(venue_id.clone());
                S::Live
            }
            (S::Submitted { .. }, OrderEvent::Rejected { reason }) => S::Rejected {
                reason: reason.clone(),
            },
            (S::Submitted { .. }, OrderEvent::OutcomeUnknown) => S::Submitted { unknown: true },
            (S::Submitted { .. }, OrderEvent::NotFoundAtVenue) => S::Rejected {
                reason: "not found at the venue after reconciliation".into(),
            },
            (S::Submitted { .. } | S::Live | S::CancelPending, OrderEvent::Fill { size }) => {
                return self.fill(*size);
            }
            (
                S::Submitted { .. } | S::Live | S::CancelPending | S::Filled,
                OrderEvent::Completed,
            ) => S::Filled,
            (S::Live, OrderEvent::CancelRequested) => S::CancelPending,
            (S::Live | S::CancelPending, OrderEvent::Cancelled) => S::Cancelled,
            (S::Live | S::CancelPending, OrderEvent::Expired) => S::Expired,
            // A cancel that crosses a fill completing the order: the venue has nothing to cancel.
            (S::Filled, OrderEvent::Cancelled) => S::Filled,
            _ => {
                return Err(TransitionError::Invalid {
                    state: self.state.clone(),
                    event,
                });
            }
        };
        self.state = next;
        Ok(())
    }

    fn fill(&mut self, size: Size) -> Result<(), TransitionError> {
        let filled = self.filled.saturating_add(size);
        if let Some(total) = self.size()
            && filled > total
        {
            return Err(TransitionError::Overfill {
                size: total,
                filled: self.filled,
                fill: size,
            });
        }
        self.filled = filled;
        let complete = self.size().is_some_and(|total| filled == total);
        self.state = match (&self.state, complete) {
            (_, true) => OrderState::Filled,
            (OrderState::CancelPending, false) => OrderState::CancelPending,
            _ => OrderState::Live,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;
    use polybot_model::{Price, Side, TokenId};

    use super::*;
    use crate::ledger::AccountId;
    use crate::orders::{ClientOrderId, TimeInForce};

    fn order() -> TrackedOrder {
        TrackedOrder::new(OrderRequest {
            client_id: ClientOrderId(7),
            account: AccountId::new("a"),
            token_id: TokenId(U256::from(1u8)),
            side: Side::Buy,
            price: Price::parse("0.5").unwrap(),
            quantity: Quantity::Shares(Size::shares(10)),
            time_in_force: TimeInForce::Gtc,
            post_only: false,
        })
    }
    fn ack() -> OrderEvent {
        OrderEvent::Acknowledged {
            venue_id: VenueOrderId("0xabc".into()),
        }
    }

    #[test]
    fn happy_path_with_partial_fills() {
        let mut o = order();
        o.apply(OrderEvent::Sent).unwrap();
        o.apply(ack()).unwrap();
        o.apply(OrderEvent::Fill {
            size: Size::shares(4),
        })
        .unwrap();
        assert_eq!(o.state, OrderState::Live);
        o.apply(OrderEvent::Fill {
            size: Size::shares(6),
        })
        .unwrap();
        assert_eq!(o.state, OrderState::Filled);
        assert!(!o.state.is_open());
        assert!(
            o.apply(OrderEvent::Fill {
                size: Size::shares(1)
            })
            .is_err()
        );
    }

    #[test]
    fn an_unknown_outcome_stays_submitted_until_reconciled() {
        let mut o = order();
        o.apply(OrderEvent::Sent).unwrap();
        o.apply(OrderEvent::OutcomeUnknown).unwrap();
        assert_eq!(o.state, OrderState::Submitted { unknown: true });
        assert!(
            o.state.is_open(),
            "an unknown order still counts against limits"
        );
        // Sending it again is not a transition the machine allows.
        assert!(o.apply(OrderEvent::Sent).is_err());
        let mut found = o.clone();
        found.apply(ack()).unwrap();
        assert_eq!(found.state, OrderState::Live);
        o.apply(OrderEvent::NotFoundAtVenue).unwrap();
        assert!(matches!(o.state, OrderState::Rejected { .. }));
    }

    #[test]
    fn cancels_race_with_fills() {
        let mut o = order();
        o.apply(OrderEvent::Sent).unwrap();
        o.apply(ack()).unwrap();
        o.apply(OrderEvent::CancelRequested).unwrap();
        o.apply(OrderEvent::Fill {
            size: Size::shares(3),
        })
        .unwrap();
        assert_eq!(o.state, OrderState::CancelPending);
        o.apply(OrderEvent::Cancelled).unwrap();
        assert_eq!(
            (o.state.clone(), o.filled),
            (OrderState::Cancelled, Size::shares(3))
        );
        assert!(
            o.apply(OrderEvent::Fill {
                size: Size::shares(1)
            })
            .is_err()
        );
        let mut usdc_buy = order();
        usdc_buy.request.quantity = Quantity::Usdc(polybot_model::Usdc::dollars(5));
        usdc_buy.apply(OrderEvent::Sent).unwrap();
        usdc_buy
            .apply(OrderEvent::Fill {
                size: Size::shares(9),
            })
            .unwrap();
        assert_eq!(usdc_buy.state, OrderState::Live);
        usdc_buy.apply(OrderEvent::Completed).unwrap();
        assert_eq!(usdc_buy.state, OrderState::Filled);
        let mut done = order();
        done.apply(OrderEvent::Sent).unwrap();
        done.apply(OrderEvent::Fill {
            size: Size::shares(10),
        })
        .unwrap();
        done.apply(OrderEvent::Cancelled).unwrap();
        assert_eq!(done.state, OrderState::Filled);
    }

    #[test]
    fn invalid_transitions_are_errors() {
        let mut o = order();
        assert!(o.apply(ack()).is_err());
        assert!(o.apply(OrderEvent::Cancelled).is_err());
        o.apply(OrderEvent::Sent).unwrap();
        o.apply(OrderEvent::Rejected {
            reason: "not enough balance".into(),
        })
        .unwrap();
        assert!(
            o.apply(OrderEvent::Fill {
                size: Size::shares(1)
            })
            .is_err()
        );
        assert!(o.apply(OrderEvent::Cancelled).is_err());
    }
}
