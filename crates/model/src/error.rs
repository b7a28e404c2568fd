//! Typed errors of the domain model: every constructor that can refuse a value says why.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ModelError {
    #[error("`{0}` is not a decimal number")]
    InvalidNumber(String),
    #[error("`{0}` has more than 6 decimal places and cannot be represented exactly")]
    TooPrecise(String),
    #[error("`{0}` is out of range")]
    OutOfRange(String),
    #[error("price {price} is outside [{min}, {max}]")]
    PriceOutOfBounds {
        price: String,
        min: String,
        max: String,
    },
    #[error("price {price} is not a multiple of the tick size {tick}")]
    OffTick { price: String, tick: String },
    #[error("`{0}` is not a Polymarket tick size (0.1, 0.01, 0.005, 0.0025, 0.001, 0.0001)")]
    InvalidTickSize(String),
    #[error("size must not be negative, got {0}")]
    NegativeSize(String),
    #[error("`{0}` is not a valid token id (a decimal or 0x-hex 256-bit integer)")]
    InvalidTokenId(String),
    #[error("`{0}` is not a valid condition id (0x followed by 64 hex digits)")]
    InvalidConditionId(String),
    #[error("`{value}` is not a valid {what}")]
    InvalidValue { what: &'static str, value: String },
    #[error("market {market}: {reason}")]
    InvalidMarket { market: String, reason: String },
}
