//! Integration tests of polybot-alerts: every channel's real client against a local fake
//! server on 127.0.0.1 speaking the real protocol, plus the dispatcher's guarantees.

mod fake_http;
mod fake_smtp;

mod config;
mod discord;
mod dispatcher;
mod email;
mod format;
mod secrets;
mod slack;
mod telegram;

use std::time::Duration;

use polybot_alerts::{Alert, AlertKind, RetryPolicy, Severity};

/// Generous bound for "delivered soon" on a loaded 2-core machine.
pub const WITHIN: Duration = Duration::from_secs(5);

pub const TS: i64 = 1_764_000_000_000;

pub fn sample(title: &str) -> Alert {
    Alert::new(AlertKind::DrawdownWarning, title, TS)
        .with_severity(Severity::Warning)
        .with_body("Drawdown is 12.5% from the peak.")
        .with_field("equity", "875.00")
        .with_field("peak", "1000.00")
}

/// Retries that finish quickly in tests.
pub fn quick_retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
    }
}
