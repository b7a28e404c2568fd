//! CLOB market discovery: cursor-paged market lists, single markets, the token → market map
//! and the short-key `/clob-markets` parameters the SDK uses for fees.
//!
//! Pages are `{data, next_cursor, limit, count}` with the cursor being base64 of the next
//! offset and `LTE=` (base64 of `-1`) marking the last page, as on the venue.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use polybot_model::{ConditionId, TokenId};
use serde_json::{Value, json};

use super::{ApiError, HttpResult, Query, bad_param, error, json_ok};
use crate::exchange::Exchange;
use crate::exchange::live;
use crate::exchange::state::State as ExState;
use crate::util::{END_CURSOR, decode_cursor, encode_cursor, num};

type Ex = State<Arc<Exchange>>;

/// Markets per page (the venue's sampling pages hold 1000).
pub(crate) const PAGE_SIZE: usize = 1000;

pub(crate) fn routes() -> Router<Arc<Exchange>> {
    Router::new()
        .route("/markets", get(markets))
        .route("/markets/{condition_id}", get(market))
        .route("/sampling-markets", get(sampling_markets))
        .route("/simplified-markets", get(simplified_markets))
        .route(
            "/sampling-simplified-markets",
            get(sampling_simplified_markets),
        )
        .route("/markets-by-token/{token}", get(market_by_token))
        .route("/clob-markets/{condition_id}", get(clob_market_info))
}

#[derive(Clone, Copy)]
enum Listing {
    All,
    Sampling,
}

fn page(
    ex: &Exchange,
    raw: Option<&str>,
    listing: Listing,
    render: fn(&ExState, usize) -> Value,
) -> HttpResult {
    let q = Query::new(raw);
    let offset = match q.get("next_cursor") {
        None => 0,
        Some(c) => match decode_cursor(c) {
            Ok(Some(o)) => o,
            Ok(None) => usize::MAX,
            Err(()) => return Err(bad_param("next_cursor", c)),
        },
    };
    let st = ex.lock();
    let selected: Vec<usize> = (0..st.cat.markets.len())
        .filter(|&i| match listing {
            Listing::All => true,
            Listing::Sampling => st.cat.markets[i].sampling,
        })
        .collect();
    let data: Vec<Value> = selected
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|&i| render(&st, i))
        .collect();
    let end = offset.saturating_add(data.len());
    let next = if end < selected.len() {
        encode_cursor(end)
    } else {
        END_CURSOR.to_owned()
    };
    json_ok(json!({"data": data, "next_cursor": next, "limit": PAGE_SIZE, "count": data.len()}))
}

async fn markets(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    page(&ex, raw.as_deref(), Listing::All, live::clob_market)
}

async fn sampling_markets(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    page(&ex, raw.as_deref(), Listing::Sampling, live::clob_market)
}

async fn simplified_markets(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    page(&ex, raw.as_deref(), Listing::All, live::simplified_market)
}

async fn sampling_simplified_markets(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    page(
        &ex,
        raw.as_deref(),
        Listing::Sampling,
        live::simplified_market,
    )
}

fn market_index(st: &ExState, text: &str) -> Result<usize, ApiError> {
    let cid = ConditionId::parse(text.trim()).map_err(|_| bad_param("condition_id", text))?;
    st.cat
        .by_condition
        .get(&cid)
        .copied()
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "market not found"))
}

async fn market(State(ex): Ex, Path(cid): Path<String>) -> HttpResult {
    let st = ex.lock();
    let i = market_index(&st, &cid)?;
    json_ok(live::clob_market(&st, i))
}

async fn market_by_token(State(ex): Ex, Path(token): Path<String>) -> HttpResult {
    let token = TokenId::parse(token.trim()).map_err(|_| bad_param("token_id", &token))?;
    let st = ex.lock();
    let &(mi, _) = st
        .cat
        .by_token
        .get(&token)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "market not found"))?;
    let m = &st.cat.markets[mi];
    let primary = m
        .tokens
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    let secondary = m
        .tokens
        .get(1)
        .map_or_else(|| primary.clone(), ToString::to_string);
    json_ok(
        json!({"condition_id": m.cid, "primary_token_id": primary, "secondary_token_id": secondary}),
    )
}

/// `/clob-markets/{condition_id}`: the short-key trading parameters (tick, minimum size,
/// neg-risk, V2 fee details) the SDK caches before building orders.
async fn clob_market_info(State(ex): Ex, Path(cid): Path<String>) -> HttpResult {
    let st = ex.lock();
    let i = market_index(&st, &cid)?;
    let m = &st.cat.markets[i];
    let tokens: Vec<Value> = m
        .tokens
        .iter()
        .enumerate()
        .map(|(o, t)| json!({"t": t.to_string(), "o": m.outcomes.get(o).cloned().unwrap_or_default()}))
        .collect();
    json_ok(json!({
        "c": m.cid,
        "t": tokens,
        "mts": num(f64::from(m.tick.micros()) / 1e6),
        "mos": num(m.min_size),
        "nr": m.neg_risk,
        "fd": {"r": num(m.fee_rate), "e": 1, "to": true},
        "mbf": 0,
        "tbf": m.taker_base_fee,
        "rfqe": false,
    }))
}
