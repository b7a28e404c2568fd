//! [`PositionSnapshot`]: one wallet's open positions at one time.

use std::collections::BTreeMap;

use alloy_primitives::Address;
use polybot_model::{ConditionId, Probability, Size, TokenId, Usdc};
use serde::{Deserialize, Serialize};

use crate::positions::WalletPosition;

/// `size × price`, truncated to the micro-dollar (exact; `price` may be 0 or 1, a resolved
/// market's mark).
#[must_use]
pub fn value_at(size: Size, price: Probability) -> Usdc {
    let micros = u128::from(size.micros()) * u128::from(price.micros()) / 1_000_000;
    Usdc::from_micros(i64::try_from(micros).unwrap_or(i64::MAX))
}

/// One open position of a wallet, as much of it as the scanner needs. A position is one
/// outcome token: the token identifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldPosition {
    pub condition_id: ConditionId,
    pub token: TokenId,
    /// 0 = the first outcome ("Yes"), 1 = the second ("No").
    pub outcome_index: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub size: Size,
    /// The wallet's average entry price.
    pub avg_price: Probability,
    /// The venue's current mark.
    pub cur_price: Probability,
    /// PnL already realized on this token (partial sells), as the venue reports it.
    #[serde(default)]
    pub realized_pnl: Usdc,
}

impl HeldPosition {
    /// Value at the current mark: `size × cur_price`.
    #[must_use]
    pub fn value(&self) -> Usdc {
        value_at(self.size, self.cur_price)
    }

    /// Cost at the average entry price: `size × avg_price`.
    #[must_use]
    pub fn cost(&self) -> Usdc {
        value_at(self.size, self.avg_price)
    }

    /// Unrealized PnL: value − cost.
    #[must_use]
    pub fn unrealized(&self) -> Usdc {
        self.value().saturating_sub(self.cost())
    }

    /// Seed 000's "in profit": the entry is below the current price.
    #[must_use]
    pub fn in_profit(&self) -> bool {
        self.avg_price < self.cur_price
    }
}

impl From<&WalletPosition> for HeldPosition {
    fn from(p: &WalletPosition) -> Self {
        HeldPosition {
            condition_id: p.condition_id,
            token: p.token,
            outcome_index: p.outcome_index,
            outcome: p.outcome.clone(),
            title: p.title.clone(),
            size: p.size,
            avg_price: p.avg_price,
            cur_price: p.cur_price,
            realized_pnl: p.realized_pnl,
        }
    }
}

/// A wallet's open positions at `taken_at_ms`: sorted by token, one entry per token, no
/// zero sizes ([`PositionSnapshot::new`] makes it so).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionSnapshot {
    pub wallet: Address,
    pub taken_at_ms: i64,
    /// `false` when the fetch may have missed positions (it hit its cap): then a position
    /// absent from this snapshot is not reported as an `EXIT`.
    pub complete: bool,
    pub positions: Vec<HeldPosition>,
}

impl PositionSnapshot {
    /// Normalizes `positions`: zero sizes dropped, one entry per token (sizes of repeated
    /// tokens added; their other fields taken from the first), sorted by token.
    #[must_use]
    pub fn new(
        wallet: Address,
        taken_at_ms: i64,
        complete: bool,
        positions: impl IntoIterator<Item = HeldPosition>,
    ) -> Self {
        let mut by_token: BTreeMap<TokenId, HeldPosition> = BTreeMap::new();
        for p in positions {
            if p.size.is_zero() {
                continue;
            }
            by_token
                .entry(p.token)
                .and_modify(|q| q.size = q.size.saturating_add(p.size))
                .or_insert(p);
        }
        PositionSnapshot {
            wallet,
            taken_at_ms,
            complete,
            positions: by_token.into_values().collect(),
        }
    }

    /// A snapshot of fetched positions (other wallets' rows are ignored).
    #[must_use]
    pub fn from_wallet_positions(
        wallet: Address,
        taken_at_ms: i64,
        complete: bool,
        positions: &[WalletPosition],
    ) -> Self {
        Self::new(
            wallet,
            taken_at_ms,
            complete,
            positions
                .iter()
                .filter(|p| p.wallet == wallet)
                .map(HeldPosition::from),
        )
    }

    /// Positions by token (with a non-zero size).
    #[must_use]
    pub fn by_token(&self) -> BTreeMap<TokenId, &HeldPosition> {
        self.positions
            .iter()
            .filter(|p| !p.size.is_zero())
            .map(|p| (p.token, p))
            .collect()
    }

    /// Total value at the current marks.
    #[must_use]
    pub fn value(&self) -> Usdc {
        self.positions
            .iter()
            .fold(Usdc::ZERO, |acc, p| acc.saturating_add(p.value()))
    }

    /// Unrealized plus realized PnL of the open positions: the wallet's PnL as far as its
    /// positions tell (the leaderboard's figure is better when there is one).
    #[must_use]
    pub fn pnl(&self) -> Usdc {
        self.positions.iter().fold(Usdc::ZERO, |acc, p| {
            acc.saturating_add(p.unrealized())
                .saturating_add(p.realized_pnl)
        })
    }
}
