//! Equity snapshots: the ledger's valuation over time, per account or in total, so that the
//! equity curve and drawdown limits survive a restart.

use polybot_engine::{AccountId, EquitySnapshot};
use polybot_model::Usdc;

use crate::error::{Result, StoreError};
use crate::{Backend, Store};

const INSERT: &str = "\
INSERT INTO equity_snapshots (account, ts, cash_micros, redeemable_micros, positions_value_micros,
                              equity_micros, realized_micros, unrealized_micros, fees_micros)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

// Two spellings of each query because `account = NULL` matches nothing and `IS` is not portable:
// the whole-ledger series is `account IS NULL`.
const LATEST_ACCOUNT: &str = "\
SELECT ts, cash_micros, redeemable_micros, positions_value_micros, equity_micros,
       realized_micros, unrealized_micros, fees_micros
FROM equity_snapshots WHERE account = $1 ORDER BY ts DESC, id DESC LIMIT 1";

const LATEST_TOTAL: &str = "\
SELECT ts, cash_micros, redeemable_micros, positions_value_micros, equity_micros,
       realized_micros, unrealized_micros, fees_micros
FROM equity_snapshots WHERE account IS NULL ORDER BY ts DESC, id DESC LIMIT 1";

const SINCE_ACCOUNT: &str = "\
SELECT ts, cash_micros, redeemable_micros, positions_value_micros, equity_micros,
       realized_micros, unrealized_micros, fees_micros
FROM equity_snapshots WHERE account = $1 AND ts >= $2 ORDER BY ts, id";

const SINCE_TOTAL: &str = "\
SELECT ts, cash_micros, redeemable_micros, positions_value_micros, equity_micros,
       realized_micros, unrealized_micros, fees_micros
FROM equity_snapshots WHERE account IS NULL AND ts >= $1 ORDER BY ts, id";

type Row = (i64, i64, i64, i64, i64, i64, i64, i64);

impl Store {
    /// Records a snapshot of `account`, or of the whole ledger when `account` is `None`.
    pub async fn insert_snapshot(
        &self,
        account: Option<&AccountId>,
        snapshot: &EquitySnapshot,
    ) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                sqlx::query(INSERT)
                    .bind(account.map(|a| a.0.as_str()))
                    .bind(snapshot.timestamp_ms)
                    .bind(snapshot.cash.micros())
                    .bind(snapshot.redeemable.micros())
                    .bind(snapshot.positions_value.micros())
                    .bind(snapshot.equity.micros())
                    .bind(snapshot.realized.micros())
                    .bind(snapshot.unrealized.micros())
                    .bind(snapshot.fees.micros())
                    .execute(pool)
                    .await
                    .map_err(StoreError::query("insert_snapshot"))?;
            }
        }
        Ok(())
    }

    /// The newest snapshot (by timestamp, then by insertion) of `account`, or of the whole
    /// ledger when `account` is `None`.
    pub async fn latest_snapshot(
        &self,
        account: Option<&AccountId>,
    ) -> Result<Option<EquitySnapshot>> {
        let row: Option<Row> = match &self.backend {
            Backend::Sqlite(pool) => {
                let query = match account {
                    Some(account) => sqlx::query_as(LATEST_ACCOUNT).bind(account.0.as_str()),
                    None => sqlx::query_as(LATEST_TOTAL),
                };
                query
                    .fetch_optional(pool)
                    .await
                    .map_err(StoreError::query("latest_snapshot"))?
            }
        };
        Ok(row.map(snapshot))
    }

    /// The snapshots of `account` (or of the whole ledger) taken at or after `since_ts`
    /// (unix milliseconds), oldest first.
    pub async fn snapshots(
        &self,
        account: Option<&AccountId>,
        since_ts: i64,
    ) -> Result<Vec<EquitySnapshot>> {
        let rows: Vec<Row> = match &self.backend {
            Backend::Sqlite(pool) => {
                let query = match account {
                    Some(account) => sqlx::query_as(SINCE_ACCOUNT).bind(account.0.as_str()),
                    None => sqlx::query_as(SINCE_TOTAL),
                };
                query
                    .bind(since_ts)
                    .fetch_all(pool)
                    .await
                    .map_err(StoreError::query("snapshots"))?
            }
        };
        Ok(rows.into_iter().map(snapshot).collect())
    }
}

fn snapshot(row: Row) -> EquitySnapshot {
    let (ts, cash, redeemable, positions_value, equity, realized, unrealized, fees) = row;
    EquitySnapshot {
        timestamp_ms: ts,
        cash: Usdc::from_micros(cash),
        redeemable: Usdc::from_micros(redeemable),
        positions_value: Usdc::from_micros(positions_value),
        equity: Usdc::from_micros(equity),
        realized: Usdc::from_micros(realized),
        unrealized: Usdc::from_micros(unrealized),
        fees: Usdc::from_micros(fees),
    }
}
