//! The kernel's decision log: every [`Decision`] in order, for audit and replay checks.

use polybot_engine::Decision;
use sqlx::sqlite::SqliteConnection;

use crate::codec::to_json;
use crate::error::{Result, StoreError};
use crate::{Backend, Store};

const INSERT: &str = "INSERT INTO decisions (ts, kind, data) VALUES ($1, $2, $3)";

const AFTER: &str = "\
SELECT seq, ts, data FROM decisions WHERE seq > $1 ORDER BY seq LIMIT $2";

/// A logged decision and where it sits in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRecord {
    /// Position in the log, increasing, never reused.
    pub seq: i64,
    /// When it was decided (unix milliseconds, as the caller gave it).
    pub ts: i64,
    pub decision: Decision,
}

/// The stored form of a decision's kind, so the log can be filtered in SQL.
pub(crate) fn kind_text(decision: &Decision) -> &'static str {
    match decision {
        Decision::Placed { .. } => "placed",
        Decision::Refused { .. } => "refused",
        Decision::CancelSent { .. } => "cancel_sent",
        Decision::Filled { .. } => "filled",
        Decision::Closed { .. } => "closed",
        Decision::Rejected { .. } => "rejected",
        Decision::TradeStatus { .. } => "trade_status",
        Decision::Anomaly { .. } => "anomaly",
        Decision::CancelRefused { .. } => "cancel_refused",
        Decision::OperatorRefused { .. } => "operator_refused",
        Decision::AlgoStarted { .. } => "algo_started",
        Decision::AlgoDone { .. } => "algo_done",
        Decision::Redeemed { .. } => "redeemed",
    }
}

/// One decision ready to bind, computed before any transaction opens.
pub(crate) struct DecisionRow {
    ts: i64,
    kind: &'static str,
    data: String,
}

impl DecisionRow {
    pub(crate) fn new(ts: i64, decision: &Decision) -> Result<DecisionRow> {
        Ok(DecisionRow {
            ts,
            kind: kind_text(decision),
            data: to_json(&format!("decision at {ts}"), decision)?,
        })
    }

    /// Appends the decision; returns its `seq`.
    pub(crate) async fn write(&self, conn: &mut SqliteConnection) -> sqlx::Result<i64> {
        let done = sqlx::query(INSERT)
            .bind(self.ts)
            .bind(self.kind)
            .bind(self.data.as_str())
            .execute(&mut *conn)
            .await?;
        Ok(done.last_insert_rowid())
    }
}

impl Store {
    /// Appends `(ts, decision)` pairs in order, in one transaction: an event's decisions land
    /// together or not at all. Returns the `seq` of the last one appended (`None` for an empty
    /// slice).
    pub async fn append_decisions(&self, decisions: &[(i64, Decision)]) -> Result<Option<i64>> {
        if decisions.is_empty() {
            return Ok(None);
        }
        let rows = decisions
            .iter()
            .map(|(ts, decision)| DecisionRow::new(*ts, decision))
            .collect::<Result<Vec<_>>>()?;
        let mut last = None;
        match &self.backend {
            Backend::Sqlite(pool) => {
                let op = "append_decisions";
                let mut tx = pool.begin().await.map_err(StoreError::query(op))?;
                for row in &rows {
                    last = Some(row.write(&mut tx).await.map_err(StoreError::query(op))?);
                }
                tx.commit().await.map_err(StoreError::query(op))?;
            }
        }
        Ok(last)
    }

    /// At most `limit` decisions with `seq > after_seq`, oldest first; pass 0 to start at the
    /// beginning and the last `seq` seen to page on.
    pub async fn decisions(&self, after_seq: i64, limit: u32) -> Result<Vec<DecisionRecord>> {
        let rows: Vec<(i64, i64, String)> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(AFTER)
                .bind(after_seq)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("decisions"))?,
        };
        rows.into_iter()
            .map(|(seq, ts, data)| {
                let decision = serde_json::from_str(&data).map_err(|e| StoreError::Corrupt {
                    table: "decisions",
                    key: seq.to_string(),
                    reason: format!("invalid decision JSON: {e}"),
                })?;
                Ok(DecisionRecord { seq, ts, decision })
            })
            .collect()
    }
}
