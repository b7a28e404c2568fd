//! A pipeline report as the engine sees it: the `ForecastSignal` of `Event::Forecast`, and the
//! dry run of that signal through a kernel with the forecast strategy and the risk gate, which
//! is how `polybot forecast` shows the risk and size stages with the engine's own code.

use polybot_config::Config;
use polybot_engine::event::ForecastSignal;
use polybot_engine::kernel::RiskSetup;
use polybot_engine::orders::MarketRules;
use polybot_engine::session::{FORMAT, Mode, SessionHeader, SessionMarket, SimSetup};
use polybot_engine::sim::SimConfig;
use polybot_engine::{AccountId, Decision, Event};
use polybot_forecast::Source;
use polybot_forecast::pipeline::PipelineReport;
use polybot_model::{Market, OrderBook, Probability, Usdc};
use polybot_strategies::ForecastTradingConfig;
use polybot_strategies::registry::{build_for_engine, forecast_setup};
use serde::Serialize;

use crate::markets::market_meta;
use crate::{Result, RunError};

/// The engine's event for a recorded forecast of `market` (YES is the first outcome).
pub fn signal(
    market: &Market,
    report: &PipelineReport,
    forecast_id: Option<i64>,
) -> Result<ForecastSignal> {
    let [yes, no] = market.outcomes.as_slice() else {
        return Err(RunError::Setup(format!(
            "market {} has {} outcomes; forecasts trade binary markets",
            market.condition_id,
            market.outcomes.len()
        )));
    };
    Ok(ForecastSignal {
        condition: market.condition_id,
        market_id: report.market.market_id.clone(),
        question: market.question.chars().take(200).collect(),
        category: report.market.category.as_str().to_owned(),
        yes_token: yes.token_id,
        no_token: no.token_id,
        probability_yes: probability(report.final_probability),
        raw_probability_yes: probability(report.ensemble.probability),
        confidence: confidence(report.ensemble.confidence),
        evidence_quality: report.evidence_quality().map(probability),
        market_probability_yes: report.implied_yes.map(probability),
        source: match report.source {
            Source::Llm => ForecastSignal::LLM,
            Source::Offline => ForecastSignal::OFFLINE,
        }
        .to_owned(),
        forecast_id,
        made_ms: report.started_ms,
    })
}

/// A probability in whole micro-units (the engine's exact representation); NaN counts as 0.5.
fn probability(p: f64) -> Probability {
    let p = if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let micros = (p * 1e6).round() as u32;
    Probability::from_micros(micros.min(1_000_000))
        .unwrap_or_else(|_| Probability::from_micros(500_000).expect("0.5 is a probability"))
}

fn confidence(c: polybot_forecast::Confidence) -> polybot_risk::Confidence {
    match c {
        polybot_forecast::Confidence::Low => polybot_risk::Confidence::Low,
        polybot_forecast::Confidence::Medium => polybot_risk::Confidence::Medium,
        polybot_forecast::Confidence::High => polybot_risk::Confidence::High,
    }
}

/// What the engine would do with a forecast now: the forecast strategy's choice and the risk
/// gate's verdict and size, on a fresh forecast account.
#[derive(Debug, Clone, Serialize)]
pub struct RiskStage {
    pub account: String,
    /// The account's cash: `forecasting.bankroll_usdc` (positions held elsewhere in the data
    /// directory are not part of this dry run; the running engine checks against them).
    pub bankroll: Usdc,
    /// Every decision the kernel logged, in order (FORECAST, then SKIP or RISK/SIZE/EXECUTE).
    pub decisions: Vec<Decision>,
}

impl RiskStage {
    /// The order the engine would place, if any.
    #[must_use]
    pub fn placed(&self) -> Option<&Decision> {
        self.decisions
            .iter()
            .find(|d| matches!(d, Decision::Placed { .. }))
    }
}

/// Runs `signal` through a kernel holding `market`'s books, the forecast strategy (enabled, on
/// its configured account and bankroll) and the configured risk engine. Nothing leaves the
/// process: the kernel's venue is the simulator.
pub fn risk_stage(
    config: &Config,
    market: &Market,
    books: &[OrderBook],
    signal: &ForecastSignal,
    now_ms: i64,
) -> Result<RiskStage> {
    let fc = &config.forecasting;
    let bankroll = crate::dollars("forecasting.bankroll_usdc", fc.bankroll_usdc)?;
    let markets = market
        .outcomes
        .iter()
        .map(|o| SessionMarket {
            token: o.token_id,
            rules: MarketRules::polymarket(market.tick_size),
            taker_fee_bps: market.taker_fee_bps,
            meta: Some(Box::new(market_meta(
                market,
                o.token_id,
                market.taker_fee_bps,
            ))),
        })
        .collect();
    let header = SessionHeader {
        format: FORMAT,
        mode: Mode::Paper,
        started_ms: now_ms,
        markets,
        sim: Some(SimSetup {
            config: SimConfig::default(),
            trade_prefix: 0,
        }),
        accounts: vec![(AccountId::new(fc.account.clone()), bankroll)],
        fills: Vec::new(),
        resolutions: Vec::new(),
        orders: Vec::new(),
        algos: Vec::new(),
        next_id: 1,
        // The forecast strategy as configured, enabled: what a running engine would ask.
        strategies: vec![
            forecast_setup(&ForecastTradingConfig {
                enabled: true,
                ..fc.clone()
            })
            .map_err(|e| RunError::Setup(format!("dry-run kernel: {e}")))?,
        ],
        risk: RiskSetup {
            config: config.risk.clone(),
            ..RiskSetup::default()
        },
        closed_orders: Vec::new(),
    };
    let mut kernel = header
        .build_kernel(header.sim_venue())
        .map_err(|e| RunError::Setup(format!("dry-run kernel: {e}")))?;
    header
        .add_strategies(&mut kernel, &build_for_engine)
        .map_err(|e| RunError::Setup(format!("dry-run kernel: {e}")))?;
    for book in books {
        kernel.handle(&Event::Book {
            token: book.token_id(),
            bids: book.bids().to_vec(),
            asks: book.asks().to_vec(),
            ts: now_ms,
        });
    }
    kernel.take_changes();
    kernel.handle(&Event::Forecast {
        forecast: Box::new(signal.clone()),
        ts: now_ms,
    });
    Ok(RiskStage {
        account: fc.account.clone(),
        bankroll,
        decisions: kernel.take_changes().decisions,
    })
}
