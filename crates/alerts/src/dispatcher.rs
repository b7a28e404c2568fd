//! [`AlertDispatcher`]: what the engine calls. `dispatch` filters, de-duplicates and queues in
//! the caller's thread without waiting for anything; one task per channel delivers, with a
//! timeout per attempt and retries with backoff.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::alert::Alert;
use crate::error::BuildError;
use crate::filter::ChannelFilter;
use crate::notifier::Notifier;
use crate::throttle::{Throttle, Verdict};
use crate::worker::{Delivery, run_channel};

/// How often and how patiently a channel retries one alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first.
    pub max_retries: u32,
    /// Wait before the first retry; doubled for each later one.
    pub initial_backoff: Duration,
    /// Upper bound of any wait, including a service's `retry_after`.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// Everything the dispatcher does for one channel besides the sending itself.
#[derive(Debug, Clone)]
pub struct ChannelOptions {
    pub filter: ChannelFilter,
    /// Alerts waiting for this channel; more are dropped (and counted).
    pub queue_capacity: usize,
    /// Bound of one delivery attempt, connection included.
    pub send_timeout: Duration,
    pub retry: RetryPolicy,
    /// Alerts with the kind and title of one sent less than this ago are collapsed into it.
    pub dedup_window: Duration,
    /// At most this many alerts per rolling minute (0: no limit; critical ones always pass).
    pub max_per_minute: u32,
}

impl Default for ChannelOptions {
    fn default() -> Self {
        ChannelOptions {
            filter: ChannelFilter::all(),
            queue_capacity: 256,
            send_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            dedup_window: Duration::from_secs(300),
            max_per_minute: 20,
        }
    }
}

/// A channel's counters, for `/metrics` and `polybot status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChannelStats {
    pub name: String,
    /// Where it sends, redacted ([`Notifier::endpoint`]).
    pub endpoint: String,
    /// Delivered.
    pub sent: u64,
    /// Given up on after the last retry (or a permanent error).
    pub failed: u64,
    /// Not queued because the queue was full or the dispatcher shut down, or still queued
    /// when the shutdown deadline passed.
    pub dropped: u64,
    /// Collapsed into an earlier alert with the same kind and title.
    pub suppressed: u64,
    /// Held back by `max_per_minute`.
    pub rate_limited: u64,
    /// Attempts after a failed one.
    pub retries: u64,
    /// Queued or being delivered now.
    pub pending: u64,
    /// The last delivery error (redacted), if any.
    pub last_error: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub sent: AtomicU64,
    pub failed: AtomicU64,
    pub dropped: AtomicU64,
    pub suppressed: AtomicU64,
    pub rate_limited: AtomicU64,
    pub retries: AtomicU64,
    pub pending: AtomicU64,
    pub last_error: Mutex<Option<String>>,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// Locks ignoring poison: the guarded data stays consistent (counters and a throttle).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Channel {
    name: String,
    endpoint: String,
    filter: ChannelFilter,
    /// `None` once shut down.
    tx: Mutex<Option<mpsc::Sender<Alert>>>,
    throttle: Mutex<Throttle>,
    counters: Arc<Counters>,
    task: Mutex<Option<JoinHandle<()>>>,
}

/// How each channel ended at [`AlertDispatcher::shutdown`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelShutdown {
    pub name: String,
    /// Its queue was empty and its task finished before the deadline.
    pub flushed: bool,
    /// Alerts still pending at the deadline, now counted as dropped.
    pub abandoned: u64,
}

/// Fans alerts out to channels without ever making the caller wait. See the crate docs.
pub struct AlertDispatcher {
    channels: Vec<Channel>,
}

/// Collects channels; [`DispatcherBuilder::build`] starts their tasks.
#[derive(Default)]
pub struct DispatcherBuilder {
    channels: Vec<(String, Arc<dyn Notifier>, ChannelOptions)>,
}

impl DispatcherBuilder {
    /// Adds a channel named `name` (its label in stats and logs).
    #[must_use]
    pub fn channel(
        mut self,
        name: impl Into<String>,
        notifier: Arc<dyn Notifier>,
        options: ChannelOptions,
    ) -> Self {
        self.channels.push((name.into(), notifier, options));
        self
    }

    /// Starts one task per channel on the current Tokio runtime.
    pub fn build(self) -> Result<AlertDispatcher, BuildError> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| BuildError::NoRuntime)?;
        let channels = self
            .channels
            .into_iter()
            .map(|(name, notifier, options)| {
                let (tx, rx) = mpsc::channel(options.queue_capacity.max(1));
                let endpoint = notifier.endpoint();
                let counters = Arc::new(Counters::default());
                let delivery = Delivery {
                    name: name.clone(),
                    send_timeout: options.send_timeout,
                    retry: options.retry,
                };
                let task = handle.spawn(run_channel(notifier, rx, delivery, counters.clone()));
                Channel {
                    name,
                    endpoint,
                    filter: options.filter,
                    tx: Mutex::new(Some(tx)),
                    throttle: Mutex::new(Throttle::new(
                        options.dedup_window,
                        options.max_per_minute,
                    )),
                    counters,
                    task: Mutex::new(Some(task)),
                }
            })
            .collect();
        Ok(AlertDispatcher { channels })
    }
}

impl AlertDispatcher {
    #[must_use]
    pub fn builder() -> DispatcherBuilder {
        DispatcherBuilder::default()
    }

    /// A dispatcher with no channels: `dispatch` does nothing. Needs no runtime.
    #[must_use]
    pub fn disabled() -> Self {
        AlertDispatcher {
            channels: Vec::new(),
        }
    }

    /// Offers `alert` to every channel and returns at once, whatever the channels are doing:
    /// it takes two short uncontended locks per channel and never awaits. Returns how many
    /// channels queued it. Nothing here can fail the caller; what is not queued is counted.
    pub fn dispatch(&self, alert: Alert) -> usize {
        let now = Instant::now();
        let mut queued = 0;
        for ch in &self.channels {
            if ch.offer(&alert, now) {
                queued += 1;
            }
        }
        queued
    }

    /// Counters of every channel, in the order they were added.
    #[must_use]
    pub fn stats(&self) -> Vec<ChannelStats> {
        self.channels.iter().map(Channel::stats).collect()
    }

    /// Counters of the channel named `name`.
    #[must_use]
    pub fn channel_stats(&self, name: &str) -> Option<ChannelStats> {
        self.channels
            .iter()
            .find(|c| c.name == name)
            .map(Channel::stats)
    }

    /// Stops accepting alerts, lets every channel deliver what it has queued until `grace`
    /// has passed, then abandons the rest (counted as dropped). Channels drain concurrently;
    /// the whole call takes at most about `grace`. Calling it again does nothing more.
    pub async fn shutdown(&self, grace: Duration) -> Vec<ChannelShutdown> {
        let deadline = Instant::now() + grace;
        for ch in &self.channels {
            lock(&ch.tx).take();
        }
        let mut report = Vec::with_capacity(self.channels.len());
        for ch in &self.channels {
            let task = lock(&ch.task).take();
            let flushed = match task {
                None => true,
                Some(mut task) => match tokio::time::timeout_at(deadline, &mut task).await {
                    Ok(_) => true,
                    Err(_) => {
                        task.abort();
                        false
                    }
                },
            };
            let abandoned = if flushed {
                0
            } else {
                ch.counters.pending.swap(0, Ordering::Relaxed)
            };
            ch.counters.dropped.fetch_add(abandoned, Ordering::Relaxed);
            report.push(ChannelShutdown {
                name: ch.name.clone(),
                flushed,
                abandoned,
            });
        }
        report
    }
}

impl Channel {
    fn offer(&self, alert: &Alert, now: Instant) -> bool {
        if !self.filter.allows(alert) {
            return false;
        }
        let verdict = lock(&self.throttle).check(alert, now);
        let collapsed = match verdict {
            Verdict::Send { collapsed } => collapsed,
            Verdict::Duplicate => {
                bump(&self.counters.suppressed);
                return false;
            }
            Verdict::RateLimited => {
                bump(&self.counters.rate_limited);
                return false;
            }
        };
        let mut alert = alert.clone();
        if collapsed > 0 {
            alert
                .fields
                .push(("repeats suppressed".to_owned(), collapsed.to_string()));
        }
        let tx = lock(&self.tx);
        let Some(tx) = tx.as_ref() else {
            bump(&self.counters.dropped);
            return false;
        };
        // Counted before the send so the worker's decrement can never come first.
        self.counters.pending.fetch_add(1, Ordering::Relaxed);
        if tx.try_send(alert).is_ok() {
            true
        } else {
            self.counters.pending.fetch_sub(1, Ordering::Relaxed);
            bump(&self.counters.dropped);
            false
        }
    }

    fn stats(&self) -> ChannelStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ChannelStats {
            name: self.name.clone(),
            endpoint: self.endpoint.clone(),
            sent: get(&c.sent),
            failed: get(&c.failed),
            dropped: get(&c.dropped),
            suppressed: get(&c.suppressed),
            rate_limited: get(&c.rate_limited),
            retries: get(&c.retries),
            pending: get(&c.pending),
            last_error: lock(&c.last_error).clone(),
        }
    }
}
