//! Accepting, matching and cancelling orders, with the venue's checks: owner and signer
//! match the API key, the signature is valid, the price implied by the amounts lies on the
//! tick, minimum sizes (5 shares resting, $1 marketable), post-only never crosses, the
//! expiration fits the order type, and the account can pay.

use polybot_model::amounts::{OrderAmounts, limit_amounts, market_buy_amounts, taker_fee};
use polybot_model::{Price, Side, Size, TickSize, TokenId, Usdc};
use serde_json::Value;

use super::auth::Creds;
use super::matching::{self, Taker, Target};
use super::verify::{Envelope, Reject, Verified, verify};
use super::{Order, OrderStatus, level_key, wire};
use crate::exchange::state::State;

/// Order types the venue knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gtc,
    Gtd,
    Fok,
    Fak,
}

impl Kind {
    fn parse(text: Option<&str>) -> Result<Kind, Reject> {
        match text.map(str::to_ascii_uppercase).as_deref() {
            None | Some("GTC") => Ok(Kind::Gtc),
            Some("GTD") => Ok(Kind::Gtd),
            Some("FOK") => Ok(Kind::Fok),
            Some("FAK") => Ok(Kind::Fak),
            Some(other) => Err(Reject::Malformed(format!("invalid orderType {other:?}"))),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Kind::Gtc => "GTC",
            Kind::Gtd => "GTD",
            Kind::Fok => "FOK",
            Kind::Fak => "FAK",
        }
    }

    fn rests(self) -> bool {
        matches!(self, Kind::Gtc | Kind::Gtd)
    }
}

/// What the market says about a token.
struct MarketInfo {
    tick: TickSize,
    min_size: u64,
}

fn market_info(st: &State, token: TokenId) -> Result<MarketInfo, Reject> {
    let (mi, _) = st
        .cat
        .by_token
        .get(&token)
        .ok_or_else(|| Reject::Invalid(format!("invalid token id {token}")))?;
    let m = &st.cat.markets[*mi];
    if m.closed || !m.accepting || !st.books.contains_key(&token) {
        return Err(Reject::Invalid("the market is not accepting orders".into()));
    }
    Ok(MarketInfo {
        tick: m.tick,
        min_size: (m.min_size * 1_000_000.0).round() as u64,
    })
}

/// The limit price implied by the amounts, if it lies on the tick and the amounts are
/// exactly what the SDK computes for it (limit, or market BUY in USDC).
fn implied_price(v: &Verified, tick: TickSize) -> Option<Price> {
    let (usdc, shares) = match v.side {
        Side::Buy => (v.maker_amount, v.taker_amount),
        Side::Sell => (v.taker_amount, v.maker_amount),
    };
    let ratio = u128::from(usdc) * 1_000_000 / u128::from(shares);
    let t = u128::from(tick.micros());
    let want = OrderAmounts {
        maker: v.maker_amount,
        taker: v.taker_amount,
    };
    [ratio / t * t, ratio.div_ceil(t) * t]
        .into_iter()
        .find_map(|p| {
            let price = Price::on_tick(u32::try_from(p).ok()?, tick).ok()?;
            let limit = limit_amounts(v.side, price, Size::from_micros(shares), tick).ok();
            let market = (v.side == Side::Buy)
                .then(|| {
                    market_buy_amounts(Usdc::from_micros(i64::try_from(usdc).ok()?), price, tick)
                        .ok()
                })
                .flatten();
            (limit == Some(want) || market == Some(want)).then_some(price)
        })
}

fn invalid(msg: impl Into<String>) -> Reject {
    Reject::Invalid(msg.into())
}

/// The checks that need no book: owner, signer, type, post-only, expiration.
fn check_envelope(
    env: &Envelope,
    creds: &Creds,
    v: &Verified,
    kind: Kind,
    now: i64,
) -> Result<(), Reject> {
    if env.owner != creds.api_key {
        return Err(invalid(
            "the order owner has to be the owner of the API KEY",
        ));
    }
    if !v.signer.eq_ignore_ascii_case(&creds.address) {
        return Err(invalid(
            "the order signer address has to be the address of the API KEY",
        ));
    }
    if env.post_only == Some(true) && !kind.rests() {
        return Err(invalid(
            "invalid post-only order: only GTC and GTD orders can be post-only",
        ));
    }
    match kind {
        Kind::Gtd if v.expiration <= now + 60 => Err(invalid(format!(
            "invalid expiration value ({}): a GTD order must expire more than a minute from now",
            v.expiration
        ))),
        Kind::Gtd => Ok(()),
        _ if v.expiration != 0 => Err(invalid("invalid expiration: only GTD orders can expire")),
        _ => Ok(()),
    }
}

/// What an accepted order will do, decided before anything changes.
struct Decision {
    price: Price,
    target: Target,
    plan: Vec<(Price, u64)>,
    shares: u64,
}

fn decide(
    st: &mut State,
    creds: &Creds,
    env: &Envelope,
    v: &Verified,
    kind: Kind,
) -> Result<Decision, Reject> {
    let info = market_info(st, v.token)?;
    let price = implied_price(v, info.tick).ok_or_else(|| {
        invalid(format!(
            "invalid amounts: the price breaks the minimum tick size rule ({})",
            info.tick
        ))
    })?;
    let shares = match v.side {
        Side::Buy => v.taker_amount,
        Side::Sell => v.maker_amount,
    };
    let target = match (v.side, kind.rests()) {
        (Side::Buy, false) => Target::Usdc(v.maker_amount),
        _ => Target::Shares(shares),
    };
    let book = &st
        .books
        .get(&v.token)
        .ok_or_else(|| invalid("no orderbook"))?
        .book;
    let plan = matching::plan(book, v.side, price, target);
    let crosses = !plan.is_empty();
    if crosses && env.post_only == Some(true) {
        return Err(invalid("invalid post-only order: order crosses book"));
    }
    let notional = match v.side {
        Side::Buy => v.maker_amount,
        Side::Sell => v.taker_amount,
    };
    if (crosses || !kind.rests()) && notional < 1_000_000 {
        return Err(invalid(format!(
            "invalid amount for a marketable order ({}), min size: $1",
            wire::units(notional)
        )));
    }
    if !crosses && kind.rests() && shares < info.min_size {
        return Err(invalid(format!(
            "order size ({}) lower than the minimum: {}",
            wire::units(shares),
            wire::units(info.min_size)
        )));
    }
    check_funds(st, creds, v, price, shares, crosses)?;
    match kind {
        Kind::Fok if !matching::complete(&plan, target, price) => Err(invalid(
            "order couldn't be fully filled. FOK orders are fully filled or killed.",
        )),
        Kind::Fak if plan.is_empty() => Err(invalid(
            "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.",
        )),
        _ => Ok(Decision {
            price,
            target,
            plan,
            shares,
        }),
    }
}

fn check_funds(
    st: &mut State,
    creds: &Creds,
    v: &Verified,
    price: Price,
    shares: u64,
    crosses: bool,
) -> Result<(), Reject> {
    let bps = matching::fee_bps(st, v.token);
    let tr = &mut st.trading;
    let ok = match v.side {
        Side::Buy => {
            let fee = if crosses {
                taker_fee(Size::from_micros(shares), price, bps).micros()
            } else {
                0
            };
            tr.free_cash(&creds.api_key) >= i64::try_from(v.maker_amount).unwrap_or(i64::MAX) + fee
        }
        Side::Sell => {
            tr.free_shares(&creds.api_key, v.token)
                >= i64::try_from(v.maker_amount).unwrap_or(i64::MAX)
        }
    };
    if ok {
        Ok(())
    } else {
        Err(invalid("not enough balance / allowance"))
    }
}

/// Places one order envelope for an authenticated key; a venue rejection is `Ok` with
/// `success: false`, a malformed envelope is `Err`.
pub fn place(st: &mut State, creds: &Creds, body: &Value) -> Result<Value, Reject> {
    let env: Envelope = serde_json::from_value(body.clone())
        .map_err(|e| Reject::Malformed(format!("invalid order payload: {e}")))?;
    let kind = Kind::parse(env.order_type.as_deref())?;
    let neg = |t: TokenId| {
        st.cat
            .by_token
            .get(&t)
            .map(|(mi, _)| st.cat.markets[*mi].neg_risk)
    };
    let v = match verify(&env.order, neg) {
        Ok(v) => v,
        Err(Reject::Invalid(m)) => return Ok(wire::post_error("", &m)),
        Err(e) => return Err(e),
    };
    let now = chrono::Utc::now().timestamp();
    let decided = check_envelope(&env, creds, &v, kind, now).and_then(|()| {
        if st.trading.orders.contains_key(&v.hash) {
            return Err(invalid("order already exists"));
        }
        decide(st, creds, &env, &v, kind)
    });
    match decided {
        Ok(d) => Ok(execute(st, creds, &v, kind, d, now)),
        Err(Reject::Invalid(m)) => Ok(wire::post_error(&v.hash, &m)),
        Err(e) => Err(e),
    }
}

fn execute(
    st: &mut State,
    creds: &Creds,
    v: &Verified,
    kind: Kind,
    d: Decision,
    now: i64,
) -> Value {
    let seq = st.trading.next_seq;
    st.trading.next_seq += 1;
    let mut order = Order {
        id: v.hash.clone(),
        owner: creds.api_key.clone(),
        maker_address: v.maker.clone(),
        token: v.token,
        side: v.side,
        price: d.price,
        original: d.shares,
        matched: 0,
        status: OrderStatus::Live,
        order_type: kind.as_str().to_owned(),
        created_at: now,
        expiration: v.expiration,
        ahead: 0,
        seq,
        trades: Vec::new(),
    };
    let taker = Taker {
        order_id: order.id.clone(),
        side: order.side,
    };
    let trades = matching::execute(st, &taker, &order, &d.plan);
    let filled: u64 = trades.iter().map(|t| t.size).sum();
    let spent: u64 = trades
        .iter()
        .map(|t| super::accounts::notional(t.size, t.price.micros()) as u64)
        .sum();
    order.matched = filled.min(order.original);
    order.trades = trades.iter().map(|t| t.id.clone()).collect();
    let rests = kind.rests() && order.remaining() > 0 && !matches!(d.target, Target::Usdc(_));
    order.status = if rests {
        OrderStatus::Live
    } else if filled > 0 {
        OrderStatus::Matched
    } else {
        OrderStatus::Canceled
    };
    let id = order.id.clone();
    st.trading.orders.insert(id.clone(), order);
    if rests {
        rest(st, &id);
    }
    let status = if filled > 0 {
        "matched"
    } else if rests {
        "live"
    } else {
        "unmatched"
    };
    let (making, taking) = match v.side {
        Side::Buy => (spent, filled),
        Side::Sell => (filled, spent),
    };
    wire::post_reply(&id, status, making, taking, &trades)
}

/// Puts a live order into its level, behind the simulated size already there.
fn rest(st: &mut State, id: &str) {
    let Some(o) = st.trading.orders.get(id).cloned() else {
        return;
    };
    let side = o.book_side();
    let level = st
        .books
        .get(&o.token)
        .map_or(0, |tb| tb.book.depth_at(side, o.price).micros());
    let comp = st.cat.complement_of(o.token);
    let other = comp.map_or(0, |c| {
        st.trading
            .resting_at(c, matching_opposite(side), o.price.complement())
    });
    let mine = st.trading.resting_at(o.token, side, o.price);
    if let Some(ord) = st.trading.orders.get_mut(id) {
        ord.ahead = level.saturating_sub(mine + other);
    }
    st.trading
        .levels
        .entry(level_key(o.token, side, o.price))
        .or_default()
        .push(id.to_owned());
    let size = Size::from_micros(level + o.remaining());
    crate::sim::apply_levels(st, &[(o.token, side, o.price, size)]);
    wire::push_order_event(st, id, "PLACEMENT");
}

fn matching_opposite(side: polybot_model::BookSide) -> polybot_model::BookSide {
    match side {
        polybot_model::BookSide::Bid => polybot_model::BookSide::Ask,
        polybot_model::BookSide::Ask => polybot_model::BookSide::Bid,
    }
}

/// Cancels a live order of `owner`: removes its size from the book and tells the user
/// channel. Returns why not, if it cannot.
pub fn cancel(st: &mut State, owner: &str, id: &str) -> Result<(), String> {
    let o = match st.trading.orders.get(id) {
        Some(o) if o.owner == owner => o.clone(),
        _ => return Err("order not found".into()),
    };
    match o.status {
        OrderStatus::Live => {}
        OrderStatus::Canceled => return Err("the order is already canceled".into()),
        OrderStatus::Matched => return Err("the order is already matched".into()),
    }
    let side = o.book_side();
    if let Some(ids) = st
        .trading
        .levels
        .get_mut(&level_key(o.token, side, o.price))
    {
        ids.retain(|x| x != id);
    }
    if let Some(ord) = st.trading.orders.get_mut(id) {
        ord.status = OrderStatus::Canceled;
    }
    let level = st
        .books
        .get(&o.token)
        .map_or(0, |tb| tb.book.depth_at(side, o.price).micros());
    let size = Size::from_micros(level.saturating_sub(o.remaining()));
    crate::sim::apply_levels(st, &[(o.token, side, o.price, size)]);
    wire::push_order_event(st, id, "CANCELLATION");
    Ok(())
}

/// Live order ids of `owner`, optionally only in a market (condition id) or asset.
#[must_use]
pub fn live_ids(
    st: &State,
    owner: &str,
    market: Option<&str>,
    asset: Option<TokenId>,
) -> Vec<String> {
    let mut live: Vec<&Order> = st
        .trading
        .orders
        .values()
        .filter(|o| o.owner == owner && o.status == OrderStatus::Live)
        .filter(|o| asset.is_none_or(|a| a == o.token))
        .filter(|o| market.is_none_or(|m| wire::market_cid(st, o.token).eq_ignore_ascii_case(m)))
        .collect();
    live.sort_by_key(|o| o.seq);
    live.into_iter().map(|o| o.id.clone()).collect()
}
