//! Tavily: `POST {base}/search` with a JSON body, the key as a bearer token (the current API;
//! the older one put `api_key` in the body).

use futures::future::BoxFuture;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::json;

use super::{Endpoint, HitFields, SearchProvider};
use crate::research::error::ResearchError;
use crate::research::{Query, SearchHit};

/// Tavily caps `max_results` at 20.
const MAX_RESULTS: usize = 20;

const FIELDS: HitFields = HitFields {
    url: "url",
    title: "title",
    snippet: "content",
    published: "published_date",
};

#[derive(Debug)]
pub struct Tavily {
    endpoint: Endpoint,
}

impl Tavily {
    #[must_use]
    pub fn new(endpoint: Endpoint) -> Self {
        Tavily { endpoint }
    }

    async fn run(&self, query: &Query, max: usize) -> Result<Vec<SearchHit>, ResearchError> {
        let e = &self.endpoint;
        let max = max.clamp(1, MAX_RESULTS);
        // Only the ranked links are wanted: no generated answer, no raw pages (fetched here,
        // under our own limits), no images.
        let body = json!({
            "query": query.text,
            "max_results": max,
            "search_depth": "basic",
            "topic": "general",
            "include_answer": false,
            "include_raw_content": false,
            "include_images": false,
        });
        let bytes = serde_json::to_vec(&body).map_err(|err| e.error(err.to_string()))?;
        let request = e
            .client
            .post(e.url("/search", &[])?)
            .header(AUTHORIZATION, e.key_header("Bearer ")?)
            .header(CONTENT_TYPE, "application/json")
            .body(bytes);
        let answer = e.send(request).await?;
        let items = e.array(&answer, "results")?;
        e.hits(query, items, "results", FIELDS, max)
    }
}

impl SearchProvider for Tavily {
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
