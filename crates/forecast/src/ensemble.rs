//! The ensemble: members queried in parallel, aggregated by trimmed mean (default), median or
//! weights; `min_models_required`; a fallback queried alone when too few succeed; the
//! disagreement between members. Aggregation and disagreement are pure functions.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use polybot_model::FieldError;
use serde::{Deserialize, Serialize};

use crate::error::ForecastError;
use crate::forecaster::{Forecaster, ModelForecast, Source};
use crate::request::ForecastRequest;
use crate::structured::Confidence;

/// How member probabilities become one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Drop the highest and the lowest (with 3 or more members), average the rest.
    #[default]
    TrimmedMean,
    Median,
    /// Weighted mean with the (adaptive) weights passed to [`Ensemble::run`].
    Weighted,
}

/// `[forecast.ensemble]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnsembleConfig {
    pub aggregation: Aggregation,
    /// Successful members needed; fewer → the fallback.
    pub min_models_required: usize,
    /// Provider name queried alone when too few members succeed (empty: none).
    pub fallback: String,
    /// Learn per-model, per-category weights from resolved history (see `weights`).
    pub adaptive_weights: bool,
    /// Resolved samples after which a model's learned weight fully replaces its prior.
    pub weights_full_after: u32,
}

impl Default for EnsembleConfig {
    fn default() -> Self {
        EnsembleConfig {
            aggregation: Aggregation::TrimmedMean,
            min_models_required: 1,
            fallback: String::new(),
            adaptive_weights: true,
            weights_full_after: 50,
        }
    }
}

impl EnsembleConfig {
    pub(crate) fn validate(&self, providers: &BTreeSet<&str>, errors: &mut Vec<FieldError>) {
        if self.min_models_required == 0 {
            errors.push(FieldError::new(
                "ensemble.min_models_required",
                0,
                "must be at least 1",
            ));
        }
        if !self.fallback.is_empty() && !providers.contains(self.fallback.as_str()) {
            errors.push(FieldError::new(
                "ensemble.fallback",
                &self.fallback,
                "must name a configured provider (or be empty)",
            ));
        }
        if self.weights_full_after == 0 {
            errors.push(FieldError::new(
                "ensemble.weights_full_after",
                0,
                "must be at least 1",
            ));
        }
    }
}

/// Spread of the member probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Disagreement {
    /// Population standard deviation.
    pub std_dev: f64,
    /// Max − min.
    pub range: f64,
}

/// Disagreement of `probs` (zero for fewer than two).
#[must_use]
pub fn disagreement(probs: &[f64]) -> Disagreement {
    if probs.len() < 2 {
        return Disagreement::default();
    }
    let n = probs.len() as f64;
    let mean = probs.iter().sum::<f64>() / n;
    let var = probs.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / n;
    let max = probs.iter().copied().fold(f64::MIN, f64::max);
    let min = probs.iter().copied().fold(f64::MAX, f64::min);
    Disagreement {
        std_dev: var.sqrt(),
        range: max - min,
    }
}

/// Aggregates `(probability, weight)` pairs; `None` when empty. Weights are used only by
/// [`Aggregation::Weighted`], which falls back to the plain mean if they sum to zero.
#[must_use]
pub fn aggregate(points: &[(f64, f64)], method: Aggregation) -> Option<f64> {
    if points.is_empty() {
        return None;
    }
    let mut probs: Vec<f64> = points.iter().map(|(p, _)| *p).collect();
    probs.sort_by(f64::total_cmp);
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    Some(match method {
        Aggregation::TrimmedMean if probs.len() >= 3 => mean(&probs[1..probs.len() - 1]),
        Aggregation::TrimmedMean => mean(&probs),
        Aggregation::Median => {
            let m = probs.len() / 2;
            if probs.len() % 2 == 1 {
                probs[m]
            } else {
                (probs[m - 1] + probs[m]) / 2.0
            }
        }
        Aggregation::Weighted => {
            let total: f64 = points.iter().map(|(_, w)| w.max(0.0)).sum();
            if total.is_finite() && total > 0.0 {
                points.iter().map(|(p, w)| p * w.max(0.0)).sum::<f64>() / total
            } else {
                mean(&probs)
            }
        }
    })
}

/// A member that failed, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberFailure {
    pub provider: String,
    pub error: String,
}

/// The ensemble's answer, with every member's forecast and failure for the decision record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnsembleForecast {
    /// `offline` when any contributing forecast is offline.
    pub source: Source,
    pub probability: f64,
    /// The median member confidence (the lower one of an even count).
    pub confidence: Confidence,
    pub aggregation: Aggregation,
    pub members: Vec<ModelForecast>,
    pub failures: Vec<MemberFailure>,
    pub disagreement: Disagreement,
    pub used_fallback: bool,
}

/// Members, an optional fallback and the settings.
pub struct Ensemble {
    members: Vec<Arc<dyn Forecaster>>,
    fallback: Option<Arc<dyn Forecaster>>,
    config: EnsembleConfig,
}

impl Ensemble {
    #[must_use]
    pub fn new(
        members: Vec<Arc<dyn Forecaster>>,
        fallback: Option<Arc<dyn Forecaster>>,
        config: EnsembleConfig,
    ) -> Self {
        Ensemble {
            members,
            fallback,
            config,
        }
    }

    /// Member names, in order.
    #[must_use]
    pub fn member_names(&self) -> Vec<String> {
        self.members.iter().map(|m| m.name().to_owned()).collect()
    }

    /// Queries every member in parallel and aggregates; `weights` (by provider name, missing =
    /// 1) are used by [`Aggregation::Weighted`].
    pub async fn run(
        &self,
        req: &ForecastRequest,
        weights: &BTreeMap<String, f64>,
    ) -> Result<EnsembleForecast, ForecastError> {
        let results = futures::future::join_all(self.members.iter().map(|m| m.forecast(req))).await;
        let (mut ok, mut failures) = (Vec::new(), Vec::new());
        for (member, result) in self.members.iter().zip(results) {
            match result {
                Ok(f) => ok.push(f),
                Err(e) => failures.push(failure(member.name(), &e)),
            }
        }
        let required = self.config.min_models_required.max(1);
        if ok.len() >= required {
            return Ok(self.combine(ok, failures, weights, false));
        }
        let Some(fallback) = &self.fallback else {
            return Err(too_few(ok.len(), required, &failures));
        };
        tracing::warn!(
            succeeded = ok.len(),
            required,
            fallback = fallback.name(),
            "ensemble degraded to its fallback"
        );
        match fallback.forecast(req).await {
            Ok(f) => Ok(self.combine(vec![f], failures, weights, true)),
            Err(e) => {
                failures.push(failure(&format!("{} (fallback)", fallback.name()), &e));
                Err(too_few(ok.len(), required, &failures))
            }
        }
    }

    fn combine(
        &self,
        members: Vec<ModelForecast>,
        failures: Vec<MemberFailure>,
        weights: &BTreeMap<String, f64>,
        used_fallback: bool,
    ) -> EnsembleForecast {
        let points: Vec<(f64, f64)> = members
            .iter()
            .map(|m| {
                let w = weights.get(&m.provider).copied().unwrap_or(1.0);
                (m.answer.probability, w)
            })
            .collect();
        let probs: Vec<f64> = points.iter().map(|(p, _)| *p).collect();
        let mut confidences: Vec<Confidence> =
            members.iter().map(|m| m.answer.confidence).collect();
        confidences.sort();
        let source = if members.iter().any(|m| m.source == Source::Offline) {
            Source::Offline
        } else {
            Source::Llm
        };
        EnsembleForecast {
            source,
            // `members` is never empty here, so neither is `points`.
            probability: aggregate(&points, self.config.aggregation).unwrap_or(0.5),
            confidence: confidences[(confidences.len() - 1) / 2],
            aggregation: self.config.aggregation,
            disagreement: disagreement(&probs),
            members,
            failures,
            used_fallback,
        }
    }
}

fn failure(provider: &str, e: &ForecastError) -> MemberFailure {
    MemberFailure {
        provider: provider.to_owned(),
        error: e.to_string(),
    }
}

fn too_few(succeeded: usize, required: usize, failures: &[MemberFailure]) -> ForecastError {
    ForecastError::TooFewModels {
        succeeded,
        required,
        failures: failures
            .iter()
            .map(|f| f.error.clone())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimmed_mean_drops_the_extremes() {
        let pts = [(0.1, 1.0), (0.5, 1.0), (0.6, 1.0), (0.99, 1.0)];
        let p = aggregate(&pts, Aggregation::TrimmedMean).unwrap();
        assert!((p - 0.55).abs() < 1e-12);
        assert!((aggregate(&pts, Aggregation::Median).unwrap() - 0.55).abs() < 1e-12);
        let two = [(0.2, 1.0), (0.4, 1.0)];
        assert!((aggregate(&two, Aggregation::TrimmedMean).unwrap() - 0.3).abs() < 1e-12);
        assert_eq!(aggregate(&[], Aggregation::Median), None);
    }

    #[test]
    fn weighted_mean_uses_weights_and_survives_zero_weights() {
        let pts = [(0.2, 3.0), (0.6, 1.0)];
        assert!((aggregate(&pts, Aggregation::Weighted).unwrap() - 0.3).abs() < 1e-12);
        let zero = [(0.2, 0.0), (0.6, 0.0)];
        assert!((aggregate(&zero, Aggregation::Weighted).unwrap() - 0.4).abs() < 1e-12);
    }

    #[test]
    fn disagreement_is_std_dev_and_range() {
        let d = disagreement(&[0.2, 0.4, 0.6]);
        assert!((d.range - 0.4).abs() < 1e-12);
        assert!((d.std_dev - (0.08f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(disagreement(&[0.7]), Disagreement::default());
    }
}
