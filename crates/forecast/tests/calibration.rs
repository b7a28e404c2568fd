//! Calibration, adaptive weights and the market combination on synthetic data, plus the
//! property that calibrated probabilities are always finite and strictly inside (0, 1).

mod common;

use common::Rng;
use polybot_forecast::calibration::{logit, sigmoid};
use polybot_forecast::weights::brier_score;
use polybot_forecast::{
    CalibrationConfig, CalibrationSample, Calibrator, MarketSample, PenaltyInputs, PlattParams,
    combine_with_market, learn_market_weight,
};
use proptest::prelude::*;

/// Outcomes drawn from true probabilities `q`; the model reports `sigmoid(k·logit(q))`.
fn synthetic(n: usize, k: f64, seed: u64) -> Vec<CalibrationSample> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let q = 0.05 + 0.9 * rng.uniform();
            CalibrationSample {
                forecast: sigmoid(k * logit(q)),
                outcome: rng.uniform() < q,
            }
        })
        .collect()
}

fn brier(samples: &[CalibrationSample], f: impl Fn(f64) -> f64) -> f64 {
    brier_score(samples.iter().map(|s| (f(s.forecast), s.outcome))).unwrap()
}

#[test]
fn fitting_on_overconfident_forecasts_lowers_their_brier_score() {
    let cfg = CalibrationConfig::default();
    let train = synthetic(400, 3.0, 7);
    let test = synthetic(2000, 3.0, 11);
    let cal = Calibrator::from_history(&train, &cfg);
    assert!(cal.fitted);
    // The true correction is a = 1/3: the fit must shrink strongly.
    assert!(
        cal.params.a < 0.6 && cal.params.a > 0.15,
        "{:?}",
        cal.params
    );
    let none = PenaltyInputs::default();
    let before = brier(&test, |p| p);
    let after = brier(&test, |p| cal.calibrate(p, &none, &cfg).probability);
    assert!(after < before - 0.01, "Brier {before:.4} → {after:.4}");
}

#[test]
fn refit_starts_at_exactly_thirty_samples() {
    let cfg = CalibrationConfig::default();
    let data = synthetic(30, 3.0, 3);
    let below = Calibrator::from_history(&data[..29], &cfg);
    assert!(!below.fitted);
    assert_eq!(
        below.params,
        PlattParams {
            a: cfg.prior_a,
            b: cfg.prior_b
        }
    );
    assert_eq!(below.samples, 29);
    let at = Calibrator::from_history(&data, &cfg);
    assert!(at.fitted);
    assert_eq!(at.samples, 30);
    assert_ne!(at.params, below.params);
    // Non-finite forecasts do not count toward the 30.
    let mut with_nan = data[..29].to_vec();
    with_nan.push(CalibrationSample {
        forecast: f64::NAN,
        outcome: true,
    });
    assert!(!Calibrator::from_history(&with_nan, &cfg).fitted);
}

#[test]
fn penalties_pull_toward_one_half_and_evidence_costs_at_most_fifteen_percent() {
    let cfg = CalibrationConfig::default();
    let cal = Calibrator::from_history(&[], &cfg);
    let clean = cal.calibrate(0.9, &PenaltyInputs::default(), &cfg);
    let worst_evidence = PenaltyInputs {
        evidence_quality: Some(0.0),
        ..PenaltyInputs::default()
    };
    let weak = cal.calibrate(0.9, &worst_evidence, &cfg);
    assert!((weak.penalties.evidence - 0.15).abs() < 1e-12);
    assert!(((weak.probability - 0.5) - 0.85 * (clean.probability - 0.5)).abs() < 1e-12);
    let messy = PenaltyInputs {
        contradictions: 2,
        disagreement_std: 0.25,
        ..PenaltyInputs::default()
    };
    let m = cal.calibrate(0.9, &messy, &cfg);
    assert!((m.penalties.contradictions - 0.10).abs() < 1e-12);
    assert!((m.penalties.disagreement - 0.15).abs() < 1e-12);
    assert!(m.probability < clean.probability && m.probability > 0.5);
    let low = cal.calibrate(0.1, &messy, &cfg);
    assert!(low.probability > clean.platt.min(1.0 - clean.platt) && low.probability < 0.5);
}

/// Outcomes from `q`; the model sees `q` with noise `model_noise` (log-odds), the market with
/// `market_noise`.
fn market_data(n: usize, model_noise: f64, market_noise: f64, seed: u64) -> Vec<MarketSample> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let q = 0.05 + 0.9 * rng.uniform();
            let noisy = |rng: &mut Rng, s: f64| sigmoid(logit(q) + s * (2.0 * rng.uniform() - 1.0));
            MarketSample {
                model: noisy(&mut rng, model_noise),
                market: noisy(&mut rng, market_noise),
                outcome: rng.uniform() < q,
            }
        })
        .collect()
}

#[test]
fn the_market_weight_is_learned_from_data() {
    let model_better = market_data(3000, 0.2, 2.5, 5);
    let market_better = market_data(3000, 2.5, 0.2, 5);
    let a = learn_market_weight(&model_better, 0.3, 30);
    let b = learn_market_weight(&market_better, 0.3, 30);
    assert!(a.learned && b.learned);
    assert!(a.w > 0.7, "model better → w high, got {}", a.w);
    assert!(b.w < 0.3, "market better → w low, got {}", b.w);
    // Below the minimum, the conservative prior.
    let few = learn_market_weight(&model_better[..29], 0.3, 30);
    assert_eq!((few.w, few.learned), (0.3, false));
}

proptest! {
    #[test]
    fn calibrated_probabilities_are_always_inside_the_unit_interval(
        raw in prop_oneof![any::<f64>(), 0.0f64..=1.0],
        quality in proptest::option::of(any::<f64>()),
        contradictions in any::<usize>(),
        disagreement in any::<f64>(),
        a in any::<f64>(),
        b in any::<f64>(),
        market in any::<f64>(),
        w in any::<f64>(),
    ) {
        let cfg = CalibrationConfig::default();
        let cal = Calibrator { params: PlattParams { a, b }, fitted: true, samples: 30 };
        let inputs = PenaltyInputs { evidence_quality: quality, contradictions, disagreement_std: disagreement };
        let out = cal.calibrate(raw, &inputs, &cfg);
        for p in [out.platt, out.probability, combine_with_market(out.probability, market, w)] {
            prop_assert!(p.is_finite() && p > 0.0 && p < 1.0, "{p}");
        }
    }

    #[test]
    fn fitted_parameters_are_always_finite(
        pts in proptest::collection::vec((any::<f64>(), any::<bool>()), 0..60),
        lambda in any::<f64>(),
    ) {
        let samples: Vec<CalibrationSample> = pts
            .into_iter()
            .map(|(forecast, outcome)| CalibrationSample { forecast, outcome })
            .collect();
        let p = polybot_forecast::fit_platt(&samples, lambda);
        prop_assert!(p.a.is_finite() && p.b.is_finite());
        prop_assert!(p.apply(0.3) > 0.0 && p.apply(0.3) < 1.0);
    }
}
