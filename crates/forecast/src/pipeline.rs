//! The whole forecast of one market, stage by stage: research → forecast (ensemble) →
//! calibrate → combine with the market → edge. Risk and sizing come after, against a
//! portfolio, in the caller (the engine's risk gate, or `polybot forecast`).
//!
//! Every stage's inputs and outputs land in the [`PipelineReport`], so that `polybot forecast`
//! can print each one and the decision log can keep it. What is learned from history (the
//! calibration refit, the ensemble's adaptive weights, the market-combination weight) comes in
//! as a [`ForecastHistory`] the caller loads from the store: the pipeline itself keeps no state.

use std::collections::BTreeMap;

use polybot_model::Price;
use polybot_risk::{EdgeAssessment, assess_edge};
use polybot_scanner::Category;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calibration::{CalibratedForecast, CalibrationSample, Calibrator, PenaltyInputs};
use crate::combine::{MarketSample, MarketWeight, combine_with_market, learn_market_weight};
use crate::config::ForecastConfig;
use crate::ensemble::{Ensemble, EnsembleForecast};
use crate::error::ForecastError;
use crate::forecaster::Source;
use crate::request::ForecastRequest;
use crate::research::{ResearchReport, Researcher};
use crate::setup::prior_weights;
use crate::weights::{ResolvedForecast, adaptive_weights};

const DAY_MS: f64 = 86_400_000.0;

/// What the pipeline needs to know about one binary market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketSnapshot {
    /// Gamma market id.
    pub market_id: String,
    pub condition_id: Option<String>,
    pub question: String,
    /// Resolution criteria.
    pub description: String,
    pub category: Category,
    pub end_ms: Option<i64>,
    pub yes_bid: Option<Price>,
    pub yes_ask: Option<Price>,
    pub no_bid: Option<Price>,
    pub no_ask: Option<Price>,
    /// The venue's taker fee rate for this market.
    pub fee_rate_bps: u32,
}

impl MarketSnapshot {
    /// The market-implied probability of YES: the YES mid, else one minus the NO mid, else the
    /// one quote there is.
    #[must_use]
    pub fn implied_yes(&self) -> Option<f64> {
        let mid = |bid: Option<Price>, ask: Option<Price>| match (bid, ask) {
            (Some(b), Some(a)) => Some((b.as_f64() + a.as_f64()) / 2.0),
            (Some(one), None) | (None, Some(one)) => Some(one.as_f64()),
            (None, None) => None,
        };
        let two_sided = |bid: Option<Price>, ask: Option<Price>| bid.is_some() && ask.is_some();
        if two_sided(self.yes_bid, self.yes_ask) {
            mid(self.yes_bid, self.yes_ask)
        } else if two_sided(self.no_bid, self.no_ask) {
            mid(self.no_bid, self.no_ask).map(|m| 1.0 - m)
        } else {
            mid(self.yes_bid, self.yes_ask)
                .or_else(|| mid(self.no_bid, self.no_ask).map(|m| 1.0 - m))
        }
    }
}

/// What the bot has learned from its resolved forecasts (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForecastHistory {
    /// (raw ensemble probability, outcome): refits Platt scaling.
    pub calibration: Vec<CalibrationSample>,
    /// (calibrated probability, market price, outcome): learns the combination weight.
    pub market: Vec<MarketSample>,
    /// Each member's resolved forecasts: the adaptive ensemble weights.
    pub models: Vec<ResolvedForecast>,
}

/// Why a market got no forecast.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PipelineError {
    /// The ensemble (and its fallback) failed.
    #[error("forecast stage: {0}")]
    Forecast(#[from] ForecastError),
}

/// Each stage of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineReport {
    pub market: MarketSnapshot,
    /// `None` when research is off or the market type is not researched (see `research_note`).
    pub research: Option<ResearchReport>,
    /// Why research was skipped or what went wrong in it (empty when it ran cleanly).
    pub research_note: String,
    /// What the models were asked (the market price is absent unless `show_market_price`).
    pub request: ForecastRequest,
    /// The weights the ensemble used, by provider.
    pub weights: BTreeMap<String, f64>,
    pub ensemble: EnsembleForecast,
    pub calibrator: Calibrator,
    pub calibrated: CalibratedForecast,
    pub implied_yes: Option<f64>,
    pub market_weight: MarketWeight,
    /// The forecast of YES after combination with the market: what is traded on.
    pub final_probability: f64,
    pub edge: EdgeAssessment,
    /// `llm`, or `offline` for the placeholder (never a forecast of skill).
    pub source: Source,
    /// USD spent on LLM calls in this run (forecasting and evidence extraction).
    pub cost_usd: Decimal,
    pub started_ms: i64,
    pub finished_ms: i64,
}

impl PipelineReport {
    /// The evidence quality the risk gate checks: the research grade, `None` without research.
    #[must_use]
    pub fn evidence_quality(&self) -> Option<f64> {
        self.research.as_ref().map(|r| r.quality.score)
    }
}

/// The research stage (optional), the ensemble and the settings.
pub struct Pipeline {
    researcher: Option<Researcher>,
    ensemble: Ensemble,
    config: ForecastConfig,
    priors: BTreeMap<String, f64>,
}

impl Pipeline {
    /// `researcher: None` forecasts on the question and description alone.
    #[must_use]
    pub fn new(
        config: &ForecastConfig,
        ensemble: Ensemble,
        researcher: Option<Researcher>,
    ) -> Self {
        Pipeline {
            researcher,
            ensemble,
            priors: prior_weights(config),
            config: config.clone(),
        }
    }

    /// Whether evidence is gathered before forecasting.
    #[must_use]
    pub fn researches(&self) -> bool {
        self.researcher.is_some()
    }

    /// Runs every stage on `market`. `extra_costs` is the risk engine's per-share cost besides
    /// the fee (so the edge shown is the one the risk gate will check).
    pub async fn run(
        &self,
        market: &MarketSnapshot,
        history: &ForecastHistory,
        extra_costs: f64,
        now_ms: i64,
    ) -> Result<PipelineReport, PipelineError> {
        let clock = std::time::Instant::now();
        let (research, research_note) = self.research(market, now_ms).await;
        let implied_yes = market.implied_yes();
        let request = self.request(market, research.as_ref(), implied_yes, now_ms);
        let weights = self.weights(history, market.category);
        let ensemble = self.ensemble.run(&request, &weights).await?;
        let cal_cfg = &self.config.calibration;
        let calibrator = Calibrator::from_history(&history.calibration, cal_cfg);
        let penalties = PenaltyInputs {
            evidence_quality: request.evidence_quality,
            contradictions: research.as_ref().map_or(0, |r| r.contradictions.len()),
            disagreement_std: ensemble.disagreement.std_dev,
        };
        let calibrated = calibrator.calibrate(ensemble.probability, &penalties, cal_cfg);
        let market_weight = learn_market_weight(
            &history.market,
            cal_cfg.market_weight_prior,
            cal_cfg.min_samples_market_weight,
        );
        let final_probability = implied_yes.map_or(calibrated.probability, |m| {
            combine_with_market(calibrated.probability, m, market_weight.w)
        });
        let edge = assess_edge(
            final_probability,
            market.yes_ask,
            market.no_ask,
            implied_yes,
            market.fee_rate_bps,
            extra_costs,
        );
        let members_cost = ensemble
            .members
            .iter()
            .fold(Decimal::ZERO, |acc, m| acc.saturating_add(m.cost_usd));
        let research_cost = research.as_ref().map_or(Decimal::ZERO, |r| r.cost_usd);
        Ok(PipelineReport {
            market: market.clone(),
            source: ensemble.source,
            research,
            research_note,
            request,
            weights,
            ensemble,
            calibrator,
            calibrated,
            implied_yes,
            market_weight,
            final_probability,
            edge,
            cost_usd: members_cost.saturating_add(research_cost),
            started_ms: now_ms,
            finished_ms: now_ms
                .saturating_add(i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX)),
        })
    }

    /// The research stage alone: the report, or why there is none (and what went wrong).
    pub async fn research(
        &self,
        market: &MarketSnapshot,
        now_ms: i64,
    ) -> (Option<ResearchReport>, String) {
        let Some(researcher) = &self.researcher else {
            return (
                None,
                "research is off ([forecast.research] enabled = false)".into(),
            );
        };
        if market.category == Category::Unknown {
            return (
                None,
                "market type UNKNOWN: not researched (no primary sources)".into(),
            );
        }
        let report = researcher.research(market, now_ms).await;
        let note = report.problems.join("; ");
        (Some(report), note)
    }

    fn request(
        &self,
        market: &MarketSnapshot,
        research: Option<&ResearchReport>,
        implied_yes: Option<f64>,
        now_ms: i64,
    ) -> ForecastRequest {
        let days_to_resolution = market
            .end_ms
            .map(|end| ((end - now_ms) as f64 / DAY_MS).max(0.0));
        let (evidence_summary, evidence, contradictions, evidence_quality) = match research {
            None => (String::new(), Vec::new(), Vec::new(), None),
            Some(r) => (
                r.summary.clone(),
                r.bullets.iter().map(crate::research::bullet_line).collect(),
                r.contradictions
                    .iter()
                    .map(|c| format!("{}: {} vs {}", c.metric, c.first, c.second))
                    .collect(),
                Some(r.quality.score),
            ),
        };
        ForecastRequest {
            market_id: market.market_id.clone(),
            question: market.question.clone(),
            description: market.description.clone(),
            category: market.category.as_str().to_owned(),
            evidence_summary,
            evidence,
            contradictions,
            evidence_quality,
            market_price: implied_yes,
            days_to_resolution,
        }
    }

    /// Adaptive inverse-Brier weights for the category when on, else the configured priors.
    fn weights(&self, history: &ForecastHistory, category: Category) -> BTreeMap<String, f64> {
        let ens = &self.config.ensemble;
        if ens.adaptive_weights && !self.priors.is_empty() {
            adaptive_weights(
                &history.models,
                category.as_str(),
                &self.priors,
                ens.weights_full_after,
            )
        } else {
            self.priors.clone()
        }
    }
}
