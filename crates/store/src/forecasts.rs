//! AI forecasting's history: each forecast with its outcome once known (what calibration, the
//! adaptive ensemble weights and the market-combination weight learn from), and the usage and
//! cost of every paid API call (what `polybot costs` sums).

use serde::{Deserialize, Serialize};

use crate::codec::to_json;
use crate::error::{Result, StoreError};
use crate::{Backend, Store};

/// One ensemble member's probability of YES.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberProbability {
    pub provider: String,
    pub probability: f64,
}

/// A forecast to record. Probabilities are of YES.
#[derive(Debug, Clone, PartialEq)]
pub struct NewForecast {
    pub made_ms: i64,
    pub market_id: String,
    pub condition_id: Option<String>,
    pub category: String,
    /// `llm` or `offline`.
    pub source: String,
    pub raw_probability: f64,
    pub calibrated_probability: f64,
    pub market_probability: Option<f64>,
    pub final_probability: f64,
    pub evidence_quality: Option<f64>,
    pub members: Vec<MemberProbability>,
    /// The whole pipeline report, as JSON.
    pub report: serde_json::Value,
}

/// A recorded forecast, with its outcome once the market resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredForecast {
    pub id: i64,
    pub forecast: NewForecast,
    /// `Some(true)` when YES won.
    pub outcome: Option<bool>,
    pub resolved_ms: Option<i64>,
}

/// Which forecasts to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForecastQuery {
    pub market_id: Option<String>,
    /// Only forecasts whose market resolved.
    pub resolved_only: bool,
    /// Newest first, at most this many (`None`: all).
    pub limit: Option<u32>,
}

/// One paid API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiUsage {
    pub ts_ms: i64,
    pub provider: String,
    pub model: String,
    /// `forecast`, `extraction` or `search`.
    pub purpose: String,
    pub market_id: Option<String>,
    pub requests: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Exact decimal USD, as text (`"0.0125"`).
    pub cost_usd: String,
}

/// Usage summed over one provider, model and purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageTotal {
    pub provider: String,
    pub model: String,
    pub purpose: String,
    pub requests: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// The exact decimal costs of the calls, one per row, for the caller to sum exactly.
    pub costs_usd: Vec<String>,
    pub first_ms: i64,
    pub last_ms: i64,
}

const INSERT_FORECAST: &str = "\
INSERT INTO forecasts (made_ms, market_id, condition_id, category, source, raw_probability,
                       calibrated_probability, market_probability, final_probability,
                       evidence_quality, members, report, outcome, resolved_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, NULL)";

const SELECT_FORECASTS: &str = "\
SELECT id, made_ms, market_id, condition_id, category, source, raw_probability,
       calibrated_probability, market_probability, final_probability, evidence_quality, members,
       report, outcome, resolved_ms
FROM forecasts
WHERE ($1 IS NULL OR market_id = $1) AND ($2 = 0 OR outcome IS NOT NULL)
ORDER BY made_ms DESC, id DESC
LIMIT $3";

const LAST_MADE: &str = "SELECT MAX(made_ms) FROM forecasts WHERE market_id = $1";

const UNRESOLVED_MARKETS: &str =
    "SELECT DISTINCT market_id FROM forecasts WHERE outcome IS NULL ORDER BY market_id";

const RESOLVE: &str = "\
UPDATE forecasts SET outcome = $1, resolved_ms = $2 WHERE market_id = $3 AND outcome IS NULL";

const INSERT_USAGE: &str = "\
INSERT INTO api_usage (ts_ms, provider, model, purpose, market_id, requests, prompt_tokens,
                       completion_tokens, cost_usd)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

const SELECT_USAGE: &str = "\
SELECT provider, model, purpose, requests, prompt_tokens, completion_tokens, cost_usd, ts_ms
FROM api_usage WHERE ts_ms >= $1 ORDER BY provider, model, purpose, ts_ms, id";

type ForecastRow = (
    i64,
    i64,
    String,
    Option<String>,
    String,
    String,
    f64,
    f64,
    Option<f64>,
    f64,
    Option<f64>,
    String,
    String,
    Option<i64>,
    Option<i64>,
);

impl Store {
    /// Records a forecast; returns its id.
    pub async fn insert_forecast(&self, f: &NewForecast) -> Result<i64> {
        let members = to_json(&f.market_id, &f.members)?;
        let report = to_json(&f.market_id, &f.report)?;
        match &self.backend {
            Backend::Sqlite(pool) => {
                let done = sqlx::query(INSERT_FORECAST)
                    .bind(f.made_ms)
                    .bind(f.market_id.as_str())
                    .bind(f.condition_id.as_deref())
                    .bind(f.category.as_str())
                    .bind(f.source.as_str())
                    .bind(finite(f.raw_probability))
                    .bind(finite(f.calibrated_probability))
                    .bind(f.market_probability.map(finite))
                    .bind(finite(f.final_probability))
                    .bind(f.evidence_quality.map(finite))
                    .bind(members)
                    .bind(report)
                    .execute(pool)
                    .await
                    .map_err(StoreError::query("insert_forecast"))?;
                Ok(done.last_insert_rowid())
            }
        }
    }

    /// Forecasts matching `query`, newest first.
    pub async fn forecasts(&self, query: &ForecastQuery) -> Result<Vec<StoredForecast>> {
        let limit = query.limit.map_or(-1, i64::from);
        let rows: Vec<ForecastRow> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(SELECT_FORECASTS)
                .bind(query.market_id.as_deref())
                .bind(i64::from(query.resolved_only))
                .bind(limit)
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("forecasts"))?,
        };
        rows.into_iter().map(stored_forecast).collect()
    }

    /// When `market_id` was last forecast (the research cooldown survives a restart).
    pub async fn last_forecast_ms(&self, market_id: &str) -> Result<Option<i64>> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let (ms,): (Option<i64>,) = sqlx::query_as(LAST_MADE)
                    .bind(market_id)
                    .fetch_one(pool)
                    .await
                    .map_err(StoreError::query("last_forecast_ms"))?;
                Ok(ms)
            }
        }
    }

    /// Markets with a forecast whose outcome is not recorded yet.
    pub async fn unresolved_forecast_markets(&self) -> Result<Vec<String>> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let rows: Vec<(String,)> = sqlx::query_as(UNRESOLVED_MARKETS)
                    .fetch_all(pool)
                    .await
                    .map_err(StoreError::query("unresolved_forecast_markets"))?;
                Ok(rows.into_iter().map(|(m,)| m).collect())
            }
        }
    }

    /// Records the outcome of every unresolved forecast of `market_id`; returns how many.
    pub async fn resolve_forecasts(
        &self,
        market_id: &str,
        yes_won: bool,
        resolved_ms: i64,
    ) -> Result<u64> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let done = sqlx::query(RESOLVE)
                    .bind(i64::from(yes_won))
                    .bind(resolved_ms)
                    .bind(market_id)
                    .execute(pool)
                    .await
                    .map_err(StoreError::query("resolve_forecasts"))?;
                Ok(done.rows_affected())
            }
        }
    }

    /// Records paid API calls, in one transaction.
    pub async fn record_usage(&self, rows: &[ApiUsage]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        match &self.backend {
            Backend::Sqlite(pool) => {
                let mut tx = pool
                    .begin()
                    .await
                    .map_err(StoreError::query("record_usage"))?;
                for u in rows {
                    sqlx::query(INSERT_USAGE)
                        .bind(u.ts_ms)
                        .bind(u.provider.as_str())
                        .bind(u.model.as_str())
                        .bind(u.purpose.as_str())
                        .bind(u.market_id.as_deref())
                        .bind(saturating_i64(u.requests))
                        .bind(saturating_i64(u.prompt_tokens))
                        .bind(saturating_i64(u.completion_tokens))
                        .bind(u.cost_usd.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::query("record_usage"))?;
                }
                tx.commit()
                    .await
                    .map_err(StoreError::query("record_usage"))?;
            }
        }
        Ok(())
    }

    /// Usage since `since_ms`, summed per provider, model and purpose (sorted by them).
    pub async fn usage_totals(&self, since_ms: i64) -> Result<Vec<UsageTotal>> {
        type Row = (String, String, String, i64, i64, i64, String, i64);
        let rows: Vec<Row> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(SELECT_USAGE)
                .bind(since_ms)
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("usage_totals"))?,
        };
        let mut totals: Vec<UsageTotal> = Vec::new();
        for (provider, model, purpose, requests, prompt, completion, cost, ts) in rows {
            let same = totals.last().is_some_and(|t| {
                t.provider == provider && t.model == model && t.purpose == purpose
            });
            if !same {
                totals.push(UsageTotal {
                    provider,
                    model,
                    purpose,
                    requests: 0,
                    prompt_tokens: 0,
                    completion_tokens: 0,
                    costs_usd: Vec::new(),
                    first_ms: ts,
                    last_ms: ts,
                });
            }
            let Some(t) = totals.last_mut() else { continue };
            t.requests += non_negative(requests);
            t.prompt_tokens += non_negative(prompt);
            t.completion_tokens += non_negative(completion);
            t.costs_usd.push(cost);
            t.last_ms = ts;
        }
        Ok(totals)
    }
}

fn stored_forecast(row: ForecastRow) -> Result<StoredForecast> {
    let (id, made_ms, market_id, condition_id, category, source, raw, calibrated, market) = (
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
    );
    let (final_p, quality, members, report, outcome, resolved_ms) =
        (row.9, row.10, row.11, row.12, row.13, row.14);
    let corrupt = |reason: String| StoreError::Corrupt {
        table: "forecasts",
        key: id.to_string(),
        reason,
    };
    let members = serde_json::from_str(&members).map_err(|e| corrupt(format!("members: {e}")))?;
    let report = serde_json::from_str(&report).map_err(|e| corrupt(format!("report: {e}")))?;
    let outcome = match outcome {
        None => None,
        Some(0) => Some(false),
        Some(1) => Some(true),
        Some(other) => return Err(corrupt(format!("outcome {other} is neither 0 nor 1"))),
    };
    Ok(StoredForecast {
        id,
        forecast: NewForecast {
            made_ms,
            market_id,
            condition_id,
            category,
            source,
            raw_probability: raw,
            calibrated_probability: calibrated,
            market_probability: market,
            final_probability: final_p,
            evidence_quality: quality,
            members,
            report,
        },
        outcome,
        resolved_ms,
    })
}

/// A probability as stored: SQLite turns NaN into NULL, which would break `NOT NULL`; the
/// forecasting code never produces one, and a stray one is stored as 0.5 (no information).
fn finite(p: f64) -> f64 {
    if p.is_finite() { p } else { 0.5 }
}

fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn non_negative(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
