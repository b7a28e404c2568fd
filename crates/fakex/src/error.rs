//! Errors of [`crate::start`]. Everything after start-up (bad requests, bad seed files) is
//! answered or logged, never returned, so that a long-running fake never dies on input.

use std::net::{IpAddr, SocketAddr};

#[derive(Debug, thiserror::Error)]
pub enum FakexError {
    /// fakex must never be reachable from another machine: it would look like a real venue.
    #[error("fakex binds loopback addresses only, got {0}")]
    NotLoopback(IpAddr),
    #[error(
        "base port {0} leaves no room for the Gamma (P+1), Data API (P+2), RTDS (P+3) and AI (P+4) ports"
    )]
    PortRange(u16),
    #[error("invalid fakex configuration: {0}")]
    Config(String),
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("loading the exchange failed: {0}")]
    Load(String),
}
