//! AI forecasting for polybot (issue 5, items 2–4): LLM providers with validated structured
//! output and cost tracking, the ensemble with adaptive weights, calibration, combination with
//! the market price, and a clearly labelled offline forecaster.
//!
//! - [`providers`]: OpenAI chat completions, Anthropic messages, Gemini generateContent and any
//!   OpenAI-compatible server, over HTTP behind [`LlmProvider`].
//! - [`forecaster`]: [`Forecaster`] and [`LlmForecaster`] (strict validation, one corrective
//!   retry, then [`ForecastError::Rejected`]); [`cost`]: [`CostLedger`].
//! - [`ensemble`], [`weights`]: parallel members, trimmed mean / median / weighted, fallback,
//!   inverse-Brier weights with Bayesian smoothing.
//! - [`calibration`], [`combine`]: pure functions; Platt scaling with refit, penalties, and the
//!   log-odds combination with the market whose weight is learned from history.
//! - [`offline`]: the placeholder used when no key is configured (`source: "offline"`).

pub mod calibration;
pub mod combine;
pub mod config;
pub mod cost;
pub mod ensemble;
pub mod error;
pub mod forecaster;
pub mod offline;
pub mod pipeline;
pub mod providers;
pub mod request;
pub mod research;
pub mod setup;
pub mod structured;
pub mod weights;

pub use calibration::{
    CalibratedForecast, CalibrationConfig, CalibrationSample, Calibrator, PenaltyInputs,
    PlattParams, fit_platt,
};
pub use combine::{MarketSample, MarketWeight, combine_with_market, learn_market_weight};
pub use config::{ForecastConfig, ProviderConfig, ProviderKind};
pub use cost::{CostLedger, PriceTable, ProviderCost, Usage};
pub use ensemble::{Aggregation, Disagreement, Ensemble, EnsembleConfig, EnsembleForecast};
pub use error::ForecastError;
pub use forecaster::{Forecaster, LlmForecaster, ModelForecast, SharedLedger, Source};
pub use offline::OfflineForecaster;
pub use providers::{LlmProvider, build_provider};
pub use request::ForecastRequest;
pub use setup::{build_ensemble, prior_weights};
pub use structured::{Confidence, ForecastAnswer, parse_answer};
pub use weights::{ResolvedForecast, adaptive_weights};
