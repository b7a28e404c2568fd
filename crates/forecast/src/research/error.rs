//! Research errors. Each names the provider, URL or key it concerns; none carries an API key
//! (URLs are reported without their query string, where keys travel for some providers).

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ResearchError {
    /// The URL's domain is on the blocked list: it was not fetched.
    #[error("{url}: domain {domain} is blocked (user-generated content); not fetched")]
    Blocked { url: String, domain: String },
    /// Not an absolute http(s) URL.
    #[error("{url}: not an http(s) URL: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("search provider {provider}: timed out after {timeout_ms} ms")]
    SearchTimeout { provider: String, timeout_ms: u64 },
    #[error("search provider {provider}: {reason}")]
    Search { provider: String, reason: String },
    #[error("search provider {provider}: no API key (set {env})")]
    MissingKey { provider: String, env: String },
    /// Every provider of the chain failed (or none is configured).
    #[error("no search provider answered: {failures}")]
    NoProvider { failures: String },
    #[error("fetch {url}: timed out after {timeout_ms} ms")]
    FetchTimeout { url: String, timeout_ms: u64 },
    #[error("fetch {url}: {reason}")]
    Fetch { url: String, reason: String },
    /// The body passed `max_bytes_per_source`.
    #[error("fetch {url}: body larger than {max_bytes} bytes")]
    TooLarge { url: String, max_bytes: usize },
    /// The LLM's evidence could not be used after the corrective retry.
    #[error("evidence extraction ({provider}): {reason}")]
    Extraction { provider: String, reason: String },
    #[error("cache: {0}")]
    Cache(String),
}
