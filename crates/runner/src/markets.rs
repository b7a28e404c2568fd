//! What the engine must know about each token it trades: the venue's tick, minimum sizes and
//! taker fee (for the kernel's checks and the simulated venue) and the neg-risk flag (which
//! exchange contract a live order is signed for). Read from the CLOB at start-up and whenever a
//! new token comes into play.

use polybot_engine::orders::MarketRules;
use polybot_engine::session::SessionMarket;
use polybot_model::TokenId;
use polybot_polymarket::Polymarket;
use polybot_polymarket::live::TokenRules;

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
    Ok(MarketInfo {
        session: SessionMarket {
            token,
            rules,
            taker_fee_bps: info.taker_fee_bps,
        },
        neg_risk: info.neg_risk,
        condition: info.condition,
        tokens: info.tokens,
    })
}
