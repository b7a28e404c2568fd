//! Copy trading (seeds 001 and 003): a tracked wallet's trade arrives as an
//! [`Event::LeaderTrade`]; a buy is filtered (stale, market moved, trader unscored or
//! uncopyable, no liquidity) and, if it passes, becomes an [`Entry`] whose probability is the
//! leader's price plus an edge estimated from the trader's score; the risk engine then sizes it
//! by fractional Kelly under every cap (and applies the per-trader cutoffs). A leader's sell of a
//! token we copied from that leader becomes a mirror [`Exit`].

mod config;
mod decide;

pub use config::CopyConfig;
pub use decide::{CopyAction, decide};

use polybot_engine::strategy::{Intent, Strategy, View};
use polybot_engine::{AccountId, Event};

/// The copy strategy: one sub-ledger (`account`) for all copied wallets.
pub struct CopyStrategy {
    config: CopyConfig,
    account: AccountId,
}

impl CopyStrategy {
    #[must_use]
    pub fn new(config: CopyConfig) -> Self {
        let account = AccountId::new(config.account.clone());
        CopyStrategy { config, account }
    }
}

impl Strategy for CopyStrategy {
    fn name(&self) -> &str {
        crate::registry::COPY
    }

    fn account(&self) -> &AccountId {
        &self.account
    }

    fn on_event(&mut self, view: &View<'_>, event: &Event, intents: &mut Vec<Intent>) {
        let Event::LeaderTrade { trade, .. } = event else {
            return;
        };
        match decide(&self.config, &self.account, view, trade) {
            CopyAction::Enter(entry) => intents.push(Intent::Enter(entry)),
            CopyAction::Exit(exit) => intents.push(Intent::Exit(exit)),
            CopyAction::Skip { code, detail } => intents.push(Intent::Skip {
                token: trade.token,
                code,
                detail,
            }),
            CopyAction::Ignore => {}
        }
    }
}
