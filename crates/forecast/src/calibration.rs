//! Calibration (pure): Platt scaling `sigmoid(a·logit(p) + b)`, refit by regularised logistic
//! regression (Newton) from stored `(forecast, outcome)` pairs once `min_samples_refit` exist,
//! then penalties that pull toward 0.5 for weak evidence, contradictions and ensemble
//! disagreement. Outputs are always finite and strictly inside (0, 1).

use polybot_model::FieldError;
use serde::{Deserialize, Serialize};

use crate::config::in_range;

/// Calibrated probabilities are kept in `[EPS, 1 − EPS]`.
pub const EPS: f64 = 1e-4;

/// `[forecast.calibration]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalibrationConfig {
    /// Platt slope before enough history (< 1 shrinks extremes toward 0.5).
    pub prior_a: f64,
    /// Platt intercept before enough history.
    pub prior_b: f64,
    /// Resolved pairs needed before the parameters are refit.
    pub min_samples_refit: usize,
    /// L2 strength pulling the refit toward identity (`a = 1, b = 0`).
    pub shrinkage: f64,
    /// Evidence quality below this is penalised.
    pub evidence_quality_threshold: f64,
    /// Pull toward 0.5 at evidence quality 0 (0.15 = 15%).
    pub max_evidence_penalty: f64,
    /// Pull toward 0.5 per contradiction.
    pub contradiction_penalty: f64,
    pub max_contradiction_penalty: f64,
    /// Ensemble std dev above this is penalised.
    pub disagreement_threshold: f64,
    /// Pull per unit of std dev above the threshold.
    pub disagreement_penalty_per_unit: f64,
    pub max_disagreement_penalty: f64,
    /// Model weight `w` in the log-odds combination with the market before enough history.
    pub market_weight_prior: f64,
    /// Resolved `(model, market, outcome)` triples needed before `w` is learned.
    pub min_samples_market_weight: usize,
}

impl Default for CalibrationConfig {
    fn default() -> Self {
        CalibrationConfig {
            prior_a: 0.85,
            prior_b: 0.0,
            min_samples_refit: 30,
            shrinkage: 1.0,
            evidence_quality_threshold: 0.55,
            max_evidence_penalty: 0.15,
            contradiction_penalty: 0.05,
            max_contradiction_penalty: 0.25,
            disagreement_threshold: 0.10,
            disagreement_penalty_per_unit: 1.0,
            max_disagreement_penalty: 0.30,
            market_weight_prior: 0.3,
            min_samples_market_weight: 30,
        }
    }
}

impl CalibrationConfig {
    pub(crate) fn validate(&self, errors: &mut Vec<FieldError>) {
        let checks: [(&str, f64, f64, f64); 11] = [
            ("prior_a", self.prior_a, 0.01, 10.0),
            ("prior_b", self.prior_b, -10.0, 10.0),
            ("shrinkage", self.shrinkage, 0.0, 1e6),
            (
                "evidence_quality_threshold",
                self.evidence_quality_threshold,
                0.0,
                1.0,
            ),
            ("max_evidence_penalty", self.max_evidence_penalty, 0.0, 1.0),
            (
                "contradiction_penalty",
                self.contradiction_penalty,
                0.0,
                1.0,
            ),
            (
                "max_contradiction_penalty",
                self.max_contradiction_penalty,
                0.0,
                1.0,
            ),
            (
                "disagreement_threshold",
                self.disagreement_threshold,
                0.0,
                1.0,
            ),
            (
                "disagreement_penalty_per_unit",
                self.disagreement_penalty_per_unit,
                0.0,
                100.0,
            ),
            (
                "max_disagreement_penalty",
                self.max_disagreement_penalty,
                0.0,
                1.0,
            ),
            ("market_weight_prior", self.market_weight_prior, 0.0, 1.0),
        ];
        for (key, v, lo, hi) in checks {
            if !in_range(v, lo, hi) {
                errors.push(FieldError::new(
                    format!("calibration.{key}"),
                    v,
                    format!("must be a number in [{lo}, {hi}]"),
                ));
            }
        }
        if self.min_samples_refit < 2 {
            errors.push(FieldError::new(
                "calibration.min_samples_refit",
                self.min_samples_refit,
                "must be at least 2",
            ));
        }
    }
}

/// `p` clamped to `[EPS, 1 − EPS]`; NaN (no information) becomes 0.5.
#[must_use]
pub fn clamp_prob(p: f64) -> f64 {
    if p.is_nan() {
        0.5
    } else {
        p.clamp(EPS, 1.0 - EPS)
    }
}

#[must_use]
pub fn logit(p: f64) -> f64 {
    let p = clamp_prob(p);
    (p / (1.0 - p)).ln()
}

#[must_use]
pub fn sigmoid(z: f64) -> f64 {
    if z.is_nan() {
        return 0.5;
    }
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Platt parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlattParams {
    pub a: f64,
    pub b: f64,
}

impl PlattParams {
    pub const IDENTITY: PlattParams = PlattParams { a: 1.0, b: 0.0 };

    /// `sigmoid(a·logit(p) + b)`, clamped into (0, 1).
    #[must_use]
    pub fn apply(&self, p: f64) -> f64 {
        clamp_prob(sigmoid(self.a * logit(p) + self.b))
    }
}

/// One stored resolved forecast.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationSample {
    pub forecast: f64,
    pub outcome: bool,
}

/// Regularised negative log-likelihood of `params` on `(x = logit, y)`.
fn objective(params: PlattParams, data: &[(f64, f64)], lambda: f64) -> f64 {
    let nll: f64 = data
        .iter()
        .map(|(x, y)| {
            let p = clamp_prob(sigmoid(params.a * x + params.b));
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum();
    nll + 0.5 * lambda * ((params.a - 1.0).powi(2) + params.b.powi(2))
}

/// Fits Platt parameters by Newton's method with backtracking on the log loss plus an L2 pull
/// of strength `lambda` toward identity. Non-finite forecasts are skipped; the result is
/// clamped to `a ∈ [0.01, 10]`, `b ∈ [−10, 10]`.
#[must_use]
pub fn fit_platt(samples: &[CalibrationSample], lambda: f64) -> PlattParams {
    let data: Vec<(f64, f64)> = samples
        .iter()
        .filter(|s| s.forecast.is_finite())
        .map(|s| (logit(s.forecast), if s.outcome { 1.0 } else { 0.0 }))
        .collect();
    let lambda = if lambda.is_finite() {
        lambda.max(1e-6)
    } else {
        1.0
    };
    let mut params = PlattParams::IDENTITY;
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, lambda, 0.0, lambda);
        for (x, y) in &data {
            let p = sigmoid(params.a * x + params.b);
            let s = p * (1.0 - p);
            ga += (p - y) * x;
            gb += p - y;
            haa += s * x * x;
            hab += s * x;
            hbb += s;
        }
        ga += lambda * (params.a - 1.0);
        gb += lambda * params.b;
        let det = haa * hbb - hab * hab;
        if !det.is_finite() || det <= 1e-12 {
            break;
        }
        let step_a = (hbb * ga - hab * gb) / det;
        let step_b = (haa * gb - hab * ga) / det;
        let current = objective(params, &data, lambda);
        let mut t = 1.0;
        let next = loop {
            let cand = PlattParams {
                a: params.a - t * step_a,
                b: params.b - t * step_b,
            };
            if objective(cand, &data, lambda) <= current || t < 1e-6 {
                break cand;
            }
            t *= 0.5;
        };
        let moved = (next.a - params.a).abs() + (next.b - params.b).abs();
        params = next;
        if moved < 1e-10 {
            break;
        }
    }
    PlattParams {
        a: if params.a.is_finite() {
            params.a.clamp(0.01, 10.0)
        } else {
            1.0
        },
        b: if params.b.is_finite() {
            params.b.clamp(-10.0, 10.0)
        } else {
            0.0
        },
    }
}

/// The Platt parameters in use and how they were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Calibrator {
    pub params: PlattParams,
    /// True when fitted from history, false when the priors are used.
    pub fitted: bool,
    pub samples: usize,
}

impl Calibrator {
    /// Prior parameters below `min_samples_refit` usable samples, a refit from there on.
    #[must_use]
    pub fn from_history(samples: &[CalibrationSample], cfg: &CalibrationConfig) -> Self {
        let usable = samples.iter().filter(|s| s.forecast.is_finite()).count();
        if usable >= cfg.min_samples_refit.max(2) {
            Calibrator {
                params: fit_platt(samples, cfg.shrinkage),
                fitted: true,
                samples: usable,
            }
        } else {
            Calibrator {
                params: PlattParams {
                    a: cfg.prior_a,
                    b: cfg.prior_b,
                },
                fitted: false,
                samples: usable,
            }
        }
    }

    /// Platt scaling, then the penalties of `ctx`.
    #[must_use]
    pub fn calibrate(
        &self,
        raw: f64,
        ctx: &PenaltyInputs,
        cfg: &CalibrationConfig,
    ) -> CalibratedForecast {
        let platt = self.params.apply(raw);
        let penalties = penalties(ctx, cfg);
        let probability = clamp_prob(penalties.apply(platt));
        CalibratedForecast {
            raw,
            platt,
            probability,
            penalties,
            params: self.params,
            fitted: self.fitted,
        }
    }
}

/// What the penalties look at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PenaltyInputs {
    /// Evidence quality in [0, 1] (`None`: not penalised; NaN counts as 0).
    pub evidence_quality: Option<f64>,
    pub contradictions: usize,
    /// Ensemble standard deviation.
    pub disagreement_std: f64,
}

/// Fractions in [0, 1] by which the distance from 0.5 is cut, each stage after the other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Penalties {
    pub evidence: f64,
    pub contradictions: f64,
    pub disagreement: f64,
}

impl Penalties {
    /// `p` pulled toward 0.5 by each penalty in turn.
    #[must_use]
    pub fn apply(&self, p: f64) -> f64 {
        [self.evidence, self.contradictions, self.disagreement]
            .iter()
            .fold(clamp_prob(p), |p, s| 0.5 + (p - 0.5) * (1.0 - s))
    }
}

fn unit(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}

/// The penalties for `ctx` (all in [0, 1], never NaN).
#[must_use]
pub fn penalties(ctx: &PenaltyInputs, cfg: &CalibrationConfig) -> Penalties {
    let evidence = match ctx.evidence_quality {
        Some(q) if cfg.evidence_quality_threshold > 0.0 => {
            let q = unit(q);
            let short =
                ((cfg.evidence_quality_threshold - q) / cfg.evidence_quality_threshold).max(0.0);
            unit(cfg.max_evidence_penalty) * unit(short)
        }
        _ => 0.0,
    };
    let contradictions = unit(
        (ctx.contradictions as f64 * cfg.contradiction_penalty).min(cfg.max_contradiction_penalty),
    );
    let over = if ctx.disagreement_std.is_nan() {
        0.0
    } else {
        (ctx.disagreement_std - cfg.disagreement_threshold).max(0.0)
    };
    let disagreement =
        unit((over * cfg.disagreement_penalty_per_unit).min(cfg.max_disagreement_penalty));
    Penalties {
        evidence,
        contradictions,
        disagreement,
    }
}

/// Each calibration stage, for the decision record.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibratedForecast {
    pub raw: f64,
    /// After Platt scaling.
    pub platt: f64,
    /// After the penalties: the calibrated probability.
    pub probability: f64,
    pub penalties: Penalties,
    pub params: PlattParams,
    pub fitted: bool,
}
