//! What the forecast pipeline learns from: the store's resolved forecasts, turned into the
//! calibration, market-weight and per-model histories.

use polybot_forecast::pipeline::ForecastHistory;
use polybot_forecast::{CalibrationSample, MarketSample, ResolvedForecast};
use polybot_store::StoredForecast;

/// The histories in `resolved` (forecasts without an outcome are ignored). Offline placeholder
/// forecasts teach nothing about the models and are left out.
#[must_use]
pub fn history_from(resolved: &[StoredForecast]) -> ForecastHistory {
    let mut history = ForecastHistory::default();
    for stored in resolved {
        let Some(outcome) = stored.outcome else {
            continue;
        };
        let f = &stored.forecast;
        if f.source != "llm" {
            continue;
        }
        history.calibration.push(CalibrationSample {
            forecast: f.raw_probability,
            outcome,
        });
        if let Some(market) = f.market_probability {
            history.market.push(MarketSample {
                model: f.calibrated_probability,
                market,
                outcome,
            });
        }
        history
            .models
            .extend(f.members.iter().map(|m| ResolvedForecast {
                model: m.provider.clone(),
                category: f.category.clone(),
                forecast: m.probability,
                outcome,
            }));
    }
    history
}

#[cfg(test)]
mod tests {
    use polybot_store::{MemberProbability, NewForecast};

    use super::*;

    fn stored(source: &str, outcome: Option<bool>, market: Option<f64>) -> StoredForecast {
        StoredForecast {
            id: 1,
            forecast: NewForecast {
                made_ms: 0,
                market_id: "m".into(),
                condition_id: None,
                category: "MACRO".into(),
                source: source.into(),
                raw_probability: 0.8,
                calibrated_probability: 0.7,
                market_probability: market,
                final_probability: 0.6,
                evidence_quality: None,
                members: vec![
                    MemberProbability {
                        provider: "a".into(),
                        probability: 0.9,
                    },
                    MemberProbability {
                        provider: "b".into(),
                        probability: 0.7,
                    },
                ],
                report: serde_json::Value::Null,
            },
            outcome,
            resolved_ms: outcome.map(|_| 1),
        }
    }

    #[test]
    fn only_resolved_llm_forecasts_teach() {
        let h = history_from(&[
            stored("llm", Some(true), Some(0.5)),
            stored("llm", None, Some(0.5)),
            stored("offline", Some(false), Some(0.5)),
            stored("llm", Some(false), None),
        ]);
        assert_eq!(h.calibration.len(), 2);
        assert_eq!(h.market.len(), 1, "no market price, no market sample");
        assert_eq!(h.models.len(), 4);
        assert_eq!(h.calibration[0].forecast, 0.8);
        assert_eq!((h.market[0].model, h.market[0].market), (0.7, 0.5));
        assert!(h.models.iter().all(|m| m.category == "MACRO"));
    }
}
