//! Crash-only, tested as it will happen: the `polybot` binary trades live against fakex from a
//! script and is killed with SIGKILL at 20 random moments. After every kill no order exists
//! twice, and after the last restart the store's open orders, positions and cash equal fakex's
//! own view of the account. Loopback and a random test key only.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use alloy::signers::Signer as _;
use alloy::signers::local::PrivateKeySigner;
mod support;

use support::pick_token;

use polybot_engine::AccountId;
use polybot_engine::orders::{OrderState, TrackedOrder};
use polybot_fakex::{FakexConfig, FakexHandle};
use polybot_model::{OrderBook, TokenId};
use polybot_store::Store;
use polymarket_client_sdk_v2::POLYGON;
use polymarket_client_sdk_v2::clob::{Client, Config as ClobConfig};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};

const FAKEX_CASH: u64 = 10_000;
const BANKROLL: i64 = 2_000;

async fn fakex() -> FakexHandle {
    polybot_fakex::start(FakexConfig {
        base_port: 0,
        seed: 11,
        seed_dir: None,
        generated_markets: 12,
        sim_interval_ms: 100,
        starting_cash_usdc: FAKEX_CASH,
        trade_mined_ms: 100,
        trade_confirmed_ms: 200,
        heartbeat_timeout_ms: 2_000,
        ..FakexConfig::default()
    })
    .await
    .expect("fakex starts")
}

fn config_file(dir: &Path, fx: &FakexHandle) -> PathBuf {
    let execution = format!(
        "[http]\ntimeout_ms = 3000\n\n[execution]\ndry_run = false\nconfirm_delay_secs = 0\n\
         bankroll_usdc = {BANKROLL}.0\ntick_interval_ms = 50\nheartbeat_interval_ms = 500\norder_timeout_ms = 3000\n"
    );
    support::config_file(dir, fx, &execution)
}

/// Twenty-five steps over twelve seconds: resting buys, market buys, FAK sells, cancel-alls,
/// ending with a resting buy.
fn script(token: TokenId, book: &OrderBook) -> String {
    let tick = book.tick_size().micros();
    let bid = book.best_bid().unwrap().price.micros();
    let ask = book.best_ask().unwrap().price.micros();
    let px = |m: u32| format!("{:.6}", f64::from(m) / 1e6);
    let mut text = String::new();
    for i in 0..25u32 {
        let at = i / 2;
        let body = match i % 4 {
            0 => format!(
                "[step.order]\ntoken = \"{token}\"\nside = \"buy\"\nprice = \"{}\"\nsize = \"5\"\ntif = \"gtc\"\n",
                px(bid.saturating_sub((2 + i % 9) * tick).max(tick))
            ),
            1 => format!(
                "[step.order]\ntoken = \"{token}\"\nside = \"buy\"\nprice = \"{}\"\nusdc = \"2\"\ntype = \"market\"\n",
                px((ask + 10 * tick).min(1_000_000 - tick))
            ),
            2 => format!(
                "[step.order]\ntoken = \"{token}\"\nside = \"sell\"\nprice = \"{}\"\nsize = \"10\"\ntype = \"fak\"\n",
                px((bid - 3 * tick).max(tick))
            ),
            _ => "cancel_all = true\n".to_owned(),
        };
        text.push_str(&format!("[[step]]\nat_secs = {at}\n{body}\n"));
    }
    text
}

fn spawn(config: &Path, key: &str, extra: &[&str]) -> Child {
    let mut args = vec!["run", "--live"];
    args.extend_from_slice(extra);
    support::polybot_command(config, &args)
        .env("POLYBOT_LIVE", "true")
        .env("POLYBOT_PRIVATE_KEY", key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("polybot starts")
}

async fn api_key(fx: &FakexHandle, signer: &PrivateKeySigner) -> String {
    Client::new(&fx.clob_url(), ClobConfig::default())
        .unwrap()
        .authentication_builder(signer)
        .authenticate()
        .await
        .expect("API key")
        .credentials()
        .key()
        .to_string()
}

async fn all_orders(store: &Store) -> Vec<TrackedOrder> {
    store
        .orders_by_account(&AccountId::new("manual"))
        .await
        .unwrap()
}

/// No order exists twice: each venue id belongs to one stored order, and every order open at
/// fakex is one the store knows (or one stored as sent whose venue id a restart will find).
async fn assert_no_duplicates(store: &Store, fx: &FakexHandle, key: &str, when: &str) {
    let ours = all_orders(store).await;
    let mut seen = HashSet::new();
    for o in &ours {
        if let Some(v) = &o.venue_id {
            assert!(
                seen.insert(v.0.clone()),
                "{when}: venue order {} stored twice",
                v.0
            );
        }
    }
    let unacknowledged = ours
        .iter()
        .filter(|o| o.venue_id.is_none() && matches!(o.state, OrderState::Submitted { .. }))
        .count();
    let theirs = fx.exchange().account(key);
    let unknown: Vec<_> = theirs
        .open_orders
        .iter()
        .filter(|o| !seen.contains(&o.id))
        .collect();
    assert!(
        unknown.len() <= unacknowledged,
        "{when}: fakex has {} open orders the store does not know (only {unacknowledged} unacknowledged)",
        unknown.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_twenty_random_moments_loses_nothing_and_duplicates_nothing() {
    let fx = fakex().await;
    let (token, book) = pick_token(&fx);
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path(), &fx);
    let script_path = dir.path().join("script.toml");
    std::fs::write(&script_path, script(token, &book)).unwrap();
    let signer = PrivateKeySigner::random().with_chain_id(Some(POLYGON));
    let key_hex = format!("0x{}", alloy_primitives_hex(&signer.to_bytes().0));
    let api = api_key(&fx, &signer).await;
    let db = dir.path().join("data").join("polybot.db");
    let script_arg = script_path.display().to_string();

    let mut rng = StdRng::seed_from_u64(9);
    for i in 0..20 {
        let mut child = spawn(&config, &key_hex, &["--script", &script_arg]);
        let wait = rng.random_range(300..1_500u64);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        let store = Store::open_sqlite(&db)
            .await
            .expect("the store survives kill -9");
        assert_no_duplicates(&store, &fx, &api, &format!("after kill {i} at {wait} ms")).await;
        store.close().await;
    }

    // The last run ends normally, once the script is done and everything is reconciled.
    let status = tokio::task::spawn_blocking({
        let (config, key_hex, script_arg) = (config.clone(), key_hex.clone(), script_arg.clone());
        move || {
            spawn(
                &config,
                &key_hex,
                &["--script", &script_arg, "--duration", "6s"],
            )
            .wait()
            .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(status.success(), "the final run exits cleanly");

    let store = Store::open_sqlite(&db).await.unwrap();
    assert_no_duplicates(&store, &fx, &api, "at the end").await;
    let account = fx.exchange().account(&api);
    let ledger = store.load_ledger().await.unwrap();
    let state = ledger
        .account(&AccountId::new("manual"))
        .unwrap()
        .state()
        .clone();
    // Open orders: the same set.
    let ours: BTreeMap<String, ()> = store
        .open_orders()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|o| o.venue_id.map(|v| (v.0, ())))
        .collect();
    let theirs: BTreeMap<String, ()> = account
        .open_orders
        .iter()
        .map(|o| (o.id.clone(), ()))
        .collect();
    assert_eq!(ours, theirs, "open orders");
    assert!(
        store
            .open_orders()
            .await
            .unwrap()
            .iter()
            .all(|o| o.venue_id.is_some())
    );
    // Positions and cash.
    let positions: HashMap<TokenId, i64> = state
        .positions
        .iter()
        .map(|(t, p)| (*t, i64::try_from(p.size.micros()).unwrap()))
        .filter(|(_, s)| *s != 0)
        .collect();
    assert_eq!(positions, account.positions, "positions");
    assert_eq!(
        state.cash.micros() - BANKROLL * 1_000_000,
        account.cash - i64::try_from(FAKEX_CASH).unwrap() * 1_000_000,
        "cash"
    );
    let fills = store.fills(None).await.unwrap();
    let orders = all_orders(&store).await;
    assert!(
        store.pending_commands().await.unwrap().is_empty(),
        "every scripted step ran"
    );
    let refused: Vec<String> = store
        .decisions(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.decision {
            polybot_engine::Decision::Refused { code, .. } => Some(code),
            _ => None,
        })
        .collect();
    eprintln!("refused: {refused:?}");
    eprintln!(
        "{} orders ({} open), {} fills, {} fakex trades, position {:?}, cash {}",
        orders.len(),
        ours.len(),
        fills.len(),
        account.trades.len(),
        positions,
        state.cash
    );
    assert!(fills.len() >= 3, "the script traded: {} fills", fills.len());
    assert_eq!(
        fills.len(),
        account.trades.len(),
        "every fakex trade of ours is one stored fill"
    );
    // Twenty kills later, the decision log's chain and its file still verify.
    let verify = support::polybot_command(&config, &["decisions", "--verify"])
        .output()
        .expect("polybot runs");
    assert!(
        verify.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}

fn alloy_primitives_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
