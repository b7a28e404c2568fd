//! [`Batch`]: one event's worth of engine changes written in one transaction, so that a crash
//! leaves all of them or none. The engine lets the venue send orders only after the batch that
//! decided them is committed, so what a restart reloads never lags what the venue was told.
//!
//! Each part is written with the same row types and statements as its single-purpose method
//! ([`Store::insert_fill`], [`Store::upsert_orders`], …), so the two cannot drift apart.

use polybot_engine::orders::TrackedOrder;
use polybot_engine::{Decision, Fill, FillStatus, Resolution, TradeId};
use polybot_model::ConditionId;

use crate::codec::{now_text, to_json};
use crate::commands::write_completion;
use crate::decisions::{DecisionRow, LoggedDecision, append_chained};
use crate::error::{Result, StoreError};
use crate::fills::{FillRow, write_status};
use crate::orders::OrderRow;
use crate::resolutions::{ResolutionRow, write_redemption};
use crate::{Backend, Store, kv};

/// One event's worth of engine changes, written in one transaction by [`Store::commit_batch`].
///
/// The parts are applied in field order (fills, then their status changes, resolutions, their
/// redemptions, orders, key/value state, decisions, completed operator commands), each with the
/// semantics of its single-purpose method: a fill whose trade id is stored, a resolution whose
/// condition is stored, a redemption already marked, or a command no longer pending is skipped
/// without error, as those methods return `false` for it. Start from [`Batch::empty`] (or
/// [`Default`]) and set only the parts there are:
///
/// ```ignore
/// store.commit_batch(&Batch { fills: &fills, ..Batch::empty(now_ms) }).await?;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Batch<'a> {
    /// Inserted with their status, as by [`Store::insert_fill`].
    pub fills: &'a [(Fill, FillStatus)],
    /// As by [`Store::update_fill_status`]; after `fills`, so a fill can move on in its batch.
    pub statuses: &'a [(TradeId, FillStatus)],
    /// `(resolution, ts_ms)`, as by [`Store::insert_resolution`].
    pub resolutions: &'a [(Resolution, i64)],
    /// `(condition, ts_ms)`, as by [`Store::mark_redeemed`]; after `resolutions`.
    pub redemptions: &'a [(ConditionId, i64)],
    /// As by [`Store::upsert_orders`]: of duplicate client ids, the last wins.
    pub orders: &'a [TrackedOrder],
    /// As by [`Store::kv_set`]: of duplicate keys, the last wins.
    pub kv: &'a [(&'a str, serde_json::Value)],
    /// `(ts, decision)`, appended in order, as by [`Store::append_decisions`].
    pub decisions: &'a [(i64, Decision)],
    /// `(id, ok, result)`, as by [`Store::complete_command`] at `now_ms`.
    pub completed_commands: &'a [(i64, bool, String)],
    /// When the batch was made (unix milliseconds): the completed commands' `updated_ms`.
    pub now_ms: i64,
}

impl<'a> Batch<'a> {
    /// A batch with nothing in it, made at `now_ms`.
    #[must_use]
    pub const fn empty(now_ms: i64) -> Batch<'a> {
        Batch {
            fills: &[],
            statuses: &[],
            resolutions: &[],
            redemptions: &[],
            orders: &[],
            kv: &[],
            decisions: &[],
            completed_commands: &[],
            now_ms,
        }
    }

    /// Whether there is nothing to write.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.fills.is_empty()
            && self.statuses.is_empty()
            && self.resolutions.is_empty()
            && self.redemptions.is_empty()
            && self.orders.is_empty()
            && self.kv.is_empty()
            && self.decisions.is_empty()
            && self.completed_commands.is_empty()
    }
}

impl Store {
    /// Writes every part of `batch` in one transaction: when this returns `Ok` all of it is
    /// durable, and after an error or a crash at any point none of it is there. Values are
    /// encoded before the transaction opens, so an unencodable value fails the batch without
    /// touching the database and the write lock is held only for the statements. An empty batch
    /// writes nothing.
    ///
    /// Returns the decisions as the log now holds them (seq, stage, market, codes, hashes), for
    /// the copy in `decisions.jsonl`.
    pub async fn commit_batch(&self, batch: &Batch<'_>) -> Result<Vec<LoggedDecision>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let fills = batch
            .fills
            .iter()
            .map(|(fill, status)| FillRow::new(fill, *status))
            .collect::<Result<Vec<_>>>()?;
        let resolutions = batch
            .resolutions
            .iter()
            .map(|(resolution, ts_ms)| ResolutionRow::new(resolution, *ts_ms))
            .collect::<Result<Vec<_>>>()?;
        let orders = batch
            .orders
            .iter()
            .map(OrderRow::new)
            .collect::<Result<Vec<_>>>()?;
        let kv = batch
            .kv
            .iter()
            .map(|(key, value)| Ok((*key, to_json(key, value)?)))
            .collect::<Result<Vec<_>>>()?;
        let decisions = batch
            .decisions
            .iter()
            .map(|(ts, decision)| DecisionRow::new(*ts, decision))
            .collect::<Result<Vec<_>>>()?;
        let now = now_text();

        match &self.backend {
            Backend::Sqlite(pool) => {
                // Each part names itself in the error, so a failed batch says which write broke.
                // IMMEDIATE: the write lock is taken (or waited for) up front, so the decision
                // chain's tip read below is still the tip when the decisions are appended.
                let mut tx = pool
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(StoreError::query("commit_batch"))?;
                for row in &fills {
                    row.write(&mut tx, &now)
                        .await
                        .map_err(StoreError::query("commit_batch (fills)"))?;
                }
                for (trade, status) in batch.statuses {
                    write_status(&mut tx, trade, *status, &now)
                        .await
                        .map_err(StoreError::query("commit_batch (fill statuses)"))?;
                }
                for row in &resolutions {
                    row.write(&mut tx, &now)
                        .await
                        .map_err(StoreError::query("commit_batch (resolutions)"))?;
                }
                for (condition, ts_ms) in batch.redemptions {
                    write_redemption(&mut tx, condition, *ts_ms, &now)
                        .await
                        .map_err(StoreError::query("commit_batch (redemptions)"))?;
                }
                for row in &orders {
                    row.write(&mut tx, &now)
                        .await
                        .map_err(StoreError::query("commit_batch (orders)"))?;
                }
                for (key, value) in &kv {
                    kv::write(&mut tx, key, value, &now)
                        .await
                        .map_err(StoreError::query("commit_batch (kv)"))?;
                }
                let logged = append_chained(&mut tx, &decisions)
                    .await
                    .map_err(StoreError::query("commit_batch (decisions)"))?;
                for (id, ok, result) in batch.completed_commands {
                    write_completion(&mut tx, *id, *ok, result, batch.now_ms)
                        .await
                        .map_err(StoreError::query("commit_batch (commands)"))?;
                }
                tx.commit()
                    .await
                    .map_err(StoreError::query("commit_batch"))?;
                Ok(logged)
            }
        }
    }
}
