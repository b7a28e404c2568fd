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

/// What an account's open orders commit: USDC its BUYs can still spend, shares its SELLs can
/// still sell (every token together, as the funds check has always counted them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Committed {
    /// Micro-USDC; wrapping, like the sum it replaces (which never comes near overflowing).
    pub buy_micros: i64,
    /// Micro-shares; wrapping likewise.
    pub sell_micros: u64,
}

#[derive(Debug, Default)]
struct AccountOpen {
    ids: BTreeSet<ClientOrderId>,
    by_token: TokenMap<BTreeSet<ClientOrderId>>,
    committed: Committed,
}

#[derive(Debug, Default)]
pub(super) struct OpenIndex {
    accounts: BTreeMap<AccountId, AccountOpen>,
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
        account
            .by_token
            .entry(order.request.token_id)
            .or_default()
            .insert(id);
        let c = &mut account.committed;
        match order.request.side {
            Side::Buy => c.buy_micros = c.buy_micros.wrapping_add(buy_commitment(order)),
            Side::Sell => c.sell_micros = c.sell_micros.wrapping_add(sell_commitment(order)),
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
        let token = order.request.token_id;
        if let Some(ids) = account.by_token.get_mut(&token) {
            ids.remove(&id);
            if ids.is_empty() {
                account.by_token.remove(&token);
            }
        }
        let c = &mut account.committed;
        match order.request.side {
            Side::Buy => c.buy_micros = c.buy_micros.wrapping_sub(buy_commitment(order)),
            Side::Sell => c.sell_micros = c.sell_micros.wrapping_sub(sell_commitment(order)),
        }
    }

    /// What the account's open orders commit.
    pub fn committed(&self, account: &AccountId) -> Committed {
        self.accounts
            .get(account)
            .map(|a| a.committed)
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
                .map(|ids| ids.iter().copied().collect())
                .unwrap_or_default(),
        }
    }

    /// What the index should hold for these orders, the slow way (walking every order).
    #[cfg(test)]
    pub fn recomputed<'a>(
        orders: impl Iterator<Item = &'a TrackedOrder>,
    ) -> BTreeMap<AccountId, (Committed, Vec<ClientOrderId>)> {
        let mut out: BTreeMap<AccountId, (Committed, Vec<ClientOrderId>)> = BTreeMap::new();
        for o in orders.filter(|o| o.state.is_open()) {
            let (c, ids) = out.entry(o.request.account.clone()).or_default();
            ids.push(o.request.client_id);
            match o.request.side {
                Side::Buy => c.buy_micros = c.buy_micros.wrapping_add(buy_commitment(o)),
                Side::Sell => c.sell_micros = c.sell_micros.wrapping_add(sell_commitment(o)),
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
    ) -> BTreeMap<AccountId, (Committed, Vec<ClientOrderId>)> {
        self.accounts
            .iter()
            .filter(|(_, a)| !a.ids.is_empty() || a.committed != Committed::default())
            .map(|(id, a)| {
                let mut by_token: Vec<ClientOrderId> =
                    a.by_token.values().flatten().copied().collect();
                by_token.sort_unstable();
                assert_eq!(by_token, a.ids.iter().copied().collect::<Vec<_>>());
                for (token, ids) in &a.by_token {
                    assert!(!ids.is_empty());
                    assert!(ids.iter().all(|i| orders[i].request.token_id == *token));
                }
                (id.clone(), (a.committed, a.ids.iter().copied().collect()))
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
