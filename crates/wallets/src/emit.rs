//! [`Emitter`]: the one place where a seen fill becomes an emitted [`DetectedTrade`] — shared
//! by the poller and the stream, so de-duplication spans both sources.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use alloy_primitives::Address;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::dedup::Dedup;
use crate::trade::{Source, WalletTrade};

/// A fill of a watched wallet, emitted once, with how late we learned of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetectedTrade {
    pub trade: WalletTrade,
    /// The watched wallet's label from the configuration.
    pub label: Option<String>,
    /// Our clock when it was emitted (unix ms).
    pub detected_at_ms: i64,
    /// `detected_at_ms − trade.timestamp_ms`: detection latency. The venue reports whole
    /// seconds, so this overstates the true latency by up to a second (and clock skew
    /// between us and the venue adds to it).
    pub latency_ms: i64,
}

/// Unix time in ms on our clock.
#[must_use]
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[derive(Debug, Default)]
pub(crate) struct EmitCounters {
    pub emitted_poll: AtomicU64,
    pub emitted_stream: AtomicU64,
    pub duplicates: AtomicU64,
    pub remembered: AtomicU64,
}

pub(crate) struct Emitter {
    dedup: Mutex<Dedup>,
    out: mpsc::Sender<DetectedTrade>,
    labels: HashMap<Address, Option<String>>,
    pub counters: EmitCounters,
}

impl Emitter {
    pub fn new(
        retention_ms: i64,
        out: mpsc::Sender<DetectedTrade>,
        labels: HashMap<Address, Option<String>>,
    ) -> Self {
        Emitter {
            dedup: Mutex::new(Dedup::new(retention_ms)),
            out,
            labels,
            counters: EmitCounters::default(),
        }
    }

    fn dedup(&self) -> MutexGuard<'_, Dedup> {
        // The set stays consistent even if a holder panicked (each insert is atomic).
        self.dedup.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn is_watched(&self, wallet: &Address) -> bool {
        self.labels.contains_key(wallet)
    }

    pub fn dedup_len(&self) -> usize {
        self.dedup().len()
    }

    /// Marks fills as already seen without emitting them (a wallet's history at start-up).
    pub fn remember(&self, trades: &[WalletTrade]) {
        let now = now_ms();
        let mut dedup = self.dedup();
        for t in trades {
            if dedup.insert(t.key(), now) {
                self.counters.remembered.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Emits every fill not seen before, oldest first. `false` when the consumer is gone.
    pub async fn offer(&self, mut trades: Vec<WalletTrade>) -> bool {
        trades.sort_by_key(|t| t.timestamp_ms);
        let now = now_ms();
        let fresh: Vec<WalletTrade> = {
            let mut dedup = self.dedup();
            trades
                .into_iter()
                .filter(|t| self.is_watched(&t.wallet))
                .filter(|t| {
                    let new = dedup.insert(t.key(), now);
                    if !new {
                        self.counters.duplicates.fetch_add(1, Ordering::Relaxed);
                    }
                    new
                })
                .collect()
        };
        for trade in fresh {
            let counter = match trade.source {
                Source::Poll => &self.counters.emitted_poll,
                Source::Stream => &self.counters.emitted_stream,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            let detected_at_ms = now_ms();
            let detected = DetectedTrade {
                label: self.labels.get(&trade.wallet).cloned().flatten(),
                latency_ms: detected_at_ms - trade.timestamp_ms,
                detected_at_ms,
                trade,
            };
            if self.out.send(detected).await.is_err() {
                return false;
            }
        }
        true
    }

    pub fn consumer_gone(&self) -> bool {
        self.out.is_closed()
    }
}
