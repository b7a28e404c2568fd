use polybot_engine::ClosedOrder;
use polybot_engine::orders::{ClientOrderId, OrderEvent, OrderState, TrackedOrder};
use polybot_model::{Side, Size};

use super::{account, sample_order, temp_store, token_id, venue_id};
use crate::StoreError;
use crate::orders::{CLOSED_SINCE, OPEN_STATES, state_text};

fn ids(orders: &[TrackedOrder]) -> Vec<u64> {
    orders.iter().map(|o| o.request.client_id.0).collect()
}

#[test]
fn open_state_tags_match_is_open() {
    let states = [
        OrderState::Pending,
        OrderState::Submitted { unknown: false },
        OrderState::Submitted { unknown: true },
        OrderState::Live,
        OrderState::CancelPending,
        OrderState::Filled,
        OrderState::Cancelled,
        OrderState::Expired,
        OrderState::Rejected {
            reason: "no".into(),
        },
    ];
    for state in states {
        assert_eq!(
            OPEN_STATES.contains(&state_text(&state)),
            state.is_open(),
            "{state:?}"
        );
        assert_eq!(
            CLOSED_SINCE.contains(&format!("'{}'", state_text(&state))),
            !state.is_open(),
            "{state:?}"
        );
    }
}

#[tokio::test]
async fn order_round_trip_and_update() {
    let (_dir, _path, store) = temp_store().await;
    assert_eq!(store.order(ClientOrderId(1)).await.unwrap(), None);
    assert_eq!(store.max_client_id().await.unwrap(), None);

    let mut order = sample_order(1, "strategy:a", 11, Side::Buy);
    store.upsert_order(&order).await.unwrap();
    assert_eq!(
        store.order(ClientOrderId(1)).await.unwrap().as_ref(),
        Some(&order)
    );

    order.apply(OrderEvent::Sent).unwrap();
    order
        .apply(OrderEvent::Acknowledged {
            venue_id: venue_id(1),
        })
        .unwrap();
    order
        .apply(OrderEvent::Fill {
            size: Size::shares(4),
        })
        .unwrap();
    store.upsert_order(&order).await.unwrap();
    let stored = store.order(ClientOrderId(1)).await.unwrap().unwrap();
    assert_eq!(stored, order);
    assert_eq!(stored.venue_id, Some(venue_id(1)));

    // The indexed copies follow the JSON.
    let (state, venue, filled): (String, Option<String>, i64) =
        sqlx::query_as("SELECT state, venue_id, filled_micros FROM orders WHERE client_id = 1")
            .fetch_one(store.sqlite_pool())
            .await
            .unwrap();
    assert_eq!(state, "live");
    assert_eq!(venue, Some(venue_id(1).0));
    assert_eq!(filled, 4_000_000);
    store.upsert_orders(&[]).await.unwrap();
    store.close().await;
}

#[tokio::test]
async fn open_orders_follow_state_changes() {
    let (_dir, _path, store) = temp_store().await;
    let mut orders: Vec<TrackedOrder> = (1..=5)
        .map(|n| sample_order(n, if n % 2 == 0 { "b" } else { "a" }, 10 + n, Side::Buy))
        .collect();
    store.upsert_orders(&orders).await.unwrap();
    assert_eq!(ids(&store.open_orders().await.unwrap()), [1, 2, 3, 4, 5]);

    // 1: rejected; 2: filled; 3: live; 4: cancel pending; 5: submitted, outcome unknown.
    for order in &mut orders {
        order.apply(OrderEvent::Sent).unwrap();
    }
    orders[0]
        .apply(OrderEvent::Rejected {
            reason: "balance".into(),
        })
        .unwrap();
    orders[1]
        .apply(OrderEvent::Fill {
            size: Size::shares(10),
        })
        .unwrap();
    for i in [2, 3] {
        orders[i]
            .apply(OrderEvent::Acknowledged {
                venue_id: venue_id(i as u64),
            })
            .unwrap();
    }
    orders[3].apply(OrderEvent::CancelRequested).unwrap();
    orders[4].apply(OrderEvent::OutcomeUnknown).unwrap();
    store.upsert_orders(&orders).await.unwrap();

    let open = store.open_orders().await.unwrap();
    assert_eq!(ids(&open), [3, 4, 5]);
    assert_eq!(open, orders[2..].to_vec());
    assert!(open.iter().all(|o| o.state.is_open()));

    orders[3].apply(OrderEvent::Cancelled).unwrap();
    store.upsert_order(&orders[3]).await.unwrap();
    assert_eq!(ids(&store.open_orders().await.unwrap()), [3, 5]);

    assert_eq!(
        ids(&store.orders_by_account(&account("a")).await.unwrap()),
        [1, 3, 5]
    );
    assert_eq!(
        ids(&store.orders_by_account(&account("b")).await.unwrap()),
        [2, 4]
    );
    assert!(
        store
            .orders_by_account(&account("nobody"))
            .await
            .unwrap()
            .is_empty()
    );
    store.close().await;
}

#[tokio::test]
async fn max_client_id_is_the_highest_ever_stored() {
    let (_dir, _path, store) = temp_store().await;
    for n in [3, 41, 7] {
        store
            .upsert_order(&sample_order(n, "a", 1, Side::Sell))
            .await
            .unwrap();
    }
    assert_eq!(
        store.max_client_id().await.unwrap(),
        Some(ClientOrderId(41))
    );
    // Closed orders still count: an id is never reused.
    let mut done = sample_order(41, "a", 1, Side::Sell);
    done.apply(OrderEvent::Sent).unwrap();
    done.apply(OrderEvent::Rejected { reason: "x".into() })
        .unwrap();
    store.upsert_order(&done).await.unwrap();
    assert_eq!(
        store.max_client_id().await.unwrap(),
        Some(ClientOrderId(41))
    );
    store.close().await;
}

#[tokio::test]
async fn client_ids_beyond_i64_are_refused_not_wrapped() {
    let (_dir, _path, store) = temp_store().await;
    let order = sample_order(u64::MAX, "a", 1, Side::Buy);
    let err = store.upsert_order(&order).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Encode { key, .. } if key == "c18446744073709551615"),
        "{err:?}"
    );
    assert_eq!(store.max_client_id().await.unwrap(), None);
    store.close().await;
}

#[tokio::test]
async fn corrupt_order_rows_name_the_client_id() {
    let (_dir, _path, store) = temp_store().await;
    store
        .upsert_order(&sample_order(7, "a", 1, Side::Buy))
        .await
        .unwrap();
    store
        .upsert_order(&sample_order(8, "a", 1, Side::Buy))
        .await
        .unwrap();
    let pool = store.sqlite_pool();
    sqlx::query("UPDATE orders SET data = '{\"broken' WHERE client_id = 7")
        .execute(pool)
        .await
        .unwrap();
    let is_c7 = |err: &StoreError| matches!(err, StoreError::Corrupt { table: "orders", key, .. } if key == "c7");
    let err = store.order(ClientOrderId(7)).await.unwrap_err();
    assert!(is_c7(&err), "{err:?}");
    let err = store.open_orders().await.unwrap_err();
    assert!(is_c7(&err), "{err:?}");
    assert!(err.to_string().contains("c7"), "{err}");

    // Valid JSON for another order under this key is corrupt too.
    let other: String = sqlx::query_scalar("SELECT data FROM orders WHERE client_id = 8")
        .fetch_one(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE orders SET data = $1 WHERE client_id = 7")
        .bind(other)
        .execute(pool)
        .await
        .unwrap();
    let err = store.order(ClientOrderId(7)).await.unwrap_err();
    assert!(is_c7(&err), "{err:?}");
    store.close().await;
}

/// `order` closed the way `close` says (after being sent and acknowledged).
fn closed(mut order: TrackedOrder, close: OrderEvent) -> TrackedOrder {
    order.apply(OrderEvent::Sent).unwrap();
    let id = order.request.client_id.0;
    order
        .apply(OrderEvent::Acknowledged {
            venue_id: venue_id(id),
        })
        .unwrap();
    order.apply(close).unwrap();
    order
}

#[tokio::test]
async fn closed_orders_since_lists_orders_closed_after_the_cutoff() {
    let (_dir, _path, store) = temp_store().await;
    let fill = OrderEvent::Fill {
        size: Size::shares(10),
    };
    store
        .upsert_orders(&[
            sample_order(1, "a", 11, Side::Buy), // open
            closed(sample_order(2, "a", 12, Side::Buy), OrderEvent::Cancelled),
            closed(sample_order(3, "b", 13, Side::Sell), fill),
            closed(sample_order(4, "b", 14, Side::Buy), OrderEvent::Expired),
        ])
        .await
        .unwrap();
    // Order 4 closed long ago.
    sqlx::query("UPDATE orders SET updated_at = '2020-01-01T00:00:00.000000Z' WHERE client_id = 4")
        .execute(store.sqlite_pool())
        .await
        .unwrap();
    let cutoff_ms = 1_600_000_000_000; // 2020-09-13, after order 4 closed
    let recent = store.closed_orders_since(cutoff_ms).await.unwrap();
    assert_eq!(
        recent,
        [
            ClosedOrder {
                client_id: ClientOrderId(2),
                account: account("a"),
                token: token_id(12),
                side: Side::Buy,
            },
            ClosedOrder {
                client_id: ClientOrderId(3),
                account: account("b"),
                token: token_id(13),
                side: Side::Sell,
            },
        ]
    );
    let all = store.closed_orders_since(0).await.unwrap();
    let all: Vec<u64> = all.iter().map(|o| o.client_id.0).collect();
    assert_eq!(all, [2, 3, 4], "the open order is never listed");
    let future_ms = chrono::Utc::now().timestamp_millis() + 60_000;
    assert!(
        store
            .closed_orders_since(future_ms)
            .await
            .unwrap()
            .is_empty()
    );
    store.close().await;
}
