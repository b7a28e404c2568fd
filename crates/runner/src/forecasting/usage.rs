//! The store rows of what one pipeline run paid for: the ledgers' growth over the run, per
//! provider, and the search requests the research stage sent.

use polybot_forecast::research::ResearchReport;
use polybot_forecast::{CostLedger, ForecastConfig};
use polybot_store::ApiUsage;
use rust_decimal::Decimal;

/// Usage rows for one run: forecasting calls (`forecast_ledger` before → after), extraction
/// calls (`research_ledger`), and search requests.
pub(super) fn rows(
    config: &ForecastConfig,
    market_id: &str,
    ts_ms: i64,
    forecast_ledger: (&CostLedger, &CostLedger),
    research_ledger: (&CostLedger, &CostLedger),
    research: Option<&ResearchReport>,
) -> Vec<ApiUsage> {
    let mut rows = growth(config, market_id, ts_ms, "forecast", forecast_ledger);
    rows.extend(growth(
        config,
        market_id,
        ts_ms,
        "extraction",
        research_ledger,
    ));
    if let Some(r) = research {
        rows.extend(
            r.search_requests
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(provider, n)| ApiUsage {
                    ts_ms,
                    provider: provider.clone(),
                    model: "search".into(),
                    purpose: "search".into(),
                    market_id: Some(market_id.to_owned()),
                    requests: *n,
                    prompt_tokens: 0,
                    completion_tokens: 0,
                    cost_usd: search_cost(config, provider, *n),
                }),
        );
    }
    rows
}

fn growth(
    config: &ForecastConfig,
    market_id: &str,
    ts_ms: i64,
    purpose: &str,
    (before, after): (&CostLedger, &CostLedger),
) -> Vec<ApiUsage> {
    after
        .providers
        .iter()
        .filter_map(|(name, now)| {
            let was = before.providers.get(name).cloned().unwrap_or_default();
            let requests = now.requests.saturating_sub(was.requests);
            (requests > 0).then(|| ApiUsage {
                ts_ms,
                provider: name.clone(),
                model: config
                    .providers
                    .iter()
                    .find(|p| &p.name == name)
                    .map_or_else(|| name.clone(), |p| p.model.clone()),
                purpose: purpose.to_owned(),
                market_id: Some(market_id.to_owned()),
                requests,
                prompt_tokens: now.prompt_tokens.saturating_sub(was.prompt_tokens),
                completion_tokens: now.completion_tokens.saturating_sub(was.completion_tokens),
                cost_usd: (now.usd - was.usd).normalize().to_string(),
            })
        })
        .collect()
}

/// Search requests priced by the provider's configured `usd_per_request`.
fn search_cost(config: &ForecastConfig, provider: &str, requests: u64) -> String {
    let price = config
        .research
        .search
        .iter()
        .find(|p| p.kind.as_str() == provider)
        .map_or(Decimal::ZERO, |p| p.usd_per_request);
    price
        .checked_mul(Decimal::from(requests))
        .unwrap_or(Decimal::MAX)
        .normalize()
        .to_string()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use polybot_forecast::research::config::{SearchKind, SearchProviderConfig};
    use polybot_forecast::{PriceTable, ProviderConfig, Usage};

    use super::*;

    #[test]
    fn rows_are_the_ledgers_growth_and_the_priced_search_requests() {
        let mut config = ForecastConfig {
            providers: vec![ProviderConfig {
                name: "gpt".into(),
                model: "gpt-4o".into(),
                ..ProviderConfig::default()
            }],
            ..ForecastConfig::default()
        };
        config.research.search = vec![SearchProviderConfig {
            usd_per_request: Decimal::new(8, 3),
            ..SearchProviderConfig::of(SearchKind::Tavily)
        }];
        let prices = PriceTable {
            input_usd_per_mtok: Decimal::new(250, 2),
            output_usd_per_mtok: Decimal::new(1000, 2),
        };
        let used = |prompt, completion| Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
        };
        let mut before = CostLedger::default();
        before.record("gpt", used(1_000, 100), &prices);
        let mut after = before.clone();
        after.record("gpt", used(2_000, 200), &prices);
        after.record("gpt", used(2_000, 200), &prices);
        let report = ResearchReport {
            search_requests: BTreeMap::from([("tavily".to_owned(), 5), ("serpapi".to_owned(), 0)]),
            ..research_report()
        };
        let rows = rows(
            &config,
            "0xm",
            7,
            (&before, &after),
            (&CostLedger::default(), &CostLedger::default()),
            Some(&report),
        );
        assert_eq!(rows.len(), 2);
        let gpt = &rows[0];
        assert_eq!(
            (
                gpt.provider.as_str(),
                gpt.model.as_str(),
                gpt.purpose.as_str()
            ),
            ("gpt", "gpt-4o", "forecast")
        );
        assert_eq!(
            (gpt.requests, gpt.prompt_tokens, gpt.completion_tokens),
            (2, 4_000, 400)
        );
        // 4,000 × $2.50/M + 400 × $10/M = $0.014
        assert_eq!(gpt.cost_usd, "0.014");
        let search = &rows[1];
        assert_eq!((search.provider.as_str(), search.requests), ("tavily", 5));
        assert_eq!(search.cost_usd, "0.04");
    }

    fn research_report() -> ResearchReport {
        serde_json::from_value(serde_json::json!({
            "market_id": "0xm", "question": "q", "category": "MACRO", "queries": [],
            "search_log": [], "hits": [], "blocked": [], "sources": [], "fetch_failures": [],
            "bullets": [], "contradictions": [],
            "quality": {"score": 0.0, "recency": 0.0, "authority": 0.0, "agreement": 0.0,
                        "numeric_density": 0.0, "contradiction_penalty": 0.0, "bullets": 0,
                        "distinct_domains": 0},
            "summary": "", "problems": [], "search_requests": {},
            "extraction_usage": {"prompt_tokens": 0, "completion_tokens": 0},
            "extraction_provider": null, "cost_usd": "0", "started_ms": 0, "finished_ms": 0
        }))
        .expect("a valid report")
    }
}
