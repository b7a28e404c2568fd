use polybot_engine::Decision;
use polybot_engine::FillStatus;
use polybot_engine::orders::ClientOrderId;
use polybot_engine::sim::CloseReason;
use polybot_model::{Price, Side, Size};

use super::{account, sample_order, temp_store, token_id, usd};
use crate::StoreError;

fn sample_decisions() -> Vec<Decision> {
    vec![
        Decision::Placed {
            order: sample_order(1, "a", 11, Side::Buy).request,
            reason: "edge 3c".into(),
        },
        Decision::Refused {
            account: account("a"),
            token: token_id(12),
            code: "insufficient_cash".into(),
        },
        Decision::CancelSent {
            client_id: ClientOrderId(1),
        },
        Decision::Filled {
            client_id: ClientOrderId(1),
            trade_id: "t1".into(),
            side: Side::Buy,
            price: Price::parse("0.5").unwrap(),
            size: Size::shares(3),
            fee: usd("0.01"),
        },
        Decision::Closed {
            client_id: ClientOrderId(1),
            reason: CloseReason::Cancelled,
        },
        Decision::Rejected {
            client_id: ClientOrderId(2),
            reason: "tick".into(),
        },
        Decision::TradeStatus {
            trade_id: "t1".into(),
            status: FillStatus::Failed,
        },
        Decision::Anomaly {
            detail: "overfill".into(),
        },
    ]
}

#[tokio::test]
async fn decisions_append_in_order_and_page() {
    let (_dir, _path, store) = temp_store().await;
    assert_eq!(store.append_decisions(&[]).await.unwrap(), None);
    assert!(store.decisions(0, 100).await.unwrap().is_empty());

    let all = sample_decisions();
    let first: Vec<(i64, Decision)> = all[..3].iter().map(|d| (1_000, d.clone())).collect();
    let rest: Vec<(i64, Decision)> = all[3..].iter().map(|d| (2_000, d.clone())).collect();
    assert_eq!(store.append_decisions(&first).await.unwrap(), Some(3));
    assert_eq!(store.append_decisions(&rest).await.unwrap(), Some(8));

    let log = store.decisions(0, 100).await.unwrap();
    assert_eq!(
        log.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    assert_eq!(
        log.iter().map(|r| r.decision.clone()).collect::<Vec<_>>(),
        all
    );
    assert_eq!(log[2].ts, 1_000);
    assert_eq!(log[3].ts, 2_000);

    let page = store.decisions(3, 2).await.unwrap();
    assert_eq!(page, log[3..5].to_vec());
    assert!(store.decisions(8, 10).await.unwrap().is_empty());

    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM decisions ORDER BY seq")
        .fetch_all(store.sqlite_pool())
        .await
        .unwrap();
    let expected: Vec<&str> = all.iter().map(Decision::kind).collect();
    assert_eq!(kinds, expected);
    assert_eq!(
        expected,
        [
            "placed",
            "refused",
            "cancel_sent",
            "filled",
            "closed",
            "rejected",
            "trade_status",
            "anomaly"
        ]
    );
    store.close().await;
}

#[tokio::test]
async fn corrupt_decision_rows_name_the_seq() {
    let (_dir, _path, store) = temp_store().await;
    let batch: Vec<(i64, Decision)> = sample_decisions().into_iter().map(|d| (1, d)).collect();
    store.append_decisions(&batch).await.unwrap();
    sqlx::query("UPDATE decisions SET data = '{\"Nonsense\":{}}' WHERE seq = 5")
        .execute(store.sqlite_pool())
        .await
        .unwrap();
    assert_eq!(store.decisions(0, 4).await.unwrap().len(), 4);
    let err = store.decisions(0, 100).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { table: "decisions", key, .. } if key == "5"),
        "{err:?}"
    );
    store.close().await;
}

// ---- the hash chain ----

/// Decisions about order 1 on token 11: placed, filled (names only the order), its trade's
/// status (names only the trade), an algo started and done on token 12, and a refusal.
fn chain_sample() -> Vec<Decision> {
    vec![
        Decision::Placed {
            order: sample_order(1, "a", 11, Side::Buy).request,
            reason: "manual".into(),
        },
        Decision::Filled {
            client_id: ClientOrderId(1),
            trade_id: "t1".into(),
            side: Side::Buy,
            price: Price::parse("0.5").unwrap(),
            size: Size::shares(3),
            fee: usd("0.01"),
        },
        Decision::TradeStatus {
            trade_id: "t1".into(),
            status: FillStatus::Confirmed,
        },
        Decision::AlgoStarted {
            id: ClientOrderId(2),
            account: account("a"),
            token: token_id(12),
            side: Side::Sell,
            price: Price::parse("0.6").unwrap(),
            kind: "twap".into(),
        },
        Decision::AlgoDone {
            id: ClientOrderId(2),
            code: "completed".into(),
        },
        Decision::Refused {
            account: account("a"),
            token: token_id(13),
            code: "insufficient_cash".into(),
        },
        Decision::Rejected {
            client_id: ClientOrderId(1),
            reason: "not enough balance".into(),
        },
    ]
}

/// A store holding order 1, trade t1 and the sample decisions, appended one batch per decision
/// (as the engine does, one batch per event).
async fn chained_store() -> (tempfile::TempDir, std::path::PathBuf, crate::Store) {
    let (dir, path, store) = temp_store().await;
    let order = sample_order(1, "a", 11, Side::Buy);
    let fill = super::sample_fill("t1", "a", 11, Side::Buy, "0.5", "3", "0.01");
    let fills = [(fill, FillStatus::Matched)];
    for (i, decision) in chain_sample().into_iter().enumerate() {
        let ts = 1_000 + i as i64;
        let decisions = [(ts, decision)];
        let orders = [order.clone()];
        let batch = crate::Batch {
            orders: if i == 0 { &orders } else { &[] },
            fills: if i == 1 { &fills } else { &[] },
            decisions: &decisions,
            ..crate::Batch::empty(ts)
        };
        let logged = store.commit_batch(&batch).await.unwrap();
        assert_eq!(logged.len(), 1);
        assert_eq!(logged[0].seq, i as i64 + 1);
    }
    (dir, path, store)
}

async fn exec(store: &crate::Store, sql: &'static str) {
    sqlx::query(sql).execute(store.sqlite_pool()).await.unwrap();
}

#[tokio::test]
async fn the_log_records_stage_market_and_codes_and_the_chain_verifies() {
    let (_dir, _path, store) = chained_store().await;
    let log = store.decisions_filtered(None, None, 0, 100).await.unwrap();
    let summary: Vec<(i64, &str, Option<&str>, Vec<&str>)> = log
        .iter()
        .map(|d| {
            (
                d.seq,
                d.stage.as_str(),
                d.market.as_deref(),
                d.codes.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "EXECUTE", Some("11"), vec!["manual"]),
            (2, "MONITOR", Some("11"), vec!["fill"]),
            (3, "MONITOR", Some("11"), vec!["trade_confirmed"]),
            (4, "EXECUTE", Some("12"), vec!["twap"]),
            (5, "EXECUTE", Some("12"), vec!["completed"]),
            (6, "RISK", Some("13"), vec!["insufficient_cash"]),
            (7, "EXECUTE", Some("11"), vec!["venue_rejected"]),
        ]
    );
    // Linked: genesis, then each record's prev_hash is the hash before it, and each hash is
    // the hash of its content.
    assert_eq!(log[0].prev_hash.as_deref(), Some(crate::GENESIS_HASH));
    for pair in log.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
    }
    for d in &log {
        assert_eq!(d.expected_hash(), d.hash, "seq {}", d.seq);
        assert_eq!(d.decision().unwrap(), chain_sample()[(d.seq - 1) as usize]);
    }
    assert_eq!(
        store.decision_chain_tip().await.unwrap(),
        Some((7, log[6].hash.clone().unwrap()))
    );
    assert_eq!(store.decision_hash_at(3).await.unwrap(), log[2].hash);
    assert_eq!(store.decision_hash_at(99).await.unwrap(), None);

    let report = store.verify_decisions().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(
        (
            report.records,
            report.chained,
            report.legacy,
            report.first_chained
        ),
        (7, 7, 0, Some(1))
    );
    assert_eq!(report.last, Some((7, log[6].hash.clone().unwrap())));

    // Filters and the latest records.
    let on_11 = store
        .decisions_filtered(None, Some("11"), 0, 100)
        .await
        .unwrap();
    assert_eq!(
        on_11.iter().map(|d| d.seq).collect::<Vec<_>>(),
        [1, 2, 3, 7]
    );
    let monitor = store
        .decisions_filtered(Some(polybot_engine::Stage::Monitor), Some("11"), 2, 100)
        .await
        .unwrap();
    assert_eq!(monitor.iter().map(|d| d.seq).collect::<Vec<_>>(), [3]);
    let latest = store.latest_decisions(None, None, 2).await.unwrap();
    assert_eq!(latest.iter().map(|d| d.seq).collect::<Vec<_>>(), [6, 7]);
    let latest = store
        .latest_decisions(Some(polybot_engine::Stage::Execute), Some("12"), 10)
        .await
        .unwrap();
    assert_eq!(latest.iter().map(|d| d.seq).collect::<Vec<_>>(), [4, 5]);
    assert_eq!(
        store.chained_decisions(5, 10).await.unwrap(),
        log[5..].to_vec()
    );
    store.close().await;
}

#[tokio::test]
async fn an_edited_record_fails_verification_at_its_seq() {
    let (_dir, _path, store) = chained_store().await;
    exec(
        &store,
        "UPDATE decisions SET data = replace(data, 't1', 't9') WHERE seq = 2",
    )
    .await;
    let report = store.verify_decisions().await.unwrap();
    let broken = report.broken.clone().expect("the edit is found");
    assert_eq!(broken.seq, 2);
    assert_eq!(broken.problem, crate::ChainProblem::Edited);
    assert!(
        broken
            .to_string()
            .starts_with("seq 2: the record was edited"),
        "{broken}"
    );
    assert_eq!(report.chained, 1, "checking stops at the break");

    // The hashed columns other than data are covered too.
    for (edit, undo) in [
        (
            "UPDATE decisions SET stage = 'RISK' WHERE seq = 4",
            "UPDATE decisions SET stage = 'EXECUTE' WHERE seq = 4",
        ),
        (
            "UPDATE decisions SET market = '99' WHERE seq = 4",
            "UPDATE decisions SET market = '12' WHERE seq = 4",
        ),
        (
            "UPDATE decisions SET codes = '[\"other\"]' WHERE seq = 4",
            "UPDATE decisions SET codes = '[\"twap\"]' WHERE seq = 4",
        ),
        (
            "UPDATE decisions SET ts = ts + 1 WHERE seq = 4",
            "UPDATE decisions SET ts = ts - 1 WHERE seq = 4",
        ),
    ] {
        exec(
            &store,
            "UPDATE decisions SET data = replace(data, 't9', 't1') WHERE seq = 2",
        )
        .await;
        exec(&store, edit).await;
        let broken = store.verify_decisions().await.unwrap().broken;
        assert_eq!(
            broken.map(|b| (b.seq, b.problem)),
            Some((4, crate::ChainProblem::Edited)),
            "{edit}"
        );
        exec(&store, undo).await;
        assert!(
            store.verify_decisions().await.unwrap().is_intact(),
            "{undo}"
        );
        exec(
            &store,
            "UPDATE decisions SET data = replace(data, 't1', 't9') WHERE seq = 2",
        )
        .await;
    }

    // Codes that are not a list at all.
    exec(
        &store,
        "UPDATE decisions SET data = replace(data, 't9', 't1') WHERE seq = 2",
    )
    .await;
    exec(&store, "UPDATE decisions SET codes = 'twap' WHERE seq = 4").await;
    let broken = store.verify_decisions().await.unwrap().broken.unwrap();
    assert_eq!(broken.seq, 4);
    assert!(
        matches!(broken.problem, crate::ChainProblem::Malformed(_)),
        "{broken}"
    );
    store.close().await;
}

#[tokio::test]
async fn a_rehashed_edit_breaks_the_next_link() {
    let (_dir, _path, store) = chained_store().await;
    // Replace record 3's hash with that of edited content: record 3 checks out, record 4's
    // link does not.
    let log = store.decisions_filtered(None, None, 0, 100).await.unwrap();
    let mut forged = log[2].clone();
    forged.ts += 1;
    let hash = forged.expected_hash().unwrap();
    sqlx::query("UPDATE decisions SET ts = $1, hash = $2 WHERE seq = 3")
        .bind(forged.ts)
        .bind(hash)
        .execute(store.sqlite_pool())
        .await
        .unwrap();
    let broken = store.verify_decisions().await.unwrap().broken.unwrap();
    assert_eq!(
        (broken.seq, broken.problem),
        (4, crate::ChainProblem::Unlinked { previous: Some(3) })
    );
    store.close().await;
}

#[tokio::test]
async fn a_deleted_record_fails_verification() {
    // In the middle: the record after it names the gap.
    let (_dir, _path, store) = chained_store().await;
    exec(&store, "DELETE FROM decisions WHERE seq = 4").await;
    let broken = store.verify_decisions().await.unwrap().broken.unwrap();
    assert_eq!(
        (broken.seq, &broken.problem),
        (5, &crate::ChainProblem::Missing { from: 4, to: 4 })
    );
    assert!(
        broken.to_string().contains("seq 4 before it is missing"),
        "{broken}"
    );
    store.close().await;

    // At the end: the chain is intact but shorter than what was handed out.
    let (_dir, _path, store) = chained_store().await;
    exec(&store, "DELETE FROM decisions WHERE seq >= 6").await;
    let report = store.verify_decisions().await.unwrap();
    assert_eq!(report.chained, 5);
    let broken = report.broken.unwrap();
    assert_eq!(
        (broken.seq, broken.problem),
        (6, crate::ChainProblem::TailMissing { from: 6, to: 7 })
    );
    store.close().await;

    // At the start.
    let (_dir, _path, store) = chained_store().await;
    exec(&store, "DELETE FROM decisions WHERE seq = 1").await;
    let broken = store.verify_decisions().await.unwrap().broken.unwrap();
    assert_eq!(
        (broken.seq, broken.problem),
        (2, crate::ChainProblem::Unlinked { previous: None })
    );
    store.close().await;
}

#[tokio::test]
async fn appending_after_a_reopen_continues_the_chain() {
    let (_dir, path, store) = chained_store().await;
    let tip = store.decision_chain_tip().await.unwrap().unwrap();
    store.close().await;

    let store = crate::Store::open_sqlite(&path).await.unwrap();
    let more: Vec<(i64, Decision)> = sample_decisions().into_iter().map(|d| (5_000, d)).collect();
    assert_eq!(store.append_decisions(&more).await.unwrap(), Some(15));
    let next = store.chained_decisions(7, 100).await.unwrap();
    assert_eq!(next.len(), 8);
    assert_eq!(next[0].prev_hash.as_ref(), Some(&tip.1));
    let report = store.verify_decisions().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.chained, 15);
    store.close().await;
}

#[tokio::test]
async fn legacy_rows_are_an_unchained_prefix() {
    let (_dir, _path, store) = temp_store().await;
    // Rows as migration 0002 wrote them, then backfilled by 0004 (stage and market only).
    let placed = serde_json::to_string(&chain_sample()[0]).unwrap();
    let filled = serde_json::to_string(&chain_sample()[1]).unwrap();
    for (kind, data) in [("placed", &placed), ("filled", &filled)] {
        sqlx::query("INSERT INTO decisions (ts, kind, data) VALUES (1, $1, $2)")
            .bind(kind)
            .bind(data)
            .execute(store.sqlite_pool())
            .await
            .unwrap();
    }
    // The migration's backfill, run again on these rows, gives what the engine would say.
    let migration = include_str!("../../migrations/0004_decision_chain.sql");
    let code: String = migration
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    for statement in code.split(';').map(str::trim) {
        if statement.starts_with("UPDATE") {
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
                .execute(store.sqlite_pool())
                .await
                .unwrap();
        }
    }
    let legacy = store.decisions_filtered(None, None, 0, 10).await.unwrap();
    assert_eq!(legacy.len(), 2);
    for d in &legacy {
        let decision = d.decision().unwrap();
        assert_eq!(d.stage, decision.stage().as_str());
        assert_eq!(
            d.market.as_deref(),
            Some("11"),
            "the fill's market comes from its order"
        );
        assert_eq!(d.codes, decision.reason_codes());
        assert_eq!((&d.prev_hash, &d.hash), (&None, &None));
    }
    assert_eq!(
        store
            .decisions_filtered(Some(polybot_engine::Stage::Monitor), Some("11"), 0, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // The chain starts after them, from the genesis hash.
    store
        .append_decisions(&[(2, chain_sample()[5].clone())])
        .await
        .unwrap();
    assert!(store.chained_decisions(0, 10).await.unwrap()[0].seq == 3);
    assert_eq!(
        store.decision_hash_at(3).await.unwrap(),
        store.chained_decisions(0, 10).await.unwrap()[0].hash
    );
    let report = store.verify_decisions().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(
        (
            report.records,
            report.legacy,
            report.chained,
            report.first_chained
        ),
        (3, 2, 1, Some(3))
    );
    let first = &store.chained_decisions(0, 1).await.unwrap()[0];
    assert_eq!(first.prev_hash.as_deref(), Some(crate::GENESIS_HASH));

    // A hashless row after the chain began is not legacy.
    sqlx::query("INSERT INTO decisions (ts, kind, data) VALUES (3, 'placed', $1)")
        .bind(&placed)
        .execute(store.sqlite_pool())
        .await
        .unwrap();
    let broken = store.verify_decisions().await.unwrap().broken.unwrap();
    assert_eq!(
        (broken.seq, broken.problem),
        (4, crate::ChainProblem::Unchained { chain_start: 3 })
    );
    // New records still link to the last chained one.
    store
        .append_decisions(&[(4, chain_sample()[5].clone())])
        .await
        .unwrap();
    let tail = store.chained_decisions(3, 10).await.unwrap();
    assert_eq!(tail[0].seq, 5);
    assert_eq!(tail[0].prev_hash, store.decision_hash_at(3).await.unwrap());
    store.close().await;
}

#[tokio::test]
async fn concurrent_writers_keep_one_chain() {
    let (_dir, path, store) = temp_store().await;
    let other = crate::Store::open_sqlite(&path).await.unwrap();
    let write = |store: crate::Store, ts: i64| async move {
        for _ in 0..25 {
            let decisions = [
                (ts, chain_sample()[5].clone()),
                (ts, chain_sample()[6].clone()),
            ];
            store
                .commit_batch(&crate::Batch {
                    decisions: &decisions,
                    ..crate::Batch::empty(ts)
                })
                .await
                .unwrap();
        }
    };
    tokio::join!(write(store.clone(), 1), write(other.clone(), 2));
    let report = store.verify_decisions().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.chained, 100);
    other.close().await;
    store.close().await;
}
