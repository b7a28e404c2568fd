//! Shared helpers for fakex's integration tests, which drive fakex with Polymarket's own SDK.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::str::FromStr;

use polybot_fakex::{FakexConfig, FakexHandle, default_seed_dir};
use polybot_model::{Price, Size, TokenId};
use polymarket_client_sdk_v2::types::{Decimal, U256};

/// fakex on ephemeral ports, seeded from the shared data, with the simulator driven by hand.
///
/// The shared data exists on the team's machines and in CI, not on a user's: without it the
/// caller skips, unless `REQUIRE_SHARED_DATA=1` (set by `.ci/run`) makes that a failure.
pub async fn start_seeded() -> Option<FakexHandle> {
    let Some(seed_dir) = default_seed_dir() else {
        assert!(
            std::env::var("REQUIRE_SHARED_DATA").as_deref() != Ok("1"),
            "the shared data folder is required but missing"
        );
        eprintln!("shared data not found; skipping a test that needs recorded data");
        return None;
    };
    Some(
        start(FakexConfig {
            seed_dir: Some(seed_dir),
            ..manual()
        })
        .await,
    )
}

/// fakex without seed data: generated markets only.
pub async fn start_generated(markets: usize) -> FakexHandle {
    start(FakexConfig {
        seed_dir: None,
        generated_markets: markets,
        ..manual()
    })
    .await
}

pub fn manual() -> FakexConfig {
    FakexConfig {
        base_port: 0,
        sim_interval_ms: 0,
        ..FakexConfig::default()
    }
}

pub async fn start(config: FakexConfig) -> FakexHandle {
    polybot_fakex::start(config).await.expect("fakex starts")
}

pub fn u256(token: TokenId) -> U256 {
    token.0
}

pub fn price(d: Decimal) -> Price {
    Price::from_str(&d.normalize().to_string()).expect("a venue price")
}

pub fn size(d: Decimal) -> Size {
    Size::from_str(&d.normalize().to_string()).expect("a venue size")
}

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("a decimal")
}
