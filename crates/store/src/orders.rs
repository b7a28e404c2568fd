//! Orders: the kernel's [`TrackedOrder`]s by client id, so that a restart reloads every order
//! that may still trade, remembers the ones that closed recently, and resumes client-id
//! numbering where it stopped.

use polybot_engine::orders::{ClientOrderId, OrderState, TrackedOrder};
use polybot_engine::{AccountId, ClosedOrder};
use sqlx::sqlite::SqliteConnection;

use crate::codec::{ms_text, now_text, side_text, to_i64, to_json};
use crate::error::{Result, StoreError};
use crate::{Backend, Store};

const UPSERT: &str = "\
INSERT INTO orders (client_id, account, token_id, side, state, venue_id, filled_micros, data,
                    updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (client_id) DO UPDATE SET
    account = excluded.account,
    token_id = excluded.token_id,
    side = excluded.side,
    state = excluded.state,
    venue_id = excluded.venue_id,
    filled_micros = excluded.filled_micros,
    data = excluded.data,
    updated_at = excluded.updated_at";

const BY_ID: &str = "SELECT client_id, data FROM orders WHERE client_id = $1";

/// The tags of [`OPEN_STATES`], spelled out so the query can use the `orders_state` index.
const OPEN: &str = "\
SELECT client_id, data FROM orders
WHERE state IN ('pending', 'submitted', 'live', 'cancel_pending')
ORDER BY client_id";

/// Closed orders last written at or after `$1`. A closed order is last written when it closes or
/// soon after (a fill reported once it is pruned is booked, not written to its order), so its
/// `updated_at` is no earlier than its close. Only the state is indexed, so this reads every
/// closed order's row: acceptable once per start, and no migration is needed for it.
pub(crate) const CLOSED_SINCE: &str = "\
SELECT client_id, data FROM orders
WHERE state IN ('filled', 'cancelled', 'expired', 'rejected') AND updated_at >= $1
ORDER BY client_id";

const BY_ACCOUNT: &str = "\
SELECT client_id, data FROM orders WHERE account = $1 ORDER BY client_id";

const MAX_ID: &str = "SELECT MAX(client_id) FROM orders";

/// The state tags for which [`OrderState::is_open`] holds; [`OPEN`] lists the same.
#[cfg(test)]
pub(crate) const OPEN_STATES: [&str; 4] = ["pending", "submitted", "live", "cancel_pending"];

/// The stored form of a state: only the kind, details stay in the JSON.
pub(crate) fn state_text(state: &OrderState) -> &'static str {
    match state {
        OrderState::Pending => "pending",
        OrderState::Submitted { .. } => "submitted",
        OrderState::Live => "live",
        OrderState::CancelPending => "cancel_pending",
        OrderState::Filled => "filled",
        OrderState::Cancelled => "cancelled",
        OrderState::Expired => "expired",
        OrderState::Rejected { .. } => "rejected",
    }
}

/// One order ready to bind, computed before any transaction opens.
pub(crate) struct OrderRow<'a> {
    order: &'a TrackedOrder,
    client_id: i64,
    filled: i64,
    data: String,
}

impl<'a> OrderRow<'a> {
    pub(crate) fn new(order: &'a TrackedOrder) -> Result<OrderRow<'a>> {
        let key = order.request.client_id.to_string();
        Ok(OrderRow {
            order,
            client_id: to_i64(&key, "client id", order.request.client_id.0)?,
            filled: to_i64(&key, "filled size (micros)", order.filled.micros())?,
            data: to_json(&key, order)?,
        })
    }

    pub(crate) async fn write(
        &self,
        conn: &mut SqliteConnection,
        updated_at: &str,
    ) -> sqlx::Result<()> {
        let request = &self.order.request;
        sqlx::query(UPSERT)
            .bind(self.client_id)
            .bind(request.account.0.as_str())
            .bind(request.token_id.to_string())
            .bind(side_text(request.side))
            .bind(state_text(&self.order.state))
            .bind(self.order.venue_id.as_ref().map(|v| v.0.as_str()))
            .bind(self.filled)
            .bind(self.data.as_str())
            .bind(updated_at)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

impl Store {
    /// Inserts or replaces an order (keyed by its client id). Durable when it returns.
    pub async fn upsert_order(&self, order: &TrackedOrder) -> Result<()> {
        self.upsert_orders(std::slice::from_ref(order)).await
    }

    /// Inserts or replaces `orders` in one transaction: all of them land or none. Of duplicate
    /// client ids, the last wins.
    pub async fn upsert_orders(&self, orders: &[TrackedOrder]) -> Result<()> {
        if orders.is_empty() {
            return Ok(());
        }
        let rows = orders
            .iter()
            .map(OrderRow::new)
            .collect::<Result<Vec<_>>>()?;
        let updated_at = now_text();
        match &self.backend {
            Backend::Sqlite(pool) => {
                let op = "upsert_orders";
                let mut tx = pool.begin().await.map_err(StoreError::query(op))?;
                for row in &rows {
                    row.write(&mut tx, &updated_at)
                        .await
                        .map_err(StoreError::query(op))?;
                }
                tx.commit().await.map_err(StoreError::query(op))?;
            }
        }
        Ok(())
    }

    pub async fn order(&self, id: ClientOrderId) -> Result<Option<TrackedOrder>> {
        let key = to_i64(&id.to_string(), "client id", id.0)?;
        let row: Option<(i64, String)> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(BY_ID)
                .bind(key)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query("order"))?,
        };
        row.map(|(id, data)| decode_order(id, &data)).transpose()
    }

    /// Orders that may still trade ([`OrderState::is_open`]), by client id: what start-up
    /// reconciles with the venue.
    pub async fn open_orders(&self) -> Result<Vec<TrackedOrder>> {
        self.fetch_orders("open_orders", OPEN, None).await
    }

    /// The orders that closed at or after `since_ms` (Unix milliseconds), by client id: what a
    /// restarted kernel remembers so that a fill the venue reports late is still booked.
    pub async fn closed_orders_since(&self, since_ms: i64) -> Result<Vec<ClosedOrder>> {
        let since = ms_text(since_ms);
        let orders = self
            .fetch_orders("closed_orders_since", CLOSED_SINCE, Some(&since))
            .await?;
        Ok(orders.iter().map(ClosedOrder::of).collect())
    }

    /// Every order of `account`, by client id.
    pub async fn orders_by_account(&self, account: &AccountId) -> Result<Vec<TrackedOrder>> {
        self.fetch_orders("orders_by_account", BY_ACCOUNT, Some(&account.0))
            .await
    }

    /// The highest client id ever stored, so that the kernel resumes numbering above it after a
    /// restart and never reuses an id. `None` for an empty table.
    pub async fn max_client_id(&self) -> Result<Option<ClientOrderId>> {
        let max: Option<i64> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_scalar(MAX_ID)
                .fetch_one(pool)
                .await
                .map_err(StoreError::query("max_client_id"))?,
        };
        max.map(|id| client_id(id).map(ClientOrderId)).transpose()
    }

    async fn fetch_orders(
        &self,
        op: &'static str,
        sql: &'static str,
        bind: Option<&str>,
    ) -> Result<Vec<TrackedOrder>> {
        let rows: Vec<(i64, String)> = match &self.backend {
            Backend::Sqlite(pool) => {
                let mut query = sqlx::query_as(sql);
                if let Some(value) = bind {
                    query = query.bind(value);
                }
                query.fetch_all(pool).await.map_err(StoreError::query(op))?
            }
        };
        rows.into_iter()
            .map(|(id, data)| decode_order(id, &data))
            .collect()
    }
}

fn client_id(id: i64) -> Result<u64> {
    u64::try_from(id).map_err(|_| StoreError::Corrupt {
        table: "orders",
        key: id.to_string(),
        reason: "negative client id".to_owned(),
    })
}

/// Parses a row's JSON and checks it is the order its key says.
fn decode_order(id: i64, data: &str) -> Result<TrackedOrder> {
    let corrupt = |reason: String| StoreError::Corrupt {
        table: "orders",
        key: format!("c{id}"),
        reason,
    };
    let order: TrackedOrder =
        serde_json::from_str(data).map_err(|e| corrupt(format!("invalid order JSON: {e}")))?;
    if i64::try_from(order.request.client_id.0) != Ok(id) {
        return Err(corrupt(format!(
            "data is for order {}",
            order.request.client_id
        )));
    }
    Ok(order)
}
