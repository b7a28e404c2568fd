//! Downloads search hits into [`Source`]s: text only, bounded in time and size, never from a
//! blocked domain.
//!
//! The blocked-domain check runs on the URL as found, before any request, and again on every
//! redirect target. Redirects are followed by hand rather than by a reqwest redirect policy: a
//! policy only sees the URL actually requested, which with `fetch_mirror` is the mirror's, so it
//! could neither judge the original host nor keep the next hop inside the mirror.

pub mod entities;
pub mod html;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use futures::future::BoxFuture;
use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};

use super::cache::{self, ResearchCache, system_clock};
use super::config::ResearchConfig;
use super::domains::{self, strip_query};
use super::error::ResearchError;
use super::search::error_chain;
use super::{SearchHit, Source};

/// Redirects followed per fetch at most.
pub const MAX_REDIRECTS: usize = 5;

/// Fetches in flight at once: polite to publishers, and enough to hide latency.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Identifies the fetcher to publishers, as their robots policies ask.
pub const USER_AGENT: &str = concat!(
    "polybot-research/",
    env!("CARGO_PKG_VERSION"),
    " (evidence fetcher for polybot)"
);

/// What a batch of fetches produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchOutcome {
    /// In the order of the hits given.
    pub sources: Vec<Source>,
    /// `url: reason` for every fetch that failed.
    pub failures: Vec<String>,
    /// URLs refused because their domain is blocked (a hit's own URL, or a redirect target),
    /// each once; never requested.
    pub blocked: Vec<String>,
}

/// The media types read as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Html,
    Plain,
    Json,
}

/// A body as downloaded.
struct Body {
    bytes: Vec<u8>,
    kind: Kind,
    latin1: bool,
}

/// Downloads and reduces pages to text.
pub struct SourceFetcher {
    client: reqwest::Client,
    blocked_domains: Vec<String>,
    /// Without a trailing `/`; `None` fetches directly.
    mirror: Option<String>,
    timeout: Duration,
    max_bytes: usize,
    max_chars: usize,
    cache: Option<Arc<ResearchCache>>,
    ttl_secs: u64,
    concurrency: usize,
}

impl std::fmt::Debug for SourceFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceFetcher")
            .field("mirror", &self.mirror)
            .field("timeout", &self.timeout)
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

impl SourceFetcher {
    /// A fetcher with `cfg`'s limits, mirror and blocked domains, without a cache.
    pub fn new(cfg: &ResearchConfig) -> Result<Self, ResearchError> {
        let timeout = Duration::from_millis(cfg.fetch_timeout_ms);
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| ResearchError::Fetch {
                url: String::new(),
                reason: e.without_url().to_string(),
            })?;
        let mirror = cfg.fetch_mirror.trim().trim_end_matches('/');
        Ok(SourceFetcher {
            client,
            blocked_domains: cfg.blocked_domains.clone(),
            mirror: (!mirror.is_empty()).then(|| mirror.to_owned()),
            timeout,
            max_bytes: cfg.max_bytes_per_source,
            max_chars: cfg.max_chars_per_source,
            cache: None,
            ttl_secs: cfg.page_ttl_secs,
            concurrency: DEFAULT_CONCURRENCY,
        })
    }

    /// Reuses pages younger than `page_ttl_secs` from `cache`, and stores new ones there.
    #[must_use]
    pub fn with_cache(mut self, cache: Arc<ResearchCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    #[must_use]
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// `hit` as a source: from the cache when fresh, otherwise downloaded and reduced to text.
    pub async fn fetch(&self, hit: &SearchHit) -> Result<Source, ResearchError> {
        let domain = domains::check_fetchable(&hit.url, &self.blocked_domains)?;
        let key = cache::page_key(&hit.url);
        if let Some(source) = self.cached(&key, hit) {
            return Ok(source);
        }
        let body = tokio::time::timeout(self.timeout, self.download(&hit.url))
            .await
            .map_err(|_| self.timed_out(&hit.url))??;
        let source = self.to_source(hit, domain, &body);
        if let Some(cache) = &self.cache
            && let Err(e) = cache.put_at(&key, &source, source.fetched_ms)
        {
            tracing::warn!(error = %e, "page not cached");
        }
        Ok(source)
    }

    /// Fetches every hit, a few at a time; sources come back in the order of `hits`.
    pub async fn fetch_all(&self, hits: &[SearchHit]) -> FetchOutcome {
        // Built first, then streamed: see `SearchChain::run` (callers spawn research on tasks).
        let pending: Vec<BoxFuture<'_, _>> = hits
            .iter()
            .enumerate()
            .map(|(i, hit)| -> BoxFuture<'_, _> {
                Box::pin(async move { (i, self.fetch(hit).await) })
            })
            .collect();
        let mut results: Vec<(usize, Result<Source, ResearchError>)> =
            futures::stream::iter(pending)
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
        results.sort_by_key(|(i, _)| *i);
        let mut outcome = FetchOutcome::default();
        for (i, result) in results {
            let hit = &hits[i];
            match result {
                Ok(source) => outcome.sources.push(source),
                Err(e) => record_failure(&mut outcome, hit, &e),
            }
        }
        outcome
    }

    fn cached(&self, key: &str, hit: &SearchHit) -> Option<Source> {
        let cached = self.cache.as_ref()?.get::<Source>(key, self.ttl_secs)?;
        let source = cached.value;
        Some(Source {
            from_cache: true,
            phase: hit.phase,
            published: source.published.or_else(|| hit.published.clone()),
            ..source
        })
    }

    /// Requests `url` (through the mirror, if any), following allowed redirects, and reads a
    /// text body of at most `max_bytes`.
    async fn download(&self, url: &str) -> Result<Body, ResearchError> {
        let mut current = Url::parse(url).map_err(|e| ResearchError::BadUrl {
            url: strip_query(url),
            reason: e.to_string(),
        })?;
        let mut redirects = 0;
        let mut resp = loop {
            let resp = self
                .client
                .get(self.request_url(&current, url)?)
                .header(
                    ACCEPT,
                    "text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.8",
                )
                .send()
                .await
                .map_err(|e| self.transport(url, e))?;
            if !resp.status().is_redirection() {
                break resp;
            }
            redirects += 1;
            if redirects > MAX_REDIRECTS {
                return Err(fetch_error(
                    url,
                    format!("more than {MAX_REDIRECTS} redirects"),
                ));
            }
            current = self.redirect_target(url, &current, &resp)?;
        };
        let status = resp.status();
        if !status.is_success() {
            return Err(fetch_error(url, format!("HTTP {}", status.as_u16())));
        }
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let (kind, latin1) = media(url, &content_type)?;
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_bytes as u64)
        {
            return Err(self.too_large(url));
        }
        Ok(Body {
            bytes: self.read_body(url, &mut resp).await?,
            kind,
            latin1,
        })
    }

    /// The body chunk by chunk, so an oversized one is abandoned at the limit, not held whole.
    async fn read_body(
        &self,
        url: &str,
        resp: &mut reqwest::Response,
    ) -> Result<Vec<u8>, ResearchError> {
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport(url, e))? {
            if bytes.len() + chunk.len() > self.max_bytes {
                return Err(self.too_large(url));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Where `current` is requested: itself, or `{mirror}/{host}{path}?{query}`.
    fn request_url(&self, current: &Url, original: &str) -> Result<Url, ResearchError> {
        let Some(mirror) = &self.mirror else {
            return Ok(current.clone());
        };
        let host = current.host_str().unwrap_or_default();
        let port = current.port().map(|p| format!(":{p}")).unwrap_or_default();
        let query = current.query().map(|q| format!("?{q}")).unwrap_or_default();
        let raw = format!("{mirror}/{host}{port}{}{query}", current.path());
        Url::parse(&raw).map_err(|e| fetch_error(original, format!("bad fetch_mirror URL: {e}")))
    }

    /// The next URL of a redirect, checked like a hit's: a blocked or non-http(s) target is an
    /// error and is never requested.
    fn redirect_target(
        &self,
        original: &str,
        current: &Url,
        resp: &reqwest::Response,
    ) -> Result<Url, ResearchError> {
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| fetch_error(original, "redirect without a usable Location"))?;
        // Locations are relative to the page's own URL, not to the mirror's.
        let mut target = current.join(location).map_err(|e| ResearchError::BadUrl {
            url: strip_query(location),
            reason: e.to_string(),
        })?;
        if let Some(mirror) = &self.mirror
            && let Some(rest) = target.as_str().strip_prefix(&format!("{mirror}/"))
        {
            // An absolute link into the mirror names the original host in its path.
            target = Url::parse(&format!("{}://{rest}", current.scheme())).map_err(|e| {
                ResearchError::BadUrl {
                    url: strip_query(rest),
                    reason: e.to_string(),
                }
            })?;
        }
        domains::check_fetchable(target.as_str(), &self.blocked_domains)?;
        Ok(target)
    }

    fn to_source(&self, hit: &SearchHit, domain: String, body: &Body) -> Source {
        let decoded = if body.latin1 {
            body.bytes
                .iter()
                .map(|&b| char::from(b))
                .collect::<String>()
        } else {
            String::from_utf8_lossy(&body.bytes).into_owned()
        };
        let (title, text, published) = match body.kind {
            Kind::Html => {
                let page = html::to_page(&decoded);
                (page.title, page.text, page.published)
            }
            Kind::Plain | Kind::Json => (None, html::collapse_whitespace(&decoded), None),
        };
        Source {
            url: hit.url.clone(),
            domain,
            title: title.unwrap_or_else(|| hit.title.clone()),
            text: cut_chars(text, self.max_chars),
            // The page's own metadata is exact; a provider's date may be its crawl date.
            published: published.or_else(|| hit.published.clone()),
            fetched_ms: self.now_ms(),
            bytes: body.bytes.len(),
            from_cache: false,
            phase: hit.phase,
        }
    }

    fn now_ms(&self) -> i64 {
        self.cache
            .as_ref()
            .map_or_else(|| system_clock()(), |c| c.now_ms())
    }

    fn transport(&self, url: &str, e: reqwest::Error) -> ResearchError {
        if e.is_timeout() {
            return self.timed_out(url);
        }
        fetch_error(url, error_chain(&e.without_url()))
    }

    fn timed_out(&self, url: &str) -> ResearchError {
        ResearchError::FetchTimeout {
            url: strip_query(url),
            timeout_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
        }
    }

    fn too_large(&self, url: &str) -> ResearchError {
        ResearchError::TooLarge {
            url: strip_query(url),
            max_bytes: self.max_bytes,
        }
    }
}

/// Files `e` under `failures` (and a blocked URL under `blocked`). A hit whose own domain is
/// blocked was filtered, not failed: only a blocked redirect is also a failure of its page.
fn record_failure(outcome: &mut FetchOutcome, hit: &SearchHit, e: &ResearchError) {
    let shown = strip_query(&hit.url);
    if let ResearchError::Blocked { url, .. } = e {
        if !outcome.blocked.contains(url) {
            outcome.blocked.push(url.clone());
        }
        if *url == shown {
            return;
        }
        outcome
            .failures
            .push(format!("{shown}: redirect refused: {e}"));
        return;
    }
    tracing::info!(url = %shown, error = %e, "source not fetched");
    outcome.failures.push(format!("{shown}: {e}"));
}

/// The kind of a `Content-Type`, and whether its charset is a single-byte Latin one.
fn media(url: &str, content_type: &str) -> Result<(Kind, bool), ResearchError> {
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let kind = match essence.as_str() {
        "text/html" | "application/xhtml+xml" => Kind::Html,
        "text/plain" => Kind::Plain,
        "application/json" => Kind::Json,
        "" => return Err(fetch_error(url, "no Content-Type; only text is read")),
        other => {
            return Err(fetch_error(
                url,
                format!("content type {other} is not read (only HTML, plain text and JSON)"),
            ));
        }
    };
    let latin1 = parts.any(|p| {
        let p = p.trim().to_ascii_lowercase();
        p.strip_prefix("charset=").is_some_and(|c| {
            matches!(
                c.trim_matches('"'),
                "iso-8859-1" | "latin1" | "latin-1" | "windows-1252" | "cp1252"
            )
        })
    });
    Ok((kind, latin1))
}

fn fetch_error(url: &str, reason: impl Into<String>) -> ResearchError {
    ResearchError::Fetch {
        url: strip_query(url),
        reason: reason.into(),
    }
}

/// `text` cut to at most `max` characters, on a character boundary.
fn cut_chars(mut text: String, max: usize) -> String {
    if let Some((i, _)) = text.char_indices().nth(max) {
        text.truncate(i);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_on_char_boundaries() {
        assert_eq!(cut_chars("héllo".into(), 2), "hé");
        assert_eq!(cut_chars("héllo".into(), 10), "héllo");
        assert_eq!(cut_chars("€€€".into(), 0), "");
    }

    #[test]
    fn only_text_media_types_are_read() {
        let ok = |ct: &str| media("http://a.gov/", ct);
        assert_eq!(ok("text/html; charset=UTF-8").unwrap(), (Kind::Html, false));
        assert_eq!(
            ok("Text/HTML;charset=\"windows-1252\"").unwrap(),
            (Kind::Html, true)
        );
        assert_eq!(ok("application/xhtml+xml").unwrap(), (Kind::Html, false));
        assert_eq!(ok("text/plain").unwrap(), (Kind::Plain, false));
        assert_eq!(ok("application/json").unwrap(), (Kind::Json, false));
        for bad in [
            "application/pdf",
            "image/png",
            "",
            "application/octet-stream",
        ] {
            assert!(matches!(ok(bad), Err(ResearchError::Fetch { .. })), "{bad}");
        }
    }
}
