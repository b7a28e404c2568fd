//! CLOB REST: health, time, version, books and prices, price history, market parameters.
//!
//! Response types follow what the SDK parses strictly: `/time` is a bare integer, `/version`
//! a number, book timestamps are strings, `tick-size` is one of the six venue ticks. Unknown
//! tokens get the venue's 404 `No orderbook exists for the requested token id`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use polybot_model::{Level, TokenId};
use serde_json::{Map, Value, json};

use super::{ApiError, HttpResult, Query, bad_param, error, json_ok, missing_param};
use crate::exchange::Exchange;
use crate::exchange::state::{State as ExState, TokenBook};
use crate::exchange::wire;
use crate::history;
use crate::util::dec_str;

type Ex = State<Arc<Exchange>>;

pub(crate) fn routes() -> Router<Arc<Exchange>> {
    Router::new()
        .route("/", get(ok))
        .route("/ok", get(ok))
        .route("/time", get(time))
        .route("/version", get(version))
        .route("/book", get(book))
        .route("/books", post(books))
        .route("/price", get(price))
        .route("/prices", post(prices))
        .route("/midpoint", get(midpoint))
        .route("/midpoints", post(midpoints))
        .route("/spread", get(spread))
        .route("/spreads", post(spreads))
        .route("/last-trade-price", get(last_trade_price))
        .route(
            "/last-trades-prices",
            get(last_trades_prices).post(last_trades_prices),
        )
        .route("/prices-history", get(prices_history))
        .route("/tick-size", get(tick_size))
        .route("/tick-size/{token}", get(tick_size_path))
        .route("/neg-risk", get(neg_risk))
        .route("/neg-risk/{token}", get(neg_risk_path))
        .route("/fee-rate", get(fee_rate))
        .route("/fee-rate/{token}", get(fee_rate_path))
}

pub(crate) const NO_BOOK: &str = "No orderbook exists for the requested token id";

fn no_book() -> ApiError {
    error(StatusCode::NOT_FOUND, NO_BOOK)
}

fn parse_token(name: &str, text: &str) -> Result<TokenId, ApiError> {
    TokenId::parse(text.trim()).map_err(|_| bad_param(name, text))
}

fn token_param(q: &Query) -> Result<TokenId, ApiError> {
    let text = q.get("token_id").ok_or_else(|| missing_param("token_id"))?;
    parse_token("token_id", text)
}

/// Token ids from a batch body `[{"token_id": "…", "side": …}]`, with each item's side.
fn batch(body: &Bytes) -> Result<Vec<(TokenId, Option<String>)>, ApiError> {
    if body.is_empty() {
        return Ok(Vec::new());
    }
    let items: Vec<Value> = serde_json::from_slice(body).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "invalid body: expected a JSON array of {\"token_id\": …}",
        )
    })?;
    items
        .iter()
        .map(|item| {
            let text = match item.get("token_id") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => return Err(missing_param("token_id")),
            };
            let side = item
                .get("side")
                .and_then(Value::as_str)
                .map(str::to_ascii_uppercase);
            Ok((parse_token("token_id", &text)?, side))
        })
        .collect()
}

fn with_book<T>(
    ex: &Exchange,
    token: TokenId,
    f: impl FnOnce(&ExState, &TokenBook) -> T,
) -> Result<T, ApiError> {
    let st = ex.lock();
    let tb = st.books.get(&token).ok_or_else(no_book)?;
    Ok(f(&st, tb))
}

async fn ok() -> axum::Json<Value> {
    axum::Json(Value::from("OK"))
}

async fn time() -> axum::Json<Value> {
    axum::Json(Value::from(chrono::Utc::now().timestamp()))
}

async fn version() -> axum::Json<Value> {
    axum::Json(json!({"version": 2}))
}

async fn book(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    let token = token_param(&Query::new(raw.as_deref()))?;
    let body = with_book(&ex, token, |st, tb| {
        wire::rest_book(&st.cat.markets[tb.market], token, tb)
    })?;
    json_ok(body)
}

async fn books(State(ex): Ex, body: Bytes) -> HttpResult {
    let tokens = batch(&body)?;
    let st = ex.lock();
    let out: Vec<Value> = tokens
        .iter()
        .filter_map(|(t, _)| {
            st.books
                .get(t)
                .map(|tb| wire::rest_book(&st.cat.markets[tb.market], *t, tb))
        })
        .collect();
    json_ok(Value::Array(out))
}

/// The best price on the book side a `side` order would rest on: `BUY` → best bid,
/// `SELL` → best ask (the venue's convention for `/price`).
fn side_price(tb: &TokenBook, side: &str) -> Option<Level> {
    match side {
        "BUY" => tb.book.best_bid(),
        "SELL" => tb.book.best_ask(),
        _ => None,
    }
}

fn side_param(q: &Query) -> Result<String, ApiError> {
    let side = q
        .get("side")
        .ok_or_else(|| missing_param("side"))?
        .to_ascii_uppercase();
    if side != "BUY" && side != "SELL" {
        return Err(bad_param("side", &side));
    }
    Ok(side)
}

async fn price(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    let q = Query::new(raw.as_deref());
    let token = token_param(&q)?;
    let side = side_param(&q)?;
    let level = with_book(&ex, token, |_, tb| side_price(tb, &side))?;
    let level = level.ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            format!("no orders on the {side} side"),
        )
    })?;
    json_ok(json!({"price": level.price.to_string()}))
}

async fn prices(State(ex): Ex, body: Bytes) -> HttpResult {
    let items = batch(&body)?;
    let st = ex.lock();
    let mut out = Map::new();
    for (token, side) in items {
        let Some(tb) = st.books.get(&token) else {
            continue;
        };
        let sides = match side.as_deref() {
            Some(s) => vec![s.to_owned()],
            None => vec!["BUY".to_owned(), "SELL".to_owned()],
        };
        let entry = out.entry(token.to_string()).or_insert_with(|| json!({}));
        for s in sides {
            if let (Some(l), Some(obj)) = (side_price(tb, &s), entry.as_object_mut()) {
                obj.insert(s, Value::from(l.price.to_string()));
            }
        }
    }
    json_ok(Value::Object(out))
}

fn mid_of(tb: &TokenBook) -> Option<String> {
    tb.book.mid().map(dec_str)
}

fn spread_of(tb: &TokenBook) -> Option<String> {
    tb.book.spread_micros().map(|s| dec_str(s as f64 / 1e6))
}

async fn midpoint(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    let token = token_param(&Query::new(raw.as_deref()))?;
    let mid = with_book(&ex, token, |_, tb| mid_of(tb))?;
    let mid = mid.ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "no midpoint: one side of the book is empty",
        )
    })?;
    json_ok(json!({"mid": mid}))
}

async fn midpoints(State(ex): Ex, body: Bytes) -> HttpResult {
    let items = batch(&body)?;
    let st = ex.lock();
    let out: Map<String, Value> = items
        .iter()
        .filter_map(|(t, _)| Some((t.to_string(), Value::from(mid_of(st.books.get(t)?)?))))
        .collect();
    json_ok(Value::Object(out))
}

async fn spread(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    let token = token_param(&Query::new(raw.as_deref()))?;
    let spread = with_book(&ex, token, |_, tb| spread_of(tb))?;
    let spread = spread.ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "no spread: one side of the book is empty",
        )
    })?;
    json_ok(json!({"spread": spread}))
}

async fn spreads(State(ex): Ex, body: Bytes) -> HttpResult {
    let items = batch(&body)?;
    let st = ex.lock();
    let out: Map<String, Value> = items
        .iter()
        .filter_map(|(t, _)| Some((t.to_string(), Value::from(spread_of(st.books.get(t)?)?))))
        .collect();
    json_ok(json!({"spreads": out}))
}

async fn last_trade_price(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    let token = token_param(&Query::new(raw.as_deref()))?;
    let (price, side) = with_book(&ex, token, |_, tb| (tb.last_price, tb.last_side))?;
    json_ok(json!({"price": price.to_string(), "side": side.as_str()}))
}

/// `GET` with a JSON body (as the SDK sends it), or `?token_ids=a,b`.
async fn last_trades_prices(State(ex): Ex, RawQuery(raw): RawQuery, body: Bytes) -> HttpResult {
    let mut tokens: Vec<TokenId> = batch(&body)?.into_iter().map(|(t, _)| t).collect();
    let q = Query::new(raw.as_deref());
    for text in q.all("token_ids").into_iter().chain(q.all("token_id")) {
        tokens.push(parse_token("token_ids", text)?);
    }
    let st = ex.lock();
    let out: Vec<Value> = tokens
        .iter()
        .filter_map(|t| {
            let tb = st.books.get(t)?;
            Some(json!({"token_id": t.to_string(), "price": tb.last_price.to_string(), "side": tb.last_side.as_str()}))
        })
        .collect();
    json_ok(Value::Array(out))
}

/// The time window of a history request: `interval`, or `startTs`/`endTs`, not both.
fn history_window(q: &Query, now: i64) -> Result<(i64, i64), ApiError> {
    let start: Option<i64> = q.parse("startTs")?;
    let end: Option<i64> = q.parse("endTs")?;
    match q.get("interval") {
        Some(_) if start.is_some() || end.is_some() => Err(error(
            StatusCode::BAD_REQUEST,
            "interval and startTs/endTs are mutually exclusive",
        )),
        Some(i) => match history::interval_secs(i) {
            Some(Some(span)) => Ok((now - span, now)),
            Some(None) => Ok((i64::MIN, now)),
            None => Err(bad_param("interval", i)),
        },
        None => Ok((start.unwrap_or(i64::MIN), end.unwrap_or(now))),
    }
}

async fn prices_history(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    let q = Query::new(raw.as_deref());
    let text = q.get("market").ok_or_else(|| missing_param("market"))?;
    let token = parse_token("market", text)?;
    let (start, end) = history_window(&q, chrono::Utc::now().timestamp())?;
    let fidelity: Option<u32> = q.parse("fidelity")?;
    let st = ex.lock();
    let Some(&(mi, o)) = st.cat.by_token.get(&token) else {
        return json_ok(json!({"history": []}));
    };
    let m = &st.cat.markets[mi];
    let (primary, flip) = match m.complement(o) {
        Some(c) if o == 1 => (m.tokens[c], true),
        _ => (token, false),
    };
    let series = st.hist.series(primary);
    drop(st);
    let points: Vec<Value> = history::window(series, start, end, fidelity)
        .into_iter()
        .map(|(t, p)| json!({"t": t, "p": crate::util::num(if flip { 1.0 - p } else { p })}))
        .collect();
    json_ok(json!({"history": points}))
}

/// Looks a token up in the catalog (books are not needed: closed markets still have ticks).
fn market_param<T>(
    ex: &Exchange,
    token: TokenId,
    f: impl FnOnce(&crate::catalog::Market) -> T,
) -> Result<T, ApiError> {
    let st = ex.lock();
    let &(mi, _) = st.cat.by_token.get(&token).ok_or_else(no_book)?;
    Ok(f(&st.cat.markets[mi]))
}

async fn tick_size_for(ex: &Exchange, token: TokenId) -> HttpResult {
    let tick = market_param(ex, token, |m| m.tick)?;
    json_ok(json!({"minimum_tick_size": crate::util::num(f64::from(tick.micros()) / 1e6)}))
}

async fn tick_size(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    tick_size_for(&ex, token_param(&Query::new(raw.as_deref()))?).await
}

async fn tick_size_path(State(ex): Ex, Path(token): Path<String>) -> HttpResult {
    tick_size_for(&ex, parse_token("token_id", &token)?).await
}

async fn neg_risk_for(ex: &Exchange, token: TokenId) -> HttpResult {
    let neg_risk = market_param(ex, token, |m| m.neg_risk)?;
    json_ok(json!({"neg_risk": neg_risk}))
}

async fn neg_risk(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    neg_risk_for(&ex, token_param(&Query::new(raw.as_deref()))?).await
}

async fn neg_risk_path(State(ex): Ex, Path(token): Path<String>) -> HttpResult {
    neg_risk_for(&ex, parse_token("token_id", &token)?).await
}

async fn fee_rate_for(ex: &Exchange, token: TokenId) -> HttpResult {
    let fee = market_param(ex, token, |m| m.taker_base_fee)?;
    json_ok(json!({"base_fee": fee}))
}

async fn fee_rate(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    fee_rate_for(&ex, token_param(&Query::new(raw.as_deref()))?).await
}

async fn fee_rate_path(State(ex): Ex, Path(token): Path<String>) -> HttpResult {
    fee_rate_for(&ex, parse_token("token_id", &token)?).await
}
