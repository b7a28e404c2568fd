//! The CLOB's trading side: API keys, signed orders, matching against the simulated book,
//! accounts, the trade lifecycle and the user channel.
//!
//! Trading state lives inside the exchange's single [`State`](crate::exchange::state::State)
//! mutex on purpose: a bot order rests *in* the simulated book (its size is part of the
//! level everybody sees), and a simulated trade at that level must consume the queue ahead
//! of it and then fill it, atomically with the book update that is broadcast.

pub(crate) mod accounts;
pub(crate) mod auth;
pub(crate) mod http;
pub(crate) mod lifecycle;
pub(crate) mod matching;
pub(crate) mod orders;
pub(crate) mod user_ws;
pub(crate) mod verify;
pub(crate) mod wire;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use polybot_model::{BookSide, Price, Side, TokenId};
use tokio::sync::broadcast;

pub use accounts::AccountView;
use auth::Creds;

/// Timings and money of the trading side (from [`FakexConfig`](crate::FakexConfig)).
#[derive(Debug, Clone, Copy)]
pub struct TradingConfig {
    /// Cash every new account starts with, in pUSD micros.
    pub starting_cash: i64,
    /// MATCHED → MINED after this long.
    pub mined_after: Duration,
    /// MATCHED → CONFIRMED after this long.
    pub confirmed_after: Duration,
    /// A key that sent heartbeats and then stops for this long loses all its open orders.
    pub heartbeat_timeout: Duration,
}

impl Default for TradingConfig {
    fn default() -> Self {
        TradingConfig {
            starting_cash: 10_000 * 1_000_000,
            mined_after: Duration::from_secs(2),
            confirmed_after: Duration::from_secs(5),
            heartbeat_timeout: Duration::from_secs(10),
        }
    }
}

/// An order's state on the venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    Live,
    Matched,
    Canceled,
}

impl OrderStatus {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Live => "LIVE",
            OrderStatus::Matched => "MATCHED",
            OrderStatus::Canceled => "CANCELED",
        }
    }
}

/// An order accepted by fakex (resting, filled or cancelled).
#[derive(Debug, Clone)]
pub struct Order {
    pub id: String,
    pub owner: String,
    pub maker_address: String,
    pub token: TokenId,
    pub side: Side,
    pub price: Price,
    /// Shares, micros.
    pub original: u64,
    pub matched: u64,
    pub status: OrderStatus,
    pub order_type: String,
    pub created_at: i64,
    pub expiration: i64,
    /// Simulated size queued ahead of this order at its level, micros.
    pub ahead: u64,
    /// Time priority among fakex orders at the same level.
    pub seq: u64,
    pub trades: Vec<String>,
}

impl Order {
    #[must_use]
    pub fn remaining(&self) -> u64 {
        self.original.saturating_sub(self.matched)
    }

    #[must_use]
    pub fn book_side(&self) -> BookSide {
        match self.side {
            Side::Buy => BookSide::Bid,
            Side::Sell => BookSide::Ask,
        }
    }
}

/// A trade's settlement state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeStatus {
    Matched,
    Mined,
    Confirmed,
    Failed,
}

impl TradeStatus {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TradeStatus::Matched => "MATCHED",
            TradeStatus::Mined => "MINED",
            TradeStatus::Confirmed => "CONFIRMED",
            TradeStatus::Failed => "FAILED",
        }
    }
}

/// One counterparty order of a fill.
#[derive(Debug, Clone)]
pub struct MakerFill {
    pub order_id: String,
    pub owner: String,
    pub maker_address: String,
    pub token: TokenId,
    pub side: Side,
    pub price: Price,
    pub shares: u64,
}

/// A fill as one account sees it (the taker and each fakex maker get their own record).
#[derive(Debug, Clone)]
pub struct Trade {
    pub id: String,
    pub owner: String,
    pub maker_address: String,
    pub taker_order_id: String,
    pub token: TokenId,
    pub side: Side,
    /// Shares, micros.
    pub size: u64,
    pub price: Price,
    pub fee_bps: u32,
    /// Fee charged to this account, micros.
    pub fee: i64,
    pub status: TradeStatus,
    pub trader_side: &'static str,
    pub maker_orders: Vec<MakerFill>,
    pub tx_hash: String,
    pub match_time: i64,
    pub last_update: i64,
    /// What settlement did to the account, undone if the trade fails.
    pub cash_delta: i64,
    pub position_delta: i64,
    pub ghost: bool,
    pub matched_at: Instant,
}

/// A user-channel message for one API key.
#[derive(Debug)]
pub struct UserFrame {
    pub api_key: String,
    pub market: String,
    pub text: String,
}

/// Everything the trading side keeps.
pub struct Trading {
    pub config: TradingConfig,
    /// Issued credentials by API key.
    pub creds: HashMap<String, Creds>,
    pub accounts: HashMap<String, accounts::Account>,
    pub orders: HashMap<String, Order>,
    /// Live orders per level `(token, side, price)`, in time priority.
    pub levels: BTreeMap<(TokenId, u8, u32), Vec<String>>,
    pub trades: Vec<Trade>,
    pub next_seq: u64,
    /// Keys whose next fill is a ghost (MATCHED then FAILED).
    pub ghost_next: HashMap<String, u32>,
    /// Last heartbeat per key and the id it was given.
    pub heartbeats: HashMap<String, (Instant, String)>,
    pub restart_until: Option<Instant>,
    pub user_tx: broadcast::Sender<Arc<UserFrame>>,
}

impl Default for Trading {
    fn default() -> Self {
        Trading {
            config: TradingConfig::default(),
            creds: HashMap::new(),
            accounts: HashMap::new(),
            orders: HashMap::new(),
            levels: BTreeMap::new(),
            trades: Vec::new(),
            next_seq: 1,
            ghost_next: HashMap::new(),
            heartbeats: HashMap::new(),
            restart_until: None,
            user_tx: broadcast::channel(1 << 14).0,
        }
    }
}

/// The key of a book level in [`Trading::levels`].
#[must_use]
pub fn level_key(token: TokenId, side: BookSide, price: Price) -> (TokenId, u8, u32) {
    let s = match side {
        BookSide::Bid => 0,
        BookSide::Ask => 1,
    };
    (token, s, price.micros())
}

impl Trading {
    /// Remaining size of fakex orders resting at a level, micros.
    #[must_use]
    pub fn resting_at(&self, token: TokenId, side: BookSide, price: Price) -> u64 {
        self.levels
            .get(&level_key(token, side, price))
            .map_or(0, |ids| {
                ids.iter()
                    .filter_map(|id| self.orders.get(id))
                    .map(Order::remaining)
                    .sum()
            })
    }

    /// Sends a user-channel message (nobody listening is fine).
    pub fn push_user(&self, api_key: &str, market: &str, text: String) {
        let frame = UserFrame {
            api_key: api_key.to_owned(),
            market: market.to_owned(),
            text,
        };
        let _ = self.user_tx.send(Arc::new(frame));
    }

    /// Whether order endpoints answer 425 now (the matching engine is "restarting").
    #[must_use]
    pub fn restarting(&self) -> bool {
        self.restart_until.is_some_and(|t| Instant::now() < t)
    }
}
