//! Writing what one event changed: one transaction, so a crash leaves all of it or none.

use polybot_engine::Changes;
use polybot_store::{Batch, Store};

use crate::Result;
use crate::recovery::ALGOS_KEY;

/// Persists `changes` (stamped `now_ms`) and completes the operator commands in `completed`.
pub async fn persist(
    store: &Store,
    changes: &Changes,
    completed: &[(i64, bool, String)],
    now_ms: i64,
) -> Result<()> {
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
    let kv = match &changes.algos {
        Some(algos) => vec![(
            ALGOS_KEY,
            serde_json::to_value(algos).map_err(|e| {
                crate::RunError::Setup(format!("cannot serialize the running algos: {e}"))
            })?,
        )],
        None => Vec::new(),
    };
    store
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
    Ok(())
}
