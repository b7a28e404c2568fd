use polybot_engine::orders::{ClientOrderId, OrderEvent, TrackedOrder};
use polybot_engine::{Decision, Fill, FillStatus, Ledger, Resolution, TradeId};
use polybot_model::{ConditionId, Side};
use serde_json::{Value, json};

use super::resolutions::resolution;
use super::{account, condition_id, sample_fill, sample_order, temp_store, trade, usd};
use crate::{Batch, CommandStatus, DecisionRecord, Store, StoreError, StoredCommand};

/// What a store holds before a batch: account `a`, fill `t0`, pending order 1, kv `old`, one
/// pending command. Returns the command's id and the matching live ledger.
async fn seed(store: &Store) -> (i64, Ledger) {
    let mut ledger = Ledger::new();
    ledger.open_account(account("a"), usd("100")).unwrap();
    store
        .upsert_account(&account("a"), usd("100"))
        .await
        .unwrap();
    let t0 = sample_fill("t0", "a", 21, Side::Buy, "0.5", "10", "0");
    ledger.apply_fill(t0.clone(), FillStatus::Matched).unwrap();
    store.insert_fill(&t0, FillStatus::Matched).await.unwrap();
    store
        .upsert_order(&sample_order(1, "a", 11, Side::Buy))
        .await
        .unwrap();
    store.kv_set("old", &1).await.unwrap();
    let id = store
        .enqueue_command("place", &json!({ "token": "11" }), 1_000)
        .await
        .unwrap();
    (id, ledger)
}

/// One of every part, some touching what [`seed`] wrote, some repeating or naming nothing.
struct Parts {
    fills: Vec<(Fill, FillStatus)>,
    statuses: Vec<(TradeId, FillStatus)>,
    resolutions: Vec<(Resolution, i64)>,
    redemptions: Vec<(ConditionId, i64)>,
    orders: Vec<TrackedOrder>,
    kv: Vec<(&'static str, Value)>,
    decisions: Vec<(i64, Decision)>,
    completed: Vec<(i64, bool, String)>,
}

impl Parts {
    fn new(command: i64) -> Parts {
        let mut sent = sample_order(1, "a", 11, Side::Buy);
        sent.apply(OrderEvent::Sent).unwrap();
        Parts {
            fills: vec![
                (
                    sample_fill("t1", "a", 11, Side::Buy, "0.4", "50", "0.1"),
                    FillStatus::Matched,
                ),
                // The venue repeating t0, with another status: skipped.
                (
                    sample_fill("t0", "a", 21, Side::Buy, "0.5", "10", "0"),
                    FillStatus::Confirmed,
                ),
            ],
            // t1 moves on in the batch that inserts it; t0 turns out a ghost.
            statuses: vec![
                (trade("t1"), FillStatus::Confirmed),
                (trade("t0"), FillStatus::Failed),
                (trade("unknown"), FillStatus::Mined),
            ],
            resolutions: vec![(resolution(1, 0), 10_000)],
            // Redeemed in the batch that resolves it; the second names no resolution.
            redemptions: vec![(condition_id(1), 20_000), (condition_id(9), 20_000)],
            orders: vec![sent, sample_order(2, "a", 12, Side::Sell)],
            kv: vec![("algos", json!([{ "id": 3 }])), ("old", json!(2))],
            decisions: vec![
                (5_000, Decision::Anomaly { detail: "x".into() }),
                (
                    6_000,
                    Decision::CancelSent {
                        client_id: ClientOrderId(2),
                    },
                ),
            ],
            completed: vec![
                (command, true, "placed as c2".into()),
                (999, false, "no such command".into()),
            ],
        }
    }

    fn batch(&self) -> Batch<'_> {
        Batch {
            fills: &self.fills,
            statuses: &self.statuses,
            resolutions: &self.resolutions,
            redemptions: &self.redemptions,
            orders: &self.orders,
            kv: &self.kv,
            decisions: &self.decisions,
            completed_commands: &self.completed,
            now_ms: 7_000,
        }
    }

    /// `live` after the batch, as the kernel would have it.
    fn apply(&self, live: &mut Ledger) {
        for (fill, status) in &self.fills {
            live.apply_fill(fill.clone(), *status).unwrap();
        }
        for (id, status) in &self.statuses[..2] {
            live.update_status(id, *status).unwrap();
        }
        live.resolve(&self.resolutions[0].0).unwrap();
        live.redeem(condition_id(1)).unwrap();
    }
}

/// Everything a reader can see of the store, through the public getters.
#[derive(Debug, PartialEq)]
struct Seen {
    fills: Vec<(Fill, FillStatus)>,
    resolutions: Vec<(Resolution, i64, Option<i64>)>,
    orders: Vec<TrackedOrder>,
    kv: (Option<Value>, Option<Value>),
    decisions: Vec<DecisionRecord>,
    commands: Vec<Option<StoredCommand>>,
    ledger: Ledger,
}

async fn seen(store: &Store, command: i64) -> Seen {
    Seen {
        fills: store.fills(None).await.unwrap(),
        resolutions: store.resolutions().await.unwrap(),
        orders: store.orders_by_account(&account("a")).await.unwrap(),
        kv: (
            store.kv_get("algos").await.unwrap(),
            store.kv_get("old").await.unwrap(),
        ),
        decisions: store.decisions(0, 100).await.unwrap(),
        commands: vec![
            store.command(command).await.unwrap(),
            store.command(999).await.unwrap(),
        ],
        ledger: store.load_ledger().await.unwrap(),
    }
}

/// The store holds exactly `parts` applied on top of [`seed`], `live` being the ledger then.
async fn assert_applied(store: &Store, command: i64, parts: &Parts, live: &Ledger) {
    let s = seen(store, command).await;
    let t0 = parts.fills[1].0.clone();
    let t1 = parts.fills[0].0.clone();
    assert_eq!(
        s.fills,
        [(t0, FillStatus::Failed), (t1, FillStatus::Confirmed)]
    );
    assert_eq!(
        s.resolutions,
        [(resolution(1, 0), 10_000, Some(20_000))],
        "resolved and redeemed in one batch"
    );
    assert_eq!(s.orders, parts.orders);
    assert_eq!(store.max_client_id().await.unwrap(), Some(ClientOrderId(2)));
    assert_eq!(s.kv, (Some(json!([{ "id": 3 }])), Some(json!(2))));
    assert_eq!(
        s.decisions
            .iter()
            .map(|r| (r.seq, r.ts, r.decision.clone()))
            .collect::<Vec<_>>(),
        [
            (1, parts.decisions[0].0, parts.decisions[0].1.clone()),
            (2, parts.decisions[1].0, parts.decisions[1].1.clone()),
        ]
    );
    let done = s.commands[0].as_ref().unwrap();
    assert_eq!(
        (done.status, done.result.as_deref(), done.updated_ms),
        (CommandStatus::Done, Some("placed as c2"), Some(7_000))
    );
    assert_eq!(s.commands[1], None);
    assert!(store.pending_commands().await.unwrap().is_empty());

    // The reloaded ledger is the live one (compared by account state: with a resolution the
    // histories may list entries in another order).
    let a = account("a");
    let loaded = s.ledger.account(&a).unwrap();
    assert_eq!(loaded.state(), live.account(&a).unwrap().state());
    assert_eq!(loaded.bankroll(), usd("100"));
    assert_eq!(
        loaded.state().cash,
        usd("129.9"),
        "100 - 20 - 0.1, then 50 redeemed"
    );
    assert!(loaded.state().positions.is_empty());
    assert!(loaded.state().redeemable.is_empty(), "redeemed");
    for id in ["t0", "t1"] {
        assert_eq!(
            s.ledger.fill_status(&trade(id)),
            live.fill_status(&trade(id))
        );
    }
}

#[tokio::test]
async fn a_batch_with_every_part_round_trips() {
    let (_dir, path, store) = temp_store().await;
    let (command, mut live) = seed(&store).await;
    let parts = Parts::new(command);
    parts.apply(&mut live);
    store.commit_batch(&parts.batch()).await.unwrap();
    assert_applied(&store, command, &parts, &live).await;

    // And across a restart.
    store.close().await;
    let store = Store::open_sqlite(&path).await.unwrap();
    assert_applied(&store, command, &parts, &live).await;

    // The same batch again changes nothing but what the single-purpose methods would: the
    // repeated fills, resolution, redemption and completion are skipped, orders and kv are
    // rewritten as they were, and the decisions are appended again.
    store.commit_batch(&parts.batch()).await.unwrap();
    let again = seen(&store, command).await;
    let before = {
        let mut s = seen(&store, command).await;
        s.decisions.truncate(2);
        s
    };
    assert_eq!(again.decisions.len(), 4);
    assert_eq!(
        Seen {
            decisions: again.decisions[..2].to_vec(),
            ..again
        },
        before
    );
    store.close().await;
}

#[tokio::test]
async fn an_empty_batch_writes_nothing() {
    let (_dir, _path, store) = temp_store().await;
    let (command, _) = seed(&store).await;
    let before = seen(&store, command).await;

    assert!(Batch::empty(1).is_empty());
    assert!(Batch::default().is_empty());
    // It does not even take the write lock: another writer holding it does not delay it.
    let mut writer = store.sqlite_pool().acquire().await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *writer)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    store.commit_batch(&Batch::empty(1)).await.unwrap();
    store.commit_batch(&Batch::default()).await.unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    sqlx::query("ROLLBACK").execute(&mut *writer).await.unwrap();
    drop(writer);

    assert_eq!(seen(&store, command).await, before);

    // Only the parts given are written.
    let kv = [("only", json!("this"))];
    let batch = Batch {
        kv: &kv,
        ..Batch::empty(2)
    };
    assert!(!batch.is_empty());
    store.commit_batch(&batch).await.unwrap();
    assert_eq!(
        store.kv_get::<String>("only").await.unwrap().as_deref(),
        Some("this")
    );
    assert_eq!(seen(&store, command).await, before);
    store.close().await;
}

/// A part failing anywhere, from encoding before the transaction to its last statement, leaves
/// nothing of the batch; the store is usable afterwards and the same batch then lands whole.
#[tokio::test]
async fn a_failing_part_leaves_nothing_of_the_batch() {
    // (what to plant, the part it breaks, how to undo it)
    let cases = [
        (
            "CREATE TRIGGER planted BEFORE UPDATE ON operator_commands \
             BEGIN SELECT RAISE(ABORT, 'planted failure'); END",
            "commit_batch (commands)",
            "DROP TRIGGER planted",
        ),
        (
            "CREATE TRIGGER planted BEFORE INSERT ON decisions \
             BEGIN SELECT RAISE(ABORT, 'planted failure'); END",
            "commit_batch (decisions)",
            "DROP TRIGGER planted",
        ),
        (
            "ALTER TABLE decisions RENAME TO decisions_away",
            "commit_batch (decisions)",
            "ALTER TABLE decisions_away RENAME TO decisions",
        ),
        (
            "CREATE TRIGGER planted BEFORE INSERT ON kv \
             BEGIN SELECT RAISE(ABORT, 'planted failure'); END",
            "commit_batch (kv)",
            "DROP TRIGGER planted",
        ),
        (
            "CREATE TRIGGER planted BEFORE UPDATE ON fills \
             BEGIN SELECT RAISE(ABORT, 'planted failure'); END",
            "commit_batch (fill statuses)",
            "DROP TRIGGER planted",
        ),
    ];
    for (plant, part, undo) in cases {
        let (_dir, _path, store) = temp_store().await;
        let (command, mut live) = seed(&store).await;
        let before = seen(&store, command).await;
        let parts = Parts::new(command);

        sqlx::query(plant)
            .execute(store.sqlite_pool())
            .await
            .unwrap();
        let err = store.commit_batch(&parts.batch()).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::Query { op, .. } if *op == part),
            "{part}: {err:?}"
        );
        sqlx::query(undo)
            .execute(store.sqlite_pool())
            .await
            .unwrap();
        assert_eq!(seen(&store, command).await, before, "{part}");

        parts.apply(&mut live);
        store.commit_batch(&parts.batch()).await.unwrap();
        assert_applied(&store, command, &parts, &live).await;
        store.close().await;
    }
}

#[tokio::test]
async fn a_value_that_cannot_be_stored_fails_the_batch_before_it_writes() {
    let (_dir, _path, store) = temp_store().await;
    let (command, _) = seed(&store).await;
    let before = seen(&store, command).await;
    let mut parts = Parts::new(command);
    // Client ids above i64::MAX are refused, not wrapped; orders come after fills and statuses.
    parts
        .orders
        .push(sample_order(u64::MAX, "a", 11, Side::Buy));
    let err = store.commit_batch(&parts.batch()).await.unwrap_err();
    assert!(matches!(&err, StoreError::Encode { .. }), "{err:?}");
    assert_eq!(seen(&store, command).await, before);
    store.close().await;
}
