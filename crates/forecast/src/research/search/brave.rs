//! Brave Search web API: `GET {base}/res/v1/web/search?q=..&count=..`, key in
//! `X-Subscription-Token`.

use futures::future::BoxFuture;
use reqwest::header::ACCEPT;
use serde_json::Value;

use super::{Endpoint, HitFields, SearchProvider};
use crate::research::error::ResearchError;
use crate::research::{Query, SearchHit};

/// Brave caps `count` at 20.
const MAX_RESULTS: usize = 20;

const FIELDS: HitFields = HitFields {
    url: "url",
    title: "title",
    snippet: "description",
    published: "page_age",
};

#[derive(Debug)]
pub struct Brave {
    endpoint: Endpoint,
}

impl Brave {
    #[must_use]
    pub fn new(endpoint: Endpoint) -> Self {
        Brave { endpoint }
    }

    async fn run(&self, query: &Query, max: usize) -> Result<Vec<SearchHit>, ResearchError> {
        let e = &self.endpoint;
        let max = max.clamp(1, MAX_RESULTS);
        let count = max.to_string();
        // Plain-text descriptions (no <strong> markup) and only the web results.
        let url = e.url(
            "/res/v1/web/search",
            &[
                ("q", query.text.as_str()),
                ("count", &count),
                ("result_filter", "web"),
                ("text_decorations", "false"),
            ],
        )?;
        let request = e
            .client
            .get(url)
            .header("x-subscription-token", e.key_header("")?)
            .header(ACCEPT, "application/json");
        let answer = e.send(request).await?;
        // Without results Brave leaves `web` out of an otherwise normal answer.
        let is_answer = answer.get("type").and_then(Value::as_str) == Some("search");
        if answer.get("web").is_none() && is_answer {
            return Ok(Vec::new());
        }
        let items = e.array(&answer, "web.results")?;
        e.hits(query, items, "web.results", FIELDS, max)
    }
}

impl SearchProvider for Brave {
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
