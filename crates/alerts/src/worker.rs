//! The per-channel task: takes alerts off its queue one at a time and delivers each with a
//! timeout per attempt and retries with exponential backoff (or the service's `retry_after`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::alert::Alert;
use crate::dispatcher::{Counters, RetryPolicy};
use crate::error::NotifyError;
use crate::notifier::Notifier;

pub(crate) struct Delivery {
    pub name: String,
    pub send_timeout: Duration,
    pub retry: RetryPolicy,
}

/// Runs until the dispatcher drops its sender and the queue is empty.
pub(crate) async fn run_channel(
    notifier: Arc<dyn Notifier>,
    mut rx: mpsc::Receiver<Alert>,
    delivery: Delivery,
    counters: Arc<Counters>,
) {
    while let Some(alert) = rx.recv().await {
        match deliver(notifier.as_ref(), &alert, &delivery, &counters).await {
            Ok(()) => {
                counters.sent.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                counters.failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    channel = %delivery.name,
                    kind = %alert.kind,
                    error = %e,
                    "alert not delivered"
                );
                *counters
                    .last_error
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e.to_string());
            }
        }
        // Saturating: a shutdown that gave up on this channel has already zeroed it.
        let _ = counters
            .pending
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| v.checked_sub(1));
    }
}

/// One alert, with retries. Returns the last error when it gives up.
async fn deliver(
    notifier: &dyn Notifier,
    alert: &Alert,
    delivery: &Delivery,
    counters: &Counters,
) -> Result<(), NotifyError> {
    let policy = delivery.retry;
    let mut attempt = 0;
    loop {
        let result = match tokio::time::timeout(delivery.send_timeout, notifier.send(alert)).await {
            Ok(r) => r,
            Err(_) => Err(NotifyError::Timeout {
                channel: notifier.channel(),
                endpoint: notifier.endpoint(),
                after: delivery.send_timeout,
            }),
        };
        let err = match result {
            Ok(()) => return Ok(()),
            Err(e) if !e.is_retryable() || attempt >= policy.max_retries => return Err(e),
            Err(e) => e,
        };
        let wait = err
            .retry_after()
            .unwrap_or_else(|| backoff(&policy, attempt))
            .min(policy.max_backoff);
        tracing::debug!(
            channel = %delivery.name,
            attempt,
            error = %err,
            wait_ms = wait.as_millis() as u64,
            "alert delivery failed; retrying"
        );
        counters.retries.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

/// `initial × 2^attempt`, capped at `max_backoff`.
fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let factor = 1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX);
    policy
        .initial_backoff
        .saturating_mul(factor)
        .min(policy.max_backoff)
}
