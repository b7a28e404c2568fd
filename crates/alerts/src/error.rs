//! [`NotifyError`] (one failed send) and [`BuildError`] (a channel that cannot be built), plus
//! the redaction helpers every channel uses.
//!
//! No error ever holds a secret: endpoints are reduced to scheme and host by [`redact_url`]
//! (a webhook URL or a Telegram API path *is* the credential), and text that comes from a
//! library or a server is passed through [`scrub`] with the channel's secrets before it is kept.

use std::time::Duration;

use polybot_model::FieldError;

/// One failed delivery attempt. `channel` is the channel kind (`telegram`, `email`, ...) and
/// `endpoint` is redacted to scheme and host.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// Connection refused, DNS, TLS, a reset: the request may not have arrived.
    #[error("{channel}: cannot reach {endpoint}: {reason}")]
    Transport {
        channel: &'static str,
        endpoint: String,
        reason: String,
    },

    /// No complete answer in time.
    #[error("{channel}: no answer from {endpoint} within {after:?}")]
    Timeout {
        channel: &'static str,
        endpoint: String,
        after: Duration,
    },

    /// HTTP 429; `retry_after` is what the service asked for, when it said.
    #[error("{channel}: {endpoint} is rate limiting (retry after {retry_after:?})")]
    RateLimited {
        channel: &'static str,
        endpoint: String,
        retry_after: Option<Duration>,
    },

    /// Any other non-success HTTP status; `detail` is the service's explanation, shortened.
    #[error("{channel}: {endpoint} answered HTTP {status}: {detail}")]
    Http {
        channel: &'static str,
        endpoint: String,
        status: u16,
        detail: String,
    },

    /// A success status whose body says the message was not accepted (Telegram `ok: false`,
    /// Slack anything but `ok`), or a body that is not the protocol's.
    #[error("{channel}: {endpoint} did not accept the message: {detail}")]
    Rejected {
        channel: &'static str,
        endpoint: String,
        detail: String,
    },

    /// An SMTP failure; `permanent` for 5xx replies (bad credentials, unknown recipient).
    #[error("{channel}: SMTP {endpoint}: {detail}")]
    Smtp {
        channel: &'static str,
        endpoint: String,
        detail: String,
        permanent: bool,
    },

    /// Writing to the console (or the provided writer) failed.
    #[error("{channel}: write failed: {detail}")]
    Io {
        channel: &'static str,
        detail: String,
    },

    /// The message could not be built (an address that does not parse, say).
    #[error("{channel}: cannot build the message: {detail}")]
    InvalidMessage {
        channel: &'static str,
        detail: String,
    },
}

impl NotifyError {
    /// Whether sending the same alert again may succeed: transport problems, timeouts, 429,
    /// 5xx and transient SMTP replies. A bad token or chat id (4xx) never will.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            NotifyError::Transport { .. }
            | NotifyError::Timeout { .. }
            | NotifyError::RateLimited { .. }
            | NotifyError::Io { .. } => true,
            NotifyError::Http { status, .. } => *status >= 500 || *status == 408,
            NotifyError::Smtp { permanent, .. } => !permanent,
            NotifyError::Rejected { .. } | NotifyError::InvalidMessage { .. } => false,
        }
    }

    /// The wait the service asked for before the next attempt.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            NotifyError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A channel that cannot be constructed from its settings.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The configuration failed validation; keys are prefixed `alerts.`.
    #[error("invalid [alerts] configuration: {}", join(.0))]
    Invalid(Vec<FieldError>),

    /// A required setting is missing or malformed; `field` is its key within `[alerts]`.
    #[error("alerts.{field}: {reason}")]
    Setting { field: String, reason: String },

    /// The dispatcher starts its channel tasks on the current Tokio runtime, and there is none.
    #[error("alerts: the dispatcher must be built inside a Tokio runtime")]
    NoRuntime,

    /// The HTTP client could not be created (TLS backend initialisation).
    #[error("{channel}: cannot create the HTTP client: {reason}")]
    HttpClient {
        channel: &'static str,
        reason: String,
    },
}

/// `scheme://host[:port]` of a URL, without path, query, user info or fragment; a string that
/// is not a URL becomes `<invalid url>` (it is never echoed: it may be a mistyped secret).
#[must_use]
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{}://{h}:{p}", u.scheme()),
            (Some(h), None) => format!("{}://{h}", u.scheme()),
            (None, _) => format!("{}://", u.scheme()),
        },
        Err(_) => "<invalid url>".to_owned(),
    }
}

/// `text` with every non-empty `secret` replaced by `[redacted]`.
#[must_use]
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(s, "[redacted]");
    }
    out
}

/// A `reqwest::Error` as a [`NotifyError`], without the request URL (which may hold the
/// token) and with the secrets scrubbed from the cause chain.
pub(crate) fn from_reqwest(
    channel: &'static str,
    endpoint: &str,
    err: reqwest::Error,
    timeout: Duration,
    secrets: &[&str],
) -> NotifyError {
    if err.is_timeout() {
        return NotifyError::Timeout {
            channel,
            endpoint: endpoint.to_owned(),
            after: timeout,
        };
    }
    let err = err.without_url();
    let mut reason = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        source = s.source();
    }
    NotifyError::Transport {
        channel,
        endpoint: endpoint.to_owned(),
        reason: scrub(&reason, secrets),
    }
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
