//! `POST /search` in Tavily's protocol: `{"query", "max_results", …}` with the key as a bearer
//! token (or, as Tavily's older API, `api_key` in the body) in; `{"query", "results": [{"url",
//! "title", "content", "score", "published_date"}], …}` out.
//!
//! A `site:<domain> <terms>` query finds one or two pages on that domain about the market the
//! terms match best. Any other query also finds a Wikipedia article and a Reddit thread — a
//! real engine does not always honour `-site:` exclusions, and polybot must drop those hits
//! before fetching anything — and a page on an unknown publisher.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::index::Entry;
use super::{Ai, bearer, days_ago, parse_body};
use crate::util::{fnv64, hex_digest, mix};

/// Tavily's own cap on `max_results`.
const MAX_RESULTS: u64 = 20;

pub(super) async fn search(State(ai): State<Arc<Ai>>, headers: HeaderMap, body: Bytes) -> Response {
    let request = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return detail(StatusCode::BAD_REQUEST, &e),
    };
    let body_key = request.get("api_key").and_then(Value::as_str);
    if bearer(&headers).is_none() && body_key.is_none_or(|k| k.trim().is_empty()) {
        return detail(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: missing or invalid API key.",
        );
    }
    let query = match request.get("query") {
        Some(Value::String(q)) if !q.trim().is_empty() => q.trim().to_owned(),
        _ => {
            return detail(
                StatusCode::BAD_REQUEST,
                "`query` must be a non-empty string",
            );
        }
    };
    let max = match request.get("max_results") {
        None | Some(Value::Null) => 5,
        Some(v) => match v.as_u64() {
            Some(n) => n.clamp(1, MAX_RESULTS),
            None => {
                return detail(
                    StatusCode::BAD_REQUEST,
                    "`max_results` must be a non-negative integer",
                );
            }
        },
    };
    ai.searches.fetch_add(1, Ordering::Relaxed);
    let mut results = results(&ai, &query);
    results.truncate(usize::try_from(max).unwrap_or(usize::MAX));
    let id = hex_digest(fnv64(query.as_bytes()) ^ ai.next_id(), 16);
    Json(json!({
        "query": query,
        "follow_up_questions": null,
        "answer": null,
        "images": [],
        "results": results,
        "response_time": 0.01,
        "request_id": id
    }))
    .into_response()
}

/// Tavily's error shape.
fn detail(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"detail": {"error": message}}))).into_response()
}

/// The query's site restriction (if it starts with `site:`) and its plain terms (exclusions
/// and other operators dropped).
fn parse_query(query: &str) -> (Option<String>, Vec<String>) {
    let mut site = None;
    let mut terms = Vec::new();
    for word in query.split_whitespace() {
        if let Some(d) = word.strip_prefix("site:") {
            if site.is_none() && !d.is_empty() {
                site = Some(d.trim_matches('/').to_ascii_lowercase());
            }
        } else if !word.starts_with('-') && !word.contains(':') {
            terms.push(word.to_owned());
        }
    }
    (site, terms)
}

/// What a query is about: the market it matches (if any), a URL slug and a subject line.
struct Topic<'a> {
    entry: Option<&'a Entry>,
    slug: String,
    subject: String,
    /// The query's hash: varies the hits between queries.
    key: u64,
}

/// The hits for `query`, best first.
fn results(ai: &Ai, query: &str) -> Vec<Value> {
    let (site, terms) = parse_query(query);
    let entry = ai.index.by_terms(&terms);
    let key = fnv64(query.as_bytes());
    let (slug, subject) = match entry {
        Some(e) => (e.slug.clone(), e.question.clone()),
        None => (format!("search-{}", hex_digest(key, 6)), terms.join(" ")),
    };
    let topic = Topic {
        entry,
        slug,
        subject,
        key,
    };
    match site {
        Some(domain) => site_hits(&topic, &domain),
        None => open_web_hits(&topic),
    }
}

/// One or two pages on `domain`.
fn site_hits(t: &Topic<'_>, domain: &str) -> Vec<Value> {
    let (host, slug, subject) = (host_of(domain), &t.slug, &t.subject);
    let mut hits = vec![hit(
        format!("https://{host}/fakex/{slug}.html"),
        format!("{domain}: {subject}"),
        snippet(t.entry, subject),
        0.92,
        1,
    )];
    if mix(t.key).is_multiple_of(2) {
        hits.push(hit(
            format!("https://{host}/fakex/{slug}-data.html"),
            format!("{domain}: data behind {subject}"),
            snippet(t.entry, subject),
            0.81,
            2,
        ));
    }
    hits
}

/// A Wikipedia article and a Reddit thread (ranked first, as engines often rank them), then a
/// page on an unknown publisher.
fn open_web_hits(t: &Topic<'_>) -> Vec<Value> {
    let (slug, subject) = (&t.slug, &t.subject);
    vec![
        hit(
            format!(
                "https://en.wikipedia.org/wiki/{}",
                url_safe(&subject.replace(' ', "_"))
            ),
            format!("{subject} - Wikipedia"),
            "An encyclopedia article anyone can edit (simulated by fakex).".to_owned(),
            0.95,
            3,
        ),
        hit(
            format!(
                "https://www.reddit.com/r/polymarket/comments/{}/{slug}/",
                hex_digest(t.key, 3)
            ),
            format!("r/polymarket: {subject}"),
            "A forum thread arguing about the question (simulated by fakex).".to_owned(),
            0.9,
            1,
        ),
        hit(
            format!("https://research.fakex.example/{slug}.html"),
            format!("fakex research: {subject}"),
            snippet(t.entry, subject),
            0.7,
            2,
        ),
    ]
}

fn hit(url: String, title: String, content: String, score: f64, days: i64) -> Value {
    json!({
        "url": url,
        "title": title,
        "content": content,
        "score": score,
        "published_date": days_ago(days),
        "raw_content": null
    })
}

fn snippet(entry: Option<&Entry>, subject: &str) -> String {
    match entry {
        Some(_) => format!("Simulated figures (fakex) on: {subject}"),
        None => format!("A simulated page (fakex) about {subject}"),
    }
}

/// `www.` + a registrable domain (`bls.gov` → `www.bls.gov`); a subdomain stays as given.
fn host_of(domain: &str) -> String {
    if domain.matches('.').count() == 1 {
        format!("www.{domain}")
    } else {
        domain.to_owned()
    }
}

/// Keeps what a URL path can carry unescaped; everything else becomes `_`.
fn url_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_split_into_site_and_terms() {
        let (site, terms) = parse_query("site:bls.gov CPI YoY 3% January 2026");
        assert_eq!(site.as_deref(), Some("bls.gov"));
        assert_eq!(terms, ["CPI", "YoY", "3%", "January", "2026"]);
        let (site, terms) = parse_query("CPI YoY -site:wikipedia.org -site:reddit.com");
        assert_eq!(site, None);
        assert_eq!(terms, ["CPI", "YoY"]);
        assert_eq!(host_of("bls.gov"), "www.bls.gov");
        assert_eq!(host_of("nhc.noaa.gov"), "nhc.noaa.gov");
        assert_eq!(url_safe("Will X (win)?"), "Will_X__win__");
    }
}
