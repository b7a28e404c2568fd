//! The forecast strategy's input: a background task that, every `forecasting.interval_secs`,
//! scans Gamma, picks the best-scored markets not forecast within the research cooldown, runs the
//! pipeline on each (research and LLM calls are slow, so never in the engine loop), records the
//! forecast, and hands the engine a `ForecastSignal` to send as `Event::Forecast`. It also
//! records the outcome of forecast markets that resolved, which is what calibration, the
//! adaptive weights and the market weight learn from.

use std::time::Duration;

use chrono::Utc;
use polybot_config::Config;
use polybot_engine::event::ForecastSignal;
use polybot_model::{Market, OrderBook};
use polybot_polymarket::{GammaQuery, Polymarket};
use polybot_scanner::{Category, scan};
use polybot_store::Store;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{ForecastService, signal};
use crate::markets::{self, MarketInfo};
use crate::{Result, now_ms};

/// A forecast ready for the engine, with its market and the venue's facts about both tokens
/// (rules, fee, metadata), loaded here so that the engine can start following a new market
/// without an HTTP call in its loop.
#[derive(Debug, Clone)]
pub struct ReadyForecast {
    pub market: Market,
    pub infos: Vec<MarketInfo>,
    pub signal: ForecastSignal,
}

/// The running task and its channel.
pub struct ForecastFeed {
    rx: mpsc::Receiver<ReadyForecast>,
    task: JoinHandle<()>,
    /// True when the forecasts are the offline placeholder.
    pub offline: bool,
}

impl Drop for ForecastFeed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ForecastFeed {
    /// Starts the task when `[forecasting] enabled`; `None` otherwise.
    pub fn start(config: &Config, store: Store, connector: Polymarket) -> Result<Option<Self>> {
        if !config.forecasting.enabled {
            return Ok(None);
        }
        let service = ForecastService::new(config, store.clone())?;
        let offline = service.is_offline();
        if offline {
            tracing::warn!(
                "forecasting with the OFFLINE placeholder (no LLM key): forecasts are logged, \
                 not a forecast of skill{}",
                if config.forecasting.trade_offline {
                    "; forecasting.trade_offline = true trades them anyway"
                } else {
                    ", and not traded"
                }
            );
        }
        let (tx, rx) = mpsc::channel(64);
        let cycle = Cycle {
            service,
            store,
            connector,
            config: config.clone(),
            tx,
        };
        let task = tokio::spawn(cycle.run());
        Ok(Some(ForecastFeed { rx, task, offline }))
    }

    pub async fn recv(&mut self) -> Option<ReadyForecast> {
        self.rx.recv().await
    }
}

struct Cycle {
    service: ForecastService,
    store: Store,
    connector: Polymarket,
    config: Config,
    tx: mpsc::Sender<ReadyForecast>,
}

impl Cycle {
    async fn run(self) {
        let every = Duration::from_secs(self.config.forecasting.interval_secs.max(1));
        let mut timer = tokio::time::interval(every);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            timer.tick().await;
            if let Err(e) = self.once().await {
                tracing::warn!(error = %e, "forecast cycle failed; retrying next interval");
            }
            if self.tx.is_closed() {
                return;
            }
        }
    }

    /// One cycle: outcomes, then the due markets, best score first.
    async fn once(&self) -> Result<()> {
        match self
            .service
            .record_outcomes(&self.connector, now_ms())
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(markets = n, "forecast outcomes recorded"),
            Err(e) => tracing::warn!(error = %e, "cannot record forecast outcomes"),
        }
        let markets = self.candidates().await?;
        for market in markets {
            self.forecast(&market).await;
            if self.tx.is_closed() {
                break;
            }
        }
        Ok(())
    }

    /// Accepted, researchable markets not forecast within the cooldown, best score first, at
    /// most `max_markets_per_cycle`.
    async fn candidates(&self) -> Result<Vec<Market>> {
        let filters = &self.config.scanning;
        let query = GammaQuery {
            closed: Some(false),
            order: Some("volumeNum".into()),
            ascending: Some(false),
            ..GammaQuery::default()
        };
        let fetched = self
            .connector
            .gamma_markets(&query, filters.batch_size, filters.max_markets as usize)
            .await?;
        let report = scan(&fetched.markets, filters, Utc::now());
        let cooldown_ms = i64::try_from(self.config.forecasting.research_cooldown_minutes)
            .unwrap_or(i64::MAX / 60_000)
            * 60_000;
        let now = now_ms();
        let mut due = Vec::new();
        for scanned in &report.accepted {
            if due.len() >= self.config.forecasting.max_markets_per_cycle as usize {
                break;
            }
            if scanned.category == Category::Unknown
                || scanned.market.outcomes.len() != 2
                || !tradable_price(scanned.market, &self.config.risk)
            {
                continue;
            }
            let id = scanned.market.condition_id.to_string();
            let last = self.store.last_forecast_ms(&id).await?;
            if last.is_some_and(|t| now.saturating_sub(t) < cooldown_ms) {
                continue;
            }
            due.push(scanned.market.clone());
        }
        Ok(due)
    }

    async fn forecast(&self, market: &Market) {
        let id = market.condition_id;
        let books = match self.books(market).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(market = %id, error = %e, "no books; not forecast");
                return;
            }
        };
        let recorded = match self.service.forecast(market, &books, now_ms()).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(market = %id, error = %e, "forecast failed");
                return;
            }
        };
        let r = &recorded.report;
        tracing::info!(
            market = %id,
            source = ?r.source,
            forecast = r.final_probability,
            implied = ?r.implied_yes,
            direction = ?r.edge.direction,
            cost_usd = %r.cost_usd,
            "forecast made"
        );
        let mut infos = Vec::with_capacity(market.outcomes.len());
        for outcome in &market.outcomes {
            match markets::fetch(&self.connector, outcome.token_id).await {
                Ok(info) => infos.push(info),
                Err(e) => {
                    tracing::warn!(market = %id, error = %e, "cannot load the market's rules; forecast not sent");
                    return;
                }
            }
        }
        match signal(market, r, Some(recorded.id)) {
            Ok(signal) => {
                let ready = ReadyForecast {
                    market: market.clone(),
                    infos,
                    signal,
                };
                // The engine stopping closes the channel; nothing to do then.
                let _ = self.tx.send(ready).await;
            }
            Err(e) => tracing::warn!(market = %id, error = %e, "forecast not sent"),
        }
    }

    async fn books(&self, market: &Market) -> Result<Vec<OrderBook>> {
        let tokens: Vec<_> = market.outcomes.iter().map(|o| o.token_id).collect();
        Ok(self.connector.books(&tokens).await?)
    }
}

/// Whether the market's price leaves a side the risk gate could buy: a market priced beyond
/// `implied_probability_floor` on either side is refused whatever the forecast says
/// (`probability_floor`), so researching it would only spend money. Unknown prices pass.
fn tradable_price(market: &Market, risk: &polybot_risk::RiskConfig) -> bool {
    let price = match (market.best_bid, market.best_ask) {
        (Some(b), Some(a)) => (b.as_f64() + a.as_f64()) / 2.0,
        (Some(p), None) | (None, Some(p)) => p.as_f64(),
        (None, None) => return true,
    };
    let floor = risk.implied_probability_floor;
    price >= floor && price <= 1.0 - floor
}

#[cfg(test)]
mod tests {
    use polybot_model::Probability;

    use super::*;

    #[test]
    fn markets_priced_past_the_floor_are_not_forecast() {
        let risk = polybot_risk::RiskConfig::default();
        let mut market: Market = serde_json::from_value(serde_json::json!({
            "condition_id": format!("0x{}", "1".repeat(64)),
            "question": "q", "slug": "s", "description": "", "outcomes": [],
            "category": null, "tags": [], "end_date": null, "neg_risk": false,
            "event_id": null, "event_title": null, "tick_size": "0.01",
            "min_order_size": "5", "taker_fee_bps": 0, "volume": "0", "volume_24h": "0",
            "liquidity": "0", "best_bid": null, "best_ask": null,
            "status": {"state": "active"}, "accepting_orders": true
        }))
        .expect("a market");
        assert!(tradable_price(&market, &risk), "unknown prices pass");
        let p = |s: &str| Some(Probability::parse(s).unwrap());
        for (bid, ask, ok) in [
            ("0.02", "0.03", false),
            ("0.96", "0.98", false),
            ("0.04", "0.07", true),
            ("0.40", "0.42", true),
        ] {
            (market.best_bid, market.best_ask) = (p(bid), p(ask));
            assert_eq!(tradable_price(&market, &risk), ok, "{bid}/{ask}");
        }
    }
}
