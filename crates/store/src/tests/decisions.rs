use polybot_engine::Decision;
use polybot_engine::FillStatus;
use polybot_engine::orders::ClientOrderId;
use polybot_engine::sim::CloseReason;
use polybot_model::{Price, Side, Size};

use super::{account, sample_order, temp_store, token_id, usd};
use crate::StoreError;
use crate::decisions::kind_text;

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
    let expected: Vec<&str> = all.iter().map(kind_text).collect();
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
