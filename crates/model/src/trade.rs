//! [`Trade`]: a print on the venue's tape (`last_trade_price`, a fill).

use serde::{Deserialize, Serialize};

use crate::ids::TokenId;
use crate::num::{Price, Size};

/// The aggressor's side of a trade, or an order's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    pub token_id: TokenId,
    pub price: Price,
    pub size: Size,
    /// The taker's side, when the venue says.
    pub side: Option<Side>,
    pub timestamp_ms: i64,
    pub fee_rate_bps: Option<u32>,
}
