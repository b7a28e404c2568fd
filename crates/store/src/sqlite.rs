//! Connecting to SQLite: URL parsing, connection settings, migrations.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::error::{Result, StoreError};

/// The SQLite schema history, embedded so that a binary always carries the schema it expects.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Long enough to ride out another connection's write transaction (a bulk upsert takes tens of
/// milliseconds), short enough that a stuck writer surfaces as an error instead of a hang.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// SQLite has a single writer, so more connections only help concurrent readers; a handful
/// covers the bot's tasks without holding many file descriptors.
const MAX_CONNECTIONS: u32 = 4;

/// Where a `sqlite:` URL points.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SqliteTarget {
    /// `create` is false for `?mode=rw`: the file must already exist.
    File {
        path: PathBuf,
        create: bool,
    },
    Memory,
}

/// Parses `sqlite://PATH`, `sqlite:PATH`, `sqlite::memory:` and `sqlite://:memory:`, given
/// what follows `sqlite:`.
///
/// The path is taken literally (no percent-decoding). Of the query parameters only `mode=rwc`
/// (the default) and `mode=rw` (the file must exist) are accepted: the store sets the other
/// connection options itself, and a parameter such as `mode=ro` would silently contradict them.
pub(crate) fn parse_url(rest: &str) -> Result<SqliteTarget> {
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
    let mut create = true;
    for param in params.split('&').filter(|p| !p.is_empty()) {
        match param {
            "mode=rwc" => create = true,
            "mode=rw" => create = false,
            other => {
                return Err(StoreError::InvalidUrl {
                    reason: format!(
                        "unsupported sqlite URL parameter `{other}`; only mode=rwc and mode=rw \
                         are accepted, the store sets WAL, synchronous and foreign keys itself"
                    ),
                });
            }
        }
    }
    match path {
        ":memory:" => Ok(SqliteTarget::Memory),
        "" => Err(StoreError::InvalidUrl {
            reason: "sqlite URL has no path; use sqlite://PATH or sqlite::memory:".to_owned(),
        }),
        path => Ok(SqliteTarget::File {
            path: PathBuf::from(path),
            create,
        }),
    }
}

/// Opens a database file in WAL mode and migrates it; with `create`, a missing file and its
/// parent directories are created.
pub(crate) async fn open_file(path: &Path, create: bool) -> Result<SqlitePool> {
    let open_err = |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path
        .parent()
        .filter(|p| create && !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|e| open_err(Box::new(e)))?;
    }
    // WAL lets readers proceed while the scanner writes; NORMAL sync is durable across process
    // crashes in WAL mode and only risks the last commits on power loss, which a re-scan repairs.
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    // Switching a new file to WAL takes an exclusive lock that SQLite does not wait for: a
    // second process opening the same new database at that moment gets "database is locked".
    let mut attempt = 1;
    let pool = loop {
        match SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options.clone())
            .await
        {
            Ok(pool) => break pool,
            Err(e) if is_busy(&e) && attempt < MIGRATE_ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(MIGRATE_RETRY_DELAY).await;
            }
            Err(e) => return Err(open_err(Box::new(e))),
        }
    };
    migrate(pool).await
}

/// SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock for now.
fn is_busy(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .and_then(|code| code.parse::<i32>().ok())
        // Extended result codes keep the primary code in the low byte.
        .is_some_and(|code| matches!(code & 0xff, 5 | 6))
}

/// Opens a private in-memory database, for tests and dry runs.
pub(crate) async fn open_memory() -> Result<SqlitePool> {
    let open_err = |source: sqlx::Error| StoreError::Open {
        path: PathBuf::from(":memory:"),
        source: Box::new(source),
    };
    // Parsing the URL (rather than `filename(":memory:")`) gives each store its own named,
    // shared-cache database, so the pool's connections all see the same data.
    let options = SqliteConnectOptions::from_str("sqlite::memory:")
        .map_err(open_err)?
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    // The database lives only as long as a connection to it: one connection that is never
    // recycled keeps it alive for the life of the pool and avoids shared-cache lock errors.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await
        .map_err(open_err)?;
    migrate(pool).await
}

/// How often a migration that lost a race with another process is retried.
const MIGRATE_ATTEMPTS: u32 = 40;
const MIGRATE_RETRY_DELAY: std::time::Duration = std::time::Duration::from_millis(50);

/// Runs the pending migrations. SQLite has no migration lock: two processes opening a new
/// database together (the engine and `polybot orders`, say) both see a migration as pending and
/// the loser fails with "table already exists". Each migration is one transaction, so the loser
/// simply re-reads what was applied and carries on.
async fn migrate(pool: SqlitePool) -> Result<SqlitePool> {
    let mut attempt = 1;
    loop {
        match MIGRATOR.run(&pool).await {
            Ok(()) => return Ok(pool),
            Err(
                sqlx::migrate::MigrateError::Execute(_)
                | sqlx::migrate::MigrateError::ExecuteMigration(..),
            ) if attempt < MIGRATE_ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(MIGRATE_RETRY_DELAY).await;
            }
            Err(e) => {
                pool.close().await;
                return Err(e.into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sqlite_urls() {
        let file = |p: &str, create: bool| {
            Ok(SqliteTarget::File {
                path: PathBuf::from(p),
                create,
            })
        };
        let parse = |url: &str| parse_url(url).map_err(|_| ());
        assert_eq!(parse("//data/polybot.db"), file("data/polybot.db", true));
        assert_eq!(parse("///abs/polybot.db"), file("/abs/polybot.db", true));
        assert_eq!(parse("polybot.db"), file("polybot.db", true));
        assert_eq!(parse("///abs/x.db?mode=rwc"), file("/abs/x.db", true));
        assert_eq!(parse("///abs/x.db?mode=rw"), file("/abs/x.db", false));
        assert_eq!(parse(":memory:"), Ok(SqliteTarget::Memory));
        assert_eq!(parse("//:memory:"), Ok(SqliteTarget::Memory));
        for bad in [
            "",
            "//",
            "//?mode=rwc",
            "//x.db?mode=ro",
            "//x.db?cache=shared",
        ] {
            assert!(
                matches!(parse_url(bad), Err(StoreError::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }
}
