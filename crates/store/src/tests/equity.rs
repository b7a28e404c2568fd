use polybot_engine::EquitySnapshot;
use polybot_model::Usdc;

use super::{account, temp_store};

fn snap(ts: i64, equity: i64) -> EquitySnapshot {
    EquitySnapshot {
        timestamp_ms: ts,
        cash: Usdc::from_micros(equity - 300),
        redeemable: Usdc::from_micros(100),
        positions_value: Usdc::from_micros(200),
        equity: Usdc::from_micros(equity),
        realized: Usdc::from_micros(-12_345_678),
        unrealized: Usdc::from_micros(-1),
        fees: Usdc::from_micros(42),
    }
}

#[tokio::test]
async fn snapshots_per_account_and_in_total() {
    let (_dir, _path, store) = temp_store().await;
    let a = account("strategy:a");
    let b = account("wallet:0xb");
    assert_eq!(store.latest_snapshot(None).await.unwrap(), None);
    assert_eq!(store.latest_snapshot(Some(&a)).await.unwrap(), None);

    // Inserted out of time order: reads order by timestamp.
    store
        .insert_snapshot(Some(&a), &snap(2_000, 1_000_000))
        .await
        .unwrap();
    store
        .insert_snapshot(Some(&a), &snap(1_000, 900_000))
        .await
        .unwrap();
    store
        .insert_snapshot(Some(&b), &snap(5_000, 7))
        .await
        .unwrap();
    store
        .insert_snapshot(None, &snap(1_500, 2_000_000))
        .await
        .unwrap();
    store
        .insert_snapshot(None, &snap(3_000, 2_500_000))
        .await
        .unwrap();

    assert_eq!(
        store.latest_snapshot(Some(&a)).await.unwrap(),
        Some(snap(2_000, 1_000_000))
    );
    assert_eq!(
        store.latest_snapshot(Some(&b)).await.unwrap(),
        Some(snap(5_000, 7))
    );
    assert_eq!(
        store.latest_snapshot(None).await.unwrap(),
        Some(snap(3_000, 2_500_000))
    );
    assert_eq!(
        store.snapshots(Some(&a), 0).await.unwrap(),
        vec![snap(1_000, 900_000), snap(2_000, 1_000_000)]
    );
    assert_eq!(
        store.snapshots(Some(&a), 2_000).await.unwrap(),
        vec![snap(2_000, 1_000_000)]
    );
    assert_eq!(
        store.snapshots(None, 1_501).await.unwrap(),
        vec![snap(3_000, 2_500_000)]
    );
    assert!(
        store
            .snapshots(Some(&account("c")), 0)
            .await
            .unwrap()
            .is_empty()
    );

    // Two snapshots with one timestamp: the later insert is the latest.
    store.insert_snapshot(None, &snap(3_000, 1)).await.unwrap();
    assert_eq!(
        store.latest_snapshot(None).await.unwrap(),
        Some(snap(3_000, 1))
    );
    store.close().await;
}
