//! SerpAPI's Google engine: `GET {base}/search.json?engine=google&q=..&num=..&api_key=..`.
//!
//! The key travels in the query string, so no URL of this provider is ever reported with its
//! query (reqwest errors are stripped of their URL; see [`super::Endpoint`]).

use futures::future::BoxFuture;
use serde_json::Value;

use super::{Endpoint, HitFields, SearchProvider};
use crate::research::error::ResearchError;
use crate::research::{Query, SearchHit};

/// Google returns at most 100 results per page.
const MAX_RESULTS: usize = 100;

const FIELDS: HitFields = HitFields {
    url: "link",
    title: "title",
    snippet: "snippet",
    published: "date",
};

#[derive(Debug)]
pub struct SerpApi {
    endpoint: Endpoint,
}

impl SerpApi {
    #[must_use]
    pub fn new(endpoint: Endpoint) -> Self {
        SerpApi { endpoint }
    }

    async fn run(&self, query: &Query, max: usize) -> Result<Vec<SearchHit>, ResearchError> {
        use secrecy::ExposeSecret as _;
        let e = &self.endpoint;
        let max = max.clamp(1, MAX_RESULTS);
        let num = max.to_string();
        let url = e.url(
            "/search.json",
            &[
                ("engine", "google"),
                ("q", &query.text),
                ("num", &num),
                ("api_key", e.key.expose_secret()),
            ],
        )?;
        let answer = e.send(e.client.get(url)).await?;
        if let Some(message) = answer.get("error").and_then(Value::as_str) {
            // Google finding nothing is an answer, not a failure: the next provider would
            // find nothing too and cost a credit.
            if message.contains("hasn't returned any results") {
                return Ok(Vec::new());
            }
            return Err(e.error(e.quote(message, 300)));
        }
        if answer.get("organic_results").is_none() && fully_empty(&answer) {
            return Ok(Vec::new());
        }
        let items = e.array(&answer, "organic_results")?;
        e.hits(query, items, "organic_results", FIELDS, max)
    }
}

/// SerpAPI omits `organic_results` when Google had none, saying so here.
fn fully_empty(answer: &Value) -> bool {
    answer
        .get("search_information")
        .and_then(|s| s.get("organic_results_state"))
        .and_then(Value::as_str)
        == Some("Fully empty")
}

impl SearchProvider for SerpApi {
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
