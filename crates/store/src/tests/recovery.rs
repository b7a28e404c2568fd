//! The crash-recovery property: what a call acknowledged is there when the next process starts.

use std::path::Path;

use polybot_engine::orders::{ClientOrderId, OrderEvent};
use polybot_engine::{Decision, EquitySnapshot, FillStatus, Ledger};
use polybot_model::{Side, Usdc};

use super::{account, sample_fill, sample_order, temp_store, trade, usd, venue_id};
use crate::Store;

/// Writes one of everything and returns what a restarted engine must find.
async fn write_state(store: &Store) -> (Ledger, EquitySnapshot) {
    let mut ledger = Ledger::new();
    ledger.open_account(account("a"), usd("100")).unwrap();
    store
        .upsert_account(&account("a"), usd("100"))
        .await
        .unwrap();

    let mut live = sample_order(1, "a", 11, Side::Buy);
    live.apply(OrderEvent::Sent).unwrap();
    live.apply(OrderEvent::Acknowledged {
        venue_id: venue_id(1),
    })
    .unwrap();
    let mut unknown = sample_order(2, "a", 11, Side::Buy);
    unknown.apply(OrderEvent::Sent).unwrap();
    unknown.apply(OrderEvent::OutcomeUnknown).unwrap();
    store.upsert_orders(&[live, unknown]).await.unwrap();

    for (fill, status) in [
        (
            sample_fill("t1", "a", 11, Side::Buy, "0.5", "4", "0"),
            FillStatus::Matched,
        ),
        (
            sample_fill("t2", "a", 11, Side::Buy, "0.5", "2", "0"),
            FillStatus::Matched,
        ),
    ] {
        ledger.apply_fill(fill.clone(), status).unwrap();
        store.insert_fill(&fill, status).await.unwrap();
    }
    ledger
        .update_status(&trade("t2"), FillStatus::Failed)
        .unwrap();
    store
        .update_fill_status(&trade("t2"), FillStatus::Failed)
        .await
        .unwrap();

    let snapshot = ledger.total(1_234, |_| None);
    store.insert_snapshot(None, &snapshot).await.unwrap();
    store
        .append_decisions(&[(1_234, Decision::Anomaly { detail: "x".into() })])
        .await
        .unwrap();
    (ledger, snapshot)
}

async fn check_state(store: &Store, ledger: &Ledger, snapshot: &EquitySnapshot) {
    let open = store.open_orders().await.unwrap();
    assert_eq!(
        open.iter().map(|o| o.request.client_id).collect::<Vec<_>>(),
        [ClientOrderId(1), ClientOrderId(2)]
    );
    assert_eq!(store.max_client_id().await.unwrap(), Some(ClientOrderId(2)));
    assert_eq!(store.fills(None).await.unwrap().len(), 2);
    assert_eq!(&store.load_ledger().await.unwrap(), ledger);
    assert_eq!(
        store.latest_snapshot(None).await.unwrap().as_ref(),
        Some(snapshot)
    );
    assert_eq!(snapshot.cash, Usdc::dollars(98));
    assert_eq!(store.decisions(0, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn state_survives_close_and_reopen() {
    let (_dir, path, store) = temp_store().await;
    let (ledger, snapshot) = write_state(&store).await;
    store.close().await;
    let store = Store::open(&format!("sqlite://{}?mode=rw", path.display()))
        .await
        .unwrap();
    check_state(&store, &ledger, &snapshot).await;
    store.close().await;
}

/// A `kill -9` stand-in: the files are copied as they are on disk while the writer is still
/// open (no close, no checkpoint, the commits only in the WAL), and a new store opens the copy.
#[tokio::test]
async fn state_survives_a_crash_without_close() {
    let (dir, path, store) = temp_store().await;
    let (ledger, snapshot) = write_state(&store).await;
    let wal = path.with_extension("db-wal");
    assert!(wal.is_file(), "commits are in the WAL");

    let crashed = dir.path().join("crashed");
    std::fs::create_dir(&crashed).unwrap();
    let copy = |from: &Path, name: &str| std::fs::copy(from, crashed.join(name)).unwrap();
    copy(&path, "polybot.db");
    copy(&wal, "polybot.db-wal");

    let recovered = Store::open_sqlite(&crashed.join("polybot.db"))
        .await
        .unwrap();
    check_state(&recovered, &ledger, &snapshot).await;
    recovered.close().await;
    store.close().await;
}
