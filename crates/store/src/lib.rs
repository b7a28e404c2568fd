//! polybot's persistence, in SQLite (WAL) through sqlx: markets, small key/value state, the
//! trading engine's orders, fills, ledger accounts, market resolutions, equity snapshots and
//! decision log, and the queue of operator commands from the CLI to a running engine.
//!
//! Start-up is the recovery path: after a crash the engine reloads its orders
//! ([`Store::open_orders`], [`Store::max_client_id`]), its ledger ([`Store::load_ledger`]) and
//! its last equity ([`Store::latest_snapshot`]) from here, then reconciles with the venue. Every
//! write is committed before its call returns, and WAL with `synchronous = NORMAL` keeps a
//! commit across a process crash, so nothing acknowledged is lost to a `kill -9`. What one
//! engine event changed is written as one [`Batch`] ([`Store::commit_batch`]), in one
//! transaction, so a crash leaves all of an event's changes or none of them. The decision log is
//! hash-chained ([`decision_hash`]): [`Store::verify_decisions`] finds an edited, deleted or
//! reordered record.
//!
//! The schema is versioned by embedded migrations applied when the store opens, so a binary
//! never runs against a schema it does not know. Callers see only [`Store`] and plain model
//! types: the backend sits behind a private enum and all SQL lives in this crate, so that a
//! PostgreSQL backend can be added later without touching them. The SQL is written to be
//! portable where SQLite allows it (`$n` placeholders, `ON CONFLICT … DO UPDATE`).

mod batch;
mod chain;
mod codec;
mod commands;
mod decisions;
mod equity;
mod error;
mod fills;
mod forecasts;
mod kv;
mod markets;
mod orders;
mod resolutions;
mod sqlite;
mod upsert;

use std::path::Path;

use sqlx::sqlite::SqlitePool;

pub use batch::Batch;
pub use chain::{ChainBreak, ChainCheck, ChainProblem, ChainReport, GENESIS_HASH, decision_hash};
pub use commands::{CommandStatus, StoredCommand};
pub use decisions::{DecisionRecord, LoggedDecision};
pub use error::{Result, StoreError};
pub use forecasts::{
    ApiUsage, ForecastQuery, MemberProbability, NewForecast, StoredForecast, UsageTotal,
};
pub use markets::MarketQuery;

/// Said by [`StoreError::UnsupportedBackend`] so that a configured Postgres URL fails with an
/// explanation rather than a driver error.
const POSTGRES_PLANNED: &str = "PostgreSQL support is planned but not built yet; use a \
                                sqlite://PATH URL for now";

/// A handle on the database. Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
}

/// One variant per database; each store operation matches on it, so adding a backend is a
/// compile error everywhere it still needs SQL.
#[derive(Debug, Clone)]
enum Backend {
    Sqlite(SqlitePool),
}

impl Store {
    /// Opens the database named by `url`: `sqlite://PATH`, `sqlite:PATH` (optionally with
    /// `?mode=rwc`, the default, or `?mode=rw` to refuse creating a missing file), or
    /// `sqlite::memory:` (a private in-memory database, for tests). `postgres://` and
    /// `postgresql://` are recognised but refused until that backend exists.
    pub async fn open(url: &str) -> Result<Store> {
        let (scheme, rest) = url.split_once(':').ok_or_else(|| StoreError::InvalidUrl {
            reason: "expected sqlite://PATH, sqlite::memory: or postgres://…".to_owned(),
        })?;
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => match sqlite::parse_url(rest)? {
                sqlite::SqliteTarget::File { path, create } => Ok(Store {
                    backend: Backend::Sqlite(sqlite::open_file(&path, create).await?),
                }),
                sqlite::SqliteTarget::Memory => Ok(Store {
                    backend: Backend::Sqlite(sqlite::open_memory().await?),
                }),
            },
            "postgres" | "postgresql" => Err(StoreError::UnsupportedBackend {
                scheme: scheme.to_owned(),
                reason: POSTGRES_PLANNED,
            }),
            _ => Err(StoreError::UnsupportedBackend {
                scheme: scheme.to_owned(),
                reason: "only sqlite:// is supported (PostgreSQL is planned)",
            }),
        }
    }

    /// Opens or creates the SQLite database file at `path` (creating parent directories), in
    /// WAL mode, and applies pending migrations.
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        Ok(Store {
            backend: Backend::Sqlite(sqlite::open_file(path, true).await?),
        })
    }

    /// The latest applied migration, so that operators and health checks can tell which schema
    /// a database file carries. 0 for a database with no migrations applied.
    pub async fn schema_version(&self) -> Result<i64> {
        const SQL: &str = "SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE";
        match &self.backend {
            Backend::Sqlite(pool) => {
                let version: Option<i64> = sqlx::query_scalar(SQL)
                    .fetch_one(pool)
                    .await
                    .map_err(StoreError::query("schema_version"))?;
                Ok(version.unwrap_or(0))
            }
        }
    }

    /// Waits for in-flight queries and closes every connection, so that the WAL is
    /// checkpointed and the file is complete before the process exits. Clones of this store
    /// stop working too.
    pub async fn close(self) {
        match self.backend {
            Backend::Sqlite(pool) => pool.close().await,
        }
    }

    /// The raw pool, for tests that need to reach under the API (e.g. to plant a corrupt row).
    #[cfg(test)]
    fn sqlite_pool(&self) -> &SqlitePool {
        match &self.backend {
            Backend::Sqlite(pool) => pool,
        }
    }
}

#[cfg(test)]
mod tests;
