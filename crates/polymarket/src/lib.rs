//! The Polymarket connector, built on Polymarket's official SDK (`polymarket_client_sdk_v2`).
//!
//! Every REST call goes through [`retry::Resilience`] (rate limit, timeout, retries); responses
//! are converted into the exact types of `polybot-model` at the edge (see [`convert`]), so bad
//! data is rejected here with context and never reaches strategies as NaN or a silent default.

pub mod books;
pub mod client;
pub mod config;
pub mod convert;
pub mod error;
pub mod frames;
pub mod live;
pub mod parse;
pub mod ratelimit;
pub mod retry;
pub mod signing;
pub mod stream;

pub use books::{BookManager, DesyncReason, MarketEvent, Publish};
pub use client::{Event, GammaFetch, GammaQuery, HistorySpan, Polymarket, Skipped, TradingInfo};
pub use config::{Endpoints, HttpConfig, WsConfig};
pub use error::{ConnectorError, Result};
pub use stream::{MarketStream, StreamStats};
