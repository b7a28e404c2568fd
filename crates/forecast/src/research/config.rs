//! `[forecast.research]`: how evidence is searched, fetched, cached, extracted and graded.
//!
//! Search provider keys are never read from the file; they come from the environment
//! (`POLYBOT_TAVILY_API_KEY`, ...) like every other secret.

use std::collections::BTreeSet;

use polybot_model::FieldError;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::config::{base_url_or, is_env_name, same_key};

/// Tavily key, the default for `kind = "tavily"`.
pub const ENV_TAVILY_API_KEY: &str = "POLYBOT_TAVILY_API_KEY";
/// SerpAPI key, the default for `kind = "serpapi"`.
pub const ENV_SERPAPI_API_KEY: &str = "POLYBOT_SERPAPI_API_KEY";
/// Bing Web Search key, the default for `kind = "bing"`.
pub const ENV_BING_API_KEY: &str = "POLYBOT_BING_API_KEY";
/// Brave Search key, the default for `kind = "brave"`.
pub const ENV_BRAVE_API_KEY: &str = "POLYBOT_BRAVE_API_KEY";
/// Every default search key variable, for the config loader's list of non-override names.
pub const SECRET_ENV_VARS: [&str; 4] = [
    ENV_TAVILY_API_KEY,
    ENV_SERPAPI_API_KEY,
    ENV_BING_API_KEY,
    ENV_BRAVE_API_KEY,
];

/// `[forecast.research]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResearchConfig {
    /// Off: forecasts are made on the market's question and description alone.
    pub enabled: bool,
    /// Hits kept per query.
    pub max_results_per_query: usize,
    /// Sources fetched per market (the most authoritative first).
    pub max_sources: usize,
    /// Sources that must agree on a metric for full cross-source agreement.
    pub min_corroborating_sources: usize,
    /// Evidence older than this many days is penalised...
    pub stale_days: f64,
    /// ...and severely past this many.
    pub severe_stale_days: f64,
    /// Bound of one search request (ms).
    pub search_timeout_ms: u64,
    /// Bound of one page download, headers to last byte (ms).
    pub fetch_timeout_ms: u64,
    /// A body larger than this is abandoned (not truncated: a cut page misleads).
    pub max_bytes_per_source: usize,
    /// Text kept per source for extraction.
    pub max_chars_per_source: usize,
    /// How long a search answer is reused (seconds).
    pub search_ttl_secs: u64,
    /// How long a fetched page is reused (seconds).
    pub page_ttl_secs: u64,
    /// Where cached answers and pages live; empty: `<data_dir>/cache/research`.
    pub cache_dir: String,
    /// Domains never fetched in addition to the built-in user-generated list.
    pub blocked_domains: Vec<String>,
    /// Fetch every source as `{fetch_mirror}/{host}{path}` instead of from its host (an offline
    /// mirror, or a local server in tests); empty fetches directly. Blocking is decided on the
    /// original URL.
    pub fetch_mirror: String,
    /// The `[[forecast.providers]]` entry that extracts evidence; empty: the first usable one.
    pub extraction_provider: String,
    /// Bullets kept after extraction (highest authority and confidence first).
    pub max_bullets: usize,
    /// Search providers, tried in this order for each query until one answers. Last, so the
    /// serialized TOML puts this array of tables after the plain keys.
    pub search: Vec<SearchProviderConfig>,
}

impl Default for ResearchConfig {
    fn default() -> Self {
        ResearchConfig {
            enabled: true,
            max_results_per_query: 5,
            max_sources: 8,
            min_corroborating_sources: 2,
            stale_days: 7.0,
            severe_stale_days: 30.0,
            search_timeout_ms: 15_000,
            fetch_timeout_ms: 10_000,
            max_bytes_per_source: 2_000_000,
            max_chars_per_source: 20_000,
            search_ttl_secs: 3_600,
            page_ttl_secs: 21_600,
            cache_dir: String::new(),
            blocked_domains: Vec::new(),
            fetch_mirror: String::new(),
            extraction_provider: String::new(),
            max_bullets: 20,
            search: vec![
                SearchProviderConfig::of(SearchKind::Tavily),
                SearchProviderConfig::of(SearchKind::Serpapi),
                SearchProviderConfig::of(SearchKind::Brave),
                SearchProviderConfig::of(SearchKind::Bing),
            ],
        }
    }
}

/// The wire protocol a search provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    /// `POST {base_url}/search`, key as a bearer token.
    Tavily,
    /// `GET {base_url}/search.json?engine=google`, key in the query string.
    Serpapi,
    /// `GET {base_url}/v7.0/search`, key in `Ocp-Apim-Subscription-Key`. Microsoft retired the
    /// public API on 2025-08-11; only a compatible endpoint still answers.
    Bing,
    /// `GET {base_url}/res/v1/web/search`, key in `X-Subscription-Token`.
    Brave,
}

impl SearchKind {
    /// The provider name hits are tagged with and the search log shows.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            SearchKind::Tavily => "tavily",
            SearchKind::Serpapi => "serpapi",
            SearchKind::Bing => "bing",
            SearchKind::Brave => "brave",
        }
    }

    /// The base URL used when `base_url` is empty.
    #[must_use]
    pub const fn default_base_url(self) -> &'static str {
        match self {
            SearchKind::Tavily => "https://api.tavily.com",
            SearchKind::Serpapi => "https://serpapi.com",
            SearchKind::Bing => "https://api.bing.microsoft.com",
            SearchKind::Brave => "https://api.search.brave.com",
        }
    }

    /// The key variable used when `api_key_env` is empty.
    #[must_use]
    pub const fn default_key_env(self) -> &'static str {
        match self {
            SearchKind::Tavily => ENV_TAVILY_API_KEY,
            SearchKind::Serpapi => ENV_SERPAPI_API_KEY,
            SearchKind::Bing => ENV_BING_API_KEY,
            SearchKind::Brave => ENV_BRAVE_API_KEY,
        }
    }
}

/// One `[[forecast.research.search]]` entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchProviderConfig {
    pub kind: SearchKind,
    pub enabled: bool,
    /// Empty: [`SearchKind::default_base_url`].
    pub base_url: String,
    /// Environment variable holding the key. Empty: [`SearchKind::default_key_env`].
    pub api_key_env: String,
    /// Bound of one request (ms); 0: `search_timeout_ms`.
    pub timeout_ms: u64,
    /// USD per request (exact), for `polybot costs`: search APIs bill per request or credit,
    /// not per token.
    pub usd_per_request: rust_decimal::Decimal,
    /// Filled by [`ResearchConfig::apply_secret_env`]; never serialized.
    #[serde(skip)]
    pub api_key: Option<SecretString>,
}

/// By hand: a key is compared by its value (configurations are compared in tests; the key is
/// never printed either way).
impl PartialEq for SearchProviderConfig {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.enabled == other.enabled
            && self.base_url == other.base_url
            && self.api_key_env == other.api_key_env
            && self.timeout_ms == other.timeout_ms
            && self.usd_per_request == other.usd_per_request
            && same_key(&self.api_key, &other.api_key)
    }
}

impl Default for SearchProviderConfig {
    fn default() -> Self {
        SearchProviderConfig::of(SearchKind::Tavily)
    }
}

impl SearchProviderConfig {
    /// An enabled entry of `kind` with every other setting at its default.
    #[must_use]
    pub fn of(kind: SearchKind) -> Self {
        SearchProviderConfig {
            kind,
            enabled: true,
            base_url: String::new(),
            api_key_env: String::new(),
            timeout_ms: 0,
            usd_per_request: rust_decimal::Decimal::ZERO,
            api_key: None,
        }
    }

    /// `base_url` or the kind's default, without a trailing `/`.
    #[must_use]
    pub fn effective_base_url(&self) -> String {
        base_url_or(&self.base_url, self.kind.default_base_url())
    }

    /// `api_key_env` or the kind's default variable.
    #[must_use]
    pub fn effective_key_env(&self) -> String {
        if self.api_key_env.trim().is_empty() {
            self.kind.default_key_env().to_owned()
        } else {
            self.api_key_env.trim().to_owned()
        }
    }

    /// `timeout_ms`, or `default_ms` (the section's `search_timeout_ms`) when 0.
    #[must_use]
    pub fn effective_timeout_ms(&self, default_ms: u64) -> u64 {
        if self.timeout_ms == 0 {
            default_ms
        } else {
            self.timeout_ms
        }
    }
}

/// Longest request bound accepted anywhere in the section (ms).
const MAX_TIMEOUT_MS: u64 = 600_000;

impl ResearchConfig {
    /// Fills each search provider's `api_key` from `get(effective_key_env)` when set and
    /// non-empty.
    pub fn apply_secret_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        for p in &mut self.search {
            if let Some(v) = get(&p.effective_key_env()).filter(|v| !v.trim().is_empty()) {
                p.api_key = Some(SecretString::from(v.trim().to_owned()));
            }
        }
    }

    /// Every problem, each naming its key (`research.max_sources`,
    /// `research.search[1].base_url`, ...).
    #[must_use]
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        self.validate_limits(&mut errors);
        let mut push = |key: &str, value: String, reason: &str| {
            errors.push(FieldError::new(format!("research.{key}"), value, reason));
        };
        if !(self.stale_days.is_finite() && self.stale_days > 0.0) {
            push("stale_days", self.stale_days.to_string(), "must be > 0");
        }
        if !(self.severe_stale_days.is_finite() && self.severe_stale_days >= self.stale_days) {
            push(
                "severe_stale_days",
                self.severe_stale_days.to_string(),
                "must be ≥ stale_days",
            );
        }
        let mirror = self.fetch_mirror.trim();
        if !mirror.is_empty() && !is_http_url(mirror) {
            push(
                "fetch_mirror",
                format!("{mirror:?}"),
                "must be empty or start with http:// or https://",
            );
        }
        for (i, d) in self.blocked_domains.iter().enumerate() {
            let d = d.trim();
            if d.is_empty() || d.contains(['/', ':', ' ', '?', '#', '@']) {
                push(
                    &format!("blocked_domains[{i}]"),
                    format!("{d:?}"),
                    "must be a bare domain such as example.com",
                );
            }
        }
        self.validate_search(&mut errors);
        errors
    }

    /// Counts, sizes and timeouts within their ranges.
    fn validate_limits(&self, errors: &mut Vec<FieldError>) {
        let mut push = |key: &str, value: String, reason: String| {
            errors.push(FieldError::new(format!("research.{key}"), value, reason));
        };
        for (key, value, min, max) in [
            ("max_results_per_query", self.max_results_per_query, 1, 50),
            ("max_sources", self.max_sources, 1, 100),
            (
                "min_corroborating_sources",
                self.min_corroborating_sources,
                1,
                20,
            ),
            (
                "max_bytes_per_source",
                self.max_bytes_per_source,
                1_024,
                100_000_000,
            ),
            (
                "max_chars_per_source",
                self.max_chars_per_source,
                100,
                1_000_000,
            ),
            ("max_bullets", self.max_bullets, 1, 500),
        ] {
            if !(min..=max).contains(&value) {
                push(key, value.to_string(), format!("must be {min}..={max}"));
            }
        }
        for (key, value) in [
            ("search_timeout_ms", self.search_timeout_ms),
            ("fetch_timeout_ms", self.fetch_timeout_ms),
        ] {
            if value == 0 || value > MAX_TIMEOUT_MS {
                push(
                    key,
                    value.to_string(),
                    format!("must be 1..={MAX_TIMEOUT_MS}"),
                );
            }
        }
    }

    fn validate_search(&self, errors: &mut Vec<FieldError>) {
        let mut kinds = BTreeSet::new();
        for (i, p) in self.search.iter().enumerate() {
            let mut push = |key: &str, value: String, reason: &str| {
                errors.push(FieldError::new(
                    format!("research.search[{i}].{key}"),
                    value,
                    reason,
                ));
            };
            if !kinds.insert(p.kind.as_str()) {
                push(
                    "kind",
                    p.kind.as_str().to_owned(),
                    "each kind may appear once (hits and cache entries are keyed by it)",
                );
            }
            let url = p.effective_base_url();
            if !is_http_url(&url) {
                push("base_url", url, "must start with http:// or https://");
            }
            if p.timeout_ms > MAX_TIMEOUT_MS {
                push(
                    "timeout_ms",
                    p.timeout_ms.to_string(),
                    "must be 0 (search_timeout_ms) or 1..=600000",
                );
            }
            if p.usd_per_request.is_sign_negative() && !p.usd_per_request.is_zero() {
                push(
                    "usd_per_request",
                    p.usd_per_request.to_string(),
                    "must be ≥ 0",
                );
            }
            let env = p.effective_key_env();
            if !is_env_name(&env) {
                // The value is not echoed: it may be a key pasted in the wrong place.
                push(
                    "api_key_env",
                    "(not shown)".to_owned(),
                    "must be the NAME of an environment variable (letters, digits, _); keys \
                     are never put in the file",
                );
            }
        }
    }
}

fn is_http_url(url: &str) -> bool {
    url.strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .is_some_and(|rest| !rest.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_chain_tavily_serpapi_brave_bing() {
        let cfg = ResearchConfig::default();
        assert!(cfg.validate().is_empty(), "{:?}", cfg.validate());
        let kinds: Vec<&str> = cfg.search.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["tavily", "serpapi", "brave", "bing"]);
        assert_eq!(
            cfg.search[3].effective_base_url(),
            "https://api.bing.microsoft.com"
        );
        assert_eq!(cfg.search[0].effective_timeout_ms(15_000), 15_000);
    }

    #[test]
    fn validation_names_each_key() {
        let mut cfg = ResearchConfig {
            max_sources: 0,
            fetch_timeout_ms: 0,
            severe_stale_days: 1.0,
            fetch_mirror: "ftp://mirror".into(),
            blocked_domains: vec!["https://x.org/".into()],
            ..ResearchConfig::default()
        };
        cfg.search[1].base_url = "serpapi.com".into();
        cfg.search[2].kind = SearchKind::Tavily;
        cfg.search[3].timeout_ms = 700_000;
        cfg.search[3].api_key_env = "NOT A NAME".into();
        let keys: Vec<String> = cfg.validate().into_iter().map(|e| e.key).collect();
        for k in [
            "research.max_sources",
            "research.fetch_timeout_ms",
            "research.severe_stale_days",
            "research.fetch_mirror",
            "research.blocked_domains[0]",
            "research.search[1].base_url",
            "research.search[2].kind",
            "research.search[3].timeout_ms",
            "research.search[3].api_key_env",
        ] {
            assert!(keys.iter().any(|x| x == k), "{k} missing from {keys:?}");
        }
    }

    #[test]
    fn keys_come_from_the_environment_and_never_print() {
        let mut cfg = ResearchConfig::default();
        cfg.search[1].api_key_env = "MY_SERP".into();
        cfg.apply_secret_env(|name| match name {
            ENV_TAVILY_API_KEY => Some(" tvly-SECRET ".into()),
            "MY_SERP" => Some("serp-SECRET".into()),
            ENV_SERPAPI_API_KEY => Some("wrong-var".into()),
            ENV_BRAVE_API_KEY => Some("  ".into()),
            _ => None,
        });
        let has_key: Vec<bool> = cfg.search.iter().map(|p| p.api_key.is_some()).collect();
        assert_eq!(has_key, [true, true, false, false]);
        let shown = format!("{cfg:?} {}", serde_json::to_string(&cfg).unwrap());
        assert!(
            !shown.contains("SECRET") && !shown.contains("wrong-var"),
            "{shown}"
        );
        let from_file = r#"{"kind": "brave", "api_key": "x"}"#;
        assert!(
            serde_json::from_str::<SearchProviderConfig>(from_file).is_err(),
            "a key is never read from a file"
        );
    }
}
