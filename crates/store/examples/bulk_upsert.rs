//! Times a full scan's worth of market upserts (2000 markets, twice: insert then update) so the
//! single-transaction design can be checked on real hardware without timing assertions in tests.
//!
//! `cargo run --release -p polybot-store --example bulk_upsert [COUNT]`

use std::time::Instant;

use polybot_model::{
    ConditionId, Market, MarketStatus, Outcome, Probability, Size, TickSize, TokenId, Usdc,
};
use polybot_store::{MarketQuery, Store};

fn market(n: u64) -> Result<Market, Box<dyn std::error::Error>> {
    let outcome = |name: &str, token: u64| -> Result<Outcome, Box<dyn std::error::Error>> {
        Ok(Outcome {
            name: name.to_owned(),
            token_id: TokenId::parse(&token.to_string())?,
            price: Some(Probability::from_micros(500_000)?),
        })
    };
    Ok(Market {
        condition_id: ConditionId::parse(&format!("0x{n:064x}"))?,
        question: format!("Will event {n} happen?"),
        slug: format!("will-event-{n}-happen"),
        description: "x".repeat(600),
        outcomes: vec![outcome("Yes", n * 10 + 1)?, outcome("No", n * 10 + 2)?],
        category: Some("SPORTS".to_owned()),
        tags: vec!["sports".to_owned()],
        end_date: None,
        neg_risk: false,
        event_id: Some(format!("event-{n}")),
        event_title: None,
        tick_size: TickSize::Hundredth,
        min_order_size: Size::shares(5),
        taker_fee_bps: 0,
        volume: Usdc::dollars(n as i64),
        volume_24h: Usdc::ZERO,
        liquidity: Usdc::dollars(100),
        best_bid: None,
        best_ask: None,
        status: MarketStatus::Active,
        accepting_orders: true,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: u64 = std::env::args().nth(1).map_or(Ok(2_000), |a| a.parse())?;
    let markets = (1..=count).map(market).collect::<Result<Vec<_>, _>>()?;
    let dir = tempfile::tempdir()?;
    let store = Store::open_sqlite(&dir.path().join("bench.db")).await?;

    for pass in ["insert", "update"] {
        let start = Instant::now();
        store.upsert_markets(&markets).await?;
        println!("{pass}: {count} markets in {:?}", start.elapsed());
    }
    let query = MarketQuery {
        active_only: true,
        limit: Some(100),
        order_by_volume_desc: true,
        ..MarketQuery::default()
    };
    for pass in ["cold", "warm"] {
        let start = Instant::now();
        let top = store.markets(&query).await?;
        println!(
            "query ({pass}): top {} by volume in {:?}",
            top.len(),
            start.elapsed()
        );
    }
    store.close().await;
    Ok(())
}
