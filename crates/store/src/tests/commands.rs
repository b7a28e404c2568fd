use serde::{Deserialize, Serialize};

use super::temp_store;
use crate::{CommandStatus, Store, StoreError, StoredCommand};

/// Stands in for the CLI's order payload; the store never looks inside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Place {
    token: String,
    price: String,
    size: String,
}

fn place() -> Place {
    Place {
        token: "11".into(),
        price: "0.42".into(),
        size: "10".into(),
    }
}

fn pending_ids(commands: &[StoredCommand]) -> Vec<i64> {
    commands.iter().map(|c| c.id).collect()
}

#[tokio::test]
async fn commands_round_trip_and_complete_once() {
    let (_dir, path, store) = temp_store().await;
    assert!(store.pending_commands().await.unwrap().is_empty());
    assert_eq!(store.command(1).await.unwrap(), None);

    let first = store
        .enqueue_command("place", &place(), 1_000)
        .await
        .unwrap();
    // Enqueued with an earlier clock: still after the first, ids decide.
    let second = store
        .enqueue_command("cancel", &serde_json::json!({ "client_id": 7 }), 900)
        .await
        .unwrap();
    assert!(second > first);

    let pending = store.pending_commands().await.unwrap();
    assert_eq!(pending_ids(&pending), [first, second]);
    let stored = &pending[0];
    assert_eq!(
        stored,
        &StoredCommand {
            id: first,
            created_ms: 1_000,
            kind: "place".into(),
            payload: serde_json::to_string(&place()).unwrap(),
            status: CommandStatus::Pending,
            result: None,
            updated_ms: None,
        }
    );
    assert_eq!(stored.decode_payload::<Place>().unwrap(), place());
    assert_eq!(store.command(first).await.unwrap().as_ref(), Some(stored));

    assert!(
        store
            .complete_command(first, true, "placed as c12", 2_000)
            .await
            .unwrap()
    );
    // The first completion is final, whatever the second says.
    assert!(
        !store
            .complete_command(first, false, "too late", 3_000)
            .await
            .unwrap()
    );
    assert!(
        !store
            .complete_command(first, true, "again", 3_000)
            .await
            .unwrap()
    );
    assert!(!store.complete_command(999, true, "x", 3_000).await.unwrap());
    let done = store.command(first).await.unwrap().unwrap();
    assert_eq!(done.status, CommandStatus::Done);
    assert_eq!(done.result.as_deref(), Some("placed as c12"));
    assert_eq!(done.updated_ms, Some(2_000));
    assert_eq!(
        pending_ids(&store.pending_commands().await.unwrap()),
        [second]
    );

    assert!(
        store
            .complete_command(second, false, "no such order c7", 2_500)
            .await
            .unwrap()
    );
    assert!(store.pending_commands().await.unwrap().is_empty());

    store.close().await;
    let store = Store::open_sqlite(&path).await.unwrap();
    let failed = store.command(second).await.unwrap().unwrap();
    assert_eq!(failed.status, CommandStatus::Failed);
    assert_eq!(failed.status.to_string(), "failed");
    assert_eq!(failed.kind, "cancel");
    assert_eq!(failed.result.as_deref(), Some("no such order c7"));
    assert_eq!(store.command(first).await.unwrap(), Some(done));
    store.close().await;
}

/// The CLI and the engine are separate processes with separate pools on one file; two engines
/// racing to complete one command cannot both win.
#[tokio::test]
async fn separate_handles_share_the_queue_and_only_one_completes() {
    let (_dir, path, cli) = temp_store().await;
    let engine_a = Store::open_sqlite(&path).await.unwrap();
    let engine_b = Store::open_sqlite(&path).await.unwrap();

    let id = cli.enqueue_command("place", &place(), 1).await.unwrap();
    for engine in [&engine_a, &engine_b] {
        assert_eq!(pending_ids(&engine.pending_commands().await.unwrap()), [id]);
    }
    let (a, b) = tokio::join!(
        engine_a.complete_command(id, true, "by a", 2),
        engine_b.complete_command(id, false, "by b", 2),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a ^ b, "exactly one completes: a={a} b={b}");
    let seen = cli.command(id).await.unwrap().unwrap();
    let expected = if a {
        (CommandStatus::Done, "by a")
    } else {
        (CommandStatus::Failed, "by b")
    };
    assert_eq!(
        (seen.status, seen.result.as_deref()),
        (expected.0, Some(expected.1))
    );

    engine_a.close().await;
    engine_b.close().await;
    cli.close().await;
}

#[tokio::test]
async fn bad_command_rows_name_the_id() {
    let (_dir, _path, store) = temp_store().await;
    let id = store.enqueue_command("place", &place(), 1).await.unwrap();
    let other = store.enqueue_command("place", &place(), 2).await.unwrap();
    let is_id = |err: &StoreError| matches!(err, StoreError::Corrupt { table: "operator_commands", key, .. } if *key == id.to_string());

    // A payload of another shape is the caller's to report, named by the command.
    let cmd = store.command(id).await.unwrap().unwrap();
    let err = cmd.decode_payload::<Vec<u8>>().unwrap_err();
    assert!(is_id(&err), "{err:?}");

    sqlx::query("UPDATE operator_commands SET status = 'bogus' WHERE id = $1")
        .bind(id)
        .execute(store.sqlite_pool())
        .await
        .unwrap();
    let err = store.command(id).await.unwrap_err();
    assert!(is_id(&err), "{err:?}");
    assert!(err.to_string().contains("bogus"), "{err}");
    // Neither pending nor completable; the rest of the queue is unaffected.
    assert_eq!(
        pending_ids(&store.pending_commands().await.unwrap()),
        [other]
    );
    assert!(!store.complete_command(id, true, "x", 3).await.unwrap());
    store.close().await;
}
