//! [`WalletTrade`]: one fill of a tracked wallet, from whichever source saw it first.

use alloy_primitives::{Address, B256};
use polybot_model::{ConditionId, Price, Side, Size, TokenId, Usdc};
use serde::{Deserialize, Serialize};

/// Where a trade was detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The Data API (`/trades`, `/activity`), polled.
    Poll,
    /// The RTDS `activity`/`trades` stream, pushed.
    Stream,
}

/// The wallet's role in the fill, when the payload says (the Data API and RTDS do not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Maker,
    Taker,
}

/// Which side of a binary market a trade's token is. Derived from the outcome *index*, never
/// from the outcome's name or a default: another copy bot bought YES for every signal because
/// it dropped the index, so the index is mandatory when parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum BinarySide {
    /// Outcome index 0 (Polymarket lists `["Yes", "No"]`).
    Yes,
    /// Outcome index 1.
    No,
}

/// One fill of a wallet. Money is exact (six decimals, as USDC and CTF tokens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletTrade {
    /// The proxy wallet that traded.
    pub wallet: Address,
    pub tx_hash: B256,
    pub condition_id: ConditionId,
    /// The outcome token bought or sold (the payload's `asset`).
    pub token: TokenId,
    /// Position of the outcome in the market's outcome list (0 = first / "Yes").
    pub outcome_index: u32,
    /// The outcome's name as the venue shows it ("Yes", "No", a candidate, a team), if sent.
    /// Informational: the outcome traded is `token` / `outcome_index`.
    pub outcome: Option<String>,
    /// The wallet's side: BUY means it acquired `token`.
    pub side: Side,
    pub price: Price,
    /// Shares of `token`.
    pub size: Size,
    /// Cash exchanged: the payload's USDC amount when it has one, else `size × price`.
    pub usdc: Usdc,
    /// The venue's trade time (the Data API and RTDS report whole seconds).
    pub timestamp_ms: i64,
    pub role: Option<Role>,
    pub source: Source,
    /// Market slug and title, for logs and decision records (absent when the payload has none).
    pub market_slug: Option<String>,
    pub title: Option<String>,
}

impl WalletTrade {
    /// The stable identity of this fill across sources and polls.
    #[must_use]
    pub fn key(&self) -> TradeKey {
        TradeKey {
            tx_hash: self.tx_hash,
            wallet: self.wallet,
            token: self.token,
            side: self.side,
            price_micros: self.price.micros(),
            size_micros: self.size.micros(),
        }
    }

    /// YES or NO for a binary market's outcome index; `None` for index ≥ 2 (multi-outcome).
    #[must_use]
    pub fn binary_side(&self) -> Option<BinarySide> {
        match self.outcome_index {
            0 => Some(BinarySide::Yes),
            1 => Some(BinarySide::No),
            _ => None,
        }
    }
}

/// What identifies a fill: one transaction can hold several fills of one wallet (a taker
/// sweeping levels), so the hash alone is not enough; price and size tell them apart. Both
/// sources report the same fill with the same values, so the key matches across them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TradeKey {
    pub tx_hash: B256,
    pub wallet: Address,
    pub token: TokenId,
    pub side: Side,
    pub price_micros: u32,
    pub size_micros: u64,
}
