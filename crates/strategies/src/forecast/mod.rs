//! Forecast trading (seed 000's pipeline, trading end): the forecasting pipeline's forecast of a
//! market arrives as an [`Event::Forecast`]; a stale forecast, the offline placeholder's (unless
//! `trade_offline`), a market without asks or without enough net edge after the fee is skipped
//! with its reason code; otherwise the outcome with the larger edge becomes an [`Entry`] at the
//! forecast's probability and confidence, which the risk engine checks and sizes by fractional
//! Kelly. A re-forecast of a held market updates the position's probability for the kernel's
//! edge-reversal exit, and exits at once when the other outcome now has the edge.
//!
//! [`Entry`]: polybot_engine::kernel::Entry

mod config;
mod decide;

pub use config::ForecastTradingConfig;
pub use decide::{ForecastAction, ForecastDecision, decide};

use polybot_engine::strategy::{Intent, Strategy, View};
use polybot_engine::{AccountId, Event};

/// The forecast strategy: one sub-ledger (`account`) for every forecast market.
pub struct ForecastStrategy {
    config: ForecastTradingConfig,
    account: AccountId,
}

impl ForecastStrategy {
    #[must_use]
    pub fn new(config: ForecastTradingConfig) -> Self {
        let account = AccountId::new(config.account.clone());
        ForecastStrategy { config, account }
    }
}

impl Strategy for ForecastStrategy {
    fn name(&self) -> &str {
        crate::registry::FORECAST
    }

    fn account(&self) -> &AccountId {
        &self.account
    }

    fn on_event(&mut self, view: &View<'_>, event: &Event, intents: &mut Vec<Intent>) {
        let Event::Forecast { forecast, .. } = event else {
            return;
        };
        decide(&self.config, &self.account, view, forecast).push_intents(intents);
    }
}
