//! Market resolutions and their redemptions: the rest of what the [`Ledger`] is a fold of, so
//! that [`Store::load_ledger`] rebuilds redeemable value, realized PnL and redeemed cash too.
//!
//! [`Ledger`]: polybot_engine::Ledger

use polybot_engine::Resolution;
use polybot_model::ConditionId;
use sqlx::sqlite::SqliteConnection;

use crate::codec::{now_text, to_i64, to_json};
use crate::error::{Result, StoreError};
use crate::{Backend, Store};

/// `seq` continues the insertion order as for fills; `DO NOTHING` makes a repeated resolution a
/// no-op, so that the engine seeing a market resolve twice (a restart, a re-poll) stores it once.
const INSERT: &str = "\
INSERT INTO resolutions (condition_id, seq, tokens, winner, ts, redeemed_ts, data, updated_at)
VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM resolutions), $2, $3, $4, NULL, $5, $6)
ON CONFLICT (condition_id) DO NOTHING";

/// Only the first redemption counts: a repeat keeps the original timestamp.
const REDEEM: &str = "\
UPDATE resolutions SET redeemed_ts = $1, updated_at = $2
WHERE condition_id = $3 AND redeemed_ts IS NULL";

const ALL: &str = "SELECT condition_id, ts, redeemed_ts, data FROM resolutions ORDER BY seq";

/// A resolution with when it happened and when it was redeemed, as [`Store::resolutions`]
/// returns it.
type Stored = (Resolution, i64, Option<i64>);

/// One resolution ready to bind, computed before any transaction opens.
pub(crate) struct ResolutionRow {
    condition_id: String,
    tokens: String,
    winner: i64,
    ts_ms: i64,
    data: String,
}

impl ResolutionRow {
    pub(crate) fn new(resolution: &Resolution, ts_ms: i64) -> Result<ResolutionRow> {
        let key = resolution.condition.to_string();
        // usize is at most 64 bits on every target Rust supports; MAX just makes `to_i64` refuse it.
        let winner = u64::try_from(resolution.winner).unwrap_or(u64::MAX);
        let winner = to_i64(&key, "winner index", winner)?;
        let tokens = to_json(&key, &resolution.tokens)?;
        let data = to_json(&key, resolution)?;
        Ok(ResolutionRow {
            condition_id: key,
            tokens,
            winner,
            ts_ms,
            data,
        })
    }

    /// Inserts the resolution unless its condition is stored; returns whether it was inserted.
    pub(crate) async fn write(
        &self,
        conn: &mut SqliteConnection,
        updated_at: &str,
    ) -> sqlx::Result<bool> {
        let done = sqlx::query(INSERT)
            .bind(self.condition_id.as_str())
            .bind(self.tokens.as_str())
            .bind(self.winner)
            .bind(self.ts_ms)
            .bind(self.data.as_str())
            .bind(updated_at)
            .execute(&mut *conn)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Marks `condition` redeemed at `ts_ms` unless it already is; returns whether a row changed.
pub(crate) async fn write_redemption(
    conn: &mut SqliteConnection,
    condition: &ConditionId,
    ts_ms: i64,
    updated_at: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(REDEEM)
        .bind(ts_ms)
        .bind(updated_at)
        .bind(condition.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

impl Store {
    /// Records a market's resolution at `ts_ms` (unix milliseconds). Idempotent per condition:
    /// returns `false`, and changes nothing, when that market's resolution is already stored.
    /// The store records what it is told; the [`Ledger`] is what refuses a resolution whose
    /// winner is out of range, so write it once [`Ledger::resolve`] has accepted it (otherwise
    /// [`Store::load_ledger`] reports the row as corrupt). Durable when it returns.
    ///
    /// [`Ledger`]: polybot_engine::Ledger
    /// [`Ledger::resolve`]: polybot_engine::Ledger::resolve
    pub async fn insert_resolution(&self, resolution: &Resolution, ts_ms: i64) -> Result<bool> {
        let row = ResolutionRow::new(resolution, ts_ms)?;
        let now = now_text();
        match &self.backend {
            Backend::Sqlite(pool) => {
                let op = "insert_resolution";
                let mut conn = pool.acquire().await.map_err(StoreError::query(op))?;
                row.write(&mut conn, &now)
                    .await
                    .map_err(StoreError::query(op))
            }
        }
    }

    /// Records that the resolved `condition`'s redeemable value arrived as cash at `ts_ms` (unix
    /// milliseconds). Returns `false`, and changes nothing, when no resolution of `condition` is
    /// stored or it is already marked redeemed, so a repeat never moves the first timestamp.
    pub async fn mark_redeemed(&self, condition: &ConditionId, ts_ms: i64) -> Result<bool> {
        let now = now_text();
        match &self.backend {
            Backend::Sqlite(pool) => {
                let op = "mark_redeemed";
                let mut conn = pool.acquire().await.map_err(StoreError::query(op))?;
                write_redemption(&mut conn, condition, ts_ms, &now)
                    .await
                    .map_err(StoreError::query(op))
            }
        }
    }

    /// Every stored resolution in the order it was inserted, with its timestamp and, once
    /// redeemed, the redemption's timestamp (unix milliseconds).
    pub async fn resolutions(&self) -> Result<Vec<Stored>> {
        let rows: Vec<(String, i64, Option<i64>, String)> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(ALL)
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("resolutions"))?,
        };
        rows.into_iter()
            .map(|(id, ts, redeemed, data)| Ok((decode_resolution(&id, &data)?, ts, redeemed)))
            .collect()
    }
}

/// Parses a row and checks it is the market its key says.
fn decode_resolution(condition_id: &str, data: &str) -> Result<Resolution> {
    let corrupt = |reason: String| StoreError::Corrupt {
        table: "resolutions",
        key: condition_id.to_owned(),
        reason,
    };
    let resolution: Resolution =
        serde_json::from_str(data).map_err(|e| corrupt(format!("invalid resolution JSON: {e}")))?;
    if resolution.condition.to_string() != condition_id {
        return Err(corrupt(format!(
            "data is for condition {}",
            resolution.condition
        )));
    }
    Ok(resolution)
}
