//! Exact arithmetic between money and ratios.
//!
//! A ratio (an `f64` from the configuration or from Kelly) is turned into whole parts per million,
//! rounded down, and applied to micro-dollars in `i128`: the result is exact, deterministic across
//! platforms, never NaN, and never rounds a limit up.

use polybot_model::amounts::LOT_MICROS;
use polybot_model::{Price, Size, Usdc};

const MILLION: i128 = 1_000_000;

/// `fraction` in parts per million, rounded down; NaN and negatives are 0, and the result is
/// capped at 10⁹ (a ratio of 1000) so products stay far from overflow.
#[must_use]
pub fn ppm(fraction: f64) -> i128 {
    if fraction.is_nan() || fraction <= 0.0 {
        return 0;
    }
    // `as` saturates on out-of-range floats.
    ((fraction * 1e6).floor() as i128).min(1_000_000_000)
}

/// `amount × fraction` in micro-dollars, rounded toward negative infinity (so a limit derived
/// from it is never larger than the exact product).
#[must_use]
pub fn fraction_of(amount: Usdc, fraction: f64) -> i128 {
    (i128::from(amount.micros()) * ppm(fraction)).div_euclid(MILLION)
}

/// A micro-dollar amount back into [`Usdc`], saturating.
#[must_use]
pub fn usdc(micros: i128) -> Usdc {
    Usdc::from_micros(micros.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// A share count in micro-shares into [`Size`], rounded down to the venue's 0.01-share lot;
/// negative counts are zero.
#[must_use]
pub fn lot_shares(micros: i128) -> Size {
    let clamped = micros.clamp(0, i128::from(u64::MAX)) as u64;
    Size::from_micros(clamped / LOT_MICROS * LOT_MICROS)
}

/// The most whole lots that `notional` micro-dollars buy at `price`.
#[must_use]
pub fn shares_for(notional: i128, price: Price) -> Size {
    if notional <= 0 {
        return Size::ZERO;
    }
    lot_shares(notional.saturating_mul(MILLION) / i128::from(price.micros()))
}

/// `loss / base` as a fraction, for loss limits: 0 without a loss, 1 when there is a loss but
/// no positive base to measure it against.
#[must_use]
pub fn loss_fraction(loss: Usdc, base: Usdc) -> f64 {
    if loss <= Usdc::ZERO {
        0.0
    } else if base <= Usdc::ZERO {
        1.0
    } else {
        loss.as_f64() / base.as_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_apply_exactly_and_round_down() {
        assert_eq!(ppm(0.35), 350_000);
        assert_eq!(ppm(f64::NAN), 0);
        assert_eq!(ppm(-1.0), 0);
        assert_eq!(ppm(f64::INFINITY), 1_000_000_000);
        assert_eq!(fraction_of(Usdc::dollars(10_000), 0.35), 3_500_000_000);
        assert_eq!(fraction_of(Usdc::from_micros(3), 0.5), 1);
        assert_eq!(fraction_of(Usdc::from_micros(-3), 0.5), -2);
    }

    #[test]
    fn shares_round_down_to_the_lot() {
        let price = Price::parse("0.3").unwrap();
        assert_eq!(shares_for(1_000_000, price), Size::parse("3.33").unwrap());
        assert_eq!(shares_for(-5, price), Size::ZERO);
        assert_eq!(lot_shares(12_345_678), Size::parse("12.34").unwrap());
        assert_eq!(shares_for(i128::MAX, price).micros() % LOT_MICROS, 0);
    }

    #[test]
    fn loss_fractions() {
        assert_eq!(loss_fraction(Usdc::ZERO, Usdc::ZERO), 0.0);
        assert_eq!(loss_fraction(Usdc::dollars(1), Usdc::ZERO), 1.0);
        assert_eq!(loss_fraction(Usdc::dollars(10), Usdc::dollars(100)), 0.1);
    }
}
