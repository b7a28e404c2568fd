//! The Data API: trades, activity, positions, portfolio value and the trader leaderboard,
//! all derived from the trade tape (recorded + simulated). Addresses compare lowercase.

use std::sync::Arc;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use polybot_model::{ConditionId, Side, TokenId};
use serde_json::{Value, json};

use super::{ApiError, HttpResult, Query, bad_param, error, json_ok, missing_param};
use crate::exchange::Exchange;
use crate::exchange::state::State as ExState;
use crate::tape::TapeTrade;
use crate::util::{as_f64, derive_seed, is_hex_id, lower, num};

type Ex = State<Arc<Exchange>>;

pub(crate) fn routes() -> Router<Arc<Exchange>> {
    Router::new()
        .route("/", get(|| async { axum::Json(json!({"data": "OK"})) }))
        .route("/trades", get(trades))
        .route("/activity", get(activity))
        .route("/positions", get(positions))
        .route("/value", get(value))
        .route("/traded", get(traded))
        .route("/v1/leaderboard", get(leaderboard))
}

fn user_param(q: &Query, required: bool) -> Result<Option<String>, ApiError> {
    match q.get("user") {
        None if required => Err(missing_param("user")),
        None => Ok(None),
        Some(u) => {
            let addr = lower(u.trim());
            if is_hex_id(&addr, 40) {
                Ok(Some(addr))
            } else {
                Err(bad_param("user", u))
            }
        }
    }
}

fn side_param(q: &Query) -> Result<Option<Side>, ApiError> {
    match q.get("side").map(str::to_ascii_uppercase).as_deref() {
        None => Ok(None),
        Some("BUY") => Ok(Some(Side::Buy)),
        Some("SELL") => Ok(Some(Side::Sell)),
        Some(other) => Err(bad_param("side", other)),
    }
}

/// Market filter: `market` (condition ids) or `eventId`, comma-separated.
struct MarketFilter {
    markets: Vec<String>,
    events: Vec<String>,
}

impl MarketFilter {
    fn parse(q: &Query) -> Result<MarketFilter, ApiError> {
        let markets = q
            .all("market")
            .iter()
            .map(|m| {
                ConditionId::parse(m)
                    .map(|c| c.to_string())
                    .map_err(|_| bad_param("market", m))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let events = q.all("eventId").iter().map(|e| (*e).to_owned()).collect();
        Ok(MarketFilter { markets, events })
    }

    fn accepts(&self, condition: &str, event_id: &str) -> bool {
        (self.markets.is_empty() || self.markets.iter().any(|m| m == condition))
            && (self.events.is_empty() || self.events.iter().any(|e| e == event_id))
    }
}

fn wallet_index(st: &ExState, user: &str) -> Option<u32> {
    st.tape.wallet_index.get(user).copied()
}

/// `/trades` shows maker fills only with `takerOnly=false` (the venue's default is `true`).
fn trade_matches(t: &TapeTrade, wallet: Option<u32>, f: &MarketFilter, side: Option<Side>) -> bool {
    wallet.is_none_or(|w| t.wallet == w)
        && side.is_none_or(|s| t.side == s)
        && f.accepts(&t.meta.condition, &t.meta.event_id)
}

async fn trades(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    let q = Query::new(raw.as_deref());
    let user = user_param(&q, false)?;
    let (limit, offset) = (q.limit(100, 10_000)?, q.offset()?.min(10_000));
    let (filter, side) = (MarketFilter::parse(&q)?, side_param(&q)?);
    let taker_only = q.bool("takerOnly")?.unwrap_or(true);
    let min_amount: Option<f64> = q.parse("filterAmount")?;
    let cash = match q.get("filterType").map(str::to_ascii_uppercase).as_deref() {
        None | Some("CASH") => true,
        Some("TOKENS") => false,
        Some(other) => return Err(bad_param("filterType", other)),
    };
    let st = ex.lock();
    let wallet = match &user {
        Some(u) => match wallet_index(&st, u) {
            Some(w) => Some(w),
            None => return json_ok(json!([])),
        },
        None => None,
    };
    let out: Vec<Value> = st
        .tape
        .trades
        .iter()
        .rev()
        .filter(|t| trade_matches(t, wallet, &filter, side))
        .filter(|t| t.taker || !taker_only)
        .filter(|t| min_amount.is_none_or(|m| if cash { t.notional() >= m } else { t.size >= m }))
        .skip(offset)
        .take(limit)
        .map(|t| st.tape.trade_json(t))
        .collect();
    json_ok(Value::Array(out))
}

async fn activity(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    let q = Query::new(raw.as_deref());
    let user = user_param(&q, true)?.unwrap_or_default();
    let (limit, offset) = (q.limit(100, 500)?, q.offset()?.min(10_000));
    let (filter, side) = (MarketFilter::parse(&q)?, side_param(&q)?);
    let (start, end): (Option<i64>, Option<i64>) = (q.parse("start")?, q.parse("end")?);
    let types: Vec<String> = q
        .all("type")
        .iter()
        .map(|t| t.to_ascii_uppercase())
        .collect();
    let sort_by = q
        .get("sortBy")
        .map_or("TIMESTAMP".to_owned(), str::to_ascii_uppercase);
    if !["TIMESTAMP", "TOKENS", "CASH"].contains(&sort_by.as_str()) {
        return Err(bad_param("sortBy", &sort_by));
    }
    let ascending = sort_direction(&q)?;
    let st = ex.lock();
    let Some(wallet) = wallet_index(&st, &user) else {
        return json_ok(json!([]));
    };
    if !types.is_empty() && !types.iter().any(|t| t == "TRADE") {
        return json_ok(json!([]));
    }
    let mut rows: Vec<&TapeTrade> = st
        .tape
        .trades
        .iter()
        .rev()
        .filter(|t| trade_matches(t, Some(wallet), &filter, side))
        .filter(|t| start.is_none_or(|s| t.ts >= s) && end.is_none_or(|e| t.ts <= e))
        .collect();
    let key = |t: &TapeTrade| match sort_by.as_str() {
        "TOKENS" => t.size,
        "CASH" => t.notional(),
        _ => t.ts as f64,
    };
    rows.sort_by(|a, b| {
        if ascending {
            key(a).total_cmp(&key(b))
        } else {
            key(b).total_cmp(&key(a))
        }
    });
    let out: Vec<Value> = rows
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|t| st.tape.activity_json(t))
        .collect();
    json_ok(Value::Array(out))
}

/// `sortDirection`: `true` for ascending; default descending.
fn sort_direction(q: &Query) -> Result<bool, ApiError> {
    match q
        .get("sortDirection")
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("DESC") => Ok(false),
        Some("ASC") => Ok(true),
        Some(other) => Err(bad_param("sortDirection", other)),
    }
}

fn positions_of(st: &ExState, user: &str) -> Vec<Value> {
    match wallet_index(st, user) {
        Some(w) => st.tape.positions(w, &|t: TokenId| st.mark(t)),
        None => Vec::new(),
    }
}

fn num_field(v: &Value, key: &str) -> f64 {
    as_f64(v.get(key)).unwrap_or(0.0)
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

async fn positions(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    let q = Query::new(raw.as_deref());
    let user = user_param(&q, true)?.unwrap_or_default();
    let (limit, offset) = (q.limit(100, 500)?, q.offset()?.min(10_000));
    let filter = MarketFilter::parse(&q)?;
    let threshold: f64 = q.parse("sizeThreshold")?.unwrap_or(1.0);
    let (redeemable, mergeable) = (q.bool("redeemable")?, q.bool("mergeable")?);
    let title = q.get("title").map(str::to_lowercase);
    let sort_by = q
        .get("sortBy")
        .map_or("TOKENS".to_owned(), str::to_ascii_uppercase);
    let sort_key = match sort_by.as_str() {
        "CURRENT" => "currentValue",
        "INITIAL" => "initialValue",
        "TOKENS" => "size",
        "CASHPNL" => "cashPnl",
        "PERCENTPNL" => "percentPnl",
        "PRICE" => "curPrice",
        "AVGPRICE" => "avgPrice",
        "TITLE" => "title",
        "RESOLVING" => "endDate",
        other => return Err(bad_param("sortBy", other)),
    };
    let ascending = sort_direction(&q)?;
    let st = ex.lock();
    let mut rows: Vec<Value> = positions_of(&st, &user)
        .into_iter()
        .filter(|p| num_field(p, "size") >= threshold)
        .filter(|p| filter.accepts(str_field(p, "conditionId"), str_field(p, "eventId")))
        .filter(|p| {
            redeemable.is_none_or(|r| p.get("redeemable").and_then(Value::as_bool) == Some(r))
        })
        .filter(|p| {
            mergeable.is_none_or(|m| p.get("mergeable").and_then(Value::as_bool) == Some(m))
        })
        .filter(|p| {
            title
                .as_ref()
                .is_none_or(|t| str_field(p, "title").to_lowercase().contains(t))
        })
        .collect();
    drop(st);
    rows.sort_by(|a, b| {
        let ord = match sort_key {
            "title" | "endDate" => str_field(a, sort_key).cmp(str_field(b, sort_key)),
            k => num_field(a, k).total_cmp(&num_field(b, k)),
        };
        if ascending { ord } else { ord.reverse() }
    });
    json_ok(Value::Array(
        rows.into_iter().skip(offset).take(limit).collect(),
    ))
}

async fn value(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    let q = Query::new(raw.as_deref());
    let user = user_param(&q, true)?.unwrap_or_default();
    let filter = MarketFilter::parse(&q)?;
    let st = ex.lock();
    let total: f64 = positions_of(&st, &user)
        .iter()
        .filter(|p| filter.accepts(str_field(p, "conditionId"), ""))
        .map(|p| num_field(p, "currentValue"))
        .sum();
    json_ok(json!([{"user": user, "value": num(total)}]))
}

async fn traded(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    let q = Query::new(raw.as_deref());
    let user = user_param(&q, true)?.unwrap_or_default();
    let st = ex.lock();
    let count = wallet_index(&st, &user).map_or(0, |w| {
        let mut markets: Vec<&str> = st
            .tape
            .trades
            .iter()
            .filter(|t| t.wallet == w)
            .map(|t| t.meta.condition.as_str())
            .collect();
        markets.sort_unstable();
        markets.dedup();
        markets.len()
    });
    json_ok(json!({"user": user, "traded": count}))
}

const LEADERBOARD_CATEGORIES: &[&str] = &[
    "OVERALL",
    "POLITICS",
    "SPORTS",
    "CRYPTO",
    "CULTURE",
    "MENTIONS",
    "WEATHER",
    "ECONOMICS",
    "TECH",
    "FINANCE",
];

/// Whether a market of fakex category `market_cat` counts for leaderboard `category`.
fn in_category(category: &str, market_cat: &str) -> bool {
    category == "OVERALL"
        || market_cat.eq_ignore_ascii_case(category)
        || (category == "POLITICS" && market_cat == "Geopolitics")
}

struct Board {
    category: String,
    /// Window in seconds (`None` = all time).
    window: Option<i64>,
    by_pnl: bool,
}

impl Board {
    fn parse(q: &Query) -> Result<Board, ApiError> {
        let category = q
            .get("category")
            .map_or("OVERALL".to_owned(), str::to_ascii_uppercase);
        if !LEADERBOARD_CATEGORIES.contains(&category.as_str()) {
            return Err(bad_param("category", &category));
        }
        let window = match q
            .get("timePeriod")
            .map_or("DAY".to_owned(), str::to_ascii_uppercase)
            .as_str()
        {
            "DAY" => Some(86_400),
            "WEEK" => Some(7 * 86_400),
            "MONTH" => Some(30 * 86_400),
            "ALL" => None,
            other => return Err(bad_param("timePeriod", other)),
        };
        let by_pnl = match q
            .get("orderBy")
            .map_or("PNL".to_owned(), str::to_ascii_uppercase)
            .as_str()
        {
            "PNL" => true,
            "VOL" => false,
            other => return Err(bad_param("orderBy", other)),
        };
        Ok(Board {
            category,
            window,
            by_pnl,
        })
    }

    /// `(volume, pnl)` per wallet: the dump's figures (scaled to the category) for all-time
    /// and month boards, plus the tape's activity in the window, marked to market.
    fn rows(&self, st: &ExState) -> Vec<(u32, f64, f64)> {
        let now = chrono::Utc::now().timestamp();
        let cat_of = |t: &TapeTrade| {
            st.cat
                .by_token
                .get(&t.token)
                .map_or("Other", |&(m, _)| st.cat.markets[m].category)
        };
        let mut acc: Vec<(f64, f64)> = vec![(0.0, 0.0); st.tape.wallets.len()];
        for t in st.tape.trades.iter().rev() {
            if self.window.is_some_and(|w| t.ts < now - w) {
                break;
            }
            if !in_category(&self.category, cat_of(t)) {
                continue;
            }
            let mark = st.mark(t.token).map_or(t.price, |m| m.price);
            let dir = if t.side == Side::Buy { 1.0 } else { -1.0 };
            let a = &mut acc[t.wallet as usize];
            a.0 += t.notional();
            a.1 += (mark - t.price) * t.size * dir;
        }
        st.tape
            .wallets
            .iter()
            .enumerate()
            .filter_map(|(i, w)| {
                let share = if self.category == "OVERALL" {
                    1.0
                } else {
                    (derive_seed(0, &format!("{}{}", w.address, self.category)) % 100) as f64
                        / 200.0
                };
                let (base_vol, base_pnl) = match self.window {
                    None => (w.volume * share, w.pnl * share),
                    Some(span) if span >= 30 * 86_400 => {
                        (w.volume * share / 12.0, w.pnl_30d * share)
                    }
                    Some(_) => (0.0, 0.0),
                };
                let (vol, pnl) = (base_vol + acc[i].0, base_pnl + acc[i].1);
                (vol > 0.0 || pnl != 0.0).then_some((i as u32, vol, pnl))
            })
            .collect()
    }
}

async fn leaderboard(State(ex): Ex, RawQuery(raw): RawQuery) -> HttpResult {
    let q = Query::new(raw.as_deref());
    let board = Board::parse(&q)?;
    let limit = q.limit(25, 50)?;
    let offset = q.offset()?;
    if offset > 1000 {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "offset must be at most 1000",
        ));
    }
    let user = user_param(&q, false)?;
    let user_name = q.get("userName").map(str::to_lowercase);
    let st = ex.lock();
    let mut rows = board.rows(&st);
    rows.sort_by(|a, b| {
        if board.by_pnl {
            b.2.total_cmp(&a.2)
        } else {
            b.1.total_cmp(&a.1)
        }
    });
    let out: Vec<Value> = rows
        .iter()
        .enumerate()
        .filter(|(_, (w, _, _))| {
            let wallet = st.tape.wallet(*w);
            user.as_ref().is_none_or(|u| &wallet.address == u)
                && user_name.as_ref().is_none_or(|n| {
                    wallet.name.to_lowercase() == *n || wallet.pseudonym.to_lowercase() == *n
                })
        })
        .skip(offset)
        .take(limit)
        .map(|(rank, (w, vol, pnl))| {
            let wallet = st.tape.wallet(*w);
            let name = if wallet.name.is_empty() {
                &wallet.pseudonym
            } else {
                &wallet.name
            };
            json!({
                "rank": (rank + 1).to_string(), "proxyWallet": wallet.address, "userName": name,
                "vol": num(*vol), "pnl": num(*pnl), "profileImage": wallet.profile_image,
                "xUsername": "", "verifiedBadge": false,
            })
        })
        .collect();
    json_ok(Value::Array(out))
}
