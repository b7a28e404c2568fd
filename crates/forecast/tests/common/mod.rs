//! Local fake LLM servers on 127.0.0.1 speaking each provider's real wire protocol, plus a
//! deterministic RNG for synthetic data.
#![allow(dead_code)]

pub mod web;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use polybot_forecast::{ProviderConfig, ProviderKind};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde_json::{Value, json};

pub const KEY: &str = "sk-test-SECRET-123";
pub const GOOD: &str = r#"{"probability": 0.62, "confidence": "MEDIUM", "reasoning": "Base rates and the latest release point up.", "invalidation_triggers": ["a surprise revision"]}"#;

/// How a fake answers.
#[derive(Clone)]
pub struct Behaviour {
    /// Texts returned in order; the last one repeats.
    pub texts: Vec<String>,
    pub delay: Duration,
    /// Non-200 status to return instead of an answer.
    pub status: Option<u16>,
    /// Statuses answered, one per request in order, before the behaviour above applies.
    pub statuses: Vec<u16>,
    /// `Retry-After` sent with every non-200 status.
    pub retry_after: Option<String>,
}

impl Behaviour {
    pub fn answer(text: &str) -> Self {
        Behaviour {
            texts: vec![text.to_owned()],
            delay: Duration::ZERO,
            status: None,
            statuses: Vec::new(),
            retry_after: None,
        }
    }
    pub fn sequence(texts: &[&str]) -> Self {
        Behaviour {
            texts: texts.iter().map(|s| (*s).to_owned()).collect(),
            ..Behaviour::answer(GOOD)
        }
    }
    pub fn slow(delay: Duration) -> Self {
        Behaviour {
            delay,
            ..Behaviour::answer(GOOD)
        }
    }
    pub fn failing(status: u16) -> Self {
        Behaviour {
            status: Some(status),
            ..Behaviour::answer(GOOD)
        }
    }
    /// `statuses` first, then good answers.
    pub fn flaky(statuses: &[u16]) -> Self {
        Behaviour {
            statuses: statuses.to_vec(),
            ..Behaviour::answer(GOOD)
        }
    }
    pub fn with_retry_after(self, value: &str) -> Self {
        Behaviour {
            retry_after: Some(value.to_owned()),
            ..self
        }
    }
}

/// A captured request: headers (lower-case name → value) and JSON body.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
struct Shared {
    kind: ProviderKind,
    texts: Arc<Mutex<VecDeque<String>>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
    behaviour: Behaviour,
    seen: Arc<Mutex<Vec<Seen>>>,
}

pub struct Fake {
    pub base_url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Fake {
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Starts a fake for `kind` on an ephemeral port.
pub async fn spawn(kind: ProviderKind, behaviour: Behaviour) -> Fake {
    let shared = Shared {
        kind,
        texts: Arc::new(Mutex::new(behaviour.texts.iter().cloned().collect())),
        statuses: Arc::new(Mutex::new(behaviour.statuses.iter().copied().collect())),
        behaviour,
        seen: Arc::new(Mutex::new(Vec::new())),
    };
    let seen = Arc::clone(&shared.seen);
    let app = Router::new()
        .route("/v1/chat/completions", post(openai))
        .route("/v1/messages", post(anthropic))
        .route("/v1beta/models/{action}", post(gemini))
        .with_state(shared);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Fake { base_url, seen }
}

/// Records the request, applies delay/status, checks auth; `Ok(text)` to answer with.
async fn common(
    s: &Shared,
    path: String,
    headers: &HeaderMap,
    body: Value,
) -> Result<String, Response> {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let seen = Seen {
        path,
        headers,
        body,
    };
    let auth_ok = match s.kind {
        ProviderKind::Openai => seen.header("authorization") == Some(&format!("Bearer {KEY}")),
        ProviderKind::Anthropic => {
            seen.header("x-api-key") == Some(KEY) && seen.header("anthropic-version").is_some()
        }
        ProviderKind::Gemini => seen.header("x-goog-api-key") == Some(KEY),
        ProviderKind::OpenaiCompatible => true,
    };
    s.seen.lock().unwrap().push(seen);
    tokio::time::sleep(s.behaviour.delay).await;
    if !auth_ok {
        return Err((
            StatusCode::UNAUTHORIZED,
            r#"{"error":{"message":"invalid api key"}}"#,
        )
            .into_response());
    }
    let queued = s.statuses.lock().unwrap().pop_front();
    if let Some(code) = queued.or(s.behaviour.status) {
        let status = StatusCode::from_u16(code).unwrap();
        let mut resp = (status, r#"{"error":{"message":"overloaded"}}"#).into_response();
        if let Some(v) = &s.behaviour.retry_after {
            resp.headers_mut().insert("retry-after", v.parse().unwrap());
        }
        return Err(resp);
    }
    let mut q = s.texts.lock().unwrap();
    let text = if q.len() > 1 {
        q.pop_front().unwrap()
    } else {
        q.front().cloned().unwrap()
    };
    Ok(text)
}

async fn openai(
    State(s): State<Shared>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    match common(&s, "/v1/chat/completions".into(), &headers, body).await {
        Err(r) => r,
        Ok(text) => axum::Json(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200}
        }))
        .into_response(),
    }
}

async fn anthropic(
    State(s): State<Shared>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    match common(&s, "/v1/messages".into(), &headers, body).await {
        Err(r) => r,
        Ok(text) => axum::Json(json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet",
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": {"input_tokens": 2000, "output_tokens": 400}
        }))
        .into_response(),
    }
}

async fn gemini(
    State(s): State<Shared>,
    Path(action): Path<String>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    if !action.ends_with(":generateContent") {
        return (StatusCode::NOT_FOUND, "unknown method").into_response();
    }
    match common(&s, format!("/v1beta/models/{action}"), &headers, body).await {
        Err(r) => r,
        Ok(text) => axum::Json(json!({
            "candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 3000, "candidatesTokenCount": 600, "totalTokenCount": 3600}
        }))
        .into_response(),
    }
}

/// A provider entry pointed at `fake`, keyed with [`KEY`] (except compatible servers).
pub fn provider(name: &str, kind: ProviderKind, fake: &Fake, timeout_ms: u64) -> ProviderConfig {
    ProviderConfig {
        name: name.to_owned(),
        kind,
        model: match kind {
            ProviderKind::Gemini => "gemini-1.5-pro".into(),
            ProviderKind::Anthropic => "claude-sonnet".into(),
            _ => "gpt-4o".into(),
        },
        base_url: fake.base_url.clone(),
        timeout_ms,
        input_usd_per_mtok: Decimal::new(250, 2),
        output_usd_per_mtok: Decimal::new(1000, 2),
        api_key: (kind != ProviderKind::OpenaiCompatible).then(|| SecretString::from(KEY)),
        ..ProviderConfig::default()
    }
}

/// xorshift64*: deterministic uniform numbers in [0, 1).
pub struct Rng(pub u64);

impl Rng {
    pub fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}
