//! Money keys of the configuration: exact amounts written as strings (`"50"`) or as plain TOML
//! numbers (`50`, `0.15`).
//!
//! A number goes through its shortest round-trip decimal text (`0.15` → `"0.15"`), which is what
//! the operator wrote, and is then parsed digit by digit like a string; anything with more than
//! six decimals, or NaN, is refused. Serialization stays a decimal string, so the configuration
//! never round-trips money through a float.

use core::fmt;
use core::marker::PhantomData;
use core::str::FromStr;

use serde::Deserializer;
use serde::de::{self, Visitor};

/// Deserializes an exact decimal type from a string or a number.
pub fn decimal<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    deserializer.deserialize_any(DecimalVisitor(PhantomData))
}

/// Deserializes an optional exact decimal (with `#[serde(default)]` on the field, an absent key
/// is `None`); a JSON `null` is `None` too.
pub fn optional_decimal<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    deserializer.deserialize_option(OptionalVisitor(PhantomData))
}

struct DecimalVisitor<T>(PhantomData<T>);

struct OptionalVisitor<T>(PhantomData<T>);

impl<'de, T> Visitor<'de> for OptionalVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal amount, as a string or a number")
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        decimal(deserializer).map(Some)
    }
}

impl<T> DecimalVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    fn parse<E: de::Error>(text: &str) -> Result<T, E> {
        text.parse().map_err(E::custom)
    }
}

impl<T> Visitor<'_> for DecimalVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal amount, as a string or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Self::parse(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Self::parse(&v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Self::parse(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        // `Display` for f64 is the shortest text that reads back as the same float, without an
        // exponent; NaN and infinities print as words, which the parser refuses.
        Self::parse(&v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use polybot_model::{Price, Usdc};
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Amounts {
        #[serde(deserialize_with = "super::decimal")]
        usdc: Usdc,
        #[serde(deserialize_with = "super::decimal")]
        price: Price,
    }

    #[test]
    fn strings_and_numbers_parse_exactly() {
        let a: Amounts = toml::from_str("usdc = 50\nprice = 0.15").unwrap();
        assert_eq!(a.usdc, Usdc::dollars(50));
        assert_eq!(a.price, Price::parse("0.15").unwrap());
        let a: Amounts = toml::from_str("usdc = \"2000.5\"\nprice = \"0.5\"").unwrap();
        assert_eq!(a.usdc, Usdc::parse("2000.5").unwrap());
        assert!(toml::from_str::<Amounts>("usdc = 0.0000001\nprice = 0.5").is_err());
        assert!(toml::from_str::<Amounts>("usdc = nan\nprice = 0.5").is_err());
        assert!(toml::from_str::<Amounts>("usdc = 1\nprice = 1.5").is_err());
    }
}
