//! When a provider call is retried and how long it waits first. Real providers rate-limit
//! (429) and overload (5xx, Anthropic's 529) routinely; a member dropped from the ensemble for a
//! momentary 503 costs a forecast, a short wait and a second attempt usually does not.
//!
//! The loop itself lives in [`super::http`]; this module only decides (status classes, the
//! backoff, the `Retry-After` hint), so each decision is unit-tested without a server.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The longest computed backoff: past this the provider is down rather than busy, and the
/// call's `timeout_ms` budget is better spent on one more attempt than on waiting.
pub const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// How one provider retries transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first (0: never retry).
    pub max_retries: u32,
    /// Wait before the first retry; doubled for each further one, up to [`MAX_BACKOFF`].
    pub backoff: Duration,
}

impl Default for RetryPolicy {
    /// The config's defaults (`max_retries = 2`, `retry_backoff_ms = 500`).
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            backoff: Duration::from_millis(500),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 = the first): `backoff · 2^(retry−1)` capped at
    /// [`MAX_BACKOFF`], then "equal jitter" — half of it fixed, half random — so the ensemble's
    /// members (and other processes) hitting the same overloaded provider spread out, while the
    /// wait never collapses to zero against a rate limit.
    #[must_use]
    pub fn backoff(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(16);
        let full = self
            .backoff
            .saturating_mul(1u32 << doublings)
            .min(MAX_BACKOFF);
        let half = full / 2;
        half + jitter(full - half)
    }
}

/// Statuses worth another attempt: rate limited (429), server errors that are usually
/// momentary (500, 502, 503, 504) and Anthropic's "overloaded" (529). Other 4xx are our
/// request's fault (bad key, bad body) and would fail identically again.
#[must_use]
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504 | 529)
}

/// The server's `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3), relative to
/// `now`. A date in the past is zero; an unreadable value is `None` (the backoff applies).
#[must_use]
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is a subset of RFC 2822's syntax.
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        at.with_timezone(&Utc)
            .signed_duration_since(now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// A uniformly random duration in `[0, max]`. Std's `RandomState` is randomly keyed per
/// instance, which is all jitter needs, so no RNG crate is pulled in for it.
fn jitter(max: Duration) -> Duration {
    let bits = RandomState::new().hash_one(0u8) >> 11;
    // 53 bits: exact in an f64, so `unit` is in [0, 1).
    let unit = bits as f64 / (1u64 << 53) as f64;
    max.mul_f64(unit)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = RetryPolicy {
            max_retries: 10,
            backoff: Duration::from_millis(500),
        };
        for (retry, full_ms) in [
            (1, 500),
            (2, 1000),
            (3, 2000),
            (4, 4000),
            (5, 8000),
            (9, 8000),
        ] {
            let full = Duration::from_millis(full_ms);
            for _ in 0..50 {
                let wait = p.backoff(retry);
                assert!(wait >= full / 2 && wait <= full, "{retry}: {wait:?}");
            }
        }
        assert!(p.backoff(u32::MAX) <= MAX_BACKOFF);
        let waits: std::collections::BTreeSet<Duration> = (0..20).map(|_| p.backoff(3)).collect();
        assert!(waits.len() > 1, "jittered: {waits:?}");
    }

    #[test]
    fn only_transient_statuses_are_retried() {
        for s in [429, 500, 502, 503, 504, 529] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 408, 413, 422, 501, 505] {
            assert!(!retryable_status(s), "{s}");
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            retry_after(&headers(" 3 "), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:28:02 GMT"), now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:27:00 GMT"), now),
            Some(Duration::ZERO),
            "a past date means now"
        );
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&headers("-1"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
