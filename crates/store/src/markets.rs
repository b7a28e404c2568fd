//! Markets: bulk upsert from a scan, lookups by condition id, slug or token, filtered listing.

use chrono::{SecondsFormat, Utc};
use polybot_model::{ConditionId, Market, TokenId};
use sqlx::{AssertSqlSafe, SqlitePool};

use crate::error::{Result, StoreError};
use crate::upsert::Batch;
use crate::{Backend, Store};

/// Which markets [`Store::markets`] returns. The default is every market, ordered by
/// condition id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MarketQuery {
    /// Only markets whose status is `Active` (listed, not closed or resolved). Whether they are
    /// accepting orders right now is not checked: a pause is temporary, see
    /// [`Market::is_tradable`].
    pub active_only: bool,
    /// Only markets with this category, compared ASCII case-insensitively because the venue's
    /// labels and the configuration's do not agree on case.
    pub category: Option<String>,
    /// At most this many markets.
    pub limit: Option<u32>,
    /// Highest total volume first (ties by condition id) instead of by condition id.
    pub order_by_volume_desc: bool,
}

const BY_ID: &str = "SELECT condition_id, data FROM markets WHERE condition_id = $1";

/// Slugs are unique on the venue; should two rows ever share one, the fresher wins.
const BY_SLUG: &str = "\
SELECT condition_id, data FROM markets WHERE slug = $1
ORDER BY updated_at DESC, condition_id LIMIT 1";

const BY_TOKEN: &str = "\
SELECT m.condition_id, m.data FROM market_tokens t
JOIN markets m ON m.condition_id = t.condition_id
WHERE t.token_id = $1";

const COUNT: &str = "SELECT COUNT(*) FROM markets";

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl Store {
    /// Inserts or replaces `markets` and their outcome tokens in one transaction: a scan either
    /// lands whole or not at all, and one commit is what makes thousands of rows cheap. Returns
    /// the number of distinct markets written; of duplicates in `markets`, the last wins.
    pub async fn upsert_markets(&self, markets: &[Market]) -> Result<usize> {
        if markets.is_empty() {
            return Ok(0);
        }
        let batch = Batch::new(markets)?;
        let updated_at = now_text();
        match &self.backend {
            Backend::Sqlite(pool) => {
                let op = "upsert_markets";
                let mut tx = pool.begin().await.map_err(StoreError::query(op))?;
                batch
                    .write(&mut tx, &updated_at)
                    .await
                    .map_err(StoreError::query(op))?;
                tx.commit().await.map_err(StoreError::query(op))?;
            }
        }
        Ok(batch.len())
    }

    pub async fn market(&self, id: &ConditionId) -> Result<Option<Market>> {
        match &self.backend {
            Backend::Sqlite(pool) => fetch_one(pool, "market", BY_ID, id.to_string()).await,
        }
    }

    pub async fn market_by_slug(&self, slug: &str) -> Result<Option<Market>> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                fetch_one(pool, "market_by_slug", BY_SLUG, slug.to_owned()).await
            }
        }
    }

    /// The market an outcome token belongs to, for order-book and fill events that carry only
    /// the token id.
    pub async fn market_by_token(&self, token: &TokenId) -> Result<Option<Market>> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                fetch_one(pool, "market_by_token", BY_TOKEN, token.to_string()).await
            }
        }
    }

    pub async fn markets(&self, filter: &MarketQuery) -> Result<Vec<Market>> {
        let sql = list_sql(filter);
        let op = "markets";
        match &self.backend {
            Backend::Sqlite(pool) => {
                // Safe: `list_sql` concatenates only constant fragments; every value is bound.
                let mut query = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
                if let Some(category) = &filter.category {
                    query = query.bind(category.clone());
                }
                if let Some(limit) = filter.limit {
                    query = query.bind(i64::from(limit));
                }
                let rows = query.fetch_all(pool).await.map_err(StoreError::query(op))?;
                rows.into_iter()
                    .map(|(id, data)| decode_market(&id, &data))
                    .collect()
            }
        }
    }

    pub async fn market_count(&self) -> Result<u64> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let count: i64 = sqlx::query_scalar(COUNT)
                    .fetch_one(pool)
                    .await
                    .map_err(StoreError::query("market_count"))?;
                // COUNT(*) is never negative.
                Ok(u64::try_from(count).unwrap_or(0))
            }
        }
    }
}

/// Builds the listing query from constant fragments; placeholders are numbered in the order
/// [`Store::markets`] binds them (category, then limit).
fn list_sql(filter: &MarketQuery) -> String {
    let mut sql = String::from("SELECT condition_id, data FROM markets WHERE 1 = 1");
    let mut next = 1;
    if filter.active_only {
        sql.push_str(" AND status = 'active'");
    }
    if filter.category.is_some() {
        sql.push_str(&format!(" AND LOWER(category) = LOWER(${next})"));
        next += 1;
    }
    if filter.order_by_volume_desc {
        sql.push_str(" ORDER BY volume_micros DESC, condition_id");
    } else {
        sql.push_str(" ORDER BY condition_id");
    }
    if filter.limit.is_some() {
        sql.push_str(&format!(" LIMIT ${next}"));
    }
    sql
}

async fn fetch_one(
    pool: &SqlitePool,
    op: &'static str,
    sql: &'static str,
    key: String,
) -> Result<Option<Market>> {
    let row: Option<(String, String)> = sqlx::query_as(sql)
        .bind(key)
        .fetch_optional(pool)
        .await
        .map_err(StoreError::query(op))?;
    row.map(|(id, data)| decode_market(&id, &data)).transpose()
}

/// Parses a row's JSON, and checks it describes the market its key says, so that a row
/// written by hand or by a buggy migration is reported instead of answering for another market.
fn decode_market(condition_id: &str, data: &str) -> Result<Market> {
    let corrupt = |reason: String| StoreError::Corrupt {
        table: "markets",
        key: condition_id.to_owned(),
        reason,
    };
    let market: Market =
        serde_json::from_str(data).map_err(|e| corrupt(format!("invalid market JSON: {e}")))?;
    let stored_id = market.condition_id.to_string();
    if stored_id != condition_id {
        return Err(corrupt(format!("data is for market {stored_id}")));
    }
    Ok(market)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_sql_numbers_placeholders_in_bind_order() {
        let all = MarketQuery {
            active_only: true,
            category: Some("SPORTS".into()),
            limit: Some(5),
            order_by_volume_desc: true,
        };
        let sql = list_sql(&all);
        assert!(sql.contains("status = 'active'"));
        assert!(sql.contains("LOWER($1)"));
        assert!(sql.ends_with("ORDER BY volume_micros DESC, condition_id LIMIT $2"));
        let only_limit = MarketQuery {
            limit: Some(5),
            ..MarketQuery::default()
        };
        assert!(list_sql(&only_limit).ends_with("ORDER BY condition_id LIMIT $1"));
    }
}
