//! polybot's domain model: exact money, identifiers, markets, order books and trades.
//!
//! Everything here is plain data and pure logic with no I/O, so every other crate can share it
//! and test against it without a runtime. Constructors validate: a value of these types is
//! always one the venue could produce or accept (no NaN, no off-tick or out-of-bounds price).

pub mod amounts;
pub mod book;
pub mod error;
pub mod field_error;
pub mod fixed;
pub mod ids;
pub mod market;
pub mod num;
pub mod probability;
pub mod trade;

pub use book::{BookSide, Level, OrderBook};
pub use error::ModelError;
pub use field_error::FieldError;
pub use ids::{ConditionId, TokenId};
pub use market::{Market, MarketStatus, Outcome};
pub use num::{Price, Size, TickSize, Usdc};
pub use probability::Probability;
pub use trade::{Side, Trade};
