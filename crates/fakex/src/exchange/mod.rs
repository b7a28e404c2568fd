//! [`Exchange`]: the fake venue's state and the handle tests use to drive and inspect it.
//!
//! All state sits behind one `std::sync::Mutex` (held only for short, non-async sections).
//! WebSocket traffic is a `tokio::sync::broadcast` of pre-serialised frames: each event is
//! serialised once, and each connection filters by its subscribed assets. A connection that
//! falls behind the broadcast is closed rather than silently skipping messages, so a client
//! never holds a book with a hidden gap — it reconnects and gets a fresh snapshot.

pub(crate) mod build;
pub(crate) mod live;
pub(crate) mod state;
pub(crate) mod wallets;
pub(crate) mod wire;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::ws::Utf8Bytes;
use polybot_model::{BookSide, ConditionId, OrderBook, TickSize, TokenId};
use tokio::sync::{broadcast, watch};

use crate::books::{self, Grid};
use crate::seed::SeedReport;
use state::{ActivityFrame, Frame, State};
pub use wallets::{InjectedTrade, TapeRecord, WalletStyles};

/// Frames buffered per connection before a slow reader is disconnected.
const BROADCAST_CAPACITY: usize = 1 << 16;
/// RTDS activity messages buffered per connection before a slow reader is disconnected.
const ACTIVITY_CAPACITY: usize = 1 << 14;
/// The venue sends no initial books to a connection past this many assets.
pub(crate) const MAX_ASSETS_PER_CONNECTION: usize = 500;

/// Counters for tests and the CLI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExchangeStats {
    pub http_requests: u64,
    pub ws_messages_sent: u64,
    pub ws_connections_accepted: u64,
    pub events_simulated: u64,
    pub trades_simulated: u64,
    /// `GET /balance-allowance/update` calls (a client refreshing the venue's cached balance).
    pub balance_updates: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub http_requests: AtomicU64,
    pub balance_updates: AtomicU64,
    pub ws_messages_sent: AtomicU64,
    pub ws_connections_accepted: AtomicU64,
    pub events_simulated: AtomicU64,
    pub trades_simulated: AtomicU64,
}

/// The fake venue. Thread-safe; shared as `Arc<Exchange>` by the servers and tests.
pub struct Exchange {
    state: Mutex<State>,
    tx: broadcast::Sender<Arc<Frame>>,
    activity: broadcast::Sender<Arc<ActivityFrame>>,
    /// Open RTDS connections, and how many of them subscribed to `activity`/`trades`.
    rtds_connections: AtomicUsize,
    activity_subscriptions: AtomicUsize,
    disconnect: watch::Sender<u64>,
    /// Connections with an id below this are stalled (0 = none).
    stall_below: AtomicU64,
    next_conn: AtomicU64,
    connections: AtomicUsize,
    pub(crate) counters: Counters,
    report: SeedReport,
    pub(crate) ws_faults: WsFaults,
    pub(crate) seed: u64,
}

/// The WebSocket faults a connection applies to itself.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct WsFaults {
    pub stall_after_secs: Option<u64>,
    pub malformed_rate: f64,
}

/// What a new WebSocket connection needs to run.
pub(crate) struct WsConn {
    pub id: u64,
    pub rx: broadcast::Receiver<Arc<Frame>>,
    pub disconnect: watch::Receiver<u64>,
}

impl Exchange {
    /// Loads seed data (or generates markets) and builds the books; blocking file I/O.
    pub(crate) fn build(
        seed_dir: Option<&std::path::Path>,
        time_shift: bool,
        seed: u64,
        generated: usize,
        ws_faults: WsFaults,
    ) -> Exchange {
        let (tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        let (activity, _) = broadcast::channel(ACTIVITY_CAPACITY);
        let (state, report) = build::build_state(
            seed_dir,
            time_shift,
            seed,
            generated,
            tx.clone(),
            activity.clone(),
        );
        let (disconnect, _) = watch::channel(0);
        Exchange {
            state: Mutex::new(state),
            tx,
            activity,
            rtds_connections: AtomicUsize::new(0),
            activity_subscriptions: AtomicUsize::new(0),
            disconnect,
            stall_below: AtomicU64::new(0),
            next_conn: AtomicU64::new(1),
            connections: AtomicUsize::new(0),
            counters: Counters::default(),
            report,
            ws_faults,
            seed,
        }
    }

    /// The state lock; a panic elsewhere must not take the fake down, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every token with a live book, in a deterministic order (catalog order, outcome order).
    #[must_use]
    pub fn token_ids(&self) -> Vec<TokenId> {
        self.lock().live.clone()
    }

    /// The exact current book of a token, if it has one (closed markets have none).
    #[must_use]
    pub fn book(&self, token: TokenId) -> Option<OrderBook> {
        self.lock().books.get(&token).map(|tb| tb.book.clone())
    }

    /// Runs `n` simulator events now, broadcasting each one to WebSocket subscribers in order.
    pub fn step(&self, n: u32) {
        let trades = crate::sim::step(&mut self.lock(), n);
        self.counters
            .events_simulated
            .fetch_add(u64::from(n), Ordering::Relaxed);
        self.counters
            .trades_simulated
            .fetch_add(trades, Ordering::Relaxed);
    }

    /// Changes a market's tick: emits `tick_size_change` for its tokens, moves the book onto
    /// the new grid (bids down, asks up), then emits a fresh `book` for each token.
    pub fn set_tick_size(&self, token: TokenId, tick: TickSize) {
        let mut st = self.lock();
        let Some(&(mi, _)) = st.cat.by_token.get(&token) else {
            tracing::warn!(%token, "fakex set_tick_size: unknown token");
            return;
        };
        let old = st.cat.markets[mi].tick;
        if old == tick {
            return;
        }
        st.cat.markets[mi].tick = tick;
        let (tokens, cid) = (
            st.cat.markets[mi].tokens.clone(),
            st.cat.markets[mi].cid.clone(),
        );
        for t in &tokens {
            let ts = st.next_ts();
            let text = wire::tick_size_change(&cid, *t, old.as_str(), tick.as_str(), ts);
            st.emit(vec![*t], false, text);
        }
        let ts = st.next_ts();
        regrid_market(&mut st, &tokens, tick, ts);
        for t in &tokens {
            if let Some(tb) = st.books.get(t) {
                let text = wire::ws_book(&cid, *t, &tb.book);
                st.emit(vec![*t], false, text);
            }
        }
    }

    /// Closes every WebSocket connection (market channel and RTDS) now with a Close frame.
    pub fn disconnect_all(&self) {
        self.disconnect.send_modify(|generation| *generation += 1);
    }

    /// Silently stalls every current WebSocket connection (nothing sent, `PING` ignored) until
    /// called with `false`. Connections opened later are not stalled.
    pub fn set_stalled(&self, stalled: bool) {
        let below = if stalled {
            self.next_conn.load(Ordering::SeqCst)
        } else {
            0
        };
        self.stall_below.store(below, Ordering::SeqCst);
    }

    /// Resolves a market: empties and removes its books (an empty `book` goes to subscribers),
    /// emits `market_resolved` to custom-feature subscribers, and marks it closed and resolved
    /// on Gamma and the CLOB.
    pub fn resolve_market(&self, condition: ConditionId, winner_index: usize) {
        let mut st = self.lock();
        let Some(&mi) = st.cat.by_condition.get(&condition) else {
            tracing::warn!(%condition, "fakex resolve_market: unknown market");
            return;
        };
        let m = &st.cat.markets[mi];
        if winner_index >= m.tokens.len() || m.resolved.is_some() {
            tracing::warn!(%condition, winner_index, "fakex resolve_market: bad winner or already resolved");
            return;
        }
        let (tokens, cid) = (m.tokens.clone(), m.cid.clone());
        for (o, t) in tokens.iter().enumerate() {
            let ts = st.next_ts();
            if let Some(mut tb) = st.books.remove(t) {
                tb.book.apply_snapshot([], [], ts);
                let text = wire::ws_book(&cid, *t, &tb.book);
                st.emit(vec![*t], false, text);
            }
            st.hist
                .record(*t, ts / 1000, if o == winner_index { 1.0 } else { 0.0 });
        }
        st.live.retain(|t| !tokens.contains(t));
        st.invalidate_live();
        let market = &mut st.cat.markets[mi];
        market.closed = true;
        market.accepting = false;
        market.live = false;
        market.sampling = false;
        market.resolved = Some(winner_index);
        let ts = st.next_ts();
        let m = &st.cat.markets[mi];
        let event = m.events.first().map(|e| &st.cat.events[*e]);
        let text = wire::market_resolved(m, winner_index, event, ts);
        st.emit(tokens, true, text);
    }

    /// Sets the trading side's money and timings (before any trading happens).
    pub(crate) fn configure_trading(&self, config: crate::trading::TradingConfig) {
        self.lock().trading.config = config;
    }

    /// A receiver that changes when every WebSocket connection must close.
    pub(crate) fn disconnect_rx(&self) -> watch::Receiver<u64> {
        self.disconnect.subscribe()
    }

    /// The next fill of `api_key` is a ghost: it goes MATCHED (settled) and then FAILED,
    /// and its settlement is undone — the venue's settlement failures a bot must survive.
    pub fn inject_ghost_fill_next(&self, api_key: &str) {
        *self
            .lock()
            .trading
            .ghost_next
            .entry(api_key.to_owned())
            .or_insert(0) += 1;
    }

    /// Order endpoints answer HTTP 425 for `duration` from now (a matching-engine restart).
    pub fn set_restart_window(&self, duration: std::time::Duration) {
        self.lock().trading.restart_until = Some(std::time::Instant::now() + duration);
    }

    /// fakex's view of an API key's account: cash, positions, open orders and trades.
    #[must_use]
    pub fn account(&self, api_key: &str) -> crate::trading::AccountView {
        self.lock().trading.view(api_key)
    }

    /// An API key's live orders, in time priority.
    #[must_use]
    pub fn open_orders(&self, api_key: &str) -> Vec<crate::trading::Order> {
        self.lock().trading.view(api_key).open_orders
    }

    /// Runs the time-driven trading work now (trade settlement, heartbeats, GTD expiry);
    /// a background ticker also does this.
    pub fn tick_trading(&self) {
        crate::trading::lifecycle::tick(&mut self.lock());
    }

    /// Open market-channel WebSocket connections.
    #[must_use]
    pub fn ws_connection_count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    #[must_use]
    pub fn stats(&self) -> ExchangeStats {
        let c = &self.counters;
        ExchangeStats {
            http_requests: c.http_requests.load(Ordering::Relaxed),
            balance_updates: c.balance_updates.load(Ordering::Relaxed),
            ws_messages_sent: c.ws_messages_sent.load(Ordering::Relaxed),
            ws_connections_accepted: c.ws_connections_accepted.load(Ordering::Relaxed),
            events_simulated: c.events_simulated.load(Ordering::Relaxed),
            trades_simulated: c.trades_simulated.load(Ordering::Relaxed),
        }
    }

    /// What was loaded from the seed folder and how each folder's dates were shifted.
    #[must_use]
    pub fn seed_report(&self) -> SeedReport {
        self.report.clone()
    }

    /// Registers a new market-channel connection.
    pub(crate) fn ws_open(&self) -> WsConn {
        self.connections.fetch_add(1, Ordering::SeqCst);
        self.counters
            .ws_connections_accepted
            .fetch_add(1, Ordering::Relaxed);
        WsConn {
            id: self.next_conn.fetch_add(1, Ordering::SeqCst),
            rx: self.tx.subscribe(),
            disconnect: self.disconnect.subscribe(),
        }
    }

    /// Unregisters a connection and its subscriptions.
    pub(crate) fn ws_close(&self, assets: impl IntoIterator<Item = TokenId>) {
        let mut st = self.lock();
        assets.into_iter().for_each(|t| st.unsubscribe_token(t));
        drop(st);
        self.connections.fetch_sub(1, Ordering::SeqCst);
    }

    pub(crate) fn is_stalled(&self, conn_id: u64) -> bool {
        conn_id < self.stall_below.load(Ordering::SeqCst)
    }

    /// Subscribes `new` assets (not yet subscribed on this connection) and, when `dump`,
    /// snapshots the books of `dump_assets`. Returns the snapshots and the sequence number
    /// they are consistent with: frames up to it are already reflected in them.
    pub(crate) fn ws_subscribe(
        &self,
        new: &[TokenId],
        dump_assets: &[TokenId],
        dump: bool,
    ) -> (Vec<Utf8Bytes>, u64) {
        let mut st = self.lock();
        new.iter().for_each(|t| st.subscribe_token(*t));
        let books = if dump {
            dump_assets
                .iter()
                .filter_map(|t| {
                    let tb = st.books.get(t)?;
                    let cid = &st.cat.markets[tb.market].cid;
                    Some(Utf8Bytes::from(wire::ws_book(cid, *t, &tb.book)))
                })
                .collect()
        } else {
            Vec::new()
        };
        (books, st.seq)
    }

    pub(crate) fn ws_unsubscribe(&self, assets: &[TokenId]) {
        let mut st = self.lock();
        assets.iter().for_each(|t| st.unsubscribe_token(*t));
    }
}

/// Moves a market's books onto a new tick. Binary markets regrid the first outcome and
/// mirror it, so the pair stays exactly complementary.
fn regrid_market(st: &mut State, tokens: &[TokenId], tick: TickSize, ts: i64) {
    let grid = Grid::new(tick);
    let regrid = |book: &OrderBook| {
        let bids = books::regrid(book.bids(), BookSide::Bid, &grid);
        let mut asks = books::regrid(book.asks(), BookSide::Ask, &grid);
        if let Some(best) = bids.iter().map(|l| l.price).max() {
            asks.retain(|l| l.price > best);
        }
        (bids, asks)
    };
    let binary = tokens.len() == 2;
    let first = tokens
        .first()
        .and_then(|t| st.books.get(t))
        .map(|tb| regrid(&tb.book));
    for (o, t) in tokens.iter().enumerate() {
        let Some(tb) = st.books.get_mut(t) else {
            continue;
        };
        let (bids, asks) = match (&first, binary, o) {
            (Some((b, a)), true, 1) => (books::mirror(a), books::mirror(b)),
            (Some((b, a)), _, 0) => (b.clone(), a.clone()),
            _ => regrid(&tb.book),
        };
        tb.book.clear(tick);
        tb.book.apply_snapshot(bids, asks, ts);
        tb.last_top = (
            tb.book.best_bid().map(|l| l.price),
            tb.book.best_ask().map(|l| l.price),
        );
    }
}
