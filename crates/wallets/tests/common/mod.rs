//! Shared test helpers: fakex on 127.0.0.1 and fast connector settings.

#![allow(dead_code)]

use std::time::Duration;

use polybot_fakex::{FakexConfig, FakexHandle};
use polybot_polymarket::HttpConfig;

/// fakex with generated markets and no background simulator: tests step it by hand, so the
/// tape before and after a tracker starts is known exactly.
pub async fn fakex() -> FakexHandle {
    let fx = polybot_fakex::start(FakexConfig {
        base_port: 0,
        seed: 7,
        seed_dir: None,
        sim_interval_ms: 0,
        generated_markets: 40,
        ..FakexConfig::default()
    })
    .await
    .expect("fakex starts");
    // Some history before anything watches. fakex's venue clock is strictly increasing in
    // ms, so a burst of events runs it ahead of the wall clock; let the wall clock catch up
    // before latencies are measured against it.
    fx.exchange().step(300);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    fx
}

pub fn http() -> HttpConfig {
    HttpConfig {
        timeout_ms: 3_000,
        max_retries: 2,
        backoff_initial_ms: 10,
        backoff_max_ms: 100,
        rate_limit_fraction: 1.0,
    }
}

/// Waits for `cond`, up to `limit`.
pub async fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

/// (p50, p99, max) of `values`.
pub fn percentiles(values: &mut [i64]) -> (i64, i64, i64) {
    if values.is_empty() {
        return (0, 0, 0);
    }
    values.sort_unstable();
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99), values[values.len() - 1])
}
