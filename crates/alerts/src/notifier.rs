//! The [`Notifier`] port: deliver one alert over one channel, once.
//!
//! A notifier makes exactly one attempt and reports a typed [`NotifyError`]; retries, backoff,
//! timeouts, rate limits and queueing belong to the [`AlertDispatcher`](crate::AlertDispatcher),
//! so every channel gets the same policy and a test can drive a notifier directly.

use std::future::Future;
use std::pin::Pin;

use crate::alert::Alert;
use crate::error::NotifyError;

/// The future [`Notifier::send`] returns (boxed, so notifiers can live behind `dyn`).
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), NotifyError>> + Send + 'a>>;

pub trait Notifier: Send + Sync + 'static {
    /// The channel kind, for logs and errors (`telegram`, `discord`, ...).
    fn channel(&self) -> &'static str;

    /// Where it sends, safe to show: scheme and host (`https://api.telegram.org`), never a
    /// credential. Used in errors, logs and status.
    fn endpoint(&self) -> String;

    /// One delivery attempt of `alert`.
    fn send<'a>(&'a self, alert: &'a Alert) -> SendFuture<'a>;
}
