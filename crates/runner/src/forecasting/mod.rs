//! AI forecasting around the engine: the pipeline built from configuration, its reports
//! recorded in the store (forecast, usage, cost), outcomes of forecast markets recorded when they
//! resolve, and the background feed that turns forecasts into `Event::Forecast`s.

mod feed;
pub mod history;
mod signal;
mod usage;

use std::sync::{Arc, Mutex};

use polybot_config::Config;
use polybot_forecast::pipeline::{ForecastHistory, MarketSnapshot, Pipeline, PipelineReport};
use polybot_forecast::research::ResearchReport;
use polybot_forecast::{CostLedger, SharedLedger, Source, build_ensemble};
use polybot_model::{Market, MarketStatus, OrderBook, Price};
use polybot_polymarket::Polymarket;
use polybot_store::{ForecastQuery, MemberProbability, NewForecast, Store};

use crate::{Result, RunError};

pub use feed::{ForecastFeed, ReadyForecast};
pub use history::history_from;
pub use signal::{RiskStage, risk_stage, signal};

/// A pipeline report and the store row it was recorded as.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub id: i64,
    pub report: PipelineReport,
}

/// The pipeline, the store it records into, and the ledgers its calls are priced in.
pub struct ForecastService {
    pipeline: Pipeline,
    store: Store,
    config: polybot_forecast::ForecastConfig,
    forecast_ledger: SharedLedger,
    research_ledger: SharedLedger,
    extra_costs: f64,
}

impl ForecastService {
    /// Builds the ensemble (the offline forecaster when no provider is usable) and, when
    /// `[forecast.research] enabled`, the researcher.
    pub fn new(config: &Config, store: Store) -> Result<ForecastService> {
        let forecast_ledger: SharedLedger = Arc::new(Mutex::new(CostLedger::default()));
        let research_ledger: SharedLedger = Arc::new(Mutex::new(CostLedger::default()));
        let ensemble = build_ensemble(&config.forecast, &forecast_ledger)
            .map_err(|e| RunError::Setup(format!("forecast ensemble: {e}")))?;
        let researcher = research::build(config, &research_ledger)?;
        Ok(ForecastService {
            pipeline: Pipeline::new(&config.forecast, ensemble, researcher),
            store,
            config: config.forecast.clone(),
            forecast_ledger,
            research_ledger,
            extra_costs: config.risk.extra_costs,
        })
    }

    /// True when no LLM provider is usable: forecasts are the labelled offline placeholder.
    #[must_use]
    pub fn is_offline(&self) -> bool {
        !self.config.has_usable_provider()
    }

    /// Whether evidence is gathered before forecasting.
    #[must_use]
    pub fn researches(&self) -> bool {
        self.pipeline.researches()
    }

    /// What the store's resolved forecasts teach.
    pub async fn history(&self) -> Result<ForecastHistory> {
        let resolved = self
            .store
            .forecasts(&ForecastQuery {
                resolved_only: true,
                ..ForecastQuery::default()
            })
            .await?;
        Ok(history_from(&resolved))
    }

    /// Runs the pipeline on `market` with its `books`, and records the forecast and the usage
    /// and cost of every paid call it made.
    pub async fn forecast(
        &self,
        market: &Market,
        books: &[OrderBook],
        now_ms: i64,
    ) -> Result<Recorded> {
        let history = self.history().await?;
        let before = (
            self.ledger(&self.forecast_ledger),
            self.ledger(&self.research_ledger),
        );
        let snap = snapshot(market, books);
        let result = self
            .pipeline
            .run(&snap, &history, self.extra_costs, now_ms)
            .await;
        let after = (
            self.ledger(&self.forecast_ledger),
            self.ledger(&self.research_ledger),
        );
        let market_id = market.condition_id.to_string();
        let rows = usage::rows(
            &self.config,
            &market_id,
            now_ms,
            (&before.0, &after.0),
            (&before.1, &after.1),
            result.as_ref().ok().and_then(|r| r.research.as_ref()),
        );
        self.store.record_usage(&rows).await?;
        let report = result.map_err(|e| RunError::Setup(format!("{market_id}: {e}")))?;
        let id = self.store.insert_forecast(&new_forecast(&report)?).await?;
        Ok(Recorded { id, report })
    }

    /// The research stage alone on `market`, with the usage it paid for recorded: the report,
    /// or why there is none.
    pub async fn research(
        &self,
        market: &Market,
        books: &[OrderBook],
        now_ms: i64,
    ) -> Result<(Option<ResearchReport>, String)> {
        let before = self.ledger(&self.research_ledger);
        let (report, note) = self
            .pipeline
            .research(&snapshot(market, books), now_ms)
            .await;
        let after = self.ledger(&self.research_ledger);
        let empty = CostLedger::default();
        let rows = usage::rows(
            &self.config,
            &market.condition_id.to_string(),
            now_ms,
            (&empty, &empty),
            (&before, &after),
            report.as_ref(),
        );
        self.store.record_usage(&rows).await?;
        Ok((report, note))
    }

    /// Records the outcome of every forecast market that has resolved since; returns how many
    /// markets were resolved. A market that cannot be looked up is retried next time.
    pub async fn record_outcomes(&self, connector: &Polymarket, now_ms: i64) -> Result<usize> {
        let mut resolved = 0;
        for market_id in self.store.unresolved_forecast_markets().await? {
            let Ok(id) = polybot_model::ConditionId::parse(&market_id) else {
                continue;
            };
            let market = match connector.market_by_condition(id).await {
                Ok(Some(m)) => m,
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(market = %market_id, error = %e, "cannot check resolution");
                    continue;
                }
            };
            if let MarketStatus::Resolved { winner } = market.status {
                self.store
                    .resolve_forecasts(&market_id, winner == 0, now_ms)
                    .await?;
                resolved += 1;
            }
        }
        Ok(resolved)
    }

    fn ledger(&self, ledger: &SharedLedger) -> CostLedger {
        ledger.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The pipeline's view of `market`: the YES token is the first outcome, NO the second.
#[must_use]
pub fn snapshot(market: &Market, books: &[OrderBook]) -> MarketSnapshot {
    let quote = |index: usize| {
        let token = market.outcomes.get(index).map(|o| o.token_id);
        let book = books.iter().find(|b| Some(b.token_id()) == token);
        let price = |l: Option<polybot_model::Level>| l.map(|l| l.price);
        (
            book.and_then(|b| price(b.best_bid())),
            book.and_then(|b| price(b.best_ask())),
        )
    };
    let ((yes_bid, yes_ask), (no_bid, no_ask)): ((Option<Price>, _), _) = (quote(0), quote(1));
    MarketSnapshot {
        market_id: market.condition_id.to_string(),
        condition_id: Some(market.condition_id.to_string()),
        question: market.question.clone(),
        description: market.description.clone(),
        category: polybot_scanner::classify_market(market),
        end_ms: market.end_date.map(|d| d.timestamp_millis()),
        yes_bid,
        yes_ask,
        no_bid,
        no_ask,
        fee_rate_bps: market.taker_fee_bps,
    }
}

fn new_forecast(report: &PipelineReport) -> Result<NewForecast> {
    let json = serde_json::to_value(report)
        .map_err(|e| RunError::Setup(format!("cannot encode the forecast report: {e}")))?;
    Ok(NewForecast {
        made_ms: report.started_ms,
        market_id: report.market.market_id.clone(),
        condition_id: report.market.condition_id.clone(),
        category: report.market.category.as_str().to_owned(),
        source: match report.source {
            Source::Llm => "llm",
            Source::Offline => "offline",
        }
        .to_owned(),
        raw_probability: report.ensemble.probability,
        calibrated_probability: report.calibrated.probability,
        market_probability: report.implied_yes,
        final_probability: report.final_probability,
        evidence_quality: report.evidence_quality(),
        members: report
            .ensemble
            .members
            .iter()
            .map(|m| MemberProbability {
                provider: m.provider.clone(),
                probability: m.answer.probability,
            })
            .collect(),
        report: json,
    })
}

mod research {
    use polybot_config::Config;
    use polybot_forecast::SharedLedger;
    use polybot_forecast::research::Researcher;

    use crate::{Result, RunError};

    /// The researcher for `config`, or `None` when research is off.
    pub(super) fn build(config: &Config, ledger: &SharedLedger) -> Result<Option<Researcher>> {
        if !config.forecast.research.enabled {
            return Ok(None);
        }
        let researcher =
            Researcher::from_config(&config.forecast, &config.storage.data_dir, ledger)
                .map_err(|e| RunError::Setup(format!("research: {e}")))?;
        let (asked, skipped) = researcher.search_providers();
        if asked.is_empty() {
            tracing::warn!(
                skipped = %skipped.join("; "),
                "no search provider is usable: forecasts are made without evidence"
            );
        }
        Ok(Some(researcher))
    }
}
