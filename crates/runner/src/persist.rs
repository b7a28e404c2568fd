//! Writing what one event changed: one transaction, so a crash leaves all of it or none.

use polybot_engine::Changes;
use polybot_store::{Batch, LoggedDecision, Store};

use crate::Result;
use crate::recovery::{ALGOS_KEY, RISK_KEY};

/// Persists `changes` (stamped `now_ms`) and completes the operator commands in `completed`;
/// returns the decisions as the store's log now holds them (for `decisions.jsonl`).
pub async fn persist(
    store: &Store,
    changes: &Changes,
    completed: &[(i64, bool, String)],
    now_ms: i64,
) -> Result<Vec<LoggedDecision>> {
    let resolutions: Vec<_> = changes
        .resolutions
        .iter()
        .map(|r| (r.clone(), now_ms))
        .collect();
    let redemptions: Vec<_> = changes.redemptions.iter().map(|c| (*c, now_ms)).collect();
    let decisions: Vec<_> = changes
        .decisions
        .iter()
        .map(|d| (now_ms, d.clone()))
        .collect();
    let mut kv = Vec::new();
    if let Some(algos) = &changes.algos {
        kv.push((
            ALGOS_KEY,
            serde_json::to_value(algos).map_err(|e| {
                crate::RunError::Setup(format!("cannot serialize the running algos: {e}"))
            })?,
        ));
    }
    if let Some(risk) = &changes.risk {
        kv.push((
            RISK_KEY,
            serde_json::to_value(risk).map_err(|e| {
                crate::RunError::Setup(format!("cannot serialize the risk state: {e}"))
            })?,
        ));
    }
    let logged = store
        .commit_batch(&Batch {
            fills: &changes.fills,
            statuses: &changes.statuses,
            resolutions: &resolutions,
            redemptions: &redemptions,
            orders: &changes.orders,
            kv: &kv,
            decisions: &decisions,
            completed_commands: completed,
            now_ms,
        })
        .await?;
    Ok(logged)
}
