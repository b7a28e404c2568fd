//! Web search behind [`SearchProvider`]: one query in, hits tagged with provider and phase out.
//!
//! Each provider speaks its service's real wire protocol with plain reqwest; base URLs come from
//! configuration so tests (and compatible services) can point them at 127.0.0.1. [`chain`] tries
//! the configured providers in order until one answers.
//!
//! Keys never appear in an error or a log line: header values are marked sensitive, URLs are
//! reported without their query string (SerpAPI carries its key there), and any text a server
//! sends back is scrubbed of the key before it is quoted.

pub mod bing;
pub mod brave;
pub mod chain;
pub mod serpapi;
pub mod tavily;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate};
use futures::future::BoxFuture;
use reqwest::Url;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::config::{SearchKind, SearchProviderConfig};
use super::error::ResearchError;
use super::{Query, SearchHit};
use crate::error::snippet;

pub use chain::{SearchChain, SearchOutcome};

/// One web search service.
pub trait SearchProvider: Send + Sync {
    /// `tavily`, `serpapi`, `bing` or `brave`: tags hits and keys the cache.
    fn name(&self) -> &str;
    /// Up to `max_results` hits for `query`; the timeout is the provider's own.
    fn search<'a>(
        &'a self,
        query: &'a Query,
        max_results: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, ResearchError>>;
}

/// Builds the provider for `cfg`; `default_timeout_ms` applies when the entry sets none. An
/// entry without a key is [`ResearchError::MissingKey`].
pub fn build_provider(
    cfg: &SearchProviderConfig,
    default_timeout_ms: u64,
) -> Result<Arc<dyn SearchProvider>, ResearchError> {
    let Some(key) = cfg.api_key.clone() else {
        return Err(ResearchError::MissingKey {
            provider: cfg.kind.as_str().to_owned(),
            env: cfg.effective_key_env(),
        });
    };
    let timeout = Duration::from_millis(cfg.effective_timeout_ms(default_timeout_ms));
    let endpoint = Endpoint::new(cfg.kind, &cfg.effective_base_url(), key, timeout)?;
    Ok(match cfg.kind {
        SearchKind::Tavily => Arc::new(tavily::Tavily::new(endpoint)),
        SearchKind::Serpapi => Arc::new(serpapi::SerpApi::new(endpoint)),
        SearchKind::Bing => Arc::new(bing::Bing::new(endpoint)),
        SearchKind::Brave => Arc::new(brave::Brave::new(endpoint)),
    })
}

/// Where and how one search provider is called.
pub struct Endpoint {
    provider: &'static str,
    base_url: String,
    key: SecretString,
    timeout: Duration,
    client: reqwest::Client,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("key", &"[REDACTED]")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Endpoint {
    pub fn new(
        kind: SearchKind,
        base_url: &str,
        key: SecretString,
        timeout: Duration,
    ) -> Result<Self, ResearchError> {
        let provider = kind.as_str();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("polybot-research/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ResearchError::Search {
                provider: provider.to_owned(),
                reason: e.without_url().to_string(),
            })?;
        Ok(Endpoint {
            provider,
            base_url: base_url.trim_end_matches('/').to_owned(),
            key,
            timeout,
            client,
        })
    }

    /// `{base_url}{path}` with `params` encoded into the query string.
    fn url(&self, path: &str, params: &[(&str, &str)]) -> Result<Url, ResearchError> {
        let raw = format!("{}{path}", self.base_url);
        let mut url = Url::parse(&raw)
            .map_err(|e| self.error(format!("bad base_url {}: {e}", self.base_url)))?;
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        Ok(url)
    }

    /// The key as a header value (prefixed, e.g. `Bearer `), marked sensitive.
    fn key_header(&self, prefix: &str) -> Result<HeaderValue, ResearchError> {
        let mut value = HeaderValue::from_str(&format!("{prefix}{}", self.key.expose_secret()))
            .map_err(|_| {
                self.error("the API key contains characters not allowed in an HTTP header")
            })?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// Sends `request` and returns the parsed JSON of a 2xx answer, bounded by the timeout.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, ResearchError> {
        let call = async {
            let resp = request.send().await.map_err(|e| self.transport(e))?;
            let status = resp.status();
            let text = resp.text().await.map_err(|e| self.transport(e))?;
            Ok::<_, ResearchError>((status, text))
        };
        let (status, text) = tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| self.timed_out())??;
        if !status.is_success() {
            return Err(self.error(format!(
                "HTTP {}: {}",
                status.as_u16(),
                self.quote(&text, 300)
            )));
        }
        serde_json::from_str(&text).map_err(|e| {
            self.error(format!(
                "body is not JSON ({e}): {}",
                self.quote(&text, 200)
            ))
        })
    }

    fn transport(&self, e: reqwest::Error) -> ResearchError {
        if e.is_timeout() {
            return self.timed_out();
        }
        self.error(error_chain(&e.without_url()))
    }

    fn timed_out(&self) -> ResearchError {
        ResearchError::SearchTimeout {
            provider: self.provider.to_owned(),
            timeout_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
        }
    }

    fn error(&self, reason: impl Into<String>) -> ResearchError {
        ResearchError::Search {
            provider: self.provider.to_owned(),
            reason: reason.into(),
        }
    }

    /// Server text cut to `max` characters with the key scrubbed out (a server may echo the
    /// request back).
    fn quote(&self, text: &str, max: usize) -> String {
        let key = self.key.expose_secret();
        let text = if key.is_empty() {
            text.to_owned()
        } else {
            text.replace(key, "[REDACTED]")
        };
        snippet(&text, max)
    }

    fn missing(&self, field: &str) -> ResearchError {
        self.error(format!("answer has no `{field}`"))
    }

    /// The array at the dotted `path` of `v`.
    fn array<'v>(&self, v: &'v Value, path: &str) -> Result<&'v [Value], ResearchError> {
        path.split('.')
            .try_fold(v, |v, k| v.get(k))
            .ok_or_else(|| self.missing(path))?
            .as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| self.error(format!("`{path}` is not an array")))
    }

    /// The required string `field` of the item at `at`.
    fn text(&self, item: &Value, at: &str, field: &str) -> Result<String, ResearchError> {
        match item.get(field) {
            Some(Value::String(s)) => Ok(s.trim().to_owned()),
            Some(_) => Err(self.error(format!("`{at}.{field}` is not a string"))),
            None => Err(self.missing(&format!("{at}.{field}"))),
        }
    }

    /// A hit of `query` from one result item, with the given field names.
    fn hit(
        &self,
        query: &Query,
        item: &Value,
        at: &str,
        fields: HitFields,
    ) -> Result<SearchHit, ResearchError> {
        Ok(SearchHit {
            url: self.text(item, at, fields.url)?,
            title: self.text(item, at, fields.title)?,
            // Providers omit snippets for some results; the page itself is what matters.
            snippet: optional_text(item, fields.snippet).unwrap_or_default(),
            published: optional_text(item, fields.published)
                .as_deref()
                .and_then(normalize_date),
            provider: self.provider.to_owned(),
            phase: query.phase,
        })
    }

    /// Every item of `items` as a hit, at most `max`.
    fn hits(
        &self,
        query: &Query,
        items: &[Value],
        path: &str,
        fields: HitFields,
        max: usize,
    ) -> Result<Vec<SearchHit>, ResearchError> {
        items
            .iter()
            .take(max)
            .enumerate()
            .map(|(i, item)| self.hit(query, item, &format!("{path}[{i}]"), fields))
            .collect()
    }
}

/// Which JSON fields of a provider's result item hold what.
#[derive(Debug, Clone, Copy)]
struct HitFields {
    url: &'static str,
    title: &'static str,
    snippet: &'static str,
    published: &'static str,
}

fn optional_text(item: &Value, field: &str) -> Option<String> {
    item.get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A reqwest error with its causes (reqwest's own message is only "error sending request").
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// A provider's or a page's date as ISO 8601, or `None` when it is not an absolute date
/// ("3 days ago" cannot be placed without knowing when it was said).
#[must_use]
pub fn normalize_date(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.len() >= 10
        && raw.is_char_boundary(10)
        && NaiveDate::parse_from_str(&raw[..10], "%Y-%m-%d").is_ok()
    {
        return Some(raw.to_owned());
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(raw) {
        return Some(dt.to_rfc3339());
    }
    const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let plain = match raw.split_once(", ") {
        Some((day, rest))
            if day.chars().all(|c| c.is_ascii_alphabetic())
                && WEEKDAYS
                    .iter()
                    .any(|w| day.to_ascii_lowercase().starts_with(w)) =>
        {
            rest
        }
        _ => raw,
    };
    ["%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%b %d %Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(plain, f).ok())
        .map(|d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_iso_or_nothing() {
        let cases = [
            ("2024-01-15", Some("2024-01-15")),
            (
                "2024-01-15T10:00:00.0000000Z",
                Some("2024-01-15T10:00:00.0000000Z"),
            ),
            (
                "Mon, 15 Jan 2024 10:00:00 GMT",
                Some("2024-01-15T10:00:00+00:00"),
            ),
            ("Jan 15, 2024", Some("2024-01-15")),
            ("January 5, 2024", Some("2024-01-05")),
            ("15 Jan 2024", Some("2024-01-15")),
            ("Monday, 15 January 2024", Some("2024-01-15")),
            ("3 days ago", None),
            ("", None),
            ("2024-13-45", None),
            ("é2024-01-15", None),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_date(raw).as_deref(), want, "{raw}");
        }
    }
}
