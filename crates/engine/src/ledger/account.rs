//! One account (a strategy's or a copied wallet's sub-ledger): cash, positions at average cost,
//! realized PnL and fees, derived from its history of fills and resolutions.

use std::collections::BTreeMap;

use polybot_model::{Probability, Side, Size, TokenId, Usdc};
use serde::{Deserialize, Serialize};

use super::{Fill, FillStatus, LedgerError, Resolution};

/// Shares held in one outcome token and what they cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Shares held, provisional fills included.
    pub size: Size,
    /// Shares from fills the venue has confirmed on chain.
    pub confirmed: Size,
    /// Cost basis of the shares held (fees excluded; they are booked separately).
    pub cost: Usdc,
}

impl Position {
    /// Average cost per share, if any shares are held.
    #[must_use]
    pub fn average_price(&self) -> Option<f64> {
        (!self.size.is_zero()).then(|| self.cost.as_f64() / self.size.as_f64())
    }

    /// `size × mark − cost`.
    #[must_use]
    pub fn unrealized(&self, mark: Probability) -> Usdc {
        value_at(self.size, mark).saturating_sub(self.cost)
    }
}

/// `size × mark`, truncated to the micro-dollar.
#[must_use]
pub fn value_at(size: Size, mark: Probability) -> Usdc {
    let micros = u128::from(size.micros()) * u128::from(mark.micros()) / 1_000_000;
    Usdc::from_micros(i64::try_from(micros).unwrap_or(i64::MAX))
}

/// What happened to an account, in order. The account's state is a fold over this history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Entry {
    Fill {
        fill: Fill,
        status: FillStatus,
    },
    Resolution(Resolution),
    Redemption {
        condition: polybot_model::ConditionId,
    },
}

/// Derived state of an account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountState {
    pub cash: Usdc,
    pub positions: BTreeMap<TokenId, Position>,
    /// Value of resolved positions awaiting on-chain redemption, per condition.
    pub redeemable: BTreeMap<polybot_model::ConditionId, Usdc>,
    pub realized: Usdc,
    pub fees: Usdc,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub(crate) bankroll: Usdc,
    pub(crate) history: Vec<Entry>,
    pub(crate) state: AccountState,
}

impl Account {
    pub(crate) fn new(bankroll: Usdc) -> Self {
        Account {
            bankroll,
            history: Vec::new(),
            state: AccountState {
                cash: bankroll,
                ..AccountState::default()
            },
        }
    }

    #[must_use]
    pub fn bankroll(&self) -> Usdc {
        self.bankroll
    }

    #[must_use]
    pub fn state(&self) -> &AccountState {
        &self.state
    }

    pub(crate) fn push(&mut self, entry: Entry) -> Result<(), LedgerError> {
        apply(&mut self.state, &entry)?;
        self.history.push(entry);
        Ok(())
    }

    /// Recomputes the state from the history: how a failed fill is taken back exactly, even
    /// after later fills changed the average cost.
    pub(crate) fn replay(&mut self) -> Result<(), LedgerError> {
        let mut state = AccountState {
            cash: self.bankroll,
            ..AccountState::default()
        };
        for entry in &self.history {
            apply(&mut state, entry)?;
        }
        self.state = state;
        Ok(())
    }
}

fn apply(state: &mut AccountState, entry: &Entry) -> Result<(), LedgerError> {
    match entry {
        Entry::Fill {
            status: FillStatus::Failed,
            ..
        } => Ok(()),
        Entry::Fill { fill, status } => apply_fill(state, fill, *status == FillStatus::Confirmed),
        Entry::Resolution(resolution) => {
            apply_resolution(state, resolution);
            Ok(())
        }
        Entry::Redemption { condition } => {
            if let Some(value) = state.redeemable.remove(condition) {
                state.cash = state.cash.saturating_add(value);
            }
            Ok(())
        }
    }
}

fn apply_fill(state: &mut AccountState, fill: &Fill, confirmed: bool) -> Result<(), LedgerError> {
    let notional = fill.size.notional(fill.price);
    state.fees = state.fees.saturating_add(fill.fee);
    let position = state.positions.entry(fill.token_id).or_default();
    match fill.side {
        Side::Buy => {
            state.cash = state.cash.saturating_sub(notional).saturating_sub(fill.fee);
            position.size = position.size.saturating_add(fill.size);
            position.cost = position.cost.saturating_add(notional);
            if confirmed {
                position.confirmed = position.confirmed.saturating_add(fill.size);
            }
        }
        Side::Sell => {
            if fill.size > position.size {
                return Err(LedgerError::Oversell {
                    trade: fill.trade_id.clone(),
                    held: position.size,
                    sold: fill.size,
                });
            }
            let removed = cost_of(position, fill.size);
            state.cash = state.cash.saturating_add(notional).saturating_sub(fill.fee);
            state.realized = state
                .realized
                .saturating_add(notional.saturating_sub(removed));
            position.cost = position.cost.saturating_sub(removed);
            position.size = position.size.saturating_sub(fill.size);
            position.confirmed = position
                .confirmed
                .saturating_sub(fill.size)
                .min(position.size);
        }
    }
    if position.size.is_zero() {
        state.positions.remove(&fill.token_id);
    }
    Ok(())
}

/// The cost basis of `sold` shares at the average cost; selling everything removes all of it,
/// so no dust is left behind by rounding.
fn cost_of(position: &Position, sold: Size) -> Usdc {
    let remaining = position.size.saturating_sub(sold);
    let kept = i128::from(position.cost.micros()) * i128::from(remaining.micros())
        / i128::from(position.size.micros().max(1));
    position
        .cost
        .saturating_sub(Usdc::from_micros(i64::try_from(kept).unwrap_or(i64::MAX)))
}

/// Winning shares become redeemable for 1 each, losing shares for nothing; the difference to
/// their cost is realized now, and cash arrives with the redemption.
fn apply_resolution(state: &mut AccountState, resolution: &Resolution) {
    let mut value = Usdc::ZERO;
    for (index, token) in resolution.tokens.iter().enumerate() {
        let Some(position) = state.positions.remove(token) else {
            continue;
        };
        let payout = if index == resolution.winner {
            value_at(position.size, Probability::ONE)
        } else {
            Usdc::ZERO
        };
        value = value.saturating_add(payout);
        state.realized = state
            .realized
            .saturating_add(payout.saturating_sub(position.cost));
    }
    if value > Usdc::ZERO {
        let slot = state.redeemable.entry(resolution.condition).or_default();
        *slot = slot.saturating_add(value);
    }
}
