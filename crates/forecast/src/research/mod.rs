//! Research (issue 5, item 1): gather evidence for one market from authoritative sources.
//!
//! The pipeline is source-first: [`queries`] builds site-restricted queries on the market type's
//! primary sources in four [`Phase`]s; [`search`] runs them through a chain of search providers
//! (Tavily, SerpAPI, Bing, Brave) with fallback; [`domains`] drops every hit on a blocked
//! user-generated domain *before* anything is fetched; [`fetch`] downloads what is left with
//! timeouts, size limits and HTML→text, behind the TTL [`cache`]; [`evidence`] has an LLM turn
//! the text into structured bullets with citations; [`quality`] grades the evidence without
//! asking the LLM.
//!
//! The types below are what the stages hand each other, and what `polybot research` prints.

pub mod cache;
pub mod config;
pub mod domains;
pub mod error;
pub mod evidence;
pub mod fetch;
pub mod quality;
pub mod queries;
mod researcher;
pub mod search;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use cache::ResearchCache;
pub use config::ResearchConfig;
pub use error::ResearchError;
pub use researcher::Researcher;

/// The seed's four query phases, in the order they run. Each phase narrows less than the one
/// before, so the most authoritative evidence is found first and the budget of sources
/// (`max_sources`) is spent on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// `site:` each primary source of the market type, with the market's key terms.
    Primary,
    /// The primary sources again, asking for the resolution data itself (release, schedule,
    /// official statement) around the resolution date.
    Resolution,
    /// Reputable wire services and financial press (Reuters, AP, Bloomberg, ...), `site:`
    /// restricted as well.
    News,
    /// An unrestricted query with every blocked domain excluded (`-site:`), for what the
    /// whitelists missed. Its hits still pass the blocked-domain filter before any fetch.
    Broad,
}

impl Phase {
    pub const ALL: [Phase; 4] = [Phase::Primary, Phase::Resolution, Phase::News, Phase::Broad];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Phase::Primary => "primary",
            Phase::Resolution => "resolution",
            Phase::News => "news",
            Phase::Broad => "broad",
        }
    }
}

/// One search query, as sent to the provider (`text` includes any `site:` operators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    pub phase: Phase,
    pub text: String,
    /// The domain the query is restricted to, if it is (for reports).
    pub site: Option<String>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub url: String,
    pub title: String,
    pub snippet: String,
    /// Publication date as the provider reported it (ISO 8601 date or datetime), if any.
    pub published: Option<String>,
    /// The provider that returned it (`tavily`, `serpapi`, `bing`, `brave`).
    pub provider: String,
    /// The phase of the query that found it.
    pub phase: Phase,
}

/// A fetched source, reduced to text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The URL as found (before any mirror rewrite).
    pub url: String,
    /// Lower-case host without a leading `www.`.
    pub domain: String,
    pub title: String,
    /// Visible text (scripts, styles and markup removed), cut to `max_chars_per_source`.
    pub text: String,
    /// From the hit, or the page's own metadata (`article:published_time`, `<time>`), if any.
    pub published: Option<String>,
    /// When the bytes were downloaded (ms since the epoch; older than now when cached).
    pub fetched_ms: i64,
    /// Body size downloaded, in bytes.
    pub bytes: usize,
    pub from_cache: bool,
    pub phase: Phase,
}

/// Where a bullet came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub url: String,
    pub publisher: String,
    /// [`domains::authority_score`] of the URL's domain (computed, not the LLM's claim).
    pub authority_score: f64,
}

/// One piece of evidence, as the seed specifies it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceBullet {
    pub text: String,
    pub metric_name: Option<String>,
    pub metric_value: Option<String>,
    pub metric_unit: Option<String>,
    /// ISO 8601 date the metric refers to.
    pub metric_date: Option<String>,
    /// The extractor's confidence in [0, 1].
    pub confidence: f64,
    pub citation: Citation,
}

/// Two sources disagreeing on the same metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contradiction {
    pub metric: String,
    pub first: String,
    pub second: String,
    /// Relative difference of the two values, where both are numbers.
    pub relative_gap: Option<f64>,
}

/// The evidence grade, computed from the bullets and sources alone (never the LLM's opinion).
/// Every component is in [0, 1]; `score` is their weighted combination less the contradiction
/// penalty, in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceQuality {
    pub score: f64,
    pub recency: f64,
    pub authority: f64,
    pub agreement: f64,
    pub numeric_density: f64,
    /// Subtracted from the weighted sum (0 without contradictions).
    pub contradiction_penalty: f64,
    pub bullets: usize,
    pub distinct_domains: usize,
}

/// What one research run found, stage by stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResearchReport {
    pub market_id: String,
    pub question: String,
    /// `MACRO`, `ELECTION`, ...
    pub category: String,
    pub queries: Vec<Query>,
    /// Which provider answered each query, or why none did.
    pub search_log: Vec<String>,
    pub hits: Vec<SearchHit>,
    /// URLs dropped because their domain is blocked (never fetched).
    pub blocked: Vec<String>,
    pub sources: Vec<Source>,
    /// `url: reason` for every fetch that failed.
    pub fetch_failures: Vec<String>,
    pub bullets: Vec<EvidenceBullet>,
    pub contradictions: Vec<Contradiction>,
    pub quality: EvidenceQuality,
    /// A few sentences for the forecasting prompt.
    pub summary: String,
    /// What went wrong without stopping the run (no provider answered, extraction failed, ...).
    pub problems: Vec<String>,
    /// Search requests sent, by provider (cache hits excluded).
    pub search_requests: std::collections::BTreeMap<String, u64>,
    /// The extraction's tokens and USD (zero for offline extraction).
    pub extraction_usage: crate::cost::Usage,
    pub extraction_provider: Option<String>,
    pub cost_usd: Decimal,
    pub started_ms: i64,
    pub finished_ms: i64,
}

/// One bullet as the forecasting prompt shows it: the text, then its metric and citation.
#[must_use]
pub fn bullet_line(b: &EvidenceBullet) -> String {
    let metric = match (&b.metric_name, &b.metric_value) {
        (Some(name), Some(value)) => {
            let unit = b.metric_unit.as_deref().unwrap_or("");
            let date = b
                .metric_date
                .as_deref()
                .map(|d| format!(", {d}"))
                .unwrap_or_default();
            format!(" [{name} = {value} {unit}{date}]")
        }
        _ => String::new(),
    };
    format!(
        "{}{metric} (source: {}, authority {:.2})",
        b.text.trim(),
        b.citation.publisher,
        b.citation.authority_score
    )
}
