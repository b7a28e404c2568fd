//! Helpers for the trading tests: an SDK client authenticated against fakex with a random
//! test key, and a token with a two-sided book.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::str::FromStr;

use alloy::signers::Signer as _;
use alloy::signers::local::PrivateKeySigner;
use polybot_fakex::{FakexConfig, FakexHandle};
use polybot_model::{OrderBook, Price, TokenId};
use polymarket_client_sdk_v2::POLYGON;
use polymarket_client_sdk_v2::auth::Normal;
use polymarket_client_sdk_v2::auth::state::Authenticated;
use polymarket_client_sdk_v2::clob::types::response::PostOrderResponse;
use polymarket_client_sdk_v2::clob::types::{OrderType, Side};
use polymarket_client_sdk_v2::clob::{Client, Config};
use polymarket_client_sdk_v2::types::Decimal;

pub type Authed = Client<Authenticated<Normal>>;

pub struct Trader {
    pub client: Authed,
    pub signer: PrivateKeySigner,
    pub key: String,
}

/// fakex with generated markets, no background simulation and fast settlement.
pub async fn start() -> FakexHandle {
    polybot_fakex::start(FakexConfig {
        base_port: 0,
        sim_interval_ms: 0,
        seed_dir: None,
        generated_markets: 20,
        trade_mined_ms: 150,
        trade_confirmed_ms: 300,
        heartbeat_timeout_ms: 400,
        ..FakexConfig::default()
    })
    .await
    .expect("fakex starts")
}

pub async fn trader(fx: &FakexHandle) -> Trader {
    let signer = PrivateKeySigner::random().with_chain_id(Some(POLYGON));
    let client = Client::new(
        &fx.clob_url(),
        Config::builder().use_server_time(true).build(),
    )
    .expect("client")
    .authentication_builder(&signer)
    .authenticate()
    .await
    .expect("authenticates against fakex");
    let key = client.credentials().key().to_string();
    Trader {
        client,
        signer,
        key,
    }
}

/// A live token whose book has bids and asks.
pub fn two_sided(fx: &FakexHandle) -> (TokenId, OrderBook) {
    let ex = fx.exchange();
    ex.token_ids()
        .into_iter()
        .filter_map(|t| ex.book(t).map(|b| (t, b)))
        .find(|(_, b)| b.best_bid().is_some() && b.best_ask().is_some())
        .expect("a two-sided book")
}

pub fn dec(p: impl ToString) -> Decimal {
    Decimal::from_str(&p.to_string()).expect("decimal")
}

/// Builds, signs and posts a limit order.
pub async fn limit(
    t: &Trader,
    token: TokenId,
    side: Side,
    price: Price,
    size: &str,
    kind: OrderType,
    post_only: bool,
) -> PostOrderResponse {
    let order = t
        .client
        .limit_order()
        .token_id(token.0)
        .side(side)
        .price(dec(price))
        .size(dec(size))
        .order_type(kind)
        .post_only(post_only)
        .build()
        .await
        .expect("builds");
    let signed = t.client.sign(&t.signer, order).await.expect("signs");
    t.client.post_order(signed).await.expect("posts")
}

/// Waits until `f` holds (or panics after 5 s).
pub async fn eventually(mut f: impl FnMut() -> bool) {
    for _ in 0..200 {
        if f() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("condition not reached in time");
}
