//! Bing Web Search API v7: `GET {base}/v7.0/search?q=..&count=..`, key in
//! `Ocp-Apim-Subscription-Key`.
//!
//! Microsoft retired the public Bing Search APIs on 2025-08-11, so this provider is useful only
//! against a compatible endpoint (a self-hosted or third-party service speaking the same
//! protocol); it is last in the default chain.

use futures::future::BoxFuture;
use reqwest::header::ACCEPT;
use serde_json::Value;

use super::{Endpoint, HitFields, SearchProvider};
use crate::research::error::ResearchError;
use crate::research::{Query, SearchHit};

/// Bing caps `count` at 50.
const MAX_RESULTS: usize = 50;

const FIELDS: HitFields = HitFields {
    url: "url",
    title: "name",
    snippet: "snippet",
    published: "datePublished",
};

#[derive(Debug)]
pub struct Bing {
    endpoint: Endpoint,
}

impl Bing {
    #[must_use]
    pub fn new(endpoint: Endpoint) -> Self {
        Bing { endpoint }
    }

    async fn run(&self, query: &Query, max: usize) -> Result<Vec<SearchHit>, ResearchError> {
        let e = &self.endpoint;
        let max = max.clamp(1, MAX_RESULTS);
        let count = max.to_string();
        let url = e.url(
            "/v7.0/search",
            &[
                ("q", query.text.as_str()),
                ("count", &count),
                ("responseFilter", "Webpages"),
                ("textDecorations", "false"),
                ("textFormat", "Raw"),
            ],
        )?;
        let request = e
            .client
            .get(url)
            .header("ocp-apim-subscription-key", e.key_header("")?)
            .header(ACCEPT, "application/json");
        let answer = e.send(request).await?;
        // Without results Bing leaves `webPages` out of an otherwise normal answer.
        let is_answer = answer.get("_type").and_then(Value::as_str) == Some("SearchResponse");
        if answer.get("webPages").is_none() && is_answer {
            return Ok(Vec::new());
        }
        let items = e.array(&answer, "webPages.value")?;
        e.hits(query, items, "webPages.value", FIELDS, max)
    }
}

impl SearchProvider for Bing {
    fn name(&self) -> &str {
        self.endpoint.provider
    }

    fn search<'a>(
        &'a self,
        query: &'a Query,
        max_results: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, ResearchError>> {
        Box::pin(self.run(query, max_results))
    }
}
