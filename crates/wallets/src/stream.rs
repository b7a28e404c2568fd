//! The RTDS `activity`/`trades` stream: every fill on the venue, pushed; filtered here to the
//! watched wallets (the topic's own filters only select by event or market slug).
//!
//! The socket is the SDK's `ConnectionManager` (PING/PONG, reconnect with backoff) carrying
//! the SDK's RTDS message type, like the market stream in the connector. The SDK's
//! `rtds::Client` is not used: it cannot be dropped (its re-subscription task keeps the
//! connection alive), and neither it nor the manager notices a connection that goes silent
//! while answering PINGs — which RTDS is known to do after 20-30 minutes. So a connection that
//! delivers nothing for `stall_timeout` is replaced, as is one whose reader lagged (messages
//! lost); replacements back off exponentially with jitter. Fills missed while a connection is
//! down are found by the poller (the stream does not replay).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use polymarket_client_sdk_v2::rtds::types::response::parse_messages;
use polymarket_client_sdk_v2::rtds::{RtdsMessage, Subscription, SubscriptionRequest};
use polymarket_client_sdk_v2::ws::ConnectionManager;
use polymarket_client_sdk_v2::ws::config::Config as SdkWsConfig;
use polymarket_client_sdk_v2::ws::connection::ConnectionState;
use polymarket_client_sdk_v2::ws::traits::MessageParser;
use rand::RngExt as _;
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, sleep, sleep_until};

use crate::config::parse_address;
use crate::emit::Emitter;
use crate::parse;

/// Parses RTDS frames with the SDK's own parser (single message or array).
#[derive(Clone, Copy)]
struct ActivityParser;

impl MessageParser<RtdsMessage> for ActivityParser {
    fn parse(&self, bytes: &[u8]) -> polymarket_client_sdk_v2::Result<Vec<RtdsMessage>> {
        parse_messages(bytes)
    }
}

type Connection = ConnectionManager<RtdsMessage, ActivityParser>;

/// Stream settings (from the `[wallets]` section).
#[derive(Debug, Clone)]
pub struct StreamSettings {
    pub url: String,
    pub stall_timeout: Duration,
    pub ping_interval: Duration,
    pub reconnect_initial: Duration,
    pub reconnect_max: Duration,
}

#[derive(Debug, Default)]
pub(crate) struct StreamCounters {
    pub messages: AtomicU64,
    pub connections: AtomicU64,
    pub reconnects: AtomicU64,
    pub stalls: AtomicU64,
    pub lagged: AtomicU64,
    pub rejected: AtomicU64,
    /// Set once the first connection is up and subscribed.
    pub connected: AtomicBool,
}

/// Why a connection is being replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replace {
    Stalled,
    Lagged,
    Closed,
    ConsumerGone,
}

/// The subscription: every trade (client-side filtering by wallet).
fn activity_subscription() -> SubscriptionRequest {
    SubscriptionRequest::subscribe(vec![
        Subscription::builder()
            .topic("activity".to_owned())
            .msg_type("trades".to_owned())
            .build(),
    ])
}

/// The delay before the `failures`-th consecutive replacement: exponential from `initial`,
/// capped at `max`, with full jitter in its upper half (`jitter` in [0, 1]).
#[must_use]
pub fn reconnect_delay(failures: u32, initial: Duration, max: Duration, jitter: f64) -> Duration {
    let ceiling = initial.saturating_mul(1u32 << failures.min(16)).min(max);
    ceiling.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

pub(crate) struct Stream {
    pub settings: StreamSettings,
    pub emitter: Arc<Emitter>,
    pub counters: Arc<StreamCounters>,
}

impl Stream {
    pub async fn run(self) {
        let mut failures = 0u32;
        loop {
            let started = Instant::now();
            let reason = self.connection_cycle().await;
            if reason == Replace::ConsumerGone {
                return;
            }
            let counter = match reason {
                Replace::Stalled => &self.counters.stalls,
                Replace::Lagged => &self.counters.lagged,
                _ => &self.counters.reconnects,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(?reason, "RTDS activity stream: opening a new connection");
            failures = if started.elapsed() > self.settings.stall_timeout {
                0
            } else {
                failures + 1
            };
            let s = &self.settings;
            let delay = reconnect_delay(
                failures,
                s.reconnect_initial,
                s.reconnect_max,
                rand::rng().random(),
            );
            sleep(delay).await;
        }
    }

    fn sdk_config(&self) -> SdkWsConfig {
        let mut config = SdkWsConfig::default();
        config.heartbeat_interval = self.settings.ping_interval;
        config.reconnect.initial_backoff = self.settings.reconnect_initial;
        config.reconnect.max_backoff = self.settings.reconnect_max;
        config
    }

    fn subscribe(connection: &Connection) {
        if let Err(e) = connection.send(&activity_subscription()) {
            tracing::warn!(error = %e, "could not queue the RTDS activity subscription");
        }
    }

    /// Runs one connection until it must be replaced.
    async fn connection_cycle(&self) -> Replace {
        let connection =
            match Connection::new(self.settings.url.clone(), self.sdk_config(), ActivityParser) {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "could not create the RTDS connection");
                    return Replace::Closed;
                }
            };
        self.counters.connections.fetch_add(1, Ordering::Relaxed);
        let mut messages = connection.subscribe();
        let mut state = connection.state_receiver();
        Self::subscribe(&connection);
        let mut last = Instant::now();
        let mut connected_once = false;
        loop {
            tokio::select! {
                received = messages.recv() => match received {
                    Ok(message) => {
                        last = Instant::now();
                        if !self.handle(&message).await {
                            return Replace::ConsumerGone;
                        }
                    }
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "RTDS reader lagged");
                        return Replace::Lagged;
                    }
                    Err(RecvError::Closed) => return Replace::Closed,
                },
                changed = state.changed() => {
                    if changed.is_err() {
                        return Replace::Closed;
                    }
                    let now = *state.borrow_and_update();
                    if let ConnectionState::Connected { .. } = now {
                        if connected_once {
                            // The SDK reconnected by itself: the venue forgot the subscription.
                            self.counters.reconnects.fetch_add(1, Ordering::Relaxed);
                            Self::subscribe(&connection);
                        }
                        connected_once = true;
                        self.counters.connected.store(true, Ordering::Relaxed);
                        last = Instant::now();
                    }
                }
                () = sleep_until(last + self.settings.stall_timeout) => return Replace::Stalled,
            }
            if self.emitter.consumer_gone() {
                return Replace::ConsumerGone;
            }
        }
    }

    /// Offers a watched wallet's fill; `false` when the consumer is gone.
    async fn handle(&self, message: &RtdsMessage) -> bool {
        self.counters.messages.fetch_add(1, Ordering::Relaxed);
        if message.topic != "activity" || message.msg_type != "trades" {
            return true;
        }
        if !self.is_watched(&message.payload) {
            return true;
        }
        match parse::from_rtds_payload(&message.payload) {
            Ok(trade) => self.emitter.offer(vec![trade]).await,
            Err(e) => {
                self.counters.rejected.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, "RTDS: rejected a watched wallet's trade");
                true
            }
        }
    }

    /// Whether the payload's wallet is watched, judged before parsing the rest (most of the
    /// firehose is other wallets). A payload without a readable wallet is counted as rejected.
    fn is_watched(&self, payload: &Value) -> bool {
        let wallet = payload
            .get("proxyWallet")
            .or_else(|| payload.pointer("/trader/address"))
            .and_then(Value::as_str);
        match wallet.and_then(parse_address) {
            Some(a) => self.emitter.is_watched(&a),
            None => {
                self.counters.rejected.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("RTDS: a trade without a readable proxyWallet");
                false
            }
        }
    }
}
