//! The Polymarket connector, built on Polymarket's official SDK (`polymarket_client_sdk_v2`).

pub mod config;

pub use config::{Endpoints, HttpConfig, WsConfig};
