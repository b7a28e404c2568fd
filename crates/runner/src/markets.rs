//! What the engine must know about each token it trades: the venue's tick, minimum sizes and
//! taker fee (for the kernel's checks and the simulated venue) and the neg-risk flag (which
//! exchange contract a live order is signed for). Read from the CLOB at start-up and whenever a
//! new token comes into play.

use polybot_engine::kernel::MarketMeta;
use polybot_engine::orders::MarketRules;
use polybot_engine::session::SessionMarket;
use polybot_model::{Market, TokenId};
use polybot_polymarket::Polymarket;
use polybot_polymarket::live::TokenRules;
use polybot_risk::{MarketKey, NegRiskGroup, OutcomeSide};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketInfo {
    pub session: SessionMarket,
    pub neg_risk: bool,
    pub condition: polybot_model::ConditionId,
    /// The market's outcome tokens, in outcome order (a resolution names the winner's index).
    pub tokens: Vec<TokenId>,
}

impl MarketInfo {
    #[must_use]
    pub fn token_rules(&self) -> TokenRules {
        TokenRules {
            tick: self.session.rules.tick,
            neg_risk: self.neg_risk,
        }
    }
}

/// The venue's facts about `token`.
pub async fn fetch(connector: &Polymarket, token: TokenId) -> Result<MarketInfo> {
    let info = connector.trading_info(token).await?;
    let mut rules = MarketRules::polymarket(info.tick);
    if !info.min_order_size.is_zero() {
        rules.min_resting_size = info.min_order_size;
    }
    // The risk engine's view of the market (exposure groups, type, end date) comes from Gamma;
    // without it the market counts as UNKNOWN, where the risk engine enters nothing new.
    let meta = match connector.market_by_condition(info.condition).await {
        Ok(Some(market)) => Some(Box::new(market_meta(&market, token, info.taker_fee_bps))),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(%token, error = %e, "no market metadata for the risk engine");
            None
        }
    };
    Ok(MarketInfo {
        session: SessionMarket {
            token,
            rules,
            taker_fee_bps: info.taker_fee_bps,
            meta,
        },
        neg_risk: info.neg_risk,
        condition: info.condition,
        tokens: info.tokens,
    })
}

/// What the risk engine needs to know about `token`'s market, from its Gamma record.
#[must_use]
pub fn market_meta(market: &Market, token: TokenId, fee_rate_bps: u32) -> MarketMeta {
    let category = polybot_scanner::classify_market(market).as_str().to_owned();
    let index = market.outcomes.iter().position(|o| o.token_id == token);
    let group = market
        .event_id
        .clone()
        .unwrap_or_else(|| market.condition_id.to_string());
    MarketMeta {
        key: MarketKey {
            market: market.condition_id,
            event_id: market.event_id.clone(),
            neg_risk: market.neg_risk.then_some(NegRiskGroup {
                id: group,
                outcomes: 0,
            }),
            category: category.clone(),
            tags: market.tags.clone(),
        },
        market_type: category,
        outcome: if index == Some(1) {
            OutcomeSide::No
        } else {
            OutcomeSide::Yes
        },
        end_time_ms: market.end_date.map(|d| d.timestamp_millis()),
        fee_rate_bps,
    }
}
