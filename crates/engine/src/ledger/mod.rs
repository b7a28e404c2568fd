//! [`Ledger`]: exact accounting of cash, positions, PnL and fees, in sub-ledgers per strategy or
//! per copied wallet, each with its own bankroll.
//!
//! Fills are *provisional* when they arrive (the venue says MATCHED) and stay so until the venue
//! confirms them on chain; a fill that FAILS afterwards (a "ghost fill") is taken back exactly, as
//! if it had never happened, so a strategy never buys twice because of a settlement that did not
//! happen. Resolutions turn positions into redeemable value (winner 1, loser 0) and redemptions
//! turn that into cash. Everything is integer micro-dollars.

mod account;

use std::collections::{BTreeMap, HashMap};

use polybot_model::{ConditionId, Price, Probability, Side, Size, TokenId, Usdc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use account::Entry;
pub use account::{Account, AccountState, Position, value_at};

/// A sub-ledger: `strategy:copy`, `wallet:0xabc…`, `manual`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AccountId(pub String);

impl AccountId {
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        AccountId(name.into())
    }
}

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The venue's trade id (or the simulated venue's), the key that makes fills idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TradeId(pub String);

impl std::fmt::Display for TradeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a trade is in the venue's settlement pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FillStatus {
    Matched,
    Mined,
    Confirmed,
    /// Settlement failed: the fill never happened.
    Failed,
}

/// One of our fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    pub trade_id: TradeId,
    pub account: AccountId,
    pub token_id: TokenId,
    pub side: Side,
    pub price: Price,
    pub size: Size,
    /// The fee we paid (takers pay, makers do not).
    pub fee: Usdc,
    pub timestamp_ms: i64,
}

/// A market's resolution: `tokens[winner]` pays 1, the others 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub condition: ConditionId,
    pub tokens: Vec<TokenId>,
    pub winner: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LedgerError {
    #[error("account {0} does not exist")]
    UnknownAccount(AccountId),
    #[error("account {0} already exists")]
    DuplicateAccount(AccountId),
    #[error("trade {0} is not in the ledger")]
    UnknownTrade(TradeId),
    #[error("trade {trade} sells {sold} shares but only {held} are held")]
    Oversell {
        trade: TradeId,
        held: Size,
        sold: Size,
    },
    #[error("trade {trade} cannot go from {from:?} back to {to:?}")]
    StatusRegression {
        trade: TradeId,
        from: FillStatus,
        to: FillStatus,
    },
    #[error("resolution of {0}: winner index out of range")]
    InvalidResolution(ConditionId),
}

/// What applying a fill did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    New,
    /// The trade id was already in the ledger: nothing changed (venues repeat themselves).
    Duplicate,
}

/// Point-in-time valuation of an account or of the whole ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EquitySnapshot {
    pub timestamp_ms: i64,
    pub cash: Usdc,
    pub redeemable: Usdc,
    /// Open positions valued at the marks (positions without a mark at cost).
    pub positions_value: Usdc,
    pub equity: Usdc,
    pub realized: Usdc,
    pub unrealized: Usdc,
    pub fees: Usdc,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    accounts: BTreeMap<AccountId, Account>,
    /// Trade id → (account, index in its history, status).
    trades: HashMap<TradeId, (AccountId, usize, FillStatus)>,
}

impl Ledger {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub fn open_account(&mut self, id: AccountId, bankroll: Usdc) -> Result<(), LedgerError> {
        if self.accounts.contains_key(&id) {
            return Err(LedgerError::DuplicateAccount(id));
        }
        self.accounts.insert(id, Account::new(bankroll));
        Ok(())
    }

    #[must_use]
    pub fn account(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.get(id)
    }

    pub fn accounts(&self) -> impl Iterator<Item = (&AccountId, &Account)> {
        self.accounts.iter()
    }

    /// Books a fill (provisional unless `status` is already Confirmed). Idempotent per trade id.
    pub fn apply_fill(&mut self, fill: Fill, status: FillStatus) -> Result<Applied, LedgerError> {
        if self.trades.contains_key(&fill.trade_id) {
            return Ok(Applied::Duplicate);
        }
        let account_id = fill.account.clone();
        let account = self
            .accounts
            .get_mut(&account_id)
            .ok_or_else(|| LedgerError::UnknownAccount(account_id.clone()))?;
        let trade = fill.trade_id.clone();
        account.push(Entry::Fill { fill, status })?;
        self.trades
            .insert(trade, (account_id, account.history.len() - 1, status));
        Ok(Applied::New)
    }

    /// Moves a trade along MATCHED → MINED → CONFIRMED, or to FAILED, which takes it back.
    pub fn update_status(
        &mut self,
        trade: &TradeId,
        status: FillStatus,
    ) -> Result<(), LedgerError> {
        let (account_id, index, current) = self
            .trades
            .get(trade)
            .cloned()
            .ok_or_else(|| LedgerError::UnknownTrade(trade.clone()))?;
        if status == current {
            return Ok(());
        }
        if current == FillStatus::Failed || (status < current && status != FillStatus::Failed) {
            return Err(LedgerError::StatusRegression {
                trade: trade.clone(),
                from: current,
                to: status,
            });
        }
        let account = self
            .accounts
            .get_mut(&account_id)
            .ok_or_else(|| LedgerError::UnknownAccount(account_id.clone()))?;
        if let Some(Entry::Fill { status: s, .. }) = account.history.get_mut(index) {
            *s = status;
        }
        match status {
            FillStatus::Failed => account.replay()?,
            FillStatus::Confirmed => confirm(account, index),
            FillStatus::Matched | FillStatus::Mined => {}
        }
        self.trades
            .insert(trade.clone(), (account_id, index, status));
        Ok(())
    }

    #[must_use]
    pub fn fill_status(&self, trade: &TradeId) -> Option<FillStatus> {
        self.trades.get(trade).map(|(_, _, s)| *s)
    }

    /// Applies a market's resolution to every account holding its tokens.
    pub fn resolve(&mut self, resolution: &Resolution) -> Result<(), LedgerError> {
        if resolution.winner >= resolution.tokens.len() {
            return Err(LedgerError::InvalidResolution(resolution.condition));
        }
        for account in self.accounts.values_mut() {
            if resolution
                .tokens
                .iter()
                .any(|t| account.state.positions.contains_key(t))
            {
                account.push(Entry::Resolution(resolution.clone()))?;
            }
        }
        Ok(())
    }

    /// The redeemable value of a resolved condition arrived as cash.
    pub fn redeem(&mut self, condition: ConditionId) -> Result<(), LedgerError> {
        for account in self.accounts.values_mut() {
            if account.state.redeemable.contains_key(&condition) {
                account.push(Entry::Redemption { condition })?;
            }
        }
        Ok(())
    }

    /// Valuation of one account; `mark` gives each token's mark (e.g. the book's mid).
    pub fn snapshot(
        &self,
        id: &AccountId,
        timestamp_ms: i64,
        mark: impl Fn(TokenId) -> Option<Probability>,
    ) -> Option<EquitySnapshot> {
        self.accounts
            .get(id)
            .map(|a| valuation(a.state(), timestamp_ms, &mark))
    }

    /// Valuation of all accounts together.
    pub fn total(
        &self,
        timestamp_ms: i64,
        mark: impl Fn(TokenId) -> Option<Probability>,
    ) -> EquitySnapshot {
        let mut sum = EquitySnapshot {
            timestamp_ms,
            ..zero(timestamp_ms)
        };
        for account in self.accounts.values() {
            let v = valuation(account.state(), timestamp_ms, &mark);
            sum.cash = sum.cash.saturating_add(v.cash);
            sum.redeemable = sum.redeemable.saturating_add(v.redeemable);
            sum.positions_value = sum.positions_value.saturating_add(v.positions_value);
            sum.equity = sum.equity.saturating_add(v.equity);
            sum.realized = sum.realized.saturating_add(v.realized);
            sum.unrealized = sum.unrealized.saturating_add(v.unrealized);
            sum.fees = sum.fees.saturating_add(v.fees);
        }
        sum
    }
}

fn confirm(account: &mut Account, index: usize) {
    if let Some(Entry::Fill { fill, .. }) = account.history.get(index)
        && fill.side == Side::Buy
        && let Some(position) = account.state.positions.get_mut(&fill.token_id)
    {
        position.confirmed = position
            .confirmed
            .saturating_add(fill.size)
            .min(position.size);
    }
}

fn zero(timestamp_ms: i64) -> EquitySnapshot {
    EquitySnapshot {
        timestamp_ms,
        cash: Usdc::ZERO,
        redeemable: Usdc::ZERO,
        positions_value: Usdc::ZERO,
        equity: Usdc::ZERO,
        realized: Usdc::ZERO,
        unrealized: Usdc::ZERO,
        fees: Usdc::ZERO,
    }
}

fn valuation(
    state: &AccountState,
    timestamp_ms: i64,
    mark: &impl Fn(TokenId) -> Option<Probability>,
) -> EquitySnapshot {
    let mut positions_value = Usdc::ZERO;
    let mut unrealized = Usdc::ZERO;
    for (token, position) in &state.positions {
        match mark(*token) {
            Some(m) => {
                positions_value = positions_value.saturating_add(value_at(position.size, m));
                unrealized = unrealized.saturating_add(position.unrealized(m));
            }
            None => positions_value = positions_value.saturating_add(position.cost),
        }
    }
    let redeemable = state
        .redeemable
        .values()
        .fold(Usdc::ZERO, |a, v| a.saturating_add(*v));
    EquitySnapshot {
        timestamp_ms,
        cash: state.cash,
        redeemable,
        positions_value,
        equity: state
            .cash
            .saturating_add(redeemable)
            .saturating_add(positions_value),
        realized: state.realized,
        unrealized,
        fees: state.fees,
    }
}

#[cfg(test)]
mod tests;
