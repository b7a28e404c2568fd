//! The exchange's mutable state, behind one mutex.
//!
//! One lock for everything keeps the simulator, the REST handlers and the WebSocket
//! snapshots consistent with each other: a book served over REST is exactly the book whose
//! updates were broadcast before it, and a WS snapshot is taken atomically with the sequence
//! number that separates "already in the snapshot" from "stream this".

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use polybot_model::{OrderBook, Price, Side, TokenId};
use rand::rngs::StdRng;
use tokio::sync::broadcast;

use crate::catalog::{Catalog, Market};
use crate::history::Histories;
use crate::tape::{Mark, Tape};

/// A pre-serialised market-channel message and the assets it concerns, broadcast once to every
/// connection and filtered per connection.
#[derive(Debug)]
pub struct Frame {
    pub seq: u64,
    pub assets: Vec<TokenId>,
    /// Only for connections that enabled custom features (`best_bid_ask`, `market_resolved`).
    pub custom: bool,
    pub text: Utf8Bytes,
}

/// A pre-serialised RTDS `activity`/`trades` message, with what its subscription filters match.
#[derive(Debug)]
pub struct ActivityFrame {
    pub event_slug: String,
    pub market_slug: String,
    pub text: Utf8Bytes,
}

/// A token's live book and last trade.
#[derive(Debug, Clone)]
pub struct TokenBook {
    pub market: usize,
    pub outcome: usize,
    pub book: OrderBook,
    pub last_price: Price,
    pub last_side: Side,
    /// The top of book last announced in `best_bid_ask`.
    pub last_top: (Option<Price>, Option<Price>),
}

impl TokenBook {
    /// The price the venue displays for this token: the midpoint when the spread is at most
    /// 10 cents, else the last trade (Polymarket's rule for its headline price).
    #[must_use]
    pub fn display_price(&self) -> f64 {
        match (self.book.best_bid(), self.book.best_ask()) {
            (Some(b), Some(a)) if a.price.micros() - b.price.micros() <= 100_000 => {
                (b.price.as_f64() + a.price.as_f64()) / 2.0
            }
            _ => self.last_price.as_f64(),
        }
    }
}

pub struct State {
    pub cat: Catalog,
    pub books: HashMap<TokenId, TokenBook>,
    /// Tokens with a live book, in catalog order (what `token_ids()` returns).
    pub live: Vec<TokenId>,
    /// WebSocket subscriber count per token.
    pub subs: HashMap<TokenId, u32>,
    subscribed_live: Option<Vec<TokenId>>,
    pub rng: StdRng,
    /// Each market's drifting fair value, in log-odds, that quote shifts lean towards.
    pub fair: Vec<f64>,
    pub tape: Tape,
    pub hist: Histories,
    pub seq: u64,
    last_ts: i64,
    pub tx: broadcast::Sender<Arc<Frame>>,
    /// The RTDS activity stream: every trade added to the tape, as it happens.
    pub activity: broadcast::Sender<Arc<ActivityFrame>>,
    pub seed: u64,
    /// Accounts, API keys, fakex orders and trades (see [`crate::trading`]).
    pub trading: crate::trading::Trading,
}

impl State {
    #[must_use]
    pub fn new(
        cat: Catalog,
        rng: StdRng,
        tape: Tape,
        hist: Histories,
        tx: broadcast::Sender<Arc<Frame>>,
        activity: broadcast::Sender<Arc<ActivityFrame>>,
        seed: u64,
    ) -> State {
        let fair = vec![0.0; cat.markets.len()];
        State {
            cat,
            books: HashMap::new(),
            live: Vec::new(),
            subs: HashMap::new(),
            subscribed_live: None,
            rng,
            fair,
            tape,
            hist,
            seq: 0,
            last_ts: 0,
            tx,
            activity,
            seed,
            trading: crate::trading::Trading::default(),
        }
    }

    /// A venue timestamp in ms: the wall clock, but strictly increasing.
    pub fn next_ts(&mut self) -> i64 {
        self.last_ts = crate::util::now_ms().max(self.last_ts + 1);
        self.last_ts
    }

    /// Whether any WebSocket connection could receive a frame (if not, skip serialising).
    #[must_use]
    pub fn has_listeners(&self) -> bool {
        self.tx.receiver_count() > 0
    }

    /// Broadcasts a frame; the sequence number orders it against WS snapshots.
    pub fn emit(&mut self, assets: Vec<TokenId>, custom: bool, text: String) {
        self.seq += 1;
        let frame = Frame {
            seq: self.seq,
            assets,
            custom,
            text: Utf8Bytes::from(text),
        };
        // An error only means nobody is listening.
        let _ = self.tx.send(Arc::new(frame));
    }

    /// Pushes the tape trade at `index` to RTDS activity subscribers (nothing to do without any).
    pub fn publish_activity(&self, index: usize) {
        if self.activity.receiver_count() == 0 {
            return;
        }
        let Some(t) = self.tape.trades.get(index) else {
            return;
        };
        let text = serde_json::json!({
            "topic": "activity",
            "type": "trades",
            "timestamp": crate::util::now_ms(),
            "payload": self.tape.trade_json(t),
        })
        .to_string();
        let frame = ActivityFrame {
            event_slug: t.meta.event_slug.clone(),
            market_slug: t.meta.slug.clone(),
            text: Utf8Bytes::from(text),
        };
        // An error only means nobody is listening.
        let _ = self.activity.send(Arc::new(frame));
    }

    pub fn subscribe_token(&mut self, token: TokenId) {
        *self.subs.entry(token).or_insert(0) += 1;
        self.subscribed_live = None;
    }

    pub fn unsubscribe_token(&mut self, token: TokenId) {
        if let Some(n) = self.subs.get_mut(&token) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.subs.remove(&token);
            }
        }
        self.subscribed_live = None;
    }

    /// Live tokens with at least one subscriber, in catalog order (cached until subscriptions
    /// or the live set change).
    pub fn subscribed_live(&mut self) -> &[TokenId] {
        if self.subscribed_live.is_none() {
            let list = self
                .live
                .iter()
                .copied()
                .filter(|t| self.subs.contains_key(t))
                .collect();
            self.subscribed_live = Some(list);
        }
        self.subscribed_live.as_deref().unwrap_or_default()
    }

    pub fn invalidate_live(&mut self) {
        self.subscribed_live = None;
    }

    /// Display prices of every outcome of a market: resolved → 1/0; live → from the book (the
    /// second outcome of a binary market as the complement of the first); else `None`.
    #[must_use]
    pub fn outcome_prices(&self, m: &Market) -> Option<Vec<f64>> {
        if let Some(w) = m.resolved {
            return Some(
                (0..m.tokens.len())
                    .map(|i| if i == w { 1.0 } else { 0.0 })
                    .collect(),
            );
        }
        let first = self.books.get(m.tokens.first()?)?.display_price();
        if m.tokens.len() == 2 {
            return Some(vec![first, 1.0 - first]);
        }
        Some(
            m.tokens
                .iter()
                .map(|t| self.books.get(t).map_or(0.0, TokenBook::display_price))
                .collect(),
        )
    }

    /// The Data API's mark for a token.
    #[must_use]
    pub fn mark(&self, token: TokenId) -> Option<Mark> {
        let &(mi, o) = self.cat.by_token.get(&token)?;
        let m = &self.cat.markets[mi];
        let price = self.outcome_prices(m)?.get(o).copied()?;
        Some(Mark {
            price,
            resolved: m.resolved.is_some(),
        })
    }
}
