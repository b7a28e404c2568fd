//! Orders: what a strategy's approved intent becomes, the venue's rules it must satisfy, and the
//! lifecycle it goes through.
//!
//! The lifecycle is explicit because the dangerous case is the unknown: a request that timed out
//! or got a 5xx may well have reached the matching engine. Such an order is `Submitted` — it
//! counts against limits and is never resent — until reconciliation with the venue's open orders
//! and trades says what became of it.

pub mod algos;
mod rules;
mod state;

use polybot_model::{Price, Side, Size, TokenId, Usdc};
use serde::{Deserialize, Serialize};

pub use rules::{MarketRules, RuleViolation, crosses, validate};
pub use state::{OrderEvent, OrderState, TrackedOrder, TransitionError};

use crate::ledger::AccountId;

/// Our id for an order, assigned by the kernel in sequence (deterministic in backtests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ClientOrderId(pub u64);

impl std::fmt::Display for ClientOrderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "c{}", self.0)
    }
}

/// The venue's id for an order (`orderID`, the order hash).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct VenueOrderId(pub String);

/// How long an order may rest and what happens to what does not fill at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimeInForce {
    /// Rests until filled or cancelled.
    Gtc,
    /// Rests until the given unix time (seconds).
    Gtd { expires_at_secs: i64 },
    /// Fills completely at once or not at all.
    Fok,
    /// Fills what it can at once; the rest is cancelled.
    Fak,
}

impl TimeInForce {
    /// Whether the order may rest on the book (GTC, GTD).
    #[must_use]
    pub fn rests(self) -> bool {
        matches!(self, TimeInForce::Gtc | TimeInForce::Gtd { .. })
    }
}

/// How much a market order trades: BUYs are sized in USDC, SELLs in shares (the venue's rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Quantity {
    Shares(Size),
    Usdc(Usdc),
}

/// An order as the kernel sends it to a venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub client_id: ClientOrderId,
    pub account: AccountId,
    pub token_id: TokenId,
    pub side: Side,
    /// The limit price; for FOK/FAK the worst price accepted.
    pub price: Price,
    pub quantity: Quantity,
    pub time_in_force: TimeInForce,
    /// Rest only: rejected instead of crossing the book (GTC/GTD only).
    pub post_only: bool,
}
