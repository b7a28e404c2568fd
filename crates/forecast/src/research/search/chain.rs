//! The configured search providers in order: each query goes to the first, and on to the next
//! only when one fails or times out, so a provider outage costs latency, not evidence.
//!
//! Every hit passes the blocked-domain filter here, before anything downstream can fetch it.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use futures::StreamExt as _;
use futures::future::BoxFuture;

use super::{SearchProvider, build_provider};
use crate::research::cache::{self, ResearchCache};
use crate::research::config::ResearchConfig;
use crate::research::domains;
use crate::research::error::ResearchError;
use crate::research::{Query, SearchHit};

/// Queries in flight at once: enough to hide latency, few enough for providers' rate limits.
const CONCURRENT_QUERIES: usize = 3;

/// What a list of queries found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchOutcome {
    /// Hits that may be fetched, first occurrence of each URL, in query order.
    pub hits: Vec<SearchHit>,
    /// URLs on blocked domains, each once; never fetched.
    pub blocked: Vec<String>,
    /// `url: reason` for hits that are not http(s) URLs at all.
    pub unfetchable: Vec<String>,
    /// One line per query: the query, then each provider tried and what it did.
    pub log: Vec<String>,
    /// Queries some provider answered (possibly with no hits).
    pub answered: usize,
}

/// One query's answer: the hits of the provider that answered, and every attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryAnswer {
    pub hits: Vec<SearchHit>,
    /// `tavily: timed out after 15000 ms`, `serpapi: 5 hits`, ...
    pub attempts: Vec<String>,
}

/// Search providers tried in order, with the blocked-domain filter and the cache.
pub struct SearchChain {
    providers: Vec<Arc<dyn SearchProvider>>,
    skipped: Vec<String>,
    blocked_domains: Vec<String>,
    max_results: usize,
    cache: Option<Arc<ResearchCache>>,
    ttl_secs: u64,
    /// Requests sent to each provider (cache hits excluded), for the usage record.
    requests: Mutex<BTreeMap<String, u64>>,
}

impl std::fmt::Debug for SearchChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchChain")
            .field("providers", &self.provider_names())
            .field("skipped", &self.skipped)
            .field("max_results", &self.max_results)
            .finish_non_exhaustive()
    }
}

impl SearchChain {
    /// The chain of `providers`, keeping `max_results` hits per query.
    #[must_use]
    pub fn new(
        providers: Vec<Arc<dyn SearchProvider>>,
        blocked_domains: Vec<String>,
        max_results: usize,
    ) -> Self {
        SearchChain {
            providers,
            skipped: Vec::new(),
            blocked_domains,
            max_results,
            cache: None,
            ttl_secs: 0,
            requests: Mutex::new(BTreeMap::new()),
        }
    }

    /// The enabled, keyed providers of `cfg` in configured order; the others are listed by
    /// [`skipped`](Self::skipped) with the reason.
    #[must_use]
    pub fn from_config(cfg: &ResearchConfig, cache: Option<Arc<ResearchCache>>) -> Self {
        let mut providers = Vec::new();
        let mut skipped = Vec::new();
        for p in &cfg.search {
            if !p.enabled {
                skipped.push(format!("{}: disabled", p.kind.as_str()));
                continue;
            }
            match build_provider(p, cfg.search_timeout_ms) {
                Ok(provider) => providers.push(provider),
                Err(e) => skipped.push(e.to_string()),
            }
        }
        let mut chain = SearchChain::new(
            providers,
            cfg.blocked_domains.clone(),
            cfg.max_results_per_query,
        );
        chain.skipped = skipped;
        match cache {
            Some(c) => chain.with_cache(c, cfg.search_ttl_secs),
            None => chain,
        }
    }

    /// Reuses answers younger than `ttl_secs` from `cache`, and stores new ones there.
    #[must_use]
    pub fn with_cache(mut self, cache: Arc<ResearchCache>, ttl_secs: u64) -> Self {
        self.cache = Some(cache);
        self.ttl_secs = ttl_secs;
        self
    }

    #[must_use]
    pub fn provider_names(&self) -> Vec<&str> {
        self.providers.iter().map(|p| p.name()).collect()
    }

    /// Configured providers left out of the chain, and why (`bing: no API key (set ...)`).
    #[must_use]
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// Requests sent so far to each provider (answers from the cache excluded).
    #[must_use]
    pub fn requests_sent(&self) -> BTreeMap<String, u64> {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The first answer to `query` along the chain, or [`ResearchError::NoProvider`] naming
    /// every failure. Hits are not filtered here (see [`run`](Self::run)).
    pub async fn search(&self, query: &Query) -> Result<QueryAnswer, ResearchError> {
        if self.providers.is_empty() {
            return Err(self.no_provider_configured());
        }
        let mut attempts = Vec::new();
        for provider in &self.providers {
            let name = provider.name();
            let key = cache::search_key(name, &query.text, self.max_results);
            if let Some(hits) = self.cached(&key, query) {
                attempts.push(format!("{name}: {} (cached)", count(hits.len())));
                return Ok(QueryAnswer { hits, attempts });
            }
            *self
                .requests
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(name.to_owned())
                .or_default() += 1;
            match provider.search(query, self.max_results).await {
                Ok(mut hits) => {
                    hits.truncate(self.max_results);
                    self.store(&key, &hits);
                    attempts.push(format!("{name}: {}", count(hits.len())));
                    return Ok(QueryAnswer { hits, attempts });
                }
                Err(e) => {
                    tracing::warn!(provider = name, query = %query.text, error = %e, "search failed; trying the next provider");
                    attempts.push(format!("{name}: {}", reason(&e)));
                }
            }
        }
        Err(ResearchError::NoProvider {
            failures: attempts.join("; "),
        })
    }

    /// Runs every query (a few at a time, answers kept in query order), drops blocked and
    /// duplicate URLs, and logs one line per query. Fails only when no query was answered.
    pub async fn run(&self, queries: &[Query]) -> Result<SearchOutcome, ResearchError> {
        if self.providers.is_empty() {
            return Err(self.no_provider_configured());
        }
        // The futures are built first and the stream runs over them: a stream holding the
        // closure that builds them is not provably `Send` for every lifetime, which a caller
        // spawning the research on a task needs.
        let pending: Vec<BoxFuture<'_, _>> = queries
            .iter()
            .map(|q| -> BoxFuture<'_, _> { Box::pin(async move { (q, self.search(q).await) }) })
            .collect();
        let answers: Vec<_> = futures::stream::iter(pending)
            .buffered(CONCURRENT_QUERIES)
            .collect()
            .await;
        let mut outcome = SearchOutcome::default();
        let mut seen = HashSet::new();
        let mut failures: Vec<String> = Vec::new();
        for (query, answer) in answers {
            let label = format!("[{}] {}", query.phase.as_str(), query.text);
            match answer {
                Ok(answer) => {
                    outcome.answered += 1;
                    outcome
                        .log
                        .push(format!("{label}: {}", answer.attempts.join("; ")));
                    self.sort_hits(answer.hits, &mut seen, &mut outcome);
                }
                Err(e) => {
                    let line = match &e {
                        ResearchError::NoProvider { failures } => failures.clone(),
                        other => other.to_string(),
                    };
                    outcome.log.push(format!("{label}: {line}"));
                    if !failures.contains(&line) {
                        failures.push(line);
                    }
                }
            }
        }
        if outcome.answered == 0 && !queries.is_empty() {
            return Err(ResearchError::NoProvider {
                failures: failures.join(" | "),
            });
        }
        Ok(outcome)
    }

    /// Puts each new URL of `hits` in `hits`, `blocked` or `unfetchable`.
    fn sort_hits(
        &self,
        hits: Vec<SearchHit>,
        seen: &mut HashSet<String>,
        outcome: &mut SearchOutcome,
    ) {
        for hit in hits {
            if !seen.insert(hit.url.clone()) {
                continue;
            }
            match domains::check_fetchable(&hit.url, &self.blocked_domains) {
                Ok(_) => outcome.hits.push(hit),
                Err(ResearchError::Blocked { .. }) => outcome.blocked.push(hit.url),
                Err(e) => outcome.unfetchable.push(e.to_string()),
            }
        }
    }

    fn cached(&self, key: &str, query: &Query) -> Option<Vec<SearchHit>> {
        let cached = self
            .cache
            .as_ref()?
            .get::<Vec<SearchHit>>(key, self.ttl_secs)?;
        // The same text may be asked in another phase; the hits belong to this one.
        Some(
            cached
                .value
                .into_iter()
                .map(|h| SearchHit {
                    phase: query.phase,
                    ..h
                })
                .collect(),
        )
    }

    fn store(&self, key: &str, hits: &[SearchHit]) {
        if let Some(cache) = &self.cache
            && let Err(e) = cache.put(key, &hits)
        {
            tracing::warn!(error = %e, "search answer not cached");
        }
    }

    fn no_provider_configured(&self) -> ResearchError {
        let why = if self.skipped.is_empty() {
            "none configured".to_owned()
        } else {
            self.skipped.join("; ")
        };
        ResearchError::NoProvider { failures: why }
    }
}

/// What a failed attempt says in the log: the error without the provider prefix, which the
/// log line already carries.
fn reason(e: &ResearchError) -> String {
    match e {
        ResearchError::SearchTimeout { timeout_ms, .. } => {
            format!("timed out after {timeout_ms} ms")
        }
        ResearchError::Search { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 hit".to_owned()
    } else {
        format!("{n} hits")
    }
}
