//! The engine end to end against fakex: the same scripted manual orders (limit, market, TWAP,
//! iceberg) run live — signed, verified and matched by fakex — and on paper against an identical
//! fakex; both ledgers must agree with fakex's own account to the micro-dollar. Then heartbeat
//! loss: fakex cancels everything, and the restarted engine reconciles. Loopback and random
//! test keys only.

use std::time::Duration;

use alloy::signers::Signer as _;
use alloy::signers::local::PrivateKeySigner;
use polybot_config::Config;
use polybot_engine::operator::{ManualOrder, OperatorCommand};
use polybot_engine::orders::algos::AlgoSpec;
use polybot_engine::orders::{OrderState, Quantity, TimeInForce};
use polybot_engine::{AccountId, Decision};
use polybot_fakex::{FakexConfig, FakexHandle};
use polybot_model::{OrderBook, Price, Side, Size, TokenId, Usdc};
use polybot_polymarket::signing::{OrderSigner, Wallet};
use polybot_runner::manual::{COMMAND_KIND, MANUAL_ACCOUNT};
use polybot_runner::{Engine, EngineOptions, OperatorRequest};
use polybot_store::Store;
use polymarket_client_sdk_v2::POLYGON;
use polymarket_client_sdk_v2::clob::{Client, Config as ClobConfig};

const FAKEX_CASH: u64 = 10_000;
const BANKROLL: f64 = 5_000.0;

async fn fakex(heartbeat_timeout_ms: u64) -> FakexHandle {
    polybot_fakex::start(FakexConfig {
        base_port: 0,
        seed: 7,
        sim_interval_ms: 0,
        seed_dir: None,
        generated_markets: 12,
        starting_cash_usdc: FAKEX_CASH,
        trade_mined_ms: 100,
        trade_confirmed_ms: 200,
        heartbeat_timeout_ms,
        ..FakexConfig::default()
    })
    .await
    .expect("fakex starts")
}

fn config_for(fx: &FakexHandle, dir: &std::path::Path) -> Config {
    let mut c = Config::default();
    c.storage.data_dir = dir.to_path_buf();
    c.polymarket.clob_url = fx.clob_url();
    c.polymarket.ws_url = fx.ws_url();
    c.polymarket.gamma_url = fx.gamma_url();
    c.polymarket.data_url = fx.data_url();
    c.execution.bankroll_usdc = BANKROLL;
    c.execution.tick_interval_ms = 50;
    c.execution.heartbeat_interval_ms = 500;
    c.execution.order_timeout_ms = 3_000;
    c
}

/// A token with a deep two-sided book.
fn pick_token(fx: &FakexHandle) -> (TokenId, OrderBook) {
    let ex = fx.exchange();
    let mut books: Vec<(TokenId, OrderBook)> = ex
        .token_ids()
        .into_iter()
        .filter_map(|t| ex.book(t).map(|b| (t, b)))
        .filter(|(_, b)| b.best_bid().is_some() && b.best_ask().is_some())
        .collect();
    books.sort_by_key(|(_, b)| {
        std::cmp::Reverse(b.asks().iter().map(|l| l.size.micros()).sum::<u64>())
    });
    books.into_iter().next().expect("a two-sided book")
}

fn tick_up(price: Price, ticks: u32, book: &OrderBook) -> Price {
    let t = book.tick_size().micros();
    Price::from_micros((price.micros() + ticks * t).min(1_000_000 - t)).unwrap()
}

/// The script: a resting GTC buy below the bid, a USDC market buy, a TWAP of marketable limit
/// buys, an iceberg of marketable buys, then a FAK sell of part of the position.
fn script(token: TokenId, book: &OrderBook) -> Vec<(u64, OperatorCommand)> {
    let bid = book.best_bid().unwrap().price;
    let ask = book.best_ask().unwrap().price;
    let t = book.tick_size().micros();
    let below = Price::from_micros(bid.micros().saturating_sub(5 * t).max(t)).unwrap();
    let order = |side, price, quantity, tif, algo| {
        OperatorCommand::Place(ManualOrder {
            token,
            side,
            price,
            quantity,
            time_in_force: tif,
            post_only: false,
            algo,
        })
    };
    vec![
        (
            0,
            order(
                Side::Buy,
                below,
                Quantity::Shares(Size::shares(20)),
                TimeInForce::Gtc,
                None,
            ),
        ),
        (
            200,
            order(
                Side::Buy,
                tick_up(ask, 3, book),
                Quantity::Usdc(Usdc::dollars(7)),
                TimeInForce::Fok,
                None,
            ),
        ),
        (
            400,
            order(
                Side::Buy,
                tick_up(ask, 3, book),
                Quantity::Shares(Size::shares(15)),
                TimeInForce::Fak,
                Some(AlgoSpec::Twap {
                    slices: 3,
                    duration_ms: 900,
                }),
            ),
        ),
        (
            600,
            order(
                Side::Buy,
                tick_up(ask, 3, book),
                Quantity::Shares(Size::shares(12)),
                TimeInForce::Fak,
                Some(AlgoSpec::Iceberg {
                    display: Size::shares(5),
                }),
            ),
        ),
        (
            2_000,
            order(
                Side::Sell,
                Price::from_micros(bid.micros().saturating_sub(3 * t).max(t)).unwrap(),
                Quantity::Shares(Size::shares(6)),
                TimeInForce::Fak,
                None,
            ),
        ),
    ]
}

async fn queue(store: &Store, steps: &[(u64, OperatorCommand)]) {
    let now = polybot_runner::now_ms();
    for (at, command) in steps {
        let request = OperatorRequest {
            account: AccountId::new(MANUAL_ACCOUNT),
            command: command.clone(),
            not_before_ms: now + i64::try_from(*at).unwrap(),
        };
        store
            .enqueue_command(COMMAND_KIND, &request, now)
            .await
            .unwrap();
    }
}

async fn signer_for(
    fx: &FakexHandle,
    key: &PrivateKeySigner,
) -> (OrderSigner<PrivateKeySigner>, String) {
    let client = Client::new(&fx.clob_url(), ClobConfig::default())
        .unwrap()
        .authentication_builder(key)
        .authenticate()
        .await
        .expect("API key from fakex");
    let credentials = client.credentials().clone();
    let api_key = credentials.key().to_string();
    let signer = OrderSigner::new(&fx.clob_url(), key.clone(), Wallet::Eoa, credentials)
        .await
        .expect("order signer");
    (signer, api_key)
}

fn options(secs: u64) -> EngineOptions {
    EngineOptions {
        duration: Some(Duration::from_secs(secs)),
        idle_exit: None,
    }
}

struct Outcome {
    cash_delta: i64,
    position: u64,
    decisions: Vec<Decision>,
    store: Store,
}

async fn outcome(config: &Config, token: TokenId) -> Outcome {
    let store = Store::open(&config.storage.sqlite_url()).await.unwrap();
    let ledger = store.load_ledger().await.unwrap();
    let state = ledger
        .account(&AccountId::new(MANUAL_ACCOUNT))
        .unwrap()
        .state()
        .clone();
    let decisions = store
        .decisions(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.decision)
        .collect();
    Outcome {
        cash_delta: state.cash.micros() - (BANKROLL as i64) * 1_000_000,
        position: state.positions.get(&token).map_or(0, |p| p.size.micros()),
        decisions,
        store,
    }
}

fn assert_clean(decisions: &[Decision]) {
    let anomalies: Vec<_> = decisions
        .iter()
        .filter(|d| matches!(d, Decision::Anomaly { .. } | Decision::Rejected { .. }))
        .collect();
    assert!(anomalies.is_empty(), "{anomalies:#?}");
    let placed = decisions
        .iter()
        .filter(|d| matches!(d, Decision::Placed { .. }))
        .count();
    // resting + market + 3 TWAP slices + at least 2 iceberg children + sell
    assert!(placed >= 8, "placed {placed}: {decisions:#?}");
    assert!(
        decisions
            .iter()
            .any(|d| matches!(d, Decision::AlgoDone { code, .. } if code == "completed"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_and_paper_ledgers_agree_with_fakex_to_the_micro_dollar() {
    // Live: fakex verifies each signed order, matches it and keeps the account.
    let fx = fakex(60_000).await;
    let (token, book) = pick_token(&fx);
    let steps = script(token, &book);
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(&fx, dir.path());
    let key = PrivateKeySigner::random().with_chain_id(Some(POLYGON));
    let (signer, api_key) = signer_for(&fx, &key).await;
    let engine = Engine::open(&config).await.unwrap().unwrap();
    queue(engine.store(), &steps).await;
    let summary = engine
        .run_live(signer, &options(5), std::future::pending())
        .await
        .expect("live run");
    eprintln!("live: {summary:?}");
    assert!(summary.fills >= 5, "{summary:?}");
    let live = outcome(&config, token).await;
    assert_clean(&live.decisions);
    let account = fx.exchange().account(&api_key);
    let reserved: i64 = 0; // cash reserved by open BUYs is still part of fakex's cash
    assert_eq!(
        account.cash - reserved - i64::try_from(FAKEX_CASH).unwrap() * 1_000_000,
        live.cash_delta,
        "cash"
    );
    assert_eq!(
        account.positions.get(&token).copied().unwrap_or(0),
        i64::try_from(live.position).unwrap(),
        "shares"
    );
    // Open orders: ours and fakex's are the same set.
    let ours: Vec<String> = live
        .store
        .open_orders()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|o| o.venue_id.map(|v| v.0))
        .collect();
    let theirs: Vec<String> = account.open_orders.iter().map(|o| o.id.clone()).collect();
    assert_eq!(ours.len(), 1, "the resting order stays open: {ours:?}");
    assert_eq!(ours, theirs);

    // Paper against an identical fakex: the simulated venue fills what fakex filled.
    let fx2 = fakex(60_000).await;
    let dir2 = tempfile::tempdir().unwrap();
    let config2 = config_for(&fx2, dir2.path());
    let engine = Engine::open(&config2).await.unwrap().unwrap();
    queue(engine.store(), &steps).await;
    let summary = engine
        .run_paper(&options(5), std::future::pending())
        .await
        .expect("paper run");
    eprintln!("paper: {summary:?}");
    let paper = outcome(&config2, token).await;
    assert_clean(&paper.decisions);
    let brief = |fills: Vec<(polybot_engine::Fill, polybot_engine::FillStatus)>| -> Vec<String> {
        fills
            .iter()
            .map(|(f, _)| format!("{:?} {} @ {} fee {}", f.side, f.size, f.price, f.fee))
            .collect()
    };
    assert_eq!(
        paper.cash_delta,
        live.cash_delta,
        "paper cash equals fakex's\npaper {:#?}\nlive {:#?}",
        brief(paper.store.fills(None).await.unwrap()),
        brief(live.store.fills(None).await.unwrap())
    );
    assert_eq!(paper.position, live.position, "paper shares equal fakex's");
    let open = paper.store.open_orders().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].state, OrderState::Live);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_loss_cancels_at_fakex_and_the_restarted_engine_reconciles() {
    let fx = fakex(1_000).await;
    let (token, book) = pick_token(&fx);
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(&fx, dir.path());
    let key = PrivateKeySigner::random().with_chain_id(Some(POLYGON));
    let steps = vec![script(token, &book).remove(0)];
    let (signer, api_key) = signer_for(&fx, &key).await;
    let engine = Engine::open(&config).await.unwrap().unwrap();
    queue(engine.store(), &steps).await;
    engine
        .run_live(signer, &options(2), std::future::pending())
        .await
        .unwrap();
    let store = Store::open(&config.storage.sqlite_url()).await.unwrap();
    let open = store.open_orders().await.unwrap();
    assert_eq!(open.len(), 1, "the resting order is live");
    assert_eq!(open[0].state, OrderState::Live);
    // The engine is gone: no heartbeats. fakex's dead-man switch cancels everything.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert!(
        fx.exchange().open_orders(&api_key).is_empty(),
        "fakex cancelled the order"
    );
    // The restarted engine reconciles and learns the order was cancelled.
    let (signer, _) = signer_for(&fx, &key).await;
    let engine = Engine::open(&config).await.unwrap().unwrap();
    engine
        .run_live(signer, &options(2), std::future::pending())
        .await
        .unwrap();
    let order = store
        .order(open[0].request.client_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.state, OrderState::Cancelled, "{order:?}");
    assert!(store.open_orders().await.unwrap().is_empty());
}
