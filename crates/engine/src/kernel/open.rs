//! The kernel's index of open orders per account: their ids (all, and per token) and what they
//! commit, kept up to date on every change so a funds check or a cancel-all costs the same
//! whether one market is quoted or a thousand.
//!
//! Every change to an order the index covers goes through [`OpenIndex::remove`] before and
//! [`OpenIndex::add`] after, so the running totals always equal the sums the funds check used
//! to compute by walking the account's open orders ([`OpenIndex::recomputed`] does that walk,
//! for tests). A cancel request needs neither: the order stays open with the same fill.

use std::collections::{BTreeMap, BTreeSet};

use polybot_model::{Side, TokenId, Usdc};

use crate::fasthash::TokenMap;
use crate::ledger::AccountId;
use crate::orders::{ClientOrderId, Quantity, TrackedOrder};

/// What an account's open orders commit against one token's order: USDC its BUYs on every token
/// can still spend (cash is shared), and shares its SELLs of that token can still sell (a
/// position covers sells of its own token only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Committed {
    /// Micro-USDC; wrapping, like the sum it replaces (which never comes near overflowing).
    pub buy_micros: i64,
    /// Micro-shares; wrapping likewise.
    pub sell_micros: u64,
}

#[derive(Debug, Default)]
struct TokenOpen {
    ids: BTreeSet<ClientOrderId>,
    /// Kept per token so a SELL's check reads one number instead of summing the token's sells.
    sell_micros: u64,
}

#[derive(Debug, Default)]
struct AccountOpen {
    ids: BTreeSet<ClientOrderId>,
    by_token: TokenMap<TokenOpen>,
    buy_micros: i64,
}

#[derive(Debug, Default)]
pub(super) struct OpenIndex {
    accounts: BTreeMap<AccountId, AccountOpen>,
}

/// The slow walk's and the index's view of one account, for tests: BUY commitment, SELL
/// commitment per token with an open order, and the open ids.
#[cfg(test)]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct IndexView {
    pub buy_micros: i64,
    pub sells: BTreeMap<TokenId, u64>,
    pub ids: Vec<ClientOrderId>,
}

impl OpenIndex {
    pub fn clear(&mut self) {
        self.accounts.clear();
    }

    /// Counts an order, if it is open. Call after the order changed.
    pub fn add(&mut self, order: &TrackedOrder) {
        if !order.state.is_open() {
            return;
        }
        let account = match self.accounts.get_mut(&order.request.account) {
            Some(account) => account,
            None => self
                .accounts
                .entry(order.request.account.clone())
                .or_default(),
        };
        let id = order.request.client_id;
        account.ids.insert(id);
        let token = account.by_token.entry(order.request.token_id).or_default();
        token.ids.insert(id);
        match order.request.side {
            Side::Buy => {
                account.buy_micros = account.buy_micros.wrapping_add(buy_commitment(order))
            }
            Side::Sell => {
                token.sell_micros = token.sell_micros.wrapping_add(sell_commitment(order))
            }
        }
    }

    /// Stops counting an order, if it was open (counted). Call before the order changes.
    pub fn remove(&mut self, order: &TrackedOrder) {
        if !order.state.is_open() {
            return;
        }
        let Some(account) = self.accounts.get_mut(&order.request.account) else {
            return;
        };
        let id = order.request.client_id;
        account.ids.remove(&id);
        if order.request.side == Side::Buy {
            account.buy_micros = account.buy_micros.wrapping_sub(buy_commitment(order));
        }
        let token_id = order.request.token_id;
        let Some(token) = account.by_token.get_mut(&token_id) else {
            return;
        };
        token.ids.remove(&id);
        if order.request.side == Side::Sell {
            token.sell_micros = token.sell_micros.wrapping_sub(sell_commitment(order));
        }
        if token.ids.is_empty() {
            debug_assert_eq!(token.sell_micros, 0, "sells committed with no open order");
            account.by_token.remove(&token_id);
        }
    }

    /// What the account's open orders commit against an order on `token`.
    pub fn committed(&self, account: &AccountId, token: TokenId) -> Committed {
        self.accounts
            .get(account)
            .map(|a| Committed {
                buy_micros: a.buy_micros,
                sell_micros: a.by_token.get(&token).map_or(0, |t| t.sell_micros),
            })
            .unwrap_or_default()
    }

    /// The account's open orders, on one token or all, in client id order.
    pub fn ids(&self, account: &AccountId, token: Option<TokenId>) -> Vec<ClientOrderId> {
        let Some(account) = self.accounts.get(account) else {
            return Vec::new();
        };
        match token {
            None => account.ids.iter().copied().collect(),
            Some(token) => account
                .by_token
                .get(&token)
                .map(|t| t.ids.iter().copied().collect())
                .unwrap_or_default(),
        }
    }

    /// What the index should hold for these orders, the slow way (walking every order).
    #[cfg(test)]
    pub fn recomputed<'a>(
        orders: impl Iterator<Item = &'a TrackedOrder>,
    ) -> BTreeMap<AccountId, IndexView> {
        let mut out: BTreeMap<AccountId, IndexView> = BTreeMap::new();
        for o in orders.filter(|o| o.state.is_open()) {
            let view = out.entry(o.request.account.clone()).or_default();
            view.ids.push(o.request.client_id);
            let sells = view.sells.entry(o.request.token_id).or_default();
            match o.request.side {
                Side::Buy => view.buy_micros = view.buy_micros.wrapping_add(buy_commitment(o)),
                Side::Sell => *sells = sells.wrapping_add(sell_commitment(o)),
            }
        }
        out
    }

    /// What the index holds, in the shape of [`OpenIndex::recomputed`]; also checks that the
    /// per-token sets partition the account's ids.
    #[cfg(test)]
    pub fn snapshot(
        &self,
        orders: &BTreeMap<ClientOrderId, TrackedOrder>,
    ) -> BTreeMap<AccountId, IndexView> {
        self.accounts
            .iter()
            .filter(|(_, a)| !a.ids.is_empty() || a.buy_micros != 0 || !a.by_token.is_empty())
            .map(|(id, a)| {
                let mut by_token: Vec<ClientOrderId> =
                    a.by_token.values().flat_map(|t| &t.ids).copied().collect();
                by_token.sort_unstable();
                assert_eq!(by_token, a.ids.iter().copied().collect::<Vec<_>>());
                for (token, t) in &a.by_token {
                    assert!(!t.ids.is_empty());
                    assert!(t.ids.iter().all(|i| orders[i].request.token_id == *token));
                }
                let view = IndexView {
                    buy_micros: a.buy_micros,
                    sells: a
                        .by_token
                        .iter()
                        .map(|(t, o)| (*t, o.sell_micros))
                        .collect(),
                    ids: a.ids.iter().copied().collect(),
                };
                (id.clone(), view)
            })
            .collect()
    }
}

/// USDC an open BUY can still spend, in micros.
fn buy_commitment(order: &TrackedOrder) -> i64 {
    remaining_notional(order).micros()
}

/// Shares an open SELL can still sell, in micros.
fn sell_commitment(order: &TrackedOrder) -> u64 {
    order
        .size()
        .map_or(0, |s| s.micros().saturating_sub(order.filled.micros()))
}

/// USDC an open BUY can still spend.
fn remaining_notional(order: &TrackedOrder) -> Usdc {
    match order.request.quantity {
        Quantity::Shares(size) => size
            .saturating_sub(order.filled)
            .notional(order.request.price),
        Quantity::Usdc(usdc) => usdc.saturating_sub(order.filled.notional(order.request.price)),
    }
}

#[cfg(test)]
mod tests;
