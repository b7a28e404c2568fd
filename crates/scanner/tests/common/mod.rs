//! Test fixtures shared by the integration tests.
#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use polybot_model::{
    ConditionId, Market, MarketStatus, Outcome, Probability, Size, TickSize, TokenId, Usdc,
};

/// The fixed "now" of every test.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap()
}

pub fn condition_id(n: u64) -> ConditionId {
    ConditionId::parse(&format!("0x{n:064x}")).unwrap()
}

pub fn prob(text: &str) -> Probability {
    Probability::parse(text).unwrap()
}

fn outcome(name: &str, token: &str) -> Outcome {
    Outcome {
        name: name.to_owned(),
        token_id: TokenId::parse(token).unwrap(),
        price: Some(prob("0.5")),
    }
}

/// A MACRO market that passes every default filter: $50k volume, $5k liquidity, 0.48/0.52,
/// resolving in 10 days.
pub fn passing_market() -> Market {
    Market {
        condition_id: condition_id(1),
        question: "Will CPI inflation exceed 3% in March?".to_owned(),
        slug: "cpi-above-3-march".to_owned(),
        description: "Resolves on the BLS release.".to_owned(),
        outcomes: vec![outcome("Yes", "11"), outcome("No", "12")],
        category: None,
        tags: Vec::new(),
        end_date: Some(now() + Duration::days(10)),
        neg_risk: false,
        event_id: None,
        event_title: None,
        tick_size: TickSize::Hundredth,
        min_order_size: Size::shares(5),
        taker_fee_bps: 0,
        volume: Usdc::dollars(50_000),
        volume_24h: Usdc::dollars(2_000),
        liquidity: Usdc::dollars(5_000),
        best_bid: Some(prob("0.48")),
        best_ask: Some(prob("0.52")),
        status: MarketStatus::Active,
        accepting_orders: true,
    }
}
