//! The HTTP call every provider shares: POST JSON, retry transient failures, the whole call
//! bounded by the provider's timeout, errors named by provider and never carrying the key or
//! the URL's query.
//!
//! Retried: HTTP 429, 500, 502, 503, 504 and 529, and attempts that got no response at all
//! (refused, reset, closed early), after [`RetryPolicy::backoff`] or the server's
//! `Retry-After`. Not retried: other 4xx (our request is wrong and would be again), a 2xx whose
//! body is not JSON (the forecaster's corrective retry handles bad answers), and our own
//! timeout.
//!
//! `timeout_ms` bounds the *whole* call — attempts, waits and retries — not each attempt: the
//! ensemble waits for its slowest member, and a per-attempt bound would silently multiply the
//! operator's worst case by `max_retries + 1`. So a retry happens only while time remains: when
//! the wait (backoff or `Retry-After`) would reach the deadline, the call ends at once with the
//! last failure instead of sleeping into a certain timeout. A `Retry-After` is honoured as
//! given, never shortened: retrying before a rate limiter allows only earns another 429.

use std::time::Duration;

use chrono::Utc;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::time::Instant;

use super::retry::{RetryPolicy, retry_after, retryable_status};
use crate::error::{ForecastError, snippet};

/// Where and how one provider is called.
pub struct HttpTarget {
    pub(crate) provider: String,
    pub(crate) base_url: String,
    pub(crate) key: Option<SecretString>,
    /// Bound of one whole call, retries included.
    pub(crate) timeout: Duration,
    retry: RetryPolicy,
    client: reqwest::Client,
}

impl std::fmt::Debug for HttpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTarget")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("key", &self.key.as_ref().map(|_| "[REDACTED]"))
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

/// One failed attempt and whether another may succeed.
struct Failure {
    error: ForecastError,
    /// A transient status or no response at all.
    transient: bool,
    /// The server's `Retry-After`, when it sent one.
    retry_after: Option<Duration>,
}

impl Failure {
    fn fatal(error: ForecastError) -> Self {
        Failure {
            error,
            transient: false,
            retry_after: None,
        }
    }

    /// For the retry log line: the HTTP status, or what went wrong without one.
    fn status_label(&self) -> String {
        match &self.error {
            ForecastError::Status { status, .. } => status.to_string(),
            _ => "connection error".to_owned(),
        }
    }
}

impl HttpTarget {
    /// A target with the default [`RetryPolicy`] (see [`HttpTarget::with_retry`]).
    pub fn new(
        provider: &str,
        base_url: &str,
        key: Option<SecretString>,
        timeout: Duration,
    ) -> Result<Self, ForecastError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("polybot-forecast/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ForecastError::Transport {
                provider: provider.to_owned(),
                reason: e.without_url().to_string(),
                attempts: 0,
            })?;
        Ok(HttpTarget {
            provider: provider.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            key,
            timeout,
            retry: RetryPolicy::default(),
            client,
        })
    }

    /// The same target retrying transient failures per `retry` (still within `timeout`).
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// A header carrying the key (marked sensitive), or `None` without a key.
    pub(crate) fn key_header(
        &self,
        name: &'static str,
        prefix: &str,
    ) -> Result<Option<(HeaderName, HeaderValue)>, ForecastError> {
        let Some(key) = &self.key else {
            return Ok(None);
        };
        let mut value = HeaderValue::from_str(&format!("{prefix}{}", key.expose_secret()))
            .map_err(|_| ForecastError::Transport {
                provider: self.provider.clone(),
                reason: "the API key contains characters not allowed in an HTTP header".into(),
                attempts: 0,
            })?;
        value.set_sensitive(true);
        Ok(Some((HeaderName::from_static(name), value)))
    }

    /// POSTs `body` to `{base_url}{path}` and returns the parsed JSON of a 2xx answer,
    /// retrying transient failures (see the module doc) within the provider's timeout.
    pub(crate) async fn post_json(
        &self,
        path: &str,
        headers: HeaderMap,
        body: &Value,
    ) -> Result<Value, ForecastError> {
        let url = format!("{}{path}", self.base_url);
        let bytes = serde_json::to_vec(body).map_err(|e| self.protocol(e.to_string()))?;
        let deadline = Instant::now() + self.timeout;
        let mut attempt = 1u32;
        let text = loop {
            let failure = match self
                .attempt(&url, &headers, &bytes, deadline, attempt)
                .await
            {
                Ok(text) => break text,
                Err(failure) => failure,
            };
            let Some(wait) = self.retry_wait(&failure, attempt, deadline) else {
                return Err(failure.error);
            };
            // The URL is not logged: a compatible server's base URL may carry a query.
            tracing::warn!(
                provider = %self.provider,
                status = %failure.status_label(),
                attempt,
                max_attempts = self.retry.max_retries.saturating_add(1),
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                error = %failure.error,
                "transient provider failure; retrying"
            );
            tokio::time::sleep(wait).await;
            attempt = attempt.saturating_add(1);
        };
        serde_json::from_str(&text)
            .map_err(|e| self.protocol(format!("body is not JSON ({e}): {}", snippet(&text, 200))))
    }

    /// One request, cut off at `deadline`; `Ok` with the body of a 2xx answer.
    async fn attempt(
        &self,
        url: &str,
        headers: &HeaderMap,
        body: &[u8],
        deadline: Instant,
        attempt: u32,
    ) -> Result<String, Failure> {
        let send = self
            .client
            .post(url)
            .headers(headers.clone())
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send();
        let call = async {
            let resp = send.await.map_err(|e| self.transport(e, attempt))?;
            let status = resp.status();
            let wait_hint = retry_after(resp.headers(), Utc::now());
            let text = resp.text().await.map_err(|e| self.transport(e, attempt))?;
            Ok::<_, Failure>((status, wait_hint, text))
        };
        let (status, wait_hint, text) = tokio::time::timeout_at(deadline, call)
            .await
            .map_err(|_| Failure::fatal(self.timed_out(attempt)))??;
        if status.is_success() {
            return Ok(text);
        }
        Err(Failure {
            error: ForecastError::Status {
                provider: self.provider.clone(),
                status: status.as_u16(),
                body: snippet(&text, 300),
                attempts: attempt,
            },
            transient: retryable_status(status.as_u16()),
            retry_after: wait_hint,
        })
    }

    /// The wait before another attempt, or `None` to stop: not transient, retries used up, or
    /// the wait would reach the deadline (the call's budget is spent).
    fn retry_wait(&self, failure: &Failure, attempt: u32, deadline: Instant) -> Option<Duration> {
        if !failure.transient || attempt > self.retry.max_retries {
            return None;
        }
        let wait = failure
            .retry_after
            .unwrap_or_else(|| self.retry.backoff(attempt));
        (wait < deadline.saturating_duration_since(Instant::now())).then_some(wait)
    }

    /// A reqwest failure: its own timeout is our budget running out (never retried); any
    /// other failure to get a whole response is transient, a request we could not build is not.
    fn transport(&self, e: reqwest::Error, attempt: u32) -> Failure {
        if e.is_timeout() {
            return Failure::fatal(self.timed_out(attempt));
        }
        Failure {
            transient: e.is_connect() || e.is_request() || e.is_body() || e.is_decode(),
            error: ForecastError::Transport {
                provider: self.provider.clone(),
                reason: error_chain(&e.without_url()),
                attempts: attempt,
            },
            retry_after: None,
        }
    }

    fn timed_out(&self, attempts: u32) -> ForecastError {
        ForecastError::Timeout {
            provider: self.provider.clone(),
            timeout_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
            attempts,
        }
    }

    pub(crate) fn protocol(&self, reason: impl Into<String>) -> ForecastError {
        ForecastError::Protocol {
            provider: self.provider.clone(),
            reason: reason.into(),
        }
    }
}

/// `e` and its causes ("error sending request: client error (Connect): tcp connect error:
/// Connection refused"): reqwest's own text alone does not say what failed. The URL was
/// stripped by the caller and the causes (hyper, io) do not carry it.
fn error_chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    text
}
