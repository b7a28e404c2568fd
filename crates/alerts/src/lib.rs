//! Operator alerts: trades, kill-switch activations, drawdown warnings, risk breaches, errors
//! and the daily summary, sent to the console, Telegram, Discord, Slack and email.
//!
//! # Why the dispatcher never blocks
//!
//! The engine's kernel is one task that handles one event at a time; everything it does
//! between two events delays the next. An alert is a side effect of a decision, not a part of
//! it, so sending one must not be able to slow, stall or fail trading — and chat services and
//! mail servers do stall (a Telegram outage, a mail relay that accepts the connection and never
//! answers, a webhook that rate-limits). So:
//!
//! - [`AlertDispatcher::dispatch`] is a plain `fn`, not `async`: it filters, de-duplicates and
//!   `try_send`s a copy onto each channel's bounded queue, and returns. A full queue drops the
//!   alert and counts it; nothing waits and nothing returns an error to the caller.
//! - Each channel has its own queue and its own task, so a hanging or failing channel only
//!   ever delays itself: it fills its own queue while the others keep delivering.
//! - The task bounds every attempt with a timeout and retries transient failures (timeouts,
//!   429 with the service's `retry_after`, 5xx) with exponential backoff; permanent ones (a bad
//!   token, a wrong chat id) fail at once. Outcomes are counters ([`ChannelStats`]) for
//!   `/metrics` and status, and the last error, already redacted.
//! - [`AlertDispatcher::shutdown`] stops intake and gives the queues a deadline to drain, so a
//!   "shutting down" or kill alert sent just before exit is still delivered when it can be.
//!
//! De-duplication and rate limiting happen in `dispatch`, before queueing, so a storm of
//! identical alerts (the same error every tick) collapses into one message with a count instead
//! of filling the queue and hiding the alert that matters.
//!
//! # Secrets
//!
//! Bot tokens, webhook URLs (which are credentials) and SMTP passwords live in
//! [`secrecy::SecretString`]s, are never serialized, print as `[REDACTED]` in `Debug`, and never
//! reach an error message or a log line: endpoints are reduced to scheme and host
//! ([`redact_url`]) and server or library text is scrubbed of the channel's secrets ([`scrub`]).
//!
//! # Map
//!
//! - [`alert`]: [`Alert`], [`AlertKind`], [`Severity`]; [`templates`]: ready-made alerts.
//! - [`format`](mod@format): one renderer per channel, each escaping for its markup and within its limits.
//! - [`Notifier`]: the port; [`channels`]: console, Telegram, Discord, Slack, email (SMTP).
//! - [`AlertDispatcher`]: queues, tasks, retries, filters ([`ChannelFilter`]), throttling.
//! - [`AlertsConfig`]: the `[alerts]` section, with `validate()` naming the bad field.

pub mod alert;
pub mod channels;
pub mod config;
pub mod dispatcher;
pub mod error;
pub mod filter;
pub mod format;
pub mod notifier;
mod setup;
pub mod templates;
pub mod throttle;
mod validate;
mod worker;

pub use alert::{Alert, AlertKind, ParseSeverityError, Severity};
pub use channels::{
    ConsoleNotifier, DiscordNotifier, EmailNotifier, EmailSettings, SlackNotifier, SmtpTls,
    TelegramNotifier,
};
pub use config::{
    AlertsConfig, ChannelCommon, ConsoleConfig, DiscordConfig, ENV_DISCORD_WEBHOOK_URL,
    ENV_SLACK_WEBHOOK_URL, ENV_SMTP_PASSWORD, ENV_TELEGRAM_BOT_TOKEN, EmailConfig, SECRET_ENV_VARS,
    SlackConfig, TelegramConfig,
};
pub use dispatcher::{
    AlertDispatcher, ChannelOptions, ChannelShutdown, ChannelStats, DispatcherBuilder, RetryPolicy,
};
pub use error::{BuildError, NotifyError, redact_url, scrub};
pub use filter::ChannelFilter;
pub use notifier::{Notifier, SendFuture};
pub use secrecy::SecretString;
