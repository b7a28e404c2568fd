//! The CLOB's authenticated REST endpoints: API keys (L1), orders, cancels, open orders,
//! trades, balances and heartbeats (L2). Every L2 call is checked against the issued
//! credentials; a failure is a 401 whose message names what failed.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use polybot_model::TokenId;
use serde_json::{Value, json};

use super::auth::{self, Creds, L2Request};
use super::verify::Reject;
use super::{orders, wire};
use crate::exchange::Exchange;
use crate::http::{ApiError, HttpResult, Query, bad_param, error, json_ok};
use crate::util::{END_CURSOR, decode_cursor, encode_cursor};

type Ex = State<Arc<Exchange>>;

/// Orders per `POST /orders`, as on the venue.
const MAX_BATCH: usize = 15;
const PAGE: usize = 100;

pub(crate) fn routes() -> Router<Arc<Exchange>> {
    Router::new()
        .route("/auth/api-key", post(create_key).delete(delete_key))
        .route("/auth/derive-api-key", get(derive_key))
        .route("/auth/api-keys", get(list_keys))
        .route("/auth/ban-status/closed-only", get(closed_only))
        .route("/order", post(post_order).delete(cancel_order))
        .route("/orders", post(post_orders).delete(cancel_orders))
        .route("/cancel-all", delete(cancel_all))
        .route("/cancel-market-orders", delete(cancel_market))
        .route("/data/orders", get(open_orders))
        .route("/data/order/{id}", get(open_order))
        .route("/data/trades", get(trades))
        .route("/balance-allowance", get(balance))
        .route("/balance-allowance/update", get(balance_update))
        .route("/v1/heartbeats", post(heartbeat))
        .route("/heartbeats", post(heartbeat))
}

fn unauthorized(msg: String) -> ApiError {
    error(
        StatusCode::UNAUTHORIZED,
        format!("Unauthorized/Invalid api key: {msg}"),
    )
}

/// Largest request body an authenticated endpoint accepts (a batch of 15 signed orders is ~15 KB).
const MAX_BODY: usize = 1 << 20;

/// An L2-authenticated request: the verified credentials and the exact body bytes the HMAC
/// covered. As an extractor it runs before the handler, so no endpoint can forget the check.
struct Authed {
    creds: Creds,
    body: Bytes,
}

impl axum::extract::FromRequest<Arc<Exchange>> for Authed {
    type Rejection = ApiError;

    async fn from_request(
        req: axum::extract::Request,
        ex: &Arc<Exchange>,
    ) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, MAX_BODY)
            .await
            .map_err(|_| error(StatusCode::PAYLOAD_TOO_LARGE, "request body too large"))?;
        let st = ex.lock();
        let req = L2Request {
            headers: &parts.headers,
            method: parts.method.as_str(),
            path: parts.uri.path(),
            body: &body,
        };
        let now = chrono::Utc::now().timestamp();
        let creds = auth::verify_l2(|k| st.trading.creds.get(k), &req, now)
            .cloned()
            .map_err(unauthorized)?;
        drop(st);
        Ok(Authed { creds, body })
    }
}

/// Order endpoints answer 425 while the matching engine "restarts".
fn not_restarting(ex: &Exchange) -> Result<(), ApiError> {
    if ex.lock().trading.restarting() {
        return Err(error(
            StatusCode::TOO_EARLY,
            "Too Early: the matching engine is restarting",
        ));
    }
    Ok(())
}

fn issue(ex: &Exchange, headers: &HeaderMap) -> HttpResult {
    let now = chrono::Utc::now().timestamp();
    let (address, nonce) = auth::verify_l1(headers, now).map_err(unauthorized)?;
    let mut st = ex.lock();
    let creds = auth::derive_creds(st.seed, &address, nonce);
    st.trading
        .creds
        .insert(creds.api_key.clone(), creds.clone());
    json_ok(
        json!({"apiKey": creds.api_key, "secret": creds.secret, "passphrase": creds.passphrase}),
    )
}

async fn create_key(State(ex): Ex, headers: HeaderMap) -> HttpResult {
    issue(&ex, &headers)
}

async fn derive_key(State(ex): Ex, headers: HeaderMap) -> HttpResult {
    issue(&ex, &headers)
}

async fn list_keys(State(ex): Ex, Authed { creds: c, .. }: Authed) -> HttpResult {
    let st = ex.lock();
    let mut keys: Vec<&str> = st
        .trading
        .creds
        .values()
        .filter(|k| k.address == c.address)
        .map(|k| k.api_key.as_str())
        .collect();
    keys.sort_unstable();
    json_ok(json!({"apiKeys": keys}))
}

async fn delete_key(State(ex): Ex, Authed { creds: c, .. }: Authed) -> HttpResult {
    ex.lock().trading.creds.remove(&c.api_key);
    json_ok(json!("OK"))
}

async fn closed_only(_authed: Authed) -> HttpResult {
    json_ok(json!({"closed_only": false}))
}

fn parse_body(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| error(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")))
}

fn reject_response(r: Reject) -> ApiError {
    match r {
        Reject::VersionMismatch => error(StatusCode::BAD_REQUEST, "order_version_mismatch"),
        Reject::Malformed(m) | Reject::Invalid(m) => error(StatusCode::BAD_REQUEST, m),
    }
}

async fn post_order(State(ex): Ex, Authed { creds: c, body }: Authed) -> HttpResult {
    not_restarting(&ex)?;
    let v = parse_body(&body)?;
    let reply = orders::place(&mut ex.lock(), &c, &v).map_err(reject_response)?;
    json_ok(reply)
}

async fn post_orders(State(ex): Ex, Authed { creds: c, body }: Authed) -> HttpResult {
    not_restarting(&ex)?;
    let items = match parse_body(&body)? {
        Value::Array(items) => items,
        _ => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "invalid body: expected a JSON array of orders",
            ));
        }
    };
    if items.len() > MAX_BATCH {
        return Err(error(
            StatusCode::BAD_REQUEST,
            format!("too many orders: at most {MAX_BATCH} per batch"),
        ));
    }
    let mut st = ex.lock();
    let replies: Vec<Value> = items
        .iter()
        .map(|item| match orders::place(&mut st, &c, item) {
            Ok(v) => v,
            Err(Reject::VersionMismatch) => wire::post_error("", "order_version_mismatch"),
            Err(Reject::Malformed(m) | Reject::Invalid(m)) => wire::post_error("", &m),
        })
        .collect();
    json_ok(Value::Array(replies))
}

/// Cancels ids for an owner: `{"canceled": [...], "not_canceled": {id: reason}}`.
fn cancel_ids(ex: &Exchange, owner: &str, ids: &[String]) -> HttpResult {
    let mut st = ex.lock();
    let (mut done, mut not) = (Vec::new(), serde_json::Map::new());
    for id in ids {
        match orders::cancel(&mut st, owner, id) {
            Ok(()) => done.push(Value::from(id.as_str())),
            Err(why) => {
                not.insert(id.clone(), Value::from(why));
            }
        }
    }
    json_ok(json!({"canceled": done, "not_canceled": not}))
}

async fn cancel_order(State(ex): Ex, Authed { creds: c, body }: Authed) -> HttpResult {
    not_restarting(&ex)?;
    let v = parse_body(&body)?;
    let id = v
        .get("orderID")
        .or_else(|| v.get("orderId"))
        .and_then(Value::as_str)
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "orderID is required"))?;
    cancel_ids(&ex, &c.api_key, &[id.to_owned()])
}

async fn cancel_orders(State(ex): Ex, Authed { creds: c, body }: Authed) -> HttpResult {
    not_restarting(&ex)?;
    let ids: Vec<String> = serde_json::from_slice(&body).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "invalid body: expected a JSON array of order ids",
        )
    })?;
    cancel_ids(&ex, &c.api_key, &ids)
}

async fn cancel_all(State(ex): Ex, Authed { creds: c, .. }: Authed) -> HttpResult {
    not_restarting(&ex)?;
    let ids = orders::live_ids(&ex.lock(), &c.api_key, None, None);
    cancel_ids(&ex, &c.api_key, &ids)
}

async fn cancel_market(State(ex): Ex, Authed { creds: c, body }: Authed) -> HttpResult {
    not_restarting(&ex)?;
    let v = if body.is_empty() {
        json!({})
    } else {
        parse_body(&body)?
    };
    let market = v
        .get("market")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let asset = match v
        .get("asset_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        Some(a) => Some(TokenId::parse(a).map_err(|_| bad_param("asset_id", a))?),
        None => None,
    };
    let ids = orders::live_ids(&ex.lock(), &c.api_key, market, asset);
    cancel_ids(&ex, &c.api_key, &ids)
}

/// A page of `items` from the `next_cursor` offset.
fn page(q: &Query, items: Vec<Value>) -> HttpResult {
    let start = match q.get("next_cursor") {
        None => 0,
        Some(c) => decode_cursor(c)
            .map_err(|()| bad_param("next_cursor", c))?
            .unwrap_or(usize::MAX),
    };
    let data: Vec<Value> = items.iter().skip(start).take(PAGE).cloned().collect();
    let end = start.saturating_add(data.len());
    let next = if end >= items.len() {
        END_CURSOR.to_owned()
    } else {
        encode_cursor(end)
    };
    json_ok(json!({"data": data, "next_cursor": next, "limit": PAGE, "count": data.len()}))
}

async fn open_orders(
    State(ex): Ex,
    RawQuery(raw): RawQuery,
    Authed { creds: c, .. }: Authed,
) -> HttpResult {
    let q = Query::new(raw.as_deref());
    let asset = match q.get("asset_id") {
        Some(a) => Some(TokenId::parse(a).map_err(|_| bad_param("asset_id", a))?),
        None => None,
    };
    let st = ex.lock();
    let ids = orders::live_ids(&st, &c.api_key, q.get("market"), asset);
    let items = ids
        .iter()
        .filter(|id| q.get("id").is_none_or(|want| want.eq_ignore_ascii_case(id)))
        .filter_map(|id| st.trading.orders.get(id))
        .map(|o| wire::open_order(&st, o))
        .collect();
    page(&q, items)
}

async fn open_order(
    State(ex): Ex,
    Path(id): Path<String>,
    Authed { creds: c, .. }: Authed,
) -> HttpResult {
    let st = ex.lock();
    match st.trading.orders.get(&id) {
        Some(o) if o.owner == c.api_key => json_ok(wire::open_order(&st, o)),
        _ => Err(error(
            StatusCode::NOT_FOUND,
            format!("order {id} not found"),
        )),
    }
}

async fn trades(
    State(ex): Ex,
    RawQuery(raw): RawQuery,
    Authed { creds: c, .. }: Authed,
) -> HttpResult {
    let q = Query::new(raw.as_deref());
    let before = q.parse::<i64>("before")?;
    let after = q.parse::<i64>("after")?;
    let asset = match q.get("asset_id") {
        Some(a) => Some(TokenId::parse(a).map_err(|_| bad_param("asset_id", a))?),
        None => None,
    };
    let st = ex.lock();
    let items = st
        .trading
        .trades
        .iter()
        .rev()
        .filter(|t| t.owner == c.api_key)
        .filter(|t| q.get("id").is_none_or(|id| id == t.id))
        .filter(|t| {
            q.get("maker")
                .is_none_or(|m| m.eq_ignore_ascii_case(&t.maker_address))
        })
        .filter(|t| {
            q.get("taker").is_none_or(|m| {
                t.trader_side == "TAKER" && m.eq_ignore_ascii_case(&t.maker_address)
            })
        })
        .filter(|t| {
            q.get("market")
                .is_none_or(|m| m.eq_ignore_ascii_case(&wire::market_cid(&st, t.token)))
        })
        .filter(|t| asset.is_none_or(|a| a == t.token))
        .filter(|t| {
            before.is_none_or(|b| t.match_time < b) && after.is_none_or(|a| t.match_time > a)
        })
        .map(|t| wire::trade(&st, t))
        .collect();
    page(&q, items)
}

/// Like the venue: re-reads the balance (here always current) and answers with an empty body.
async fn balance_update(State(ex): Ex, _auth: Authed) -> HttpResult {
    ex.counters
        .balance_updates
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(axum::response::IntoResponse::into_response(
        axum::http::StatusCode::OK,
    ))
}

async fn balance(
    State(ex): Ex,
    RawQuery(raw): RawQuery,
    Authed { creds: c, .. }: Authed,
) -> HttpResult {
    let q = Query::new(raw.as_deref());
    let mut st = ex.lock();
    let amount = match q.get("asset_type").map(str::to_ascii_uppercase).as_deref() {
        None | Some("COLLATERAL") => st.trading.account(&c.api_key).cash,
        Some("CONDITIONAL") => {
            let t = q
                .get("token_id")
                .ok_or_else(|| crate::http::missing_param("token_id"))?;
            let token = TokenId::parse(t).map_err(|_| bad_param("token_id", t))?;
            st.trading
                .account(&c.api_key)
                .positions
                .get(&token)
                .copied()
                .unwrap_or(0)
        }
        Some(other) => return Err(bad_param("asset_type", other)),
    };
    json_ok(json!({"balance": amount.to_string(), "allowances": {}}))
}

async fn heartbeat(State(ex): Ex, Authed { creds: c, body }: Authed) -> HttpResult {
    let given = if body.is_empty() {
        None
    } else {
        parse_body(&body)?
            .get("heartbeat_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut st = ex.lock();
    let last = st
        .trading
        .heartbeats
        .get(&c.api_key)
        .map(|(_, id)| id.clone());
    if let (Some(g), Some(l)) = (&given, &last)
        && g != l
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            format!("invalid heartbeat_id {g}: the last one issued was {l}"),
        ));
    }
    let id = auth::derive_creds(st.trading.next_seq, &c.api_key, 7).api_key;
    st.trading.next_seq += 1;
    st.trading
        .heartbeats
        .insert(c.api_key.clone(), (std::time::Instant::now(), id.clone()));
    json_ok(json!({"heartbeat_id": id, "error": null}))
}
