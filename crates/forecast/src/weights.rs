//! Adaptive per-model, per-category ensemble weights from inverse Brier scores, smoothed
//! toward the configured priors: a model's learned weight counts in proportion to its resolved
//! samples in the category, fully after `full_after` of them. Pure functions over the stored
//! `(model, category, forecast, outcome)` history.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One resolved forecast of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedForecast {
    pub model: String,
    pub category: String,
    pub forecast: f64,
    pub outcome: bool,
}

/// Added to a Brier score before inverting, so a perfect record does not get infinite weight.
const BRIER_FLOOR: f64 = 0.01;

/// Mean squared error of `(forecast, outcome)` pairs; `None` when empty. Non-finite forecasts
/// are skipped.
#[must_use]
pub fn brier_score(pairs: impl IntoIterator<Item = (f64, bool)>) -> Option<f64> {
    let (sum, n) =
        pairs
            .into_iter()
            .filter(|(f, _)| f.is_finite())
            .fold((0.0, 0usize), |(s, n), (f, o)| {
                let y = if o { 1.0 } else { 0.0 };
                (s + (f.clamp(0.0, 1.0) - y).powi(2), n + 1)
            });
    (n > 0).then(|| sum / n as f64)
}

/// Normalised weights (summing to 1) for the models in `priors` in `category`.
///
/// `priors` are normalised first (non-finite or negative → 0; all zero → equal). Models with
/// history share their prior mass in proportion to inverse Brier; each model's weight is
/// `c·learned + (1−c)·prior` with `c = min(n / full_after, 1)`.
#[must_use]
pub fn adaptive_weights(
    history: &[ResolvedForecast],
    category: &str,
    priors: &BTreeMap<String, f64>,
    full_after: u32,
) -> BTreeMap<String, f64> {
    let prior = normalise(priors);
    let stats: BTreeMap<&str, (f64, usize)> = prior
        .keys()
        .filter_map(|m| {
            let pairs = history
                .iter()
                .filter(|r| &r.model == m && r.category == category && r.forecast.is_finite());
            let n = pairs.clone().count();
            brier_score(pairs.map(|r| (r.forecast, r.outcome))).map(|b| (m.as_str(), (b, n)))
        })
        .collect();
    let data_mass: f64 = stats.keys().map(|m| prior[*m]).sum();
    let inv_total: f64 = stats.values().map(|(b, _)| 1.0 / (b + BRIER_FLOOR)).sum();
    let full = f64::from(full_after.max(1));
    let blended: BTreeMap<String, f64> = prior
        .iter()
        .map(|(m, p)| {
            let w = match stats.get(m.as_str()) {
                Some((b, n)) if inv_total > 0.0 => {
                    let learned = data_mass * (1.0 / (b + BRIER_FLOOR)) / inv_total;
                    let c = (*n as f64 / full).min(1.0);
                    c * learned + (1.0 - c) * p
                }
                _ => *p,
            };
            (m.clone(), w)
        })
        .collect();
    normalise(&blended)
}

fn normalise(w: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    let clean = |x: f64| if x.is_finite() && x > 0.0 { x } else { 0.0 };
    let total: f64 = w.values().map(|x| clean(*x)).sum();
    w.iter()
        .map(|(k, x)| {
            let v = if total > 0.0 {
                clean(*x) / total
            } else {
                1.0 / w.len() as f64
            };
            (k.clone(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(model: &str, n: usize, err: f64) -> Vec<ResolvedForecast> {
        (0..n)
            .map(|i| {
                let outcome = i % 2 == 0;
                let forecast = if outcome { 1.0 - err } else { err };
                ResolvedForecast {
                    model: model.into(),
                    category: "MACRO".into(),
                    forecast,
                    outcome,
                }
            })
            .collect()
    }

    fn priors() -> BTreeMap<String, f64> {
        [("a".to_owned(), 1.0), ("b".to_owned(), 1.0)].into()
    }

    #[test]
    fn no_history_keeps_the_priors() {
        let w = adaptive_weights(&[], "MACRO", &priors(), 50);
        assert!((w["a"] - 0.5).abs() < 1e-12 && (w["b"] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn the_better_model_gains_weight_and_more_with_more_samples() {
        let mut few = history("a", 10, 0.1);
        few.extend(history("b", 10, 0.4));
        let mut many = history("a", 60, 0.1);
        many.extend(history("b", 60, 0.4));
        let w_few = adaptive_weights(&few, "MACRO", &priors(), 50);
        let w_many = adaptive_weights(&many, "MACRO", &priors(), 50);
        assert!(w_few["a"] > 0.5 && w_many["a"] > w_few["a"]);
        // Full weight: a's share is its inverse-Brier share.
        let (ia, ib) = (1.0 / (0.01 + 0.01), 1.0 / (0.16 + 0.01));
        assert!((w_many["a"] - ia / (ia + ib)).abs() < 1e-9);
        // Other categories are untouched.
        let w_other = adaptive_weights(&many, "SPORTS", &priors(), 50);
        assert!((w_other["a"] - 0.5).abs() < 1e-12);
    }
}
