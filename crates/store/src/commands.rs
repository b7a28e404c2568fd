//! The operator command queue: `polybot order place|cancel` runs as its own process, so it
//! cannot call into the running engine; it enqueues a command here and polls [`Store::command`]
//! until the engine, which takes [`Store::pending_commands`], has completed it. The database is
//! the only thing both processes share, and it already survives either one crashing.
//!
//! The store does not know what a command means: `kind` and the JSON `payload` are the caller's,
//! so new commands need no migration.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::sqlite::SqliteConnection;

use crate::codec::to_json;
use crate::error::{Result, StoreError};
use crate::{Backend, Store};

const INSERT: &str = "\
INSERT INTO operator_commands (created_ms, kind, payload, status, result, updated_ms)
VALUES ($1, $2, $3, 'pending', NULL, NULL)";

const BY_ID: &str = "\
SELECT id, created_ms, kind, payload, status, result, updated_ms
FROM operator_commands WHERE id = $1";

/// Ids increase with insertion, so this is oldest first whatever clocks the writers had.
const PENDING: &str = "\
SELECT id, created_ms, kind, payload, status, result, updated_ms
FROM operator_commands WHERE status = 'pending' ORDER BY id";

/// The `status = 'pending'` guard makes completion a compare-and-set: SQLite runs one writer at
/// a time, so of two engines completing one command exactly one sees a row change.
const COMPLETE: &str = "\
UPDATE operator_commands SET status = $1, result = $2, updated_ms = $3
WHERE id = $4 AND status = 'pending'";

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
);

/// Where a command is. It leaves `Pending` once and never comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandStatus {
    /// Enqueued; no engine has completed it yet.
    Pending,
    /// The engine carried it out; `result` says what happened (e.g. the order's client id).
    Done,
    /// The engine refused it or it failed; `result` says why.
    Failed,
}

impl CommandStatus {
    /// The stored form, also fit for display.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CommandStatus::Pending => "pending",
            CommandStatus::Done => "done",
            CommandStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<CommandStatus> {
        match text {
            "pending" => Some(CommandStatus::Pending),
            "done" => Some(CommandStatus::Done),
            "failed" => Some(CommandStatus::Failed),
            _ => None,
        }
    }
}

impl std::fmt::Display for CommandStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operator command as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCommand {
    /// Increasing, never reused: what the CLI polls by.
    pub id: i64,
    /// When it was enqueued (unix milliseconds, as the caller gave it).
    pub created_ms: i64,
    /// What to do, as the caller named it (e.g. `place`, `cancel`).
    pub kind: String,
    /// The arguments, as JSON; see [`StoredCommand::decode_payload`].
    pub payload: String,
    pub status: CommandStatus,
    /// What the engine reported when it completed the command; `None` while pending.
    pub result: Option<String>,
    /// When it left pending (unix milliseconds, as the engine gave it).
    pub updated_ms: Option<i64>,
}

impl StoredCommand {
    /// The payload as `T`. A payload that does not decode is [`StoreError::Corrupt`] naming the
    /// command, so the engine can complete it as failed with that message instead of guessing.
    pub fn decode_payload<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.payload).map_err(|e| StoreError::Corrupt {
            table: "operator_commands",
            key: self.id.to_string(),
            reason: format!(
                "`{}` payload does not decode as {}: {e}",
                self.kind,
                std::any::type_name::<T>()
            ),
        })
    }
}

impl Store {
    /// Queues a command of `kind` with `payload` (stored as JSON), pending, created at `now_ms`
    /// (unix milliseconds); returns its id. Durable when it returns, so an engine started later
    /// still finds it.
    pub async fn enqueue_command<T: Serialize + ?Sized>(
        &self,
        kind: &str,
        payload: &T,
        now_ms: i64,
    ) -> Result<i64> {
        let payload = to_json(&format!("operator command `{kind}`"), payload)?;
        let id = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query(INSERT)
                .bind(now_ms)
                .bind(kind)
                .bind(payload)
                .execute(pool)
                .await
                .map_err(StoreError::query("enqueue_command"))?
                .last_insert_rowid(),
        };
        Ok(id)
    }

    /// Commands still pending, oldest first.
    pub async fn pending_commands(&self) -> Result<Vec<StoredCommand>> {
        let rows: Vec<Row> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(PENDING)
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("pending_commands"))?,
        };
        rows.into_iter().map(decode_command).collect()
    }

    /// Moves a pending command to done (`ok`) or failed, with `result` for the operator, at
    /// `now_ms` (unix milliseconds). Returns `false`, and changes nothing, when the command is
    /// not pending (already completed, or no such id): the first completion is final, so two
    /// engines can never both complete one command, and the one that gets `false` must not
    /// report its own outcome as the command's.
    pub async fn complete_command(
        &self,
        id: i64,
        ok: bool,
        result: &str,
        now_ms: i64,
    ) -> Result<bool> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let op = "complete_command";
                let mut conn = pool.acquire().await.map_err(StoreError::query(op))?;
                write_completion(&mut conn, id, ok, result, now_ms)
                    .await
                    .map_err(StoreError::query(op))
            }
        }
    }

    /// The command with `id`, in whatever state it is, or `None` if there is none.
    pub async fn command(&self, id: i64) -> Result<Option<StoredCommand>> {
        let row: Option<Row> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(BY_ID)
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query("command"))?,
        };
        row.map(decode_command).transpose()
    }
}

/// Moves a pending command to done (`ok`) or failed; returns whether it was pending.
pub(crate) async fn write_completion(
    conn: &mut SqliteConnection,
    id: i64,
    ok: bool,
    result: &str,
    now_ms: i64,
) -> sqlx::Result<bool> {
    let status = if ok {
        CommandStatus::Done
    } else {
        CommandStatus::Failed
    };
    let done = sqlx::query(COMPLETE)
        .bind(status.as_str())
        .bind(result)
        .bind(now_ms)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Turns a row into a command; the payload stays raw JSON, only the status is checked.
fn decode_command(row: Row) -> Result<StoredCommand> {
    let (id, created_ms, kind, payload, status, result, updated_ms) = row;
    let status = CommandStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
        table: "operator_commands",
        key: id.to_string(),
        reason: format!("unknown status `{status}`"),
    })?;
    Ok(StoredCommand {
        id,
        created_ms,
        kind,
        payload,
        status,
        result,
        updated_ms,
    })
}
