//! The venue's order amounts and fees, exactly as Polymarket's SDK computes them.
//!
//! A signed order carries two integers, `makerAmount` (what the maker gives) and `takerAmount`
//! (what it gets), in millionths. The SDK derives them from price and size with specific
//! truncations; an order whose amounts differ by one unit from what the venue expects is rejected
//! ("breaks minimum tick size rule"), so these rules are reproduced exactly and tested against the
//! amounts the SDK and the Python client produce.

use crate::error::ModelError;
use crate::num::{Price, Size, TickSize, Usdc};
use crate::trade::Side;

/// Order sizes are whole hundredths of a share (the SDK rounds down to this lot since 0.9).
pub const LOT_MICROS: u64 = 10_000;

/// `makerAmount` and `takerAmount` of an order, in millionths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderAmounts {
    pub maker: u64,
    pub taker: u64,
}

/// `size` rounded down to the 0.01-share lot.
#[must_use]
pub fn round_to_lot(size: Size) -> Size {
    Size::from_micros(size.micros() / LOT_MICROS * LOT_MICROS)
}

/// `value_e12` (a product of two millionth amounts, so in 10⁻¹²) truncated to `decimals`
/// places and expressed in millionths.
fn truncate_e12(value_e12: u128, decimals: u32) -> u64 {
    let keep = 10u128.pow(12 - decimals);
    u64::try_from(value_e12 / keep * keep / 1_000_000).unwrap_or(u64::MAX)
}

/// Amounts of a limit order: BUY gives `size × price` USDC for `size` shares, SELL the reverse,
/// with the USDC side truncated to the tick's decimals plus two.
pub fn limit_amounts(
    side: Side,
    price: Price,
    size: Size,
    tick: TickSize,
) -> Result<OrderAmounts, ModelError> {
    price.check_tick(tick)?;
    let shares = round_to_lot(size);
    if shares.is_zero() {
        return Err(ModelError::InvalidValue {
            what: "order size (at least 0.01 shares)",
            value: size.to_string(),
        });
    }
    let usdc = truncate_e12(
        u128::from(shares.micros()) * u128::from(price.micros()),
        tick.decimals() + 2,
    );
    Ok(match side {
        Side::Buy => OrderAmounts {
            maker: usdc,
            taker: shares.micros(),
        },
        Side::Sell => OrderAmounts {
            maker: shares.micros(),
            taker: usdc,
        },
    })
}

/// Amounts of a market BUY for a USDC amount at a worst price: the shares received are
/// `usdc / price`, truncated to the tick's decimals plus two.
pub fn market_buy_amounts(
    usdc: Usdc,
    price: Price,
    tick: TickSize,
) -> Result<OrderAmounts, ModelError> {
    price.check_tick(tick)?;
    let maker = u64::try_from(usdc.micros())
        .ok()
        .filter(|m| *m > 0)
        .ok_or_else(|| ModelError::InvalidValue {
            what: "market buy amount (positive USDC)",
            value: usdc.to_string(),
        })?;
    let shares_e12 = u128::from(maker) * 1_000_000 * 1_000_000 / u128::from(price.micros());
    Ok(OrderAmounts {
        maker,
        taker: truncate_e12(shares_e12, tick.decimals() + 2),
    })
}

/// Amounts of a market SELL of `size` shares at a worst price.
pub fn market_sell_amounts(
    size: Size,
    price: Price,
    tick: TickSize,
) -> Result<OrderAmounts, ModelError> {
    limit_amounts(Side::Sell, price, size, tick)
}

/// Polymarket's taker fee on a fill of `shares` at `price`: `shares · rate · p · (1 − p)`, with
/// the rate in basis points, rounded half up to 0.00001 USDC; a non-zero fee is at least that.
/// Makers pay nothing.
#[must_use]
pub fn taker_fee(shares: Size, price: Price, rate_bps: u32) -> Usdc {
    let p = u128::from(price.micros());
    // shares (1e-6) · rate (1e-4) · p (1e-6) · (1 − p) (1e-6) = 1e-22 units.
    let raw = u128::from(shares.micros()) * u128::from(rate_bps) * p * (1_000_000 - p);
    if raw == 0 {
        return Usdc::ZERO;
    }
    const TO_E5: u128 = 100_000_000_000_000_000; // 1e-22 → 1e-5
    let e5 = ((raw + TO_E5 / 2) / TO_E5).max(1);
    Usdc::from_micros(i64::try_from(e5 * 10).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        Price::parse(s).unwrap()
    }
    fn sz(s: &str) -> Size {
        Size::parse(s).unwrap()
    }
    fn tick(s: &str) -> TickSize {
        s.parse().unwrap()
    }

    /// The amounts table verified against the Rust SDK and py-clob-client-v2.
    #[test]
    fn limit_amounts_match_the_sdk() {
        let cases = [
            (Side::Buy, "0.50", "100", "0.01", 50_000_000, 100_000_000),
            (Side::Sell, "0.57", "33.333", "0.01", 33_330_000, 18_998_100),
            (Side::Buy, "0.123", "17.77", "0.001", 2_185_710, 17_770_000),
            (
                Side::Sell,
                "0.9876",
                "12.3456",
                "0.0001",
                12_340_000,
                12_186_984,
            ),
            (Side::Buy, "0.455", "19.99", "0.005", 9_095_450, 19_990_000),
            (
                Side::Sell,
                "0.0125",
                "1000",
                "0.0025",
                1_000_000_000,
                12_500_000,
            ),
        ];
        for (side, price, size, t, maker, taker) in cases {
            let got = limit_amounts(side, p(price), sz(size), tick(t)).unwrap();
            assert_eq!(
                got,
                OrderAmounts { maker, taker },
                "{side:?} {size} @ {price}"
            );
        }
    }

    #[test]
    fn market_amounts_match_the_sdk() {
        let buy = |usdc: &str| {
            market_buy_amounts(Usdc::parse(usdc).unwrap(), p("0.47"), TickSize::Hundredth).unwrap()
        };
        assert_eq!(
            buy("25.5"),
            OrderAmounts {
                maker: 25_500_000,
                taker: 54_255_300
            }
        );
        assert_eq!(
            buy("10.125"),
            OrderAmounts {
                maker: 10_125_000,
                taker: 21_542_500
            }
        );
        let sell = market_sell_amounts(sz("40.123"), p("0.61"), TickSize::Hundredth).unwrap();
        assert_eq!(
            sell,
            OrderAmounts {
                maker: 40_120_000,
                taker: 24_473_200
            }
        );
    }

    #[test]
    fn rejects_off_tick_and_dust() {
        assert!(limit_amounts(Side::Buy, p("0.455"), sz("10"), TickSize::Hundredth).is_err());
        assert!(limit_amounts(Side::Buy, p("0.45"), sz("0.009"), TickSize::Hundredth).is_err());
        assert!(market_buy_amounts(Usdc::ZERO, p("0.45"), TickSize::Hundredth).is_err());
    }

    #[test]
    fn taker_fee_formula() {
        // 100 shares at 0.5, 4% rate (400 bps): 100 · 0.04 · 0.25 = 1.0
        assert_eq!(
            taker_fee(sz("100"), p("0.5"), 400),
            Usdc::parse("1").unwrap()
        );
        // 10 shares at 0.9, 7.2%: 10 · 0.072 · 0.09 = 0.0648
        assert_eq!(
            taker_fee(sz("10"), p("0.9"), 720),
            Usdc::parse("0.0648").unwrap()
        );
        // Tiny fills pay the 0.00001 minimum; zero rate pays nothing.
        assert_eq!(
            taker_fee(sz("0.01"), p("0.001"), 100),
            Usdc::parse("0.00001").unwrap()
        );
        assert_eq!(taker_fee(sz("100"), p("0.5"), 0), Usdc::ZERO);
        // Rounded half up at the fifth decimal: 3 · 0.01 · 0.5·0.5 = 0.0075 exactly; 1 share 1 bps at 0.3: 0.000021
        assert_eq!(
            taker_fee(sz("1"), p("0.3"), 1),
            Usdc::parse("0.00002").unwrap()
        );
    }

    proptest::proptest! {
        /// The USDC side is `size × price` truncated: never more, and less by under one unit of
        /// the tick's decimals plus two (0.0001 USDC for a 0.01 tick).
        #[test]
        fn implied_price_respects_the_limit(cents in 1u32..100, lots in 1u64..1_000_000, buy in proptest::bool::ANY) {
            let price = Price::from_micros(cents * 10_000).unwrap();
            let size = Size::from_micros(lots * LOT_MICROS);
            let side = if buy { Side::Buy } else { Side::Sell };
            let a = limit_amounts(side, price, size, TickSize::Hundredth).unwrap();
            let (usdc, shares) = if buy { (a.maker, a.taker) } else { (a.taker, a.maker) };
            proptest::prop_assert_eq!(shares, size.micros());
            let exact = u128::from(shares) * u128::from(price.micros());
            proptest::prop_assert!(u128::from(usdc) * 1_000_000 <= exact);
            proptest::prop_assert!(exact - u128::from(usdc) * 1_000_000 < 100_000_000);
        }
    }
}
