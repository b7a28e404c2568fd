use polybot_engine::{Applied, Fill, FillStatus, Ledger};
use polybot_model::Side;

use super::{account, sample_fill, temp_store, trade, usd};
use crate::{Store, StoreError};

fn trade_ids(fills: &[(Fill, FillStatus)]) -> Vec<&str> {
    fills.iter().map(|(f, _)| f.trade_id.0.as_str()).collect()
}

#[tokio::test]
async fn fill_round_trip_is_idempotent_and_ordered() {
    let (_dir, _path, store) = temp_store().await;
    // Inserted out of trade-id order: reads follow insertion, not the key.
    let z = sample_fill("z-1", "a", 11, Side::Buy, "0.42", "100", "0.25");
    let b = sample_fill("b-2", "b", 12, Side::Buy, "0.1", "3.5", "0");
    let m = sample_fill("m-3", "a", 11, Side::Sell, "0.61", "40", "0.01");
    assert!(store.insert_fill(&z, FillStatus::Matched).await.unwrap());
    assert!(store.insert_fill(&b, FillStatus::Confirmed).await.unwrap());
    assert!(store.insert_fill(&m, FillStatus::Mined).await.unwrap());

    // The venue repeating a trade changes nothing, not even its status.
    let mut repeat = z.clone();
    repeat.size = polybot_model::Size::shares(1);
    assert!(
        !store
            .insert_fill(&repeat, FillStatus::Failed)
            .await
            .unwrap()
    );

    let all = store.fills(None).await.unwrap();
    assert_eq!(
        all,
        vec![
            (z.clone(), FillStatus::Matched),
            (b.clone(), FillStatus::Confirmed),
            (m.clone(), FillStatus::Mined),
        ]
    );
    assert_eq!(
        trade_ids(&store.fills(Some(&account("a"))).await.unwrap()),
        ["z-1", "m-3"]
    );
    assert_eq!(
        store.fills(Some(&account("b"))).await.unwrap(),
        vec![(b, FillStatus::Confirmed)]
    );
    assert!(store.fills(Some(&account("c"))).await.unwrap().is_empty());

    // The copies kept for SQL.
    let row: (String, String, i64, i64, i64, String, i64) = sqlx::query_as(
        "SELECT account, side, price_micros, size_micros, fee_micros, status, ts \
         FROM fills WHERE trade_id = 'z-1'",
    )
    .fetch_one(store.sqlite_pool())
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "a".into(),
            "BUY".into(),
            420_000,
            100_000_000,
            250_000,
            "matched".into(),
            z.timestamp_ms
        )
    );
    store.close().await;
}

#[tokio::test]
async fn fill_status_updates() {
    let (_dir, _path, store) = temp_store().await;
    let fill = sample_fill("t1", "a", 1, Side::Buy, "0.5", "10", "0");
    store.insert_fill(&fill, FillStatus::Matched).await.unwrap();
    for status in [FillStatus::Mined, FillStatus::Confirmed, FillStatus::Failed] {
        assert!(
            store
                .update_fill_status(&trade("t1"), status)
                .await
                .unwrap()
        );
        assert_eq!(
            store.fills(None).await.unwrap(),
            vec![(fill.clone(), status)]
        );
    }
    assert!(
        !store
            .update_fill_status(&trade("nope"), FillStatus::Confirmed)
            .await
            .unwrap()
    );
    store.close().await;
}

#[tokio::test]
async fn accounts_round_trip() {
    let (_dir, _path, store) = temp_store().await;
    assert!(store.accounts().await.unwrap().is_empty());
    store
        .upsert_account(&account("wallet:0xb"), usd("500"))
        .await
        .unwrap();
    store
        .upsert_account(&account("strategy:a"), usd("1000"))
        .await
        .unwrap();
    store
        .upsert_account(&account("wallet:0xb"), usd("750.5"))
        .await
        .unwrap();
    assert_eq!(
        store.accounts().await.unwrap(),
        vec![
            (account("strategy:a"), usd("1000")),
            (account("wallet:0xb"), usd("750.5")),
        ]
    );
    store.close().await;
}

/// Applies the same operations to a live ledger and to the store, as the kernel would.
pub(super) struct Mirror<'a> {
    pub(super) store: &'a Store,
    pub(super) ledger: Ledger,
}

impl Mirror<'_> {
    pub(super) async fn open(&mut self, name: &str, bankroll: &str) {
        self.ledger
            .open_account(account(name), usd(bankroll))
            .unwrap();
        self.store
            .upsert_account(&account(name), usd(bankroll))
            .await
            .unwrap();
    }

    pub(super) async fn fill(&mut self, fill: Fill, status: FillStatus) {
        let applied = self.ledger.apply_fill(fill.clone(), status).unwrap();
        let inserted = self.store.insert_fill(&fill, status).await.unwrap();
        assert_eq!(inserted, applied == Applied::New, "{}", fill.trade_id);
    }

    pub(super) async fn status(&mut self, id: &str, status: FillStatus) {
        self.ledger.update_status(&trade(id), status).unwrap();
        assert!(
            self.store
                .update_fill_status(&trade(id), status)
                .await
                .unwrap()
        );
    }
}

#[tokio::test]
async fn load_ledger_equals_the_live_ledger() {
    let (_dir, path, store) = temp_store().await;
    let mut m = Mirror {
        store: &store,
        ledger: Ledger::new(),
    };
    assert_eq!(store.load_ledger().await.unwrap(), Ledger::new());

    m.open("strategy:a", "1000").await;
    m.open("wallet:0xb", "500").await;
    m.fill(
        sample_fill("t1", "strategy:a", 1, Side::Buy, "0.40", "100", "0.5"),
        FillStatus::Matched,
    )
    .await;
    m.fill(
        sample_fill("t2", "wallet:0xb", 2, Side::Buy, "0.30", "50", "0"),
        FillStatus::Matched,
    )
    .await;
    m.fill(
        sample_fill("t3", "strategy:a", 1, Side::Buy, "0.60", "100", "0"),
        FillStatus::Matched,
    )
    .await;
    m.status("t1", FillStatus::Mined).await;
    m.status("t1", FillStatus::Confirmed).await;
    m.fill(
        sample_fill("t4", "strategy:a", 1, Side::Sell, "0.70", "50", "0.1"),
        FillStatus::Matched,
    )
    .await;
    assert_eq!(store.load_ledger().await.unwrap(), m.ledger);

    // A ghost fill: t3 fails after a later sell changed the average cost.
    m.status("t3", FillStatus::Failed).await;
    assert_eq!(store.load_ledger().await.unwrap(), m.ledger);
    // The venue repeating the ghost trade is still a duplicate after a reload.
    m.fill(
        sample_fill("t3", "strategy:a", 1, Side::Buy, "0.60", "100", "0"),
        FillStatus::Matched,
    )
    .await;

    m.fill(
        sample_fill("t5", "strategy:a", 3, Side::Buy, "0.25", "20", "0.02"),
        FillStatus::Confirmed,
    )
    .await;
    m.fill(
        sample_fill("t6", "wallet:0xb", 2, Side::Sell, "0.35", "50", "0"),
        FillStatus::Matched,
    )
    .await;
    m.status("t4", FillStatus::Mined).await;
    m.status("t2", FillStatus::Confirmed).await;
    m.status("t6", FillStatus::Confirmed).await;
    // Repeats are no-ops on both sides.
    m.fill(
        sample_fill("t2", "wallet:0xb", 2, Side::Buy, "0.30", "50", "0"),
        FillStatus::Matched,
    )
    .await;

    let loaded = store.load_ledger().await.unwrap();
    assert_eq!(loaded, m.ledger);
    assert_eq!(loaded.fill_status(&trade("t3")), Some(FillStatus::Failed));
    let a = loaded.account(&account("strategy:a")).unwrap().state();
    assert_eq!(a.positions.len(), 2, "{a:?}");
    assert_eq!(
        loaded
            .account(&account("wallet:0xb"))
            .unwrap()
            .state()
            .positions
            .len(),
        0
    );
    assert_eq!(loaded.total(0, |_| None), m.ledger.total(0, |_| None),);

    // And across a restart.
    let live = m.ledger;
    store.close().await;
    let store = Store::open_sqlite(&path).await.unwrap();
    assert_eq!(store.load_ledger().await.unwrap(), live);
    store.close().await;
}

#[tokio::test]
async fn load_ledger_refuses_a_history_the_ledger_could_not_have() {
    let (_dir, _path, store) = temp_store().await;
    store
        .upsert_account(&account("a"), usd("100"))
        .await
        .unwrap();
    let orphan = sample_fill("orphan", "ghost-account", 1, Side::Buy, "0.5", "1", "0");
    store
        .insert_fill(&orphan, FillStatus::Matched)
        .await
        .unwrap();
    let err = store.load_ledger().await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { table: "fills", key, .. } if key == "orphan"),
        "{err:?}"
    );
    store.close().await;

    let (_dir, _path, store) = temp_store().await;
    store
        .upsert_account(&account("a"), usd("100"))
        .await
        .unwrap();
    let oversell = sample_fill("sell", "a", 1, Side::Sell, "0.5", "1", "0");
    store
        .insert_fill(&oversell, FillStatus::Matched)
        .await
        .unwrap();
    let err = store.load_ledger().await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { table: "fills", key, .. } if key == "sell"),
        "{err:?}"
    );
    store.close().await;
}

#[tokio::test]
async fn corrupt_fill_rows_name_the_trade() {
    let (_dir, _path, store) = temp_store().await;
    store
        .upsert_account(&account("a"), usd("100"))
        .await
        .unwrap();
    for id in ["t1", "t2"] {
        let fill = sample_fill(id, "a", 1, Side::Buy, "0.5", "1", "0");
        store.insert_fill(&fill, FillStatus::Matched).await.unwrap();
    }
    let pool = store.sqlite_pool();
    let is_t2 = |err: &StoreError| matches!(err, StoreError::Corrupt { table: "fills", key, .. } if key == "t2");

    sqlx::query("UPDATE fills SET data = '[1, 2' WHERE trade_id = 't2'")
        .execute(pool)
        .await
        .unwrap();
    let err = store.fills(None).await.unwrap_err();
    assert!(is_t2(&err), "{err:?}");
    let err = store.load_ledger().await.unwrap_err();
    assert!(is_t2(&err), "{err:?}");

    // Another trade's JSON under this key.
    sqlx::query("UPDATE fills SET data = (SELECT data FROM fills WHERE trade_id = 't1') WHERE trade_id = 't2'")
        .execute(pool)
        .await
        .unwrap();
    let err = store.fills(Some(&account("a"))).await.unwrap_err();
    assert!(is_t2(&err), "{err:?}");

    // A status this build does not know.
    sqlx::query("UPDATE fills SET data = (SELECT data FROM fills WHERE trade_id = 't1'), status = 'SETTLED' WHERE trade_id = 't1'")
        .execute(pool)
        .await
        .unwrap();
    let err = store.fills(None).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { table: "fills", key, reason } if key == "t1" && reason.contains("SETTLED")),
        "{err:?}"
    );
    store.close().await;
}
