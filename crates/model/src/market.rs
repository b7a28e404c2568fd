//! [`Market`]: one binary (or multi-outcome) condition as the venue lists it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::ids::{ConditionId, TokenId};
use crate::num::{Size, TickSize, Usdc};
use crate::probability::Probability;

/// One outcome of a market and the token that pays 1 if it wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub name: String,
    pub token_id: TokenId,
    /// The venue's last quoted probability for this outcome, if any.
    pub price: Option<Probability>,
}

/// Where a market is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MarketStatus {
    /// Listed and tradable (when `accepting_orders`).
    Active,
    /// Trading has stopped; the result is not known yet.
    Closed,
    /// Resolved: the outcome at `winner` pays 1, the others 0.
    Resolved { winner: usize },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Market {
    pub condition_id: ConditionId,
    pub question: String,
    pub slug: String,
    pub description: String,
    pub outcomes: Vec<Outcome>,
    /// The venue's category label, when it gives one (Gamma `category` or the first event tag).
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub end_date: Option<DateTime<Utc>>,
    /// Part of a neg-risk event: exactly one market of the event resolves YES.
    pub neg_risk: bool,
    pub event_id: Option<String>,
    pub event_title: Option<String>,
    pub tick_size: TickSize,
    pub min_order_size: Size,
    /// Taker fee rate in basis points of `p·(1−p)` notional; makers pay nothing.
    pub taker_fee_bps: u32,
    pub volume: Usdc,
    pub volume_24h: Usdc,
    pub liquidity: Usdc,
    pub best_bid: Option<Probability>,
    pub best_ask: Option<Probability>,
    pub status: MarketStatus,
    pub accepting_orders: bool,
}

impl Market {
    /// Checks the invariants a market must satisfy before anything trades on it.
    pub fn validate(&self) -> Result<(), ModelError> {
        let fail = |reason: String| ModelError::InvalidMarket {
            market: self.condition_id.to_string(),
            reason,
        };
        if self.outcomes.len() < 2 {
            return Err(fail(format!(
                "needs at least two outcomes, has {}",
                self.outcomes.len()
            )));
        }
        for (i, a) in self.outcomes.iter().enumerate() {
            if self.outcomes[..i].iter().any(|b| b.token_id == a.token_id) {
                return Err(fail(format!("token {} appears twice", a.token_id)));
            }
        }
        if let MarketStatus::Resolved { winner } = self.status
            && winner >= self.outcomes.len()
        {
            return Err(fail(format!("winner index {winner} out of range")));
        }
        if let (Some(bid), Some(ask)) = (self.best_bid, self.best_ask)
            && bid.micros() > 0
            && ask.micros() > 0
            && bid > ask
        {
            return Err(fail(format!("best bid {bid} above best ask {ask}")));
        }
        Ok(())
    }

    #[must_use]
    pub fn is_tradable(&self) -> bool {
        self.status == MarketStatus::Active && self.accepting_orders
    }

    /// The outcome paying on YES (the first outcome, by the venue's convention).
    #[must_use]
    pub fn yes(&self) -> &Outcome {
        &self.outcomes[0]
    }

    #[must_use]
    pub fn outcome_of(&self, token_id: TokenId) -> Option<(usize, &Outcome)> {
        self.outcomes
            .iter()
            .enumerate()
            .find(|(_, o)| o.token_id == token_id)
    }

    /// Best ask minus best bid of the first outcome, as a fraction of 1, when both are quoted.
    #[must_use]
    pub fn spread(&self) -> Option<f64> {
        match (self.best_bid, self.best_ask) {
            (Some(b), Some(a)) if b.micros() > 0 && a.micros() > 0 => Some(a.as_f64() - b.as_f64()),
            _ => None,
        }
    }

    /// Days from `now` until the market's end date (negative once past).
    #[must_use]
    pub fn days_to_expiry(&self, now: DateTime<Utc>) -> Option<f64> {
        self.end_date
            .map(|end| (end - now).num_seconds() as f64 / 86_400.0)
    }
}
