//! What every CLI test needs: a config file pointing the binary at a fakex on loopback, and the
//! binary itself with the environment cleared of anything a developer's shell might set.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::{Path, PathBuf};
use std::process::Command;

use polybot_fakex::FakexHandle;
use polybot_model::{OrderBook, TokenId};

/// Writes `dir/polybot.toml` pointing at `fx`, with state in `dir/data`; `extra` is appended
/// verbatim (more sections, e.g. `[execution]`).
pub fn config_file(dir: &Path, fx: &FakexHandle, extra: &str) -> PathBuf {
    let path = dir.join("polybot.toml");
    let text = format!(
        "[storage]\ndata_dir = {data:?}\n\n[polymarket]\nclob_url = {clob:?}\nws_url = {ws:?}\n\
         gamma_url = {gamma:?}\ndata_url = {data_api:?}\n\n{extra}",
        data = dir.join("data").display().to_string(),
        clob = fx.clob_url(),
        ws = fx.ws_url(),
        gamma = fx.gamma_url(),
        data_api = fx.data_url(),
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// `polybot --config CONFIG ARGS…` with no live gate, key or config path inherited.
pub fn polybot_command(config: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_polybot"));
    command
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("POLYBOT_CONFIG")
        .env_remove("POLYBOT_LIVE")
        .env_remove("POLYBOT_PRIVATE_KEY")
        .env("POLYBOT_LOG", "warn");
    command
}

/// A token with a deep two-sided book, away from the price bounds.
pub fn pick_token(fx: &FakexHandle) -> (TokenId, OrderBook) {
    let ex = fx.exchange();
    ex.token_ids()
        .into_iter()
        .filter_map(|t| ex.book(t).map(|b| (t, b)))
        .filter(|(_, b)| {
            b.best_bid().is_some_and(|l| l.price.micros() >= 200_000)
                && b.best_ask()
                    .is_some_and(|l| l.price.micros() <= 800_000 && l.size.micros() >= 2_000_000)
        })
        .max_by_key(|(_, b)| b.asks().iter().map(|l| l.size.micros()).sum::<u64>())
        .expect("a two-sided book")
}
