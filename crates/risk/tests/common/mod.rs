//! Fixtures: a portfolio and a candidate that pass every check with room to spare.
#![allow(dead_code)]

use polybot_model::{ConditionId, Price, Probability, Side, Size, TokenId, Usdc};
use polybot_risk::{
    Candidate, Confidence, MarketKey, NegRiskGroup, OpenPosition, OutcomeSide, PortfolioState,
};

pub const NOW: i64 = 1_750_000_000_000;
pub const HOUR: i64 = 3_600_000;
pub const STRATEGY: &str = "forecast";

pub fn market(n: u64) -> ConditionId {
    ConditionId::parse(&format!("0x{n:064x}")).unwrap()
}

/// Token `n·10 + 0` is market `n`'s YES, `n·10 + 1` its NO.
pub fn token(market: u64, outcome: OutcomeSide) -> TokenId {
    TokenId::parse(&(market * 10 + outcome as u64).to_string()).unwrap()
}

pub fn price(s: &str) -> Price {
    Price::parse(s).unwrap()
}

pub fn prob(s: &str) -> Probability {
    Probability::parse(s).unwrap()
}

pub fn usd(d: i64) -> Usdc {
    Usdc::dollars(d)
}

/// $10,000 in cash, all of it the forecast strategy's bankroll.
pub fn state() -> PortfolioState {
    PortfolioState::new(usd(10_000), STRATEGY)
}

pub fn key(market_id: u64, event: &str, category: &str, tags: &[&str]) -> MarketKey {
    MarketKey {
        market: market(market_id),
        event_id: Some(event.to_owned()),
        neg_risk: None,
        category: category.to_owned(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
    }
}

/// A position of another strategy (so it does not touch the forecast strategy's bankroll).
pub fn position(key: MarketKey, outcome: OutcomeSide, shares: u64, cost: Usdc) -> OpenPosition {
    let id = u64::from_str_radix(&key.market.to_string()[2..][48..], 16).unwrap();
    OpenPosition {
        strategy: "other".into(),
        leader: None,
        token: token(id, outcome),
        key,
        outcome,
        size: Size::shares(shares),
        cost,
        opened_ms: NOW - HOUR,
    }
}

/// Buy YES on market 1 (event e1, MACRO, tag fed) at 0.40 with a 4% taker fee rate, believing
/// 0.55: net edge 0.1404, quarter Kelly ≈ 0.059, sized to the $50 per-market stake.
pub fn candidate() -> Candidate {
    Candidate {
        strategy: STRATEGY.into(),
        leader: None,
        key: key(1, "e1", "MACRO", &["fed"]),
        market_type: "MACRO".into(),
        token: token(1, OutcomeSide::Yes),
        outcome: OutcomeSide::Yes,
        side: Side::Buy,
        is_exit: false,
        limit_price: price("0.40"),
        requested_size: None,
        post_only: false,
        fee_rate_bps: 400,
        min_order_size: Size::shares(5),
        probability: prob("0.55"),
        confidence: Confidence::High,
        evidence_quality: Some(0.8),
        liquidity: usd(50_000),
        best_bid: Some(prob("0.39")),
        best_ask: Some(prob("0.40")),
        book_ts_ms: NOW,
        end_time_ms: Some(NOW + 30 * 24 * HOUR),
        reference_price: Some(price("0.40")),
        volatility_multiplier: 1.0,
        regime: None,
    }
}

pub fn neg_risk(id: &str, outcomes: u32) -> Option<NegRiskGroup> {
    Some(NegRiskGroup {
        id: id.to_owned(),
        outcomes,
    })
}
