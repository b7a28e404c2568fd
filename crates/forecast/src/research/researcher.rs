//! The research stage end to end: queries → search chain (blocked domains dropped) → the most
//! authoritative hits fetched (cached) → evidence extracted → graded. It never fails: a stage
//! that cannot run leaves a line in `problems` and the rest runs on what there is, so the
//! forecast is made (and the risk gate judges the evidence quality it ends with).

use std::path::Path;
use std::sync::Arc;

use polybot_scanner::Category;

use super::cache::ResearchCache;
use super::config::ResearchConfig;
use super::error::ResearchError;
use super::evidence::{EvidenceExtractor, Extraction, extract_offline};
use super::fetch::SourceFetcher;
use super::quality::evidence_quality;
use super::queries::build_queries;
use super::search::chain::{SearchChain, SearchOutcome};
use super::{Contradiction, ResearchReport, SearchHit, domains};
use crate::config::ForecastConfig;
use crate::cost::PriceTable;
use crate::forecaster::SharedLedger;
use crate::pipeline::MarketSnapshot;
use crate::providers::build_provider;

/// Searches, fetches, extracts and grades evidence for one market.
pub struct Researcher {
    chain: SearchChain,
    fetcher: SourceFetcher,
    /// `None`: no LLM is configured, evidence is extracted offline (numbers and dates found in
    /// the text), and the report says so.
    extractor: Option<EvidenceExtractor>,
    config: ResearchConfig,
}

impl Researcher {
    /// From `[forecast.research]` (call `validate` and `apply_secret_env` first). The cache lives
    /// in `cache_dir`, or `<data_dir>/cache/research`; extraction uses `extraction_provider`, or
    /// the first usable `[[forecast.providers]]` entry; extraction tokens go to `ledger`.
    pub fn from_config(
        forecast: &ForecastConfig,
        data_dir: &Path,
        ledger: &SharedLedger,
    ) -> Result<Researcher, ResearchError> {
        let cfg = &forecast.research;
        let cache = Arc::new(ResearchCache::for_config(cfg, data_dir)?);
        let chain = SearchChain::from_config(cfg, Some(Arc::clone(&cache)));
        let fetcher = SourceFetcher::new(cfg)?.with_cache(cache);
        let wanted = cfg.extraction_provider.trim();
        let extractor = forecast
            .providers
            .iter()
            .filter(|p| p.is_usable())
            .find(|p| wanted.is_empty() || p.name == wanted)
            .map(|p| {
                let provider = build_provider(p).map_err(|e| ResearchError::Extraction {
                    provider: p.name.clone(),
                    reason: e.to_string(),
                })?;
                let prices = PriceTable {
                    input_usd_per_mtok: p.input_usd_per_mtok,
                    output_usd_per_mtok: p.output_usd_per_mtok,
                };
                Ok::<_, ResearchError>(EvidenceExtractor::new(
                    provider,
                    prices,
                    Arc::clone(ledger),
                    cfg,
                ))
            })
            .transpose()?;
        Ok(Researcher::new(chain, fetcher, extractor, cfg.clone()))
    }

    /// From parts (tests, or a caller with its own providers).
    #[must_use]
    pub fn new(
        chain: SearchChain,
        fetcher: SourceFetcher,
        extractor: Option<EvidenceExtractor>,
        config: ResearchConfig,
    ) -> Researcher {
        Researcher {
            chain,
            fetcher,
            extractor,
            config,
        }
    }

    /// The search providers that will be asked, in order, and those left out (and why).
    #[must_use]
    pub fn search_providers(&self) -> (Vec<&str>, &[String]) {
        (self.chain.provider_names(), self.chain.skipped())
    }

    /// Researches `market`. See the module documentation.
    pub async fn research(&self, market: &MarketSnapshot, now_ms: i64) -> ResearchReport {
        let clock = std::time::Instant::now();
        let mut problems = Vec::new();
        let end_date = market
            .end_ms
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|d| d.date_naive());
        let queries = build_queries(
            &market.question,
            &market.description,
            market.category,
            end_date,
            &self.config,
        );
        if queries.is_empty() {
            problems.push(match market.category {
                Category::Unknown => "market type UNKNOWN: not researched".to_owned(),
                _ => "the question has no searchable terms".to_owned(),
            });
        }
        let requests_before = self.chain.requests_sent();
        let found = self.search(&queries, &mut problems).await;
        let selected = select(&found.hits, self.config.max_sources);
        let fetched = self.fetcher.fetch_all(&selected).await;
        let extraction = self
            .extract(&market.question, &fetched.sources, &mut problems)
            .await;
        let (quality, contradictions) =
            evidence_quality(&extraction.bullets, &fetched.sources, now_ms, &self.config);
        let mut blocked = found.blocked;
        blocked.extend(fetched.blocked);
        let mut fetch_failures = found.unfetchable;
        fetch_failures.extend(fetched.failures);
        let requests_after = self.chain.requests_sent();
        let search_requests = requests_after
            .into_iter()
            .map(|(provider, n)| {
                let before = requests_before.get(&provider).copied().unwrap_or(0);
                (provider, n.saturating_sub(before))
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        let offline = extraction.attempts == 0 && self.extractor.is_none();
        ResearchReport {
            market_id: market.market_id.clone(),
            question: market.question.clone(),
            category: market.category.as_str().to_owned(),
            queries,
            search_log: found.log,
            hits: found.hits,
            blocked,
            sources: fetched.sources,
            fetch_failures,
            bullets: extraction.bullets,
            contradictions: merge(contradictions, extraction.contradictions),
            quality,
            summary: extraction.summary,
            problems,
            search_requests,
            extraction_usage: extraction.usage,
            extraction_provider: (!offline).then_some(extraction.provider),
            cost_usd: extraction.cost_usd,
            started_ms: now_ms,
            finished_ms: now_ms
                .saturating_add(i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX)),
        }
    }

    async fn search(&self, queries: &[super::Query], problems: &mut Vec<String>) -> SearchOutcome {
        if queries.is_empty() {
            return SearchOutcome::default();
        }
        match self.chain.run(queries).await {
            Ok(found) => found,
            Err(e) => {
                problems.push(format!("search: {e}"));
                SearchOutcome::default()
            }
        }
    }

    /// The LLM's extraction; offline extraction without an LLM, or when the LLM's fails.
    async fn extract(
        &self,
        question: &str,
        sources: &[super::Source],
        problems: &mut Vec<String>,
    ) -> Extraction {
        let max = self.config.max_bullets;
        let Some(extractor) = &self.extractor else {
            return extract_offline(sources, max);
        };
        match extractor.extract(question, sources).await {
            Ok(extraction) => {
                if extraction.dropped > 0 {
                    problems.push(format!(
                        "{} bullet(s) cited a URL that was not fetched and were dropped",
                        extraction.dropped
                    ));
                }
                extraction
            }
            Err(e) => {
                problems.push(format!("{e}; evidence extracted offline instead"));
                extract_offline(sources, max)
            }
        }
    }
}

/// The `max` hits to fetch: the most authoritative domains first, then in the order found
/// (phase order, so primary sources before news before the open web).
fn select(hits: &[SearchHit], max: usize) -> Vec<SearchHit> {
    let mut ranked: Vec<(f64, usize, &SearchHit)> = hits
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let authority =
                domains::domain_of(&h.url).map_or(0.0, |d| domains::authority_score(&d));
            (authority, i, h)
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked
        .into_iter()
        .take(max)
        .map(|(_, _, h)| h.clone())
        .collect()
}

/// The graded contradictions, then those only the extractor noticed (in its words).
fn merge(graded: Vec<Contradiction>, noticed: Vec<String>) -> Vec<Contradiction> {
    let mut all = graded;
    all.extend(noticed.into_iter().map(|text| Contradiction {
        metric: "noticed by the extractor".to_owned(),
        first: text,
        second: String::new(),
        relative_gap: None,
    }));
    all
}
