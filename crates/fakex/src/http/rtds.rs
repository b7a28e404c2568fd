//! The RTDS (real-time data socket, `wss://ws-live-data.polymarket.com`) on its own listener,
//! serving the `activity` topic: every trade added to the tape (simulated or injected) is
//! pushed as it happens.
//!
//! Protocol as on the venue (Polymarket's real-time-data-client and the official SDK):
//! `{"action":"subscribe"|"unsubscribe","subscriptions":[{"topic":"activity","type":"trades",
//! "filters"?}]}` where `filters` is `{"event_slug":…}` or `{"market_slug":…}` (a JSON
//! string or object; absent or empty = every trade); messages are
//! `{"topic":"activity","type":"trades","timestamp":<ms>,"payload":{…Data API trade…}}`;
//! the text `PING` (or `ping`) is answered `PONG`. Other topics are accepted and stay silent.
//! Faults: the exchange's disconnect (Close frame) and stall (silence, PING unanswered).

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use crate::exchange::Exchange;
use crate::exchange::state::ActivityFrame;

type Sink = SplitSink<WebSocket, Message>;

pub(crate) async fn rtds(State(ex): State<Arc<Exchange>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| run(socket, ex))
}

/// One activity subscription's filter.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Filter {
    All,
    Event(String),
    Market(String),
}

impl Filter {
    fn accepts(&self, f: &ActivityFrame) -> bool {
        match self {
            Filter::All => true,
            Filter::Event(slug) => f.event_slug == *slug,
            Filter::Market(slug) => f.market_slug == *slug,
        }
    }

    /// `filters` as sent: absent, `""`, a JSON string holding an object, or an object.
    fn parse(filters: Option<&Value>) -> Option<Filter> {
        let object = match filters {
            None | Some(Value::Null) => return Some(Filter::All),
            Some(Value::String(s)) if s.trim().is_empty() => return Some(Filter::All),
            Some(Value::String(s)) => serde_json::from_str::<Value>(s).ok()?,
            Some(v) => v.clone(),
        };
        let slug = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
        match (slug("event_slug"), slug("market_slug")) {
            (Some(e), None) => Some(Filter::Event(e)),
            (None, Some(m)) => Some(Filter::Market(m)),
            _ => None,
        }
    }
}

struct Conn {
    id: u64,
    /// Activity subscriptions of this connection (a frame goes out once if any accepts it).
    filters: Vec<Filter>,
}

async fn run(socket: WebSocket, ex: Arc<Exchange>) {
    let handle = ex.rtds_open();
    let (mut rx, mut disconnect) = (handle.rx, handle.disconnect);
    let (mut sink, mut stream) = socket.split();
    let mut conn = Conn {
        id: handle.id,
        filters: Vec::new(),
    };
    loop {
        tokio::select! {
            msg = stream.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    if handle_text(&ex, &mut conn, &mut sink, text.as_str()).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            frame = rx.recv() => match frame {
                Ok(f) => {
                    let send = conn.filters.iter().any(|x| x.accepts(&f)) && !ex.is_stalled(conn.id);
                    if send && sink.send(Message::Text(f.text.clone())).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(conn = conn.id, skipped = n, "fakex rtds: client too slow, closing");
                    let _ = close(&mut sink, 1008, "fakex: client lagged behind the feed").await;
                    break;
                }
                Err(RecvError::Closed) => break,
            },
            changed = disconnect.changed() => {
                if changed.is_ok() {
                    let _ = close(&mut sink, 1001, "fakex: disconnect").await;
                }
                break;
            }
        }
    }
    ex.rtds_close(!conn.filters.is_empty());
}

async fn close(sink: &mut Sink, code: u16, reason: &'static str) -> Result<(), axum::Error> {
    sink.send(Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    })))
    .await
}

async fn handle_text(
    ex: &Exchange,
    conn: &mut Conn,
    sink: &mut Sink,
    text: &str,
) -> Result<(), axum::Error> {
    if text.trim().eq_ignore_ascii_case("ping") {
        if ex.is_stalled(conn.id) {
            return Ok(());
        }
        return sink
            .send(Message::Text(Utf8Bytes::from_static("PONG")))
            .await;
    }
    let Ok(request) = serde_json::from_str::<Value>(text) else {
        tracing::debug!(
            conn = conn.id,
            "fakex rtds: ignoring a message that is not JSON"
        );
        return Ok(());
    };
    let subscribe = match request.get("action").and_then(Value::as_str) {
        Some(a) if a.eq_ignore_ascii_case("subscribe") => true,
        Some(a) if a.eq_ignore_ascii_case("unsubscribe") => false,
        _ => return Ok(()),
    };
    let subs = request.get("subscriptions").and_then(Value::as_array);
    for sub in subs.into_iter().flatten() {
        let topic = sub.get("topic").and_then(Value::as_str);
        let kind = sub.get("type").and_then(Value::as_str);
        if topic != Some("activity") || !matches!(kind, Some("trades" | "*")) {
            continue;
        }
        let had = !conn.filters.is_empty();
        if subscribe {
            match Filter::parse(sub.get("filters")) {
                Some(f) if !conn.filters.contains(&f) => conn.filters.push(f),
                Some(_) => {}
                None => tracing::debug!(conn = conn.id, "fakex rtds: unsupported filters"),
            }
        } else {
            // The venue's unsubscribe names no filters: it drops the topic/type.
            conn.filters.clear();
        }
        match (had, conn.filters.is_empty()) {
            (false, false) => ex.activity_subscribed(true),
            (true, true) => ex.activity_subscribed(false),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn filters_parse_as_string_object_or_nothing() {
        assert_eq!(Filter::parse(None), Some(Filter::All));
        assert_eq!(Filter::parse(Some(&json!(""))), Some(Filter::All));
        assert_eq!(
            Filter::parse(Some(&json!("{\"event_slug\":\"e\"}"))),
            Some(Filter::Event("e".into()))
        );
        assert_eq!(
            Filter::parse(Some(&json!({"market_slug": "m"}))),
            Some(Filter::Market("m".into()))
        );
        assert_eq!(Filter::parse(Some(&json!("{not json"))), None);
        assert_eq!(Filter::parse(Some(&json!({"symbol": "x"}))), None);
    }
}
