//! Key/value state: small values that must survive a restart (cursors, last-seen ids, flags),
//! stored as JSON so that adding one needs no migration.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::sqlite::SqliteConnection;

use crate::codec::{now_text, to_json};

use crate::error::{Result, StoreError};
use crate::{Backend, Store};

const SET: &str = "\
INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";

const GET: &str = "SELECT value FROM kv WHERE key = $1";

const DELETE: &str = "DELETE FROM kv WHERE key = $1";

/// Stores the JSON `value` under `key`, replacing any previous value.
pub(crate) async fn write(
    conn: &mut SqliteConnection,
    key: &str,
    value: &str,
    updated_at: &str,
) -> sqlx::Result<()> {
    sqlx::query(SET)
        .bind(key)
        .bind(value)
        .bind(updated_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Store {
    /// Stores `value` under `key`, replacing any previous value.
    pub async fn kv_set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        let json = to_json(key, value)?;
        let now = now_text();
        match &self.backend {
            Backend::Sqlite(pool) => {
                let op = "kv_set";
                let mut conn = pool.acquire().await.map_err(StoreError::query(op))?;
                write(&mut conn, key, &json, &now)
                    .await
                    .map_err(StoreError::query(op))
            }
        }
    }

    /// The value under `key`, or `None` if there is none. A value that does not deserialise as
    /// `T` is [`StoreError::Corrupt`]: it was written as another type or by hand, and guessing
    /// a default would hide that.
    pub async fn kv_get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let json: Option<String> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_scalar(GET)
                .bind(key)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query("kv_get"))?,
        };
        json.map(|json| {
            serde_json::from_str(&json).map_err(|e| StoreError::Corrupt {
                table: "kv",
                key: key.to_owned(),
                reason: format!(
                    "value does not decode as {}: {e}",
                    std::any::type_name::<T>()
                ),
            })
        })
        .transpose()
    }

    /// Removes `key`; returns whether it was there.
    pub async fn kv_delete(&self, key: &str) -> Result<bool> {
        let affected = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query(DELETE)
                .bind(key)
                .execute(pool)
                .await
                .map_err(StoreError::query("kv_delete"))?
                .rows_affected(),
        };
        Ok(affected > 0)
    }
}
