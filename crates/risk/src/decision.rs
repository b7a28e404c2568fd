//! [`RiskDecision`]: the verdict on one candidate, with every failing check and the numbers
//! behind the size, ready for the decision log.

use polybot_model::{Price, Side, Size, TokenId, Usdc};
use serde::{Deserialize, Serialize};

use crate::codes::Check;
use crate::sizing::Sizing;

/// One failing check and what it saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub check: Check,
    /// The observed value against the limit, in words (`"net edge 0.021 < 0.04"`).
    pub detail: String,
}

impl Rejection {
    #[must_use]
    pub fn new(check: Check, detail: impl Into<String>) -> Self {
        Rejection {
            check,
            detail: detail.into(),
        }
    }

    /// The stable reason code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.check.code()
    }

    /// The configuration key behind it.
    #[must_use]
    pub fn config_key(&self) -> &'static str {
        self.check.config_key()
    }
}

/// An order the risk engine approved: the limit price, and the size it may be sent with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovedOrder {
    pub token: TokenId,
    pub side: Side,
    pub price: Price,
    /// Shares, in whole 0.01-share lots.
    pub size: Size,
    /// `size × price`.
    pub notional: Usdc,
    /// The taker fee the order would pay if it filled as a taker (zero when post-only).
    pub fee: Usdc,
}

/// The verdict: approved with an order, or rejected with every reason.
///
/// Invariant: `approved` is `Some` exactly when `rejections` is empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskDecision {
    pub approved: Option<ApprovedOrder>,
    /// Every failing check, in [`Check::ALL`] order, each once.
    pub rejections: Vec<Rejection>,
    /// The sizing of a buy, approved or not (sells are sized by what they sell).
    pub sizing: Option<Sizing>,
}

impl RiskDecision {
    /// Builds the verdict, keeping the invariant: any rejection means no order.
    #[must_use]
    pub fn new(
        order: ApprovedOrder,
        mut rejections: Vec<Rejection>,
        sizing: Option<Sizing>,
    ) -> Self {
        rejections.sort_by_key(|r| r.check);
        rejections.dedup_by_key(|r| r.check);
        let approved = rejections.is_empty().then_some(order);
        RiskDecision {
            approved,
            rejections,
            sizing,
        }
    }

    #[must_use]
    pub fn is_approved(&self) -> bool {
        self.approved.is_some()
    }

    /// The reason codes of every failing check.
    #[must_use]
    pub fn codes(&self) -> Vec<&'static str> {
        self.rejections.iter().map(Rejection::code).collect()
    }

    /// Whether `check` is among the failures.
    #[must_use]
    pub fn rejected_by(&self, check: Check) -> bool {
        self.rejections.iter().any(|r| r.check == check)
    }
}
