//! Builds the ensemble from [`ForecastConfig`]: one [`LlmForecaster`] per usable provider
//! (enabled and keyed), the configured fallback, or — with no usable provider — the
//! [`OfflineForecaster`] alone.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::{ForecastConfig, ProviderConfig};
use crate::cost::PriceTable;
use crate::ensemble::Ensemble;
use crate::error::ForecastError;
use crate::forecaster::{Forecaster, LlmForecaster, SharedLedger};
use crate::offline::OfflineForecaster;
use crate::providers::build_provider;

/// The forecaster for one provider entry.
pub fn build_forecaster(
    p: &ProviderConfig,
    show_market_price: bool,
    ledger: &SharedLedger,
) -> Result<Arc<dyn Forecaster>, ForecastError> {
    let prices = PriceTable {
        input_usd_per_mtok: p.input_usd_per_mtok,
        output_usd_per_mtok: p.output_usd_per_mtok,
    };
    Ok(Arc::new(LlmForecaster::new(
        build_provider(p)?,
        prices,
        show_market_price,
        Arc::clone(ledger),
    )))
}

/// The ensemble for `cfg` (call `validate` and `apply_secret_env` first). Providers that are
/// disabled or lack a key are skipped with a warning; with none left the ensemble is the
/// offline forecaster, whose every output says `source: "offline"`.
pub fn build_ensemble(
    cfg: &ForecastConfig,
    ledger: &SharedLedger,
) -> Result<Ensemble, ForecastError> {
    let mut members: Vec<Arc<dyn Forecaster>> = Vec::new();
    for p in cfg.providers.iter().filter(|p| !p.fallback_only) {
        if !p.is_usable() {
            if p.enabled {
                tracing::warn!(provider = %p.name, env = ?p.effective_key_env(), "no API key; provider skipped");
            }
            continue;
        }
        members.push(build_forecaster(p, cfg.show_market_price, ledger)?);
    }
    if members.is_empty() {
        tracing::warn!(
            "no LLM provider configured: using the OFFLINE forecaster (not a forecast of skill)"
        );
        return Ok(Ensemble::new(
            vec![Arc::new(OfflineForecaster)],
            None,
            cfg.ensemble.clone(),
        ));
    }
    let fallback = cfg
        .providers
        .iter()
        .find(|p| p.name == cfg.ensemble.fallback && p.is_usable())
        .map(|p| build_forecaster(p, cfg.show_market_price, ledger))
        .transpose()?;
    Ok(Ensemble::new(members, fallback, cfg.ensemble.clone()))
}

/// The configured prior weights by provider name (the adaptive weights' prior).
#[must_use]
pub fn prior_weights(cfg: &ForecastConfig) -> BTreeMap<String, f64> {
    cfg.providers
        .iter()
        .filter(|p| p.is_usable() && !p.fallback_only)
        .map(|p| (p.name.clone(), p.weight))
        .collect()
}
