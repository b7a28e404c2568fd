//! A fake HTTP service on 127.0.0.1 (axum): records every request and answers with what the
//! test's responder says, or never answers at all.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::Response;
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub content_type: String,
    pub body: String,
}

impl Request {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("request body is JSON")
    }
}

/// What to answer to the `n`-th request (0-based).
#[derive(Debug, Clone)]
pub enum Reply {
    /// Status, content type, body.
    Send(u16, &'static str, String),
    /// Wait this long, then answer.
    After(Duration, u16, &'static str, String),
    /// Never answer.
    Hang,
}

pub type Responder = Arc<dyn Fn(&Request, usize) -> Reply + Send + Sync>;

#[derive(Clone)]
struct Shared {
    requests: Arc<Mutex<Vec<Request>>>,
    arrived: Arc<Notify>,
    responder: Responder,
}

pub struct FakeHttp {
    pub base: String,
    requests: Arc<Mutex<Vec<Request>>>,
    arrived: Arc<Notify>,
}

impl FakeHttp {
    pub async fn start(
        responder: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Shared {
            requests: Arc::default(),
            arrived: Arc::default(),
            responder: Arc::new(responder),
        };
        let app = Router::new().fallback(handle).with_state(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeHttp {
            base: format!("http://{addr}"),
            requests: shared.requests,
            arrived: shared.arrived,
        }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived, or `within` passed.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Request> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.arrived.notified();
            let got = self.requests();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.requests();
            }
        }
    }
}

async fn handle(
    State(s): State<Shared>,
    uri: Uri,
    headers: axum::http::HeaderMap,
    body: String,
) -> Response {
    let request = Request {
        path: uri.path().to_owned(),
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
        body,
    };
    let index = {
        let mut all = s.requests.lock().unwrap();
        all.push(request.clone());
        all.len() - 1
    };
    s.arrived.notify_waiters();
    let (status, ct, body) = match (s.responder)(&request, index) {
        Reply::Send(status, ct, body) => (status, ct, body),
        Reply::After(wait, status, ct, body) => {
            tokio::time::sleep(wait).await;
            (status, ct, body)
        }
        Reply::Hang => {
            std::future::pending::<()>().await;
            unreachable!()
        }
    };
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap()
}

pub const JSON: &str = "application/json";
pub const TEXT: &str = "text/plain";

/// Telegram's answer to a good `sendMessage`.
pub fn telegram_ok(req: &Request) -> Reply {
    let sent = req.json();
    let body = serde_json::json!({
        "ok": true,
        "result": {
            "message_id": 42,
            "date": 1_764_000_000,
            "chat": { "id": sent["chat_id"], "type": "private" },
            "text": sent["text"],
        }
    });
    Reply::Send(200, JSON, body.to_string())
}

/// A fake Bot API: checks the path carries `token` and the JSON has `chat_id` and `text`.
pub fn telegram(token: &'static str) -> impl Fn(&Request, usize) -> Reply + Send + Sync {
    move |req, _| {
        if !req.path.starts_with("/bot") || !req.path.ends_with("/sendMessage") {
            return Reply::Send(
                404,
                JSON,
                r#"{"ok":false,"error_code":404,"description":"Not Found"}"#.into(),
            );
        }
        if req.path != format!("/bot{token}/sendMessage") {
            return Reply::Send(
                401,
                JSON,
                r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#.into(),
            );
        }
        let v: serde_json::Value = serde_json::from_str(&req.body).unwrap_or_default();
        if v.get("chat_id").is_none() || !v["text"].is_string() {
            return Reply::Send(400, JSON, r#"{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}"#.into());
        }
        telegram_ok(req)
    }
}

/// A Discord webhook that accepts everything with 204.
pub fn discord_ok(_: &Request, _: usize) -> Reply {
    Reply::Send(204, JSON, String::new())
}

/// A Slack webhook that accepts everything with `ok`.
pub fn slack_ok(_: &Request, _: usize) -> Reply {
    Reply::Send(200, TEXT, "ok".into())
}

/// A port on 127.0.0.1 with nothing listening.
pub async fn closed_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}
