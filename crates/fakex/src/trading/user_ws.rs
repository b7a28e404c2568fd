//! The user channel (`/ws/user`): after a subscribe whose `auth` matches issued credentials,
//! the connection receives that key's `order` and `trade` events (optionally only for the
//! subscribed `markets`); text `PING` → `PONG`. Bad credentials get a policy-violation Close,
//! so a misconfigured bot fails loudly instead of waiting for fills that never come.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use crate::exchange::Exchange;

pub(crate) async fn user(State(ex): State<Arc<Exchange>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| run(socket, ex))
}

/// Who this connection listens for.
#[derive(Default)]
struct Sub {
    api_key: Option<String>,
    markets: HashSet<String>,
}

enum Verdict {
    Pong,
    Subscribed,
    Refused,
    Ignored,
}

fn handle(ex: &Exchange, sub: &mut Sub, text: &str) -> Verdict {
    if text.trim() == "PING" {
        return Verdict::Pong;
    }
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Verdict::Ignored;
    };
    let Some(auth) = v.get("auth") else {
        return Verdict::Ignored;
    };
    let field = |name: &str| auth.get(name).and_then(Value::as_str).unwrap_or_default();
    let key = field("apiKey");
    let ok = ex
        .lock()
        .trading
        .creds
        .get(key)
        .is_some_and(|c| c.secret == field("secret") && c.passphrase == field("passphrase"));
    if !ok {
        return Verdict::Refused;
    }
    let unsubscribe = v
        .get("operation")
        .and_then(Value::as_str)
        .is_some_and(|op| op.eq_ignore_ascii_case("unsubscribe"));
    let markets = v
        .get("markets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_ascii_lowercase);
    if unsubscribe {
        markets.for_each(|m| {
            sub.markets.remove(&m);
        });
    } else {
        sub.markets.extend(markets);
        sub.api_key = Some(key.to_owned());
    }
    Verdict::Subscribed
}

async fn run(socket: WebSocket, ex: Arc<Exchange>) {
    let mut rx = ex.lock().trading.user_tx.subscribe();
    let mut disconnect = ex.disconnect_rx();
    let (mut sink, mut stream) = socket.split();
    let mut sub = Sub::default();
    loop {
        tokio::select! {
            msg = stream.next() => match msg {
                Some(Ok(Message::Text(text))) => match handle(&ex, &mut sub, text.as_str()) {
                    Verdict::Pong => {
                        if sink.send(Message::Text(Utf8Bytes::from_static("PONG"))).await.is_err() {
                            break;
                        }
                    }
                    Verdict::Refused => {
                        let frame = CloseFrame { code: 1008, reason: Utf8Bytes::from_static("fakex: invalid auth") };
                        let _ = sink.send(Message::Close(Some(frame))).await;
                        break;
                    }
                    Verdict::Subscribed | Verdict::Ignored => {}
                },
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            frame = rx.recv() => match frame {
                Ok(f) => {
                    let wanted = sub.api_key.as_deref() == Some(f.api_key.as_str())
                        && (sub.markets.is_empty() || sub.markets.contains(&f.market.to_ascii_lowercase()));
                    if wanted && sink.send(Message::Text(Utf8Bytes::from(f.text.clone()))).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => break,
            },
            _ = disconnect.changed() => {
                let frame = CloseFrame { code: 1001, reason: Utf8Bytes::from_static("fakex: disconnect") };
                let _ = sink.send(Message::Close(Some(frame))).await;
                break;
            }
        }
    }
}
