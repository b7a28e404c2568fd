use polybot_engine::{FillStatus, Ledger, Resolution};
use polybot_model::{ConditionId, Probability, Side, Usdc};

use super::fills::Mirror;
use super::{account, condition_id, sample_fill, temp_store, token_id, trade, usd};
use crate::{Store, StoreError};

/// Market `n`'s resolution, with the tokens of `sample_market(n)` (Yes, No).
pub(super) fn resolution(n: u64, winner: usize) -> Resolution {
    Resolution {
        condition: condition_id(n),
        tokens: vec![token_id(n * 10 + 1), token_id(n * 10 + 2)],
        winner,
    }
}

impl Mirror<'_> {
    async fn resolve(&mut self, resolution: &Resolution, ts_ms: i64) {
        self.ledger.resolve(resolution).unwrap();
        assert!(
            self.store
                .insert_resolution(resolution, ts_ms)
                .await
                .unwrap()
        );
    }

    async fn redeem(&mut self, condition: ConditionId, ts_ms: i64) {
        self.ledger.redeem(condition).unwrap();
        assert!(self.store.mark_redeemed(&condition, ts_ms).await.unwrap());
    }
}

/// The reloaded ledger is worth exactly what the live one is: same accounts, bankrolls, states
/// (cash, positions, redeemable, realized, fees, to the micro), valuations and trade statuses.
/// Whole ledgers are not compared: their histories may list entries in another order.
async fn assert_reloads_as(store: &Store, live: &Ledger, trades: &[&str]) {
    let loaded = store.load_ledger().await.unwrap();
    let ids = |l: &Ledger| l.accounts().map(|(id, _)| id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&loaded), ids(live));
    let mark = |_| Some(Probability::from_micros(370_000).unwrap());
    for (id, account) in live.accounts() {
        let reloaded = loaded.account(id).unwrap();
        assert_eq!(reloaded.bankroll(), account.bankroll(), "{id}");
        assert_eq!(reloaded.state(), account.state(), "{id}");
        assert_eq!(
            loaded.snapshot(id, 9, mark),
            live.snapshot(id, 9, mark),
            "{id}"
        );
        assert_eq!(
            loaded.snapshot(id, 9, |_| None),
            live.snapshot(id, 9, |_| None),
            "{id}"
        );
    }
    assert_eq!(loaded.total(9, mark), live.total(9, mark));
    for id in trades {
        assert_eq!(
            loaded.fill_status(&trade(id)),
            live.fill_status(&trade(id)),
            "{id}"
        );
    }
}

#[tokio::test]
async fn resolution_round_trip_is_idempotent_and_ordered() {
    let (_dir, path, store) = temp_store().await;
    assert!(store.resolutions().await.unwrap().is_empty());

    // Inserted out of condition and time order: reads follow insertion.
    let r9 = resolution(9, 1);
    let r2 = resolution(2, 0);
    assert!(store.insert_resolution(&r9, 2_000).await.unwrap());
    assert!(store.insert_resolution(&r2, 1_000).await.unwrap());
    // A repeat (even a contradicting one) changes nothing.
    assert!(
        !store
            .insert_resolution(&resolution(9, 0), 3_000)
            .await
            .unwrap()
    );

    assert!(store.mark_redeemed(&r2.condition, 5_000).await.unwrap());
    // The first redemption's time stays; unknown conditions are not invented.
    assert!(!store.mark_redeemed(&r2.condition, 6_000).await.unwrap());
    assert!(!store.mark_redeemed(&condition_id(77), 6_000).await.unwrap());

    let expected = vec![(r9.clone(), 2_000, None), (r2.clone(), 1_000, Some(5_000))];
    assert_eq!(store.resolutions().await.unwrap(), expected);

    // The copies kept for SQL.
    let row: (i64, String, i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT seq, tokens, winner, ts, redeemed_ts FROM resolutions WHERE condition_id = $1",
    )
    .bind(r9.condition.to_string())
    .fetch_one(store.sqlite_pool())
    .await
    .unwrap();
    assert_eq!(row, (1, r#"["91","92"]"#.to_owned(), 1, 2_000, None));

    store.close().await;
    let store = Store::open_sqlite(&path).await.unwrap();
    assert_eq!(store.resolutions().await.unwrap(), expected);
    store.close().await;
}

#[tokio::test]
async fn load_ledger_replays_resolutions_and_redemptions() {
    let (_dir, path, store) = temp_store().await;
    let mut m = Mirror {
        store: &store,
        ledger: Ledger::new(),
    };
    let trades = ["t1", "t2", "t3", "t4", "t5", "t6"];
    m.open("strategy:a", "1000").await;
    m.open("wallet:0xb", "500").await;
    // Market 1 is tokens 11 (Yes) / 12 (No), market 2 is 21 / 22.
    m.fill(
        sample_fill("t1", "strategy:a", 11, Side::Buy, "0.40", "100", "0.5"),
        FillStatus::Matched,
    )
    .await;
    m.fill(
        sample_fill("t2", "wallet:0xb", 12, Side::Buy, "0.55", "50", "0"),
        FillStatus::Matched,
    )
    .await;
    m.fill(
        sample_fill("t3", "strategy:a", 21, Side::Buy, "0.30", "20", "0.02"),
        FillStatus::Confirmed,
    )
    .await;
    m.fill(
        sample_fill("t4", "strategy:a", 11, Side::Sell, "0.50", "30", "0.1"),
        FillStatus::Matched,
    )
    .await;
    m.fill(
        sample_fill("t5", "wallet:0xb", 11, Side::Buy, "0.45", "10", "0"),
        FillStatus::Matched,
    )
    .await;
    m.status("t1", FillStatus::Confirmed).await;
    assert_reloads_as(&store, &m.ledger, &trades).await;

    // Market 1 resolves Yes: a's 70 and b's 10 Yes shares become redeemable, b's No is lost.
    m.resolve(&resolution(1, 0), 10_000).await;
    assert_reloads_as(&store, &m.ledger, &trades).await;
    let b = store.load_ledger().await.unwrap();
    let b = b.account(&account("wallet:0xb")).unwrap().state();
    assert_eq!(b.redeemable.get(&condition_id(1)), Some(&usd("10")));
    assert_eq!(b.realized, usd("-22"));

    // Settlement goes on after the resolution: t2 confirms, and b's t5 turns out a ghost,
    // which takes its 10 redeemable shares back.
    m.status("t2", FillStatus::Confirmed).await;
    m.status("t5", FillStatus::Failed).await;
    // A fill in another market after market 1 resolved.
    m.fill(
        sample_fill("t6", "strategy:a", 22, Side::Buy, "0.60", "10", "0"),
        FillStatus::Matched,
    )
    .await;
    assert_reloads_as(&store, &m.ledger, &trades).await;

    m.redeem(condition_id(1), 20_000).await;
    // Market 2 resolves No (22) and is not redeemed yet.
    m.resolve(&resolution(2, 1), 30_000).await;
    assert_reloads_as(&store, &m.ledger, &trades).await;

    // The numbers, by hand: a paid 40 + 0.5, 6 + 0.02, 6, got 15 − 0.1 and the 70 redeemed.
    let loaded = store.load_ledger().await.unwrap();
    let a = loaded.account(&account("strategy:a")).unwrap().state();
    assert_eq!(a.cash, Usdc::from_micros(1_032_380_000));
    assert!(a.positions.is_empty(), "{a:?}");
    assert_eq!(
        a.redeemable.iter().collect::<Vec<_>>(),
        [(&condition_id(2), &usd("10"))]
    );
    // Sold 30 for 3 over cost, 70 resolved at 42 over, 20 lost 6, 10 won 4.
    assert_eq!(a.realized, usd("43"));
    assert_eq!(a.fees, usd("0.62"));
    let b = loaded.account(&account("wallet:0xb")).unwrap().state();
    assert_eq!(b.cash, usd("472.5"));
    assert!(b.redeemable.is_empty(), "{b:?}");
    assert_eq!(b.realized, usd("-27.5"));
    assert_eq!(loaded.total(0, |_| None).equity, usd("1514.88"));

    // And across a restart.
    let live = m.ledger;
    store.close().await;
    let store = Store::open_sqlite(&path).await.unwrap();
    assert_reloads_as(&store, &live, &trades).await;
    store.close().await;
}

#[tokio::test]
async fn a_resolution_nobody_holds_reloads_as_a_no_op() {
    let (_dir, _path, store) = temp_store().await;
    let mut m = Mirror {
        store: &store,
        ledger: Ledger::new(),
    };
    m.open("a", "100").await;
    m.fill(
        sample_fill("t1", "a", 11, Side::Buy, "0.5", "10", "0"),
        FillStatus::Matched,
    )
    .await;
    m.resolve(&resolution(5, 0), 1).await;
    m.redeem(condition_id(5), 2).await;
    assert_reloads_as(&store, &m.ledger, &["t1"]).await;
    store.close().await;
}

#[tokio::test]
async fn bad_resolution_rows_name_the_condition() {
    let (_dir, _path, store) = temp_store().await;
    let key = |n: u64| condition_id(n).to_string();
    let is_corrupt = |err: &StoreError, n: u64| matches!(err, StoreError::Corrupt { table: "resolutions", key: k, .. } if *k == key(n));

    // The store records what it is told; the ledger refuses a winner out of range on reload.
    let invalid = Resolution {
        winner: 2,
        ..resolution(3, 0)
    };
    assert!(store.insert_resolution(&invalid, 1).await.unwrap());
    assert_eq!(store.resolutions().await.unwrap(), vec![(invalid, 1, None)]);
    let err = store.load_ledger().await.unwrap_err();
    assert!(is_corrupt(&err, 3), "{err:?}");
    assert!(err.to_string().contains(&key(3)), "{err}");
    sqlx::query("DELETE FROM resolutions")
        .execute(store.sqlite_pool())
        .await
        .unwrap();

    store.insert_resolution(&resolution(1, 0), 1).await.unwrap();
    store.insert_resolution(&resolution(2, 0), 1).await.unwrap();
    let pool = store.sqlite_pool();
    sqlx::query("UPDATE resolutions SET data = '{\"condition' WHERE condition_id = $1")
        .bind(key(2))
        .execute(pool)
        .await
        .unwrap();
    let err = store.resolutions().await.unwrap_err();
    assert!(is_corrupt(&err, 2), "{err:?}");
    let err = store.load_ledger().await.unwrap_err();
    assert!(is_corrupt(&err, 2), "{err:?}");

    // Another market's resolution under this key.
    sqlx::query(
        "UPDATE resolutions SET data = (SELECT data FROM resolutions WHERE condition_id = $1) \
         WHERE condition_id = $2",
    )
    .bind(key(1))
    .bind(key(2))
    .execute(pool)
    .await
    .unwrap();
    let err = store.resolutions().await.unwrap_err();
    assert!(is_corrupt(&err, 2), "{err:?}");
    store.close().await;
}
