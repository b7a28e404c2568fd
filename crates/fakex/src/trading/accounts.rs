//! Per-API-key accounts: pUSD cash and token positions, and what open orders reserve.
//!
//! Settlement happens at MATCHED (so a bot sees its fill at once, as on the venue) and is
//! undone if the trade later FAILS — the "ghost fill" a bot's ledger must survive.

use std::collections::HashMap;

use polybot_model::{Side, TokenId};

use super::{Order, OrderStatus, Trade, Trading};

#[derive(Debug, Clone, Default)]
pub struct Account {
    /// pUSD, micros.
    pub cash: i64,
    /// Shares per token, micros.
    pub positions: HashMap<TokenId, i64>,
}

/// fakex's view of an account, for tests to compare with the bot's ledger.
#[derive(Debug, Clone)]
pub struct AccountView {
    /// pUSD, micros (including cash reserved by open BUY orders).
    pub cash: i64,
    /// Shares per token, micros (non-zero only).
    pub positions: HashMap<TokenId, i64>,
    pub open_orders: Vec<Order>,
    pub trades: Vec<Trade>,
}

/// `shares × price`, both in micros, in micros (truncated).
#[must_use]
pub fn notional(shares: u64, price_micros: u32) -> i64 {
    i64::try_from(u128::from(shares) * u128::from(price_micros) / 1_000_000).unwrap_or(i64::MAX)
}

impl Trading {
    /// The account of a key, created with the starting cash on first use.
    pub fn account(&mut self, api_key: &str) -> &mut Account {
        let cash = self.config.starting_cash;
        self.accounts
            .entry(api_key.to_owned())
            .or_insert_with(|| Account {
                cash,
                positions: HashMap::new(),
            })
    }

    fn live_orders<'a>(&'a self, api_key: &'a str) -> impl Iterator<Item = &'a Order> + 'a {
        self.orders
            .values()
            .filter(move |o| o.owner == api_key && o.status == OrderStatus::Live)
    }

    /// Cash not reserved by open BUY orders, micros.
    pub fn free_cash(&mut self, api_key: &str) -> i64 {
        let reserved: i64 = self
            .live_orders(api_key)
            .filter(|o| o.side == Side::Buy)
            .map(|o| notional(o.remaining(), o.price.micros()))
            .sum();
        self.account(api_key).cash - reserved
    }

    /// Shares of `token` not reserved by open SELL orders, micros.
    pub fn free_shares(&mut self, api_key: &str, token: TokenId) -> i64 {
        let reserved: i64 = self
            .live_orders(api_key)
            .filter(|o| o.side == Side::Sell && o.token == token)
            .map(|o| i64::try_from(o.remaining()).unwrap_or(i64::MAX))
            .sum();
        let held = self
            .account(api_key)
            .positions
            .get(&token)
            .copied()
            .unwrap_or(0);
        held - reserved
    }

    /// Applies a settlement delta to an account.
    pub fn settle(&mut self, api_key: &str, token: TokenId, cash: i64, shares: i64) {
        let acct = self.account(api_key);
        acct.cash += cash;
        let pos = acct.positions.entry(token).or_insert(0);
        *pos += shares;
        if *pos == 0 {
            acct.positions.remove(&token);
        }
    }

    /// The view tests read.
    #[must_use]
    pub fn view(&self, api_key: &str) -> AccountView {
        let acct = self.accounts.get(api_key).cloned().unwrap_or(Account {
            cash: self.config.starting_cash,
            positions: HashMap::new(),
        });
        let mut open_orders: Vec<Order> = self.live_orders(api_key).cloned().collect();
        open_orders.sort_by_key(|o| o.seq);
        AccountView {
            cash: acct.cash,
            positions: acct.positions,
            open_orders,
            trades: self
                .trades
                .iter()
                .filter(|t| t.owner == api_key)
                .cloned()
                .collect(),
        }
    }
}
