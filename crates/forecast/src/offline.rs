//! The offline forecaster: keeps the pipeline runnable when no LLM key is configured.
//!
//! **It is NOT a forecast of skill.** It echoes the market-implied probability (clamped to
//! [0.02, 0.98]), or 0.5 when no price is known, with LOW confidence, so the edge it implies is
//! zero and the risk gate's `min_edge` and confidence checks block any trade it would cause.
//! Every output carries `source: "offline"` and says so in its reasoning.

use futures::future::BoxFuture;
use rust_decimal::Decimal;

use crate::cost::Usage;
use crate::error::ForecastError;
use crate::forecaster::{Forecaster, ModelForecast, Source};
use crate::request::ForecastRequest;
use crate::structured::{Confidence, ForecastAnswer};

/// Provider and model name of offline forecasts.
pub const OFFLINE: &str = "offline";

/// See the module documentation.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineForecaster;

impl OfflineForecaster {
    /// The deterministic placeholder for `req`.
    #[must_use]
    pub fn estimate(req: &ForecastRequest) -> ModelForecast {
        let (probability, basis) = match req.market_price.filter(|p| p.is_finite()) {
            Some(p) => (p.clamp(0.02, 0.98), "the market-implied probability"),
            None => (0.5, "0.5 (no market price known)"),
        };
        ModelForecast {
            source: Source::Offline,
            provider: OFFLINE.to_owned(),
            model: OFFLINE.to_owned(),
            answer: ForecastAnswer {
                probability,
                confidence: Confidence::Low,
                reasoning: format!(
                    "OFFLINE placeholder, NOT a forecast of skill: no LLM provider is configured, \
                     so this echoes {basis} for market {:?}.",
                    req.market_id
                ),
                invalidation_triggers: vec!["an LLM provider key is configured".to_owned()],
            },
            usage: Usage::default(),
            cost_usd: Decimal::ZERO,
            attempts: 1,
        }
    }
}

impl Forecaster for OfflineForecaster {
    fn name(&self) -> &str {
        OFFLINE
    }

    fn forecast<'a>(
        &'a self,
        req: &'a ForecastRequest,
    ) -> BoxFuture<'a, Result<ModelForecast, ForecastError>> {
        Box::pin(async move { Ok(Self::estimate(req)) })
    }
}
