//! [`Probability`]: an exact quote in [0, 1], for the venue's informational prices (Gamma's
//! `outcomePrices`, best bid/ask, midpoints), which unlike order prices may be 0 or 1.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ModelError;
use crate::fixed::{Rounding, SCALE, format_scaled, parse_scaled};
use crate::num::Price;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Probability(u32);

impl Probability {
    pub const ZERO: Probability = Probability(0);
    pub const ONE: Probability = Probability(SCALE as u32);

    pub fn from_micros(micros: u32) -> Result<Self, ModelError> {
        if micros > SCALE as u32 {
            return Err(ModelError::InvalidValue {
                what: "probability in [0, 1]",
                value: micros.to_string(),
            });
        }
        Ok(Probability(micros))
    }

    /// Parses a quote, rounding past six decimals (quotes are informational, not order prices).
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        let scaled = parse_scaled(text, Rounding::Nearest)?;
        if !(0..=i128::from(SCALE)).contains(&scaled) {
            return Err(ModelError::InvalidValue {
                what: "probability in [0, 1]",
                value: text.to_owned(),
            });
        }
        Ok(Probability(scaled as u32))
    }

    #[must_use]
    pub const fn micros(self) -> u32 {
        self.0
    }

    #[must_use]
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / SCALE as f64
    }
}

impl From<Price> for Probability {
    fn from(price: Price) -> Self {
        Probability(price.micros())
    }
}

impl fmt::Display for Probability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_scaled(i128::from(self.0), f)
    }
}

impl FromStr for Probability {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Probability::parse(s)
    }
}

impl Serialize for Probability {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_zero_and_one_rejects_outside() {
        assert_eq!(Probability::parse("0").unwrap(), Probability::ZERO);
        assert_eq!(Probability::parse("1").unwrap(), Probability::ONE);
        assert_eq!(Probability::parse("0.0095").unwrap().micros(), 9_500);
        assert!(Probability::parse("1.01").is_err());
        assert!(Probability::parse("-0.1").is_err());
        assert!(Probability::parse("nan").is_err());
    }
}
