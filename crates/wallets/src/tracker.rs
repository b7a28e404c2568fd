//! [`start`]: tracks the watched wallets' fills — Data API polling with overlapping windows,
//! the RTDS activity stream when configured — and emits each fill once on a channel, with
//! its detection latency.
//!
//! Guarantees, and how:
//! - *No fill lost to fetch latency*: every poll re-fetches the last `overlap_secs`, so a
//!   fill indexed late is found by a later poll.
//! - *None emitted twice*: a shared set of fill keys spans polls and the stream; keys are
//!   forgotten only after polls can no longer re-fetch them (`overlap` + a margin), which
//!   bounds memory.
//! - *No skipping watermark*: emission never compares timestamps with what was emitted
//!   before; a fill older than the last emitted one is still emitted if unseen.
//! - At start-up the first poll of each wallet only remembers its history (except the
//!   last `backfill_secs`), so a restart does not replay old fills as new signals.
//!
//! I/O runs in background tasks; the kernel only sees [`DetectedTrade`]s on the channel.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use alloy_primitives::Address;
use futures::future::join_all;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{MissedTickBehavior, interval, sleep};

use crate::client::DataApi;
use crate::config::WalletsConfig;
use crate::emit::{DetectedTrade, Emitter, now_ms};
use crate::error::WalletsError;
use crate::poll::{Paging, fetch_window};
use crate::stream::{Stream, StreamCounters, StreamSettings};
use crate::trade::WalletTrade;

/// Keys stay remembered this long beyond the overlap window (absorbs clock skew between us
/// and the venue: a poll re-fetches a fill until `overlap` after *its* timestamp).
const DEDUP_MARGIN_MS: i64 = 60_000;

/// Counters of a running tracker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackerStats {
    /// Wallet polls that succeeded / failed (after the connector's retries).
    pub polls: u64,
    pub poll_errors: u64,
    pub pages: u64,
    /// Polls whose window needed more than `max_pages` pages (fills may be missing).
    pub truncated_polls: u64,
    /// Records rejected by the parser (poll and stream).
    pub rejected_records: u64,
    pub stream_messages: u64,
    pub stream_connections: u64,
    pub stream_reconnects: u64,
    pub stream_stalls: u64,
    pub stream_lagged: u64,
    pub emitted_poll: u64,
    pub emitted_stream: u64,
    /// Fills seen again (by a later poll or the other source) and not re-emitted.
    pub duplicates: u64,
    /// History remembered at start-up without being emitted.
    pub remembered: u64,
    pub dedup_size: usize,
    pub last_error: Option<String>,
}

#[derive(Default)]
struct PollCounters {
    polls: AtomicU64,
    errors: AtomicU64,
    pages: AtomicU64,
    truncated: AtomicU64,
    rejected: AtomicU64,
    ready: AtomicBool,
}

struct Shared {
    emitter: Arc<Emitter>,
    poll: PollCounters,
    stream: Arc<StreamCounters>,
    streaming: bool,
    last_error: Mutex<Option<String>>,
}

/// A running tracker. Dropping it stops the tracking tasks.
pub struct TrackerHandle {
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl TrackerHandle {
    #[must_use]
    pub fn stats(&self) -> TrackerStats {
        let (p, s, e) = (
            &self.shared.poll,
            &self.shared.stream,
            &self.shared.emitter.counters,
        );
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        TrackerStats {
            polls: load(&p.polls),
            poll_errors: load(&p.errors),
            pages: load(&p.pages),
            truncated_polls: load(&p.truncated),
            rejected_records: load(&p.rejected) + load(&s.rejected),
            stream_messages: load(&s.messages),
            stream_connections: load(&s.connections),
            stream_reconnects: load(&s.reconnects),
            stream_stalls: load(&s.stalls),
            stream_lagged: load(&s.lagged),
            emitted_poll: load(&e.emitted_poll),
            emitted_stream: load(&e.emitted_stream),
            duplicates: load(&e.duplicates),
            remembered: load(&e.remembered),
            dedup_size: self.shared.emitter.dedup_len(),
            last_error: self
                .shared
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }

    /// Whether every wallet's first poll is done (its history remembered) and the stream,
    /// if configured, has connected: fills from now on will be emitted.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.shared.poll.ready.load(Ordering::Relaxed)
            && (!self.shared.streaming || self.shared.stream.connected.load(Ordering::Relaxed))
    }

    /// Waits until [`TrackerHandle::is_ready`].
    pub async fn ready(&self) {
        while !self.is_ready() {
            sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for TrackerHandle {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

/// Starts tracking `config.watch` (validated first) on the current tokio runtime.
pub fn start(
    config: &WalletsConfig,
    api: DataApi,
) -> Result<(TrackerHandle, mpsc::Receiver<DetectedTrade>), WalletsError> {
    if let Err(errors) = config.validate() {
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        return Err(WalletsError::Config(text.join("; ")));
    }
    let labels: HashMap<Address, Option<String>> = config
        .watch
        .iter()
        .filter_map(|w| Some((w.parsed()?, w.label.clone())))
        .collect();
    let wallets: Vec<Address> = config.watch.iter().filter_map(|w| w.parsed()).collect();
    let (tx, rx) = mpsc::channel(config.channel_capacity);
    let window_ms = secs_ms(config.overlap_secs.max(config.backfill_secs));
    let emitter = Arc::new(Emitter::new(window_ms + DEDUP_MARGIN_MS, tx, labels));
    let shared = Arc::new(Shared {
        emitter: Arc::clone(&emitter),
        poll: PollCounters::default(),
        stream: Arc::new(StreamCounters::default()),
        streaming: config.rtds_url.is_some(),
        last_error: Mutex::new(None),
    });
    let mut tasks = Vec::new();
    if let Some(url) = &config.rtds_url {
        let stream = Stream {
            settings: stream_settings(config, url),
            emitter: Arc::clone(&emitter),
            counters: Arc::clone(&shared.stream),
        };
        tasks.push(tokio::spawn(stream.run()));
    }
    if config.poll_enabled && !wallets.is_empty() {
        let poller = Poller {
            api,
            wallets,
            interval: Duration::from_millis(config.poll_interval_ms),
            overlap_ms: secs_ms(config.overlap_secs),
            backfill_ms: secs_ms(config.backfill_secs),
            paging: Paging {
                page_limit: config.page_limit,
                max_pages: config.max_pages,
            },
            shared: Arc::clone(&shared),
        };
        tasks.push(tokio::spawn(poller.run()));
    } else {
        shared.poll.ready.store(true, Ordering::Relaxed);
    }
    Ok((TrackerHandle { shared, tasks }, rx))
}

fn secs_ms(secs: u64) -> i64 {
    i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

fn stream_settings(config: &WalletsConfig, url: &str) -> StreamSettings {
    StreamSettings {
        url: url.to_owned(),
        stall_timeout: Duration::from_millis(config.stream_stall_timeout_ms),
        ping_interval: Duration::from_millis(config.stream_ping_interval_ms),
        reconnect_initial: Duration::from_millis(config.stream_reconnect_initial_ms),
        reconnect_max: Duration::from_millis(config.stream_reconnect_max_ms),
    }
}

struct Poller {
    api: DataApi,
    wallets: Vec<Address>,
    interval: Duration,
    overlap_ms: i64,
    backfill_ms: i64,
    paging: Paging,
    shared: Arc<Shared>,
}

impl Poller {
    async fn run(self) {
        let start_ms = now_ms();
        let mut baselined = vec![false; self.wallets.len()];
        let mut ticker = interval(self.interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let fresh = self.poll_all(start_ms, &mut baselined).await;
            if baselined.iter().all(|b| *b) {
                self.shared.poll.ready.store(true, Ordering::Relaxed);
            }
            if !self.shared.emitter.offer(fresh).await {
                return;
            }
        }
    }

    /// Polls every wallet at once; returns the fills to offer. A wallet's first successful
    /// poll remembers its history instead (all but the last `backfill`).
    async fn poll_all(&self, start_ms: i64, baselined: &mut [bool]) -> Vec<WalletTrade> {
        let now = now_ms();
        let fetches = self.wallets.iter().zip(baselined.iter()).map(|(w, done)| {
            let lookback = if *done {
                self.overlap_ms
            } else {
                self.overlap_ms.max(self.backfill_ms)
            };
            fetch_window(&self.api, *w, now - lookback, self.paging)
        });
        let results = join_all(fetches).await;
        let mut fresh = Vec::new();
        for ((wallet, done), result) in self.wallets.iter().zip(baselined.iter_mut()).zip(results) {
            let counters = &self.shared.poll;
            let fetch = match result {
                Ok(f) => f,
                Err(e) => {
                    counters.errors.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(%wallet, error = %e, "wallet poll failed; retrying next tick");
                    *self
                        .shared
                        .last_error
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = Some(e.to_string());
                    continue;
                }
            };
            counters.polls.fetch_add(1, Ordering::Relaxed);
            counters
                .pages
                .fetch_add(u64::from(fetch.pages), Ordering::Relaxed);
            counters
                .rejected
                .fetch_add(fetch.rejected.len() as u64, Ordering::Relaxed);
            for e in &fetch.rejected {
                tracing::warn!(%wallet, error = %e, "rejected a Data API trade record");
            }
            if fetch.truncated {
                counters.truncated.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%wallet, "poll window exceeds max_pages; fills may be missed");
            }
            if *done {
                fresh.extend(fetch.trades);
            } else {
                let cutoff = start_ms - self.backfill_ms;
                let (recent, history): (Vec<_>, Vec<_>) = fetch
                    .trades
                    .into_iter()
                    .partition(|t| self.backfill_ms > 0 && t.timestamp_ms >= cutoff);
                self.shared.emitter.remember(&history);
                fresh.extend(recent);
                *done = true;
            }
        }
        fresh
    }
}
