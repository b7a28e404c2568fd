//! The venue's order rules, checked before an order is signed: tick alignment, minimum sizes,
//! order-type combinations and amount rounding exactly as the venue computes it. A violation is
//! caught here with a reason code instead of as a rejection (or worse, a silently re-rounded
//! order) from the venue.

use polybot_model::amounts::{OrderAmounts, limit_amounts, market_buy_amounts, round_to_lot};
use polybot_model::{OrderBook, Price, Side, Size, TickSize, Usdc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{OrderRequest, Quantity, TimeInForce};

/// What the venue requires of orders on one market (from Gamma / `/clob-markets`, refreshed on
/// `tick_size_change`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketRules {
    pub tick: TickSize,
    /// Minimum size of a resting order (5 shares on Polymarket).
    pub min_resting_size: Size,
    /// Minimum notional of a marketable order ($1 on Polymarket).
    pub min_marketable_notional: Usdc,
}

impl MarketRules {
    /// Polymarket's rules for a market with this tick.
    #[must_use]
    pub fn polymarket(tick: TickSize) -> Self {
        MarketRules {
            tick,
            min_resting_size: Size::shares(5),
            min_marketable_notional: Usdc::dollars(1),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum RuleViolation {
    #[error("price {price} is not on the {tick} tick or outside [tick, 1 - tick]")]
    OffTick { price: String, tick: String },
    #[error("size {size} is below the minimum resting size {min}")]
    BelowMinSize { size: String, min: String },
    #[error("notional {notional} is below the minimum marketable notional {min}")]
    BelowMinNotional { notional: String, min: String },
    #[error("size {0} rounds to zero at the venue's 0.01-share lot")]
    DustSize(String),
    #[error("post-only is only allowed for GTC and GTD orders")]
    PostOnlyNotResting,
    #[error("a SELL is sized in shares, not USDC")]
    SellInUsdc,
    #[error("a {0} order is sized in shares or, for market BUYs, USDC")]
    QuantityKind(&'static str),
    #[error(
        "GTD expiry {expires_at_secs} is not after now ({now_secs}) plus the venue's one-minute buffer"
    )]
    ExpiryTooSoon { expires_at_secs: i64, now_secs: i64 },
}

impl RuleViolation {
    /// Stable reason code for the decision log.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            RuleViolation::OffTick { .. } => "off_tick",
            RuleViolation::BelowMinSize { .. } => "below_min_size",
            RuleViolation::BelowMinNotional { .. } => "below_min_notional",
            RuleViolation::DustSize(_) => "dust_size",
            RuleViolation::PostOnlyNotResting => "post_only_not_resting",
            RuleViolation::SellInUsdc => "sell_in_usdc",
            RuleViolation::QuantityKind(_) => "quantity_kind",
            RuleViolation::ExpiryTooSoon { .. } => "expiry_too_soon",
        }
    }
}

/// Whether an order at `price` would trade against `book` right now (and so is held to the
/// marketable minimum rather than the resting one).
#[must_use]
pub fn crosses(book: &OrderBook, side: Side, price: Price) -> bool {
    match side {
        Side::Buy => book.best_ask().is_some_and(|a| a.price <= price),
        Side::Sell => book.best_bid().is_some_and(|b| b.price >= price),
    }
}

/// The venue applies about a minute of buffer to GTD expiries.
const GTD_BUFFER_SECS: i64 = 60;

/// Checks `order` against `rules` at `now_secs` and returns the exact amounts it will carry.
/// `marketable` says whether the order would cross the book now (a crossing limit order is
/// held to the marketable minimum, a resting one to the size minimum).
pub fn validate(
    order: &OrderRequest,
    rules: &MarketRules,
    marketable: bool,
    now_secs: i64,
) -> Result<OrderAmounts, RuleViolation> {
    let off_tick = || RuleViolation::OffTick {
        price: order.price.to_string(),
        tick: rules.tick.to_string(),
    };
    order.price.check_tick(rules.tick).map_err(|_| off_tick())?;
    if order.post_only && !order.time_in_force.rests() {
        return Err(RuleViolation::PostOnlyNotResting);
    }
    if let TimeInForce::Gtd { expires_at_secs } = order.time_in_force
        && expires_at_secs <= now_secs + GTD_BUFFER_SECS
    {
        return Err(RuleViolation::ExpiryTooSoon {
            expires_at_secs,
            now_secs,
        });
    }
    let amounts = match (order.quantity, order.side) {
        (Quantity::Usdc(_), Side::Sell) => return Err(RuleViolation::SellInUsdc),
        (Quantity::Usdc(_), Side::Buy) if order.time_in_force.rests() => {
            return Err(RuleViolation::QuantityKind("resting"));
        }
        (Quantity::Usdc(usdc), Side::Buy) => {
            market_buy_amounts(usdc, order.price, rules.tick).map_err(|_| off_tick())?
        }
        (Quantity::Shares(size), side) => {
            if round_to_lot(size).is_zero() {
                return Err(RuleViolation::DustSize(size.to_string()));
            }
            limit_amounts(side, order.price, size, rules.tick).map_err(|_| off_tick())?
        }
    };
    let usdc = Usdc::from_micros(
        i64::try_from(match order.side {
            Side::Buy => amounts.maker,
            Side::Sell => amounts.taker,
        })
        .unwrap_or(i64::MAX),
    );
    let shares = Size::from_micros(match order.side {
        Side::Buy => amounts.taker,
        Side::Sell => amounts.maker,
    });
    if marketable || !order.time_in_force.rests() {
        if usdc < rules.min_marketable_notional {
            return Err(RuleViolation::BelowMinNotional {
                notional: usdc.to_string(),
                min: rules.min_marketable_notional.to_string(),
            });
        }
    } else if shares < rules.min_resting_size {
        return Err(RuleViolation::BelowMinSize {
            size: shares.to_string(),
            min: rules.min_resting_size.to_string(),
        });
    }
    Ok(amounts)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;
    use polybot_model::{Price, TokenId};

    use super::*;
    use crate::ledger::AccountId;
    use crate::orders::ClientOrderId;

    fn order(
        side: Side,
        price: &str,
        quantity: Quantity,
        tif: TimeInForce,
        post_only: bool,
    ) -> OrderRequest {
        OrderRequest {
            client_id: ClientOrderId(1),
            account: AccountId::new("a"),
            token_id: TokenId(U256::from(9u8)),
            side,
            price: Price::parse(price).unwrap(),
            quantity,
            time_in_force: tif,
            post_only,
        }
    }
    fn shares(s: &str) -> Quantity {
        Quantity::Shares(Size::parse(s).unwrap())
    }
    const NOW: i64 = 1_800_000_000;

    /// Each rule alone produces its reason code.
    #[test]
    fn each_rule_has_its_reason() {
        let rules = MarketRules::polymarket(TickSize::Hundredth);
        let cases: Vec<(OrderRequest, bool, &str)> = vec![
            (
                order(Side::Buy, "0.455", shares("10"), TimeInForce::Gtc, false),
                false,
                "off_tick",
            ),
            (
                order(Side::Buy, "0.45", shares("4.99"), TimeInForce::Gtc, false),
                false,
                "below_min_size",
            ),
            (
                order(Side::Buy, "0.45", shares("2"), TimeInForce::Fok, false),
                true,
                "below_min_notional",
            ),
            (
                order(Side::Buy, "0.45", shares("0.001"), TimeInForce::Gtc, false),
                false,
                "dust_size",
            ),
            (
                order(Side::Buy, "0.45", shares("10"), TimeInForce::Fak, true),
                true,
                "post_only_not_resting",
            ),
            (
                order(
                    Side::Sell,
                    "0.45",
                    Quantity::Usdc(Usdc::dollars(5)),
                    TimeInForce::Fok,
                    false,
                ),
                true,
                "sell_in_usdc",
            ),
            (
                order(
                    Side::Buy,
                    "0.45",
                    Quantity::Usdc(Usdc::dollars(5)),
                    TimeInForce::Gtc,
                    false,
                ),
                false,
                "quantity_kind",
            ),
            (
                order(
                    Side::Buy,
                    "0.45",
                    shares("10"),
                    TimeInForce::Gtd {
                        expires_at_secs: NOW + 30,
                    },
                    false,
                ),
                false,
                "expiry_too_soon",
            ),
        ];
        for (o, marketable, code) in cases {
            let err = validate(&o, &rules, marketable, NOW).unwrap_err();
            assert_eq!(err.code(), code, "{o:?}: {err}");
        }
    }

    #[test]
    fn valid_orders_carry_the_venue_amounts() {
        let rules = MarketRules::polymarket(TickSize::Hundredth);
        let a = validate(
            &order(Side::Buy, "0.50", shares("100"), TimeInForce::Gtc, true),
            &rules,
            false,
            NOW,
        )
        .unwrap();
        assert_eq!((a.maker, a.taker), (50_000_000, 100_000_000));
        let a = validate(
            &order(
                Side::Buy,
                "0.47",
                Quantity::Usdc(Usdc::parse("25.5").unwrap()),
                TimeInForce::Fok,
                false,
            ),
            &rules,
            true,
            NOW,
        )
        .unwrap();
        assert_eq!((a.maker, a.taker), (25_500_000, 54_255_300));
        let gtd = TimeInForce::Gtd {
            expires_at_secs: NOW + 3600,
        };
        assert!(
            validate(
                &order(Side::Sell, "0.99", shares("5"), gtd, false),
                &rules,
                false,
                NOW
            )
            .is_ok()
        );
        // A crossing limit order needs $1, not 5 shares: 3 shares at 0.5 = $1.50 is fine.
        assert!(
            validate(
                &order(Side::Buy, "0.50", shares("3"), TimeInForce::Gtc, false),
                &rules,
                true,
                NOW
            )
            .is_ok()
        );
    }
}
