//! Timeouts, retries and rate limiting around every SDK call.
//!
//! The SDK's HTTP layer has no timeouts and no retries, so each call goes through
//! [`Resilience::call`]: wait for the rate limiter, run the call under a timeout, and on a
//! transient failure (timeout, network error, 429, 425, 5xx) sleep with full-jitter
//! exponential backoff and try again. The SDK drops response headers, so a `Retry-After` is
//! honoured when the server also states it in the body (`{"retry_after": 2}`, as fakex and
//! Cloudflare's JSON error pages do); otherwise the backoff alone spaces the retries.

use std::future::Future;
use std::time::Duration;

use polymarket_client_sdk_v2::error::{Error as SdkError, Kind, Status};
use rand::RngExt as _;
use tokio::time::{sleep, timeout};

use crate::config::HttpConfig;
use crate::error::{ConnectorError, Result};
use crate::ratelimit::{Family, RateLimits};

/// The longest server-requested wait we accept before giving up on the hint.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct Resilience {
    config: HttpConfig,
    limits: RateLimits,
}

/// What to do with a failed attempt.
enum Verdict {
    Retry {
        after: Option<Duration>,
        error: ConnectorError,
    },
    Fail(ConnectorError),
}

impl Resilience {
    #[must_use]
    pub fn new(config: HttpConfig) -> Self {
        let limits = RateLimits::new(config.rate_limit_fraction);
        Resilience { config, limits }
    }

    #[must_use]
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// Runs `attempt` with the rate limit of `family`, a timeout and retries.
    pub async fn call<T, F, Fut>(
        &self,
        op: &'static str,
        family: Family,
        mut attempt: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = polymarket_client_sdk_v2::Result<T>>,
    {
        let per_attempt = Duration::from_millis(self.config.timeout_ms);
        let mut tries: u32 = 0;
        loop {
            tries += 1;
            self.limits.acquire(family).await;
            let verdict = match timeout(per_attempt, attempt()).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(err)) => classify(op, &err),
                Err(_) => Verdict::Retry {
                    after: None,
                    error: ConnectorError::Timeout {
                        op,
                        timeout_ms: self.config.timeout_ms,
                        attempts: tries,
                    },
                },
            };
            match verdict {
                Verdict::Fail(error) => return Err(error),
                Verdict::Retry { error, .. } if tries > self.config.max_retries => {
                    return Err(error);
                }
                Verdict::Retry { after, error } => {
                    let delay = self.backoff(tries - 1, after);
                    tracing::debug!(op, attempt = tries, delay_ms = delay.as_millis() as u64, %error, "retrying");
                    sleep(delay).await;
                }
            }
        }
    }

    /// Full-jitter exponential backoff, never shorter than a server's `Retry-After`.
    fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let cap = self.config.backoff_max_ms;
        let ceiling = self
            .config
            .backoff_initial_ms
            .saturating_mul(1u64 << retry.min(20))
            .min(cap);
        let jittered = Duration::from_millis(rand::rng().random_range(0..=ceiling));
        match retry_after {
            Some(hint) => hint.min(MAX_RETRY_AFTER).max(jittered),
            None => jittered,
        }
    }
}

fn classify(op: &'static str, err: &SdkError) -> Verdict {
    if let Some(status) = err.downcast_ref::<Status>() {
        let code = status.status_code.as_u16();
        let error = ConnectorError::Status {
            op,
            status: code,
            body: truncate(&status.message),
        };
        return if code == 429 || code == 425 || (500..600).contains(&code) {
            Verdict::Retry {
                after: retry_after_hint(&status.message),
                error,
            }
        } else if code == 404 {
            Verdict::Fail(ConnectorError::NotFound { op })
        } else {
            Verdict::Fail(error)
        };
    }
    if let Some(http) = err.downcast_ref::<reqwest::Error>() {
        let message = error_chain(http);
        return if http.is_decode() {
            Verdict::Fail(ConnectorError::Decode { op, message })
        } else {
            Verdict::Retry {
                after: None,
                error: ConnectorError::Network { op, message },
            }
        };
    }
    if err.downcast_ref::<serde_json::Error>().is_some() || err.kind() == Kind::Internal {
        return Verdict::Fail(ConnectorError::Decode {
            op,
            message: error_chain(err),
        });
    }
    Verdict::Fail(ConnectorError::Sdk {
        op,
        message: error_chain(err),
    })
}

/// A `retry_after` / `retryAfter` number of seconds stated in an error body.
fn retry_after_hint(body: &str) -> Option<Duration> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let hint = value
        .get("retry_after")
        .or_else(|| value.get("retryAfter"))?;
    let secs = hint
        .as_f64()
        .or_else(|| hint.as_str().and_then(|s| s.parse().ok()))?;
    (secs.is_finite() && secs >= 0.0)
        .then(|| Duration::from_secs_f64(secs.min(MAX_RETRY_AFTER.as_secs_f64())))
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = inner.source();
    }
    truncate(&message)
}

fn truncate(text: &str) -> String {
    polybot_model::fixed::truncate_text(text, 300)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use polymarket_client_sdk_v2::error::{Method, StatusCode};

    use super::*;

    fn fast() -> HttpConfig {
        HttpConfig {
            timeout_ms: 50,
            max_retries: 3,
            backoff_initial_ms: 1,
            backoff_max_ms: 5,
            rate_limit_fraction: 1.0,
        }
    }

    fn status(code: u16, body: &str) -> SdkError {
        SdkError::status(
            StatusCode::from_u16(code).unwrap(),
            Method::GET,
            "/book".into(),
            body,
        )
    }

    #[tokio::test]
    async fn retries_transient_statuses_then_succeeds() {
        let r = Resilience::new(fast());
        let calls = AtomicU32::new(0);
        let out = r
            .call("book", Family::ClobRead, || {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    match n {
                        0 => Err(status(429, "{\"retry_after\":0}")),
                        1 => Err(status(503, "busy")),
                        2 => Err(status(425, "restarting")),
                        _ => Ok(7),
                    }
                }
            })
            .await
            .unwrap();
        assert_eq!(out, 7);
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn client_errors_are_not_retried() {
        let r = Resilience::new(fast());
        let calls = AtomicU32::new(0);
        let err = r
            .call("book", Family::ClobRead, || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err::<(), _>(status(400, "bad token_id")) }
            })
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(400));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn gives_up_after_max_retries_and_times_out() {
        let r = Resilience::new(fast());
        let calls = AtomicU32::new(0);
        let err = r
            .call("slow", Family::ClobRead, || {
                calls.fetch_add(1, Ordering::SeqCst);
                async {
                    sleep(Duration::from_secs(5)).await;
                    Ok::<_, SdkError>(())
                }
            })
            .await
            .unwrap_err();
        assert!(
            matches!(err, ConnectorError::Timeout { attempts: 4, .. }),
            "{err}"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn reads_retry_after_from_bodies() {
        assert_eq!(
            retry_after_hint("{\"retry_after\": 2}"),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after_hint("{\"retryAfter\": \"1.5\"}"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(retry_after_hint("rate limited"), None);
        assert_eq!(retry_after_hint("{\"retry_after\": -1}"), None);
    }

    #[test]
    fn backoff_respects_hint_and_cap() {
        let r = Resilience::new(HttpConfig {
            backoff_initial_ms: 100,
            backoff_max_ms: 400,
            ..fast()
        });
        for retry in 0..10 {
            assert!(r.backoff(retry, None) <= Duration::from_millis(400));
        }
        assert!(r.backoff(0, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        assert_eq!(
            r.backoff(0, Some(Duration::from_secs(600))),
            MAX_RETRY_AFTER
        );
    }
}
