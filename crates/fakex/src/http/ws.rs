//! The CLOB market channel (`/ws/market`) on the CLOB port.
//!
//! Protocol as on the venue: subscribe/unsubscribe JSON (`assets_ids`, `initial_dump`,
//! `custom_feature_enabled`; a message without `operation` is a subscribe), one `book` per
//! asset on subscribe, then that connection's assets' updates; text `PING` → `PONG`.
//! Each connection filters the shared broadcast by its assets and by a per-asset sequence
//! number, so an update already contained in the snapshot it was sent is never replayed.
//! Faults: periodic or on-demand Close frames, silent stalls, and extra garbage frames.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use polybot_model::TokenId;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::Value;
use std::sync::atomic::Ordering;
use tokio::sync::broadcast::error::RecvError;

use crate::exchange::state::Frame;
use crate::exchange::{Exchange, MAX_ASSETS_PER_CONNECTION};
use crate::util::mix;

type Sink = SplitSink<WebSocket, Message>;

pub(crate) async fn market(State(ex): State<Arc<Exchange>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| run(socket, ex))
}

/// Garbage frames injected by the `malformed_rate` fault: invalid JSON, wrong types, missing
/// fields, unknown event types — never a valid-looking update that would corrupt a book.
const GARBAGE: &[&str] = &[
    "{not json",
    "[]",
    "null",
    "{\"event_type\":\"book\"}",
    "{\"event_type\":\"price_change\",\"market\":\"0xnothex\",\"timestamp\":\"abc\"}",
    "{\"event_type\":\"mystery_event\",\"payload\":1}",
    "[{\"event_type\":\"last_trade_price\",\"asset_id\":\"-1\",\"price\":\"NaN\"}]",
    "\u{1f4a5}\u{0}\u{7f}garbage",
    "{\"event_type\":\"tick_size_change\",\"old_tick_size\":0.01}",
];

struct Conn {
    id: u64,
    /// Subscribed assets and, for each, the sequence number its snapshot reflects.
    subs: HashMap<TokenId, u64>,
    custom: bool,
    started: Instant,
    rng: StdRng,
}

impl Conn {
    fn wants(&self, f: &Frame) -> bool {
        (!f.custom || self.custom)
            && f.assets
                .iter()
                .any(|a| self.subs.get(a).is_some_and(|since| f.seq > *since))
    }
}

async fn run(socket: WebSocket, ex: Arc<Exchange>) {
    let handle = ex.ws_open();
    let (mut rx, mut disconnect) = (handle.rx, handle.disconnect);
    let (mut sink, mut stream) = socket.split();
    let mut conn = Conn {
        id: handle.id,
        subs: HashMap::new(),
        custom: false,
        started: Instant::now(),
        rng: StdRng::seed_from_u64(mix(ex.seed ^ handle.id)),
    };
    tracing::debug!(conn = conn.id, "fakex ws connected");
    loop {
        tokio::select! {
            msg = stream.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    let stalled = is_stalled(&ex, &conn);
                    if handle_text(&ex, &mut conn, &mut sink, text.as_str(), stalled).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            frame = rx.recv() => match frame {
                Ok(f) => {
                    let send = conn.wants(&f) && !is_stalled(&ex, &conn);
                    if send && send_frame(&ex, &mut conn, &mut sink, f.text.clone()).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(conn = conn.id, skipped = n, "fakex ws: client too slow, closing");
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
    tracing::debug!(conn = conn.id, "fakex ws closed");
    ex.ws_close(conn.subs.keys().copied().collect::<Vec<_>>());
}

fn is_stalled(ex: &Exchange, conn: &Conn) -> bool {
    ex.is_stalled(conn.id)
        || ex
            .ws_faults
            .stall_after_secs
            .is_some_and(|s| conn.started.elapsed() >= Duration::from_secs(s))
}

async fn close(sink: &mut Sink, code: u16, reason: &'static str) -> Result<(), axum::Error> {
    sink.send(Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    })))
    .await
}

/// Sends one frame, then maybe a garbage frame (fault injection).
async fn send_frame(
    ex: &Exchange,
    conn: &mut Conn,
    sink: &mut Sink,
    text: Utf8Bytes,
) -> Result<(), axum::Error> {
    sink.send(Message::Text(text)).await?;
    ex.counters.ws_messages_sent.fetch_add(1, Ordering::Relaxed);
    let rate = ex.ws_faults.malformed_rate;
    if rate > 0.0 && conn.rng.random_bool(rate.clamp(0.0, 1.0)) {
        let junk = GARBAGE[conn.rng.random_range(0..GARBAGE.len())];
        sink.send(Message::Text(Utf8Bytes::from_static(junk)))
            .await?;
    }
    Ok(())
}

/// A parsed subscription request.
struct Request {
    subscribe: bool,
    assets: Vec<TokenId>,
    initial_dump: bool,
    custom: bool,
}

fn parse_request(text: &str) -> Option<Request> {
    let v: Value = serde_json::from_str(text).ok()?;
    if let Some(t) = v.get("type").and_then(Value::as_str)
        && !t.eq_ignore_ascii_case("market")
    {
        return None;
    }
    let subscribe = match v.get("operation").and_then(Value::as_str) {
        None => true,
        Some(op) if op.eq_ignore_ascii_case("subscribe") => true,
        Some(op) if op.eq_ignore_ascii_case("unsubscribe") => false,
        Some(_) => return None,
    };
    let list = v
        .get("assets_ids")
        .or_else(|| v.get("asset_ids"))
        .and_then(Value::as_array)?;
    let assets = list
        .iter()
        .filter_map(|a| match a {
            Value::String(s) => TokenId::parse(s).ok(),
            Value::Number(n) => TokenId::parse(&n.to_string()).ok(),
            _ => None,
        })
        .collect();
    Some(Request {
        subscribe,
        assets,
        initial_dump: v
            .get("initial_dump")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        custom: v
            .get("custom_feature_enabled")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

async fn handle_text(
    ex: &Exchange,
    conn: &mut Conn,
    sink: &mut Sink,
    text: &str,
    stalled: bool,
) -> Result<(), axum::Error> {
    if text.trim() == "PING" {
        return if stalled {
            Ok(())
        } else {
            sink.send(Message::Text(Utf8Bytes::from_static("PONG")))
                .await
        };
    }
    let Some(req) = parse_request(text) else {
        tracing::debug!(conn = conn.id, "fakex ws: ignoring unrecognised message");
        return Ok(());
    };
    if !req.subscribe {
        let removed: Vec<TokenId> = req
            .assets
            .iter()
            .filter(|a| conn.subs.remove(a).is_some())
            .copied()
            .collect();
        ex.ws_unsubscribe(&removed);
        return Ok(());
    }
    conn.custom |= req.custom;
    let mut seen = std::collections::HashSet::new();
    let new: Vec<TokenId> = req
        .assets
        .iter()
        .filter(|a| !conn.subs.contains_key(a) && seen.insert(**a))
        .copied()
        .collect();
    let dump = req.initial_dump && conn.subs.len() + new.len() <= MAX_ASSETS_PER_CONNECTION;
    let (books, seq) = ex.ws_subscribe(&new, &req.assets, dump);
    for a in &req.assets {
        let fresh = !conn.subs.contains_key(a);
        if fresh || dump {
            conn.subs.insert(*a, seq);
        }
    }
    if stalled {
        return Ok(());
    }
    for book in books {
        send_frame(ex, conn, sink, book).await?;
    }
    Ok(())
}
