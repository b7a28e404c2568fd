//! Matching fakex orders against the simulated book, with queue position.
//!
//! A fakex order rests *in* a simulated level, behind the simulated size that was there when
//! it arrived (`Order::ahead`). Any consumption of that level — a simulated trade or a fakex
//! taker — eats the simulated size ahead of the first fakex order, then that order, then the
//! simulated size between it and the next, and so on. Binary books mirror each other, so a
//! level is also reached through its complement (a bid at p on one outcome is an ask at 1−p
//! on the other).

use polybot_model::{BookSide, OrderBook, Price, Side, Size, TokenId};

use super::accounts::notional;
use super::{MakerFill, Order, OrderStatus, Trade, TradeStatus, Trading, level_key, wire};
use crate::exchange::state::State;
use crate::util::{hex_digest, mix};

/// Shares are traded in whole hundredths.
pub const LOT: u64 = 10_000;
/// The owner shown for simulated counterparties (a UUID, as the SDK requires).
pub const SIM_OWNER: &str = "00000000-0000-4000-8000-000000000000";
pub const SIM_ADDRESS: &str = "0x0000000000000000000000000000000000000001";

fn opposite(side: BookSide) -> BookSide {
    match side {
        BookSide::Bid => BookSide::Ask,
        BookSide::Ask => BookSide::Bid,
    }
}

/// The level keys a consumption of `(token, side, price)` reaches.
fn keys(
    comp: Option<TokenId>,
    token: TokenId,
    side: BookSide,
    price: Price,
) -> Vec<(TokenId, u8, u32)> {
    let mut k = vec![level_key(token, side, price)];
    if let Some(c) = comp {
        k.push(level_key(c, opposite(side), price.complement()));
    }
    k
}

/// The size a level may be set to: never below the fakex orders resting in it; the
/// simulated size ahead of each is clamped to what is left of the simulated part.
pub fn floor_level(
    tr: &mut Trading,
    comp: Option<TokenId>,
    token: TokenId,
    side: BookSide,
    price: Price,
    size: Size,
) -> Size {
    let ks = keys(comp, token, side, price);
    let resting: u64 = ks.iter().map(|k| resting_key(tr, k)).sum();
    if resting == 0 {
        return size;
    }
    let size = Size::from_micros(size.micros().max(resting));
    let sim = size.micros() - resting;
    for k in &ks {
        for id in tr.levels.get(k).cloned().unwrap_or_default() {
            if let Some(o) = tr.orders.get_mut(&id) {
                o.ahead = o.ahead.min(sim);
            }
        }
    }
    size
}

fn resting_key(tr: &Trading, k: &(TokenId, u8, u32)) -> u64 {
    tr.levels.get(k).map_or(0, |ids| {
        ids.iter()
            .filter_map(|id| tr.orders.get(id))
            .map(Order::remaining)
            .sum()
    })
}

/// Fills, in time priority, the fakex orders a consumption of `shares` at a level reaches.
fn queue_fills(tr: &mut Trading, key: &(TokenId, u8, u32), shares: u64) -> Vec<(String, u64)> {
    let ids = tr.levels.get(key).cloned().unwrap_or_default();
    let (mut rest, mut prev_ahead, mut sim_eaten) = (shares, 0u64, 0u64);
    let mut fills = Vec::new();
    for id in ids {
        let Some(o) = tr.orders.get_mut(&id) else {
            continue;
        };
        let gap = o.ahead.saturating_sub(prev_ahead);
        prev_ahead = o.ahead;
        let eat = gap.min(rest);
        rest -= eat;
        sim_eaten += eat;
        o.ahead = o.ahead.saturating_sub(sim_eaten);
        let fill = rest.min(o.remaining());
        rest -= fill;
        if fill > 0 {
            fills.push((id, fill));
        }
    }
    fills
}

/// Who is taking: a fakex order, or (None) the simulated crowd.
pub struct Taker {
    pub order_id: String,
    pub side: Side,
}

/// A consumption of `shares` at a level fills the fakex orders queued in it (each gets a
/// MAKER trade, settled at MATCHED). Returns the maker fills.
pub fn fill_makers(
    st: &mut State,
    token: TokenId,
    side: BookSide,
    price: Price,
    shares: u64,
    taker: Option<&Taker>,
) -> Vec<MakerFill> {
    let comp = st.cat.complement_of(token);
    let mut out = Vec::new();
    for key in keys(comp, token, side, price) {
        for (id, fill) in queue_fills(&mut st.trading, &key, shares) {
            if let Some(m) = fill_maker(st, &id, fill, taker) {
                out.push(m);
            }
        }
    }
    out
}

fn next_ids(tr: &mut Trading) -> (String, String) {
    let seq = tr.next_seq;
    tr.next_seq += 1;
    let h = hex_digest(mix(seq ^ 0x7472_6164_6500), 16);
    let id = format!(
        "{}-{}-4{}-8{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    );
    (id, format!("0x{}", hex_digest(mix(seq), 32)))
}

fn fill_maker(st: &mut State, id: &str, fill: u64, taker: Option<&Taker>) -> Option<MakerFill> {
    let tr = &mut st.trading;
    let o = tr.orders.get_mut(id)?;
    o.matched += fill;
    if o.remaining() == 0 {
        o.status = OrderStatus::Matched;
    }
    let o = o.clone();
    if o.status != OrderStatus::Live
        && let Some(ids) = tr
            .levels
            .get_mut(&level_key(o.token, o.book_side(), o.price))
    {
        ids.retain(|x| x != id);
    }
    let fill_rec = MakerFill {
        order_id: o.id.clone(),
        owner: o.owner.clone(),
        maker_address: o.maker_address.clone(),
        token: o.token,
        side: o.side,
        price: o.price,
        shares: fill,
    };
    let taker_order_id = taker.map_or_else(
        || format!("0x{}", hex_digest(mix(tr.next_seq ^ 0x51), 32)),
        |t| t.order_id.clone(),
    );
    let trade = new_trade(
        st,
        &o,
        fill,
        o.price,
        0,
        taker_order_id,
        "MAKER",
        vec![fill_rec.clone()],
    );
    let trade_id = trade.id.clone();
    if let Some(ord) = st.trading.orders.get_mut(id) {
        ord.trades.push(trade_id);
    }
    record(st, trade);
    wire::push_order_event(st, id, "UPDATE");
    Some(fill_rec)
}

/// Builds a trade for `order`'s account, with the settlement it implies.
#[allow(
    clippy::too_many_arguments,
    reason = "a trade has this many independent parts"
)]
fn new_trade(
    st: &mut State,
    order: &Order,
    shares: u64,
    price: Price,
    fee: i64,
    taker_order_id: String,
    trader_side: &'static str,
    maker_orders: Vec<MakerFill>,
) -> Trade {
    let tr = &mut st.trading;
    let (id, tx_hash) = next_ids(tr);
    let value = notional(shares, price.micros());
    let sh = i64::try_from(shares).unwrap_or(i64::MAX);
    let (cash_delta, position_delta) = match order.side {
        Side::Buy => (-value - fee, sh),
        Side::Sell => (value - fee, -sh),
    };
    let ghost = match tr.ghost_next.get_mut(&order.owner) {
        Some(n) if *n > 0 => {
            *n -= 1;
            true
        }
        _ => false,
    };
    let now = chrono::Utc::now().timestamp();
    Trade {
        id,
        owner: order.owner.clone(),
        maker_address: order.maker_address.clone(),
        taker_order_id,
        token: order.token,
        side: order.side,
        size: shares,
        price,
        fee_bps: fee_bps(st, order.token),
        fee,
        status: TradeStatus::Matched,
        trader_side,
        maker_orders,
        tx_hash,
        match_time: now,
        last_update: now,
        cash_delta,
        position_delta,
        ghost,
        matched_at: std::time::Instant::now(),
    }
}

/// Settles a new trade at MATCHED, stores it and tells the user channel.
fn record(st: &mut State, trade: Trade) {
    st.trading.settle(
        &trade.owner,
        trade.token,
        trade.cash_delta,
        trade.position_delta,
    );
    let event = wire::ws_trade(st, &trade);
    let market = wire::market_cid(st, trade.token);
    st.trading.push_user(&trade.owner, &market, event);
    st.trading.trades.push(trade);
}

/// The market's taker fee rate in basis points.
#[must_use]
pub fn fee_bps(st: &State, token: TokenId) -> u32 {
    st.cat.by_token.get(&token).map_or(0, |(mi, _)| {
        (st.cat.markets[*mi].fee_rate * 10_000.0).round() as u32
    })
}

/// How much a taker wants: shares, or (market BUY) a USDC budget.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Shares(u64),
    Usdc(u64),
}

/// The levels a taker would consume, best first, and the shares taken at each.
#[must_use]
pub fn plan(book: &OrderBook, side: Side, limit: Price, target: Target) -> Vec<(Price, u64)> {
    let levels: Vec<_> = match side {
        Side::Buy => book.asks_best_first().copied().collect(),
        Side::Sell => book.bids_best_first().copied().collect(),
    };
    let mut left = target;
    let mut out = Vec::new();
    for l in levels {
        let crosses = match side {
            Side::Buy => l.price <= limit,
            Side::Sell => l.price >= limit,
        };
        if !crosses {
            break;
        }
        let want = match left {
            Target::Shares(n) => n,
            Target::Usdc(b) => {
                let shares = u128::from(b) * 1_000_000 / u128::from(l.price.micros().max(1));
                u64::try_from(shares).unwrap_or(u64::MAX) / LOT * LOT
            }
        };
        let take = want.min(l.size.micros());
        if take == 0 {
            break;
        }
        out.push((l.price, take));
        left = match left {
            Target::Shares(n) => Target::Shares(n - take),
            Target::Usdc(b) => {
                Target::Usdc(b.saturating_sub(notional(take, l.price.micros()) as u64))
            }
        };
    }
    out
}

/// Whether a plan satisfies the whole target (FOK).
#[must_use]
pub fn complete(plan: &[(Price, u64)], target: Target, limit: Price) -> bool {
    match target {
        Target::Shares(n) => plan.iter().map(|(_, s)| s).sum::<u64>() >= n,
        Target::Usdc(b) => {
            let spent: u64 = plan
                .iter()
                .map(|(p, s)| notional(*s, p.micros()) as u64)
                .sum();
            let left = b.saturating_sub(spent);
            u128::from(left) * 1_000_000 / u128::from(limit.micros().max(1)) < u128::from(LOT)
        }
    }
}

/// Executes a plan for a fakex taker: fills makers, shrinks the levels (broadcast), records
/// one TAKER trade per level (with the taker fee), prints the last trade. Returns the trades.
pub fn execute(st: &mut State, taker: &Taker, order: &Order, plan: &[(Price, u64)]) -> Vec<Trade> {
    let token = order.token;
    let book_side = match taker.side {
        Side::Buy => BookSide::Ask,
        Side::Sell => BookSide::Bid,
    };
    let bps = fee_bps(st, token);
    let mut trades = Vec::new();
    for (price, take) in plan {
        let mut makers = fill_makers(st, token, book_side, *price, *take, Some(taker));
        let fakex: u64 = makers.iter().map(|m| m.shares).sum();
        if *take > fakex {
            makers.push(sim_maker(token, taker.side, *price, take - fakex));
        }
        let level = st
            .books
            .get(&token)
            .map_or(0, |tb| tb.book.depth_at(book_side, *price).micros());
        let left = Size::from_micros(level.saturating_sub(*take));
        crate::sim::apply_levels(st, &[(token, book_side, *price, left)]);
        let fee = polybot_model::amounts::taker_fee(Size::from_micros(*take), *price, bps).micros();
        let trade = new_trade(
            st,
            order,
            *take,
            *price,
            fee,
            taker.order_id.clone(),
            "TAKER",
            makers,
        );
        trades.push(trade.clone());
        record(st, trade);
    }
    if let Some((price, _)) = plan.last() {
        let total = Size::from_micros(plan.iter().map(|(_, s)| s).sum());
        let ts = st.next_ts();
        let _ = crate::sim::print_trade(st, token, *price, total, taker.side, ts);
    }
    trades
}

fn sim_maker(token: TokenId, taker_side: Side, price: Price, shares: u64) -> MakerFill {
    MakerFill {
        order_id: format!(
            "0x{}",
            hex_digest(mix(u64::from(price.micros()) ^ shares), 32)
        ),
        owner: SIM_OWNER.to_owned(),
        maker_address: SIM_ADDRESS.to_owned(),
        token,
        side: match taker_side {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        },
        price,
        shares,
    }
}
