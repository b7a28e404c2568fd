//! Combination of the calibrated (independent) forecast with the market price in log-odds
//! space, `logit(p) = w·logit(model) + (1−w)·logit(market)`, with `w` learned from resolved
//! history by maximum likelihood (grid search over [0, 1] minimising log loss). Below
//! `min_samples` the conservative prior `w` is used.

use serde::{Deserialize, Serialize};

use crate::calibration::{clamp_prob, logit, sigmoid};

/// The combined probability, strictly inside (0, 1). A non-finite `w` is treated as 0 (trust
/// the market); `w` is clamped to [0, 1].
#[must_use]
pub fn combine_with_market(model: f64, market: f64, w: f64) -> f64 {
    let w = if w.is_finite() {
        w.clamp(0.0, 1.0)
    } else {
        0.0
    };
    clamp_prob(sigmoid(w * logit(model) + (1.0 - w) * logit(market)))
}

/// One resolved market: the calibrated model probability, the market price when forecast, and
/// the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MarketSample {
    pub model: f64,
    pub market: f64,
    pub outcome: bool,
}

/// The weight in use and how it was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MarketWeight {
    /// The model's weight `w` in [0, 1].
    pub w: f64,
    pub learned: bool,
    pub samples: usize,
    /// Mean log loss of the combination at `w` on the history (`None` without history).
    pub log_loss: Option<f64>,
}

/// Mean log loss of the combination at `w` on `samples` (non-finite samples skipped).
#[must_use]
pub fn mean_log_loss(samples: &[MarketSample], w: f64) -> Option<f64> {
    let (sum, n) = usable(samples).fold((0.0, 0usize), |(s, n), x| {
        let p = combine_with_market(x.model, x.market, w);
        let loss = if x.outcome { -p.ln() } else { -(1.0 - p).ln() };
        (s + loss, n + 1)
    });
    (n > 0).then(|| sum / n as f64)
}

fn usable(samples: &[MarketSample]) -> impl Iterator<Item = &MarketSample> {
    samples
        .iter()
        .filter(|s| s.model.is_finite() && s.market.is_finite())
}

/// `prior_w` below `min_samples` usable samples; otherwise the `w` on a 0.01 grid over [0, 1]
/// with the lowest mean log loss (ties: the one closest to `prior_w`).
#[must_use]
pub fn learn_market_weight(
    samples: &[MarketSample],
    prior_w: f64,
    min_samples: usize,
) -> MarketWeight {
    let n = usable(samples).count();
    let prior_w = if prior_w.is_finite() {
        prior_w.clamp(0.0, 1.0)
    } else {
        0.0
    };
    if n < min_samples.max(1) {
        return MarketWeight {
            w: prior_w,
            learned: false,
            samples: n,
            log_loss: mean_log_loss(samples, prior_w),
        };
    }
    let mut best = (prior_w, f64::INFINITY);
    for i in 0..=100 {
        let w = f64::from(i) / 100.0;
        let loss = mean_log_loss(samples, w).unwrap_or(f64::INFINITY);
        let better = loss < best.1 - 1e-12
            || ((loss - best.1).abs() <= 1e-12 && (w - prior_w).abs() < (best.0 - prior_w).abs());
        if better {
            best = (w, loss);
        }
    }
    MarketWeight {
        w: best.0,
        learned: true,
        samples: n,
        log_loss: Some(best.1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_one_is_the_model_and_zero_is_the_market() {
        assert!((combine_with_market(0.8, 0.4, 1.0) - 0.8).abs() < 1e-12);
        assert!((combine_with_market(0.8, 0.4, 0.0) - 0.4).abs() < 1e-12);
        let mid = combine_with_market(0.8, 0.4, 0.5);
        assert!(mid > 0.4 && mid < 0.8);
        assert!((combine_with_market(0.8, 0.4, f64::NAN) - 0.4).abs() < 1e-12);
    }

    #[test]
    fn below_min_samples_the_prior_is_used() {
        let s = vec![
            MarketSample {
                model: 0.9,
                market: 0.5,
                outcome: true
            };
            29
        ];
        let w = learn_market_weight(&s, 0.3, 30);
        assert_eq!((w.w, w.learned, w.samples), (0.3, false, 29));
    }
}
