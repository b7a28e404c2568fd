//! Exact money: [`Price`], [`TickSize`], [`Size`] and [`Usdc`], all fixed-point with six decimals.
//!
//! Six decimals is the precision of USDC (pUSD) and of conditional-token amounts on chain, so
//! every value the venue can express is exact here, and `price × size` lands exactly on a USDC
//! amount after one integer division.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ModelError;
use crate::fixed::{Rounding, SCALE, format_scaled, parse_scaled};

fn scaled_to_string(value: i128) -> String {
    let mut s = String::new();
    // Writing into a String cannot fail.
    let _ = format_scaled(value, &mut s);
    s
}

/// One of Polymarket's six tick sizes. Ticks change at run time (`tick_size_change`), so a
/// book or an order always carries the tick it was validated against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TickSize {
    /// 0.1
    Tenth,
    /// 0.01
    Hundredth,
    /// 0.005
    HalfHundredth,
    /// 0.0025
    QuarterHundredth,
    /// 0.001
    Thousandth,
    /// 0.0001
    TenThousandth,
}

impl TickSize {
    pub const ALL: [TickSize; 6] = [
        TickSize::Tenth,
        TickSize::Hundredth,
        TickSize::HalfHundredth,
        TickSize::QuarterHundredth,
        TickSize::Thousandth,
        TickSize::TenThousandth,
    ];

    /// The tick in millionths (0.01 → 10 000).
    #[must_use]
    pub const fn micros(self) -> u32 {
        match self {
            TickSize::Tenth => 100_000,
            TickSize::Hundredth => 10_000,
            TickSize::HalfHundredth => 5_000,
            TickSize::QuarterHundredth => 2_500,
            TickSize::Thousandth => 1_000,
            TickSize::TenThousandth => 100,
        }
    }

    /// Decimal places a price on this tick needs (0.005 → 3, 0.0025 → 4).
    #[must_use]
    pub const fn decimals(self) -> u32 {
        match self {
            TickSize::Tenth => 1,
            TickSize::Hundredth => 2,
            TickSize::HalfHundredth | TickSize::Thousandth => 3,
            TickSize::QuarterHundredth | TickSize::TenThousandth => 4,
        }
    }

    pub fn from_micros(micros: u32) -> Result<Self, ModelError> {
        TickSize::ALL
            .into_iter()
            .find(|t| t.micros() == micros)
            .ok_or_else(|| ModelError::InvalidTickSize(scaled_to_string(i128::from(micros))))
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TickSize::Tenth => "0.1",
            TickSize::Hundredth => "0.01",
            TickSize::HalfHundredth => "0.005",
            TickSize::QuarterHundredth => "0.0025",
            TickSize::Thousandth => "0.001",
            TickSize::TenThousandth => "0.0001",
        }
    }
}

impl FromStr for TickSize {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let scaled = parse_scaled(s, Rounding::Exact)
            .map_err(|_| ModelError::InvalidTickSize(s.to_owned()))?;
        u32::try_from(scaled)
            .map_err(|_| ModelError::InvalidTickSize(s.to_owned()))
            .and_then(|m| {
                TickSize::from_micros(m).map_err(|_| ModelError::InvalidTickSize(s.to_owned()))
            })
    }
}

impl fmt::Display for TickSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A limit price: a probability in [0.001, 0.999], held in millionths.
///
/// [`Price::new`] checks only the venue's global bounds; [`Price::on_tick`] also checks that the
/// price is a multiple of a market's tick and within `[tick, 1 − tick]`, which is what an order
/// must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Price(u32);

impl Price {
    /// Lowest price the venue accepts: 0.001.
    pub const MIN: Price = Price(1_000);
    /// Highest price the venue accepts: 0.999.
    pub const MAX: Price = Price(999_000);

    pub fn from_micros(micros: u32) -> Result<Self, ModelError> {
        if !(Self::MIN.0..=Self::MAX.0).contains(&micros) {
            return Err(ModelError::PriceOutOfBounds {
                price: scaled_to_string(i128::from(micros)),
                min: "0.001".into(),
                max: "0.999".into(),
            });
        }
        Ok(Price(micros))
    }

    /// Parses a decimal price exactly; `"0.5"`, `".42"`, `"0.0025"`.
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        let scaled = parse_scaled(text, Rounding::Exact)?;
        let micros = u32::try_from(scaled).map_err(|_| ModelError::PriceOutOfBounds {
            price: text.to_owned(),
            min: "0.001".into(),
            max: "0.999".into(),
        })?;
        Price::from_micros(micros)
    }

    /// A price valid for orders on a market with tick `tick`.
    pub fn on_tick(micros: u32, tick: TickSize) -> Result<Self, ModelError> {
        let price = Price::from_micros(micros)?;
        price.check_tick(tick)?;
        Ok(price)
    }

    /// Checks that this price is a multiple of `tick` and within `[tick, 1 − tick]`.
    pub fn check_tick(self, tick: TickSize) -> Result<(), ModelError> {
        let t = tick.micros();
        if !self.0.is_multiple_of(t) {
            return Err(ModelError::OffTick {
                price: self.to_string(),
                tick: tick.to_string(),
            });
        }
        if self.0 < t || self.0 > SCALE as u32 - t {
            return Err(ModelError::PriceOutOfBounds {
                price: self.to_string(),
                min: tick.to_string(),
                max: scaled_to_string(i128::from(SCALE as u32 - t)),
            });
        }
        Ok(())
    }

    #[must_use]
    pub const fn micros(self) -> u32 {
        self.0
    }

    /// The price of the complementary outcome (1 − p), which is on the same tick.
    #[must_use]
    pub const fn complement(self) -> Price {
        Price(SCALE as u32 - self.0)
    }

    /// For probability maths only; money stays in fixed point.
    #[must_use]
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / SCALE as f64
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_scaled(i128::from(self.0), f)
    }
}

impl FromStr for Price {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Price::parse(s)
    }
}

/// A number of outcome shares, in millionths of a share. Never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Size(u64);

impl Size {
    pub const ZERO: Size = Size(0);

    #[must_use]
    pub const fn from_micros(micros: u64) -> Self {
        Size(micros)
    }

    /// Whole shares, for tests and configuration defaults.
    #[must_use]
    pub const fn shares(whole: u64) -> Self {
        Size(whole * SCALE)
    }

    pub fn parse(text: &str) -> Result<Self, ModelError> {
        let scaled = parse_scaled(text, Rounding::Exact)?;
        if scaled < 0 {
            return Err(ModelError::NegativeSize(text.to_owned()));
        }
        u64::try_from(scaled)
            .map(Size)
            .map_err(|_| ModelError::OutOfRange(text.to_owned()))
    }

    #[must_use]
    pub const fn micros(self) -> u64 {
        self.0
    }

    #[must_use]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    #[must_use]
    pub const fn saturating_add(self, other: Size) -> Size {
        Size(self.0.saturating_add(other.0))
    }

    #[must_use]
    pub const fn saturating_sub(self, other: Size) -> Size {
        Size(self.0.saturating_sub(other.0))
    }

    /// The notional `price × size`, truncated to the micro-dollar (the venue truncates too).
    #[must_use]
    pub fn notional(self, price: Price) -> Usdc {
        let value = u128::from(self.0) * u128::from(price.micros()) / u128::from(SCALE);
        Usdc(i64::try_from(value).unwrap_or(i64::MAX))
    }

    #[must_use]
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_scaled(i128::from(self.0), f)
    }
}

impl FromStr for Size {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Size::parse(s)
    }
}

/// A USDC (pUSD) amount in micro-dollars; signed, because PnL and cash flows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Usdc(i64);

impl Usdc {
    pub const ZERO: Usdc = Usdc(0);

    #[must_use]
    pub const fn from_micros(micros: i64) -> Self {
        Usdc(micros)
    }

    #[must_use]
    pub const fn dollars(whole: i64) -> Self {
        Usdc(whole * SCALE as i64)
    }

    /// Parses an amount exactly (at most six decimals).
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        Self::parse_with(text, Rounding::Exact)
    }

    /// Parses an informational amount (a volume, a liquidity figure) rounding to the micro-dollar.
    pub fn parse_rounded(text: &str) -> Result<Self, ModelError> {
        Self::parse_with(text, Rounding::Nearest)
    }

    fn parse_with(text: &str, rounding: Rounding) -> Result<Self, ModelError> {
        let scaled = parse_scaled(text, rounding)?;
        i64::try_from(scaled)
            .map(Usdc)
            .map_err(|_| ModelError::OutOfRange(text.to_owned()))
    }

    #[must_use]
    pub const fn micros(self) -> i64 {
        self.0
    }

    #[must_use]
    pub const fn saturating_add(self, other: Usdc) -> Usdc {
        Usdc(self.0.saturating_add(other.0))
    }

    #[must_use]
    pub const fn saturating_sub(self, other: Usdc) -> Usdc {
        Usdc(self.0.saturating_sub(other.0))
    }

    #[must_use]
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }
}

impl fmt::Display for Usdc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_scaled(i128::from(self.0), f)
    }
}

impl FromStr for Usdc {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Usdc::parse(s)
    }
}

// Serde: amounts travel as decimal strings, the way the venue writes them, so that no JSON
// reader on the way can turn them into floats.
macro_rules! decimal_string_serde {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

decimal_string_serde!(Price);
decimal_string_serde!(Size);
decimal_string_serde!(Usdc);
decimal_string_serde!(TickSize);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_sizes_parse_and_reject() {
        for t in TickSize::ALL {
            assert_eq!(t.as_str().parse::<TickSize>().unwrap(), t);
        }
        assert_eq!("0.010".parse::<TickSize>().unwrap(), TickSize::Hundredth);
        for bad in ["0.02", "0", "1", "abc", "0.00001", "-0.01"] {
            assert!(bad.parse::<TickSize>().is_err(), "{bad}");
        }
    }

    #[test]
    fn price_bounds_and_ticks() {
        assert!(Price::parse("0.001").is_ok());
        assert!(Price::parse("0.999").is_ok());
        assert!(matches!(
            Price::parse("0.0009"),
            Err(ModelError::PriceOutOfBounds { .. })
        ));
        assert!(matches!(
            Price::parse("1"),
            Err(ModelError::PriceOutOfBounds { .. })
        ));
        assert!(matches!(
            Price::parse("-0.5"),
            Err(ModelError::PriceOutOfBounds { .. })
        ));
        assert!(matches!(
            Price::parse("NaN"),
            Err(ModelError::InvalidNumber(_))
        ));
        let p = Price::parse("0.455").unwrap();
        assert!(p.check_tick(TickSize::HalfHundredth).is_ok());
        assert!(matches!(
            p.check_tick(TickSize::Hundredth),
            Err(ModelError::OffTick { .. })
        ));
        assert!(
            Price::parse("0.0125")
                .unwrap()
                .check_tick(TickSize::QuarterHundredth)
                .is_ok()
        );
        assert!(
            Price::parse("0.05")
                .unwrap()
                .check_tick(TickSize::Tenth)
                .is_err()
        );
        // [tick, 1 - tick]: 0.95 is on the 0.1 grid? no; 0.9 is, and 0.95 is off-tick.
        assert!(Price::on_tick(900_000, TickSize::Tenth).is_ok());
        assert!(Price::on_tick(995_000, TickSize::HalfHundredth).is_ok());
        assert_eq!(
            Price::parse("0.3").unwrap().complement(),
            Price::parse("0.7").unwrap()
        );
    }

    #[test]
    fn sizes_and_notional() {
        let s = Size::parse("33.333").unwrap();
        let p = Price::parse("0.57").unwrap();
        assert_eq!(s.notional(p), Usdc::parse("18.99981").unwrap());
        assert!(matches!(
            Size::parse("-1"),
            Err(ModelError::NegativeSize(_))
        ));
        assert_eq!(Size::shares(5).to_string(), "5");
    }

    #[test]
    fn usdc_rounding_modes() {
        assert!(Usdc::parse("1.0000001").is_err());
        assert_eq!(
            Usdc::parse_rounded("9996.0700074").unwrap(),
            Usdc::from_micros(9_996_070_007)
        );
        assert_eq!(Usdc::dollars(-3).to_string(), "-3");
    }

    #[test]
    fn serde_as_strings() {
        let p: Price = serde_json::from_str("\"0.42\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"0.42\"");
        assert!(serde_json::from_str::<Price>("\"1.5\"").is_err());
    }

    proptest::proptest! {
        #[test]
        fn every_on_tick_price_is_accepted(tick_idx in 0usize..6, n in 1u32..10_000) {
            let tick = TickSize::ALL[tick_idx];
            let micros = n * tick.micros();
            let result = Price::on_tick(micros, tick);
            let in_bounds = micros >= tick.micros().max(1_000) && micros <= (1_000_000 - tick.micros()).min(999_000);
            proptest::prop_assert_eq!(result.is_ok(), in_bounds);
        }
    }
}
