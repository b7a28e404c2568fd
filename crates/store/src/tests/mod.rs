//! Store tests: each one opens its own database in a fresh temporary directory.

mod batch;
mod commands;
mod decisions;
mod equity;
mod fills;
mod forecasts;
mod kv;
mod markets;
mod open;
mod orders;
mod recovery;
mod resolutions;

use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use polybot_engine::orders::{
    ClientOrderId, OrderRequest, Quantity, TimeInForce, TrackedOrder, VenueOrderId,
};
use polybot_engine::{AccountId, Fill, TradeId};
use polybot_model::{
    ConditionId, Market, MarketStatus, Outcome, Price, Probability, Side, Size, TickSize, TokenId,
    Usdc,
};
use tempfile::TempDir;

use crate::Store;

/// A store on a new file; keep the `TempDir` alive for as long as the store is used.
async fn temp_store() -> (TempDir, PathBuf, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("polybot.db");
    let store = Store::open_sqlite(&path).await.expect("open store");
    (dir, path, store)
}

fn condition_id(n: u64) -> ConditionId {
    ConditionId::parse(&format!("0x{n:064x}")).expect("valid condition id")
}

fn token_id(n: u64) -> TokenId {
    TokenId::parse(&n.to_string()).expect("valid token id")
}

fn outcome(name: &str, token: u64, price_micros: u32) -> Outcome {
    Outcome {
        name: name.to_owned(),
        token_id: token_id(token),
        price: Some(Probability::from_micros(price_micros).expect("probability")),
    }
}

/// A valid binary market numbered `n`, with tokens `n * 10 + 1` (Yes) and `n * 10 + 2` (No).
fn sample_market(n: u64) -> Market {
    Market {
        condition_id: condition_id(n),
        question: format!("Will event {n} happen?"),
        slug: format!("will-event-{n}-happen"),
        description: "Resolves YES if the event happens before the end date.".to_owned(),
        outcomes: vec![
            outcome("Yes", n * 10 + 1, 420_000),
            outcome("No", n * 10 + 2, 580_000),
        ],
        category: Some("SPORTS".to_owned()),
        tags: vec!["sports".to_owned(), "football".to_owned()],
        end_date: Some(Utc.with_ymd_and_hms(2030, 6, 1, 12, 0, 0).unwrap()),
        neg_risk: false,
        event_id: Some(format!("event-{n}")),
        event_title: Some(format!("Event {n}")),
        tick_size: TickSize::Hundredth,
        min_order_size: Size::shares(5),
        taker_fee_bps: 0,
        volume: Usdc::dollars(1_000 * n as i64),
        volume_24h: Usdc::dollars(10),
        liquidity: Usdc::from_micros(2_500_123_456),
        best_bid: Some(Probability::from_micros(410_000).expect("bid")),
        best_ask: Some(Probability::from_micros(430_000).expect("ask")),
        status: MarketStatus::Active,
        accepting_orders: true,
    }
}

fn account(name: &str) -> AccountId {
    AccountId::new(name)
}

fn usd(text: &str) -> Usdc {
    Usdc::parse(text).expect("usdc")
}

/// A pending GTC order for 10 shares of token `token` at 0.50.
fn sample_order(client_id: u64, account_name: &str, token: u64, side: Side) -> TrackedOrder {
    TrackedOrder::new(OrderRequest {
        client_id: ClientOrderId(client_id),
        account: account(account_name),
        token_id: token_id(token),
        side,
        price: Price::parse("0.5").expect("price"),
        quantity: Quantity::Shares(Size::shares(10)),
        time_in_force: TimeInForce::Gtc,
        post_only: false,
    })
}

fn venue_id(n: u64) -> VenueOrderId {
    VenueOrderId(format!("0x{n:064x}"))
}

fn sample_fill(
    trade: &str,
    account_name: &str,
    token: u64,
    side: Side,
    price: &str,
    size: &str,
    fee: &str,
) -> Fill {
    Fill {
        trade_id: TradeId(trade.to_owned()),
        account: account(account_name),
        token_id: token_id(token),
        side,
        price: Price::parse(price).expect("price"),
        size: Size::parse(size).expect("size"),
        fee: usd(fee),
        timestamp_ms: 1_750_000_000_000,
    }
}

fn trade(id: &str) -> TradeId {
    TradeId(id.to_owned())
}
