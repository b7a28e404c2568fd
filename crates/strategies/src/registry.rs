//! The strategy registry: every strategy this crate hosts by its kind, built from a
//! [`StrategySetup`]. The runner records each strategy it hosts as a setup in the session header
//! and builds it from that setup; `polybot replay` builds the same strategies from the journaled
//! header — one path, so a replay hosts exactly what the run hosted.

use polybot_engine::Strategy;
use polybot_engine::session::StrategySetup;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{CopyConfig, CopyStrategy, ForecastStrategy, ForecastTradingConfig};

/// Copy trading's kind (its [`Strategy::name`]).
pub const COPY: &str = "copy";
/// Forecast trading's kind (its [`Strategy::name`]).
pub const FORECAST: &str = "forecast";
/// Every kind [`build`] knows.
pub const KINDS: [&str; 2] = [COPY, FORECAST];

/// Why a setup cannot become a strategy; each names the kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// Not a strategy this build hosts (a journal from a newer or patched build).
    Unknown { kind: String },
    /// The configuration does not serialize or decode.
    Config { kind: String, message: String },
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Unknown { kind } => write!(
                f,
                "unknown strategy kind `{kind}` (this build knows {})",
                KINDS.join(", ")
            ),
            BuildError::Config { kind, message } => {
                write!(f, "strategy `{kind}`: bad configuration: {message}")
            }
        }
    }
}

impl std::error::Error for BuildError {}

/// The setup that records copy trading configured with `config`.
pub fn copy_setup(config: &CopyConfig) -> Result<StrategySetup, BuildError> {
    setup(COPY, config)
}

/// The setup that records forecast trading configured with `config`.
pub fn forecast_setup(config: &ForecastTradingConfig) -> Result<StrategySetup, BuildError> {
    setup(FORECAST, config)
}

fn setup(kind: &str, config: &impl Serialize) -> Result<StrategySetup, BuildError> {
    StrategySetup::new(kind, config).map_err(|e| BuildError::Config {
        kind: kind.to_owned(),
        message: e.to_string(),
    })
}

/// The strategy a setup describes. The configuration is decoded, not validated again: a replay
/// rebuilds what ran (the run's loader validated it), even if a later build would judge it.
pub fn build(setup: &StrategySetup) -> Result<Box<dyn Strategy>, BuildError> {
    match setup.kind.as_str() {
        COPY => Ok(Box::new(CopyStrategy::new(decode(setup)?))),
        FORECAST => Ok(Box::new(ForecastStrategy::new(decode(setup)?))),
        other => Err(BuildError::Unknown {
            kind: other.to_owned(),
        }),
    }
}

/// [`build`] in the shape the engine takes a strategy builder
/// ([`polybot_engine::session::BuildStrategy`]: errors as text), for the runner and replay.
pub fn build_for_engine(setup: &StrategySetup) -> Result<Box<dyn Strategy>, String> {
    build(setup).map_err(|e| e.to_string())
}

fn decode<C: DeserializeOwned>(setup: &StrategySetup) -> Result<C, BuildError> {
    serde_json::from_value(setup.config.clone()).map_err(|e| BuildError::Config {
        kind: setup.kind.clone(),
        message: e.to_string(),
    })
}
