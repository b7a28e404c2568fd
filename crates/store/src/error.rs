//! [`StoreError`]: every failure names what it was doing, so a log line is enough to act on.

use std::path::PathBuf;

/// Boxed because opening fails either in the filesystem (parent directories) or in the driver.
type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be created or connected to.
    #[error("cannot open database {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: Cause,
    },

    /// The schema could not be brought up to date; the store refuses to run on an unknown
    /// schema rather than corrupt it (for instance a file written by a newer polybot).
    #[error("cannot migrate database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// A statement failed; `op` names the store operation it belonged to.
    #[error("database error during {op}: {source}")]
    Query {
        op: &'static str,
        #[source]
        source: sqlx::Error,
    },

    /// A stored row cannot be turned back into its value. The row is left in place so it can be
    /// inspected; the caller decides whether to skip it or stop.
    #[error("corrupt row in `{table}` for {key}: {reason}")]
    Corrupt {
        table: &'static str,
        /// The row's key: a condition id, a kv key, an order's client id (`c7`), a trade id, a
        /// decision's seq.
        key: String,
        reason: String,
    },

    /// A value could not be serialised to JSON before writing (e.g. a map with non-string keys).
    #[error("cannot encode value for {key} as JSON: {source}")]
    Encode {
        key: String,
        #[source]
        source: serde_json::Error,
    },

    /// The URL names a database this build cannot talk to. Only the scheme is kept, so that a
    /// password in the URL never reaches a log.
    #[error("unsupported database backend `{scheme}`: {reason}")]
    UnsupportedBackend {
        scheme: String,
        reason: &'static str,
    },

    /// The URL is for a supported backend but malformed.
    #[error("invalid database URL: {reason}")]
    InvalidUrl { reason: String },
}

impl StoreError {
    /// Shorthand for `map_err` on driver calls.
    pub(crate) fn query(op: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| StoreError::Query { op, source }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
