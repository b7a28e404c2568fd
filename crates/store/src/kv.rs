//! Key/value state: small values that must survive a restart (cursors, last-seen ids, flags),
//! stored as JSON so that adding one needs no migration.

use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Result, StoreError};
use crate::{Backend, Store};

const SET: &str = "\
INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";

const GET: &str = "SELECT value FROM kv WHERE key = $1";

const DELETE: &str = "DELETE FROM kv WHERE key = $1";

impl Store {
    /// Stores `value` under `key`, replacing any previous value.
    pub async fn kv_set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        let json = serde_json::to_string(value).map_err(|source| StoreError::Encode {
            key: key.to_owned(),
            source,
        })?;
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
        match &self.backend {
            Backend::Sqlite(pool) => {
                sqlx::query(SET)
                    .bind(key)
                    .bind(json)
                    .bind(now)
                    .execute(pool)
                    .await
                    .map_err(StoreError::query("kv_set"))?;
            }
        }
        Ok(())
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
