//! Local fakes for research: the four search APIs speaking their real protocols (and checking
//! the key arrives where each service expects it), and a "web" that serves pages by
//! `/{host}{path}` as a `fetch_mirror` would, recording every path requested.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query as QueryParams, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use polybot_forecast::research::cache::ResearchCache;
use polybot_forecast::research::config::{SearchKind, SearchProviderConfig};
use polybot_forecast::research::{Phase, Query, ResearchError};
use secrecy::SecretString;
use serde_json::{Value, json};

/// The key every search fake expects.
pub const SEARCH_KEY: &str = "srch-test-KEY-5b1e9c";

/// How a search fake answers.
#[derive(Clone, Default)]
pub struct SearchBehaviour {
    /// Result URLs, in rank order (cut to the requested count).
    pub urls: Vec<String>,
    pub delay: Duration,
    /// Non-200 status to answer with instead.
    pub status: Option<u16>,
    /// A body sent verbatim (status 200) instead of the generated answer.
    pub raw: Option<String>,
}

impl SearchBehaviour {
    pub fn hits(urls: &[&str]) -> Self {
        SearchBehaviour {
            urls: urls.iter().map(|u| (*u).to_owned()).collect(),
            ..SearchBehaviour::default()
        }
    }
    pub fn slow(delay: Duration) -> Self {
        SearchBehaviour {
            delay,
            ..SearchBehaviour::hits(&["https://www.bls.gov/slow"])
        }
    }
    pub fn failing(status: u16) -> Self {
        SearchBehaviour {
            status: Some(status),
            ..SearchBehaviour::default()
        }
    }
    pub fn raw(body: &str) -> Self {
        SearchBehaviour {
            raw: Some(body.to_owned()),
            ..SearchBehaviour::default()
        }
    }
}

/// One request a fake received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    /// Lower-case name → value.
    pub headers: HashMap<String, String>,
    pub body: Value,
}

#[derive(Clone)]
struct SearchState {
    kind: SearchKind,
    behaviour: SearchBehaviour,
    seen: Arc<Mutex<Vec<Received>>>,
}

pub struct SearchFake {
    pub base_url: String,
    seen: Arc<Mutex<Vec<Received>>>,
}

impl SearchFake {
    pub fn requests(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }
}

/// Starts a fake of `kind` on an ephemeral port.
pub async fn spawn_search(kind: SearchKind, behaviour: SearchBehaviour) -> SearchFake {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let state = SearchState {
        kind,
        behaviour,
        seen: Arc::clone(&seen),
    };
    let app = Router::new().fallback(search).with_state(state);
    SearchFake {
        base_url: serve(app).await,
        seen,
    }
}

/// A chain entry of `kind` pointed at `fake` and keyed with [`SEARCH_KEY`].
pub fn search_cfg(kind: SearchKind, fake: &SearchFake, timeout_ms: u64) -> SearchProviderConfig {
    SearchProviderConfig {
        base_url: fake.base_url.clone(),
        timeout_ms,
        api_key: Some(SecretString::from(SEARCH_KEY)),
        ..SearchProviderConfig::of(kind)
    }
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    base_url
}

async fn search(
    State(s): State<SearchState>,
    method: Method,
    uri: Uri,
    QueryParams(query): QueryParams<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let received = Received {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query,
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    s.seen.lock().unwrap().push(received.clone());
    tokio::time::sleep(s.behaviour.delay).await;
    let (route_ok, key_ok) = check_request(s.kind, &received);
    if !route_ok {
        return (StatusCode::NOT_FOUND, "no such endpoint").into_response();
    }
    if !key_ok {
        return (StatusCode::UNAUTHORIZED, unauthorized(s.kind)).into_response();
    }
    if let Some(code) = s.behaviour.status {
        // Some services echo the request back in errors; the client must scrub its key.
        let body = json!({"error": format!("internal error serving {}", uri)});
        return (StatusCode::from_u16(code).unwrap(), body.to_string()).into_response();
    }
    if let Some(raw) = &s.behaviour.raw {
        return ([(header::CONTENT_TYPE, "application/json")], raw.clone()).into_response();
    }
    let answer = answer(s.kind, &received, &s.behaviour.urls);
    axum::Json(answer).into_response()
}

/// Whether the method and path are the service's, and whether the key is where it belongs.
fn check_request(kind: SearchKind, r: &Received) -> (bool, bool) {
    let header = |name: &str| r.headers.get(name).map(String::as_str);
    match kind {
        SearchKind::Tavily => (
            r.method == "POST" && r.path == "/search",
            header("authorization") == Some(&format!("Bearer {SEARCH_KEY}")),
        ),
        SearchKind::Serpapi => (
            r.method == "GET"
                && r.path == "/search.json"
                && r.query.get("engine").map(String::as_str) == Some("google"),
            r.query.get("api_key").map(String::as_str) == Some(SEARCH_KEY),
        ),
        SearchKind::Bing => (
            r.method == "GET" && r.path == "/v7.0/search",
            header("ocp-apim-subscription-key") == Some(SEARCH_KEY),
        ),
        SearchKind::Brave => (
            r.method == "GET" && r.path == "/res/v1/web/search",
            header("x-subscription-token") == Some(SEARCH_KEY),
        ),
    }
}

fn unauthorized(kind: SearchKind) -> String {
    match kind {
        SearchKind::Tavily => json!({"detail": {"error": "Unauthorized: missing or invalid API key."}}),
        SearchKind::Serpapi => json!({"error": "Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key"}),
        SearchKind::Bing => json!({"error": {"code": "401", "message": "Access denied due to invalid subscription key or wrong API endpoint."}}),
        SearchKind::Brave => json!({"type": "ErrorResponse", "error": {"code": "SUBSCRIPTION_TOKEN_INVALID", "detail": "The provided subscription token is invalid.", "status": 401}}),
    }
    .to_string()
}

/// The service's answer listing `urls`, cut to the count the request asked for.
fn answer(kind: SearchKind, r: &Received, urls: &[String]) -> Value {
    let asked = |v: Option<&str>| v.and_then(|n| n.parse::<usize>().ok()).unwrap_or(10);
    let q = |name: &str| r.query.get(name).map(String::as_str);
    match kind {
        SearchKind::Tavily => {
            let n = r.body["max_results"].as_u64().unwrap_or(5) as usize;
            let results: Vec<Value> = urls.iter().take(n).enumerate().map(|(i, u)| {
                let mut item = json!({"title": format!("Result {i}"), "url": u, "content": format!("Snippet {i}"), "score": 0.9, "raw_content": null});
                if i == 0 {
                    item["published_date"] = json!("Mon, 15 Jan 2024 10:00:00 GMT");
                }
                item
            }).collect();
            json!({"query": r.body["query"], "follow_up_questions": null, "answer": null, "images": [], "results": results, "response_time": 0.42})
        }
        SearchKind::Serpapi => {
            let results: Vec<Value> = urls.iter().take(asked(q("num"))).enumerate().map(|(i, u)| {
                let mut item = json!({"position": i + 1, "title": format!("Result {i}"), "link": u, "displayed_link": u, "snippet": format!("Snippet {i}")});
                if i == 0 {
                    item["date"] = json!("Jan 15, 2024");
                }
                item
            }).collect();
            json!({"search_metadata": {"id": "1", "status": "Success"}, "search_parameters": {"engine": "google", "q": q("q")}, "search_information": {"organic_results_state": "Results for exact spelling"}, "organic_results": results})
        }
        SearchKind::Bing => {
            let results: Vec<Value> = urls.iter().take(asked(q("count"))).enumerate().map(|(i, u)| {
                let mut item = json!({"id": format!("https://api.bing.microsoft.com/api/v7/#WebPages.{i}"), "name": format!("Result {i}"), "url": u, "displayUrl": u, "snippet": format!("Snippet {i}"), "dateLastCrawled": "2024-02-01T00:00:00.0000000Z", "language": "en"});
                if i == 0 {
                    item["datePublished"] = json!("2024-01-15T10:00:00.0000000Z");
                }
                item
            }).collect();
            json!({"_type": "SearchResponse", "queryContext": {"originalQuery": q("q")}, "webPages": {"webSearchUrl": "https://www.bing.com/search?q=x", "totalEstimatedMatches": results.len(), "value": results}})
        }
        SearchKind::Brave => {
            let results: Vec<Value> = urls.iter().take(asked(q("count"))).enumerate().map(|(i, u)| {
                let mut item = json!({"type": "search_result", "title": format!("Result {i}"), "url": u, "description": format!("Snippet {i}"), "is_source_local": false, "language": "en"});
                if i == 0 {
                    item["page_age"] = json!("2024-01-15T10:00:00");
                    item["age"] = json!("January 15, 2024");
                }
                item
            }).collect();
            json!({"type": "search", "query": {"original": q("q")}, "web": {"type": "search", "results": results, "family_friendly": true}})
        }
    }
}

/// What the web fake serves at a path.
#[derive(Clone)]
pub enum Page {
    /// `text/html; charset=utf-8`.
    Html(String),
    /// Any body with the given `Content-Type` (`None`: no such header).
    Typed(Option<&'static str>, String),
    /// `302 Found` to this `Location`.
    Redirect(String),
    /// HTML of `bytes` bytes with its `Content-Length` announced.
    Announced(usize),
    /// HTML streamed chunk by chunk without a length, up to `bytes` (counted in `streamed`).
    Endless(usize),
    /// Headers after this delay.
    SlowHeaders(Duration),
    /// Headers and one chunk at once, then nothing for this long.
    StalledBody(Duration),
}

pub struct WebFake {
    pub base_url: String,
    pages: Arc<Mutex<HashMap<String, Page>>>,
    log: Arc<Mutex<Vec<(String, String)>>>,
    /// Bytes the `Endless` pages produced (what the client made the server send, at most).
    pub streamed: Arc<AtomicUsize>,
}

impl WebFake {
    /// Every path (with query) requested, in order.
    pub fn paths(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .map(|(p, _)| p.clone())
            .collect()
    }
    /// The `User-Agent` of every request.
    pub fn user_agents(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .map(|(_, ua)| ua.clone())
            .collect()
    }
    pub fn count(&self, path: &str) -> usize {
        self.paths().iter().filter(|p| *p == path).count()
    }
    /// Serves `page` at `path` from now on (for pages that must name the fake's own URL).
    pub fn add(&self, path: &str, page: Page) {
        self.pages.lock().unwrap().insert(path.to_owned(), page);
    }
}

#[derive(Clone)]
struct WebState {
    pages: Arc<Mutex<HashMap<String, Page>>>,
    log: Arc<Mutex<Vec<(String, String)>>>,
    streamed: Arc<AtomicUsize>,
}

/// Starts the web fake serving `pages` (path such as `/www.bls.gov/cpi/latest.htm` → page).
pub async fn spawn_web(pages: Vec<(&str, Page)>) -> WebFake {
    let state = WebState {
        pages: Arc::new(Mutex::new(
            pages.into_iter().map(|(p, b)| (p.to_owned(), b)).collect(),
        )),
        log: Arc::new(Mutex::new(Vec::new())),
        streamed: Arc::new(AtomicUsize::new(0)),
    };
    let (pages, log, streamed) = (
        Arc::clone(&state.pages),
        Arc::clone(&state.log),
        Arc::clone(&state.streamed),
    );
    let app = Router::new().fallback(web).with_state(state);
    WebFake {
        base_url: serve(app).await,
        pages,
        log,
        streamed,
    }
}

async fn web(State(s): State<WebState>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    s.log.lock().unwrap().push((path.clone(), ua));
    let page = {
        let pages = s.pages.lock().unwrap();
        pages.get(&path).or_else(|| pages.get(uri.path())).cloned()
    };
    let Some(page) = page else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    match page {
        Page::Html(body) => html(body),
        Page::Typed(ct, body) => {
            let mut resp = Response::new(Body::from(body));
            if let Some(ct) = ct {
                resp.headers_mut()
                    .insert(header::CONTENT_TYPE, ct.parse().unwrap());
            }
            resp
        }
        Page::Redirect(to) => (StatusCode::FOUND, [(header::LOCATION, to)]).into_response(),
        Page::Announced(n) => html("x".repeat(n)),
        Page::Endless(total) => endless(total, s.streamed),
        Page::SlowHeaders(delay) => {
            tokio::time::sleep(delay).await;
            html("<p>late</p>".into())
        }
        Page::StalledBody(delay) => stalled(delay),
    }
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

fn endless(total: usize, streamed: Arc<AtomicUsize>) -> Response {
    const CHUNK: usize = 64 * 1024;
    let stream = futures::stream::unfold(0usize, move |sent| {
        let streamed = Arc::clone(&streamed);
        async move {
            if sent >= total {
                return None;
            }
            streamed.fetch_add(CHUNK, Ordering::SeqCst);
            Some((
                Ok::<_, std::io::Error>(Bytes::from(vec![b'a'; CHUNK])),
                sent + CHUNK,
            ))
        }
    });
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        "text/html; charset=utf-8".parse().unwrap(),
    );
    resp
}

fn stalled(delay: Duration) -> Response {
    let stream = futures::stream::unfold(0u8, move |step| async move {
        match step {
            0 => Some((Ok::<_, std::io::Error>(Bytes::from("<p>start")), 1)),
            1 => {
                tokio::time::sleep(delay).await;
                Some((Ok(Bytes::from("end</p>")), 2))
            }
            _ => None,
        }
    });
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, "text/html".parse().unwrap());
    resp
}

/// A primary-phase query without a site restriction.
pub fn query(text: &str) -> Query {
    Query {
        phase: Phase::Primary,
        text: text.to_owned(),
        site: None,
    }
}

/// An in-memory cache whose clock the test moves (ms since the epoch).
pub fn clocked_cache() -> (Arc<ResearchCache>, Arc<AtomicI64>) {
    let now = Arc::new(AtomicI64::new(1_700_000_000_000));
    let t = Arc::clone(&now);
    let cache = ResearchCache::in_memory().with_clock(Arc::new(move || t.load(Ordering::SeqCst)));
    (Arc::new(cache), now)
}

/// Neither the error's message nor its debug form holds [`SEARCH_KEY`].
pub fn assert_no_key(e: &ResearchError) {
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(SEARCH_KEY), "key leaked: {shown}");
}
