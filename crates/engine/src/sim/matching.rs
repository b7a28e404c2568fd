//! Matching of our orders against the simulated book and the trade tape.

use polybot_model::amounts::{LOT_MICROS, limit_amounts, taker_fee};
use polybot_model::{BookSide, OrderBook, Price, Side, Size, TokenId, Usdc};

use super::{CloseReason, Liquidity, Resting, SimMarket, SimVenue, VenueReport};
use crate::ledger::FillStatus;
use crate::orders::{OrderRequest, Quantity, TimeInForce};

fn lot_floor(micros: u64) -> Size {
    Size::from_micros(micros / LOT_MICROS * LOT_MICROS)
}

/// What is left to trade of an order: shares, or USDC for a market BUY.
#[derive(Clone, Copy)]
enum Left {
    Shares(Size),
    Usdc(Usdc),
}

impl Left {
    /// A marketable BUY (FOK/FAK) spends its USDC amount, as the venue matches it: one sized in
    /// shares spends the order's maker amount and gets more shares at better prices.
    fn of(order: &OrderRequest, tick: polybot_model::TickSize) -> Self {
        match (order.quantity, order.side, order.time_in_force.rests()) {
            (Quantity::Shares(s), Side::Buy, false) => {
                match limit_amounts(Side::Buy, order.price, s, tick) {
                    Ok(a) => Left::Usdc(Usdc::from_micros(i64::try_from(a.maker).unwrap_or(0))),
                    Err(_) => Left::Shares(lot_floor(s.micros())),
                }
            }
            (Quantity::Shares(s), _, _) => Left::Shares(lot_floor(s.micros())),
            (Quantity::Usdc(u), _, _) => Left::Usdc(u),
        }
    }

    /// Shares that can be taken at `price` from a level of `available` shares.
    fn take(self, price: Price, available: Size) -> Size {
        let wanted = match self {
            Left::Shares(s) => s,
            Left::Usdc(u) => lot_floor(
                u64::try_from(i128::from(u.micros()) * 1_000_000 / i128::from(price.micros()))
                    .unwrap_or(0),
            ),
        };
        lot_floor(wanted.min(available).micros())
    }

    fn reduce(self, price: Price, taken: Size) -> Self {
        match self {
            Left::Shares(s) => Left::Shares(s.saturating_sub(taken)),
            Left::Usdc(u) => Left::Usdc(u.saturating_sub(taken.notional(price))),
        }
    }

    /// Nothing more can be bought or sold: no shares left, or not enough USDC for one lot at
    /// `price` (later levels of a BUY are dearer, so nothing more is affordable there either).
    fn exhausted(self, price: Price) -> bool {
        match self {
            Left::Shares(s) => s.is_zero(),
            Left::Usdc(u) => Size::from_micros(LOT_MICROS).notional(price) > u,
        }
    }
}

/// The opposite side's levels the order may take, best first, as `(price, size)`.
fn takeable(book: &OrderBook, side: Side, limit: Price) -> Vec<(Price, Size)> {
    let within = |p: Price| match side {
        Side::Buy => p <= limit,
        Side::Sell => p >= limit,
    };
    let levels: Box<dyn Iterator<Item = _>> = match side {
        Side::Buy => Box::new(book.asks_best_first()),
        Side::Sell => Box::new(book.bids_best_first()),
    };
    levels
        .take_while(|l| within(l.price))
        .map(|l| (l.price, l.size))
        .collect()
}

/// Runs an accepted order: take what crosses, then rest, kill or finish per its time in force.
pub(super) fn execute(
    venue: &mut SimVenue,
    now_ms: i64,
    order: OrderRequest,
    market: SimMarket,
    marketable: bool,
    out: &mut Vec<VenueReport>,
) {
    let id = order.client_id;
    let mut left = Left::of(&order, market.rules.tick);
    if marketable {
        let levels = venue
            .books
            .get(&order.token_id)
            .map(|b| takeable(b, order.side, order.price))
            .unwrap_or_default();
        if order.time_in_force == TimeInForce::Fok && !fully_fillable(left, &levels, order.price) {
            out.push(VenueReport::Closed {
                client_id: id,
                reason: CloseReason::Killed,
            });
            return;
        }
        for &(price, available) in &levels {
            let taken = left.take(price, available);
            if !taken.is_zero() {
                take(venue, now_ms, &order, market, price, available, taken, out);
                left = left.reduce(price, taken);
            }
            if left.exhausted(price) {
                break;
            }
        }
    }
    match (left, order.time_in_force) {
        (Left::Shares(s), _) if s.is_zero() => out.push(VenueReport::Closed {
            client_id: id,
            reason: CloseReason::Filled,
        }),
        (Left::Usdc(_), _) if left.exhausted(order.price) => out.push(VenueReport::Closed {
            client_id: id,
            reason: CloseReason::Filled,
        }),
        (Left::Usdc(_), _) | (_, TimeInForce::Fok | TimeInForce::Fak) => {
            out.push(VenueReport::Closed {
                client_id: id,
                reason: CloseReason::Killed,
            })
        }
        (Left::Shares(remaining), TimeInForce::Gtc | TimeInForce::Gtd { .. }) => {
            let own_side = match order.side {
                Side::Buy => BookSide::Bid,
                Side::Sell => BookSide::Ask,
            };
            let queue_ahead = venue
                .books
                .get(&order.token_id)
                .map_or(Size::ZERO, |b| b.depth_at(own_side, order.price));
            venue.insert_resting(
                id,
                Resting {
                    request: order,
                    remaining,
                    queue_ahead,
                },
            );
        }
    }
}

/// Whether the levels within the limit can fill the whole order (FOK): every share, or the
/// USDC amount down to less than one lot at the limit price.
fn fully_fillable(left: Left, levels: &[(Price, Size)], limit: Price) -> bool {
    let left = levels.iter().fold(left, |left, &(price, available)| {
        left.reduce(price, left.take(price, available))
    });
    left.exhausted(limit)
}

/// One taker fill at a level; the liquidity taken is removed from the simulated book until the
/// next market data update for that level replaces it.
#[allow(
    clippy::too_many_arguments,
    reason = "one fill's facts; a struct would only rename them"
)]
fn take(
    venue: &mut SimVenue,
    now_ms: i64,
    order: &OrderRequest,
    market: SimMarket,
    price: Price,
    available: Size,
    taken: Size,
    out: &mut Vec<VenueReport>,
) {
    let book_side = match order.side {
        Side::Buy => BookSide::Ask,
        Side::Sell => BookSide::Bid,
    };
    if let Some(book) = venue.books.get_mut(&order.token_id) {
        book.set_level(book_side, price, available.saturating_sub(taken));
    }
    let trade_id = venue.trade_id();
    out.push(VenueReport::Fill {
        client_id: order.client_id,
        trade_id,
        token_id: order.token_id,
        side: order.side,
        price,
        size: taken,
        fee: taker_fee(taken, price, market.taker_fee_bps),
        liquidity: Liquidity::Taker,
        status: FillStatus::Confirmed,
        timestamp_ms: now_ms,
    });
}

/// A printed trade at `price` for `size`: resting orders it traded through fill first (price
/// priority); at our price it first consumes the queue ahead of us (time priority).
pub(super) fn trade_through_resting(
    venue: &mut SimVenue,
    now_ms: i64,
    token: TokenId,
    price: Price,
    size: Size,
    out: &mut Vec<VenueReport>,
) {
    let mut budget = size;
    // In client id order, as resting orders have always been visited.
    for id in venue.resting_on(token) {
        if budget.is_zero() {
            break;
        }
        let Some(resting) = venue.resting.get_mut(&id) else {
            continue;
        };
        let ours = resting.request.price;
        let through = match resting.request.side {
            Side::Buy => price < ours,
            Side::Sell => price > ours,
        };
        if !through && price != ours {
            continue;
        }
        if !through {
            let consumed = budget.min(resting.queue_ahead);
            resting.queue_ahead = resting.queue_ahead.saturating_sub(consumed);
            budget = budget.saturating_sub(consumed);
        }
        let filled = lot_floor(budget.min(resting.remaining).micros());
        if filled.is_zero() {
            continue;
        }
        budget = budget.saturating_sub(filled);
        resting.remaining = resting.remaining.saturating_sub(filled);
        let (side, done) = (resting.request.side, resting.remaining.is_zero());
        let trade_id = venue.trade_id();
        out.push(VenueReport::Fill {
            client_id: id,
            trade_id,
            token_id: token,
            side,
            price: ours,
            size: filled,
            fee: Usdc::ZERO,
            liquidity: Liquidity::Maker,
            status: FillStatus::Confirmed,
            timestamp_ms: now_ms,
        });
        if done {
            venue.remove_resting(id);
            out.push(VenueReport::Closed {
                client_id: id,
                reason: CloseReason::Filled,
            });
        }
    }
}
