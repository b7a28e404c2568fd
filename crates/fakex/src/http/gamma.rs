//! The Gamma API: market and event discovery with the venue's filters, ordering and paging.
//!
//! Objects are the recorded (or synthesised) ones with live fields patched in; `id`s are
//! strings and `outcomes`/`outcomePrices`/`clobTokenIds` JSON-encoded strings, as the SDK
//! requires. `limit` defaults to 20 and is capped at 500, like the real API.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use chrono::{DateTime, Utc};
use polybot_model::{ConditionId, TokenId};
use serde_json::Value;

use super::{ApiError, HttpResult, Query, bad_param, error, json_ok};
use crate::catalog::{Event, Market};
use crate::exchange::Exchange;
use crate::exchange::live;
use crate::exchange::state::State as ExState;
use crate::util::{as_bool, as_f64, parse_datetime};

type Ex = State<Arc<Exchange>>;

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 500;

pub(crate) fn routes() -> Router<Arc<Exchange>> {
    Router::new()
        .route("/status", get(|| async { "OK" }))
        .route("/markets", get(markets))
        .route("/markets/{id}", get(market_by_id))
        .route("/markets/slug/{slug}", get(market_by_slug))
        .route("/events", get(events))
        .route("/events/{id}", get(event_by_id))
        .route("/events/slug/{slug}", get(event_by_slug))
}

fn date_param(q: &Query, key: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    match q.get(key) {
        None => Ok(None),
        Some(v) => parse_datetime(v).map(Some).ok_or_else(|| bad_param(key, v)),
    }
}

fn in_range(x: Option<f64>, min: Option<f64>, max: Option<f64>) -> bool {
    let x = x.unwrap_or(0.0);
    min.is_none_or(|m| x >= m) && max.is_none_or(|m| x <= m)
}

fn date_in(
    d: Option<DateTime<Utc>>,
    min: Option<DateTime<Utc>>,
    max: Option<DateTime<Utc>>,
) -> bool {
    match d {
        Some(d) => min.is_none_or(|m| d >= m) && max.is_none_or(|m| d <= m),
        None => min.is_none() && max.is_none(),
    }
}

/// Numeric and date range filters shared by markets and events.
struct Ranges {
    volume: (Option<f64>, Option<f64>),
    liquidity: (Option<f64>, Option<f64>),
    start: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    end: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
}

impl Ranges {
    fn parse(q: &Query, volume_key: &str, liquidity_key: &str) -> Result<Ranges, ApiError> {
        Ok(Ranges {
            volume: (
                q.parse(&format!("{volume_key}_min"))?,
                q.parse(&format!("{volume_key}_max"))?,
            ),
            liquidity: (
                q.parse(&format!("{liquidity_key}_min"))?,
                q.parse(&format!("{liquidity_key}_max"))?,
            ),
            start: (
                date_param(q, "start_date_min")?,
                date_param(q, "start_date_max")?,
            ),
            end: (
                date_param(q, "end_date_min")?,
                date_param(q, "end_date_max")?,
            ),
        })
    }

    fn accept(
        &self,
        volume: Option<f64>,
        liquidity: impl FnOnce() -> Option<f64>,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
    ) -> bool {
        in_range(volume, self.volume.0, self.volume.1)
            && date_in(start, self.start.0, self.start.1)
            && date_in(end, self.end.0, self.end.1)
            && (self.liquidity == (None, None)
                || in_range(liquidity(), self.liquidity.0, self.liquidity.1))
    }
}

fn market_liquidity(st: &ExState, m: &Market) -> Option<f64> {
    if m.has_liquidity {
        as_f64(
            m.gamma
                .get("liquidityNum")
                .or_else(|| m.gamma.get("liquidity")),
        )
    } else {
        Some(live::liquidity(st, m))
    }
}

/// A sort key from the served object: numbers numerically, strings lexically, missing last.
fn sort_key(v: Option<&Value>) -> (u8, f64, String) {
    match v {
        Some(Value::Number(n)) => (0, n.as_f64().unwrap_or(0.0), String::new()),
        Some(Value::String(s)) => match s.parse::<f64>() {
            Ok(x) => (0, x, String::new()),
            Err(_) => (1, 0.0, s.clone()),
        },
        _ => (2, 0.0, String::new()),
    }
}

fn cmp_keys(a: &(u8, f64, String), b: &(u8, f64, String), ascending: bool) -> Ordering {
    let ord =
        a.0.cmp(&b.0)
            .then(a.1.total_cmp(&b.1))
            .then_with(|| a.2.cmp(&b.2));
    if ascending || a.0 != b.0 {
        ord
    } else {
        ord.reverse()
    }
}

/// Orders `items` (already rendered) by field `order`; stable, so ties keep catalog order.
fn order_by(items: &mut [(usize, Value)], order: Option<&str>, ascending: bool) {
    let Some(field) = order else { return };
    let field = match field {
        "volume" => "volumeNum",
        "liquidity" => "liquidityNum",
        f => f,
    };
    items.sort_by(|a, b| {
        cmp_keys(
            &sort_key(a.1.get(field)),
            &sort_key(b.1.get(field)),
            ascending,
        )
    });
}

fn tag_known(st: &ExState, tag: &str) -> bool {
    st.cat
        .events
        .iter()
        .any(|e| e.tag_ids.iter().any(|t| t == tag))
}

fn market_has_tag(st: &ExState, m: &Market, tag: &str) -> bool {
    m.events
        .iter()
        .any(|&e| st.cat.events[e].tag_ids.iter().any(|t| t == tag))
}

/// The identity filters of `/markets` (repeated keys: any of the values matches).
struct Lookup<'q> {
    ids: Vec<&'q str>,
    slugs: Vec<&'q str>,
    conditions: Vec<ConditionId>,
    tokens: Vec<TokenId>,
    closed: Option<bool>,
    active: Option<bool>,
    archived: Option<bool>,
}

impl<'q> Lookup<'q> {
    fn parse(q: &'q Query) -> Result<Lookup<'q>, ApiError> {
        let conditions = q
            .all("condition_ids")
            .iter()
            .map(|c| ConditionId::parse(c).map_err(|_| bad_param("condition_ids", c)))
            .collect::<Result<_, _>>()?;
        let tokens = q
            .all("clob_token_ids")
            .iter()
            .map(|t| TokenId::parse(t).map_err(|_| bad_param("clob_token_ids", t)))
            .collect::<Result<_, _>>()?;
        Ok(Lookup {
            ids: q.all("id"),
            slugs: q.all("slug"),
            conditions,
            tokens,
            closed: q.bool("closed")?,
            active: q.bool("active")?,
            archived: q.bool("archived")?,
        })
    }

    fn accepts(&self, m: &Market) -> bool {
        self.closed.is_none_or(|c| m.closed == c)
            && self.active.is_none_or(|a| m.active == a)
            && self.archived.is_none_or(|a| m.archived == a)
            && (self.ids.is_empty() || self.ids.contains(&m.gamma_id.as_str()))
            && (self.slugs.is_empty() || self.slugs.contains(&m.slug.as_str()))
            && (self.conditions.is_empty() || self.conditions.contains(&m.condition))
            && (self.tokens.is_empty() || m.tokens.iter().any(|t| self.tokens.contains(t)))
    }
}

/// Serves the `offset..offset+limit` slice of `selected`, ordered by `order` if given (which
/// needs every selected object rendered; otherwise only the page is).
fn page(
    st: &ExState,
    selected: Vec<usize>,
    render: fn(&ExState, usize) -> Value,
    order: Option<&str>,
    ascending: bool,
    (offset, limit): (usize, usize),
) -> Vec<Value> {
    if order.is_none() {
        return selected
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|i| render(st, i))
            .collect();
    }
    let mut items: Vec<(usize, Value)> = selected.into_iter().map(|i| (i, render(st, i))).collect();
    order_by(&mut items, order, ascending);
    items
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(_, v)| v)
        .collect()
}

fn gamma_market(st: &ExState, i: usize) -> Value {
    live::gamma_market(st, i, true)
}

async fn markets(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    let q = Query::new(raw.as_deref());
    let window = (q.offset()?, q.limit(DEFAULT_LIMIT, MAX_LIMIT)?);
    let ascending = q.bool("ascending")?.unwrap_or(true);
    let ranges = Ranges::parse(&q, "volume_num", "liquidity_num")?;
    let lookup = Lookup::parse(&q)?;
    let st = ex.lock();
    let tag = q.get("tag_id").filter(|t| tag_known(&st, t));
    let selected: Vec<usize> = (0..st.cat.markets.len())
        .filter(|&i| {
            let m = &st.cat.markets[i];
            lookup.accepts(m)
                && tag.is_none_or(|t| market_has_tag(&st, m, t))
                && ranges.accept(
                    Some(m.base_volume + m.sim_volume),
                    || market_liquidity(&st, m),
                    m.start_date,
                    m.end_date,
                )
        })
        .collect();
    json_ok(Value::Array(page(
        &st,
        selected,
        gamma_market,
        q.get("order"),
        ascending,
        window,
    )))
}

async fn market_by_id(State(ex): Ex, Path(id): Path<String>) -> HttpResult {
    let st = ex.lock();
    let i = *st
        .cat
        .by_gamma_id
        .get(&id)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "market not found"))?;
    json_ok(live::gamma_market(&st, i, true))
}

async fn market_by_slug(State(ex): Ex, Path(slug): Path<String>) -> HttpResult {
    let st = ex.lock();
    let i = *st
        .cat
        .by_slug
        .get(&slug)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "market not found"))?;
    json_ok(live::gamma_market(&st, i, true))
}

fn event_flag(e: &Event, key: &str) -> Option<bool> {
    as_bool(e.obj.get(key))
}

fn event_volume(st: &ExState, e: &Event) -> f64 {
    e.base_volume
        + e.markets
            .iter()
            .map(|&m| st.cat.markets[m].sim_volume)
            .sum::<f64>()
}

fn event_liquidity(st: &ExState, e: &Event) -> Option<f64> {
    if e.has_liquidity {
        as_f64(e.obj.get("liquidity"))
    } else {
        Some(
            e.markets
                .iter()
                .map(|&m| live::liquidity(st, &st.cat.markets[m]))
                .sum(),
        )
    }
}

async fn events(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    let q = Query::new(raw.as_deref());
    let (limit, offset) = (q.limit(DEFAULT_LIMIT, MAX_LIMIT)?, q.offset()?);
    let (closed, active, archived) = (q.bool("closed")?, q.bool("active")?, q.bool("archived")?);
    let ascending = q.bool("ascending")?.unwrap_or(true);
    let ranges = Ranges::parse(&q, "volume", "liquidity")?;
    let (ids, slugs) = (q.all("id"), q.all("slug"));
    let st = ex.lock();
    let tag = q.get("tag_id").filter(|t| tag_known(&st, t));
    let tag_slug = q.get("tag_slug");
    let selected: Vec<usize> = st
        .cat
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            closed.is_none_or(|c| st.cat.event_closed(e) == c)
                && active.is_none_or(|a| event_flag(e, "active").unwrap_or(true) == a)
                && archived.is_none_or(|a| event_flag(e, "archived").unwrap_or(false) == a)
                && (ids.is_empty() || ids.contains(&e.id.as_str()))
                && (slugs.is_empty() || slugs.contains(&e.slug.as_str()))
                && tag.is_none_or(|t| e.tag_ids.iter().any(|x| x == t))
                && tag_slug.is_none_or(|t| e.tag_slugs.iter().any(|x| x == t))
                && ranges.accept(
                    Some(event_volume(&st, e)),
                    || event_liquidity(&st, e),
                    e.start_date,
                    e.end_date,
                )
        })
        .map(|(i, _)| i)
        .collect();
    let order = q.all("order").first().copied();
    json_ok(Value::Array(page(
        &st,
        selected,
        live::event,
        order,
        ascending,
        (offset, limit),
    )))
}

async fn event_by_id(State(ex): Ex, Path(id): Path<String>) -> HttpResult {
    let st = ex.lock();
    let i = *st
        .cat
        .event_by_id
        .get(&id)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "event not found"))?;
    json_ok(live::event(&st, i))
}

async fn event_by_slug(State(ex): Ex, Path(slug): Path<String>) -> HttpResult {
    let st = ex.lock();
    let i = *st
        .cat
        .event_by_slug
        .get(&slug)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "event not found"))?;
    json_ok(live::event(&st, i))
}
