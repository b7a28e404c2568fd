//! [`MarketStream`]: the CLOB market WebSocket, sharded, self-healing, feeding a [`BookManager`].
//!
//! Each shard is one SDK `ConnectionManager` (the SDK's socket, PING/PONG and reconnect backoff,
//! with [`MarketFrameParser`] producing the SDK's message types) carrying at most `max_assets_per_connection` tokens. The shard reads the raw
//! broadcast of parsed messages rather than the SDK's per-type streams because those are
//! separate receivers: merging them would lose the order between a `book` and the
//! `price_change`s after it. Reading the broadcast directly also reveals lag, which the SDK's
//! streams only log.
//!
//! Recovery: a reconnect (the SDK's), a silent stall (nothing received for `stall_timeout_ms`,
//! which the SDK does not detect) or a lagged receiver resets every book of the shard and
//! resubscribes, so fresh snapshots rebuild them; a single desynced book (tick size change,
//! top-of-book mismatch) is resubscribed alone. A book that stays unsynced too long escalates to
//! a new connection.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use polybot_model::{OrderBook, TickSize, TokenId};
use polymarket_client_sdk_v2::clob::ws::{SubscriptionRequest, WsMessage};
use polymarket_client_sdk_v2::ws::ConnectionManager;
use polymarket_client_sdk_v2::ws::config::Config as SdkWsConfig;
use polymarket_client_sdk_v2::ws::connection::ConnectionState;
use rand::RngExt as _;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, sleep_until};

use crate::books::{BookManager, BookStats, DesyncReason, MarketEvent, Publish};
use crate::config::WsConfig;
use crate::frames::MarketFrameParser;

type Connection = ConnectionManager<WsMessage, MarketFrameParser>;

/// Capacity of the consumer-facing event channel.
const EVENT_CAPACITY: usize = 1 << 16;

/// Connection-level counters.
#[derive(Debug, Default)]
struct Counters {
    messages: AtomicU64,
    connections: AtomicU64,
    reconnects: AtomicU64,
    stalls: AtomicU64,
    lagged: AtomicU64,
    resubscribes: AtomicU64,
}

/// A snapshot of the stream's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamStats {
    pub messages: u64,
    /// Connections opened (including the first one of each shard).
    pub connections: u64,
    /// Reconnects performed by the SDK after a close or error.
    pub reconnects: u64,
    /// Connections replaced because nothing arrived for `stall_timeout_ms`.
    pub stalls: u64,
    /// Connections replaced because the reader fell behind and lost messages.
    pub lagged: u64,
    /// Single-book resubscriptions after a desync.
    pub resubscribes: u64,
    pub books: BookStats,
}

struct Shared {
    books: Mutex<BookManager>,
    events: broadcast::Sender<MarketEvent>,
    counters: Counters,
}

impl Shared {
    fn books(&self) -> std::sync::MutexGuard<'_, BookManager> {
        // A panic while holding the lock cannot leave a book half-updated in a way that matters
        // more than stopping the stream would, so recover the guard.
        self.books.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running market data stream over a set of tokens that can grow ([`MarketStream::add_tokens`]).
pub struct MarketStream {
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
    endpoint: String,
    config: WsConfig,
}

impl MarketStream {
    /// Connects to `ws_url` (the base URL; `/ws/market` is appended) and subscribes to `tokens`,
    /// sharded by `config.max_assets_per_connection`.
    #[must_use]
    pub fn start(ws_url: &str, config: &WsConfig, tokens: &[(TokenId, TickSize)]) -> Self {
        Self::start_with(ws_url, config, tokens, Publish::Top)
    }

    /// [`MarketStream::start`], choosing what is published (see [`Publish`]).
    #[must_use]
    pub fn start_with(
        ws_url: &str,
        config: &WsConfig,
        tokens: &[(TokenId, TickSize)],
        publish: Publish,
    ) -> Self {
        Self::start_subscribed(ws_url, config, tokens, publish).0
    }

    /// [`MarketStream::start_with`], also returning a receiver that exists before the
    /// connections do, so not even the first snapshot can be missed (a consumer keeping its
    /// own books needs every event from the first).
    #[must_use]
    pub fn start_subscribed(
        ws_url: &str,
        config: &WsConfig,
        tokens: &[(TokenId, TickSize)],
        publish: Publish,
    ) -> (Self, broadcast::Receiver<MarketEvent>) {
        let mut manager = BookManager::publishing(publish);
        for &(token, tick) in tokens {
            manager.track(token, tick);
        }
        let (events, receiver) = broadcast::channel(EVENT_CAPACITY);
        let shared = Arc::new(Shared {
            books: Mutex::new(manager),
            events,
            counters: Counters::default(),
        });
        let mut stream = MarketStream {
            shared,
            tasks: Vec::new(),
            endpoint: format!("{}/ws/market", ws_url.trim_end_matches('/')),
            config: config.clone(),
        };
        let ids: Vec<TokenId> = tokens.iter().map(|(t, _)| *t).collect();
        stream.spawn_shards(&ids);
        (stream, receiver)
    }

    /// Starts following `tokens` too (those already followed are ignored), on new connections
    /// of their own: the books already streaming are not dropped and re-snapshotted, which a
    /// restart over the whole set would do every time a market comes into play. Events keep
    /// arriving on the receivers already handed out.
    pub fn add_tokens(&mut self, tokens: &[(TokenId, TickSize)]) {
        let mut added = Vec::new();
        {
            let mut books = self.shared.books();
            for &(token, tick) in tokens {
                if books.book(token).is_none() && !added.contains(&token) {
                    books.track(token, tick);
                    added.push(token);
                }
            }
        }
        self.spawn_shards(&added);
    }

    /// One shard (connection) per `max_assets_per_connection` of `tokens`.
    fn spawn_shards(&mut self, tokens: &[TokenId]) {
        for chunk in tokens.chunks(self.config.max_assets_per_connection.max(1)) {
            let shard = Shard {
                index: self.tasks.len(),
                endpoint: self.endpoint.clone(),
                tokens: chunk.to_vec(),
                config: self.config.clone(),
                shared: Arc::clone(&self.shared),
            };
            self.tasks.push(tokio::spawn(shard.run()));
        }
    }

    /// Connections (shards) running: one per `max_assets_per_connection` tokens of the start
    /// set, plus one per batch added since.
    #[must_use]
    pub fn shards(&self) -> usize {
        self.tasks.len()
    }

    /// Consumer-facing events in arrival order (per shard).
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<MarketEvent> {
        self.shared.events.subscribe()
    }

    /// A copy of the local book and whether it is currently synced with the venue.
    #[must_use]
    pub fn book(&self, token: TokenId) -> Option<(OrderBook, bool)> {
        let books = self.shared.books();
        books
            .book(token)
            .map(|b| (b.clone(), books.is_synced(token)))
    }

    #[must_use]
    pub fn is_synced(&self, token: TokenId) -> bool {
        self.shared.books().is_synced(token)
    }

    #[must_use]
    pub fn stats(&self) -> StreamStats {
        let c = &self.shared.counters;
        StreamStats {
            messages: c.messages.load(Ordering::Relaxed),
            connections: c.connections.load(Ordering::Relaxed),
            reconnects: c.reconnects.load(Ordering::Relaxed),
            stalls: c.stalls.load(Ordering::Relaxed),
            lagged: c.lagged.load(Ordering::Relaxed),
            resubscribes: c.resubscribes.load(Ordering::Relaxed),
            books: self.shared.books().stats(),
        }
    }

    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for MarketStream {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Why a connection is being replaced.
enum Replace {
    Stalled,
    Lagged(u64),
    Unsynced,
    Closed,
}

struct Shard {
    index: usize,
    endpoint: String,
    tokens: Vec<TokenId>,
    config: WsConfig,
    shared: Arc<Shared>,
}

impl Shard {
    async fn run(self) {
        loop {
            let reason = self.connection_cycle().await;
            let counters = &self.shared.counters;
            match reason {
                Replace::Stalled => {
                    counters.stalls.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        shard = self.index,
                        "market stream stalled; opening a new connection"
                    );
                }
                Replace::Lagged(n) => {
                    counters.lagged.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        shard = self.index,
                        missed = n,
                        "market stream reader lagged; opening a new connection"
                    );
                }
                Replace::Unsynced => tracing::warn!(
                    shard = self.index,
                    "books stayed unsynced; opening a new connection"
                ),
                Replace::Closed => tracing::warn!(
                    shard = self.index,
                    "market stream connection closed; reopening"
                ),
            }
            self.reset_books();
            let jitter = rand::rng().random_range(0..=self.config.reconnect_initial_ms);
            sleep(Duration::from_millis(
                self.config.reconnect_initial_ms / 2 + jitter / 2,
            ))
            .await;
        }
    }

    fn sdk_config(&self) -> SdkWsConfig {
        let mut config = SdkWsConfig::default();
        config.heartbeat_interval = Duration::from_millis(self.config.ping_interval_ms);
        config.reconnect.initial_backoff = Duration::from_millis(self.config.reconnect_initial_ms);
        config.reconnect.max_backoff = Duration::from_millis(self.config.reconnect_max_ms);
        config
    }

    fn subscribe(&self, connection: &Connection, tokens: Vec<TokenId>) {
        let request = SubscriptionRequest::market(tokens.iter().map(|t| t.0).collect())
            .with_custom_features(true);
        if let Err(e) = connection.send(&request) {
            tracing::warn!(shard = self.index, error = %e, "could not queue a market subscription");
        }
    }

    fn reset_books(&self) {
        self.shared.books().reset(&self.tokens);
        for &token_id in &self.tokens {
            let _ = self.shared.events.send(MarketEvent::Desynced {
                token_id,
                reason: DesyncReason::ConnectionReset,
            });
        }
    }

    /// Runs one connection until it must be replaced.
    async fn connection_cycle(&self) -> Replace {
        let connection = match Connection::new(
            self.endpoint.clone(),
            self.sdk_config(),
            MarketFrameParser::new(),
        ) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(shard = self.index, error = %e, "could not create a market connection");
                return Replace::Closed;
            }
        };
        self.shared
            .counters
            .connections
            .fetch_add(1, Ordering::Relaxed);
        let mut messages = connection.subscribe();
        let mut state = connection.state_receiver();
        self.subscribe(&connection, self.tokens.clone());
        let stall = Duration::from_millis(self.config.stall_timeout_ms);
        let mut last_message = Instant::now();
        let mut connected_once = false;
        let mut unsynced_since: HashMap<TokenId, Instant> =
            self.tokens.iter().map(|t| (*t, Instant::now())).collect();
        let mut out = Vec::with_capacity(64);
        let mut check = tokio::time::interval(stall / 2);
        loop {
            tokio::select! {
                received = messages.recv() => match received {
                    Ok(message) => {
                        last_message = Instant::now();
                        self.shared.counters.messages.fetch_add(1, Ordering::Relaxed);
                        self.handle(&connection, &message, &mut out, &mut unsynced_since);
                    }
                    Err(RecvError::Lagged(n)) => return Replace::Lagged(n),
                    Err(RecvError::Closed) => return Replace::Closed,
                },
                changed = state.changed() => {
                    if changed.is_err() {
                        return Replace::Closed;
                    }
                    let now = *state.borrow_and_update();
                    if let ConnectionState::Connected { .. } = now {
                        if connected_once {
                            // The SDK reconnected on its own: the venue forgot our subscription and
                            // we may have missed updates, so start every book over. Messages the old
                            // connection left in the buffer are applied first, so none of them lands
                            // after the reset.
                            while let Ok(message) = messages.try_recv() {
                                self.handle(&connection, &message, &mut out, &mut unsynced_since);
                            }
                            self.shared.counters.reconnects.fetch_add(1, Ordering::Relaxed);
                            self.reset_books();
                            unsynced_since = self.tokens.iter().map(|t| (*t, Instant::now())).collect();
                            self.subscribe(&connection, self.tokens.clone());
                        }
                        connected_once = true;
                        last_message = Instant::now();
                    }
                }
                () = sleep_until(last_message + stall) => return Replace::Stalled,
                _ = check.tick() => {
                    if unsynced_since.values().any(|since| since.elapsed() > stall) {
                        return Replace::Unsynced;
                    }
                }
            }
        }
    }

    fn handle(
        &self,
        connection: &Connection,
        message: &WsMessage,
        out: &mut Vec<MarketEvent>,
        unsynced: &mut HashMap<TokenId, Instant>,
    ) {
        out.clear();
        self.shared.books().apply(message, out);
        let mut resubscribe = Vec::new();
        for event in out.drain(..) {
            match &event {
                MarketEvent::Top {
                    token_id,
                    snapshot: true,
                    ..
                } => {
                    unsynced.remove(token_id);
                }
                MarketEvent::Desynced { token_id, reason } => {
                    tracing::debug!(shard = self.index, token = %token_id, reason = reason.code(), "book desynced; resubscribing");
                    unsynced.entry(*token_id).or_insert_with(Instant::now);
                    resubscribe.push(*token_id);
                }
                _ => {}
            }
            let _ = self.shared.events.send(event);
        }
        if !resubscribe.is_empty() {
            self.shared
                .counters
                .resubscribes
                .fetch_add(resubscribe.len() as u64, Ordering::Relaxed);
            let request =
                SubscriptionRequest::market_unsubscribe(resubscribe.iter().map(|t| t.0).collect());
            let _ = connection.send(&request);
            self.subscribe(connection, resubscribe);
        }
    }
}
