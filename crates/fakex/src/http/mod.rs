//! The HTTP side: one axum router per service (CLOB + market WS, Gamma, Data API, RTDS), each on
//! its own listener because their paths collide (`/`, `/markets`, `/trades` mean different
//! things on each), plus the shared plumbing: query parsing that keeps repeated keys, JSON
//! errors that name the offending parameter, and the fault-injection middleware.

pub(crate) mod clob;
pub(crate) mod clob_markets;
pub(crate) mod data;
pub(crate) mod gamma;
pub(crate) mod rtds;
pub(crate) mod ws;

use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

use crate::Faults;
use crate::exchange::Exchange;
use crate::util::{derive_seed, parse_query};

/// An error answer: a status and a message, sent as `{"error": message}`. Kept small (not a
/// full `Response`) so handlers can return it through `?` cheaply.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

/// A handler's result: the response, or an early error exit.
pub(crate) type HttpResult = Result<Response, ApiError>;

/// A JSON error body `{"error": …}` with `status`.
pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        message: message.into(),
    }
}

pub(crate) fn bad_param(name: &str, value: &str) -> ApiError {
    error(
        StatusCode::BAD_REQUEST,
        format!("invalid {name}: {value:?}"),
    )
}

pub(crate) fn missing_param(name: &str) -> ApiError {
    error(StatusCode::BAD_REQUEST, format!("{name} is required"))
}

pub(crate) fn json_ok(value: Value) -> HttpResult {
    Ok(Json(value).into_response())
}

/// Query parameters in order, repeated keys kept.
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub fn new(raw: Option<&str>) -> Query {
        Query(parse_query(raw))
    }

    /// The first non-empty value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, with comma-separated lists split.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Parses `key`, answering 400 naming the parameter when it does not parse.
    pub fn parse<T: FromStr>(&self, key: &str) -> Result<Option<T>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| bad_param(key, v)),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(None),
            Some("true" | "1") => Ok(Some(true)),
            Some("false" | "0") => Ok(Some(false)),
            Some(other) => Err(bad_param(key, other)),
        }
    }

    /// A paging limit: default when absent, 400 when negative or not a number, capped at `max`.
    pub fn limit(&self, default: usize, max: usize) -> Result<usize, ApiError> {
        Ok(self
            .parse::<i64>("limit")?
            .map_or(default, |l| l.clamp(0, max as i64) as usize))
    }

    pub fn offset(&self) -> Result<usize, ApiError> {
        match self.parse::<i64>("offset")? {
            Some(o) if o < 0 => Err(bad_param("offset", &o.to_string())),
            Some(o) => Ok(o as usize),
            None => Ok(0),
        }
    }
}

/// What the fault middleware needs.
pub(crate) struct HttpCtx {
    pub exchange: Arc<Exchange>,
    pub faults: Faults,
    pub service: &'static str,
    rng: Mutex<StdRng>,
}

impl HttpCtx {
    pub fn new(
        exchange: Arc<Exchange>,
        faults: Faults,
        service: &'static str,
        seed: u64,
    ) -> Arc<HttpCtx> {
        let rng = Mutex::new(StdRng::seed_from_u64(derive_seed(seed, service)));
        Arc::new(HttpCtx {
            exchange,
            faults,
            service,
            rng,
        })
    }
}

/// Counts and logs every request, then applies the configured faults: added latency and a
/// random share of 429/500/502/503/425 answers (the venue's transient failures: rate limit,
/// server errors, Cloudflare, the matching engine's weekly restart).
pub(crate) async fn faults(State(ctx): State<Arc<HttpCtx>>, req: Request, next: Next) -> Response {
    ctx.exchange
        .counters
        .http_requests
        .fetch_add(1, Ordering::Relaxed);
    tracing::debug!(service = ctx.service, method = %req.method(), uri = %req.uri(), "fakex request");
    if req.uri().path().starts_with("/ws/") {
        return next.run(req).await;
    }
    if ctx.faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(ctx.faults.latency_ms)).await;
    }
    let injected = {
        let mut rng = ctx.rng.lock().unwrap_or_else(PoisonError::into_inner);
        (ctx.faults.http_error_rate > 0.0
            && rng.random_bool(ctx.faults.http_error_rate.clamp(0.0, 1.0)))
        .then(|| rng.random_range(0..5))
    };
    match injected {
        Some(kind) => injected_error(kind),
        None => next.run(req).await,
    }
}

fn injected_error(kind: u32) -> Response {
    match kind {
        0 => {
            let mut r = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"error": "Too Many Requests", "retry_after": 1})),
            )
                .into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            r
        }
        1 => error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
        2 => error(StatusCode::BAD_GATEWAY, "Bad Gateway").into_response(),
        3 => error(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response(),
        _ => error(
            StatusCode::TOO_EARLY,
            "Too Early: the matching engine is restarting",
        )
        .into_response(),
    }
}

/// Unknown paths: a JSON 404 naming the route, so a client bug is obvious in its logs.
pub(crate) async fn not_found(req: Request) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!("fakex does not serve {} {}", req.method(), req.uri().path()),
    )
    .into_response()
}
