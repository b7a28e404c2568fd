//! fakex's simulated AI services, on their own listener (base port + 4): an OpenAI-compatible
//! chat-completions endpoint, a Tavily-compatible search endpoint and a page server for the
//! research fetcher's mirror, so polybot's forecasting pipeline (research → LLM ensemble →
//! calibration → edge → risk → trade) runs end to end on loopback with its real clients.
//!
//! **Nothing here is a language model or a search engine.** Every answer is computed from the
//! simulator and says so:
//!
//! - `POST /v1/chat/completions` (the OpenAI wire format) answers two kinds of request, told
//!   apart by the JSON schema in `response_format` (or, failing that, the system prompt):
//!   - a *forecast* (`probability`, `confidence`, …): the market is found by the question in
//!     the prompt; the answer is the simulator's current fair value of the first outcome (the
//!     value fakex's skilled wallets trade on), moved by the market's *simulated news* (see
//!     below), plus a small deterministic noise per model name and question, so two "models"
//!     differ slightly. An unknown question gets 0.5 with LOW confidence;
//!   - an *evidence extraction* (`bullets`, `summary`, `contradictions`): one to three bullets
//!     per source, read from the sentences with numbers in the source texts of the prompt, each
//!     citing only that source's URL.
//! - `POST /search` (Tavily's protocol; any bearer key): a `site:<domain> …` query finds one
//!   or two pages on that domain about the market its terms match; any other query also finds
//!   a Wikipedia and a Reddit page, which polybot's blocked-domain filter must drop unfetched
//!   (the page server logs every request, so tests can check it never saw them).
//! - `GET /pages/{host}/{*path}`: a generated HTML page for any URL (the fetcher's
//!   `fetch_mirror` layout), with a recent `article:published_time`, sentences stating figures
//!   with units and dates, and a `<script>` and `<style>` the fetcher must strip. The content
//!   depends only on the URL, the catalog and the day.
//!
//! Simulated news: the simulator's fair value is pulled towards the book's mid, so a forecast
//! of the fair value alone is within a cent or two of the market and never clears a real
//! edge threshold. For half of the markets ([`NEWS_SHARE`]), chosen deterministically
//! from the seed, the simulated model therefore also "knows" a piece of simulated news that the
//! market has not priced: a fixed shift of the fair value's log-odds ([`NEWS_SHIFT`]), which
//! the market's research pages report too. fakex never resolves a market on it: it makes the
//! pipeline's trading decisions visible, it is not skill.

mod chat;
mod evidence;
mod forecast;
mod index;
mod pages;
mod search;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use polybot_model::ConditionId;
use serde_json::{Value, json};

use crate::exchange::Exchange;
use crate::util::{derive_seed, fnv64, mix};
use index::MarketIndex;

/// Share of markets with simulated news (see the module docs).
pub const NEWS_SHARE: f64 = 0.5;
/// The news' shift of the fair value's log-odds: its size is drawn uniformly in this range,
/// its sign at random. At a price of 0.5 this is 23 to 38 points. polybot's pipeline is
/// conservative before it has a track record (calibration pulls towards 0.5, and the market
/// keeps 70% of the weight in the combination), so smaller news would seldom be traded; with
/// these, most news markets priced away from 0 and 1 clear the default 4-point minimum edge,
/// while quiet markets, and markets near 0 or 1, are skipped as too thin.
pub const NEWS_SHIFT: (f64, f64) = (1.0, 2.0);
/// Each model's noise: uniform in ± this many probability points.
pub const MODEL_NOISE: f64 = 0.02;
/// Forecasts are clamped into this range (no simulated model is ever certain).
pub const PROBABILITY_RANGE: (f64, f64) = (0.02, 0.98);

/// What the AI listener has answered, for tests and the demo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AiStats {
    /// Forecast requests answered (unknown questions included).
    pub forecasts: u64,
    /// Evidence extractions answered.
    pub extractions: u64,
    /// Search requests answered.
    pub searches: u64,
    /// Every page requested from the page server, as `host/path`, in order.
    pub pages: Vec<String>,
}

/// The AI listener's shared state.
pub(crate) struct Ai {
    exchange: Arc<Exchange>,
    seed: u64,
    index: MarketIndex,
    forecasts: AtomicU64,
    extractions: AtomicU64,
    searches: AtomicU64,
    next_id: AtomicU64,
    pages: Mutex<Vec<String>>,
}

impl Ai {
    pub(crate) fn new(exchange: Arc<Exchange>) -> Arc<Ai> {
        let index = MarketIndex::build(&exchange);
        Arc::new(Ai {
            seed: exchange.seed,
            exchange,
            index,
            forecasts: AtomicU64::new(0),
            extractions: AtomicU64::new(0),
            searches: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
            pages: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn stats(&self) -> AiStats {
        AiStats {
            forecasts: self.forecasts.load(Ordering::Relaxed),
            extractions: self.extractions.load(Ordering::Relaxed),
            searches: self.searches.load(Ordering::Relaxed),
            pages: self
                .pages
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }

    fn log_page(&self, page: String) {
        self.pages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(page);
    }

    /// A fresh number for response ids.
    fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The simulated news of a market: a log-odds shift, 0 for most markets.
    fn news_shift(&self, cid: &str) -> f64 {
        news_shift(self.seed, cid)
    }
}

/// The simulated news of the market with condition id `cid` (as written on the wire) under
/// `seed`: a log-odds shift of the fair value, 0 for half the markets.
#[must_use]
pub fn news_shift(seed: u64, cid: &str) -> f64 {
    let key = derive_seed(seed, "ai-news") ^ fnv64(cid.as_bytes());
    if unit(mix(key)) >= NEWS_SHARE {
        return 0.0;
    }
    let size = NEWS_SHIFT.0 + (NEWS_SHIFT.1 - NEWS_SHIFT.0) * unit(mix(key ^ 1));
    if mix(key ^ 2) & 1 == 0 { size } else { -size }
}

impl Exchange {
    /// The simulator's current fair value of a market's first outcome (what its skilled wallets
    /// trade on, and what fakex's simulated AI forecasts from): `None` for an unknown market;
    /// the recorded price for a market without a book; 1 or 0 once resolved.
    #[must_use]
    pub fn fair_value(&self, condition: ConditionId) -> Option<f64> {
        let st = self.lock();
        let mi = *st.cat.by_condition.get(&condition)?;
        let m = &st.cat.markets[mi];
        if let Some(winner) = m.resolved {
            return Some(if winner == 0 { 1.0 } else { 0.0 });
        }
        let booked = m.tokens.first().is_some_and(|t| st.books.contains_key(t));
        match st.fair.get(mi) {
            Some(&f) if booked => Some(sigmoid(f)),
            _ => Some(m.quote.price.unwrap_or(0.5).clamp(0.0, 1.0)),
        }
    }
}

/// The AI router: chat completions, search and pages.
pub(crate) fn routes() -> Router<Arc<Ai>> {
    Router::new()
        .route("/v1/chat/completions", post(chat::completions))
        .route("/search", post(search::search))
        .route("/pages/{host}/{*path}", get(pages::page))
}

/// A uniform number in [0, 1) from 64 random bits.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-4, 1.0 - 1e-4);
    (p / (1.0 - p)).ln()
}

/// A JSON body, or the 400 answer naming what is wrong with it (never a panic: the body is
/// whatever a client sent).
fn parse_body(body: &[u8]) -> Result<Value, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(other) => Err(format!(
            "the request body must be a JSON object, got {}",
            kind_of(&other)
        )),
        Err(e) => Err(format!("the request body is not valid JSON: {e}")),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The bearer token of `headers`, if it carries a non-empty one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

/// An error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
fn openai_error(status: StatusCode, kind: &str, message: impl Into<String>) -> Response {
    let body =
        json!({"error": {"message": message.into(), "type": kind, "param": null, "code": null}});
    (status, axum::Json(body)).into_response()
}

/// Today's date (UTC) minus `days`, as `YYYY-MM-DD`: pages and search results are "recent"
/// whatever day the demo runs.
fn days_ago(days: i64) -> String {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_is_deterministic_and_covers_about_half_the_markets() {
        let shifts: Vec<f64> = (0..3_000)
            .map(|i| news_shift(7, &format!("0x{i:064x}")))
            .collect();
        let with_news = shifts.iter().filter(|s| **s != 0.0).count();
        assert!((1_350..1_650).contains(&with_news), "{with_news}");
        assert!(
            shifts
                .iter()
                .all(|s| *s == 0.0 || (NEWS_SHIFT.0..=NEWS_SHIFT.1).contains(&s.abs()))
        );
        assert!(shifts.iter().any(|s| *s > 0.0) && shifts.iter().any(|s| *s < 0.0));
        assert_eq!(news_shift(7, "0xabc"), news_shift(7, "0xabc"));
    }

    #[test]
    fn bodies_that_are_not_objects_are_refused_with_a_reason() {
        assert!(parse_body(b"{\"a\":1}").is_ok());
        assert!(parse_body(b"[1]").unwrap_err().contains("an array"));
        assert!(parse_body(b"{oops").unwrap_err().contains("not valid JSON"));
        assert!(parse_body(b"").is_err());
    }
}
